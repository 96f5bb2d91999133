"""People ahead: how many tickets the counters will call before a waiting ticket, by the real rules.

The count follows `ordering.choose_next` step by step (priority, ratio, aging, the counters' order
across services), so an elderly ticket that will be called next is told "you are next", and the
kiosk, the paper and the phone page all read the same number.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .model import Counter, Policy, Waiting
from .ordering import choose_next

# A queue longer than this is counted by simple order past this point (keeps a busy day cheap).
MAX_STEPS = 300


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


def _key(w: Waiting) -> tuple[str, bool]:
    return w.service, w.priority


def calls_before(target: int, waiting: Sequence[Waiting], callers: Sequence[Caller],
                 policy: Policy, now: datetime) -> int:
    """How many tickets are called before ticket `target`, counters taking turns to call next.

    `waiting` holds the waiting tickets the callers may call (the target among them); `callers`
    are the counters that may call the target. The counters are assumed to call in turn, each by
    `choose_next` with its own priority streak; time is frozen at `now`.
    """
    me = next((w for w in waiting if w.id == target), None)
    if me is None:
        return 0
    callers = [c for c in callers if c.may_call(me.service, me.priority)]
    if not callers:
        return sum(1 for w in waiting if _key(w) == _key(me) and (w.queued_at, w.id) < (me.queued_at, me.id))
    queues: dict[tuple[str, bool], deque[Waiting]] = {}
    for w in sorted(waiting, key=lambda w: (w.queued_at, w.id)):
        queues.setdefault(_key(w), deque()).append(w)
    keys = [[k for k in queues if c.may_call(*k)] for c in callers]  # what each counter may call
    streaks = [c.priority_streak for c in callers]
    called = 0
    turn = 0
    idle = 0
    while called < MAX_STEPS:
        i = turn % len(callers)
        turn += 1
        caller = callers[i]
        heads = [queues[k][0] for k in keys[i] if queues[k]]
        choice = choose_next(caller.counter, heads, streaks[i], policy, now)
        if choice is None:  # this counter has nothing it may call; the others still do
            idle += 1
            if idle >= len(callers):
                break
            continue
        idle = 0
        if choice.ticket_id == target:
            return called
        streaks[i] = choice.priority_streak
        chosen = next(w for w in heads if w.id == choice.ticket_id)
        queues[_key(chosen)].popleft()
        called += 1
    # Past the bound: the rest of the target's own line before it is surely ahead too.
    mine = queues.get(_key(me), deque())
    return called + sum(1 for w in mine if (w.queued_at, w.id) < (me.queued_at, me.id))
