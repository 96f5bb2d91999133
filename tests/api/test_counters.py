"""Counter actions: each happy path, each refusal, who may act, idempotency and call order."""
from __future__ import annotations

from typing import Any

import pytest

from server.services.counters import ACTIONS


def url(counter: int, action: str) -> str:
    return f"/api/v1/counters/{counter}/{action}"


def state(http: Any, counter: int) -> dict[str, Any]:
    """The counter as its officer's console sees it."""
    return dict(http.ok("GET", f"/api/v1/counters/{counter}", "giamsat")["counter"])


# Happy paths -----------------------------------------------------------------------------------

def test_open_pause_resume_close(http: Any) -> None:
    c = http.act(18, "open", "canbo18")
    assert c["ticket"] is None
    assert (c["counter"]["state"], c["counter"]["officer"]) == ("open", "Cán bộ quầy 18")
    assert http.act(18, "pause", "canbo18")["counter"]["state"] == "paused"
    assert http.act(18, "resume", "canbo18")["counter"]["state"] == "open"
    closed = http.act(18, "close", "canbo18")["counter"]
    assert (closed["state"], closed["officer"]) == ("closed", None)


def test_pause_needs_an_open_counter_and_resume_a_paused_one(http: Any) -> None:
    msgs = http.refused("POST", url(18, "pause"), "canbo18", None, 409, "counter_not_open")
    assert msgs["vi"] == "Quầy 18 chưa mở."
    http.act(18, "open", "canbo18")
    msgs = http.refused("POST", url(18, "resume"), "canbo18", None, 409, "counter_not_paused")
    assert msgs["en"] == "Counter 18 is not on a break."


def test_call_next_recall_start_complete(http: Any) -> None:
    t = http.issue("TP-LLTP")
    called = http.act(18, "call-next", "canbo18")
    assert (called["ticket"]["number"], called["ticket"]["status"], called["ticket"]["counter"]) == (
        "1001", "called", 18)
    assert called["counter"]["state"] == "open"  # calling opens a closed counter
    assert called["counter"]["ticket"]["number"] == "1001"
    seen = http.ticket(t["token"])
    assert seen["status"] == "called" and seen["called_at"] and seen["ahead"] == 0
    assert http.act(18, "recall", "canbo18")["ticket"]["recalls"] == 1
    assert http.act(18, "start", "canbo18")["ticket"]["status"] == "serving"
    done = http.act(18, "complete", "canbo18")
    assert done["ticket"]["status"] == "done" and done["counter"]["ticket"] is None
    assert http.ticket(t["token"])["status"] == "done"
    stats = http.stats()
    assert (stats["issued"], stats["served"], stats["waiting"]) == (1, 1, 0)


def test_no_show(http: Any) -> None:
    t = http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    gone = http.act(18, "no-show", "canbo18")
    assert gone["ticket"]["status"] == "no_show" and gone["counter"]["ticket"] is None
    assert http.ticket(t["token"])["status"] == "no_show"
    assert http.stats()["no_show"] == 1


def test_no_show_or_recall_after_start_is_an_invalid_transition(http: Any) -> None:
    t = http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    http.act(18, "start", "canbo18")
    msgs = http.refused("POST", url(18, "no-show"), "canbo18", None, 409, "invalid_transition")
    assert msgs == {"vi": "Số 1001 đang ở trạng thái không cho phép thao tác này.",
                    "en": "Ticket 1001 is in a state that does not allow this."}
    http.refused("POST", url(18, "recall"), "canbo18", None, 409, "invalid_transition")
    http.refused("POST", url(18, "start"), "canbo18", None, 409, "invalid_transition")
    assert http.ticket(t["token"])["status"] == "serving"


@pytest.mark.parametrize("action", ["recall", "start", "complete", "no-show", "park"])
def test_actions_on_the_current_ticket_need_one(http: Any, action: str) -> None:
    http.act(18, "open", "canbo18")
    msgs = http.refused("POST", url(18, action), "canbo18", None, 409, "no_current_ticket")
    assert msgs == {"vi": "Quầy 18 không có số nào đang gọi hoặc đang phục vụ.",
                    "en": "Counter 18 has no ticket being called or served."}


def test_call_next_on_an_empty_queue_calls_nobody(http: Any) -> None:
    r = http.act(18, "call-next", "canbo18")
    assert r["ticket"] is None and r["counter"]["ticket"] is None


def test_call_next_after_the_last_ticket_answers_null(http: Any) -> None:
    http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    r = http.act(18, "call-next", "canbo18")
    assert r["counter"]["ticket"] is None
    assert r["ticket"] is None


def test_calling_next_completes_the_current_ticket(http: Any) -> None:
    first, second = http.issue("TP-LLTP"), http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    http.act(18, "start", "canbo18")
    r = http.act(18, "call-next", "canbo18")
    assert r["ticket"]["number"] == second["number"] == "1002"
    assert http.ticket(first["token"])["status"] == "done"
    assert http.stats()["served"] == 1


def test_call_next_while_paused_is_refused(http: Any) -> None:
    t = http.issue("TP-LLTP")
    http.act(18, "open", "canbo18")
    http.act(18, "pause", "canbo18")
    msgs = http.refused("POST", url(18, "call-next"), "canbo18", None, 409, "counter_paused")
    assert msgs == {"vi": "Quầy 18 đang tạm nghỉ. Hãy tiếp tục trước khi gọi số.",
                    "en": "Counter 18 is on a break. Resume before calling."}
    http.refused("POST", url(18, "call"), "canbo18", {"number": "1001"}, 409, "counter_paused")
    assert http.ticket(t["token"])["status"] == "waiting"


def test_call_a_specific_number(http: Any) -> None:
    first, second = http.issue("TP-LLTP"), http.issue("TP-LLTP")
    r = http.act(18, "call", "canbo18", number="1002")
    assert r["ticket"]["number"] == "1002" and r["ticket"]["status"] == "called"
    assert http.ticket(first["token"])["status"] == "waiting"
    msgs = http.refused("POST", url(18, "call"), "canbo18", {"number": "1002"}, 409,
                        "ticket_not_waiting")
    assert msgs == {"vi": "Số 1002 không có trong hàng chờ của quầy này.",
                    "en": "Ticket 1002 is not waiting for this counter."}
    http.refused("POST", url(18, "call"), "canbo18", {"number": "9999"}, 409, "ticket_not_waiting")
    http.refused("POST", url(18, "call"), "canbo18", {}, 400, "number_required")
    assert http.ticket(second["token"])["counter"] == 18


def test_call_a_number_of_a_service_the_counter_does_not_serve(http: Any) -> None:
    t = http.issue("TP-QT")
    http.refused("POST", url(18, "call"), "canbo18", {"number": "3751"}, 409, "ticket_not_waiting")
    msgs = http.refused("POST", url(18, "call"), "canbo18", {"number": "3751", "service": "TP-QT"},
                        403, "service_not_at_counter")
    assert msgs == {"vi": "Quầy 18 không phục vụ dịch vụ TP-QT.",
                    "en": "Counter 18 does not serve TP-QT."}
    assert http.ticket(t["token"])["status"] == "waiting"
    assert http.act(17, "call", "canbo17", number="3751", service="TP-QT")["ticket"]["counter"] == 17


def test_transfer_refusals(http: Any) -> None:
    t = http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    msgs = http.refused("POST", url(18, "transfer"), "canbo18", {"service": "NOPE"}, 400,
                        "unknown_service")
    assert msgs["en"] == "There is no service NOPE."
    http.refused("POST", url(18, "transfer"), "canbo18", {}, 400, "unknown_service")
    http.refused("POST", url(18, "transfer"), "canbo18", {"service": "TP-LLTP"}, 409,
                 "transfer_same_service")
    http.refused("POST", url(18, "transfer"), "canbo18", {"service": "TP-QT", "note": "x" * 501},
                 400, "bad_note")
    seen = http.ticket(t["token"])
    assert (seen["status"], seen["service"], seen["leg"]) == ("called", "TP-LLTP", 1)
    http.act(18, "complete", "canbo18")
    http.refused("POST", url(18, "transfer"), "canbo18", {"service": "TP-QT"}, 409, "no_current_ticket")


def test_transfer_keeps_number_and_place_by_issue_time(http: Any) -> None:
    moved = http.issue("TP-QT")          # issued first
    later = http.issue("TP-LLTP")        # issued after it, in the target service
    http.act(22, "call-next", "canbo22")
    r = http.act(22, "transfer", "canbo22", service="TP-LLTP", note="Nộp thêm lý lịch")
    t = r["ticket"]
    assert (t["number"], t["service"], t["status"], t["leg"], t["counter"]) == (
        "3751", "TP-LLTP", "waiting", 2, None)
    assert t["ahead"] == 0 and t["counters"] == [17, 18, 19, 20, 21]
    assert r["counter"]["ticket"] is None
    assert http.ticket(later["token"])["ahead"] == 1
    assert http.waiting("TP-LLTP") == 2 and http.waiting("TP-QT") == 0
    assert http.act(18, "call-next", "canbo18")["ticket"]["number"] == moved["number"]
    assert http.act(18, "call-next", "canbo18")["ticket"]["number"] == later["number"]


def test_close_while_serving_is_refused(http: Any) -> None:
    http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    http.act(18, "start", "canbo18")
    msgs = http.refused("POST", url(18, "close"), "canbo18", None, 409, "counter_busy")
    assert msgs == {"vi": "Quầy 18 còn số đang phục vụ. Hãy hoàn thành trước.",
                    "en": "Counter 18 still has a ticket. Finish it first."}
    assert state(http, 18)["state"] == "open"
    http.act(18, "complete", "canbo18")
    assert http.act(18, "close", "canbo18")["counter"]["state"] == "closed"


def test_park_and_unpark(http: Any) -> None:
    first, second = http.issue("TP-LLTP"), http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    parked = http.act(18, "park", "canbo18")
    assert parked["ticket"]["status"] == "parked"
    assert parked["counter"]["ticket"] is None
    assert [t["number"] for t in parked["counter"]["parked"]] == ["1001"]
    assert http.act(18, "call-next", "canbo18")["ticket"]["number"] == "1002"
    back = http.act(18, "unpark", "canbo18", number="1001")
    assert (back["ticket"]["number"], back["ticket"]["status"], back["ticket"]["counter"]) == (
        "1001", "called", 18)
    assert back["counter"]["ticket"]["number"] == "1001" and back["counter"]["parked"] == []
    assert http.ticket(second["token"])["status"] == "done"  # calling back completes the one served
    assert http.ticket(first["token"])["status"] == "called"
    msgs = http.refused("POST", url(18, "unpark"), "canbo18", {"number": "1001"}, 409,
                        "ticket_not_parked")
    assert msgs["en"] == "Ticket 1001 is not parked at this counter."


# Who may act -----------------------------------------------------------------------------------

def test_officer_of_another_counter_is_refused_every_action(http: Any) -> None:
    for action in ACTIONS:
        msgs = http.refused("POST", url(17, action), "canbo18", {"number": "1001", "service": "TP-QT"},
                            403, "not_your_counter")
        assert msgs == {"vi": "Bạn không được phân công tại quầy 17.",
                        "en": "You are not assigned to counter 17."}
    assert state(http, 17)["state"] == "closed"


@pytest.mark.parametrize("device", ["kiosk-A1", "board-A1", "board-lobby", "counter-18"])
def test_devices_cannot_act_at_a_counter(http: Any, device: str) -> None:
    http.issue("TP-LLTP")
    for action in ("open", "call-next"):
        r = http.call("POST", url(18, action), device)
        assert r.status_code == 403, r.get_json()
    assert state(http, 18)["state"] == "closed" and http.waiting("TP-LLTP") == 1


def test_anonymous_and_unknown_counter_and_action(http: Any) -> None:
    http.refused("POST", url(18, "open"), None, None, 401, "unauthorized")
    msgs = http.refused("POST", url(99, "open"), "giamsat", None, 404, "unknown_counter")
    assert msgs == {"vi": "Không có quầy 99.", "en": "There is no counter 99."}
    http.refused("GET", "/api/v1/counters/99", "giamsat", None, 404, "unknown_counter")
    http.refused("POST", url(18, "dance"), "canbo18", None, 404, "unknown_action")


def test_supervisor_and_admin_act_at_any_counter_and_officer_at_each_of_theirs(http: Any) -> None:
    http.issue("TP-LLTP")
    assert http.act(40, "open", "giamsat")["counter"]["officer"] == "Giám sát viên"
    assert http.act(18, "call-next", "quantri")["ticket"]["number"] == "1001"
    assert http.act(18, "complete", "canbo17")["ticket"]["status"] == "done"  # canbo17 has 17 and 18
    assert http.act(17, "open", "canbo17")["counter"]["state"] == "open"


# Repeat-safe requests --------------------------------------------------------------------------

def test_repeated_call_next_request_id_calls_only_one_ticket(http: Any) -> None:
    for _ in range(2):
        http.issue("TP-LLTP")
    first = http.act(18, "call-next", "canbo18", request_id="tap-1")
    again = http.call("POST", url(18, "call-next"), "canbo18", {"request_id": "tap-1"})
    assert again.status_code == 200
    assert again.get_json()["ticket"]["id"] == first["ticket"]["id"]
    assert http.waiting("TP-LLTP") == 1
    assert state(http, 18)["ticket"]["number"] == "1001"
    msgs = http.refused("POST", url(18, "complete"), "canbo18", {"request_id": "tap-1"}, 409,
                        "request_id_reused")
    assert msgs["en"] == "This request_id was already used for another action."
    http.refused("POST", url(17, "call-next"), "canbo17", {"request_id": "x" * 65}, 400,
                 "bad_request_id")
    assert state(http, 18)["ticket"]["status"] == "called"


# Call order ------------------------------------------------------------------------------------

def test_priority_ratio_at_a_normal_counter(http: Any) -> None:
    normal = [http.issue("TP-LLTP")["number"] for _ in range(3)]          # older, 1001-1003
    prio = [http.issue("TP-LLTP", priority="elderly")["number"] for _ in range(4)]  # 1004-1007
    calls = [http.act(18, "call-next", "canbo18")["ticket"]["number"] for _ in range(7)]
    assert calls == [prio[0], prio[1], normal[0], prio[2], prio[3], normal[1], normal[2]]


def test_priority_counter_calls_priority_tickets_of_every_zone_service_first(http: Any) -> None:
    n1 = http.issue("TP-LLTP")["number"]
    p1 = http.issue("TP-QT", priority="disabled")["number"]
    p2 = http.issue("NV-GPLD", priority="pregnant")["number"]
    p3 = http.issue("TP-LLTP", priority="elderly")["number"]
    calls = [http.act(17, "call-next", "canbo17")["ticket"]["number"] for _ in range(4)]
    assert calls == [p1, p2, p3, n1]
    assert http.act(17, "call-next", "canbo17")["counter"]["ticket"] is None


def test_the_transfer_note_reaches_the_receiving_counter_and_only_staff(http: Any, app: Any) -> None:
    from server.realtime import socketio
    ticket = http.issue("TP-QT")
    phone = socketio.test_client(app, auth={"ticket": ticket["token"]})
    board = socketio.test_client(app, auth={"token": http.demo.token("board-A1")})
    tablet = socketio.test_client(app, auth={"token": http.demo.token("counter-18")})
    http.act(22, "call-next", "canbo22")
    note = "Cần bổ sung bản sao hộ chiếu"
    http.act(22, "transfer", "canbo22", service="TP-LLTP", note=note)
    expected = {"note": note, "from_counter": 22, "from_service": "TP-QT",
                "from_service_name": "Quốc tịch", "from_service_name_en": "Nationality"}
    # The receiving counter sees it in its queue, then on the card once it calls the number.
    detail = http.ok("GET", "/api/v1/counters/18", "canbo18")
    waiting = next(t for t in detail["waiting"] if t["token"] == ticket["token"])
    assert waiting["transfer"] == expected
    called = http.act(18, "call-next", "canbo18")
    assert called["ticket"]["transfer"] == expected
    assert called["counter"]["ticket"]["transfer"] == expected
    # The ticket's history (staff) keeps it.
    history = http.ok("GET", f"/api/v1/tickets/{ticket['token']}/events", "giamsat")["events"]
    moved = next(e for e in history if e["type"] == "ticket.transferred")
    assert (moved["data"]["note"], moved["data"]["to_service"], moved["counter"]) == (note, "TP-LLTP", 22)
    # Never public: not on the ticket's page, in public events, or the counter's own tablet.
    assert "transfer" not in http.ticket(ticket["token"])
    assert "transfer" not in http.ok("GET", "/api/v1/counters/18", "counter-18")["counter"]["ticket"]
    for client in (phone, board, tablet):
        received = client.get_received()
        assert received and note not in repr(received)
