"""Withdrawing a number from home (issue 10): its owner cancels it from the ticket page or the
booking page before it is called; the ticket is cancelled (the engine's rule) and its booking
follows (remote.booking_follows, which staff cancels use too)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..engine import lifecycle
from ..engine.model import Status
from ..store import Connection
from ..store import citizens as rows
from ..store import queue as q
from ..store import remote as store
from . import bookings
from .changes import Changes
from .citizens import check_rate
from .context import Context, stamp
from .errors import UseCaseError
from .remote import booking_follows, with_remote
from .tickets import to_engine


def cancel_own(ctx: Context, token: object, address: str, base_url: str) -> dict[str, Any]:
    """POST /public/remote-tickets/<token>/cancel: the owner of a number from home withdraws it
    (by the ticket's token, her key) before it is called; a repeat answers the cancelled ticket."""
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        check_rate(conn, ctx, "public", address, "public_per_address_hour", now)
        t = q.ticket_by_token(conn, token) if isinstance(token, str) else None
        b = store.booking_of_ticket(conn, int(t["id"])) if t is not None else None
        if t is None or b is None or b["kind"] != "remote":
            raise UseCaseError("ticket_not_found", 404)
        if t["status"] != Status.CANCELLED.value:
            withdraw_remote(conn, ctx, out, t, b, now, base_url)
        return with_remote(conn, ctx, q.get_ticket(conn, int(t["id"])) or t, base_url, now)


def withdraw_remote(conn: Connection, ctx: Context, out: Any, t: dict[str, Any],
                    b: dict[str, Any], now: datetime, base_url: str) -> None:
    """Its owner cancels a number from home: the ticket, then its booking, published."""
    _withdraw(conn, ctx, t, f"citizen:{(b['phone_hash'] or '')[:32]}", now)
    Changes(tickets=[int(t["id"])], services=[t["service"]],
            extra=booking_follows(conn, int(t["id"]), now)).emit(ctx, conn, out, now, base_url)


def _withdraw(conn: Connection, ctx: Context, t: dict[str, Any], actor_key: str,
              now: datetime) -> None:
    """Cancel a ticket not at a counter (the engine's rule), logged as `ticket.cancelled`."""
    try:
        new, event = lifecycle.cancel(to_engine(t))
    except lifecycle.InvalidTransition as exc:
        raise UseCaseError(exc.code, 409, **exc.params) from None
    at = stamp(now)
    if not q.update_ticket(conn, t["id"], t["status"], status=new.status.value, counter=None,
                           finished_at=at):
        raise UseCaseError("booking_not_active", 409)
    q.update_leg(conn, t["id"], t["leg"], finished_at=at, outcome="cancelled")
    q.append_event(conn, at, t["day"], event.type, actor_key, t["id"], None, t["service"],
                   dict(event.data))


def cancel_booking(ctx: Context, token: str, address: str, base_url: str) -> dict[str, Any]:
    """Cancel by a booking's token (HTTP DELETE of /public/bookings/<token>): an appointment
    (bookings.cancel) or a number from home; answers the booking."""
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        b = rows.booking_by_token(conn, token)
        t = q.get_ticket(conn, int(b["ticket_id"])) if b and b["kind"] == "remote" \
            and b.get("ticket_id") else None
        if b is not None and t is not None and b["status"] != "cancelled":
            check_rate(conn, ctx, "public", address, "public_per_address_hour", now)
            withdraw_remote(conn, ctx, out, t, b, now, base_url)
            b["status"] = "cancelled"
            return bookings.booking_view(ctx, b, base_url)
    return bookings.cancel(ctx, token, address, base_url)
