"""The kiosk agent's outbox: print outcomes and printer statuses POSTed to the server, in order,
retried with backoff while the server is unreachable, never dropped while the process lives."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import requests

log = logging.getLogger(__name__)

# Answers worth trying again: the server is restarting, overloaded or behind a proxy that timed out.
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}

DoneCallback = Callable[[bool], None]


@dataclass
class Report:
    """One POST to make: a print outcome (`kind` "result") or a printer status ("status")."""

    kind: str
    path: str
    body: dict[str, Any]
    label: str
    on_done: DoneCallback | None = None
    attempts: int = 0
    created: float = field(default_factory=time.monotonic)


class Outbox:
    """Sends reports one at a time in the order they were made, from one background thread.

    A newer printer status replaces an older one not sent yet (only the latest matters), but
    never jumps ahead of an outcome made before it: the server records a failed outcome's
    printer status too, so the order decides which status the staff see.
    """

    def __init__(self, server: str, token: str, *, lang: str = "vi", timeout: float = 10.0,
                 backoff: float = 0.5, backoff_max: float = 15.0,
                 session: requests.Session | None = None) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.lang = lang
        self.timeout = timeout
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.session = session or requests.Session()
        self.delivered: list[Report] = []  # what the server accepted, oldest first (kept short)
        self._items: deque[Report] = deque()
        self._current: Report | None = None
        self._cond = threading.Condition()
        self._closing = False
        self._deadline = 0.0
        self._thread: threading.Thread | None = None

    # -- what the agent calls ------------------------------------------------------------------
    def post_result(self, job_id: str, body: dict[str, Any], on_done: DoneCallback | None = None) -> None:
        """Queue `POST /api/v1/print-jobs/<job_id>/result`; `on_done(delivered)` runs once it is settled."""
        self._put(Report("result", f"/api/v1/print-jobs/{job_id}/result", body,
                         f"result of job {job_id}", on_done))

    def post_status(self, status: str, detail: str) -> None:
        """Queue `POST /api/v1/printers/status`, replacing a status not sent yet."""
        report = Report("status", "/api/v1/printers/status", {"status": status, "detail": detail},
                        f"printer status {status}")
        with self._cond:
            # The one being sent stays; a stale one after the last outcome is dropped.
            while self._items and self._items[-1].kind == "status" \
                    and self._items[-1] is not self._current:
                self._items.pop()
            self._items.append(report)
            self._cond.notify_all()

    def pending(self) -> int:
        """How many reports are not settled yet."""
        with self._cond:
            return len(self._items)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every report is settled (delivered or refused by the server)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._items, timeout)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the sending thread."""
        with self._cond:
            self._closing = False
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="agent-outbox", daemon=True)
            self._thread.start()

    def close(self, flush_timeout: float = 5.0) -> list[Report]:
        """Try to send what is left for up to `flush_timeout` seconds; return what could not be."""
        with self._cond:
            self._closing = True
            self._deadline = time.monotonic() + flush_timeout
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(flush_timeout + self.timeout + 1)
        with self._cond:
            left = list(self._items)
        for report in left:
            log.error("not sent before exit: %s %s", report.label, report.body)
        return left

    # -- the sending thread --------------------------------------------------------------------
    def _put(self, report: Report) -> None:
        with self._cond:
            self._items.append(report)
            self._cond.notify_all()

    def _run(self) -> None:
        delay = self.backoff
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._items or self._closing)
                if not self._items or (self._closing and time.monotonic() >= self._deadline):
                    return
                report = self._current = self._items[0]
            settled, delivered = self._send(report)
            with self._cond:
                self._current = None
                if settled:
                    self._items.remove(report)
                    if delivered:
                        self.delivered.append(report)
                        del self.delivered[:-200]
                    delay = self.backoff
                    self._cond.notify_all()
                else:
                    # Wait before the next try, but wake at once to flush when closing.
                    until = time.monotonic() + delay
                    if self._closing:
                        until = min(until, self._deadline)
                    self._cond.wait_for(lambda: time.monotonic() >= until
                                        or (self._closing and time.monotonic() >= self._deadline),
                                        max(0.0, until - time.monotonic()))
                    delay = min(delay * 2, self.backoff_max)
            if settled and report.on_done is not None:
                try:
                    report.on_done(delivered)
                except Exception:  # noqa: BLE001 - a listener's bug must not stop the outbox
                    log.exception("callback of %s failed", report.label)

    def _send(self, report: Report) -> tuple[bool, bool]:
        """POST one report; return (settled, delivered). Unsettled ones are tried again."""
        report.attempts += 1
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": self.lang}
        try:
            answer = self.session.post(self.server + report.path, json=report.body,
                                       headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            if report.attempts == 1 or report.attempts % 10 == 0:
                log.warning("server unreachable, will retry %s (attempt %d): %s",
                            report.label, report.attempts, exc)
            return False, False
        if answer.ok:
            if report.attempts > 1:
                log.info("sent %s after %d attempts", report.label, report.attempts)
            return True, True
        if answer.status_code in RETRY_STATUSES:
            log.warning("server answered %d, will retry %s", answer.status_code, report.label)
            return False, False
        # A refusal (bad token, unknown ticket, bad body) will not change by asking again.
        log.error("server refused %s: %d %s", report.label, answer.status_code, answer.text[:300])
        return True, False
