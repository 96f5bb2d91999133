"""Printing tickets on kiosk printers: jobs go to the print worker after the ticket is saved;
the outcome is recorded on the ticket and printer problems alert the staff.

Once per deployment: the jobs are stored with their ticket (store/print_jobs.py) and printed only
by the process holding the site's `printing` lease, which also polls the printers' status (one
lease per site rather than per printer: one process drives a site's printers, one status poll, one
place to look; a site's printers are few). Another process's tickets reach the holder through the
table within DISPATCH_S. A new holder prints the jobs its predecessor claimed but never sent, and
reports lost (on screen, "may not have printed") those it was sending: never printed twice.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from printers.messages import text
from printers.ticket import TicketPrint
from printers.transports import PrinterStatus
from printers.worker import PrintJob, PrintOutcome, PrintWorker

from ..store import StoreError, accounts
from ..store import print_jobs as jobs
from ..store import queue as q
from .auth import Actor, device_actor
from .changes import Changes
from .context import Context, every_site, for_actor, for_site, service_day, stamp
from .errors import UseCaseError
from .leases import TTL_S, Lease, holder_name
from .screens import events
from .views import printer_view

log = logging.getLogger(__name__)
POLL_SECONDS = 30.0
GATHER_SECONDS = 0.05  # how long a print outcome waits for others to be recorded with it
GATHER_MAX = 50
DISPATCH_S = float(os.environ.get("XEPHANG_PRINT_DISPATCH_S", "0.2"))  # the holder reads queued jobs
LEASE = "printing"
# A job older than this when a holder gets to it (every process was down meanwhile) is reported,
# not printed: its citizen has long gone on with the number on the kiosk's screen.
STALE_S = 120.0
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
        # printer url → the kiosks printing on it (of any site: issue 9), for status alerts
        self._devices: dict[str, set[int]] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()  # a kiosk was added, changed or revoked: poll now
        self._poller: threading.Thread | None = None
        # Outcomes wait here for the recorder, which writes all that arrived in one transaction:
        # a printer lane goes on to its next job instead of waiting for a commit of its own.
        self._results: list[tuple[PrintJob, PrintOutcome, str, int | None]] = []
        self._results_ready = threading.Condition()
        self._recorder: threading.Thread | None = None
        # Its own holder name: two apps of one process (tests) are two printing processes.
        self.lease = Lease(ctx.db, LEASE, holder=holder_name(), ttl=TTL_S)
        self._term = 0  # the lease term whose takeover was done
        self._rows: dict[str, int] = {}  # worker job id → print_jobs id
        self._takeover = threading.Lock()
        self._dispatcher: threading.Thread | None = None
        self.worker = PrintWorker(on_result=self._on_result, on_status=self._on_status,
                                  before_send=self._may_send)

    @classmethod
    def start(cls, ctx: Context, preview_dir: Path, poll: bool = True) -> "Printing":
        """Create and start the print worker, and watch every kiosk printer's status."""
        printing = cls(ctx, preview_dir)
        printing.worker.start()
        printing._devices = printing._kiosk_printers()
        try:  # the first try now: a lone process prints from its first ticket
            printing.lease.try_take()
            printing._dispatch_once()
        except Exception:  # the dispatcher tries again
            log.exception("printing: first dispatch failed")
        printing._dispatcher = threading.Thread(target=printing._dispatch, name="print-dispatch",
                                                daemon=True)
        printing._dispatcher.start()
        if poll:
            printing._poller = threading.Thread(target=printing._poll, name="printer-status",
                                                daemon=True)
            printing._poller.start()
        return printing

    def alive(self) -> bool:
        """Whether the print worker and the printer status poll still run (for /readyz)."""
        return (self.worker.alive() and (self._poller is None or self._poller.is_alive())
                and self._dispatcher is not None and self._dispatcher.is_alive())

    def holds(self) -> bool:
        """Whether this process prints for the site now (holds the `printing` lease)."""
        return self.lease.held()

    # -- once per deployment -------------------------------------------------------------------
    def _dispatch(self) -> None:
        """Keep the lease (renewed every TTL/3) and, while held, start the jobs queued by any
        process; a fresh term first takes over the jobs of the previous holder."""
        renew_at = time.monotonic() + self.lease.ttl / 3
        while not self._stop.is_set():
            self._stop.wait(DISPATCH_S)
            try:
                if time.monotonic() >= renew_at:  # not more often: a try is a write
                    renew_at = time.monotonic() + self.lease.ttl / 3
                    self.lease.try_take()
                self._dispatch_once()
            except Exception:  # keep going: a later round may reach the database
                log.exception("printing: dispatch failed")

    def _dispatch_once(self) -> None:
        """One round on the holder: take over on a new term, then start the queued jobs."""
        if self._stop.is_set() or not self.lease.held():
            return
        if self._term != self.lease.terms:
            self._take_over()
        with self.ctx.db.read() as conn:  # a read every round; a write only when there is work
            if not jobs.any_queued(conn):
                return
        at = stamp(self.ctx.clock())
        with self.ctx.db.write() as conn:
            queued = jobs.claim_queued(conn, self.lease.holder, at)
        self._start(queued)

    def _start(self, rows: list[dict[str, Any]]) -> None:
        """Print claimed jobs; report those too old to print (see STALE_S)."""
        oldest = stamp(self.ctx.clock() - timedelta(seconds=STALE_S))
        stale = [row for row in rows if row["created_at"] < oldest]
        if stale:
            record_outcomes(self.ctx, [(row["ticket_id"], False, "", PrinterStatus.UNKNOWN.value,
                                        text("error.stopped"), 0, row["payload"].get("base_url", ""))
                                       for row in stale], "system", [row["id"] for row in stale])
        for row in rows:
            if row not in stale:
                self._submit(row)

    def _take_over(self) -> None:
        """A new term: print what earlier holders claimed but never sent, report what they were
        sending (it may have printed) and tickets left pending without a job."""
        with self._takeover:
            term = self.lease.terms
            at = stamp(self.ctx.clock())
            with self.ctx.db.write() as conn:
                claimed, lost = jobs.take_over(conn, self.lease.holder, at)
                orphans = jobs.orphan_tickets(conn)
            if lost or orphans:
                record_outcomes(
                    self.ctx,
                    [(row["ticket_id"], False, "", PrinterStatus.UNKNOWN.value,
                      text("error.interrupted"), 0, row["payload"].get("base_url", ""))
                     for row in lost]
                    + [(ticket_id, False, "", PrinterStatus.UNKNOWN.value, text("error.stopped"),
                        0, "") for ticket_id in orphans],
                    "system")
            if claimed or lost:
                log.warning("printing: took over %d job(s) to print, %d reported lost",
                            len(claimed), len(lost))
            self._start(claimed)
            self._term = term

    def _submit(self, row: dict[str, Any]) -> None:
        """Hand a claimed job to the print worker."""
        payload = row["payload"]
        url = self.url_for(payload["printer"])
        self._devices.setdefault(url, set()).add(row["device_id"])
        ticket = payload["ticket"]
        job_id = f"{ticket['id']}-{row['id']}-{uuid.uuid4().hex[:4]}"
        self._rows[job_id] = row["id"]
        self._base_urls[job_id] = payload.get("base_url", "")
        site = for_site(self.ctx, payload.get("site_id"))  # issue 9: the kiosk's site's names
        self.worker.submit(PrintJob(job_id, ticket["id"], url, payload["paper"],
                                    ticket_print(site, ticket)))

    def _may_send(self, job: PrintJob) -> bool:
        """Right before a job's bytes go out: mark it sending, if it is still this process's."""
        row = self._rows.get(job.job_id)
        if row is None:
            return True
        with self.ctx.db.write() as conn:
            return jobs.mark_sending(conn, row, self.lease.holder, stamp(self.ctx.clock()))

    def enqueue(self, conn: Any, actor: Actor, ticket: dict[str, Any],
                reprint: bool = False) -> tuple[int, bool] | None:
        """Store a ticket's print job in the caller's transaction (None: its kiosk's agent
        prints it); returns (job id, whether this process claimed it)."""
        if not actor.printer or is_agent(actor.printer):
            return None
        mine = self.lease.held() and not self._stop.is_set()
        row = jobs.add(conn, ticket["id"], actor.id, _payload(actor, ticket),
                       self.lease.holder if mine else None, stamp(self.ctx.clock()), reprint)
        return row, mine

    def _kiosk_printers(self) -> dict[str, set[int]]:
        """The printer URL of every active kiosk of every site (issue 9) the server prints for
        (not its agent's), with the kiosks printing on it."""
        found: dict[str, set[int]] = {}
        for site in every_site(self.ctx):
            with site.db.read() as conn:
                for d in accounts.list_devices(conn):
                    if (d["kind"] == "kiosk" and d["active"] and d["printer"]
                            and not is_agent(d["printer"])):
                        found.setdefault(self.url_for(d["printer"]), set()).add(d["id"])
        return found

    def devices_changed(self) -> None:
        """A kiosk was added, changed or revoked: watch the printers of the active kiosks now,
        instead of at the next round (a new kiosk's printer reads its state at once)."""
        self._wake.set()

    def _poll(self) -> None:
        """Read every kiosk printer's status now and then, so 'paper near end' reaches staff
        before a citizen meets an empty printer. Each round reads the kiosks again, so one added
        or revoked by another process (the CLI) is watched or dropped within a round too."""
        while not self._stop.is_set():
            self._poll_round()
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def _poll_round(self) -> list[str]:
        """Read the status of every kiosk printer, on the lease holder only (once per
        deployment; the others hear it through the events); the URLs read."""
        try:
            self._devices = self._kiosk_printers()
        except Exception:  # keep the last list; the next round reads again
            log.exception("could not read the kiosk printers")
        urls = list(self._devices) if self.lease.held() else []
        for url in urls:
            self.worker.check(url)  # reports changes through _on_status
        return urls

    def url_for(self, printer: str) -> str:
        """A device's printer setting as a transport URL ('virtual' keeps PNG previews)."""
        if printer == "virtual":
            return f"virtual://{self.preview_dir}"
        return printer

    def print_ticket(self, actor: Actor, ticket: dict[str, Any],
                     stored: tuple[int, bool] | None = None, reprint: bool = False) -> None:
        """Print a ticket on the printer of the kiosk that issued it (or hand it to its agent):
        `stored` is its stored print job (`enqueue`), else one is stored now."""
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
        if stored is None:
            with self.ctx.db.write() as conn:
                stored = self.enqueue(conn, actor, ticket, reprint)
        if stored is None:
            return
        row, mine = stored
        if mine:  # claimed in the ticket's transaction: no wait for the dispatcher
            self._submit({"id": row, "device_id": actor.id, "payload": _payload(actor, ticket)})

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
        self.print_ticket(target, ticket, reprint=True)
        return target

    def _on_result(self, job: PrintJob, outcome: PrintOutcome) -> None:
        """Hand the outcome to the recorder (started with the first one)."""
        with self._results_ready:
            self._results.append((job, outcome, self._base_urls.pop(job.job_id, ""),
                                  self._rows.pop(job.job_id, None)))
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
                # Outcomes come one a ticket: those of the next moments share this commit (one
                # write transaction a ticket cost the loop ~1.3 ms at 100 tickets/s, issue 11).
                until = time.monotonic() + GATHER_SECONDS
                while (len(self._results) < GATHER_MAX and not self._stop.is_set()
                       and (left := until - time.monotonic()) > 0):
                    self._results_ready.wait(left)
                batch, self._results = self._results, []
            # Not ours any more (another holder prints it), or never started because this process
            # stops: the job is given back for the next holder, not reported failed.
            batch = [item for item in batch if item[1].status != "skipped"
                     and not self._given_back(item)]
            if not batch:
                continue
            try:
                record_outcomes(self.ctx, [(int(job.ticket_id), outcome.status == "printed",
                                            job.printer_url, outcome.printer_status.value,
                                            outcome.detail, outcome.attempts, base_url)
                                           for job, outcome, base_url, _ in batch], "system",
                                [row for _, _, _, row in batch if row is not None])
            except StoreError as exc:  # one line: the API's answers already say what is wrong
                log.error("could not record print outcomes of tickets %s: %s",
                          [item[0].ticket_id for item in batch], exc.code)
            except Exception:
                log.exception("could not record print outcomes of tickets %s",
                              [item[0].ticket_id for item in batch])
            for job, outcome, _, _ in batch:
                if outcome.status != "printed":
                    self._on_status(job.printer_url, outcome.printer_status, outcome.detail)

    def _given_back(self, item: tuple[PrintJob, PrintOutcome, str, int | None]) -> bool:
        """A job the worker did not start because this process stops: back to the queue."""
        _, outcome, _, row = item
        if outcome.code != "stopped" or row is None:
            return False
        try:
            with self.ctx.db.write() as conn:
                return jobs.requeue(conn, row, self.lease.holder, stamp(self.ctx.clock()))
        except StoreError:
            return False

    def _on_status(self, url: str, status: PrinterStatus, detail: str) -> None:
        """Record a printer's status; alert staff and its kiosk when it changes."""
        for device_id in sorted(self._devices.get(url, ())):  # each in its own site's rooms
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
        if self._dispatcher is not None:
            self._dispatcher.join(5)
        try:  # the next holder takes over at once, not after the lease's TTL
            if self.lease.held():
                self.lease.release()
        except StoreError as exc:
            log.error("printing: could not release the lease: %s", exc.code)


def _payload(actor: Actor, ticket: dict[str, Any]) -> dict[str, Any]:
    """What a stored print job keeps: the ticket as issued, where and how to print it."""
    return {"ticket": ticket, "printer": actor.printer, "paper": actor.paper,
            "base_url": ticket["status_url"].rsplit("/t/", 1)[0], "site_id": actor.site_id}


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


def record_outcomes(ctx: Context, outcomes: list[Outcome], actor_key: str,
                    finished: list[int] | None = None) -> None:
    """`record_outcome` for several tickets, one transaction per site (issue 9: each in its
    ticket's site; one commit for a batch of one site); `finished`: the stored print jobs these
    outcomes end (ended with the first site's outcomes)."""
    with ctx.db.read() as conn:
        sites = q.sites_of_tickets(conn, [o[0] for o in outcomes])
    left = list(finished or ())
    for site_id in sorted(set(sites.values())) or [ctx.site_id]:
        _record_outcomes(for_site(ctx, site_id), [o for o in outcomes if sites.get(o[0]) == site_id],
                         actor_key, left)
        left = []


def _record_outcomes(ctx: Context, outcomes: list[Outcome], actor_key: str,
                     finished: list[int]) -> None:
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        for job_id in finished or ():
            jobs.finish(conn, job_id, stamp(now))
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

