"""The print worker: one queue and thread per printer, status before and after, retries."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Callable

from printers.messages import DEFAULT_LANG, text
from printers.status import PrinterStatus, StatusReading
from printers.ticket import TicketPrint, ticket_bytes
from printers.transports import PrintError, Printer, VirtualPrinter, open_printer

log = logging.getLogger(__name__)

# A printer that reports these will not print: fail at once, send nothing.
NOT_PRINTABLE = (PrinterStatus.OUT, PrinterStatus.OFFLINE)
# A server draws tickets in one process (a ticket takes ~1 ms once its lines are drawn; two cores).
# A network printer's connection stays open this long after a job, for the next one: no connect,
# accept and close per ticket in a busy hour; then it is let go, since a port-9100 printer serves
# one connection at a time and another program may want it.
KEEP_OPEN_S = 10.0


@dataclass
class PrintJob:
    """One ticket to print on one printer."""

    job_id: str
    ticket_id: int | str  # the server names a ticket by its id; a kiosk agent by the job's ticket_ref
    printer_url: str
    paper: str
    ticket: TicketPrint


@dataclass
class PrintOutcome:
    """What happened to a PrintJob; `code` is "printed" or the failure's message key."""

    status: str  # "printed" | "failed"
    printer_status: PrinterStatus
    detail: str
    attempts: int
    code: str = ""


ResultCallback = Callable[[PrintJob, PrintOutcome], None]
StatusCallback = Callable[[str, PrinterStatus, str], None]
# Asked once per job right before its first bytes go out: False means "not yours to send any more"
# (another process took the job over); the job then ends "skipped", with nothing sent.
SendCheck = Callable[[PrintJob], bool]


def _die_with_parent() -> None:
    """In the drawing process: end when the server ends, even by kill -9 (Linux prctl)."""
    import ctypes
    import signal
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the server died before prctl took effect
        os._exit(0)
    from printers import ticket  # noqa: F401 - load Pillow and the fonts before the first job


def _draw_forever(conn: Connection) -> None:
    """The drawing process: answer each (function, args) read from the pipe with (ok, value)."""
    _die_with_parent()
    while True:
        try:
            number, fn, args = conn.recv()
        except (EOFError, OSError):  # the server closed its end
            return
        try:
            answer = (number, True, fn(*args))
        except Exception as exc:  # noqa: BLE001 - the server raises it where it asked
            answer = (number, False, RuntimeError(f"{type(exc).__name__}: {exc}"))
        conn.send(answer)


class _Drawer:
    """One drawing process on the end of a pipe, asked one ticket at a time.

    The asking greenlet waits for the pipe to become readable: no thread pool hop and no executor
    bookkeeping, which cost the loop more than the drawing itself once lines are reused
    (1.4 ms of the server's CPU per ticket through ProcessPoolExecutor, bench_stall (e2)).
    """

    def __init__(self) -> None:
        # spawn, not fork: a clean child that holds none of the server's sockets or greenlets
        context = mp.get_context("spawn")
        self.conn, child = context.Pipe()
        # Under gevent the pair is made of gevent sockets, whose descriptors are non-blocking: the
        # drawing process must block on its end, and this one reads only once it is readable.
        os.set_blocking(self.conn.fileno(), True)
        os.set_blocking(child.fileno(), True)
        self.process = context.Process(target=_draw_forever, args=(child,), name="ticket-drawing",
                                       daemon=True)
        self.process.start()
        child.close()
        self.turn = threading.Lock()  # a greenlet lock under gevent: one ticket in the pipe at a time
        self.asked = 0

    def call(self, fn: Callable[..., bytes], args: tuple[object, ...]) -> bytes:
        from gevent.socket import wait_read
        with self.turn:
            self.asked += 1
            self.conn.send((self.asked, fn, args))
            while True:
                wait_read(self.conn.fileno())
                number, ok, value = self.conn.recv()  # EOFError when the process died
                # An answer to an earlier question whose asker was interrupted is not ours.
                if number == self.asked:
                    break
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        self.conn.close()
        self.process.join(1)


_drawer: _Drawer | None = None
_drawer_lock = threading.Lock()


def _drawing_process() -> _Drawer:
    global _drawer
    with _drawer_lock:
        if _drawer is None:
            _drawer = _Drawer()
        return _drawer


def _under_gevent() -> bool:
    try:
        from gevent import monkey
    except ImportError:
        return False
    return bool(monkey.is_module_patched("threading"))


def off_loop(fn: Callable[..., bytes], *args: object) -> bytes:
    """Draw a ticket (~10 ms of Pillow for new lines, which holds the GIL) in a worker process when
    the server runs under gevent, so the event loop keeps answering; else (kiosk agent, tests)
    call it here.

    bench/bench_offload.py: drawing in gevent's thread pool still left the loop 11 ms late at p50
    (175 ms p99) through the GIL; in a process 1 ms (28 ms p99), at the same tickets per second.
    """
    global _drawer
    if not _under_gevent():
        return fn(*args)
    drawer = _drawing_process()
    try:
        return drawer.call(fn, args)
    except (EOFError, OSError) as exc:
        log.error("the ticket drawing process died (%r); starting a new one", exc)
        with _drawer_lock:
            if _drawer is drawer:
                _drawer = None
        from gevent import get_hub
        return get_hub().threadpool.apply(fn, args)  # type: ignore[no-any-return]


class _Lane:
    """The queue and thread of one printer URL; `busy` is held while a job talks to it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.jobs: queue.Queue[PrintJob | None] = queue.Queue()
        self.busy = threading.Lock()
        self.thread: threading.Thread | None = None
        self.kept: Printer | None = None  # the connection left open after the last job (busy held)

    def let_go(self) -> None:
        """Close the kept connection (hold `busy`)."""
        if self.kept is not None:
            self.kept.close()
            self.kept = None


class PrintWorker:
    """Prints jobs in the background so a slow or broken printer never blocks another."""

    def __init__(self, on_result: ResultCallback, on_status: StatusCallback | None = None,
                 retries: int = 3, retry_delay: float = 0.5, timeout: float = 3.0,
                 lang: str = DEFAULT_LANG, keep_open: float = KEEP_OPEN_S,
                 before_send: SendCheck | None = None) -> None:
        """`retries` is how many times a job is tried again after a connection failure;
        `keep_open` how many idle seconds a network printer's connection waits for the next job
        (0: a connection per job)."""
        self.keep_open = keep_open
        self.before_send = before_send
        self.on_result = on_result
        self.on_status = on_status
        self.retries = max(0, retries)
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.lang = lang
        self._lanes: dict[str, _Lane] = {}
        self._lanes_lock = threading.Lock()
        self._statuses: dict[str, PrinterStatus] = {}
        self._status_lock = threading.Lock()
        self._stopping = threading.Event()
        self._started = False

    # -- public ------------------------------------------------------------------------------
    def start(self) -> None:
        """Allow lanes to run (each printer's thread starts with its first job)."""
        if _under_gevent():
            _drawing_process()  # start the drawing process now, not at the first ticket
        self._stopping.clear()
        self._started = True
        with self._lanes_lock:
            for lane in self._lanes.values():
                self._start_lane(lane)

    def submit(self, job: PrintJob) -> None:
        """Queue a job on its printer's lane; the outcome arrives through on_result."""
        if self._stopping.is_set():
            self._report(job, PrintOutcome("failed", self._last_status(job.printer_url),
                                           text("error.stopped", self.lang), 0, "stopped"))
            return
        lane = self._lane(job.printer_url)
        lane.jobs.put(job)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the jobs in progress, fail the queued ones, and join the threads."""
        self._stopping.set()
        with self._lanes_lock:
            lanes = list(self._lanes.values())
        for lane in lanes:
            lane.jobs.put(None)
        for lane in lanes:
            if lane.thread is not None:
                lane.thread.join(timeout)
            else:
                self._fail_queued(lane)  # submitted but never started: still reported
        self._started = False

    def alive(self) -> bool:
        """Whether every printer lane that was started is still running (for /readyz)."""
        with self._lanes_lock:
            lanes = list(self._lanes.values())
        if self._stopping.is_set():
            return False
        return all(lane.thread is None or lane.thread.is_alive() for lane in lanes)

    def check(self, printer_url: str) -> PrinterStatus:
        """Read a printer's status now (the kiosk asks before issuing); never raises."""
        lane = self._lane(printer_url, start=False)
        # A job holding the printer has just read its status: use that rather than open a
        # second connection that a port-9100 printer would only serve after the job.
        if not lane.busy.acquire(blocking=False):
            return self._last_status(printer_url)
        try:
            # The kept connection, if any: the printer would not serve a second one meanwhile.
            reading = self._probe_kept(lane) if lane.kept is not None else self._probe_once(printer_url)
        finally:
            lane.busy.release()
        self._note_status(printer_url, reading)
        return reading.status

    def last_status(self, printer_url: str) -> PrinterStatus:
        """Return the last status seen for a printer (UNKNOWN before any read)."""
        return self._last_status(printer_url)

    # -- lanes -------------------------------------------------------------------------------
    def _lane(self, url: str, start: bool = True) -> _Lane:
        with self._lanes_lock:
            lane = self._lanes.get(url)
            if lane is None:
                lane = self._lanes[url] = _Lane(url)
            if start and self._started:
                self._start_lane(lane)
            return lane

    def _start_lane(self, lane: _Lane) -> None:
        if lane.thread is None or not lane.thread.is_alive():
            lane.thread = threading.Thread(target=self._run_lane, args=(lane,),
                                           name=f"print:{lane.url}", daemon=True)
            lane.thread.start()

    def _run_lane(self, lane: _Lane) -> None:
        while True:
            try:
                job = lane.jobs.get(timeout=self.keep_open) if lane.kept is not None else lane.jobs.get()
            except queue.Empty:  # idle: give the printer back to whoever else wants it
                with lane.busy:
                    lane.let_go()
                continue
            if job is None:
                with lane.busy:
                    lane.let_go()
                break
            if self._stopping.is_set():
                self._report(job, PrintOutcome("failed", self._last_status(lane.url),
                                               text("error.stopped", self.lang), 0, "stopped"))
                continue
            try:
                with lane.busy:
                    outcome = self._print(job, lane)
            except Exception as exc:  # noqa: BLE001 - the lane must outlive any bug
                log.exception("print job %s crashed", job.job_id)
                outcome = PrintOutcome("failed", PrinterStatus.UNKNOWN,
                                       text("error.internal", self.lang, reason=exc), 0, "internal")
            self._report(job, outcome)
        self._fail_queued(lane)

    def _fail_queued(self, lane: _Lane) -> None:
        # Jobs still queued when stop() was called are reported, never silently lost.
        while True:
            try:
                job = lane.jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                self._report(job, PrintOutcome("failed", self._last_status(lane.url),
                                               text("error.stopped", self.lang), 0, "stopped"))

    # -- one job -----------------------------------------------------------------------------
    def _print(self, job: PrintJob, lane: _Lane) -> PrintOutcome:
        data = off_loop(ticket_bytes, job.ticket, job.paper, self.lang)
        attempts = 0
        checked = self.before_send is None
        last = PrintOutcome("failed", PrinterStatus.UNKNOWN, "", 0, "unreachable")
        while attempts <= self.retries and not self._stopping.is_set():
            if attempts:
                self._stopping.wait(self.retry_delay)
            attempts += 1
            printer, before = self._connect(lane, job.printer_url)
            if printer is None:
                return PrintOutcome("failed", PrinterStatus.UNKNOWN,
                                    text("error.url", self.lang, url=job.printer_url), attempts, "url")
            keep = False
            try:
                self._note_status(job.printer_url, before)
                if not before.reachable:
                    last = PrintOutcome("failed", before.status, before.detail(self.lang),
                                        attempts, "unreachable")
                    continue
                if before.status in NOT_PRINTABLE:
                    return PrintOutcome("failed", before.status, before.detail(self.lang),
                                        attempts, f"status.{before.status.value}")
                if isinstance(printer, VirtualPrinter) and "paper=" not in job.printer_url:
                    printer.paper = job.paper  # so the PNG preview has the job's roll width
                if not checked:
                    if not self.before_send(job):  # type: ignore[misc]
                        return PrintOutcome("skipped", before.status, "", attempts, "not_ours")
                    checked = True
                try:
                    printer.send(data, name=job.job_id)
                except PrintError as exc:
                    reading = StatusReading(PrinterStatus.OFFLINE, False,
                                            str(exc.params.get("reason", exc)), printer.target)
                    self._note_status(job.printer_url, reading)
                    last = PrintOutcome("failed", PrinterStatus.OFFLINE, exc.message(self.lang),
                                        attempts, exc.code)
                    if exc.retryable:
                        continue
                    return last
                after = printer.probe()
                # The bytes are gone to the printer; a failed read afterwards doesn't unprint them.
                after_status = after.status if after.reachable else PrinterStatus.UNKNOWN
                self._note_status(job.printer_url, StatusReading(after_status, True, after.reason))
                # Kept only while it answers status queries: that answer is how the next job
                # knows the connection still reaches a printer before it sends anything.
                keep = (self.keep_open > 0 and printer.reusable and after.reachable
                        and after_status is not PrinterStatus.UNKNOWN)
                return PrintOutcome("printed", after_status, text("outcome.printed", self.lang),
                                    attempts, "printed")
            finally:
                if keep:
                    lane.kept = printer
                else:
                    printer.close()
        return last

    def _connect(self, lane: _Lane, url: str) -> tuple[Printer | None, StatusReading]:
        """The printer to send a job to and its status read just now: the kept connection when
        it still answers, else a new one (a printer restarted since the last job, a dropped link:
        nothing of the job has been sent yet, so the ticket prints once on the new connection)."""
        kept, lane.kept = lane.kept, None
        if kept is not None:
            reading = kept.probe()
            if reading.reachable and reading.status is not PrinterStatus.UNKNOWN:
                return kept, reading
            kept.close()
        printer = self._open(url)
        if printer is None:
            return None, StatusReading(PrinterStatus.UNKNOWN, False, "")
        return printer, printer.probe()

    def _probe_kept(self, lane: _Lane) -> StatusReading:
        """Read the status over the kept connection; let it go when it no longer answers."""
        assert lane.kept is not None
        reading = lane.kept.probe()
        if not reading.reachable or reading.status is PrinterStatus.UNKNOWN:
            lane.let_go()
            return self._probe_once(lane.url)
        return reading

    def _open(self, url: str) -> Printer | None:
        try:
            return open_printer(url, self.timeout)
        except PrintError:
            return None

    def _probe_once(self, url: str) -> StatusReading:
        printer = self._open(url)
        if printer is None:
            return StatusReading(PrinterStatus.UNKNOWN, False, text("error.url", self.lang, url=url))
        try:
            return printer.probe()
        finally:
            printer.close()

    # -- status bookkeeping and callbacks ------------------------------------------------------
    def _last_status(self, url: str) -> PrinterStatus:
        with self._status_lock:
            return self._statuses.get(url, PrinterStatus.UNKNOWN)

    def _note_status(self, url: str, reading: StatusReading) -> None:
        with self._status_lock:
            changed = self._statuses.get(url) != reading.status
            self._statuses[url] = reading.status
        if changed and self.on_status is not None:
            try:
                self.on_status(url, reading.status, reading.detail(self.lang))
            except Exception:  # noqa: BLE001 - a listener's bug must not stop printing
                log.exception("on_status callback failed for %s", url)

    def _report(self, job: PrintJob, outcome: PrintOutcome) -> None:
        try:
            self.on_result(job, outcome)
        except Exception:  # noqa: BLE001
            log.exception("on_result callback failed for job %s", job.job_id)
