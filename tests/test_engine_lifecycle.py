"""The ticket's life: allowed steps, refused steps, transfer keeps number and place."""
from __future__ import annotations

from datetime import datetime, time

import pytest

from server.engine import lifecycle
from server.engine.estimate import estimate_wait
from server.engine.lifecycle import InvalidTransition
from server.engine.model import NumberFormat, Service, Status, Ticket, WeeklyHours
from server.engine.numbering import IssueRefused, check_can_issue, is_open

T = Ticket(1, "TP-LLTP", "1001", Status.WAITING, datetime(2026, 11, 25, 8, 0))


def test_full_life_waiting_called_serving_done() -> None:
    t, e1 = lifecycle.call(T, 18)
    t, e2 = lifecycle.recall(t, 18)
    t, e3 = lifecycle.start(t, 18)
    t, e4 = lifecycle.complete(t, 18)
    assert t.status is Status.DONE and t.recalls == 1
    assert [e.type for e in (e1, e2, e3, e4)] == [
        "ticket.called", "ticket.recalled", "ticket.started", "ticket.completed"]


def test_transfer_keeps_number_and_queue_time_and_opens_a_new_leg() -> None:
    t, _ = lifecycle.call(T, 18)
    t2, ev = lifecycle.transfer(t, 18, "PHI-A", "nộp lệ phí")
    assert (t2.number, t2.queued_at, t2.status, t2.service, t2.leg) == (
        "1001", T.queued_at, Status.WAITING, "PHI-A", 2)
    assert ev.data["note"] == "nộp lệ phí"


def test_park_and_unpark_return_to_the_same_counter() -> None:
    t, _ = lifecycle.call(T, 18)
    t, _ = lifecycle.park(t, 18)
    with pytest.raises(InvalidTransition):
        lifecycle.unpark(t, 19)
    t, _ = lifecycle.unpark(t, 18)
    assert t.status is Status.CALLED and t.counter == 18


@pytest.mark.parametrize("step", [lifecycle.recall, lifecycle.start, lifecycle.complete,
                                  lifecycle.no_show, lifecycle.park])
def test_steps_on_a_waiting_ticket_are_refused(step) -> None:  # noqa: ANN001
    with pytest.raises(InvalidTransition) as info:
        step(T, 18)
    assert info.value.code == "invalid_transition"


def test_another_counter_cannot_act_on_a_called_ticket() -> None:
    t, _ = lifecycle.call(T, 18)
    with pytest.raises(InvalidTransition) as info:
        lifecycle.complete(t, 19)
    assert info.value.code == "not_at_this_counter"


def test_no_show_only_before_service_starts() -> None:
    t, _ = lifecycle.call(T, 18)
    t, _ = lifecycle.start(t, 18)
    with pytest.raises(InvalidTransition):
        lifecycle.no_show(t, 18)


def test_close_unserved_closes_any_open_ticket() -> None:
    t, ev = lifecycle.close_unserved(T)
    assert t.status is Status.NOT_SERVED and ev.data["was"] == "waiting"
    done, _ = lifecycle.complete(lifecycle.call(T, 18)[0], 18)
    with pytest.raises(InvalidTransition):
        lifecycle.close_unserved(done)


def test_numbers_are_never_truncated() -> None:
    fmt = NumberFormat("", 1001, 4)
    assert fmt.label(1) == "1001"
    assert fmt.label(9000) == "10000"
    assert NumberFormat("A", 1, 3).label(1234) == "A1234"


def test_hours_and_cap() -> None:
    morning = ((time(7, 30), time(11, 30)),)
    svc = Service("TP-QT", "Quốc tịch", "TP", "A1", hours=WeeklyHours((morning,) * 5 + ((), ())),
                  daily_cap=2)
    wed_9 = datetime(2026, 11, 25, 9, 0)
    assert is_open(svc, wed_9) and not is_open(svc, datetime(2026, 11, 25, 12, 0))
    assert not is_open(svc, datetime(2026, 11, 29, 9, 0))  # Sunday
    assert is_open(svc, datetime(2026, 11, 29, 9, 0), open_all_hours=True)
    check_can_issue(svc, wed_9, 1)
    with pytest.raises(IssueRefused) as info:
        check_can_issue(svc, wed_9, 2)
    assert info.value.code == "daily_cap_reached"
    with pytest.raises(IssueRefused) as info:
        check_can_issue(svc, datetime(2026, 11, 25, 12, 0), 0)
    assert info.value.code == "service_closed"


def test_wait_estimate_grows_with_people_ahead_and_shrinks_with_counters() -> None:
    low1, high1 = estimate_wait(10, 1, [], 8)
    low2, high2 = estimate_wait(10, 2, [], 8)
    assert low1 <= high1 and low2 < low1 and high2 < high1
    assert estimate_wait(0, 1, [], 8)[0] == 0
    fast = estimate_wait(10, 1, [2.0] * 20, 8)
    assert fast[1] < high1


def test_a_closed_service_says_when_it_opens_again() -> None:
    from server.engine.numbering import next_opening
    day = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
    svc = Service("TP-QT", "Quốc tịch", "TP", "A1", hours=WeeklyHours((day,) * 5 + ((), ())))
    lunch = datetime(2026, 11, 25, 12, 10)  # Wednesday
    assert next_opening(svc, lunch) == datetime(2026, 11, 25, 13, 0)
    assert next_opening(svc, datetime(2026, 11, 25, 9, 0)) is None  # open now
    assert next_opening(svc, datetime(2026, 11, 27, 18, 0)) == datetime(2026, 11, 30, 7, 30)  # Fri→Mon
    with pytest.raises(IssueRefused) as info:
        check_can_issue(svc, lunch, 0)
    assert info.value.code == "service_closed" and info.value.params["time"] == "13:00"
    assert info.value.params["today"] is True
    with pytest.raises(IssueRefused) as info:
        check_can_issue(svc, datetime(2026, 11, 27, 18, 0), 0)
    assert info.value.params["date"] == "30/11" and info.value.params["today"] is False
