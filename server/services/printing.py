"""Printing tickets on kiosk printers: jobs go to the print worker after the ticket is saved;
the outcome is recorded on the ticket and printer problems alert the staff."""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from printers.messages import text
from printers.ticket import TicketPrint
from printers.transports import PrinterStatus
from printers.worker import PrintJob, PrintOutcome, PrintWorker

from ..store import StoreError, accounts
from ..store import queue as q
from .auth import Actor, device_actor
from .changes import Changes
from .context import Context, for_actor, for_site, service_day, stamp
from .errors import UseCaseError
from .screens import events
from .views import printer_view

log = logging.getLogger(__name__)
POLL_SECONDS = 30.0
# A kiosk whose printer is attached to its own PC runs the kiosk agent; its printer setting is
# "agent" (or "agent:<local url>", for the record): the server sends it print jobs over Socket.IO.
AGENT = "agent"


def is_agent(printer: str | None) -> bool:
    """Whether a device's printer is driven by its kiosk agent."""
    return bool(printer) and (printer == AGENT or str(printer).startswith(AGENT + ":"))


class Printing:
    """The server's side of printing: ticket → print job → outcome on the ticket."""

    def __init__(self, ctx: Context, preview_dir: Path) -> None:
        self.ctx = ctx
        self.preview_dir = preview_dir
        self._base_urls: dict[str, str] = {}
        self._devices: dict[str, int] = {}  # printer url → device id, for status alerts
        self._stop = threading.Event()
        self._wake = threading.Event()  # a kiosk was added, changed or revoked: poll now
        self._poller: threading.Thread | None = None
        # Outcomes wait here for the recorder, which writes all that arrived in one transaction:
        # a printer lane goes on to its next job instead of waiting for a commit of its own.
        self._results: list[tuple[PrintJob, PrintOutcome, str]] = []
        self._results_ready = threading.Condition()
        self._recorder: threading.Thread | None = None
        self.worker = PrintWorker(on_result=self._on_result, on_status=self._on_status)

    @classmethod
    def start(cls, ctx: Context, preview_dir: Path, poll: bool = True) -> "Printing":
        """Create and start the print worker, and watch every kiosk printer's status."""
        printing = cls(ctx, preview_dir)
        printing.worker.start()
        printing._devices = printing._kiosk_printers()
        with ctx.db.read() as conn:
            # Jobs live in memory: a ticket still "pending" from before a restart never printed.
            lost = q.lost_print_jobs(conn)
        for ticket_id in lost:
            record_outcome(ctx, ticket_id, False, "", PrinterStatus.UNKNOWN.value,
                           text("error.stopped"), 0, "system", "")
        if poll:
            printing._poller = threading.Thread(target=printing._poll, name="printer-status",
                                                daemon=True)
            printing._poller.start()
        return printing

    def alive(self) -> bool:
        """Whether the print worker and the printer status poll still run (for /readyz)."""
        return self.worker.alive() and (self._poller is None or self._poller.is_alive())

    def _kiosk_printers(self) -> dict[str, int]:
        """The printer URL of every active kiosk the server prints for (not its agent's), with
        the kiosk's id."""
        with self.ctx.db.read() as conn:
            return {self.url_for(d["printer"]): d["id"] for d in accounts.list_devices(conn)
                    if d["kind"] == "kiosk" and d["active"] and d["printer"]
                    and not is_agent(d["printer"])}

    def devices_changed(self) -> None:
        """A kiosk was added, changed or revoked: watch the printers of the active kiosks now,
        instead of at the next round (a new kiosk's printer reads its state at once)."""
        self._wake.set()

    def _poll(self) -> None:
        """Read every kiosk printer's status now and then, so 'paper near end' reaches staff
        before a citizen meets an empty printer. Each round reads the kiosks again, so one added
        or revoked by another process (the CLI) is watched or dropped within a round too."""
        while not self._stop.is_set():
            try:
                self._devices = self._kiosk_printers()
            except Exception:  # keep the last list; the next round reads again
                log.exception("could not read the kiosk printers")
            for url in list(self._devices):
                self.worker.check(url)  # reports changes through _on_status
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def url_for(self, printer: str) -> str:
        """A device's printer setting as a transport URL ('virtual' keeps PNG previews)."""
        if printer == "virtual":
            return f"virtual://{self.preview_dir}"
        return printer

    def print_ticket(self, actor: Actor, ticket: dict[str, Any]) -> None:
        """Queue a ticket for the printer of the kiosk that issued it (or hand it to its agent)."""
        if not actor.printer:
            return
        site = for_actor(self.ctx, actor)  # issue 9: the kiosk's site (its names, its rooms)
        if is_agent(actor.printer):
            job = agent_job(site, ticket, actor.paper)
            now = site.clock()
            with site.transaction() as (conn, out):
                # Which agent got which job: its outcome is accepted from that kiosk only.
                q.append_event(conn, stamp(now), service_day(now), "print.sent", "system",
                               ticket["id"], None, ticket["service"],
                               {"job_id": job["job_id"], "device": actor.id})
                Changes(extra=[events.PrintJob(job, actor.id)]).emit(
                    site, conn, out, now, "")
            return
        url = self.url_for(actor.printer)
        self._devices[url] = actor.id
        job_id = f"{ticket['id']}-{uuid.uuid4().hex[:8]}"
        self._base_urls[job_id] = ticket["status_url"].rsplit("/t/", 1)[0]
        self.worker.submit(PrintJob(job_id, ticket["id"], url, actor.paper,
                                    ticket_print(site, ticket)))

    def reprint(self, actor: Actor, ticket: dict[str, Any], printer_actor: Actor | None) -> Actor:
        """Print a ticket again on a kiosk's printer (the one that issued it by default);
        returns the kiosk it goes to."""
        target = printer_actor
        if target is None:
            with for_actor(self.ctx, actor).db.read() as conn:  # the staff member's site
                row = q.get_ticket(conn, ticket["id"])
                dev = accounts.device_by_id(conn, row["device_id"]) if row and row["device_id"] else None
            if dev is None or not dev["printer"]:
                raise UseCaseError("no_printer", 409)
            target = device_actor(dev)
        self.print_ticket(target, ticket)
        return target

    def _on_result(self, job: PrintJob, outcome: PrintOutcome) -> None:
        """Hand the outcome to the recorder (started with the first one)."""
        with self._results_ready:
            self._results.append((job, outcome, self._base_urls.pop(job.job_id, "")))
            self._results_ready.notify()
            if self._recorder is None or not self._recorder.is_alive():
                self._recorder = threading.Thread(target=self._record_results, name="print-outcomes",
                                                  daemon=True)
                self._recorder.start()

    def _record_results(self) -> None:
        """Record the outcomes on their tickets and tell the kiosks and staff, a batch at a time."""
        while True:
            with self._results_ready:
                while not self._results:
                    if self._stop.is_set():
                        return
                    self._results_ready.wait(1.0)
                batch, self._results = self._results, []
            try:
                record_outcomes(self.ctx, [(int(job.ticket_id), outcome.status == "printed",
                                            job.printer_url, outcome.printer_status.value,
                                            outcome.detail, outcome.attempts, base_url)
                                           for job, outcome, base_url in batch], "system")
            except StoreError as exc:  # one line: the API's answers already say what is wrong
                log.error("could not record print outcomes of tickets %s: %s",
                          [job.ticket_id for job, _, _ in batch], exc.code)
            except Exception:
                log.exception("could not record print outcomes of tickets %s",
                              [job.ticket_id for job, _, _ in batch])
            for job, outcome, _ in batch:
                if outcome.status != "printed":
                    self._on_status(job.printer_url, outcome.printer_status, outcome.detail)

    def _on_status(self, url: str, status: PrinterStatus, detail: str) -> None:
        """Record a printer's status; alert staff and its kiosk when it changes."""
        device_id = self._devices.get(url)
        if device_id is not None:
            record_status(self.ctx, device_id, url, status.value, detail)

    def preview(self, ticket_id: int) -> Path | None:
        """The latest PNG the virtual printer kept for a ticket."""
        found = sorted(self.preview_dir.glob(f"{ticket_id}-*.png"), key=lambda p: p.stat().st_mtime)
        return found[-1] if found else None

    def stop(self) -> None:
        """Stop the print worker and the status poll."""
        self._stop.set()
        self._wake.set()
        self.worker.stop()
        with self._results_ready:
            self._results_ready.notify()
            recorder = self._recorder
        if recorder is not None:
            recorder.join(10)  # the outcomes of the jobs the worker finished are recorded


def ticket_print(ctx: Context, ticket: dict[str, Any]) -> TicketPrint:
    """What goes on paper for a ticket."""
    site = ctx.site.info
    return TicketPrint(
        center_name=str(site.get("short_name") or site.get("name", "")),
        number=ticket["number"], unit_name=ticket["unit_name"],
        service_name=ticket["service_name"], counters=tuple(ticket["counters"]),
        zone_name=ticket["zone_name"], floor=int(ticket["floor"]),
        issued_at=datetime.fromisoformat(ticket["issued_at"]), ahead=int(ticket["ahead"]),
        estimated_wait_min=(ticket["estimated_wait_min"][0], ticket["estimated_wait_min"][1]),
        status_url=ticket["status_url"], priority_name=ticket["priority_name"],
        instruction=text("ticket.instruction"),
        wait_text=str((ticket.get("estimated_wait_text") or {}).get("vi", "")))


def agent_job(ctx: Context, ticket: dict[str, Any], paper: str, job_id: str | None = None) -> dict[str, Any]:
    """A print job as the kiosk agent receives it (`print.job`)."""
    data = asdict(ticket_print(ctx, ticket))
    data["issued_at"] = ticket["issued_at"]
    data["counters"] = list(data["counters"])
    data["estimated_wait_min"] = list(data["estimated_wait_min"])
    # No database id (sequential): the job is named by a random id, its ticket by the token the
    # kiosk prints in the QR code anyway.
    return {"job_id": job_id or uuid.uuid4().hex[:16],
            "ticket_ref": ticket["token"], "paper": paper, "ticket": data}


def record_outcome(ctx: Context, ticket_id: int, printed: bool, printer: str, printer_status: str,
                   detail: str, attempts: int, actor_key: str, base_url: str) -> None:
    """Note on the ticket whether it printed; when not, the kiosk shows it on screen."""
    record_outcomes(ctx, [(ticket_id, printed, printer, printer_status, detail, attempts, base_url)],
                    actor_key)


Outcome = tuple[int, bool, str, str, str, int, str]  # ticket, printed?, printer, status, detail, attempts, base url


def record_outcomes(ctx: Context, outcomes: list[Outcome], actor_key: str) -> None:
    """`record_outcome` for several tickets, one transaction per site (issue 9: each in its
    ticket's site; one commit for a batch of one site)."""
    with ctx.db.read() as conn:
        sites = q.sites_of_tickets(conn, [o[0] for o in outcomes])
    for site_id in sorted(set(sites.values())):
        _record_outcomes(for_site(ctx, site_id), [o for o in outcomes if sites.get(o[0]) == site_id],
                         actor_key)


def _record_outcomes(ctx: Context, outcomes: list[Outcome], actor_key: str) -> None:
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        by_base: dict[str, list[int]] = {}
        for ticket_id, printed, printer, printer_status, detail, attempts, base_url in outcomes:
            row = q.get_ticket(conn, ticket_id)
            if row is None:
                continue
            q.set_print_status(conn, ticket_id, "printed" if printed else "on_screen", detail)
            q.append_event(conn, stamp(now), row["day"], "print.printed" if printed else "print.failed",
                           actor_key, ticket_id, None, row["service"],
                           {"printer": printer, "printer_status": printer_status, "detail": detail,
                            "attempts": attempts})
            by_base.setdefault(base_url, []).append(ticket_id)
        for base_url, ids in by_base.items():
            Changes(tickets=ids).emit(ctx, conn, out, now, base_url)


def record_status(ctx: Context, device_id: int, url: str, status: str, detail: str) -> None:
    """Store a kiosk printer's status; on a change, alert staff and the kiosk (of its site)."""
    now = ctx.clock()
    try:
        with ctx.db.read() as conn:
            ctx = for_site(ctx, q.site_of_device(conn, device_id))
        with ctx.transaction() as (conn, out):
            if not q.set_printer(conn, device_id, url, status, detail, stamp(now)):
                return
            q.append_event(conn, stamp(now), service_day(now), "printer.changed", "system",
                           None, None, None, {"device": device_id, "status": status,
                                              "detail": detail})
            view = next(printer_view(p) for p in q.printers(conn) if p["device_id"] == device_id)
            Changes(extra=[events.PrinterChanged(view)]).emit(ctx, conn, out, now, "")
    except StoreError as exc:
        log.error("could not record printer status of %s: %s", url, exc.code)
    except Exception:
        log.exception("could not record printer status of %s", url)

