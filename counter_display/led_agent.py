"""LED agent: shows a counter's current ticket number on a serial LED display.

    python -m counter_display.led_agent --server http://127.0.0.1:5000 --token <counter device token> \
        --port serial:///dev/ttyUSB0?baudrate=9600 --protocol ascii|modbus --address 1

It connects to the server's Socket.IO as the counter device (the server puts it in ``counter:N``),
keeps ``CounterLedState`` from the ``snapshot`` and the ``ticket.called`` / ``counter.changed`` /
``ticket.changed`` deltas, and writes the number whenever it changes: the called or serving ticket's
number, blank when there is none or the counter is paused or closed. It also rewrites the current
frame every ``--refresh`` seconds, so a display that lost power shows the number again. Both links
heal themselves: python-socketio reconnects to the server (and each reconnect brings a fresh
snapshot), ``LedDisplay`` reopens the port.
"""
from __future__ import annotations

import argparse
import logging
import threading
from typing import Any, Callable

import socketio

from counter_display.led import PROTOCOLS, LedDisplay

log = logging.getLogger(__name__)

ACTIVE = ("called", "serving")
EVENTS = ("ticket.called", "counter.changed", "ticket.changed")


class CounterLedState:
    """What one counter's LED shows, derived from the snapshot and the deltas (pure, no I/O).

    Seq rule: deltas that arrive before the snapshot are kept and applied after it; a payload with
    seq <= the last applied seq is ignored. The last applied seq is kept per fact (the counter's
    state, its current ticket), because python-socketio runs each event handler in its own thread
    and two near-simultaneous events may be applied out of order: a late older event then still
    updates the fact it is newest for, and never overwrites a newer one.
    """

    def __init__(self, counter: int | None = None) -> None:
        self.counter = counter          # learnt from the snapshot when not given
        self.seq = -1                   # highest seq applied
        self.synced = False
        self.state = "closed"
        self.state_seq = -1
        self.ticket: str | None = None      # number of the ticket shown (public views carry no id)
        self.number: str | None = None
        self.ticket_seq = -1
        self._early: list[tuple[str, dict[str, Any]]] = []

    @property
    def display(self) -> str | None:
        """The number to show, or None for a blank display."""
        return self.number if self.state == "open" else None

    def disconnected(self) -> None:
        """The link dropped: hold deltas again until the next snapshot."""
        self.synced = False
        self._early.clear()

    def apply_snapshot(self, snap: dict[str, Any]) -> str | None:
        """Take the counter from a snapshot, then the deltas that beat it; returns the display."""
        seq = int(snap.get("seq", 0))
        # A snapshot is the whole truth of a new connection (the server may even have restarted
        # with a fresh log), so it resets every fact's seq.
        self.seq = self.state_seq = self.ticket_seq = seq - 1
        counter = snap.get("counter")
        if counter:
            self.counter = int(counter["number"])
            self._take_counter(counter, seq)
        self.seq = self.state_seq = self.ticket_seq = seq
        self.synced = True
        early, self._early = self._early, []
        for name, payload in early:
            self.apply_event(name, payload)
        return self.display

    def apply_event(self, name: str, payload: dict[str, Any]) -> str | None:
        """Apply one delta (stale or repeated seqs ignored); returns the display."""
        if not self.synced:
            self._early.append((name, payload))
            return self.display
        if payload.get("seq") is None:
            return self.display
        seq = int(payload["seq"])
        if name == "ticket.called":
            self._take_called(payload, seq)
        elif name == "counter.changed" and payload.get("counter"):
            self._take_counter(payload["counter"], seq)
        elif name == "ticket.changed":
            self._take_ticket(payload.get("ticket") or {}, payload.get("counter"), seq)
        self.seq = max(self.seq, seq)
        return self.display

    def _mine(self, counter: Any) -> bool:
        return counter is not None and self.counter is not None and int(counter) == self.counter

    def _set_state(self, state: str, seq: int) -> None:
        if seq > self.state_seq:
            self.state, self.state_seq = state, seq

    def _set_ticket(self, number: Any, seq: int) -> None:
        if seq > self.ticket_seq:
            self.number = None if number is None else str(number)
            self.ticket = self.number
            self.ticket_seq = seq

    def _take_counter(self, counter: dict[str, Any], seq: int) -> None:
        if not self._mine(counter.get("number")):
            return
        self._set_state(counter.get("state", self.state), seq)
        ticket = counter.get("ticket")
        if ticket and ticket.get("status") in ACTIVE:
            self._set_ticket(ticket["number"], seq)
        else:
            self._set_ticket(None, seq)

    def _take_called(self, call: dict[str, Any], seq: int) -> None:
        if not self._mine(call.get("counter")):
            return
        self._set_ticket(call["number"], seq)
        if self.state == "closed":
            self._set_state("open", seq)    # a counter that calls is open

    def _take_ticket(self, ticket: dict[str, Any], counter: Any, seq: int) -> None:
        at_mine = self._mine(counter if counter is not None else ticket.get("counter"))
        if at_mine and ticket.get("status") in ACTIVE:
            self._set_ticket(ticket["number"], seq)
        elif self.ticket is not None and str(ticket.get("number")) == self.ticket:
            # our ticket finished, was parked, marked no-show or moved to another counter
            self._set_ticket(None, seq)


class LedAgent:
    """The thin socket part: Socket.IO events → CounterLedState → LedDisplay."""

    def __init__(self, server: str, token: str, display: LedDisplay, refresh: float = 30.0,
                 on_write: Callable[[str | None, bool], None] | None = None,
                 handle_sigint: bool = True) -> None:
        self.server = server
        self.token = token
        self.display = display
        self.refresh = refresh
        self.on_write = on_write
        self.state = CounterLedState()
        self.shown: str | None = None
        self.written = False            # has the port taken a frame since the last change?
        self.failed = False             # did the last write fail (port down)?
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.sio = socketio.Client(reconnection=True, reconnection_delay_max=10,
                                   handle_sigint=handle_sigint)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        for name in ("snapshot", *EVENTS):
            self.sio.on(name, self._handler(name))

    def _handler(self, name: str) -> Callable[[dict[str, Any]], None]:
        return lambda payload: self.apply(name, payload)

    def apply(self, name: str, payload: dict[str, Any]) -> None:
        """Feed one server message (snapshot or delta) and update the display if needed."""
        with self._lock:
            if name == "snapshot":
                self.state.apply_snapshot(payload)
            else:
                self.state.apply_event(name, payload)
        self._sync()

    def _on_connect(self) -> None:
        log.info("connected to %s", self.server)

    def _on_disconnect(self, *args: Any) -> None:
        log.warning("disconnected from %s; reconnecting", self.server)
        with self._lock:
            self.state.disconnected()

    def _sync(self, force: bool = False) -> None:
        """Write the display when what it should show changed (or when forced, or after a failure)."""
        with self._lock:
            if not self.state.synced:
                return
            want = self.state.display
            if not force and self.written and want == self.shown:
                return
            ok = self.display.show(want)
            # Remember only what really reached the port, so a failed write is retried.
            self.shown, self.written, self.failed = want, ok, not ok
            if self.on_write:
                self.on_write(want, ok)
        if not ok:
            self._wake.set()        # let the refresh loop plan the retry

    def rewrite(self) -> bool:
        """Write the current frame again (the refresh loop's job: a failed or power-cycled display)."""
        self._sync(force=True)
        return not self.failed

    def start(self) -> None:
        """Connect (retrying until the server answers) and start the refresh loop in a thread."""
        self.sio.connect(self.server, auth={"token": self.token}, retry=True, wait_timeout=10)
        threading.Thread(target=self._refresh_loop, name="led-refresh", daemon=True).start()

    def _refresh_loop(self) -> None:
        """Rewrite the frame every refresh seconds; after a failed write, retry when the port is due."""
        while not self._stop.is_set():
            delay = self.refresh
            if self.failed:
                delay = min(self.refresh, max(self.display.retry_in, 0.2))
            woken = self._wake.wait(delay)
            self._wake.clear()
            if self._stop.is_set():
                break
            if woken:
                continue            # a write just failed: plan again with the new backoff
            self.rewrite()

    def stop(self) -> None:
        """Disconnect, stop the refresh loop and close the port."""
        self._stop.set()
        self._wake.set()
        self.sio.disconnect()
        self.display.close()

    def run_forever(self) -> None:
        """Start and block until interrupted."""
        self.start()
        try:
            self.sio.wait()
        finally:
            self.stop()


def main(argv: list[str] | None = None) -> int:
    """Command line: run the LED agent for one counter display."""
    ap = argparse.ArgumentParser(prog="python -m counter_display.led_agent",
                                 description="Show a counter's current ticket on a serial LED display.")
    ap.add_argument("--server", required=True, help="e.g. http://127.0.0.1:5000")
    ap.add_argument("--token", required=True, help="the counter device token")
    ap.add_argument("--port", required=True,
                    help="serial:///dev/ttyUSB0?baudrate=9600, /dev/ttyUSB0, socket://host:port")
    ap.add_argument("--protocol", choices=PROTOCOLS, default="ascii")
    ap.add_argument("--address", type=int, default=1, help="display address / Modbus unit id")
    ap.add_argument("--width", type=int, default=4, help="digits on the display (ascii)")
    ap.add_argument("--blank-value", type=int, default=0, help="register value when idle (modbus)")
    ap.add_argument("--refresh", type=float, default=30.0, help="rewrite the frame every N seconds")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    display = LedDisplay(args.port, args.protocol, args.address, width=args.width,
                         blank_value=args.blank_value)
    try:
        LedAgent(args.server, args.token, display, refresh=args.refresh).run_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
