"""A department head (a supervisor scoped to some units) reads only her units' services, counters,
closures, staff and devices in the administration; site-wide lists (zones, hours, priority
categories, rating reasons, the calendar) stay readable; an administrator and an unscoped
supervisor see everything."""
from __future__ import annotations

import json
from typing import Any

from server.realtime import socketio
from tests.api.conftest import Http
from tests.conftest import DEMO_PASSWORD

SITE, CLOSURES = "/api/v1/admin/site", "/api/v1/admin/closures"
HEAD = {"username": "hoa", "display_name": "Trưởng phòng Tư pháp", "role": "supervisor",
        "units": ["TP"], "password": DEMO_PASSWORD}


def department_head(http: Http, units: list[str] | None = None) -> str:
    """Create the head of the justice department (unit TP) and answer her username."""
    http.ok("POST", "/api/v1/admin/users", "quantri", {**HEAD, "units": units or HEAD["units"]}, 201)
    return "hoa"


def test_a_department_head_sees_only_her_units_services_and_counters(http: Http) -> None:
    head = department_head(http)
    doc = http.ok("GET", SITE, head)
    assert {s["unit"] for s in doc["services"]} == {"TP"}
    assert {s["code"] for s in doc["services"]} == {"TP-LLTP", "TP-QT", "TP-HT", "TP-LSCC"}
    assert [u["code"] for u in doc["units"]] == ["TP"]
    # Counter 17 calls TP and NV (another unit): listed with her services only; 24 (NV) hidden.
    counters = {c["number"]: c for c in doc["counters"]}
    assert set(counters) == {17, 18, 19, 20, 21, 22, 23}
    assert counters[17]["services"] == ["TP-LLTP", "TP-QT", "TP-HT", "TP-LSCC"]
    text = json.dumps(doc)
    assert "NV-GPLD" not in text and "XD-GPXD" not in text
    # Site-wide lists are hers to read too.
    whole = http.ok("GET", SITE, "quantri")
    for key in ("zones", "hours", "categories", "reasons"):
        assert doc[key] == whole[key], key
    assert http.ok("GET", "/api/v1/admin/calendar?year=2026", head)["year"] == 2026
    # The site file holds everything: refused, in her language.
    http.refused("GET", f"{SITE}/export", head, None, 403, "scope_whole_site")
    # Still read-only.
    http.refused("PUT", f"{SITE}/service/TP-LLTP", head, {"name": "x"}, 403, "admin_only")


def test_an_admin_and_an_unscoped_supervisor_still_see_everything(http: Http) -> None:
    department_head(http)
    for who in ("quantri", "giamsat"):
        doc = http.ok("GET", SITE, who)
        assert {"TP-LLTP", "NV-GPLD", "XD-GPXD"} <= {s["code"] for s in doc["services"]}, who
        assert {17, 24, 2} <= {c["number"] for c in doc["counters"]}, who
        counter17 = next(c for c in doc["counters"] if c["number"] == 17)
        assert "NV-GPLD" in counter17["services"]
        assert http.call("GET", f"{SITE}/export", who).status_code == 200


def test_a_department_head_sees_only_her_units_closures(http: Http) -> None:
    head = department_head(http, ["TP", "NV"])
    for scope, code in (("service", "TP-LLTP"), ("service", "XD-GPXD"), ("unit", "NV"),
                        ("unit", "YT")):
        http.ok("POST", CLOSURES, "quantri", {"scope": scope, "code": code, "reason": "mất điện"}, 201)
    hers = {(c["scope"], c["code"]) for c in http.ok("GET", CLOSURES, head)["closures"]}
    assert hers == {("service", "TP-LLTP"), ("unit", "NV")}
    everyone = {(c["scope"], c["code"]) for c in http.ok("GET", CLOSURES, "quantri")["closures"]}
    assert everyone == {("service", "TP-LLTP"), ("service", "XD-GPXD"), ("unit", "NV"), ("unit", "YT")}


USERS, DEVICES = "/api/v1/admin/users", "/api/v1/admin/devices"


def usernames(http: Http, who: str) -> set[str]:
    return {u["username"] for u in http.ok("GET", USERS, who)["users"]}


def device_names(http: Http, who: str) -> set[str]:
    return {d["name"] for d in http.ok("GET", DEVICES, who)["devices"]}


def test_a_department_head_sees_the_staff_of_her_units_only(http: Http) -> None:
    for name, units in (("lan", ["TP", "YT"]), ("minh", ["XD"])):
        http.ok("POST", USERS, "quantri", {"username": name, "role": "supervisor", "units": units}, 201)
    head = department_head(http)
    # Officers of counters 17-23 (calling TP services; canbo17 also works at 18), herself, and the
    # head whose units overlap hers; never an admin, the building's supervisor, another unit's staff.
    assert usernames(http, head) == {f"canbo{n}" for n in range(17, 24)} | {"hoa", "lan"}
    everyone = usernames(http, "quantri")
    assert {"quantri", "giamsat", "canbo24", "canbo1", "minh", "lan", "hoa"} <= everyone
    assert usernames(http, "giamsat") == everyone
    # A disabled officer of hers stays listed (to enable again), a disabled stranger does not.
    # Her page hears only which list changed (naming nobody) and refetches it through her scope.
    page = socketio.test_client(http.app, auth={"token": http.token(head)})
    page.get_received()
    http.ok("POST", f"{USERS}/canbo18/disable", "quantri", {})
    http.ok("POST", f"{USERS}/canbo24/disable", "quantri", {})
    assert [m["args"][0] for m in page.get_received() if m["name"] == "admin.changed"] == [
        {"area": "users"}, {"area": "users"}]
    page.disconnect()
    assert {"canbo18", "canbo24"} & usernames(http, head) == {"canbo18"}
    # Still read-only.
    http.refused("PATCH", f"{USERS}/canbo18", head, {"display_name": "x"}, 403, "admin_only")


def test_a_department_head_sees_the_devices_of_her_units_only(http: Http) -> None:
    head = department_head(http)
    # Counter displays of her counters, the kiosk and board of zone A1 (her services' zone) and
    # the lobby board (no zone: the whole building).
    assert device_names(http, head) == ({f"counter-{n}" for n in range(17, 24)}
                                        | {"kiosk-A1", "board-A1", "board-lobby"})
    everyone = device_names(http, "quantri")
    assert {"counter-24", "kiosk-A", "board-A2", "counter-1"} <= everyone
    assert device_names(http, "giamsat") == everyone
    http.refused("POST", f"{DEVICES}/kiosk-A1/revoke", head, {}, 403, "admin_only")


def test_her_scope_follows_the_counters_and_her_units_as_they_change(http: Http) -> None:
    head = department_head(http)
    assert "canbo24" not in usernames(http, head) and "counter-24" not in device_names(http, head)
    # Counter 24 now also calls a TP service: its officer and its display are hers.
    http.ok("PUT", "/api/v1/admin/site/counter/24", "quantri", {"services": ["NV-GPLD", "TP-LLTP"]})
    assert "canbo24" in usernames(http, head) and "counter-24" in device_names(http, head)
    # Given unit YT too (a new login): the officers, displays, kiosk and board of zone A2 as well.
    http.ok("PATCH", f"{USERS}/hoa", "quantri", {"units": ["TP", "YT"]})
    again = Http(http.app, http.demo)  # her sessions ended with the new scope
    assert {"canbo32", "canbo34"} <= usernames(again, head)
    assert {"counter-32", "kiosk-A2", "board-A2"} <= device_names(again, head)
    assert "canbo43" not in usernames(again, head) and "kiosk-B" not in device_names(again, head)
