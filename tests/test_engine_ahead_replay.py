"""A replay kept between issues gives, after every ticket that joins, the count a full replay gives.

The server keeps one replay of the call order and, when a ticket is issued, undoes only the steps
from the moment that ticket would have been the head of its line (issue 11: replaying up to 300
calls for every issue held issuing at ~130 tickets/s). Checked against `calls_before` over the
whole queue, for every waiting ticket after every join, tickets joining in any order (two kiosks'
clocks), past the replay's bound too.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from server.engine.ahead import Caller, Heads, Line, Replay, calls_before, line_of
from server.engine.model import Counter, Policy, Waiting

T0 = datetime(2026, 11, 25, 7, 30)
SERVICES = ("TP-LLTP", "TP-QT", "TP-HT")
ALL_LINES = [(s, p) for s in SERVICES for p in (False, True)]

tickets_st = st.lists(
    st.tuples(st.floats(0, 60, allow_nan=False), st.booleans(), st.sampled_from(SERVICES)),
    min_size=1, max_size=30)


def _callers(streaks: list[int], present: set[int]) -> list[Caller]:
    every = [Caller(Counter(17, "A1", ("TP-LLTP",), priority=True), streaks[0], frozenset(SERVICES)),
             Caller(Counter(18, "A1", ("TP-LLTP", "TP-QT")), streaks[1]),
             Caller(Counter(22, "A1", ("TP-HT", "TP-QT")), streaks[2])]
    return [every[i] for i in sorted(present)]


def _heads(tickets: list[Waiting], max_steps: int) -> dict[Line, Heads]:
    lines: dict[Line, list[Waiting]] = {k: [] for k in ALL_LINES}
    for x in sorted(tickets, key=lambda x: (x.queued_at, x.id)):
        lines[line_of(x)].append(x)
    return {k: Heads(v[:max_steps + 1], len(v) <= max_steps + 1, max_steps + 1)
            for k, v in lines.items()}


@settings(max_examples=300, deadline=None)
@given(tickets_st, st.integers(0, 30), st.lists(st.integers(0, 2), min_size=3, max_size=3),
       st.sampled_from(["longest_wait", "service_order"]), st.floats(0, 90, allow_nan=False),
       st.integers(1, 8), st.sets(st.integers(0, 2), min_size=1), st.integers(1, 3))
def test_a_kept_replay_counts_what_a_full_replay_counts_after_every_join(
        raw, first, streaks, order, later, max_steps, present, ratio):
    tickets = [Waiting(i + 1, svc, prio, T0 + timedelta(minutes=m))
               for i, (m, prio, svc) in enumerate(raw)]
    callers_all = _callers(streaks, present)
    policy = Policy(priority_ratio=ratio, aging_minutes=30, order=order)
    now = T0 + timedelta(minutes=30 + later)
    there = tickets[:first]
    lines = _heads(there, max_steps)
    replays: dict[Line, Replay] = {}

    def check() -> None:
        for me in there:
            callers = [c for c in callers_all if c.may_call(me.service, me.priority)]
            key = line_of(me)
            if key not in replays:  # built lazily, as the server does, then kept
                replays[key] = Replay(callers, lines, policy, now, max_steps)
            assert replays[key].valid_at(now)
            mine = sorted((x for x in there if line_of(x) == key), key=lambda x: (x.queued_at, x.id))
            want = calls_before(me.id, there, callers, policy, now, max_steps)
            assert replays[key].ahead(me, mine.index(me)) == want, (me, want)

    check()
    for w in tickets[first:]:  # joining in id order: not always the youngest of its line
        there.append(w)
        at = lines[line_of(w)].insert(w)
        if at is not None:
            for r in replays.values():
                if r.covers(line_of(w)):
                    r.joined(line_of(w), at)
        check()


def test_a_replay_says_when_a_ticket_crosses_the_aging_bound() -> None:
    """Time is frozen in a replay: it is valid only while every ticket is as aged as it was."""
    tickets = [Waiting(1, "TP-LLTP", False, T0), Waiting(2, "TP-QT", True, T0 + timedelta(minutes=10))]
    lines = _heads(tickets, 10)
    replay = Replay(_callers([0, 0, 0], {1}), lines, Policy(aging_minutes=30), T0 + timedelta(minutes=35))
    assert replay.valid_at(T0 + timedelta(minutes=40))  # ticket 1 aged at both, ticket 2 at neither
    assert not replay.valid_at(T0 + timedelta(minutes=41))  # ticket 2 has aged now
    assert not replay.valid_at(T0 + timedelta(minutes=29))  # ticket 1 had not aged yet
