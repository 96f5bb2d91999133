"""The LED agent against the real server: an officer calls a ticket, the LED shows its number."""
from __future__ import annotations

import socket
import threading
from typing import Any, Callable, Iterator

import pytest

from counter_display.led import LedDisplay, decode_ascii, split_ascii_frames
from counter_display.led_agent import LedAgent

BLANK = "    "


class SerialOverTcp:
    """A serial-to-Ethernet box on 127.0.0.1: records every ASCII frame the agent writes."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self.sock.getsockname()[1]}"
        self.shown: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        rest = b""
        with conn:
            while data := conn.recv(4096):
                frames, rest = split_ascii_frames(rest + data)
                with self._cond:
                    self.shown.extend(decode_ascii(f)[1] for f in frames)
                    self._cond.notify_all()

    def wait_for(self, check: Callable[[list[str]], bool], timeout: float = 20) -> list[str]:
        """Block until the frames seen so far satisfy check (an Event-style wait, no sleeping)."""
        with self._cond:
            assert self._cond.wait_for(lambda: check(self.shown), timeout), self.shown
            return list(self.shown)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture()
def led() -> Iterator[SerialOverTcp]:
    box = SerialOverTcp()
    yield box
    box.close()


def test_led_shows_the_called_ticket_and_blanks_when_done(live_server: Any, led: SerialOverTcp):
    device = live_server.devices["counter-17"]
    officer = "canbo17"
    display = LedDisplay(led.url, "ascii", address=1)
    agent = LedAgent(live_server.url, device["token"], display, handle_sigint=False)
    agent.start()
    try:
        led.wait_for(lambda shown: shown == [BLANK])            # snapshot: nobody at the counter
        assert live_server.api("POST", "/api/v1/counters/17/open", who=officer).status_code == 200
        service = live_server.api("GET", "/api/v1/counters/17", who=officer).json()["counter"]["services"][0]
        issued = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": service})
        assert issued.status_code == 201, issued.text
        number = issued.json()["number"]

        called = live_server.api("POST", "/api/v1/counters/17/call-next", who=officer)
        assert called.json()["ticket"]["number"] == number
        led.wait_for(lambda shown: shown[-1:] == [number.rjust(4)])

        live_server.api("POST", "/api/v1/counters/17/recall", who=officer)
        live_server.api("POST", "/api/v1/counters/17/pause", who=officer)
        led.wait_for(lambda shown: shown[-1:] == [BLANK])       # paused: the LED goes dark
        live_server.api("POST", "/api/v1/counters/17/resume", who=officer)
        led.wait_for(lambda shown: shown[-1:] == [number.rjust(4)])
        live_server.api("POST", "/api/v1/counters/17/complete", who=officer)
        shown = led.wait_for(lambda shown: shown[-1:] == [BLANK])
        # each change is written once: the recall did not rewrite the same number
        assert shown == [BLANK, number.rjust(4), BLANK, number.rjust(4), BLANK]
    finally:
        agent.stop()
