"""Browser sessions: cookie-authenticated changes need the X-CSRF-Token header; bearer calls don't."""
from __future__ import annotations

from typing import Any

import pytest

LOGIN = "/api/v1/auth/login"


def browser(app: Any, demo: Any, username: str) -> tuple[Any, str]:
    """A test client logged in by cookie, and its CSRF token."""
    client = app.test_client()
    r = client.post(LOGIN, json={"username": username, "password": demo.password})
    assert r.status_code == 200
    return client, r.get_json()["csrf_token"]


def test_cookie_post_without_csrf_token_is_refused_and_changes_nothing(app: Any, demo: Any,
                                                                       http: Any) -> None:
    client, _ = browser(app, demo, "canbo18")
    for lang, text in (("vi", "Phiên làm việc đã hết hạn, vui lòng tải lại trang."),
                       ("en", "Your session has expired; please reload the page.")):
        r = client.post("/api/v1/counters/18/open", headers={"Accept-Language": lang})
        assert r.status_code == 403
        assert r.get_json()["error"] == {"code": "csrf_failed", "message": text}
    r = client.post("/api/v1/tickets", json={"service": "TP-LLTP"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "csrf_failed"
    assert client.get("/api/v1/counters/18").get_json()["counter"]["state"] == "closed"
    assert http.stats()["issued"] == 0


def test_cookie_post_with_a_wrong_csrf_token_is_refused(app: Any, demo: Any) -> None:
    client, token = browser(app, demo, "canbo18")
    r = client.post("/api/v1/counters/18/open", headers={"X-CSRF-Token": token + "x"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "csrf_failed"
    other, other_token = browser(app, demo, "canbo17")
    r = client.post("/api/v1/counters/18/open", headers={"X-CSRF-Token": other_token})
    assert r.status_code == 403  # another session's token does not count


def test_cookie_post_with_the_csrf_token_works(app: Any, demo: Any, http: Any) -> None:
    client, token = browser(app, demo, "canbo18")
    assert client.get("/api/v1/me").get_json()["csrf_token"] == token
    r = client.post("/api/v1/counters/18/open", headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.get_json()["counter"]["state"] == "open"
    r = client.post("/api/v1/tickets", json={"service": "TP-LLTP"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and r.get_json()["number"] == "1001"
    assert http.stats()["issued"] == 1


def test_bearer_requests_need_no_csrf_token_even_beside_a_cookie(app: Any, demo: Any,
                                                                  http: Any) -> None:
    client, _ = browser(app, demo, "canbo17")
    bearer = {"Authorization": f"Bearer {http.token('canbo18')}"}
    r = client.post("/api/v1/counters/18/open", headers=bearer)
    assert r.status_code == 200
    assert r.get_json()["counter"]["officer"] == "Cán bộ quầy 18"  # the bearer, not the cookie
    r = client.post("/api/v1/tickets", json={"service": "TP-LLTP"},
                    headers={"Authorization": f"Bearer {demo.token('kiosk-A1')}"})
    assert r.status_code == 201


def test_logout_by_cookie_needs_the_csrf_token(app: Any, demo: Any) -> None:
    client, token = browser(app, demo, "canbo18")
    assert client.post("/api/v1/auth/logout").status_code == 403
    assert client.get("/api/v1/me").status_code == 200  # still logged in
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    r = client.post("/api/v1/counters/18/open", headers={"X-CSRF-Token": token})
    assert r.status_code == 401  # the old token is no use without a session


def test_reads_need_no_csrf_token(app: Any, demo: Any) -> None:
    client, _ = browser(app, demo, "canbo18")
    assert client.get("/api/v1/counters/18").status_code == 200
    assert client.get("/api/v1/queue").status_code == 200


def test_login_over_a_live_session_switches_user(app: Any, demo: Any) -> None:
    client, _ = browser(app, demo, "canbo18")
    r = client.post(LOGIN, json={"username": "canbo19", "password": demo.password})
    assert r.status_code == 200
    assert client.get("/api/v1/me").get_json()["user"]["name"] == "Cán bộ quầy 19"
