"""Putting a missed ticket back in line: by staff, or by the citizen from the phone page."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..engine import lifecycle
from ..engine.lifecycle import InvalidTransition
from ..store import queue as q
from . import audit
from .auth import Actor, require_counter
from .changes import Changes
from .context import Context, service_day, stamp
from .errors import UseCaseError
from .tickets import check_request_id, to_engine
from .screens.views import own_ticket
from .views import ticket_view

DEFAULT_REQUEUE_MINUTES = 30


def requeue_minutes(ctx: Context) -> float:
    """How long after the call a citizen may still put a missed ticket back ([policy] requeue_minutes)."""
    return float(ctx.site.settings.get("policy", {}).get("requeue_minutes", DEFAULT_REQUEUE_MINUTES))


def requeue_ticket(ctx: Context, actor: Actor, token: Any, request_id: Any = None,
                   base_url: str = "") -> dict[str, Any]:
    """Put a no-show ticket back in line at its original place, once per ticket.

    Staff may do it any time that day; anyone else holds only the ticket's token (the phone page)
    and may do it within `requeue_minutes` of being called. A repeated request_id returns the first
    answer; of two different requests racing, one succeeds and the other gets `already_requeued`.
    """
    request_id = check_request_id(request_id)
    by_citizen = not actor.is_staff
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        row = q.ticket_by_token(conn, token) if isinstance(token, str) else None
        if row is None:
            raise UseCaseError("ticket_not_found", 404)
        # The citizen has no account: their requests are keyed by the ticket they hold.
        key = f"holder:{row['id']}" if by_citizen else actor.key
        if request_id:
            prev = q.find_request(conn, key, request_id)
            if prev is not None:
                if prev["action"] != "requeue":
                    raise UseCaseError("request_id_reused", 409)
                shown = ticket_view(conn, ctx.site, q.get_ticket(conn, row["id"]) or row, base_url, now)
                return own_ticket(shown) if by_citizen else shown
        missed_at = row["finished_at"] or row["called_at"] or row["queued_at"]
        minutes = (now - datetime.fromisoformat(missed_at)).total_seconds() / 60
        if row["day"] != service_day(now):
            minutes = float("inf")  # a ticket of an earlier day cannot come back
            if not by_citizen:
                raise UseCaseError("requeue_too_late", 409, number=row["number"],
                                   minutes=int(requeue_minutes(ctx)))
        try:
            new, event = lifecycle.requeue(to_engine(row), row.get("requeued_at") is not None,
                                           by_citizen, minutes, requeue_minutes(ctx))
        except InvalidTransition as exc:
            raise UseCaseError(exc.code, 409, **exc.params) from None
        at = stamp(now)
        if not q.requeue_ticket(conn, row["id"], new.leg, at):  # guard: BEGIN IMMEDIATE serialises
            raise UseCaseError("already_requeued", 409, number=row["number"])
        q.open_leg(conn, row["id"], new.leg, row["service"])
        q.append_event(conn, at, row["day"], event.type, actor.key if not by_citizen else key,
                       row["id"], row["counter"], row["service"],
                       {**event.data, "request_id": request_id})
        if not by_citizen:
            number = audit.target("ticket", row["number"])
            audit.record(conn, ctx, actor, "ticket.requeue", audit.target("service", row["service"]),
                         {number: {"status": row["status"]}}, {number: {"status": new.status.value}})
        Changes(tickets=[row["id"]], services=[row["service"]]).emit(ctx, conn, out, now, base_url)
        ticket = ticket_view(conn, ctx.site, q.get_ticket(conn, row["id"]) or row, base_url, now)
        if request_id:
            q.save_request(conn, key, request_id, "requeue", 200, {"id": row["id"]}, at)
    # The holder's phone page sees its own ticket as it always does: no id, no priority category.
    return own_ticket(ticket) if by_citizen else ticket


def missed_tickets(ctx: Context, actor: Actor, number: int, base_url: str = "") -> list[dict[str, Any]]:
    """The latest no-show tickets at a counter today (the console offers to put them back)."""
    if number not in ctx.site.counters:
        raise UseCaseError("unknown_counter", 404, counter=number)
    require_counter(actor, number)
    now = ctx.clock()
    with ctx.db.read() as conn:
        return [ticket_view(conn, ctx.site, t, base_url, now)
                for t in q.missed_at_counter(conn, service_day(now), number)]
