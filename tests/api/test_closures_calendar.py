"""Close now / open now and the calendar through the API: who may, what kiosks see, what is
refused (each refusal with its own code, in vi and en), and the audit trail."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from server.realtime import socketio
from server.services import closures
from server.services.context import TZ
from server.store import audit as audit_rows
from tests.api.conftest import Http

CLOSURES, CALENDAR, TICKETS = "/api/v1/admin/closures", "/api/v1/admin/calendar", "/api/v1/tickets"
REASON = "mất kết nối hệ thống một cửa điện tử"


def at_time(app: Any, http: Any, moment: datetime) -> Any:
    """Set the server's clock; API calls log in afresh (a token lasts hours from the clock)."""
    app.extensions["xephang"].clock = lambda: moment
    return Http(app, http.demo)


def services(http: Any, zone: str = "A1") -> dict[str, Any]:
    return {s["code"]: s for s in http.ok("GET", f"/api/v1/services?zone={zone}")["services"]}


def test_closing_a_service_shows_the_reason_and_refuses_tickets_until_reopened(http: Any, app: Any) -> None:
    kiosk = socketio.test_client(app, auth={"token": http.token("kiosk-A1")})
    kiosk.get_received()
    made = http.ok("POST", CLOSURES, "quantri", {"scope": "service", "code": "TP-LLTP", "reason": REASON,
                                                 "reason_en": "the one-stop system is offline"}, 201)
    assert (made["name"], made["until"]) == ("Lý lịch tư pháp", None)
    svc = services(http)["TP-LLTP"]
    assert (svc["open"], svc["closed_reason"], svc["opens_at"]) == (False, "service_suspended", None)
    assert svc["closed_text"] == {"vi": f"Tạm ngưng tiếp nhận: {REASON}",
                                  "en": "Not taking tickets for now: the one-stop system is offline"}
    msgs = http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-LLTP"}, 409, "service_suspended")
    assert msgs["vi"] == f"Tạm ngưng tiếp nhận: {REASON}."
    assert services(http)["TP-QT"]["open"] is True  # the rest of the unit still issues
    # the kiosk already open heard it, with a seq newer than its snapshot
    heard = [m["args"][0] for m in kiosk.get_received() if m["name"] == "queue.changed"]
    assert [s["closed_reason"] for s in heard[-1]["services"]] == ["service_suspended"]
    listed = http.ok("GET", CLOSURES, "giamsat")["closures"]
    assert [(c["scope"], c["code"], c["reason"]) for c in listed] == [("service", "TP-LLTP", REASON)]
    http.refused("POST", CLOSURES, "giamsat", {"scope": "service", "code": "TP-QT", "reason": "x"},
                 403, "admin_only")
    assert http.ok("DELETE", f"{CLOSURES}/service/TP-LLTP", "quantri")["open"] is True
    assert services(http)["TP-LLTP"]["open"] is True
    assert http.issue("TP-LLTP")["number"]
    http.refused("DELETE", f"{CLOSURES}/service/TP-LLTP", "quantri", None, 409, "not_closed")
    with app.extensions["xephang"].db.read() as conn:
        kinds = [(e["kind"], e["target"]) for e in audit_rows.entries(conn, kind="closure.")]
    assert kinds == [("closure.reopen", "service:TP-LLTP"), ("closure.close", "service:TP-LLTP")]


def test_a_unit_closed_until_a_time_reopens_by_itself(http: Any, app: Any) -> None:
    ctx = app.extensions["xephang"]
    http = at_time(app, http, datetime(2026, 12, 3, 9, 0, tzinfo=TZ))
    http.ok("POST", CLOSURES, "quantri", {"scope": "unit", "code": "TP", "reason": "mất điện",
                                          "until": "2026-12-03T10:30"}, 201)
    tp = [s for s in services(http).values() if s["unit"] == "TP"]
    assert tp and all(not s["open"] and s["opens_at"] == "2026-12-03T10:30:00+07:00" for s in tp)
    msgs = http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-QT"}, 409, "service_suspended")
    assert msgs == {"vi": "Tạm ngưng tiếp nhận: mất điện. Dự kiến mở lại lúc 10:30.",
                    "en": "Not taking tickets for now: mất điện. Expected to reopen at 10:30."}
    kiosk = socketio.test_client(app, auth={"token": http.token("kiosk-A1")})
    kiosk.get_received()
    last = closures.publish_open_changes(ctx, None)
    assert closures.publish_open_changes(ctx, last) == last and not kiosk.get_received()  # nothing moved
    ctx.clock = lambda: datetime(2026, 12, 3, 10, 30, tzinfo=TZ)
    assert all(s["open"] for s in services(http).values() if s["unit"] == "TP")  # no request needed
    closures.publish_open_changes(ctx, last)
    heard = [m["args"][0] for m in kiosk.get_received() if m["name"] == "queue.changed"]
    assert {s["code"] for s in heard[0]["services"]} == {s["code"] for s in tp}
    assert all(s["open"] for s in heard[0]["services"])
    assert http.ok("GET", CLOSURES, "quantri")["closures"] == []


def test_closure_validation_errors_name_their_field(http: Any, app: Any) -> None:
    http = at_time(app, http, datetime(2026, 12, 3, 9, 0, tzinfo=TZ))
    cases = [({"scope": "zone", "code": "A1", "reason": "x"}, "closure_scope", "scope"),
             ({"scope": "service", "code": "NOPE", "reason": "x"}, "closure_target", "code"),
             ({"scope": "unit", "code": "TP", "reason": "  "}, "reason_required", "reason"),
             ({"scope": "unit", "code": "TP", "reason": "x" * 201}, "text_too_long", "reason"),
             ({"scope": "unit", "code": "TP", "reason": "x", "until": "mai"}, "until_not_a_time", "until"),
             ({"scope": "unit", "code": "TP", "reason": "x", "until": "2026-12-03T08:59"},
              "until_in_past", "until")]
    for body, code, field in cases:
        http.refused("POST", CLOSURES, "quantri", body, 400, code)
        assert http.call("POST", CLOSURES, "quantri", body).get_json()["error"]["field"] == field


def test_a_holiday_closes_the_centre_and_says_which(http: Any, app: Any) -> None:
    ctx = app.extensions["xephang"]
    http = at_time(app, http, datetime(2027, 9, 2, 9, 0, tzinfo=TZ))
    imported = http.ok("POST", f"{CALENDAR}/import", "quantri", {"year": 2027}, 201)
    assert {d["date"] for d in imported["added"]} >= {"2027-02-06", "2027-09-02", "2027-04-16"}
    again = http.ok("POST", f"{CALENDAR}/import", "quantri", {"year": 2027}, 201)
    assert again["added"] == [] and len(again["skipped"]) == len(imported["added"])
    msgs = http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-LLTP"}, 409, "holiday")
    assert msgs["vi"].startswith("Hôm nay nghỉ lễ Quốc khánh")
    svc = services(http)["TP-LLTP"]
    assert svc["closed_text"]["vi"] == "Hôm nay nghỉ lễ Quốc khánh"
    assert svc["opens_at"] == "2027-09-03T00:00:00+07:00"  # the demo is open all hours
    year = http.ok("GET", f"{CALENDAR}?year=2027", "giamsat")
    assert all(h["in_calendar"] for h in year["holidays"])
    national_day = next(d for d in year["days"] if d["date"] == "2027-09-02")
    http.ok("DELETE", f"{CALENDAR}/{national_day['id']}", "quantri")
    assert services(http)["TP-LLTP"]["open"] is True
    http.refused("DELETE", f"{CALENDAR}/{national_day['id']}", "quantri", None, 404, "calendar_day_not_found")
    with ctx.db.read() as conn:
        kinds = [e["kind"] for e in audit_rows.entries(conn, kind="calendar.")]
    assert kinds == ["calendar.remove", "calendar.import"]


def test_working_days_and_unit_closures(http: Any, app: Any) -> None:
    http = at_time(app, http, datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
    day = http.ok("POST", CALENDAR, "quantri", {"date": "2026-12-05", "kind": "working",
                                                "name": "Làm bù", "as_weekday": 0}, 201)
    assert (day["kind"], day["as_weekday"]) == ("working", 0)
    http.ok("POST", CALENDAR, "quantri", {"date": "2026-12-02", "kind": "closure", "name": "tập huấn",
                                          "units": ["TP"]}, 201)
    http = at_time(app, http, datetime(2026, 12, 2, 9, 0, tzinfo=TZ))
    http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-LLTP"}, 409, "day_closed")
    assert all(s["open"] for s in services(http).values() if s["unit"] != "TP")
    cases = [({"date": "2026-02-30", "kind": "holiday", "name": "x"}, 400, "date_invalid", "date"),
             ({"date": "mai", "kind": "holiday", "name": "x"}, 400, "date_invalid", "date"),
             ({"date": "2026-12-09", "kind": "party", "name": "x"}, 400, "calendar_kind", "kind"),
             ({"date": "2026-12-09", "kind": "holiday", "name": ""}, 400, "name_required", "name"),
             ({"date": "2026-12-09", "kind": "working", "name": "x", "as_weekday": 0}, 400,
              "working_day_not_weekend", "date"),
             ({"date": "2026-12-12", "kind": "working", "name": "x", "as_weekday": 6}, 400,
              "weekday_invalid", "as_weekday"),
             ({"date": "2026-12-09", "kind": "closure", "name": "x", "units": ["ZZ"]}, 400,
              "unknown_units", "units"),
             ({"date": "2026-12-05", "kind": "holiday", "name": "x"}, 409, "day_taken", "date")]
    for body, status, code, field in cases:
        http.refused("POST", CALENDAR, "quantri", body, status, code)
        assert http.call("POST", CALENDAR, "quantri", body).get_json()["error"]["field"] == field
    http.refused("POST", f"{CALENDAR}/import", "quantri", {"year": "năm nay"}, 400, "year_invalid")
    http.refused("POST", CALENDAR, "giamsat", {"date": "2026-12-09", "kind": "holiday", "name": "x"},
                 403, "admin_only")
    http.refused("GET", CALENDAR, "canbo17", None, 403, "forbidden")
    assert date(2026, 12, 5).weekday() == 5
