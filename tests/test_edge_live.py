"""A real server's front door: connections that were just opened and have sent nothing yet wait
with the kernel, so they neither take a connection slot nor hold up a request behind them."""
from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from server.cli import DEFER_ACCEPT_S
from tests.conftest import ROOT, LiveServer
from tests.support.escpos_decoder import decode
from tests.support.fake_printer import FakePrinter

ISSUE = "/api/v1/tickets"

pytestmark = pytest.mark.skipif(not hasattr(socket, "TCP_DEFER_ACCEPT"),
                                reason="TCP_DEFER_ACCEPT is Linux only")


def test_silent_new_connections_take_no_slot_a_request_is_answered_at_once(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    # Three times the cap of idle connections, and a read timeout far beyond the client's patience:
    # had the server accepted them, they would hold every slot for a minute and this GET would wait.
    server.extra_args = ["--max-connections", "20", "--read-timeout", "120"]
    server.start()
    idle = []
    try:
        for _ in range(60):
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
        r = requests.get(server.url + "/healthz", timeout=30)
        assert r.json() == {"status": "ok"}
        issued = server.api("POST", ISSUE, who="kiosk-A1", json={"service": "TP-LLTP"})
        assert issued.status_code == 201 and issued.json()["number"]
    finally:
        for s in idle:
            s.close()
        server.stop()


def test_a_connection_that_speaks_only_after_a_long_silence_is_still_served(
        live_server: LiveServer) -> None:
    # A browser opens connections ahead of need and may send its request seconds later: the
    # kernel hands it over after DEFER_ACCEPT_S and the server answers it like any other.
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=30) as s:
        readable, _, _ = select.select([s], [], [], DEFER_ACCEPT_S + 3)
        assert readable == []  # neither closed nor answered while silent
        s.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{live_server.port}\r\n"
                  "Connection: close\r\n\r\n".encode())
        received = b""
        while chunk := s.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b'"status"' in body and b'"ok"' in body


def kiosk_with_printer(server: LiveServer, printer_url: str) -> str:
    """Add a kiosk whose tickets print on `printer_url`; its bearer token."""
    out = subprocess.run([sys.executable, "-m", "server.cli", "device", "add", "edge-kiosk", "--kind",
                          "kiosk", "--zone", "A1", "--printer", printer_url, "--db", str(server.db)],
                         cwd=ROOT, capture_output=True, text=True, check=True, env=server.env())
    return out.stdout.strip().splitlines()[-1]


def drawing_processes(pid: int) -> list[int]:
    return [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_tickets_from_kiosks_print_once_each_even_when_the_drawing_process_dies(
        live_server: LiveServer) -> None:
    with FakePrinter() as printer:
        token = kiosk_with_printer(live_server, printer.url)

        def issue() -> str:
            r = requests.post(live_server.url + ISSUE, json={"service": "TP-LLTP"}, timeout=60,
                              headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201
            return str(r.json()["number"])

        with ThreadPoolExecutor(4) as pool:
            numbers = list(pool.map(lambda _: issue(), range(8)))
        # Counted by paper cuts: a ticket still on the wire is a piece of printed() but has no cut yet.
        assert printer.wait_until(lambda p: sum(map(len, p.cuts)) >= 8, timeout=60)
        assert live_server.proc is not None
        for pid in drawing_processes(live_server.proc.pid):
            os.kill(pid, signal.SIGKILL)  # the server draws the next tickets all the same
        numbers += [issue(), issue()]
        assert printer.wait_until(lambda p: sum(map(len, p.cuts)) >= 10, timeout=60)
        on_paper = sorted(n for data in printer.printed()
                          for n in [line.text for line in decode(data).texts] if n in numbers)
        assert on_paper == sorted(numbers)  # every ticket once, none twice
        assert printer.connections < 10  # one kept connection serves a stream of tickets
