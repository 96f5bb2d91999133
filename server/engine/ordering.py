"""Which waiting ticket a counter calls next: priority with a ratio, aging, order across services."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

from .model import Counter, Policy, Waiting


@dataclass(frozen=True)
class Choice:
    """The ticket to call and the counter's new run of consecutive priority calls."""

    ticket_id: int
    priority_streak: int
    reason: str  # "aged", "priority", "normal", "priority_counter"


_ORDER = attrgetter("queued_at", "id")  # the call order of one class: longest wait first


def _oldest(tickets: Sequence[Waiting]) -> Waiting:
    return min(tickets, key=_ORDER)


def _pick(tickets: Sequence[Waiting], counter: Counter, policy: Policy) -> Waiting:
    """The next ticket of one class by the policy's order across the counter's services."""
    if policy.order == "service_order":
        rank = {code: i for i, code in enumerate(counter.services)}
        first = min(rank.get(w.service, len(rank)) for w in tickets)
        tickets = [w for w in tickets if rank.get(w.service, len(rank)) == first]
    return _oldest(tickets)


def choose_next(counter: Counter, waiting: Sequence[Waiting], priority_streak: int,
                policy: Policy, now: datetime) -> Choice | None:
    """Pick the ticket this counter calls next from the tickets it may call, or None.

    `waiting` holds only tickets this counter may call (its services; for a priority counter also
    the priority tickets of its zone). Rules, in order:
    1. A priority counter calls priority citizens first (elderly, disabled, pregnant...: the
       ones it exists for). Appointments are not priority citizens: a priority counter calls
       those of its own services like any counter (rules 2-4), never those of its zone's other
       services (the counters of their service call them).
    2. Aging: if any ticket has waited longer than the aging bound, the oldest ticket is called,
       whatever its class — so no one waits past the bound while younger tickets are called.
    3. Priority citizens and checked-in appointments (queued at their slot's start) go ahead of
       walk-ins, longest wait first between them, but at most `priority_ratio` such calls in a
       row while walk-ins wait.
    4. Within a class: longest wait first, or the counter's service order then longest wait.
    """
    if not waiting:
        return None
    prio: list[Waiting] = []
    normal: list[Waiting] = []
    citizens: list[Waiting] = []  # priority citizens only, for a priority counter's first rule
    for w in waiting:  # a plain loop: the replay of "people ahead" runs this for every step
        if w.appointment and counter.priority and w.service not in counter.services:
            continue  # reached through the zone's priority tickets, but not a priority citizen
        if w.priority:
            prio.append(w)
            if not w.appointment:
                citizens.append(w)
        else:
            normal.append(w)
    if counter.priority and citizens:
        return Choice(_pick(citizens, counter, policy).id, priority_streak + 1, "priority_counter")
    callable_ = waiting if len(prio) + len(normal) == len(waiting) else prio + normal
    if not callable_:
        return None
    oldest = min(callable_, key=_ORDER)
    if now - oldest.queued_at > timedelta(minutes=policy.aging_minutes):
        streak = priority_streak + 1 if oldest.priority else 0
        return Choice(oldest.id, streak, "aged")
    if prio and (not normal or priority_streak < policy.priority_ratio):
        return Choice(_pick(prio, counter, policy).id, priority_streak + 1, "priority")
    if normal:
        return Choice(_pick(normal, counter, policy).id, 0, "normal")
    return Choice(_pick(prio, counter, policy).id, priority_streak + 1, "priority")
