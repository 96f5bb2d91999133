"""People ahead: how many tickets the counters will call before a waiting ticket, by the real rules.

The count follows `ordering.choose_next` step by step (priority, ratio, aging, the counters' order
across services), so an elderly ticket that will be called next is told "you are next", and the
kiosk, the paper and the phone page all read the same number.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .model import Counter, Policy, Waiting
from .ordering import choose_next

# A queue longer than this is counted by simple order past this point (keeps a busy day cheap).
MAX_STEPS = 300

Line = tuple[str, bool]  # (service, priority?): tickets of one line are called oldest first


@dataclass(frozen=True)
class Caller:
    """A counter that may call the ticket: its services, its run of priority calls, and (for a
    zone's priority counter) the services whose priority tickets it also calls."""

    counter: Counter
    priority_streak: int = 0
    priority_services: frozenset[str] = field(default_factory=frozenset)

    def may_call(self, service: str, priority: bool) -> bool:
        """Whether this counter calls tickets of this service and class."""
        return service in self.counter.services or (priority and service in self.priority_services)


def line_of(w: Waiting) -> Line:
    """The line a waiting ticket stands in."""
    return w.service, w.priority


def _order(w: Waiting) -> tuple[datetime, int]:
    return w.queued_at, w.id


def calls_before(target: int, waiting: Sequence[Waiting], callers: Sequence[Caller],
                 policy: Policy, now: datetime, max_steps: int = MAX_STEPS) -> int:
    """How many tickets are called before ticket `target`, counters taking turns to call next.

    `waiting` holds the waiting tickets the callers may call (the target among them); `callers`
    are the counters that may call the target. The counters are assumed to call in turn, each by
    `choose_next` with its own priority streak; time is frozen at `now`.
    """
    me = next((w for w in waiting if w.id == target), None)
    if me is None:
        return 0
    lines: dict[Line, list[Waiting]] = {}
    for w in sorted(waiting, key=_order):
        lines.setdefault(line_of(w), []).append(w)
    before = sum(1 for w in lines[line_of(me)] if _order(w) < _order(me))
    return calls_before_in_lines(me, lines, before, callers, policy, now, max_steps)


def calls_before_in_lines(me: Waiting, lines: Mapping[Line, Sequence[Waiting]], before: int,
                          callers: Sequence[Caller], policy: Policy, now: datetime,
                          max_steps: int = MAX_STEPS) -> int:
    """`calls_before` from the heads of the lines: the same count from much less data.

    `lines` holds, oldest first, at least the first `max_steps + 1` waiting tickets of each line
    the callers may call (fewer only when the line has no more); `before` counts the tickets
    queued before `me` in its own line, also those past what `lines` holds. The replay pops at
    most `max_steps` tickets, so it never looks deeper than that.
    """
    mine = line_of(me)
    callers = [c for c in callers if c.may_call(me.service, me.priority)]
    if not callers:
        return before
    live = [k for k, line in lines.items() if line and any(c.may_call(*k) for c in callers)]
    if all(k == mine for k in live):
        # One line only: every counter calls its head, so exactly those before me go first.
        return before
    if me.queued_at.tzinfo is not None:  # the same instant, in the tickets' own zone: faster
        now = now.astimezone(me.queued_at.tzinfo)  # comparisons on every step
    # Lines by number from here on: the replay's steps look them up thousands of times.
    held = [lines[k] for k in live]
    mine_at = live.index(mine) if mine in live else -1
    keys = [[j for j, k in enumerate(live) if c.may_call(*k)] for c in callers]
    streaks = [c.priority_streak for c in callers]
    counters = [c.counter for c in callers]
    popped = [0] * len(live)
    called = turn = idle = 0
    while called < max_steps:
        i = turn % len(callers)
        turn += 1
        heads: list[Waiting] = []
        head_lines: list[int] = []
        for j in keys[i]:
            line, p = held[j], popped[j]
            if p < len(line):
                heads.append(line[p])
                head_lines.append(j)
        choice = choose_next(counters[i], heads, streaks[i], policy, now)
        if choice is None:  # this counter has nothing it may call; the others still do
            idle += 1
            if idle >= len(callers):
                break
            continue
        idle = 0
        if choice.ticket_id == me.id:
            return called
        streaks[i] = choice.priority_streak
        for head, j in zip(heads, head_lines):
            if head.id == choice.ticket_id:
                popped[j] += 1
                break
        called += 1
    # Past the bound: the rest of the target's own line before it is surely ahead too.
    return called + before - (popped[mine_at] if mine_at >= 0 else 0)
