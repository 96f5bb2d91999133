"""Use cases of the ticket: issue (idempotent), look up, reprint, and closing a service day."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ..engine import lifecycle
from ..engine.model import Status, Ticket
from ..engine.numbering import IssueRefused, check_can_issue
from ..store import queue as q
from ..store import accounts
from .calendar_state import calendar_at, refusal_params
from . import audit, reports
from .auth import SYSTEM, Actor, device_actor, require_issuer, require_staff
from .changes import Changes
from .context import Context, service_day, stamp
from .errors import UseCaseError
from .ticket_tokens import new_ticket_token
from .views import iso, ticket_view

MAX_REQUEST_ID = 64


def check_request_id(request_id: Any) -> str | None:
    """Validate an optional request_id."""
    if request_id is None or request_id == "":
        return None
    if not isinstance(request_id, str) or len(request_id) > MAX_REQUEST_ID:
        raise UseCaseError("bad_request_id", 400, max=MAX_REQUEST_ID)
    return request_id


def print_target(ctx: Context, actor: Actor, print_at: Any) -> Actor | None:
    """The kiosk whose printer staff chose to print on (by device name), or None."""
    if print_at in (None, ""):
        return None
    require_staff(actor)
    with ctx.db.read() as conn:
        dev = accounts.device_by_name(conn, print_at) if isinstance(print_at, str) else None
    if dev is None or dev["kind"] != "kiosk" or not dev["printer"]:
        raise UseCaseError("no_printer", 409)
    return device_actor(dev)


def earlier_answer(conn: Any, actor: Actor, request_id: str | None, action: str) -> Any:
    """The stored answer to a repeated request (double tap, network retry), or None.

    Checked inside the same write transaction that would make the change, so two copies of one
    request racing each other still produce one change.
    """
    if not request_id:
        return None
    prev = q.find_request(conn, actor.key, request_id)
    if prev is None:
        return None
    if prev["action"] != action:
        raise UseCaseError("request_id_reused", 409)
    return prev["response"]


def issue_ticket(ctx: Context, actor: Actor, service: Any, priority: Any = None,
                 request_id: Any = None, base_url: str = "",
                 print_at: Any = None) -> tuple[dict[str, Any], bool]:
    """Issue the next number of a service; returns (ticket, created). A repeated request_id
    returns the first ticket and creates nothing. Staff may print it on a kiosk (`print_at`)."""
    site = ctx.site
    if not isinstance(service, str) or service not in site.services:
        raise UseCaseError("unknown_service", 400, service=str(service))
    if priority is not None and (not isinstance(priority, str)
                                 or priority not in site.priority_categories):
        raise UseCaseError("unknown_priority", 400, priority=str(priority))
    if priority is not None and not site.accepts_priority(service):
        raise UseCaseError("priority_not_accepted", 400, service=service)
    request_id = check_request_id(request_id)
    svc = site.services[service]
    require_issuer(actor, svc.zone)
    printing_kiosk = print_target(ctx, actor, print_at) or (actor if actor.kind == "device" else None)
    now = ctx.clock()
    day = service_day(now)
    printer = printing_kiosk.printer if printing_kiosk and ctx.printer is not None else None
    with ctx.transaction() as (conn, out):
        prev = earlier_answer(conn, actor, request_id, "issue")
        if prev is not None:
            return ticket_view(conn, site, q.get_ticket(conn, prev["id"]) or {}, base_url, now), False
        if ctx.site_from(conn):  # an administrator changed the site: number with the new one
            site = ctx.site
            if service not in site.services:
                raise UseCaseError("unknown_service", 400, service=service)
            svc = site.services[service]
        try:
            check_can_issue(svc, now, q.issued_count(conn, service, day), site.open_all_hours,
                            calendar_at(conn, now))
        except IssueRefused as refused:
            params = refusal_params(refused.params, now) if "reason" in refused.params else refused.params
            raise UseCaseError(refused.code, 409, **params) from None
        seq = q.next_seq(conn, service, day)
        at = stamp(now)
        row = {"day": day, "origin_service": service, "seq": seq, "number": svc.number.label(seq),
               "service": service, "priority": priority, "status": Status.WAITING.value,
               "token": new_ticket_token(now), "issued_at": at, "queued_at": at,
               "issued_by": actor.key, "device_id": printing_kiosk.id if printing_kiosk else None,
               "print_status": "pending" if printer else "none"}
        ticket_id = q.insert_ticket(conn, row)
        q.open_leg(conn, ticket_id, 1, service)
        q.append_event(conn, at, day, "ticket.issued", actor.key, ticket_id, None, service,
                       {"number": row["number"], "priority": priority, "request_id": request_id})
        if request_id:
            q.save_request(conn, actor.key, request_id, "issue", 201, {"id": ticket_id}, at)
        if actor.is_staff:  # a kiosk's tickets are the citizens' own: the event log has them
            issued = {"ticket": row["number"], "status": row["status"], "priority": priority,
                      "printer": printing_kiosk.name if printing_kiosk else None}
            audit.record(conn, ctx, actor, "ticket.issue", audit.target("service", service), None,
                         {k: v for k, v in issued.items() if v is not None})
        Changes(services=[service]).emit(ctx, conn, out, now, base_url)
        ticket = ticket_view(conn, site, q.get_ticket(conn, ticket_id) or {}, base_url, now)
        if printer and printing_kiosk is not None:
            kiosk = printing_kiosk
            job = ctx.printer.enqueue(conn, kiosk, ticket)  # with the ticket: kill -9 loses neither
            out.after_commit.append(lambda: ctx.printer.print_ticket(kiosk, ticket, job))
    return ticket, True


def get_ticket(ctx: Context, token: str, base_url: str = "") -> dict[str, Any]:
    """The ticket behind a public token."""
    with ctx.db.read() as conn:
        t = q.ticket_by_token(conn, token) if isinstance(token, str) else None
        if t is None:
            raise UseCaseError("ticket_not_found", 404)
        if t.get("channel"):  # issue 10: a remote number's page shows its check-in state
            from .remote import with_remote
            return with_remote(conn, ctx, t, base_url, ctx.clock())
        return ticket_view(conn, ctx.site, t, base_url, ctx.clock())


def reprint_ticket(ctx: Context, actor: Actor, token: str, base_url: str = "",
                   print_at: Any = None) -> dict[str, Any]:
    """Print a ticket again (staff), on the chosen kiosk's printer or the one that printed it."""
    require_staff(actor)
    target = print_target(ctx, actor, print_at)
    ticket = get_ticket(ctx, token, base_url)
    if ctx.printer is None:
        raise UseCaseError("no_printer", 409)
    printed_on = ctx.printer.reprint(actor, ticket, target)
    with ctx.transaction() as (conn, _):
        audit.record(conn, ctx, actor, "ticket.reprint", audit.target("service", ticket["service"]),
                     None,
                     {"ticket": ticket["number"], "printer": printed_on.name})
    return ticket


def print_preview(ctx: Context, actor: Actor, token: str) -> Any:
    """The picture of a ticket as the virtual printer printed it (staff)."""
    require_staff(actor)
    ticket = get_ticket(ctx, token)
    path = ctx.printer.preview(ticket["id"]) if ctx.printer is not None else None
    if path is None:
        raise UseCaseError("no_preview", 404)
    return path


def ticket_history(ctx: Context, actor: Actor, token: str) -> list[dict[str, Any]]:
    """Every recorded step of a ticket, oldest first: what, when, who, where (staff)."""
    require_staff(actor)
    with ctx.db.read() as conn:
        row = q.ticket_by_token(conn, token) if isinstance(token, str) else None
        if row is None:
            raise UseCaseError("ticket_not_found", 404)
        return [{"type": e["type"], "at": iso(e["at"]), "actor": e["actor"], "counter": e["counter"],
                 "service": e["service"], "data": e["data"]}
                for e in q.events_of_ticket(conn, row["id"])]


def find_tickets(ctx: Context, actor: Actor, service: Any, number: Any,
                 base_url: str = "") -> list[dict[str, Any]]:
    """Today's tickets with this number, optionally in one service (staff: reprint, help desk)."""
    require_staff(actor)
    if not isinstance(number, str) or not number.strip():
        raise UseCaseError("number_required", 400)
    if service and service not in ctx.site.services:
        raise UseCaseError("unknown_service", 400, service=str(service))
    with ctx.db.read() as conn:
        rows = q.tickets_by_number(conn, service_day(ctx.clock()), number.strip(),
                                   [service] if service else None)
        return [ticket_view(conn, ctx.site, r, base_url) for r in rows]


def cancel_ticket(ctx: Context, actor: Actor, token: Any, request_id: Any = None,
                  base_url: str = "") -> dict[str, Any]:
    """Withdraw a waiting or parked ticket (staff: the citizen left, or asked at the desk).

    The ticket keeps its history; its visit ends as `cancelled` (counted so in the reports). A
    repeated request_id returns the first answer and changes nothing."""
    require_staff(actor)
    request_id = check_request_id(request_id)
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        row = q.ticket_by_token(conn, token) if isinstance(token, str) else None
        if row is None:
            raise UseCaseError("ticket_not_found", 404)
        if earlier_answer(conn, actor, request_id, "cancel") is not None:
            return ticket_view(conn, ctx.site, row, base_url, now)
        try:
            new, event = lifecycle.cancel(to_engine(row))
        except lifecycle.InvalidTransition as exc:
            raise UseCaseError(exc.code, 409, **exc.params) from None
        at = stamp(now)
        q.update_ticket(conn, row["id"], row["status"], status=new.status.value, counter=None,
                        finished_at=at)
        q.update_leg(conn, row["id"], row["leg"], finished_at=at, outcome="cancelled")
        q.append_event(conn, at, row["day"], event.type, actor.key, row["id"], row["counter"],
                       row["service"], dict(event.data))
        audit.record(conn, ctx, actor, "ticket.cancel", ":".join(("ticket", row["number"])),
                     {"status": row["status"]}, {"status": new.status.value})
        from .remote import booking_follows  # issue 10: a number from home's booking is cancelled too
        Changes(tickets=[row["id"]], services=[row["service"]],
                counters=[row["counter"]] if row["counter"] else [],
                extra=booking_follows(conn, row["id"], now)).emit(ctx, conn, out, now, base_url)
        ticket = ticket_view(conn, ctx.site, q.get_ticket(conn, row["id"]) or row, base_url, now)
        if request_id:
            q.save_request(conn, actor.key, request_id, "cancel", 200, {"id": row["id"]}, at)
    return ticket


def to_engine(row: dict[str, Any]) -> Ticket:
    """A ticket row as the engine's Ticket."""
    return Ticket(id=row["id"], service=row["service"], number=row["number"],
                  status=Status(row["status"]), queued_at=datetime.fromisoformat(row["queued_at"]),
                  priority=row["priority"], counter=row["counter"], recalls=row["recalls"],
                  leg=row["leg"])


# A stored answer to a request_id serves a retry (double tap, a network blip): those come within
# minutes, so a day is plenty; older answers are purged by the day-close job.
REQUEST_TTL = timedelta(days=1)
PURGE_BATCH = 2000  # rows per write transaction: the write lock is never held for long


def purge_expired_requests(ctx: Context, pause: Callable[[], None] | None = None) -> int:
    """Forget stored request answers older than REQUEST_TTL, in small transactions; returns how
    many. `pause` runs between batches (the server yields to its event loop there)."""
    before = stamp(ctx.clock() - REQUEST_TTL)
    total = 0
    while True:
        with ctx.db.write() as conn:
            n = q.purge_requests(conn, before, PURGE_BATCH)
        total += n
        if n < PURGE_BATCH:
            return total
        if pause is not None:
            pause()


def close_day(ctx: Context, actor_key: str = "system", base_url: str = "",
              pause: Callable[[], None] | None = None, actor: Actor = SYSTEM,
              summaries: bool = True) -> int:
    """Close every ticket of earlier days that is still open as not served; returns how many.
    Then purge expired request answers (`pause` runs between purge batches), and write the report
    summaries of the days now closed (`summaries=False`: the caller runs them off its event loop).
    `actor` signs the audit entry (the server's own timer by default, the CLI for `xephang day close`).

    Only days that still have open tickets are read (partial index tickets_open). Tickets stay
    with their history, numbering restarts by itself because sequences are kept per service day.
    """
    now = ctx.clock()
    today = service_day(now)
    with ctx.transaction() as (conn, out):
        rows = q.open_tickets_before(conn, today)
        changes = Changes()
        for row in rows:
            new, event = lifecycle.close_unserved(to_engine(row))
            q.update_ticket(conn, row["id"], row["status"], status=new.status.value,
                            finished_at=stamp(now))
            q.update_leg(conn, row["id"], row["leg"], outcome="not_served", finished_at=stamp(now))
            q.append_event(conn, stamp(now), row["day"], event.type, actor_key, row["id"],
                           row["counter"], row["service"], dict(event.data))
            changes.tickets.append(row["id"])
        for number, state in q.counter_states(conn).items():
            if state["state"] != "closed" and (state["since"] or "")[:10] < today:
                q.set_counter_state(conn, number, state="closed", officer=None, since=stamp(now),
                                    priority_streak=0)
                changes.counters.append(number)
        if rows or changes.counters:
            q.append_event(conn, stamp(now), today, "day.closed", actor_key, None, None, None,
                           {"closed_tickets": len(rows)})
            audit.record(conn, ctx, actor, "day.close", audit.target("day", today), None,
                         {"closed_tickets": len(rows), "closed_counters": sorted(changes.counters)})
            changes.emit(ctx, conn, out, now, base_url)
    purge_expired_requests(ctx, pause)
    from . import citizens  # issue 10: no-shows of past appointments, erasure of old phone data
    from . import remote  # issue 10: numbers from home never checked in expire
    remote.close_day(ctx)
    citizens.close_day(ctx)
    if summaries:
        reports.summarize_closed_days(ctx)
    return len(rows)
