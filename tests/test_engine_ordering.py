"""call-next ordering: priority ratio, aging bound, FIFO within a class, order across services."""
from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from server.engine.model import Counter, Policy, Waiting
from server.engine.ordering import choose_next

T0 = datetime(2026, 11, 25, 7, 30)
COUNTER = Counter(18, "A1", ("TP-LLTP", "TP-QT"))


def w(id_: int, minute: float, priority: bool = False, service: str = "TP-LLTP") -> Waiting:
    return Waiting(id_, service, priority, T0 + timedelta(minutes=minute))


def run_calls(counter: Counter, tickets: list[Waiting], policy: Policy, now: datetime,
              calls: int) -> list[Waiting]:
    """Call `calls` times from a fixed set at a fixed time; returns the called tickets in order."""
    left, streak, order = list(tickets), 0, []
    for _ in range(calls):
        choice = choose_next(counter, left, streak, policy, now)
        if choice is None:
            break
        picked = next(t for t in left if t.id == choice.ticket_id)
        left.remove(picked)
        streak = choice.priority_streak
        order.append(picked)
    return order


def test_empty_queue_calls_nobody() -> None:
    assert choose_next(COUNTER, [], 0, Policy(), T0) is None


def test_priority_first_then_ratio_lets_normal_through() -> None:
    tickets = [w(1, 0), w(2, 1), w(3, 2, True), w(4, 3, True), w(5, 4, True), w(6, 5, True)]
    order = run_calls(COUNTER, tickets, Policy(priority_ratio=2), T0 + timedelta(minutes=6), 6)
    assert [t.id for t in order] == [3, 4, 1, 5, 6, 2]


def test_aged_normal_ticket_moves_ahead_of_priority() -> None:
    tickets = [w(1, 0), w(2, 20, True)]
    choice = choose_next(COUNTER, tickets, 0, Policy(aging_minutes=30), T0 + timedelta(minutes=31))
    assert choice is not None and choice.ticket_id == 1 and choice.reason == "aged"


def test_service_order_prefers_the_counters_first_service() -> None:
    tickets = [w(1, 0, service="TP-QT"), w(2, 5, service="TP-LLTP")]
    now = T0 + timedelta(minutes=6)
    longest = choose_next(COUNTER, tickets, 0, Policy(order="longest_wait"), now)
    ordered = choose_next(COUNTER, tickets, 0, Policy(order="service_order"), now)
    assert longest is not None and longest.ticket_id == 1
    assert ordered is not None and ordered.ticket_id == 2


def test_priority_counter_serves_priority_tickets_first_even_when_normal_ones_aged() -> None:
    counter = Counter(17, "A1", ("TP-LLTP",), priority=True)
    tickets = [w(1, 0), w(2, 50, True, "NV-GPLD")]
    choice = choose_next(counter, tickets, 5, Policy(), T0 + timedelta(minutes=60))
    assert choice is not None and choice.ticket_id == 2


tickets_strategy = st.lists(
    st.tuples(st.floats(0, 120, allow_nan=False), st.booleans(),
              st.sampled_from(["TP-LLTP", "TP-QT"])),
    min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(tickets_strategy, st.integers(1, 4), st.integers(5, 60), st.floats(0, 200),
       st.sampled_from(["longest_wait", "service_order"]))
def test_properties_of_every_call(raw: list[tuple[float, bool, str]], ratio: int, aging: int,
                                  now_min: float, order: str) -> None:
    """Whatever the queue: no one waits past the aging bound while a younger ticket is called;
    at most `ratio` priority calls in a row while normal tickets (none aged) wait; FIFO within a
    class and service."""
    tickets = [w(i, m, p, s) for i, (m, p, s) in enumerate(raw)]
    policy = Policy(priority_ratio=ratio, aging_minutes=aging, order=order)
    now = T0 + timedelta(minutes=max(now_min, max(m for m, _, _ in raw)))
    left, streak, run = list(tickets), 0, 0
    while left:
        choice = choose_next(COUNTER, left, streak, policy, now)
        assert choice is not None
        picked = next(t for t in left if t.id == choice.ticket_id)
        oldest = min(left, key=lambda t: (t.queued_at, t.id))
        # Aging bound: if the oldest has waited past the bound, it is the one called.
        if now - oldest.queued_at > timedelta(minutes=aging):
            assert picked is oldest
        else:
            # Ratio: a priority call beyond the ratio only happens when no normal ticket waits.
            if picked.priority and any(not t.priority for t in left):
                assert run < ratio
            # FIFO within class and service.
            same = [t for t in left if t.priority == picked.priority and t.service == picked.service]
            assert picked == min(same, key=lambda t: (t.queued_at, t.id))
        run = run + 1 if picked.priority else 0
        streak = choice.priority_streak
        left.remove(picked)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.booleans()), min_size=1, max_size=30))
def test_simulated_day_keeps_every_wait_under_the_aging_bound_plus_backlog(
        arrivals: list[tuple[int, bool]]) -> None:
    """A counter serving one ticket a minute, with arrivals over time: when a ticket is called
    after waiting past the bound, every ticket called before it in that time was older."""
    policy = Policy(priority_ratio=2, aging_minutes=10)
    tickets, t = [], 0.0
    for i, (gap, prio) in enumerate(arrivals):
        t += gap / 5
        tickets.append(w(i, t, prio))
    left, streak, minute = [], 0, 0.0
    pending = sorted(tickets, key=lambda x: x.queued_at)
    called: list[tuple[Waiting, datetime]] = []
    while pending or left:
        now = T0 + timedelta(minutes=minute)
        while pending and pending[0].queued_at <= now:
            left.append(pending.pop(0))
        if left:
            choice = choose_next(COUNTER, left, streak, policy, now)
            assert choice is not None
            picked = next(x for x in left if x.id == choice.ticket_id)
            left.remove(picked)
            streak = choice.priority_streak
            # Nobody younger than an over-bound ticket is called ahead of it.
            for other in left:
                if now - other.queued_at > timedelta(minutes=10):
                    assert (picked.queued_at, picked.id) <= (other.queued_at, other.id)
            called.append((picked, now))
        minute += 1
    assert len(called) == len(tickets)
