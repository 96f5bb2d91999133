"""Issuing tickets and the public ticket view: who may issue, what the ticket says, refusals."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from server.services.context import TZ

TICKETS = "/api/v1/tickets"
CONTRACT_FIELDS = {"id", "number", "day", "service", "service_name", "service_name_en", "unit",
                   "unit_name", "unit_name_en", "zone", "zone_name", "floor", "counters", "priority",
                   "priority_name", "priority_name_en", "status", "issued_at", "called_at", "counter",
                   "recalls", "leg", "ahead", "estimated_wait_min", "token", "status_url", "print"}


def test_kiosk_of_the_zone_issues_a_ticket_with_the_contract_fields(http: Any) -> None:
    t = http.issue("TP-LLTP", "kiosk-A1")
    assert CONTRACT_FIELDS - {"id"} <= set(t) and "id" not in t  # a device gets no database id
    assert t["number"] == "1001"  # TP-LLTP numbers start at 1001, four digits
    assert (t["service"], t["service_name"], t["service_name_en"]) == ("TP-LLTP", "Lý lịch tư pháp",
                                                                       "Judicial records")
    assert (t["unit"], t["unit_name"], t["zone"], t["zone_name"], t["floor"]) == (
        "TP", "Sở Tư pháp", "A1", "Khu A1", 1)
    assert t["counters"] == [17, 18, 19, 20, 21]
    assert (t["status"], t["ahead"], t["leg"], t["recalls"], t["counter"]) == ("waiting", 0, 1, 0, None)
    low, high = t["estimated_wait_min"]
    assert isinstance(low, int) and isinstance(high, int) and 0 <= low < high
    assert t["status_url"].endswith(f"/t/{t['token']}") and t["status_url"].startswith("http")
    assert len(t["token"]) >= 16
    assert t["issued_at"].endswith("+07:00") and t["day"] == t["issued_at"][:10]
    assert t["priority"] is None and t["called_at"] is None
    assert t["print"]["status"] == "none"  # the in-process app runs without the print worker


def test_numbers_follow_in_order_and_ahead_counts_up(http: Any) -> None:
    tickets = [http.issue("TP-LLTP") for _ in range(3)]
    assert [t["number"] for t in tickets] == ["1001", "1002", "1003"]
    assert [t["ahead"] for t in tickets] == [0, 1, 2]
    assert tickets[2]["estimated_wait_min"][1] >= tickets[0]["estimated_wait_min"][1]
    assert http.issue("TP-QT")["number"] == "3751"  # each service has its own range in the building
    assert http.waiting("TP-LLTP") == 3


def test_priority_ticket_names_its_category(http: Any) -> None:
    t = http.issue("TP-LLTP", priority="elderly")
    assert (t["priority"], t["priority_name"], t["priority_name_en"]) == (
        "elderly", "Người cao tuổi", "Elderly person")


def test_staff_may_issue_for_any_zone_without_a_printer(http: Any) -> None:
    t = http.issue("XD-GPXD", who="canbo18")
    assert t["zone"] == "A" and t["print"]["status"] == "none"
    assert CONTRACT_FIELDS <= set(t)  # staff get the whole ticket, id included


def test_repeated_request_id_returns_the_same_ticket_and_creates_nothing(http: Any) -> None:
    first = http.issue("TP-LLTP", request_id="kiosk-A1-0001")
    r = http.call("POST", TICKETS, "kiosk-A1", {"service": "TP-LLTP", "request_id": "kiosk-A1-0001"})
    assert r.status_code == 200
    again = r.get_json()
    assert (again["number"], again["token"]) == ("1001", first["token"])
    assert http.waiting("TP-LLTP") == 1
    assert http.stats()["issued"] == 1
    # Another kiosk may use the same request_id: it is its own request.
    assert http.issue("TP-LLTP", who="canbo17", request_id="kiosk-A1-0001")["number"] == "1002"


def test_kiosk_of_another_zone_is_refused(http: Any) -> None:
    msgs = http.refused("POST", TICKETS, "kiosk-A", {"service": "TP-LLTP"}, 403, "service_not_in_zone")
    assert msgs == {"vi": "Máy lấy số khu A không cấp số cho dịch vụ này.",
                    "en": "This kiosk (zone A) does not issue tickets for that service."}
    assert http.waiting("TP-LLTP") == 0


def test_display_and_counter_devices_and_anonymous_cannot_issue(http: Any) -> None:
    for device in ("board-lobby", "board-A1", "counter-17"):
        http.refused("POST", TICKETS, device, {"service": "TP-LLTP"}, 403, "forbidden")
    http.refused("POST", TICKETS, None, {"service": "TP-LLTP"}, 401, "unauthorized")
    assert http.stats()["issued"] == 0


def test_bad_requests_create_nothing(http: Any) -> None:
    msgs = http.refused("POST", TICKETS, "kiosk-A1", {"service": "NOPE"}, 400, "unknown_service")
    assert msgs == {"vi": "Không có dịch vụ NOPE.", "en": "There is no service NOPE."}
    http.refused("POST", TICKETS, "kiosk-A1", {}, 400, "unknown_service")
    msgs = http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-LLTP", "priority": "vip"},
                        400, "unknown_priority")
    assert msgs["en"] == "There is no priority category vip."
    for bad in ("x" * 65, 12345, ["a"], {"a": 1}):
        msgs = http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-LLTP", "request_id": bad},
                            400, "bad_request_id")
        assert msgs["en"] == "request_id is not valid (at most 64 characters)."
    assert http.issue("TP-LLTP", request_id="x" * 64)["number"] == "1001"  # the limit itself is fine
    assert http.stats()["issued"] == 1


def test_non_json_body_is_bad_json(http: Any) -> None:
    msgs = http.refused("POST", TICKETS, "kiosk-A1", None, 400, "bad_json", data="service=TP-LLTP",
                        content_type="application/json")
    assert msgs == {"vi": "Nội dung gửi lên không phải JSON hợp lệ.",
                    "en": "The request body is not valid JSON."}
    http.refused("POST", TICKETS, "kiosk-A1", ["TP-LLTP"], 400, "bad_json")
    assert http.stats()["issued"] == 0


def test_public_ticket_view_and_unknown_token(http: Any) -> None:
    t = http.issue("TP-LLTP")
    seen = http.ticket(t["token"])  # no credentials
    assert (seen["number"], seen["status"], seen["token"]) == ("1001", "waiting", t["token"])
    msgs = http.refused("GET", f"{TICKETS}/not-a-real-token", None, None, 404, "ticket_not_found")
    assert msgs == {"vi": "Không tìm thấy số thứ tự này.", "en": "This ticket was not found."}


def test_public_ticket_view_shows_no_personal_or_internal_data(http: Any) -> None:
    t = http.issue("TP-LLTP", request_id="rid-secret-1")
    http.act(18, "call-next", "canbo18")
    seen = http.ticket(t["token"])
    assert seen["status"] == "called" and seen["counter"] == 18
    text = json.dumps(seen, ensure_ascii=False)
    for private in ("Cán bộ quầy", "kiosk-A1", "rid-secret-1", "canbo18", "issued_by", "device_id",
                    "officer", "password"):
        assert private not in text, private


def test_closed_service_is_refused(site_app: Any) -> None:
    app, http = site_app({"open_all_hours = true": "open_all_hours = false"})
    ctx = app.extensions["xephang"]
    ctx.clock = lambda: datetime(2026, 11, 29, 10, 0, tzinfo=TZ)  # a Sunday
    msgs = http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-LLTP"}, 409, "service_closed")
    assert msgs == {"vi": "Dịch vụ này đã hết giờ tiếp nhận. Mời quay lại lúc 07:30 ngày 30/11.",
                    "en": "This service is closed now. Please come back at 07:30 on 30/11."}
    services = {s["code"]: s for s in http.ok("GET", "/api/v1/services?zone=A1")["services"]}
    assert services["TP-LLTP"]["open"] is False
    assert services["TP-LLTP"]["closed_reason"] == "service_closed"
    assert services["TP-LLTP"]["opens_at"] == "2026-11-30T07:30:00+07:00"
    ctx.clock = lambda: datetime(2026, 11, 25, 12, 0, tzinfo=TZ)  # Wednesday lunch break
    msgs = http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-LLTP"}, 409, "service_closed")
    assert msgs["vi"] == "Dịch vụ này đang ngoài giờ tiếp nhận. Mời quay lại lúc 13:00."
    ctx.clock = lambda: datetime(2026, 11, 25, 8, 0, tzinfo=TZ)  # Wednesday morning
    assert http.issue("TP-LLTP")["day"] == "2026-11-25"
    ctx.clock = lambda: datetime(2026, 11, 28, 9, 0, tzinfo=TZ)  # Saturday: only some services
    assert http.issue("TP-LLTP")["number"] == "1001"  # a new service day starts again at 1001
    http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-QT"}, 409, "service_closed")


def test_daily_cap_is_refused_with_the_cap_in_the_message(site_app: Any) -> None:
    _, http = site_app({"daily_cap = 80": "daily_cap = 2"})
    first = http.issue("TP-QT", request_id="cap-1")
    assert http.issue("TP-QT")["number"] == "3752"
    msgs = http.refused("POST", TICKETS, "kiosk-A1", {"service": "TP-QT"}, 409, "daily_cap_reached")
    assert msgs == {"vi": "Dịch vụ này đã hết số trong ngày hôm nay (2 số).",
                    "en": "This service has issued all of today's tickets (2)."}
    # A kiosk retrying a request that already got its ticket still gets it.
    r = http.call("POST", TICKETS, "kiosk-A1", {"service": "TP-QT", "request_id": "cap-1"})
    assert r.status_code == 200 and r.get_json()["token"] == first["token"]
    assert http.waiting("TP-QT") == 2
    assert http.issue("TP-LLTP")["number"] == "1001"  # other services are not capped


def test_staff_find_todays_tickets_by_number(http: Any) -> None:
    t = http.issue("TP-LLTP")
    found = http.call("GET", "/api/v1/tickets?number=1001&service=TP-LLTP", "giamsat").get_json()
    assert [x["token"] for x in found["tickets"]] == [t["token"]]
    assert http.call("GET", "/api/v1/tickets?number=9999", "canbo17").get_json() == {"tickets": []}
    http.refused("GET", "/api/v1/tickets?number=1001", "kiosk-A1", None, 403, "forbidden")
    http.refused("GET", "/api/v1/tickets?service=TP-LLTP", "giamsat", None, 400, "number_required")


def test_print_at_names_a_kiosk_with_a_printer(http: Any) -> None:
    r = http.call("POST", "/api/v1/tickets", "giamsat", {"service": "TP-LLTP", "print_at": "board-A1"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_printer"
    assert http.waiting("TP-LLTP") == 0


def test_staff_read_a_tickets_history_step_by_step(http: Any) -> None:
    t = http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    http.act(18, "recall", "canbo18")
    http.act(18, "transfer", "canbo18", service="PHI-A", note="nộp lệ phí")
    events = http.call("GET", f"/api/v1/tickets/{t['token']}/events", "giamsat").get_json()["events"]
    assert [e["type"] for e in events] == ["ticket.issued", "ticket.called", "ticket.recalled",
                                           "ticket.transferred"]
    assert events[1]["counter"] == 18 and events[1]["actor"].startswith("user:")
    assert events[3]["data"]["to_service"] == "PHI-A" and events[3]["data"]["note"] == "nộp lệ phí"
    assert all(e["at"].endswith("+07:00") for e in events)
    http.refused("GET", f"/api/v1/tickets/{t['token']}/events", None, None, 401, "unauthorized")
    http.refused("GET", f"/api/v1/tickets/{t['token']}/events", "board-A1", None, 403, "forbidden")


def test_a_priority_ticket_s_own_page_hides_its_category_and_id_but_staff_see_them(http: Any) -> None:
    t = http.issue("TP-LLTP", priority="elderly")
    seen = http.ticket(t["token"])  # the citizen's phone: a screen others can see
    assert seen["number"] == t["number"] and seen["token"] == t["token"]
    assert not {"id", "priority", "priority_name", "priority_name_en"} & set(seen)
    staff = http.call("GET", f"{TICKETS}/{t['token']}", "giamsat").get_json()
    assert staff["token"] == t["token"] and "id" in staff and staff["priority"] == "elderly"
