"""call-next and appointments (issue 10): a priority counter exists for priority citizens, so it
calls them first and never takes an appointment for one; a checked-in appointment goes ahead of
the walk-ins of its service like a priority citizen, under the same ratio and aging rules."""
from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from server.engine.ahead import Caller, calls_before, line_of
from server.engine.model import Counter, Policy, Waiting
from server.engine.ordering import choose_next
from tests.test_engine_ahead import real_order
from tests.test_engine_ordering import run_calls

T0 = datetime(2026, 11, 25, 8, 0)
NOW = T0 + timedelta(minutes=10)
PRIORITY_COUNTER = Counter(17, "A1", ("TP-LLTP",), priority=True)
COUNTER = Counter(18, "A1", ("TP-LLTP",))


def walk_in(id_: int, minute: float, service: str = "TP-LLTP") -> Waiting:
    return Waiting(id_, service, False, T0 + timedelta(minutes=minute))


def elderly(id_: int, minute: float, service: str = "TP-LLTP") -> Waiting:
    return Waiting(id_, service, True, T0 + timedelta(minutes=minute))


def appointment(id_: int, minute: float, service: str = "TP-LLTP") -> Waiting:
    """Checked in; queued at its slot's start."""
    return Waiting(id_, service, True, T0 + timedelta(minutes=minute), appointment=True)


def test_a_priority_counter_calls_a_priority_citizen_before_an_older_appointment() -> None:
    tickets = [appointment(1, 0), elderly(2, 5), walk_in(3, -5)]
    choice = choose_next(PRIORITY_COUNTER, tickets, 0, Policy(), NOW)
    assert choice is not None and (choice.ticket_id, choice.reason) == (2, "priority_counter")


def test_a_priority_counter_calls_its_own_services_appointments_like_any_counter() -> None:
    # No priority citizen left: the appointment goes ahead of the walk-in, by the ratio.
    tickets = [appointment(1, 0), walk_in(2, -5), walk_in(3, -4)]
    order = run_calls(PRIORITY_COUNTER, tickets, Policy(priority_ratio=1), NOW, 3)
    assert [t.id for t in order] == [1, 2, 3]
    choice = choose_next(PRIORITY_COUNTER, tickets, 1, Policy(priority_ratio=1), NOW)
    assert choice is not None and choice.ticket_id == 2  # the ratio lets the walk-in through


def test_a_priority_counter_never_calls_another_services_appointment() -> None:
    # It reaches its zone's priority tickets; NV-GPLD's appointment is not one of its calls.
    other = appointment(1, -20, "NV-GPLD")
    assert choose_next(PRIORITY_COUNTER, [other], 0, Policy(), NOW) is None
    choice = choose_next(PRIORITY_COUNTER, [other, walk_in(2, 5)], 0, Policy(), NOW)
    assert choice is not None and (choice.ticket_id, choice.reason) == (2, "normal")
    # ...not even when it has waited past the aging bound (its own service's counters will).
    late = NOW + timedelta(minutes=60)
    choice = choose_next(PRIORITY_COUNTER, [other, walk_in(2, 5)], 0, Policy(), late)
    assert choice is not None and choice.ticket_id == 2
    # A priority citizen of that service is still its to call.
    choice = choose_next(PRIORITY_COUNTER, [other, elderly(3, 0, "NV-GPLD")], 0, Policy(), NOW)
    assert choice is not None and choice.ticket_id == 3


def test_an_appointment_goes_ahead_of_walk_ins_without_starving_them() -> None:
    # Four appointments due and three walk-ins who came earlier: ratio 2 lets one walk-in
    # through after every two appointments.
    tickets = [walk_in(1, -9), walk_in(2, -8), walk_in(3, -7),
               *(appointment(10 + i, 0) for i in range(4))]
    order = run_calls(COUNTER, tickets, Policy(priority_ratio=2), NOW, 7)
    assert [t.id for t in order] == [10, 11, 1, 12, 13, 2, 3]


def test_an_aged_walk_in_goes_before_an_appointment() -> None:
    tickets = [walk_in(1, -40), appointment(2, 0)]
    choice = choose_next(COUNTER, tickets, 0, Policy(aging_minutes=30), NOW)
    assert choice is not None and (choice.ticket_id, choice.reason) == (1, "aged")


kinds = st.sampled_from(["walk_in", "elderly", "appointment"])
tickets_strategy = st.lists(st.tuples(st.floats(0, 90, allow_nan=False), kinds,
                                      st.sampled_from(["TP-LLTP", "NV-GPLD"])),
                            min_size=1, max_size=30)
MAKE = {"walk_in": walk_in, "elderly": elderly, "appointment": appointment}


@settings(max_examples=300, deadline=None)
@given(tickets_strategy, st.integers(1, 3), st.integers(5, 60), st.integers(0, 5))
def test_properties_at_a_priority_counter(raw: list[tuple[float, str, str]], ratio: int,
                                          aging: int, streak: int) -> None:
    """What a priority counter reaching its zone (NV-GPLD's priority line) calls: while a
    priority citizen waits, never an appointment nor a walk-in; never another service's
    appointment; and it calls someone whenever it may call anyone."""
    tickets = [MAKE[k](i, m, s) for i, (m, k, s) in enumerate(raw)
               if s == "TP-LLTP" or k != "walk_in"]  # another service's walk-ins are not its
    policy = Policy(priority_ratio=ratio, aging_minutes=aging)
    now = T0 + timedelta(minutes=100)
    choice = choose_next(PRIORITY_COUNTER, tickets, streak, policy, now)
    mine = [t for t in tickets if not t.appointment or t.service == "TP-LLTP"]
    assert (choice is None) == (not mine)
    if choice is None:
        return
    picked = next(t for t in tickets if t.id == choice.ticket_id)
    assert not (picked.appointment and picked.service != "TP-LLTP")
    if any(t.priority and not t.appointment for t in tickets):
        assert picked.priority and not picked.appointment


# --- people ahead follow the same rule (engine.ahead: three lines per service) ---------------

SERVICES = ("TP-LLTP", "TP-QT", "TP-HT")



def test_an_elderly_citizen_behind_an_appointment_is_told_she_is_next_at_the_priority_counter() -> None:
    prio = Caller(Counter(17, "A1", ("TP-LLTP",), priority=True), 0, frozenset(SERVICES))
    tickets = [appointment(1, 0), elderly(2, 5), walk_in(3, -5)]
    assert calls_before(2, tickets, [prio], Policy(), NOW) == 0
    assert calls_before(1, tickets, [prio], Policy(), NOW) == 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 60, allow_nan=False), kinds, st.sampled_from(SERVICES)),
                min_size=1, max_size=25),
       st.lists(st.integers(0, 2), min_size=3, max_size=3),
       st.sampled_from(["longest_wait", "service_order"]), st.floats(0, 90, allow_nan=False))
def test_people_ahead_equal_the_real_order_with_appointments(
        raw: list[tuple[float, str, str]], streaks: list[int], order: str, later: float) -> None:
    """The zone's priority counter (reaching every service's priority citizens) and two plain
    counters: a ticket's people ahead is how many tickets those counters call before it."""
    tickets = [MAKE[k](i + 1, m, s) for i, (m, k, s) in enumerate(raw)]
    all_callers = [Caller(Counter(17, "A1", ("TP-LLTP",), priority=True), streaks[0],
                          frozenset(SERVICES)),
                   Caller(Counter(18, "A1", ("TP-LLTP", "TP-QT")), streaks[1]),
                   Caller(Counter(22, "A1", ("TP-HT", "TP-QT")), streaks[2])]
    policy = Policy(priority_ratio=2, aging_minutes=30, order=order)
    now = T0 + timedelta(minutes=30 + later)
    for t in tickets:
        callers = [c for c in all_callers if c.may_call(*line_of(t))]
        mine = [x for x in tickets if any(c.may_call(*line_of(x)) for c in callers)]
        assert calls_before(t.id, mine, callers, policy, now) == real_order(callers, mine, policy,
                                                                         now).index(t.id)
