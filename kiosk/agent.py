"""The kiosk agent: prints a kiosk's tickets on the printer attached to the kiosk PC.

    python -m kiosk.agent --server http://127.0.0.1:5000 --token T --printer usb://04b8:0202

It receives the kiosk's print jobs over Socket.IO (`snapshot.print_jobs`, then `print.job`),
prints them with the printers/ package and reports outcomes and printer status over HTTP.
The job handling lives in kiosk/agent_jobs.py, the reporting in kiosk/agent_outbox.py; this
module is the socket glue and the command line.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any, Callable

import socketio

from printers.messages import DEFAULT_LANG
from printers.runtime import runtime_dir, use_runtime_dir
from printers.ticket import PAPERS
from printers.transports import PrinterUrlError, open_printer

from kiosk.agent_jobs import PrintAgent
from kiosk.agent_outbox import Outbox

log = logging.getLogger("kiosk.agent")


class KioskAgent:
    """Connects to the server (retrying forever), feeds PrintAgent, polls the printer's status."""

    def __init__(self, server: str, token: str, printer_url: str, *, paper: str | None = None,
                 poll: float = 30.0, lang: str = DEFAULT_LANG, reconnect_delay: float = 0.5,
                 reconnect_delay_max: float = 10.0, report_backoff_max: float = 15.0,
                 print_retries: int = 3, print_timeout: float = 3.0) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.poll = poll
        self.reconnect_delay = reconnect_delay
        self.reconnect_delay_max = reconnect_delay_max
        self.outbox = Outbox(self.server, token, lang=lang, backoff_max=report_backoff_max)
        self.jobs = PrintAgent(printer_url, self.outbox, paper=paper, lang=lang,
                               retries=print_retries, timeout=print_timeout)
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._poll_now = threading.Event()
        self._threads: list[threading.Thread] = []
        self.sio = socketio.Client(reconnection=True, reconnection_attempts=0,
                                   reconnection_delay=reconnect_delay,
                                   reconnection_delay_max=reconnect_delay_max,
                                   handle_sigint=False)
        self.sio.on("connect", self._on_connect)
        self.sio.on("connect_error", self._on_connect_error)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("snapshot", self._guarded("snapshot", self._on_snapshot))
        self.sio.on("print.job", self._guarded("print.job", self.jobs.on_print_job))

    # -- socket glue ---------------------------------------------------------------------------
    def _guarded(self, name: str, handler: Callable[[Any], Any]) -> Callable[[Any], None]:
        def run(payload: Any) -> None:
            # An exception here would be raised in the socket's reader thread: log it instead.
            try:
                handler(payload if isinstance(payload, dict) else {})
            except Exception:  # noqa: BLE001
                log.exception("handling %s failed", name)
        return run

    def _on_connect(self) -> None:
        log.info("connected to %s", self.server)
        self.connected.set()

    def _on_connect_error(self, data: Any = None) -> None:
        # The connect loop logs the failure; a refused token is worth its own line.
        if isinstance(data, dict):
            log.error("server refused the connection: %s", data.get("message", data))

    def _on_disconnect(self, *reason: Any) -> None:
        self.connected.clear()
        if not self._stop.is_set():
            log.warning("disconnected from %s; reconnecting", self.server)

    def _on_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.jobs.on_snapshot(snapshot)
        self._poll_now.set()  # tell a (possibly restarted) server the printer's status now

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start printing, reporting, status polling and the connection, in background threads."""
        self._stop.clear()
        self.outbox.start()
        self.jobs.start()
        for target, name in ((self._connect_loop, "agent-socket"), (self._poll_loop, "agent-poll")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, flush_timeout: float = 5.0) -> None:
        """Disconnect, finish the job being printed and send the outcomes still queued."""
        self._stop.set()
        self._poll_now.set()
        try:
            self.sio.shutdown()
        except Exception:  # noqa: BLE001 - stopping must go on whatever state the socket is in
            log.exception("closing the connection failed")
        for thread in self._threads:
            thread.join(10)
        self._threads = []
        self.jobs.stop()
        self.outbox.close(flush_timeout)
        log.info("stopped")

    def run(self) -> None:
        """Run until SIGTERM or Ctrl-C, then stop cleanly."""
        done = threading.Event()

        def request_stop(signum: int, _frame: Any) -> None:
            log.info("%s received, stopping", signal.Signals(signum).name)
            done.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.start()
        try:
            while not done.wait(1.0):
                pass
        finally:
            self.stop()

    def _connect_loop(self) -> None:
        """Connect, and connect again whenever the client's own reconnection has given up."""
        delay = self.reconnect_delay
        while not self._stop.is_set():
            try:
                self.sio.connect(self.server, auth={"token": self.token}, wait_timeout=10)
            except socketio.exceptions.ConnectionError as exc:
                log.warning("cannot connect to %s (%s); retrying in %.1f s", self.server, exc, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, self.reconnect_delay_max)
                continue
            delay = self.reconnect_delay
            if self._stop.is_set():
                self.sio.disconnect()
                break
            # Blocks while connected or while the client reconnects by itself (forever).
            self.sio.wait()

    def _poll_loop(self) -> None:
        """Read the printer's status every `poll` seconds (and on each snapshot) and report it."""
        while not self._stop.is_set():
            self._poll_now.wait(self.poll)
            self._poll_now.clear()
            if self._stop.is_set():
                break
            try:
                self.jobs.read_status()
            except Exception:  # noqa: BLE001 - the next poll tries again
                log.exception("reading the printer status failed")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    ap = argparse.ArgumentParser(
        prog="python -m kiosk.agent",
        description="Print a kiosk's tickets on its attached printer (USB, serial, network).")
    ap.add_argument("--server", required=True, help="e.g. http://127.0.0.1:5000")
    ap.add_argument("--token", default=os.environ.get("XEPHANG_DEVICE_TOKEN"),
                    help="the kiosk's device token (or env XEPHANG_DEVICE_TOKEN)")
    ap.add_argument("--printer", required=True,
                    help="usb://VID:PID, serial:///dev/ttyUSB0?baudrate=38400, tcp://host:9100, "
                         "file:///dev/usb/lp0 or virtual://DIR")
    ap.add_argument("--paper", choices=sorted(PAPERS), default=None,
                    help="roll width (default: the kiosk's setting on the server)")
    ap.add_argument("--poll", type=float, default=30.0, help="read the printer status every N seconds")
    ap.add_argument("--lang", choices=("vi", "en"), default=DEFAULT_LANG,
                    help="language of the printed hints and of the status texts")
    ap.add_argument("--data-dir", default=os.environ.get("XEPHANG_DATA_DIR"),
                    help="private folder for the agent's caches (default ~/.local/state/xephang)")
    ap.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    args = ap.parse_args(argv)
    if not args.token:
        ap.error("--token is required (or set XEPHANG_DEVICE_TOKEN)")
    if args.poll <= 0:
        ap.error("--poll must be positive")
    try:
        open_printer(args.printer)
    except PrinterUrlError as exc:
        ap.error(str(exc))
    return args


def main(argv: list[str] | None = None) -> int:
    """Command line entry: run the kiosk agent until SIGTERM or Ctrl-C."""
    args = parse_args(argv)
    # Before the first ticket imports python-escpos: its cache goes in a folder only we can write.
    use_runtime_dir(args.data_dir or runtime_dir())
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    # The Socket.IO/HTTP libraries log every packet at INFO; keep the agent's own lines readable.
    for noisy in ("socketio", "engineio", "urllib3", "websocket"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    log.info("kiosk agent for %s, printer %s", args.server, args.printer)
    KioskAgent(args.server, args.token, args.printer, paper=args.paper, poll=args.poll,
               lang=args.lang).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
