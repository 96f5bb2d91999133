"""Printing tickets on kiosk printers: jobs go to the print worker after the ticket is saved;
the outcome is recorded on the ticket and printer problems alert the staff."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from printers.ticket import TicketPrint
from printers.transports import PrinterStatus
from printers.worker import PrintJob, PrintOutcome, PrintWorker

from ..store import accounts
from ..store import queue as q
from .auth import Actor
from .changes import Changes
from .context import Context, service_day, stamp
from .queries import printer_view

log = logging.getLogger(__name__)
INSTRUCTION = "Vui lòng chờ đến khi số của bạn hiện trên màn hình và được mời đến quầy."
PROBLEM_STATUSES = {PrinterStatus.OUT.value, PrinterStatus.OFFLINE.value}


class Printing:
    """The server's side of printing: ticket → print job → outcome on the ticket."""

    def __init__(self, ctx: Context, preview_dir: Path) -> None:
        self.ctx = ctx
        self.preview_dir = preview_dir
        self._base_urls: dict[str, str] = {}
        self._devices: dict[str, int] = {}  # printer url → device id, for status alerts
        self.worker = PrintWorker(on_result=self._on_result, on_status=self._on_status)

    @classmethod
    def start(cls, ctx: Context, preview_dir: Path) -> "Printing":
        """Create and start the print worker."""
        printing = cls(ctx, preview_dir)
        printing.worker.start()
        return printing

    def url_for(self, printer: str) -> str:
        """A device's printer setting as a transport URL ('virtual' keeps PNG previews)."""
        if printer == "virtual":
            return f"virtual://{self.preview_dir}"
        return printer

    def ticket_print(self, ticket: dict[str, Any]) -> TicketPrint:
        """What goes on paper for a ticket."""
        site = self.ctx.site.info
        return TicketPrint(
            center_name=str(site.get("short_name") or site.get("name", "")),
            number=ticket["number"], unit_name=ticket["unit_name"],
            service_name=ticket["service_name"], counters=tuple(ticket["counters"]),
            zone_name=ticket["zone_name"], floor=int(ticket["floor"]),
            issued_at=datetime.fromisoformat(ticket["issued_at"]), ahead=int(ticket["ahead"]),
            estimated_wait_min=(ticket["estimated_wait_min"][0], ticket["estimated_wait_min"][1]),
            status_url=ticket["status_url"], priority_name=ticket["priority_name"],
            instruction=INSTRUCTION)

    def print_ticket(self, actor: Actor, ticket: dict[str, Any]) -> None:
        """Queue a ticket for the printer of the kiosk that issued it."""
        if not actor.printer:
            return
        url = self.url_for(actor.printer)
        self._devices[url] = actor.id
        job_id = f"{ticket['id']}-{uuid.uuid4().hex[:8]}"
        self._base_urls[job_id] = ticket["status_url"].rsplit("/t/", 1)[0]
        self.worker.submit(PrintJob(job_id, ticket["id"], url, actor.paper, self.ticket_print(ticket)))

    def reprint(self, actor: Actor, ticket: dict[str, Any], printer_actor: Actor | None) -> None:
        """Print a ticket again on a kiosk's printer (the one that issued it by default)."""
        target = printer_actor
        if target is None:
            with self.ctx.db.read() as conn:
                row = q.get_ticket(conn, ticket["id"])
                dev = accounts.device_by_id(conn, row["device_id"]) if row and row["device_id"] else None
            if dev is None or not dev["printer"]:
                from .errors import UseCaseError
                raise UseCaseError("no_printer", 409)
            from .auth import device_actor
            target = device_actor(dev)
        self.print_ticket(target, ticket)

    def _on_result(self, job: PrintJob, outcome: PrintOutcome) -> None:
        """Record the outcome on the ticket and tell the kiosk and staff."""
        status = "printed" if outcome.status == "printed" else "on_screen"
        now = self.ctx.clock()
        base_url = self._base_urls.pop(job.job_id, "")
        try:
            with self.ctx.transaction() as (conn, out):
                row = q.get_ticket(conn, job.ticket_id)
                if row is None:
                    return
                conn.execute("UPDATE tickets SET print_status=?, print_detail=? WHERE id=?",
                             (status, outcome.detail, job.ticket_id))
                q.append_event(conn, stamp(now), row["day"], f"print.{outcome.status}", "system",
                               job.ticket_id, None, row["service"],
                               {"printer": job.printer_url, "printer_status": outcome.printer_status.value,
                                "detail": outcome.detail, "attempts": outcome.attempts})
                Changes(tickets=[job.ticket_id]).emit(self.ctx, conn, out, now, base_url)
        except Exception:
            log.exception("could not record print outcome of ticket %s", job.ticket_id)
        if outcome.status != "printed":
            self._on_status(job.printer_url, outcome.printer_status, outcome.detail)

    def _on_status(self, url: str, status: PrinterStatus, detail: str) -> None:
        """Record a printer's status; alert staff and its kiosk when it changes."""
        device_id = self._devices.get(url)
        if device_id is None:
            return
        now = self.ctx.clock()
        try:
            with self.ctx.transaction() as (conn, out):
                if not q.set_printer(conn, device_id, url, status.value, detail, stamp(now)):
                    return
                q.append_event(conn, stamp(now), service_day(now), "printer.changed", "system",
                               None, None, None, {"device": device_id, "status": status.value,
                                                  "detail": detail})
                view = next(printer_view(p) for p in q.printers(conn) if p["device_id"] == device_id)
                Changes(extra=[("printer.changed", {"printer": view},
                                ["staff", f"device:{device_id}"])]).emit(self.ctx, conn, out, now, "")
        except Exception:
            log.exception("could not record printer status of %s", url)

    def stop(self) -> None:
        """Stop the print worker."""
        self.worker.stop()
