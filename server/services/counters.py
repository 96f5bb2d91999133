"""Use cases at a counter: open, call next or a number, recall, start, complete, no-show, park,
unpark, transfer, pause, resume, close — and the citizen's rating. Each is one transaction."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..engine import lifecycle
from ..engine.lifecycle import InvalidTransition
from ..engine.model import APPOINTMENT, CounterState, DomainEvent, Ticket, Waiting
from ..engine.ordering import choose_next
from ..store import Connection
from ..store import queue as q
from . import audit
from .auth import Actor, require_counter, require_rater
from .changes import Changes
from .context import Context, parse_stamp, service_day, stamp
from .errors import UseCaseError
from .screens.events import RatingAdded
from .screens.views import public_counter, public_ticket
from .tickets import check_request_id, earlier_answer, to_engine
from .views import counter_view, service_view, ticket_view


@dataclass
class Step:
    """One action in progress: its transaction, caller, counter, time and what it changed."""

    ctx: Context
    conn: Connection
    actor: Actor
    number: int
    body: dict[str, Any]
    now: datetime
    changes: Changes
    ticket_id: int | None = None
    # For the audit trail: what this action changed, before → after ("ticket:<number>", "state").
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    first_seen: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def day(self) -> str:
        return service_day(self.now)

    @property
    def at(self) -> str:
        return stamp(self.now)

    def record(self, row: dict[str, Any], new: Ticket, event: DomainEvent, show: bool = True,
               **fields: Any) -> None:
        """Save a ticket's new state (compare-and-set), its event, and note what changed;
        `show` makes it the ticket the action answers with."""
        ok = q.update_ticket(self.conn, row["id"], row["status"], status=new.status.value,
                             counter=new.counter, recalls=new.recalls, leg=new.leg,
                             service=new.service, **fields)
        if not ok:  # cannot happen inside BEGIN IMMEDIATE; kept as a guard for the invariant
            raise UseCaseError("conflict", 409)
        event_id = q.append_event(self.conn, self.at, row["day"], event.type, self.actor.key,
                                  row["id"], event.counter, event.service, dict(event.data))
        if event.type in ("ticket.called", "ticket.recalled", "ticket.unparked"):
            self.changes.calls.append(event_id)
        self.changes.tickets.append(row["id"])
        self.changes.services += [row["service"], new.service]
        if show:
            self.ticket_id = row["id"]
        key = audit.target("ticket", row["number"])
        was = {"status": row["status"], "service": row["service"], "counter": row["counter"],
               "recalls": row["recalls"]}
        now = {"status": new.status.value, "service": new.service, "counter": new.counter,
               "recalls": new.recalls}
        self.before[key], self.after[key] = audit.changed(self.first_seen.setdefault(key, was), now)

    def state(self) -> dict[str, Any]:
        return q.counter_state(self.conn, self.number)

    def set_state(self, state: CounterState, event_type: str, **fields: Any) -> None:
        self.before.setdefault("state", self.state()["state"])
        self.after["state"] = state.value
        q.set_counter_state(self.conn, self.number, state=state.value, since=self.at, **fields)
        q.append_event(self.conn, self.at, self.day, event_type, self.actor.key, None, self.number,
                       None, {"officer": self.actor.name})
        self.changes.counters.append(self.number)


def _held(step: Step, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    return q.at_counter(step.conn, step.number, statuses)


def _current(step: Step) -> dict[str, Any]:
    """The ticket being called or served here (or the one named by body.number)."""
    held = _held(step, ("called", "serving"))
    number = step.body.get("number")
    if number is not None:
        held = [t for t in held if t["number"] == str(number)]
    if not held:
        raise UseCaseError("no_current_ticket", 409, counter=step.number)
    return held[-1]


def _ensure_open(step: Step) -> None:
    state = step.state()
    if state["state"] == CounterState.PAUSED:
        raise UseCaseError("counter_paused", 409, counter=step.number)
    if state["state"] == CounterState.CLOSED:
        step.set_state(CounterState.OPEN, "counter.opened", officer=step.actor.name)


def _finish_current(step: Step) -> None:
    """Calling another ticket completes the one still at the counter."""
    for row in _held(step, ("called", "serving")):
        new, event = lifecycle.complete(to_engine(row), step.number)
        step.record(row, new, event, show=False, finished_at=step.at)
        q.update_leg(step.conn, row["id"], row["leg"], finished_at=step.at, outcome="done")


def _call(step: Step, row: dict[str, Any], reason: str, streak: int | None) -> None:
    new, event = lifecycle.call(to_engine(row), step.number, reason)
    step.record(row, new, event, called_at=step.at)
    q.open_leg(step.conn, row["id"], row["leg"], row["service"])
    q.update_leg(step.conn, row["id"], row["leg"], counter=step.number, officer=step.actor.name,
                 called_at=step.at)
    if streak is not None:
        q.set_counter_state(step.conn, step.number, priority_streak=streak)
    from .remote import on_called  # issue 10: SMS to remote/appointment owners, Web Push
    on_called(step.conn, step.ctx, row, step.number, step.now)


def _callable_services(step: Step) -> tuple[list[str], list[str]]:
    counter = step.ctx.site.counters[step.number]
    zone = step.ctx.site.zone_services(counter.zone) if counter.priority else []
    return list(counter.services), zone


def call_next(step: Step) -> None:
    """Call the next ticket by the site's policy (completing the current one first)."""
    _ensure_open(step)
    _finish_current(step)
    services, zone_priority = _callable_services(step)
    rows = q.waiting(step.conn, step.day, services, zone_priority)
    waiting = [Waiting(r["id"], r["service"], r["priority"] is not None,
                       parse_stamp(r["queued_at"]), r["priority"] == APPOINTMENT) for r in rows]
    counter = step.ctx.site.counters[step.number]
    # issue 10: an appointment checked in early is queued at its slot's start; until then it is
    # called only when nobody else waits for this counter.
    due = [w for w in waiting if w.queued_at <= step.now]
    choice = choose_next(counter, due or waiting, int(step.state().get("priority_streak") or 0),
                         step.ctx.site.policy, step.now)
    if choice is None:
        return
    row = q.get_ticket(step.conn, choice.ticket_id)
    assert row is not None
    _call(step, row, choice.reason, choice.priority_streak)


def call_number(step: Step) -> None:
    """Call a specific waiting ticket by its number."""
    number = step.body.get("number")
    if not isinstance(number, (str, int)) or not str(number).strip():
        raise UseCaseError("number_required", 400)
    services, zone_priority = _callable_services(step)
    wanted = step.body.get("service")
    scope = [wanted] if wanted else list(dict.fromkeys(services + zone_priority))
    if wanted and wanted not in services + zone_priority:
        raise UseCaseError("service_not_at_counter", 403, service=wanted, counter=step.number)
    rows = [r for r in q.tickets_by_number(step.conn, step.day, str(number).strip(), scope)
            if r["status"] == "waiting" and (r["service"] in services  # a zone's priority citizens
                                             or r["priority"] not in (None, APPOINTMENT))]
    if not rows:
        raise UseCaseError("ticket_not_waiting", 409, number=str(number))
    if len(rows) > 1:
        raise UseCaseError("ambiguous_number", 409, number=str(number))
    _ensure_open(step)
    _finish_current(step)
    _call(step, rows[0], "specific", None)


def recall(step: Step) -> None:
    """Call the current ticket again."""
    row = _current(step)
    new, event = lifecycle.recall(to_engine(row), step.number)
    step.record(row, new, event)


def start(step: Step) -> None:
    """The citizen is at the counter."""
    row = _current(step)
    new, event = lifecycle.start(to_engine(row), step.number)
    step.record(row, new, event, started_at=step.at)
    q.update_leg(step.conn, row["id"], row["leg"], started_at=step.at)


def complete(step: Step) -> None:
    """The job is done."""
    row = _current(step)
    new, event = lifecycle.complete(to_engine(row), step.number)
    step.record(row, new, event, finished_at=step.at)
    q.update_leg(step.conn, row["id"], row["leg"], finished_at=step.at, outcome="done")


def no_show(step: Step) -> None:
    """The citizen did not come."""
    row = _current(step)
    new, event = lifecycle.no_show(to_engine(row), step.number)
    step.record(row, new, event, finished_at=step.at)
    q.update_leg(step.conn, row["id"], row["leg"], finished_at=step.at, outcome="no_show")


def park(step: Step) -> None:
    """Hold the current ticket aside."""
    row = _current(step)
    new, event = lifecycle.park(to_engine(row), step.number)
    step.record(row, new, event)


def unpark(step: Step) -> None:
    """Bring a parked ticket back to this counter."""
    number = step.body.get("number")
    parked = [t for t in _held(step, ("parked",)) if t["number"] == str(number)]
    if not parked:
        raise UseCaseError("ticket_not_parked", 409, number=str(number))
    _ensure_open(step)
    _finish_current(step)
    row = parked[0]
    new, event = lifecycle.unpark(to_engine(row), step.number)
    step.record(row, new, event, called_at=step.at)


def transfer(step: Step) -> None:
    """Send the current ticket on to another service, keeping its number and place."""
    to = step.body.get("service")
    if not isinstance(to, str) or to not in step.ctx.site.services:
        raise UseCaseError("unknown_service", 400, service=str(to))
    note = step.body.get("note") or ""
    if not isinstance(note, str) or len(note) > 500:
        raise UseCaseError("bad_note", 400)
    row = _current(step)
    new, event = lifecycle.transfer(to_engine(row), step.number, to, note.strip())
    step.record(row, new, event)
    if note.strip():
        step.after["note"] = note.strip()
    q.update_leg(step.conn, row["id"], row["leg"], finished_at=step.at, outcome="transferred",
                 note=note.strip())
    q.open_leg(step.conn, row["id"], new.leg, to)


def open_counter(step: Step) -> None:
    """Start working at the counter."""
    if step.state()["state"] == CounterState.OPEN:
        return
    step.set_state(CounterState.OPEN, "counter.opened", officer=step.actor.name)


def close_counter(step: Step) -> None:
    """Stop working at the counter (current and parked tickets must be finished first)."""
    if _held(step, ("called", "serving", "parked")):
        raise UseCaseError("counter_busy", 409, counter=step.number)
    step.set_state(CounterState.CLOSED, "counter.closed", officer=None, priority_streak=0)


def pause(step: Step) -> None:
    """Take a break: the counter calls nobody until it resumes."""
    if step.state()["state"] != CounterState.OPEN:
        raise UseCaseError("counter_not_open", 409, counter=step.number)
    step.set_state(CounterState.PAUSED, "counter.paused", officer=step.actor.name)


def resume(step: Step) -> None:
    """Back from a break."""
    if step.state()["state"] != CounterState.PAUSED:
        raise UseCaseError("counter_not_paused", 409, counter=step.number)
    step.set_state(CounterState.OPEN, "counter.resumed", officer=step.actor.name)


ACTIONS: dict[str, Callable[[Step], None]] = {
    "open": open_counter, "close": close_counter, "call-next": call_next, "call": call_number,
    "recall": recall, "start": start, "complete": complete, "no-show": no_show, "park": park,
    "unpark": unpark, "transfer": transfer, "pause": pause, "resume": resume,
}


def counter_action(ctx: Context, actor: Actor, number: int, action: str, body: dict[str, Any],
                   base_url: str = "") -> dict[str, Any]:
    """Run one counter action; returns {ticket, counter}. A repeated request_id returns the first
    answer and changes nothing."""
    if number not in ctx.site.counters:
        raise UseCaseError("unknown_counter", 404, counter=number)
    require_counter(actor, number)
    handler = ACTIONS.get(action)
    if handler is None:
        raise UseCaseError("unknown_action", 404, action=action)
    request_id = check_request_id(body.get("request_id"))
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        prev = earlier_answer(conn, actor, request_id, f"{number}:{action}")
        if prev is not None:
            return dict(prev)
        step = Step(ctx, conn, actor, number, body, now, Changes())
        try:
            handler(step)
        except InvalidTransition as exc:
            raise UseCaseError(exc.code, 409, **exc.params) from None
        step.changes.counters.append(number)
        if step.after:  # an action that changed nothing (nobody waiting) leaves no entry
            audit.record(conn, ctx, actor, f"counter.{action.replace('-', '_')}",
                         audit.target("counter", number), step.before, step.after)
        step.changes.emit(ctx, conn, out, now, base_url)
        shown = q.get_ticket(conn, step.ticket_id) if step.ticket_id else None
        response = {"ticket": ticket_view(conn, ctx.site, shown, base_url, now) if shown else None,
                    "counter": counter_view(conn, ctx.site, number, base_url)}
        counter = response["counter"]
        assert counter is not None
        with_transfers(conn, ctx, [response["ticket"], counter["ticket"], *counter["parked"]])
        if request_id:
            q.save_request(conn, actor.key, request_id, f"{number}:{action}", 200,
                           response, stamp(now))
    return response


def counter_detail(ctx: Context, actor: Actor, number: int, base_url: str = "") -> dict[str, Any]:
    """A counter, its next waiting tickets and its services' counts (officer console)."""
    if number not in ctx.site.counters:
        raise UseCaseError("unknown_counter", 404, counter=number)
    if not (actor.kind == "device" and actor.role == "counter" and number in actor.counters):
        require_counter(actor, number)
    now = ctx.clock()
    with ctx.db.read() as conn:
        services, zone_priority = list(ctx.site.counters[number].services), []
        if ctx.site.counters[number].priority:
            zone_priority = ctx.site.zone_services(ctx.site.counters[number].zone)
        nxt = q.next_waiting(conn, service_day(now), list(dict.fromkeys(services + zone_priority)), 10)
        counts = q.queue_counts(conn, service_day(now))
        counter = counter_view(conn, ctx.site, number, base_url)
        waiting = [ticket_view(conn, ctx.site, t, base_url, now) for t in nxt]
        if actor.is_staff:
            with_transfers(conn, ctx, [counter["ticket"], *counter["parked"], *waiting])
        else:  # the counter's own display: public views only
            counter, waiting = public_counter(counter), [public_ticket(t) for t in waiting]
        from .remote import away_counts  # issue 10: numbers from home not checked in yet
        return {"counter": counter, "waiting": waiting,
                "services": [service_view(conn, ctx.site, s, now, counts) for s in services],
                "away": away_counts(conn, service_day(now), services) if actor.is_staff else {}}


def with_transfers(conn: Connection, ctx: Context, tickets: list[dict[str, Any] | None]) -> None:
    """Add `transfer` (from which counter and service, and the note left) to tickets that came by
    transfer. Staff answers only: the note is never in a public view or event."""
    found = q.transfer_notes(conn, [t["id"] for t in tickets if t])
    for t in tickets:
        if t and t["id"] in found:
            info = dict(found[t["id"]])
            svc = ctx.site.services.get(info["from_service"])
            info["from_service_name"] = svc.name if svc else info["from_service"]
            info["from_service_name_en"] = svc.name_en if svc else info["from_service"]
            t["transfer"] = info


def rate(ctx: Context, actor: Actor, number: int, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Store the citizen's rating of the leg just finished at this counter (once per leg);
    returns (answer, created) — a repeated request_id gives the first answer, not created.
    The ticket is named by its printed `number` (and `day`, today if absent): the counter display
    knows no database id (an older page may still send `ticket_id`)."""
    if number not in ctx.site.counters:
        raise UseCaseError("unknown_counter", 404, counter=number)
    require_rater(actor, number)
    score, reasons = body.get("score"), body.get("reasons") or []
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 4:
        raise UseCaseError("bad_score", 400)
    known = {r["code"] for r in ctx.site.settings.get("ratings", {}).get("reasons", [])}
    if not isinstance(reasons, list) or any(r not in known for r in reasons):
        raise UseCaseError("bad_reasons", 400)
    ticket_no, ticket_id, day = body.get("number"), body.get("ticket_id"), body.get("day")
    by_number = isinstance(ticket_no, str) and 0 < len(ticket_no) <= 16 \
        and (day is None or isinstance(day, str) and len(day) <= 10)
    legacy_id = ticket_id if isinstance(ticket_id, int) and not isinstance(ticket_id, bool) else None
    if not by_number and legacy_id is None:
        raise UseCaseError("ticket_not_found", 404)
    request_id = check_request_id(body.get("request_id"))
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        prev = earlier_answer(conn, actor, request_id, f"{number}:rating")
        if prev is not None:
            return dict(prev), False
        ticket, leg = None, None
        if by_number:
            ticket, leg = rated_by_number(conn, str(ticket_no), day or service_day(now), number)
        elif legacy_id is not None:
            ticket, leg = q.get_ticket(conn, legacy_id), q.last_finished_leg(conn, legacy_id, number)
        if leg is None or ticket is None:
            raise UseCaseError("nothing_to_rate", 409)
        if not q.add_rating(conn, ticket["id"], leg["leg"], ticket["day"], number, score, reasons,
                            stamp(now)):
            raise UseCaseError("already_rated", 409)
        rating = {"ticket_id": ticket["id"], "number": ticket["number"], "leg": leg["leg"],
                  "counter": number, "score": score, "reasons": reasons,
                  "at": now.isoformat(timespec="seconds")}
        q.append_event(conn, stamp(now), ticket["day"], "rating.added", actor.key, ticket["id"],
                       number, leg["service"], rating)
        Changes(extra=[RatingAdded(rating)]).emit(ctx, conn, out, now, "")
        # The tablet is a public device: its answer carries no database id (staff get it above).
        response = {"rating": {k: v for k, v in rating.items() if k != "ticket_id"}}
        if request_id:
            q.save_request(conn, actor.key, request_id, f"{number}:rating", 201, response, stamp(now))
    return response, True


def rated_by_number(conn: Connection, ticket_no: str, day: str,
                    counter: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(ticket, leg) a rating by printed number names: the day's ticket with this number whose
    latest leg finished at this counter (numbers are unique in the building for a day)."""
    for ticket in q.tickets_by_number(conn, day, ticket_no):
        leg = q.last_finished_leg(conn, ticket["id"], counter)
        if leg is not None:
            return ticket, leg
    return None, None
