"""People ahead follow the real call order: priority, ratio, aging and the counters' service order."""
from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from server.engine.ahead import Caller, calls_before, calls_before_in_lines, line_of
from server.engine.estimate import estimate_wait
from server.engine.model import Counter, Policy, Waiting
from server.engine.ordering import choose_next

T0 = datetime(2026, 11, 25, 7, 30)
SERVICES = ("TP-LLTP", "TP-QT", "TP-HT")


def w(id_: int, minute: float, priority: bool = False, service: str = "TP-LLTP") -> Waiting:
    return Waiting(id_, service, priority, T0 + timedelta(minutes=minute))


def real_order(callers: list[Caller], tickets: list[Waiting], policy: Policy,
               now: datetime) -> list[int]:
    """The ids in the order the counters call them, taking turns, each picking by choose_next from
    every ticket it may call (the whole list: an oracle independent of the per-line heads)."""
    left, streaks, order, turn, idle = list(tickets), [c.priority_streak for c in callers], [], 0, 0
    while left and idle < len(callers):
        i = turn % len(callers)
        turn += 1
        mine = [t for t in left if callers[i].may_call(*line_of(t))]
        choice = choose_next(callers[i].counter, mine, streaks[i], policy, now)
        if choice is None:
            idle += 1
            continue
        idle = 0
        streaks[i] = choice.priority_streak
        left = [t for t in left if t.id != choice.ticket_id]
        order.append(choice.ticket_id)
    return order


def test_an_elderly_ticket_behind_three_people_is_next() -> None:
    """The morning's complaint: told "Trước bạn có 3 người", then called next."""
    counter = Caller(Counter(18, "A1", ("TP-LLTP",)))
    tickets = [w(1, 0), w(2, 1), w(3, 2), w(4, 3, priority=True)]
    assert calls_before(4, tickets, [counter], Policy(), T0 + timedelta(minutes=5)) == 0
    assert [calls_before(i, tickets, [counter], Policy(), T0 + timedelta(minutes=5))
            for i in (1, 2, 3)] == [1, 2, 3]


def test_the_ratio_lets_a_normal_ticket_through_first() -> None:
    counter = Caller(Counter(18, "A1", ("TP-LLTP",)), priority_streak=2)  # two priority calls in a row
    tickets = [w(1, 0), w(2, 1, priority=True)]
    assert calls_before(2, tickets, [counter], Policy(priority_ratio=2), T0 + timedelta(minutes=2)) == 1


def test_an_aged_ticket_goes_first_whatever_its_class() -> None:
    counter = Caller(Counter(18, "A1", ("TP-LLTP",)))
    tickets = [w(1, 0), w(2, 40, priority=True)]
    now = T0 + timedelta(minutes=45)  # ticket 1 has waited 45 min > 30
    assert calls_before(1, tickets, [counter], Policy(aging_minutes=30), now) == 0
    assert calls_before(2, tickets, [counter], Policy(aging_minutes=30), now) == 1


def test_service_order_puts_the_counters_first_service_ahead() -> None:
    counter = Caller(Counter(22, "A1", ("TP-QT", "TP-HT")))
    tickets = [w(1, 0, service="TP-HT"), w(2, 1, service="TP-QT")]
    policy = Policy(order="service_order")
    assert calls_before(2, tickets, [counter], policy, T0 + timedelta(minutes=2)) == 0
    assert calls_before(1, tickets, [counter], Policy(), T0 + timedelta(minutes=2)) == 0


def test_the_zone_priority_counter_calls_priority_tickets_of_other_services() -> None:
    prio = Caller(Counter(17, "A1", ("TP-QT",), priority=True), priority_services=frozenset(SERVICES))
    plain = Caller(Counter(18, "A1", ("TP-LLTP",)))
    tickets = [w(1, 0), w(2, 1), w(3, 2, priority=True)]
    assert calls_before(3, tickets, [prio, plain], Policy(), T0 + timedelta(minutes=3)) == 0


def test_a_ticket_nobody_waits_for_has_no_one_ahead() -> None:
    assert calls_before(99, [w(1, 0)], [Caller(Counter(18, "A1", ("TP-LLTP",)))], Policy(), T0) == 0


def test_the_wait_range_grows_with_people_ahead() -> None:
    assert estimate_wait(0, 1, [], 8.0)[0] == 0
    assert estimate_wait(5, 1, [], 8.0)[1] > estimate_wait(0, 1, [], 8.0)[1]


tickets_st = st.lists(
    st.tuples(st.floats(0, 60, allow_nan=False), st.booleans(), st.sampled_from(SERVICES)),
    min_size=1, max_size=25)


def _make(raw: list[tuple[float, bool, str]]) -> list[Waiting]:
    return [Waiting(i + 1, svc, prio, T0 + timedelta(minutes=m)) for i, (m, prio, svc) in enumerate(raw)]


@settings(max_examples=200, deadline=None)
@given(tickets_st, st.integers(0, 3), st.integers(1, 3), st.sampled_from(["longest_wait", "service_order"]),
       st.floats(0, 90, allow_nan=False), st.booleans())
def test_ahead_is_the_number_called_before_it_by_one_counter(raw, streak, ratio, order, later, prio_counter):
    """One counter: a ticket's ahead count is its place in the order call-next really calls them."""
    tickets = _make(raw)
    caller = Caller(Counter(22, "A1", ("TP-QT", "TP-LLTP", "TP-HT"), priority=prio_counter), streak)
    policy = Policy(priority_ratio=ratio, aging_minutes=30, order=order)
    now = T0 + timedelta(minutes=60 + later)
    order_ids = real_order([caller], tickets, policy, now)
    assert [calls_before(i, tickets, [caller], policy, now) for i in order_ids] == list(range(len(tickets)))


@settings(max_examples=200, deadline=None)
@given(tickets_st, st.lists(st.integers(0, 2), min_size=3, max_size=3),
       st.sampled_from(["longest_wait", "service_order"]), st.floats(0, 90, allow_nan=False))
def test_ahead_follows_the_counters_serving_it_taking_turns(raw, streaks, order, later):
    """Several counters with different services (and the zone's priority counter): a ticket's ahead
    count equals how many tickets those counters call before it."""
    tickets = _make(raw)
    all_callers = [Caller(Counter(17, "A1", ("TP-LLTP",), priority=True), streaks[0], frozenset(SERVICES)),
                   Caller(Counter(18, "A1", ("TP-LLTP", "TP-QT")), streaks[1]),
                   Caller(Counter(22, "A1", ("TP-HT", "TP-QT")), streaks[2])]
    policy = Policy(priority_ratio=2, aging_minutes=30, order=order)
    now = T0 + timedelta(minutes=30 + later)
    for t in tickets:
        callers = [c for c in all_callers if c.may_call(t.service, t.priority)]
        services = {s for c in callers for s in c.counter.services} | {
            s for c in callers for s in c.priority_services}
        relevant = [x for x in tickets if x.service in services]
        seen = real_order(callers, [x for x in relevant if any(c.may_call(x.service, x.priority)
                                                                 for c in callers)], policy, now)
        assert calls_before(t.id, relevant, callers, policy, now) == seen.index(t.id)


@settings(max_examples=300, deadline=None)
@given(tickets_st, st.lists(st.integers(0, 2), min_size=3, max_size=3),
       st.sampled_from(["longest_wait", "service_order"]), st.floats(0, 90, allow_nan=False),
       st.integers(0, 6), st.sets(st.integers(0, 2), min_size=1))
def test_the_heads_of_the_lines_give_the_same_count_as_the_whole_queue(raw, streaks, order, later,
                                                                       max_steps, present):
    """What the server reads (each line's first max_steps + 1 tickets and a count of those before
    the ticket in its own line) gives the count the whole queue gives, past the bound too."""
    tickets = _make(raw)
    all_callers = [Caller(Counter(17, "A1", ("TP-LLTP",), priority=True), streaks[0], frozenset(SERVICES)),
                   Caller(Counter(18, "A1", ("TP-LLTP", "TP-QT")), streaks[1]),
                   Caller(Counter(22, "A1", ("TP-HT", "TP-QT")), streaks[2])]
    callers = [all_callers[i] for i in sorted(present)]
    policy = Policy(priority_ratio=2, aging_minutes=30, order=order)
    now = T0 + timedelta(minutes=30 + later)
    for me in tickets:
        lines: dict[tuple[str, bool], list[Waiting]] = {}
        for x in sorted(tickets, key=lambda x: (x.queued_at, x.id)):
            lines.setdefault(line_of(x), []).append(x)
        before = lines[line_of(me)].index(me)
        heads = {k: v[:max_steps + 1] for k, v in lines.items()}
        assert calls_before_in_lines(me, heads, before, callers, policy, now, max_steps) == \
            calls_before(me.id, tickets, callers, policy, now, max_steps)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(0, 3), st.booleans())
def test_a_lone_line_needs_only_its_count(n, streak, prio_counter):
    """When nobody else waits for these counters, the count is the line's order, whatever the bound:
    the server then reads only whether other lines hold anyone."""
    tickets = [w(i + 1, i) for i in range(n)]
    caller = Caller(Counter(17, "A1", ("TP-LLTP",), priority=prio_counter), streak, frozenset(SERVICES))
    now = T0 + timedelta(minutes=90)
    for before, me in enumerate(tickets):
        assert calls_before_in_lines(me, {line_of(me): tickets[:1]}, before, [caller], Policy(), now) == before
        assert calls_before(me.id, tickets, [caller], Policy(), now, max_steps=3) == before
