"""The status query after a ticket leaves at once, not after the printer's delayed ACK.

With Nagle's algorithm the 3-byte query sent right after a ticket's bytes waited for the printer
to acknowledge them (~40 ms with delayed ACKs): a printing kiosk printed ~18 tickets/s at most and
its queue lagged behind issuing by tens of seconds (issue 11, bench_stall (e)).
"""
from __future__ import annotations

import socket

from printers.transports import open_printer
from tests.support.fake_printer import FakePrinter


def test_a_network_printer_connection_sends_small_writes_at_once(fake_printer: FakePrinter) -> None:
    printer = open_printer(fake_printer.url, 3.0)
    try:
        assert printer.probe().reachable  # the connection is open and answers
        sock = printer._sock  # type: ignore[attr-defined]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        printer.close()
