"""People ahead: how many tickets the counters will call before a waiting ticket, by the real rules.

The count follows `ordering.choose_next` step by step (priority, ratio, aging, the counters' order
across services), so an elderly ticket that will be called next is told "you are next", and the
kiosk, the paper and the phone page all read the same number.
"""
from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .model import APPOINTMENT, Counter, Policy, Waiting
from .ordering import choose_next

# A queue longer than this is counted by simple order past this point (keeps a busy day cheap).
MAX_STEPS = 300

# A ticket's class within its service: walk-in, priority citizen, checked-in appointment (issue
# 10). False and True still name the first two (a bool is an int).
WALK_IN, PRIORITY, APPOINTMENT_CLASS = 0, 1, 2
CLASSES = (WALK_IN, PRIORITY, APPOINTMENT_CLASS)
Line = tuple[str, int]  # (service, class): tickets of one line are called oldest first


def class_of(w: Waiting) -> int:
    """The class of a waiting ticket."""
    return APPOINTMENT_CLASS if w.appointment else PRIORITY if w.priority else WALK_IN


def class_of_priority(priority: str | None) -> int:
    """The class of a ticket by its stored priority category (None: a walk-in)."""
    return WALK_IN if priority is None else APPOINTMENT_CLASS if priority == APPOINTMENT else PRIORITY


@dataclass(frozen=True)
class Caller:
    """A counter that may call the ticket: its services, its run of priority calls, and (for a
    zone's priority counter) the services whose priority citizens it also calls."""

    counter: Counter
    priority_streak: int = 0
    priority_services: frozenset[str] = field(default_factory=frozenset)

    def may_call(self, service: str, kind: int) -> bool:
        """Whether this counter calls tickets of this service and class (a zone's priority
        counter: other services' priority citizens, not their appointments)."""
        return service in self.counter.services or (kind == PRIORITY
                                                    and service in self.priority_services)


def line_of(w: Waiting) -> Line:
    """The line a waiting ticket stands in."""
    return w.service, class_of(w)


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
    callers = [c for c in callers if c.may_call(*mine)]
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


# --- A replay kept between issues (issue 11) -------------------------------------------------
# `calls_before_in_lines` replays up to MAX_STEPS calls for every ticket shown. The replay does
# not depend on which ticket is asked about: the counters call the same tickets in the same order
# whatever the question, and a ticket's people ahead is the step at which it is called. So the
# replay is run once, without a target, and kept; a ticket that joins a line changes it only from
# the moment that ticket would have been the head of its line, so only the steps after that are
# undone and replayed again. A new ticket is the youngest of its line: on a long queue that moment
# lies past the bound and nothing is replayed at all.


def _order_key(w: Waiting) -> tuple[datetime, int]:
    return w.queued_at, w.id


def _queued_at(w: Waiting) -> datetime:
    return w.queued_at


@dataclass
class Heads:
    """The first waiting tickets of one line, oldest first (at most `limit`), and whether they
    are the whole line."""

    tickets: list[Waiting]
    complete: bool
    limit: int = MAX_STEPS + 1

    def insert(self, w: Waiting) -> int | None:
        """Put a ticket that joined the line in its place; its index among the heads, or None
        when it falls past them (the replay never reaches it)."""
        at = bisect.bisect_right(self.tickets, _order_key(w), key=_order_key)
        if at == len(self.tickets) and not self.complete:
            return None
        self.tickets.insert(at, w)
        if len(self.tickets) > self.limit:
            self.tickets.pop()
            self.complete = False
        return at if at < self.limit else None


@dataclass
class _Call:
    """One step of a replay, with what undoing it needs."""

    line: int
    caller: int
    streak_before: int
    turn_after: int
    ticket_id: int


class Replay:
    """The call order of some counters over the lines they may call, kept and extended lazily.

    `lines` maps every line the callers may call to its heads (shared with other replays: a
    ticket joining a line is put in its Heads once, then `joined` is told here). Time is frozen at
    `now`; `valid_at(t)` says whether every ticket would be as aged at t as at `now`.
    """

    def __init__(self, callers: Sequence[Caller], lines: Mapping[Line, Heads], policy: Policy,
                 now: datetime, max_steps: int = MAX_STEPS) -> None:
        self.callers = len(callers)
        self.policy, self.max_steps = policy, max_steps
        self.keys = [k for k in lines if any(c.may_call(*k) for c in callers)]
        self.slot = {k: j for j, k in enumerate(self.keys)}
        self.heads = [lines[k] for k in self.keys]
        self.counters = [c.counter for c in callers]
        self.reach = [[j for j, k in enumerate(self.keys) if c.may_call(*k)] for c in callers]
        self.first_streaks = [c.priority_streak for c in callers]
        self.streaks = list(self.first_streaks)
        self.popped = [0] * len(self.keys)
        self.log: list[_Call] = []
        self.step_of: dict[int, int] = {}
        self.turn = self.idle = 0
        self.done = False
        some = next((h.tickets[0] for h in self.heads if h.tickets), None)
        if some is not None and some.queued_at.tzinfo is not None and now.tzinfo is not None:
            now = now.astimezone(some.queued_at.tzinfo)  # faster comparisons on every step
        self.now = now
        self.aging = timedelta(minutes=policy.aging_minutes)
        self.aged_after: datetime | None = None  # latest aging moment already passed at `now`
        self.fresh_until: datetime | None = None  # earliest aging moment not yet passed
        cut = now - self.aging  # a ticket queued before this has waited past the bound
        for h in self.heads:  # each line is in queue order: only the tickets beside the cut
            at = bisect.bisect_left(h.tickets, cut, key=_queued_at)
            for w in h.tickets[max(0, at - 1):at + 1]:
                self._note_age(w)

    def _note_age(self, w: Waiting) -> None:
        moment = w.queued_at + self.aging  # the ticket counts as aged once now > moment
        if self.now > moment:
            if self.aged_after is None or moment > self.aged_after:
                self.aged_after = moment
        elif self.fresh_until is None or moment < self.fresh_until:
            self.fresh_until = moment

    def valid_at(self, now: datetime) -> bool:
        """Whether the replay holds at `now`: no ticket crossed the aging bound since `now`."""
        return ((self.aged_after is None or now > self.aged_after)
                and (self.fresh_until is None or now <= self.fresh_until))

    def covers(self, line: Line) -> bool:
        """Whether these counters may call this line."""
        return line in self.slot

    def joined(self, line: Line, at: int) -> None:
        """Ticket `w` was put at index `at` of this line's heads: undo the steps from the moment
        it became the head (after the one before it was called); the earlier ones stand."""
        j = self.slot[line]
        w = self.heads[j].tickets[at]
        self._note_age(w)
        if at == 0:
            self._undo_to(0)
            return
        step = self.step_of.get(self.heads[j].tickets[at - 1].id)
        if step is not None:
            self._undo_to(step + 1)
        elif self.done:  # cannot happen (a finished replay called everyone): replay afresh
            self._undo_to(0)

    def _undo_to(self, steps: int) -> None:
        while len(self.log) > steps:
            call = self.log.pop()
            self.popped[call.line] -= 1
            self.streaks[call.caller] = call.streak_before
            del self.step_of[call.ticket_id]
        self.turn = self.log[-1].turn_after if self.log else 0
        self.idle = 0
        self.done = False

    def _run(self, until: int) -> None:
        """Replay calls until ticket `until` is called, the bound is reached or nobody is left."""
        heads_of, popped, streaks, policy, now = self.heads, self.popped, self.streaks, \
            self.policy, self.now
        n = len(self.counters)
        while not self.done and len(self.log) < self.max_steps and until not in self.step_of:
            if n == 0:
                self.done = True
                break
            i = self.turn % n
            self.turn += 1
            heads: list[Waiting] = []
            head_lines: list[int] = []
            for j in self.reach[i]:
                line, p = heads_of[j].tickets, popped[j]
                if p < len(line):
                    heads.append(line[p])
                    head_lines.append(j)
            choice = choose_next(self.counters[i], heads, streaks[i], policy, now)
            if choice is None:
                self.idle += 1
                if self.idle >= n:
                    self.done = True
                continue
            self.idle = 0
            for head, j in zip(heads, head_lines):
                if head.id == choice.ticket_id:
                    self.log.append(_Call(j, i, streaks[i], self.turn, head.id))
                    self.step_of[head.id] = len(self.log) - 1
                    streaks[i] = choice.priority_streak
                    popped[j] += 1
                    break

    def called_at(self, w: Waiting) -> int | None:
        """How many tickets are called before `w` when it is called within the bound, else None
        (then `past_bound` counts)."""
        if line_of(w) not in self.slot or not self.counters:
            return None
        self._run(w.id)
        return self.step_of.get(w.id)

    def past_bound(self, w: Waiting, before: int) -> int:
        """The count for a ticket not called within the bound, from `before`, the tickets queued
        before it in its own line: the rest of its line before it is surely ahead too."""
        j = self.slot.get(line_of(w))
        if j is None or not self.counters:
            return before
        return len(self.log) + before - self.popped[j]

    def ahead(self, w: Waiting, before: int) -> int:
        """How many tickets are called before `w`, the count `calls_before` gives; `before` counts
        the tickets queued before it in its own line (used only past the bound)."""
        step = self.called_at(w)
        return step if step is not None else self.past_bound(w, before)

    def line_index(self, w: Waiting) -> int | None:
        """Where `w` stands in its line when it is among the heads this replay holds."""
        j = self.slot.get(line_of(w))
        if j is None:
            return None
        tickets = self.heads[j].tickets
        at = bisect.bisect_left(tickets, _order_key(w), key=_order_key)
        return at if at < len(tickets) and tickets[at].id == w.id else None
