"""One simulated service day: tickets arrive, counters call the next by the real engine's
`choose_next`, each ticket lives by the engine's `lifecycle` steps and gets its number from
`numbering`. The clock is simulated (minutes after midnight); nothing here sleeps or stores."""
from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ..engine import lifecycle
from ..engine.model import Counter, Status, Ticket, Waiting
from ..engine.numbering import IssueRefused, check_can_issue
from ..engine.ordering import choose_next
from ..site import Site
from .inputs import Plan, Replayed

CLOSE, FINISH, ARRIVE, OPEN = 0, 1, 2, 3  # event kinds, in their order at equal times
DAY_ZERO = datetime(2026, 1, 5)  # a Monday: the simulated days are dated from it


@dataclass
class Tickets:
    """The day's tickets, one entry per ticket in each list (index = ticket id - 1)."""

    service: list[str] = field(default_factory=list)
    priority: list[bool] = field(default_factory=list)
    issued: list[float] = field(default_factory=list)
    called: list[float | None] = field(default_factory=list)
    finished: list[float | None] = field(default_factory=list)
    no_show: list[bool] = field(default_factory=list)
    recall: list[bool] = field(default_factory=list)
    number: list[str] = field(default_factory=list)
    transferred: list[float | None] = field(default_factory=list)  # sent on to a second service at
    recalled: list[float | None] = field(default_factory=list)  # called there (the second leg's call)
    call_order: list[int] = field(default_factory=list)  # ticket ids in the order they were called
    refused: dict[str, int] = field(default_factory=dict)  # numbers refused (cap or range used up)


@dataclass
class DayResult:
    """What one day produced: the tickets and each counter's working time."""

    tickets: Tickets
    onward: list[str | None]  # per ticket, the service it was to be sent on to
    busy: dict[int, dict[str, float]]  # counter -> service -> busy minutes within the hours
    overtime: dict[int, float]  # counter -> minutes worked after its last period closed
    closed_at: float  # when the last counter stopped


def draw_arrivals(plan: Plan, rng: random.Random) -> list[tuple[float, str]]:
    """Poisson arrivals of each service over its rate segments, in time order."""
    out: list[tuple[float, str]] = []
    for code in sorted(plan.arrivals):
        for a, b, rate in plan.arrivals[code]:
            if rate <= 0:
                continue
            t = a + rng.expovariate(rate)
            while t < b:
                out.append((t, code))
                t += rng.expovariate(rate)
    out.sort()
    return out


def _overlap(a: float, b: float, periods: tuple[tuple[float, float], ...]) -> float:
    return sum(max(0.0, min(b, e) - max(a, s)) for s, e in periods)


class Day:
    """The state of one simulated day."""

    def __init__(self, plan: Plan, site: Site, rng: random.Random, day_index: int = 0) -> None:
        self.plan, self.site, self.rng = plan, site, rng
        # Transfers draw from their own stream (seeded from the day's stream without drawing from
        # it), so a scenario with transfers sees the same citizens as one without.
        self.onward_rng = random.Random(repr(rng.getstate()[1][:8]))
        self.base = DAY_ZERO + timedelta(days=day_index)
        self.t = Tickets()
        self.engine: list[Ticket] = []
        self.waiting: list[Waiting] = []
        self.service_min: list[float] = []
        self.onward: list[str | None] = []  # the service each ticket will be sent on to, if any
        self.second_min: dict[int, float] = {}  # its service time there
        self.lines: dict[tuple[str, bool], deque[int]] = {}
        self.issued_today: dict[str, int] = {}
        self.counters: list[Counter] = list(plan.counters)
        n = len(self.counters)
        self.open = [False] * n
        self.busy_until: list[float | None] = [None] * n
        self.idle_since = [0.0] * n
        self.streak = [0] * n
        self.current: list[int | None] = [None] * n
        self.started = [0.0] * n
        self.busy = {c.number: {} for c in self.counters}  # type: dict[int, dict[str, float]]
        self.overtime = {c.number: 0.0 for c in self.counters}
        self.callers: dict[tuple[str, bool], list[int]] = {}
        self.reach: list[list[tuple[str, bool]]] = []
        for i, c in enumerate(self.counters):
            lines = [(s, p) for s in c.services for p in (False, True)]
            if c.priority:
                lines += [(s, True) for s in plan.zone_services.get(c.zone, ()) if s not in c.services]
            self.reach.append(lines)
            for line in lines:
                self.callers.setdefault(line, []).append(i)
        self.events: list[tuple[float, int, int, int]] = []
        self.seq = 0
        self.last_close = max([plan.periods[-1][1], *(p[-1][1] for p in plan.counter_periods if p)])
        # After its last period, a counter still open at closing time serves who is left, then stops.
        self.closing = [False] * n

    def push(self, at: float, kind: int, data: int) -> None:
        """Schedule an event."""
        self.seq += 1
        heapq.heappush(self.events, (at, kind, self.seq, data))

    def when(self, minutes: float) -> datetime:
        """The simulated clock as the engine sees it."""
        return self.base + timedelta(minutes=minutes)

    def issue(self, now: float, code: str, recorded: Replayed | None = None) -> None:
        """A citizen takes a number at the kiosk (refused when the service's numbers are used up);
        a recorded citizen keeps their class, outcome and service time."""
        service = self.site.services[code]
        issued = self.issued_today.get(code, 0)
        try:
            check_can_issue(service, self.when(now), issued, open_all_hours=True)
        except IssueRefused:
            self.t.refused[code] = self.t.refused.get(code, 0) + 1
            return
        self.issued_today[code] = issued + 1
        tid = len(self.engine) + 1
        prio = self.rng.random() < self.plan.priority_share[code]
        no_show = self.rng.random() < self.plan.no_show_share
        minutes = self.plan.samplers[code](self.rng)
        if recorded is not None:
            prio, no_show = recorded.priority, recorded.no_show
            minutes = recorded.minutes if recorded.minutes is not None else minutes
        recalled = self.plan.recall_share > 0 and self.onward_rng.random() < self.plan.recall_share
        onward: str | None = None
        if code in self.plan.transfers:
            to, share = self.plan.transfers[code]
            if self.onward_rng.random() < share:
                onward = to
                self.second_min[tid - 1] = self.plan.samplers[to](self.onward_rng)
        self.onward.append(onward)
        number = service.number.label(issued + 1)
        queued = self.when(now)
        self.engine.append(Ticket(tid, code, number, Status.WAITING, queued, "P" if prio else None))
        self.waiting.append(Waiting(tid, code, prio, queued))
        self.service_min.append(minutes)
        t = self.t
        t.service.append(code)
        t.priority.append(prio)
        t.issued.append(now)
        t.called.append(None)
        t.finished.append(None)
        t.no_show.append(no_show)
        t.recall.append(recalled)
        t.number.append(number)
        t.transferred.append(None)
        t.recalled.append(None)
        self.lines.setdefault((code, prio), deque()).append(tid - 1)
        self.wake(code, prio, now)

    def wake(self, code: str, prio: bool, now: float) -> None:
        """A ticket joined a line: the counter idle longest among those that may call it calls."""
        idle = [i for i in self.callers.get((code, prio), ()) if self.open[i] and self.current[i] is None]
        if idle:
            self.call_next(min(idle, key=lambda i: (self.idle_since[i], i)), now)

    def call_next(self, i: int, now: float) -> None:
        """Counter i calls the next ticket by the engine's rules, or waits idle."""
        heads = [self.waiting[line[0]] for key in self.reach[i] if (line := self.lines.get(key))]
        if not heads:
            if self.closing[i]:
                self.open[i] = False
            return
        counter = self.counters[i]
        choice = choose_next(counter, heads, self.streak[i], self.plan.policy, self.when(now))
        if choice is None:
            return
        idx = choice.ticket_id - 1
        self.lines[(self.waiting[idx].service, self.t.priority[idx])].popleft()
        self.streak[i] = choice.priority_streak
        ticket, _ = lifecycle.call(self.engine[idx], counter.number, choice.reason)
        self.t.call_order.append(choice.ticket_id)
        if ticket.leg > 1:  # called at the service it was sent on to
            self.t.recalled[idx] = now
            self.engine[idx], _ = lifecycle.start(ticket, counter.number)
            self.current[i], self.started[i] = idx, now
            self.push(now + self.second_min[idx], FINISH, i)
            return
        self.t.called[idx] = now
        if self.t.no_show[idx]:
            ticket, _ = lifecycle.no_show(ticket, counter.number)
            length = self.plan.no_show_min
        else:
            length = self.service_min[idx]
            if self.t.recall[idx]:  # not there at the first call: recalled, then comes
                ticket, _ = lifecycle.recall(ticket, counter.number)
                length += self.plan.recall_min
            ticket, _ = lifecycle.start(ticket, counter.number)
        self.engine[idx] = ticket
        self.current[i], self.started[i] = idx, now
        self.push(now + length, FINISH, i)

    def finish(self, i: int, now: float) -> None:
        """Counter i is done with its ticket; it calls the next if it still works."""
        idx = self.current[i]
        assert idx is not None
        ticket = self.engine[idx]
        onward = self.onward[idx]
        if ticket.status == Status.SERVING and onward is not None and ticket.leg == 1:
            # Sent on (e.g. to pay the fee): it keeps its issue time, so it waits in its place.
            self.engine[idx], _ = lifecycle.transfer(ticket, self.counters[i].number, onward)
            self.t.transferred[idx] = now
            self.waiting[idx] = replace(self.waiting[idx], service=onward)
            line = self.lines.setdefault((onward, self.t.priority[idx]), deque())
            at = len(line)
            while at > 0 and line[at - 1] > idx:  # ids rise with issue time
                at -= 1
            line.insert(at, idx)
            self.wake(onward, self.t.priority[idx], now)
        elif ticket.status == Status.SERVING:
            self.engine[idx], _ = lifecycle.complete(ticket, self.counters[i].number)
            self.t.finished[idx] = now
        number, code = self.counters[i].number, self.t.service[idx]
        inside = _overlap(self.started[i], now, self.plan.counter_periods[i])
        self.busy[number][code] = self.busy[number].get(code, 0.0) + inside
        self.overtime[number] += max(0.0, now - max(self.started[i], self.last_close))
        self.current[i] = None
        self.idle_since[i] = now
        if self.open[i]:
            self.call_next(i, now)

    def run(self) -> DayResult:
        """Simulate the day from its arrivals to the last ticket served (or closing)."""
        for i, periods in enumerate(self.plan.counter_periods):
            for a, b in periods:
                self.push(a, OPEN, i)
                self.push(b, CLOSE, i)
        self.push(self.last_close, CLOSE, -1)  # after every counter's own close at that time
        replay = self.plan.replay
        arrivals = [(r.at, r.service) for r in replay] if replay else draw_arrivals(self.plan, self.rng)
        for k, (at, _code) in enumerate(arrivals):
            self.push(at, ARRIVE, k)
        end = 0.0
        while self.events:
            now, kind, _seq, data = heapq.heappop(self.events)
            end = now
            if kind == ARRIVE:
                self.issue(now, arrivals[data][1], replay[data] if replay else None)
            elif kind == FINISH:
                self.finish(data, now)
            elif kind == OPEN:
                self.open[data] = True
                if self.current[data] is None:
                    self.idle_since[data] = now
                    self.call_next(data, now)
            elif data >= 0:
                self.close(data, now)
            elif self.plan.after_hours == "close":
                for line in self.lines.values():
                    while line:
                        idx = line.popleft()
                        self.engine[idx], _ = lifecycle.close_unserved(self.engine[idx])
        return DayResult(self.t, self.onward, self.busy, self.overtime, end)

    def close(self, i: int, now: float) -> None:
        """Counter i's period ends: it stops calling; at closing time, with after_hours = "serve",
        it first serves who is left."""
        if now >= self.last_close and self.plan.after_hours == "serve":
            self.closing[i] = True
            if self.current[i] is None:
                self.call_next(i, now)  # closes the counter when nothing is left
            return
        self.open[i] = False


def simulate_day(plan: Plan, site: Site, rng: random.Random, day_index: int = 0) -> DayResult:
    """Simulate one service day with this random stream."""
    return Day(plan, site, rng, day_index).run()
