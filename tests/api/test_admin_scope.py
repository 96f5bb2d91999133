"""A department head (a supervisor scoped to some units) reads only her units' services, counters
and closures in the administration; site-wide lists (zones, hours, priority categories, rating
reasons, the calendar) stay readable; an administrator and an unscoped supervisor see everything."""
from __future__ import annotations

import json
from typing import Any

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
