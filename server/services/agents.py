"""What a kiosk agent reports: the outcome of its print jobs and its printer's status."""
from __future__ import annotations

from typing import Any

from printers.status import PrinterStatus

from ..store import queue as q
from .auth import Actor, require_login
from .context import Context, service_day
from .errors import UseCaseError
from .printing import agent_job, is_agent, record_outcome, record_status
from .views import ticket_view

STATUSES = {s.value for s in PrinterStatus}


def _require_kiosk(actor: Actor) -> None:
    require_login(actor)
    if not (actor.kind == "device" and actor.role == "kiosk"):
        raise UseCaseError("forbidden", 403)


def report_print_result(ctx: Context, actor: Actor, job_id: str, body: dict[str, Any],
                        base_url: str) -> dict[str, Any]:
    """The agent printed a job, or could not: record it on the ticket (named by the job's
    `ticket_ref`; an older agent sends `ticket_id`)."""
    _require_kiosk(actor)
    ref, ticket_id, status = body.get("ticket_ref"), body.get("ticket_id"), body.get("status")
    printer_status = body.get("printer_status", "unknown")
    by_ref = isinstance(ref, str) and 0 < len(ref) <= 64
    legacy_id = ticket_id if isinstance(ticket_id, int) and not isinstance(ticket_id, bool) else None
    if not (by_ref or legacy_id is not None) \
            or status not in ("printed", "failed") or printer_status not in STATUSES:
        raise UseCaseError("bad_request", 400)
    detail = str(body.get("detail") or "")[:300]
    with ctx.db.read() as conn:
        row = q.ticket_by_token(conn, str(ref)) if by_ref else q.get_ticket(conn, legacy_id or 0)
        sent = row is not None and q.print_job_sent(conn, row["id"], job_id, actor.id)
    if row is None or not (sent or row["device_id"] == actor.id):
        raise UseCaseError("ticket_not_found", 404)
    ticket_id = row["id"]
    record_outcome(ctx, ticket_id, status == "printed", str(actor.printer), printer_status, detail,
                   int(body.get("attempts") or 1), actor.key, base_url)
    if status == "failed":
        record_status(ctx, actor.id, str(actor.printer), printer_status, detail)
    with ctx.db.read() as conn:
        ticket = ticket_view(conn, ctx.site, q.get_ticket(conn, ticket_id) or {}, base_url)
    return {k: v for k, v in ticket.items() if k != "id"}  # a kiosk is a public device


def report_printer_status(ctx: Context, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """The agent read its printer's status: alert staff when it changed."""
    _require_kiosk(actor)
    status = body.get("status")
    if status not in STATUSES:
        raise UseCaseError("bad_request", 400)
    detail = str(body.get("detail") or "")[:300]
    record_status(ctx, actor.id, str(actor.printer or ""), str(status), detail)
    return {"status": status, "detail": detail}


def pending_jobs(ctx: Context, actor: Actor, base_url: str) -> list[dict[str, Any]]:
    """Today's tickets of an agent kiosk that are not printed yet (sent again on reconnect)."""
    if not (actor.kind == "device" and actor.role == "kiosk" and is_agent(actor.printer)):
        return []
    with ctx.db.read() as conn:
        rows = q.pending_prints_of(conn, actor.id, service_day(ctx.clock()))
        # The job id first sent for the ticket, so the agent can tell a job it already has.
        return [agent_job(ctx, ticket_view(conn, ctx.site, r, base_url), actor.paper,
                          q.last_print_job(conn, r["id"], actor.id)) for r in rows]
