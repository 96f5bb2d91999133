"""Site administration through /api/v1/admin/site: validation per field in vi and en, retiring
instead of deleting, today's tickets never stranded, changes applied live, every change audited."""
from __future__ import annotations

from typing import Any

import pytest

from server.realtime import socketio
from server.store import audit as audit_rows

NEW = {"code": "TP-CC", "name": "Chứng thực bản sao", "name_en": "Certified copies", "unit": "TP",
       "zone": "A1", "kind": "submit", "first_number": 9801, "last_number": 9900, "width": 4,
       "hours_profile": "weekdays", "daily_cap": 0, "wait_target_min": 20, "counters": [18, 19]}
BASE = "/api/v1/admin/site"


def add_service(http: Any, **changes: Any) -> dict[str, Any]:
    return dict(http.ok("POST", f"{BASE}/service", "quantri", {**NEW, **changes}, status=201))


def audit_of(app: Any, kind: str) -> list[dict[str, Any]]:
    with app.extensions["xephang"].db.read() as conn:
        return audit_rows.entries(conn, kind=kind)


def test_supervisor_reads_but_cannot_change(http: Any) -> None:
    doc = http.ok("GET", BASE, "giamsat")
    assert {s["code"] for s in doc["services"]} >= {"TP-LLTP", "XD-GPXD"}
    assert {h["code"] for h in doc["hours"]} == {"weekdays", "weekdays_saturday"}
    http.refused("POST", f"{BASE}/service", "giamsat", NEW, 403, "admin_only")
    http.refused("POST", f"{BASE}/service/TP-LLTP/retire", "giamsat", {}, 403, "admin_only")
    http.refused("GET", BASE, "canbo17", None, 403, "forbidden")


def test_a_new_service_is_offered_numbered_and_called_at_once(http: Any, app: Any) -> None:
    made = add_service(http)
    assert made["counters"] == [18, 19]
    kiosk = http.ok("GET", "/api/v1/services?zone=A1")["services"]
    assert "TP-CC" in {s["code"] for s in kiosk}
    t = http.issue("TP-CC")
    assert t["number"] == "9801"
    http.act(18, "open", "canbo18")
    assert http.act(18, "call-next", "canbo18")["ticket"]["number"] == "9801"
    site = http.ok("GET", "/api/v1/site")
    assert next(c for c in site["counters"] if c["number"] == 18)["services"][-1] == "TP-CC"
    [entry] = audit_of(app, "service.create")
    assert entry["target"] == "service:TP-CC" and entry["after"]["first_number"] == 9801


@pytest.mark.parametrize("changes,field,code", [
    ({"code": "bad code!"}, "code", "bad_code"),
    ({"code": "TP-LLTP"}, "code", "duplicate_code"),
    ({"name": " "}, "name", "field_required"),
    ({"name_en": ""}, "name_en", "field_required"),
    ({"unit": "NOPE"}, "unit", "unknown_reference"),
    ({"zone": "Z9"}, "zone", "unknown_reference"),
    ({"kind": "coffee"}, "kind", "bad_value"),
    ({"prefix": "A1"}, "prefix", "bad_prefix"),
    ({"prefix": "A"}, "prefix", "number_prefix"),
    ({"first_number": -1}, "first_number", "not_whole_number"),
    ({"width": 9}, "width", "not_whole_number"),
    ({"last_number": 9700}, "last_number", "last_before_first"),
    ({"first_number": 1750, "last_number": 1850}, "first_number", "number_overlap"),
    ({"daily_cap": "many"}, "daily_cap", "not_whole_number"),
    ({"wait_target_min": 9999}, "wait_target_min", "not_whole_number"),
    ({"service_minutes": 0}, "service_minutes", "not_a_number"),
    ({"hours_profile": "nights"}, "hours_profile", "unknown_reference"),
    ({"counters": [5]}, "counters", "counter_other_zone"),
    ({"counters": [999]}, "counters", "unknown_reference"),
    ({"accepts_priority": "yes"}, "accepts_priority", "bad_value"),
])
def test_each_service_field_is_checked_in_both_languages(http: Any, changes: dict[str, Any],
                                                          field: str, code: str) -> None:
    http.refused("POST", f"{BASE}/service", "quantri", {**NEW, **changes}, 400, code)
    assert http.call("POST", f"{BASE}/service", "quantri",
                     {**NEW, **changes}).get_json()["error"]["field"] == field
    assert "TP-CC" not in {s["code"] for s in http.ok("GET", "/api/v1/services")["services"]}


def test_retiring_keeps_history_and_never_strands_a_waiting_ticket(http: Any, app: Any) -> None:
    add_service(http)
    t = http.issue("TP-CC")
    http.refused("POST", f"{BASE}/service/TP-CC/retire", "quantri", {}, 400, "has_open_tickets")
    http.refused("PUT", f"{BASE}/service/TP-CC", "quantri", {"counters": []}, 400, "has_open_tickets")
    http.ok("PUT", f"{BASE}/counter/18", "quantri", {"services": ["TP-LLTP"]})  # 19 still calls it
    http.refused("PUT", f"{BASE}/counter/19", "quantri", {"services": ["TP-LLTP"]}, 400,
                 "would_strand")
    http.act(19, "open", "canbo19")
    assert http.act(19, "call-next", "canbo19")["ticket"]["number"] == t["number"]
    http.act(19, "no-show", "canbo19")
    http.ok("POST", f"{BASE}/service/TP-CC/retire", "quantri", {})
    assert "TP-CC" not in {s["code"] for s in http.ok("GET", "/api/v1/services")["services"]}
    http.refused("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-CC"}, 400, "unknown_service")
    assert http.ticket(t["token"])["service_name"] == "Chứng thực bản sao"  # history keeps names
    # a retired service keeps its numbers: nobody else may take them
    http.refused("POST", f"{BASE}/service", "quantri", {**NEW, "code": "TP-CC2"}, 400, "number_overlap")
    http.refused("PUT", f"{BASE}/service/TP-CC", "quantri", {"name": "x"}, 409, "config_retired")
    http.ok("POST", f"{BASE}/service/TP-CC/restore", "quantri", {})
    assert "TP-CC" in {s["code"] for s in http.ok("GET", "/api/v1/services")["services"]}
    assert [e["kind"] for e in audit_of(app, "service.")] == [
        "service.restore", "service.retire", "service.create"]


def test_numbers_already_given_today_are_never_given_again(http: Any) -> None:
    add_service(http)
    http.issue("TP-CC")
    http.issue("TP-CC")
    http.refused("PUT", f"{BASE}/service/TP-CC", "quantri", {"first_number": 9850}, 400,
                 "numbers_in_use_today")
    http.refused("PUT", f"{BASE}/service/TP-CC", "quantri", {"last_number": 9801}, 400,
                 "last_below_issued")
    http.ok("PUT", f"{BASE}/service/TP-CC", "quantri", {"last_number": 9950, "name": "Chứng thực"})
    assert http.issue("TP-CC")["number"] == "9803"


def test_a_service_without_priority_refuses_priority_tickets(http: Any) -> None:
    http.ok("PUT", f"{BASE}/service/TP-QT", "quantri", {"accepts_priority": False})
    listed = {s["code"]: s for s in http.ok("GET", "/api/v1/services?zone=A1")["services"]}
    assert listed["TP-QT"]["accepts_priority"] is False and listed["TP-LLTP"]["accepts_priority"]
    http.refused("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-QT", "priority": "elderly"},
                 400, "priority_not_accepted")
    assert http.issue("TP-QT")["number"] == "3751"


def test_counters_zones_units_categories_reasons_and_hours(http: Any, app: Any) -> None:
    http.ok("POST", f"{BASE}/zone", "quantri", {"code": "C", "name": "Khu C", "name_en": "Zone C",
                                                 "floor": 3}, status=201)
    http.refused("POST", f"{BASE}/zone", "quantri", {"code": "C", "name": "x", "name_en": "x",
                                                      "floor": 3}, 400, "duplicate_code")
    http.refused("POST", f"{BASE}/zone", "quantri", {"code": "D", "name": "x", "name_en": "x",
                                                      "floor": "tầng"}, 400, "not_whole_number")
    http.ok("POST", f"{BASE}/unit", "quantri", {"code": "CA", "name": "Công an TP", "name_en":
                                                 "City Police", "short": "CA", "color": "#334155"},
            status=201)
    http.refused("POST", f"{BASE}/unit", "quantri", {"code": "CB", "name": "x", "name_en": "x",
                                                      "short": "CB", "color": "red"}, 400, "bad_color")
    http.ok("PUT", f"{BASE}/unit/TTPV", "quantri", {"color": "#0f172a"})  # a "center" unit
    http.refused("PUT", f"{BASE}/unit/TTPV", "quantri", {"kind": "bank"}, 400, "bad_value")
    http.refused("POST", f"{BASE}/counter", "quantri", {"number": 17, "zone": "A1"}, 400,
                 "duplicate_code")
    http.refused("POST", f"{BASE}/counter", "quantri", {"number": 70, "zone": "C",
                                                         "services": ["TP-LLTP"]}, 400,
                 "service_other_zone")
    http.ok("POST", f"{BASE}/counter", "quantri", {"number": 70, "zone": "A1", "name": "Quầy 70",
                                                    "services": ["TP-LLTP", "TP-QT"]}, status=201)
    site = http.ok("GET", "/api/v1/site")
    assert next(c for c in site["counters"] if c["number"] == 70)["services"] == ["TP-LLTP", "TP-QT"]
    assert "C" in {z["code"] for z in site["zones"]} and "CA" in {u["code"] for u in site["units"]}
    http.ok("POST", f"{BASE}/counter/70/retire", "quantri", {})
    assert 70 not in {c["number"] for c in http.ok("GET", "/api/v1/site")["counters"]}
    # a zone in use cannot be retired; an empty one can
    http.refused("POST", f"{BASE}/zone/A1/retire", "quantri", {}, 400, "still_in_use")
    http.ok("POST", f"{BASE}/zone/C/retire", "quantri", {})
    # hours: empty and malformed profiles are refused; an edit reaches the services using it
    http.refused("POST", f"{BASE}/hours", "quantri", {"code": "le", "days": {}}, 400, "empty_hours")
    http.refused("POST", f"{BASE}/hours", "quantri", {"code": "le", "days": {"mon": "7h-11h"}}, 400,
                 "bad_period")
    http.refused("POST", f"{BASE}/hours", "quantri", {"code": "le", "days": {"mon": "11:00-07:30"}},
                 400, "period_backwards")
    http.refused("POST", f"{BASE}/hours", "quantri",
                 {"code": "le", "days": {"mon": "07:00-11:00, 10:00-12:00"}}, 400, "periods_overlap")
    http.ok("PUT", f"{BASE}/hours/weekdays", "quantri", {"days": {"mon": "08:00-11:00"}})
    ctx = app.extensions["xephang"]
    assert ctx.site.services["XD-GPXD"].hours.days[0][0][0].hour == 8
    assert ctx.site.services["XD-GPXD"].hours.days[1] == ()
    http.refused("POST", f"{BASE}/hours/weekdays/retire", "quantri", {}, 400, "still_in_use")
    # priority categories and rating reasons: retired ones are no longer offered
    http.ok("POST", f"{BASE}/category", "quantri", {"code": "veteran", "name": "Cựu chiến binh",
                                                     "name_en": "Veteran"}, status=201)
    http.ok("POST", f"{BASE}/category/child/retire", "quantri", {})
    http.ok("POST", f"{BASE}/reason", "quantri", {"code": "noise", "name": "Ồn ào",
                                                   "name_en": "Noisy"}, status=201)
    http.ok("POST", f"{BASE}/reason/wait/retire", "quantri", {})
    site = http.ok("GET", "/api/v1/site")
    assert [p["code"] for p in site["priority_categories"]][-1] == "veteran"
    assert "child" not in {p["code"] for p in site["priority_categories"]}
    reasons = [r["code"] for r in site["ratings"]["reasons"]]
    assert reasons[-1] == "noise" and "wait" not in reasons
    http.refused("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP", "priority": "child"},
                 400, "unknown_priority")
    kinds = {e["kind"] for e in audit_of(app, "")}
    assert {"zone.create", "unit.create", "counter.create", "counter.retire", "zone.retire",
            "hours_profile.update", "priority_category.create", "priority_category.retire",
            "rating_reason.create", "rating_reason.retire"} <= kinds


def test_an_open_counter_cannot_be_retired_or_moved(http: Any) -> None:
    http.act(18, "open", "canbo18")
    http.refused("POST", f"{BASE}/counter/18/retire", "quantri", {}, 400, "counter_not_closed")
    http.refused("PUT", f"{BASE}/counter/18", "quantri", {"zone": "A2", "services": []}, 400,
                 "counter_not_closed")


def test_a_change_reaches_open_screens_with_a_fresh_snapshot(app: Any, http: Any, demo: Any) -> None:
    board = socketio.test_client(app, auth={"token": demo.token("board-A1")})
    kiosk = socketio.test_client(app, auth={"token": demo.token("kiosk-A1")})
    other = socketio.test_client(app, auth={"token": demo.token("board-B")})
    for c in (board, kiosk, other):
        c.get_received()
    add_service(http)
    http.ok("POST", f"{BASE}/counter", "quantri", {"number": 71, "zone": "A1",
                                                    "services": ["TP-CC"]}, status=201)
    got = board.get_received()
    names = [m["name"] for m in got]
    assert names.count("site.changed") == 2 and names[-1] == "snapshot"
    snap = got[-1]["args"][0]
    assert "TP-CC" in {s["code"] for s in snap["services"]}
    assert 71 in {c["number"] for c in snap["counters"]}
    assert "site.changed" in [m["name"] for m in kiosk.get_received()]
    assert "site.changed" in [m["name"] for m in other.get_received()]
    payload = next(m for m in got if m["name"] == "site.changed")["args"][0]
    assert set(payload) == {"version"}


def test_another_process_change_is_picked_up(app: Any, http: Any, db_path: Any) -> None:
    """A change committed by another process (here: a second context on the same file, as the
    CLI or a second server would) is seen by the running one on its next look."""
    from server.services.admin import site_config
    from server.services.auth import CLI
    from server.services.context import Context
    from server.store import Database
    other = Context.open(Database(db_path))
    site_config.create(other, CLI, "service", NEW)
    ctx = app.extensions["xephang"]
    assert "TP-CC" not in ctx.site.services
    ctx.refresh_site(force=True)
    assert "TP-CC" in ctx.site.services
    # issuing never uses a stale site: the version is checked inside the issuing transaction
    site_config.update(other, CLI, "service", "TP-CC", {"first_number": 9811})
    assert ctx.site.services["TP-CC"].number.first == 9801
    assert http.issue("TP-CC")["number"] == "9811"
    other.db.close()


def test_every_record_of_the_demo_site_saves_unchanged(app: Any) -> None:
    """The rules accept the site as shipped: an admin can open and save any record as it is."""
    from server.services.admin import site_config
    from server.services.auth import CLI
    ctx = app.extensions["xephang"]
    doc = site_config.site_config(ctx, CLI)
    lists = {"zone": "zones", "unit": "units", "service": "services", "counter": "counters",
             "category": "categories", "reason": "reasons", "hours": "hours"}
    for kind, name in lists.items():
        for row in doc[name]:
            key = row["number"] if kind == "counter" else row["code"]
            site_config.update(ctx, CLI, kind, key, {})
    # saving what is there changes nothing: no new version, no audit entry (logins are audited too)
    with ctx.db.read() as conn:
        assert audit_rows.entries(conn, actor=CLI.key, limit=1000) == []
    assert ctx.site_version == doc["version"]
    site_config.update(ctx, CLI, "zone", "A", {"name": "Khu A (sảnh)"})
    assert ctx.site_version == doc["version"] + 1 and ctx.site.zones["A"]["name"] == "Khu A (sảnh)"
