"""Transports against real parts: a TCP printer on 127.0.0.1, pyserial loop:// and socket://,
an injected USB device, a temp file and the virtual printer's directory."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import serial
import zxingcpp
from PIL import Image

from printers.ticket import TicketPrint, ticket_bytes
from printers.transports import (
    FilePrinter, PrintError, PrinterStatus, SerialPrinter, TcpPrinter, UsbPrinter, VirtualPrinter,
    open_printer,
)
from tests.support.escpos_decoder import decode
from tests.support.fake_printer import FakePrinter, refused_url


# -- TCP ------------------------------------------------------------------------------------
@pytest.mark.parametrize("state, expected", [
    ("ok", PrinterStatus.OK), ("near_end", PrinterStatus.NEAR_END),
    ("out", PrinterStatus.OUT), ("offline", PrinterStatus.OFFLINE)])
def test_tcp_status_follows_the_printer(fake_printer: FakePrinter, state: str,
                                        expected: PrinterStatus) -> None:
    fake_printer.set_status(state)
    with open_printer(fake_printer.url, timeout=2) as printer:
        assert printer.status() is expected
    assert fake_printer.queries[:1] == [1]


def test_tcp_send_delivers_the_ticket(fake_printer: FakePrinter, ticket: TicketPrint) -> None:
    data = ticket_bytes(ticket)
    printer = open_printer(fake_printer.url, timeout=2)
    assert isinstance(printer, TcpPrinter)
    printer.send(data)
    printer.close()
    received = fake_printer.wait_for_bytes(len(data))
    assert received == data
    assert decode(received).text("1023") is not None


def test_tcp_refused_is_offline_and_send_says_why() -> None:
    printer = open_printer(refused_url(), timeout=1)
    reading = printer.probe()
    assert reading.status is PrinterStatus.OFFLINE and not reading.reachable
    with pytest.raises(PrintError) as failure:
        printer.send(b"\x1b@")
    assert failure.value.retryable
    assert "Không kết nối được máy in 127.0.0.1:" in str(failure.value)
    assert "Cannot reach printer" in failure.value.message("en")


def test_tcp_printer_that_never_answers_is_unknown_but_still_prints() -> None:
    with FakePrinter(answer=False) as silent:
        with open_printer(silent.url, timeout=0.3) as printer:
            assert printer.status() is PrinterStatus.UNKNOWN
            printer.send(b"\x1b@hello\n")
        assert silent.wait_until(lambda p: p.received.endswith(b"\x1b@hello\n"))
        assert silent.queries == [1]  # silent on the first query: no second wait


# -- Serial ---------------------------------------------------------------------------------
def test_serial_loop_reads_back_the_bytes_written(ticket: TicketPrint) -> None:
    data = ticket_bytes(ticket, "58mm")
    printer = open_printer("loop://", timeout=0.5)
    assert isinstance(printer, SerialPrinter)
    # The loop echoes our query back: that is no status byte, so the answer is "can't tell".
    assert printer.status() is PrinterStatus.UNKNOWN
    port = printer.port
    assert port is not None
    # loop:// holds only 4 KB, like a printer's input buffer: read while the ticket is sent.
    port.timeout = 10
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(port.read(len(data))))
    reader.start()
    printer.send(data)
    reader.join()
    assert received == [data]
    printer.close()


def test_serial_port_object_can_be_injected() -> None:
    port = serial.serial_for_url("loop://", timeout=0.5)
    printer = SerialPrinter(port=port, timeout=0.5)
    printer.send(b"\x1b@\x1dV\x00")
    assert port.read(6) == b"\x1b@\x1dV\x00"
    printer.close()


def test_serial_over_socket_reads_printer_status(fake_printer: FakePrinter) -> None:
    # socket:// is how a serial-to-Ethernet box is reached; the fake plays the printer behind it.
    fake_printer.set_status("near_end")
    with open_printer(f"socket://127.0.0.1:{fake_printer.port}", timeout=2) as printer:
        assert printer.status() is PrinterStatus.NEAR_END
        printer.send(b"\x1b@ok\n")
    assert fake_printer.wait_until(lambda p: p.received.endswith(b"\x1b@ok\n"))


def test_serial_url_settings_are_parsed() -> None:
    printer = open_printer("serial:///dev/ttyUSB0?baudrate=115200&rtscts=1")
    assert isinstance(printer, SerialPrinter)
    assert printer.port_url == "/dev/ttyUSB0"
    assert printer.settings == {"baudrate": 115200, "rtscts": True}


def test_missing_serial_device_is_offline() -> None:
    printer = open_printer("serial:///dev/ttyNOPE9?baudrate=115200", timeout=0.2)
    assert printer.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrintError):
        printer.send(b"x")


# -- USB ------------------------------------------------------------------------------------
class FakeUsbDevice:
    """Bulk OUT collects bytes; bulk IN answers the last DLE EOT n written."""

    def __init__(self, online: int = 0x12, paper: int = 0x12) -> None:
        self.replies = {1: online, 4: paper}
        self.written = bytearray()
        self.endpoints: set[int] = set()
        self._last_query: int | None = None

    def write(self, endpoint: int, data: bytes, timeout: int | None = None) -> int:
        self.endpoints.add(endpoint)
        if data[:2] == b"\x10\x04":
            self._last_query = data[2]
        else:
            self.written += data
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int | None = None) -> bytes:
        self.endpoints.add(endpoint)
        if self._last_query is None:
            raise TimeoutError("no reply")
        return bytes((self.replies[self._last_query],))


@pytest.mark.parametrize("online, paper, expected", [
    (0x12, 0x12, PrinterStatus.OK), (0x1A, 0x72, PrinterStatus.OUT),
    (0x12, 0x1E, PrinterStatus.NEAR_END), (0x1A, 0x12, PrinterStatus.OFFLINE)])
def test_usb_status_from_injected_device(online: int, paper: int, expected: PrinterStatus) -> None:
    printer = UsbPrinter(0x04B8, 0x0202, device=FakeUsbDevice(online, paper))
    assert printer.status() is expected


def test_usb_send_writes_to_the_out_endpoint(ticket: TicketPrint) -> None:
    device = FakeUsbDevice()
    data = ticket_bytes(ticket)
    printer = UsbPrinter(0x04B8, 0x0202, device=device, out_ep=0x02, in_ep=0x81)
    printer.send(data)
    assert bytes(device.written) == data
    assert device.endpoints == {0x02}


def test_usb_url_without_hardware_never_raises_on_status() -> None:
    printer = open_printer("usb://04b8:0202", timeout=0.2)
    assert isinstance(printer, UsbPrinter)
    assert (printer.vendor, printer.product) == (0x04B8, 0x0202)
    assert printer.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrintError):
        printer.send(b"x")


# -- File -----------------------------------------------------------------------------------
def test_file_printer_appends_and_cannot_tell_status(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    printer = open_printer(f"file://{target}")
    assert isinstance(printer, FilePrinter)
    assert printer.status() is PrinterStatus.UNKNOWN
    printer.send(b"one")
    printer.send(b"two")
    assert target.read_bytes() == b"onetwo"


def test_file_printer_missing_device_is_offline(tmp_path: Path) -> None:
    printer = open_printer(f"file://{tmp_path}/no/such/dir/lp0")
    assert printer.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrintError):
        printer.send(b"x")


# -- Virtual --------------------------------------------------------------------------------
def test_virtual_printer_keeps_bytes_and_a_png_preview(tmp_path: Path, ticket: TicketPrint) -> None:
    data = ticket_bytes(ticket)
    printer = open_printer(f"virtual://{tmp_path}")
    assert isinstance(printer, VirtualPrinter)
    assert printer.status() is PrinterStatus.OK
    printer.send(data, name="job-1")
    assert (tmp_path / "job-1.bin").read_bytes() == data
    preview = Image.open(tmp_path / "job-1.png")
    assert [r.text for r in zxingcpp.read_barcodes(preview)] == [ticket.status_url]


def test_virtual_printer_can_play_out_of_paper(tmp_path: Path) -> None:
    assert open_printer(f"virtual://{tmp_path}?status=out").status() is PrinterStatus.OUT
    assert open_printer("virtual").status() is PrinterStatus.OK


def test_virtual_printer_accepts_relative_and_absolute_dirs(tmp_path: Path) -> None:
    relative = open_printer("virtual://var/previews")
    assert isinstance(relative, VirtualPrinter)
    assert relative.directory == Path("var/previews")
    absolute = open_printer(f"virtual://{tmp_path}")
    assert isinstance(absolute, VirtualPrinter) and absolute.directory == tmp_path


@pytest.mark.parametrize("url", ["", "lpt://x", "tcp://", "usb://zz:01", "virtual:///x?status=bad"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        open_printer(url)
