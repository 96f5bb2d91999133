"""The kiosk agent's job handling: server print jobs → TicketPrint → PrintWorker → outcome
reports; each ticket printed once however many times the server offers it."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from printers.messages import DEFAULT_LANG, text
from printers.status import PrinterStatus
from printers.ticket import PAPERS, TicketPrint
from printers.worker import PrintJob, PrintOutcome, PrintWorker

log = logging.getLogger(__name__)

SITE_TZ = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh; the contract's times carry +07:00
DEFAULT_PAPER = "80mm"
# A print.job event that arrives this soon after a snapshot offered the same ticket is that
# ticket's first job, emitted while the snapshot was being built (not a staff reprint).
SNAPSHOT_OVERLAP = 30.0
REMEMBERED = 50_000  # job ids and tickets remembered for deduplication (days of a busy kiosk)


class Reports(Protocol):
    """Where outcomes and statuses go (the Outbox, or a list in unit tests)."""

    def post_result(self, job_id: str, body: dict[str, Any], on_done: Any = None) -> None:
        """Report one job's outcome."""

    def post_status(self, status: str, detail: str) -> None:
        """Report the printer's status."""


class BadJob(ValueError):
    """A print job whose ticket cannot be understood."""


def ticket_from_job(data: dict[str, Any]) -> TicketPrint:
    """Rebuild the TicketPrint the server sent in a `print.job` (ISO time, lists → tuples)."""
    try:
        issued_at = datetime.fromisoformat(str(data["issued_at"]))
        if issued_at.tzinfo is None:
            issued_at = issued_at.replace(tzinfo=SITE_TZ)
        low, high = (int(x) for x in data.get("estimated_wait_min") or (0, 0))
        priority = data.get("priority_name")
        return TicketPrint(
            center_name=str(data.get("center_name") or ""),
            number=str(data["number"]),
            unit_name=str(data.get("unit_name") or ""),
            service_name=str(data.get("service_name") or ""),
            counters=tuple(int(c) for c in data.get("counters") or ()),
            zone_name=str(data.get("zone_name") or ""),
            floor=int(data.get("floor") or 0),
            issued_at=issued_at,
            ahead=int(data.get("ahead") or 0),
            estimated_wait_min=(low, high),
            status_url=str(data.get("status_url") or ""),
            priority_name=str(priority) if priority else None,
            instruction=str(data.get("instruction") or ""),
            wait_text=str(data.get("wait_text") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadJob(f"{type(exc).__name__}: {exc}") from exc


class _Recent:
    """An insertion-ordered set of bounded size."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self.size = size
        self._items: OrderedDict[Any, float] = OrderedDict()

    def add(self, key: Any) -> None:
        self._items[key] = time.monotonic()
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, key: Any) -> float | None:
        return self._items.get(key)

    def __contains__(self, key: Any) -> bool:
        return key in self._items


class PrintAgent:
    """Takes the server's print jobs, prints each ticket once, and reports what happened.

    Deduplication, within the process:
    - a job_id is printed at most once;
    - a snapshot's job for a ticket this process already took is skipped (the snapshot lists
      tickets still "pending", which includes ours whose outcome has not reached the server);
    - a `print.job` event for a ticket whose job is still in progress, or that a snapshot offered
      moments ago, is skipped; a later event for a printed ticket is a staff reprint and prints.
    """

    def __init__(self, printer_url: str, reports: Reports, *, paper: str | None = None,
                 lang: str = DEFAULT_LANG, worker: PrintWorker | None = None,
                 retries: int = 3, retry_delay: float = 0.5, timeout: float = 3.0) -> None:
        if paper is not None and paper not in PAPERS:
            raise ValueError(f"unknown paper {paper!r}; expected one of {sorted(PAPERS)}")
        self.printer_url = printer_url
        self.reports = reports
        self.paper = paper
        self.lang = lang
        self.worker = worker or PrintWorker(on_result=self._on_result, on_status=self._on_status,
                                            retries=retries, retry_delay=retry_delay,
                                            timeout=timeout, lang=lang)
        self.taken: list[str] = []    # job ids taken for printing by this process, in order
        self.printed: list[str] = []  # job ids printed by this process, in order
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._jobs = _Recent()               # every job id taken or skipped
        self._tickets = _Recent()            # ticket refs taken (any source)
        self._from_snapshot = _Recent()      # ticket ref → when a snapshot offered it
        self._active: dict[int | str, str] = {}  # ticket ref → job id, until its outcome is settled
        self._status: tuple[PrinterStatus, str] | None = None
        self.snapshots = 0

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the print worker."""
        self.worker.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the job being printed; jobs still queued stay pending on the server."""
        self.worker.stop(timeout)

    # -- what the server sends -----------------------------------------------------------------
    def on_snapshot(self, snapshot: dict[str, Any]) -> list[str]:
        """Print the snapshot's `print_jobs` not taken yet; return the job ids taken."""
        taken: list[str] = []
        jobs = snapshot.get("print_jobs") or []
        for job in jobs:
            if self._take(job, from_snapshot=True):
                taken.append(str(job.get("job_id")))
        with self._changed:
            self.snapshots += 1
            self._changed.notify_all()
        log.info("snapshot: %d unprinted job(s) offered, %d new", len(jobs), len(taken))
        return taken

    def on_print_job(self, job: dict[str, Any]) -> bool:
        """Print one `print.job` unless it is one already taken; return whether it was taken."""
        return self._take(job, from_snapshot=False)

    # -- status --------------------------------------------------------------------------------
    def read_status(self) -> tuple[PrinterStatus, str]:
        """Read the printer's status now (or the last one while it prints) and report it."""
        status = self.worker.check(self.printer_url)
        with self._lock:
            known = self._status
        detail = known[1] if known and known[0] == status else text(f"status.{status.value}", self.lang)
        self.reports.post_status(status.value, detail)
        return status, detail

    def wait_for(self, predicate: Any, timeout: float) -> bool:
        """Block until `predicate(self)` holds (checked whenever a job or snapshot is handled)."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    # -- internals -----------------------------------------------------------------------------
    def _take(self, job: dict[str, Any], from_snapshot: bool) -> bool:
        job_id = str(job.get("job_id") or "")
        # The ticket's reference (a server before ticket_ref sent its database id as ticket_id).
        ticket_id = job.get("ticket_ref", job.get("ticket_id"))
        if not job_id or not (isinstance(ticket_id, (int, str)) and ticket_id != ""):
            log.error("ignored a print job without job_id/ticket_ref: %r", job)
            return False
        with self._lock:
            if job_id in self._jobs:
                return False
            self._jobs.add(job_id)
            if from_snapshot:
                if ticket_id in self._tickets:
                    log.info("job %s: its ticket was already taken here, skipped", job_id)
                    return False
                self._from_snapshot.add(ticket_id)
            else:
                offered = self._from_snapshot.get(ticket_id)
                recent = offered is not None and time.monotonic() - offered < SNAPSHOT_OVERLAP
                if ticket_id in self._active or recent:
                    log.info("job %s: its ticket is already being printed, skipped", job_id)
                    return False
            self._tickets.add(ticket_id)
            self._active[ticket_id] = job_id
            self.taken.append(job_id)
            self._changed.notify_all()
        try:
            ticket = ticket_from_job(job.get("ticket") or {})
        except BadJob as exc:
            # Nothing to print: say so, so the kiosk shows the ticket on screen instead.
            log.error("job %s: cannot read its ticket (%s)", job_id, exc)
            self._report(job_id, ticket_id, PrintOutcome(
                "failed", self.worker.last_status(self.printer_url),
                text("error.internal", self.lang, reason=exc), 0, "internal"))
            return True
        paper = self.paper or str(job.get("paper") or DEFAULT_PAPER)
        if paper not in PAPERS:
            log.warning("job %s: unknown paper %r, printing on %s", job_id, paper, DEFAULT_PAPER)
            paper = DEFAULT_PAPER
        log.info("job %s: printing number %s", job_id, ticket.number)  # the ref is a token: not logged
        self.worker.submit(PrintJob(job_id, ticket_id, self.printer_url, paper, ticket))
        return True

    def _on_result(self, job: PrintJob, outcome: PrintOutcome) -> None:
        if outcome.code == "stopped":
            # The agent is exiting before printing it: the ticket stays pending and the next
            # start prints it (snapshot print_jobs) rather than being marked failed.
            log.warning("job %s: not printed before exit; left pending", job.job_id)
            self._settle(job.ticket_id)
            return
        self._report(job.job_id, job.ticket_id, outcome)

    def _report(self, job_id: str, ticket_id: int | str, outcome: PrintOutcome) -> None:
        if outcome.status == "printed":
            log.info("job %s: printed (%s)", job_id, outcome.printer_status.value)
            with self._changed:
                self.printed.append(job_id)
                self._changed.notify_all()
        else:
            log.warning("job %s: failed after %d attempt(s): %s", job_id, outcome.attempts,
                        outcome.detail)
        key = "ticket_ref" if isinstance(ticket_id, str) else "ticket_id"
        body = {key: ticket_id, "status": outcome.status,
                "printer_status": outcome.printer_status.value, "detail": outcome.detail,
                "attempts": outcome.attempts, "request_id": f"result-{job_id}"[:64]}
        self.reports.post_result(job_id, body, on_done=lambda _delivered: self._settle(ticket_id))

    def _settle(self, ticket_id: int | str) -> None:
        with self._changed:
            self._active.pop(ticket_id, None)
            self._changed.notify_all()

    def _on_status(self, url: str, status: PrinterStatus, detail: str) -> None:
        with self._lock:
            self._status = (status, detail)
        log.info("printer %s: %s (%s)", url, status.value, detail)
        self.reports.post_status(status.value, detail)
