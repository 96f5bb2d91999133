"""Login, logout and /me: what a user or device sees about itself."""
from __future__ import annotations

from typing import Any

LOGIN = "/api/v1/auth/login"


def test_login_returns_token_csrf_user_and_session_cookie(app: Any, demo: Any) -> None:
    client = app.test_client()
    r = client.post(LOGIN, json={"username": "canbo17", "password": demo.password})
    assert r.status_code == 200
    body = r.get_json()
    assert body["token"] and body["csrf_token"]
    assert body["user"]["role"] == "officer"
    assert body["user"]["name"] == "Cán bộ quầy 17"
    assert body["user"]["counters"] == [17, 18]
    cookie = r.headers.get("Set-Cookie", "")
    assert cookie.startswith("session=") and "HttpOnly" in cookie


def test_bad_password_and_unknown_user_get_the_same_error(http: Any) -> None:
    wrong = http.refused("POST", LOGIN, None, {"username": "canbo17", "password": "nope"},
                         401, "bad_credentials")
    unknown = http.refused("POST", LOGIN, None, {"username": "nobody", "password": "nope"},
                           401, "bad_credentials")
    assert wrong == unknown == {"vi": "Tên đăng nhập hoặc mật khẩu không đúng.",
                                "en": "Wrong username or password."}


def test_login_without_fields_is_bad_credentials_and_non_json_is_bad_json(http: Any) -> None:
    http.refused("POST", LOGIN, None, {"username": "canbo17"}, 401, "bad_credentials")
    http.refused("POST", LOGIN, None, {"username": 5, "password": ["x"]}, 401, "bad_credentials")
    http.refused("POST", LOGIN, None, None, 400, "bad_json", data="username=canbo17",
                 content_type="application/json")


def test_me_for_user_by_bearer_has_no_csrf_token(http: Any) -> None:
    me = http.ok("GET", "/api/v1/me", "giamsat")
    assert me == {"user": {"id": me["user"]["id"], "name": "Giám sát viên", "role": "supervisor",
                           "counters": [], "units": []}}


def test_me_for_devices(http: Any) -> None:
    kiosk = http.ok("GET", "/api/v1/me", "kiosk-A1")["device"]
    assert (kiosk["kind"], kiosk["zone"], kiosk["counter"], kiosk["printer"]) == ("kiosk", "A1", None,
                                                                                  "virtual")
    tablet = http.ok("GET", "/api/v1/me", "counter-17")["device"]
    assert (tablet["kind"], tablet["zone"], tablet["counter"]) == ("counter", "A1", 17)
    board = http.ok("GET", "/api/v1/me", "board-lobby")["device"]
    assert (board["kind"], board["zone"], board["counter"]) == ("display", None, None)


def test_me_refuses_anonymous_and_unknown_tokens(http: Any) -> None:
    msgs = http.refused("GET", "/api/v1/me", None, None, 401, "unauthorized")
    assert msgs["en"] == "Please log in or use a valid device token."
    http.refused("GET", "/api/v1/me", None, None, 401, "unauthorized",
                 headers={"Authorization": "Bearer not-a-token"})


def test_logout_ends_every_token_and_cookie_of_that_person_only(http: Any, app: Any,
                                                                 demo: Any) -> None:
    first = http.token("canbo18")
    browser = app.test_client()
    second = browser.post(LOGIN, json={"username": "canbo18",
                                       "password": demo.password}).get_json()["token"]
    other = http.token("canbo19")
    bearer = {"Authorization": f"Bearer {first}"}
    assert http.call("GET", "/api/v1/me", headers=bearer).status_code == 200
    assert browser.get("/api/v1/me").status_code == 200
    r = http.call("POST", "/api/v1/auth/logout", headers=bearer)
    assert r.status_code == 200 and r.get_json() == {}
    http.refused("GET", "/api/v1/me", None, None, 401, "unauthorized", headers=bearer)
    http.refused("POST", "/api/v1/counters/18/open", None, None, 401, "unauthorized", headers=bearer)
    http.refused("GET", "/api/v1/me", None, None, 401, "unauthorized",
                 headers={"Authorization": f"Bearer {second}"})
    assert browser.get("/api/v1/me").status_code == 401, "the cookie of the same person ended too"
    assert http.call("GET", "/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_cookie_session_me_has_csrf_token_and_logout_ends_it(app: Any, demo: Any) -> None:
    client = app.test_client()
    login = client.post(LOGIN, json={"username": "canbo18", "password": demo.password}).get_json()
    me = client.get("/api/v1/me").get_json()
    assert me["user"]["name"] == "Cán bộ quầy 18"
    assert me["csrf_token"] == login["csrf_token"]
    stolen = client.get_cookie("session")
    assert stolen is not None
    r = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": login["csrf_token"]})
    assert r.status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    replay = app.test_client()  # a copy of the cookie taken before logout no longer works
    replay.set_cookie("session", stolen.value)
    assert replay.get("/api/v1/me").status_code == 401


def test_repeated_wrong_passwords_slow_that_username_at_that_address_only(http: Any) -> None:
    from server.services.auth import PAIR_FREE
    ctx = http.app.extensions["xephang"]
    frozen = ctx.clock()
    ctx.clock = lambda: frozen  # the 1 s backoff must not run out on a slow machine mid-test
    for _ in range(PAIR_FREE):
        assert http.call("POST", "/api/v1/auth/login", None,
                         {"username": "canbo18", "password": "wrong-guess"}).status_code == 401
    http.refused("POST", "/api/v1/auth/login", None,
                 {"username": "canbo18", "password": http.demo.password}, 429, "too_many_attempts")
    r = http.call("POST", "/api/v1/auth/login", None,
                  {"username": "canbo18", "password": http.demo.password})
    assert int(r.headers["Retry-After"]) >= 1
    # Another officer is not affected, nor is the same officer at their own counter's address.
    assert http.call("POST", "/api/v1/auth/login", None,
                     {"username": "canbo19", "password": http.demo.password}).status_code == 200
    own = http.app.test_client()
    r = own.post("/api/v1/auth/login", json={"username": "canbo18", "password": http.demo.password},
                 environ_base={"REMOTE_ADDR": "10.0.0.18"})
    assert r.status_code == 200, r.get_data(as_text=True)
