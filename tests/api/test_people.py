"""Users and devices administration through /api/v1/admin (issue 8): validation with field-level
messages in vi and en, one-time secrets, revocation, the audit trail (never a password or token),
supervisors read-only, and device heartbeats."""
from __future__ import annotations

import base64
import json
import threading
from typing import Any

from server.store import audit as audit_rows

USERS = "/api/v1/admin/users"
DEVICES = "/api/v1/admin/devices"


def login(http: Any, username: str, password: str) -> Any:
    return http.app.test_client().post("/api/v1/auth/login",
                                       json={"username": username, "password": password})


def audit_text(http: Any) -> str:
    ctx = http.app.extensions["xephang"]
    with ctx.db.read() as conn:
        return json.dumps(audit_rows.entries(conn, limit=1000), ensure_ascii=False)


def test_an_admin_creates_a_user_with_a_password_shown_once(http: Any) -> None:
    made = http.ok("POST", USERS, "quantri", {"username": "lan", "display_name": "Nguyễn Thị Lan",
                                              "role": "officer", "counters": [12, 13]}, status=201)
    password = made["password"]
    assert len(password) == 12 and made["user"]["counters"] == [12, 13]
    assert login(http, "lan", password).status_code == 200
    listed = next(u for u in http.ok("GET", USERS, "quantri")["users"] if u["username"] == "lan")
    assert listed == made["user"] and "password" not in json.dumps(listed)
    trail = audit_text(http)
    assert '"user.create"' in trail and password not in trail and "pbkdf2" not in trail \
        and "scrypt" not in trail
    # A chosen password is kept and not echoed back.
    chosen = http.ok("POST", USERS, "quantri", {"username": "hoa", "role": "supervisor",
                                                "units": ["TP"], "password": "Mua-thu-2026"},
                     status=201)
    assert chosen["password"] is None and chosen["user"]["units"] == ["TP"]
    assert login(http, "hoa", "Mua-thu-2026").get_json()["user"]["units"] == ["TP"]


def test_every_validation_error_names_its_field_in_both_languages(http: Any) -> None:
    cases = [
        ({"username": "canbo17", "role": "officer", "counters": [17]}, "username_taken", "username"),
        ({"username": "Lan Anh", "role": "officer", "counters": [1]}, "username_invalid", "username"),
        ({"username": "lan", "role": "officer", "counters": [99]}, "counter_unknown", "counters"),
        ({"username": "lan", "role": "officer", "counters": []}, "officer_needs_counter", "counters"),
        ({"username": "lan", "role": "supervisor", "units": ["NOPE"]}, "unit_unknown", "units"),
        ({"username": "lan", "role": "chief"}, "role_invalid", "role"),
        ({"username": "lan", "role": "officer", "counters": [1], "password": "12345678"},
         "password_weak", "password"),
        ({"username": "lan", "role": "officer", "counters": [1], "password": "short"},
         "password_weak", "password"),
    ]
    for body, code, field in cases:
        http.refused("POST", USERS, "quantri", body, 400, code)
        assert http.call("POST", USERS, "quantri", body).get_json()["error"]["field"] == field
    assert http.call("POST", USERS, "quantri", cases[2][0], lang="en").get_json()["error"][
        "message"] == "unknown counter 99"
    assert "lan" not in [u["username"] for u in http.ok("GET", USERS, "quantri")["users"]]


def test_supervisors_read_and_officers_see_nothing(http: Any) -> None:
    assert http.ok("GET", USERS, "giamsat")["users"]
    assert http.ok("GET", DEVICES, "giamsat")["devices"]
    http.refused("POST", USERS, "giamsat", {"username": "x", "role": "admin"}, 403, "admin_only")
    http.refused("POST", f"{USERS}/canbo17/disable", "giamsat", {}, 403, "admin_only")
    http.refused("POST", DEVICES, "giamsat", {"name": "x", "kind": "display"}, 403, "admin_only")
    http.refused("GET", USERS, "canbo17", None, 403, "forbidden")
    http.refused("GET", DEVICES, "kiosk-A1", None, 403, "forbidden")


def test_disable_enable_and_reset_end_sessions(http: Any) -> None:
    old = http.token("canbo18")
    assert http.ok("POST", f"{USERS}/canbo18/disable", "quantri")["user"]["active"] is False
    assert http.call("GET", "/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert login(http, "canbo18", http.demo.password).status_code == 401
    http.ok("POST", f"{USERS}/canbo18/enable", "quantri")
    fresh = login(http, "canbo18", http.demo.password).get_json()["token"]
    reset = http.ok("POST", f"{USERS}/canbo18/password", "quantri")
    assert http.call("GET", "/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
    assert login(http, "canbo18", http.demo.password).status_code == 401
    assert login(http, "canbo18", reset["password"]).status_code == 200
    assert reset["password"] not in audit_text(http)
    kinds = audit_text(http)
    assert all(k in kinds for k in ('"user.disable"', '"user.enable"', '"user.reset_password"'))


def test_an_admin_cannot_lock_herself_out_nor_remove_the_last_admin(http: Any) -> None:
    http.refused("POST", f"{USERS}/quantri/disable", "quantri", {}, 400, "cannot_disable_self")
    http.refused("PATCH", f"{USERS}/quantri", "quantri", {"role": "supervisor"}, 400,
                 "cannot_demote_self")
    http.ok("POST", USERS, "quantri", {"username": "admin2", "role": "admin",
                                       "password": "Tram-nam-2026"}, status=201)
    admin2 = login(http, "admin2", "Tram-nam-2026").get_json()["token"]
    headers = {"Authorization": f"Bearer {admin2}"}
    assert http.call("POST", f"{USERS}/quantri/disable", headers=headers).status_code == 200
    # admin2 is now the last admin: nobody can disable or demote her.
    r = http.call("POST", f"{USERS}/admin2/disable", headers=headers)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "cannot_disable_self"
    from server.services.admin import users
    from server.services.auth import CLI
    from server.services.errors import UseCaseError
    ctx = http.app.extensions["xephang"]
    try:
        users.set_active(ctx, CLI, "admin2", False)
        raise AssertionError("the last admin was disabled")
    except UseCaseError as exc:
        assert exc.code == "last_admin"


def test_editing_a_supervisors_units_scopes_her_and_is_audited(http: Any) -> None:
    before = http.token("giamsat")
    edited = http.ok("PATCH", f"{USERS}/giamsat", "quantri",
                     {"display_name": "Trưởng phòng TP", "units": ["TP", "NV"]})
    assert edited["user"]["units"] == ["TP", "NV"]
    # A new scope ends the old session: the next login carries it.
    assert http.call("GET", "/api/v1/me", headers={"Authorization": f"Bearer {before}"}).status_code == 401
    me = login(http, "giamsat", http.demo.password).get_json()
    assert me["user"]["units"] == ["TP", "NV"]
    ctx = http.app.extensions["xephang"]
    with ctx.db.read() as conn:
        [entry] = audit_rows.entries(conn, kind="user.update")
    assert entry["before"]["units"] == [] and entry["after"] == {
        "display_name": "Trưởng phòng TP", "units": ["TP", "NV"]}
    http.refused("PATCH", f"{USERS}/nobody", "quantri", {"role": "officer"}, 404, "user_not_found")


def test_two_admins_creating_the_same_username_at_once_make_one_user(http: Any) -> None:
    results: list[int] = []

    def create() -> None:
        r = http.call("POST", USERS, "quantri", {"username": "trung", "role": "officer",
                                                  "counters": [3]})
        results.append(r.status_code)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 400, 400, 400]
    assert [u["username"] for u in http.ok("GET", USERS, "quantri")["users"]].count("trung") == 1


def test_a_device_is_added_with_a_pairing_link_and_qr_code_shown_once(http: Any) -> None:
    made = http.ok("POST", DEVICES, "quantri", {"name": "board-C", "kind": "display", "zone": "A1"},
                   status=201)
    token = made["token"]
    assert made["pair_url"].endswith(f"/pair?token={token}")
    svg = base64.b64decode(made["pair_qr"].split(",", 1)[1]).decode()
    assert made["pair_qr"].startswith("data:image/svg+xml;base64,") and "<svg" in svg
    me = http.call("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["device"]["name"] == "board-C" and me["device"]["zone"] == "A1"
    listed = next(d for d in http.ok("GET", DEVICES, "quantri")["devices"] if d["name"] == "board-C")
    assert token not in json.dumps(listed) and "token_hash" not in listed
    assert listed["health"]["online"] is False and listed["health"]["seen_at"] is None
    assert token not in audit_text(http) and '"device.create"' in audit_text(http)


def test_device_validation_errors_name_their_field(http: Any) -> None:
    cases = [
        ({"name": "kiosk-A1", "kind": "kiosk"}, "device_name_taken", "name"),
        ({"name": "bad name", "kind": "kiosk"}, "device_name_invalid", "name"),
        ({"name": "x1", "kind": "toaster"}, "device_kind_invalid", "kind"),
        ({"name": "x1", "kind": "display", "zone": "Z9"}, "zone_unknown", "zone"),
        ({"name": "x1", "kind": "counter"}, "device_needs_counter", "counter"),
        ({"name": "x1", "kind": "counter", "counter": 99}, "counter_unknown", "counter"),
        ({"name": "x1", "kind": "kiosk", "printer": "ftp://printer"}, "printer_url_invalid", "printer"),
        ({"name": "x1", "kind": "kiosk", "paper": "A4"}, "paper_invalid", "paper"),
    ]
    for body, code, field in cases:
        http.refused("POST", DEVICES, "quantri", body, 400, code)
        assert http.call("POST", DEVICES, "quantri", body).get_json()["error"]["field"] == field


def test_revoke_and_pair_again(http: Any) -> None:
    old = http.demo.token("board-A1") if "board-A1" in http.demo.devices else None
    name = "board-A1" if old else next(n for n, d in http.demo.devices.items() if d["kind"] == "display")
    old = http.demo.token(name)
    auth = {"Authorization": f"Bearer {old}"}
    assert http.ok("POST", f"{DEVICES}/{name}/revoke", "quantri")["device"]["active"] is False
    assert http.call("GET", "/api/v1/me", headers=auth).status_code == 401
    http.refused("POST", f"{DEVICES}/{name}/revoke", "quantri", {}, 404, "device_not_found")
    again = http.ok("POST", f"{DEVICES}/{name}/pair", "quantri")
    assert again["device"]["active"] is True and again["token"] != old
    assert http.call("GET", "/api/v1/me", headers=auth).status_code == 401
    assert http.call("GET", "/api/v1/me",
                     headers={"Authorization": f"Bearer {again['token']}"}).status_code == 200
    edited = http.ok("PATCH", f"{DEVICES}/kiosk-A1", "quantri", {"paper": "58mm"})
    assert edited["device"]["paper"] == "58mm"
    trail = audit_text(http)
    assert '"device.revoke"' in trail and '"device.pair"' in trail and again["token"] not in trail


def test_a_heartbeat_reports_the_page_and_version(http: Any) -> None:
    beat = http.ok("POST", "/api/v1/devices/heartbeat", "kiosk-A1", {"page": "/kiosk", "version": None})
    assert beat["every_s"] == 20 and beat["version"]
    http.ok("POST", "/api/v1/devices/heartbeat", "kiosk-A1", {"page": "/kiosk", "version": "0.0.9"})
    kiosk = next(d for d in http.ok("GET", DEVICES, "giamsat")["devices"] if d["name"] == "kiosk-A1")
    assert kiosk["health"]["page"] == "/kiosk" and kiosk["health"]["version"] == "0.0.9"
    assert kiosk["health"]["seen_at"] and kiosk["printer_state"]["status"]
    http.refused("POST", "/api/v1/devices/heartbeat", "canbo17", {}, 403, "forbidden")
    http.refused("POST", "/api/v1/devices/heartbeat", None, {}, 401, "unauthorized")
