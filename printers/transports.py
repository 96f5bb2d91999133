"""Printer transports (TCP 9100, USB, serial, file, virtual) behind one small Printer interface."""

from __future__ import annotations

import itertools
import os
import re
import socket
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import serial

from printers.runtime import runtime_dir

from printers.messages import DEFAULT_LANG, text
from printers.status import (
    DLE_EOT, ONLINE_QUERY, PAPER_QUERY, PrinterStatus, StatusReading, decode_status,
    is_status_byte,
)

__all__ = [
    "PrintError", "PrinterUrlError", "Printer", "PrinterStatus", "StatusReading", "TcpPrinter", "SerialPrinter",
    "UsbPrinter", "UsbDevice", "FilePrinter", "VirtualPrinter", "open_printer",
]

# Serial URL schemes pyserial's serial_for_url understands besides plain device paths.
PYSERIAL_SCHEMES = {"loop", "socket", "rfc2217", "spy", "alt", "hwgrid", "cp2110"}
MIN_LINK_RATE = 4096  # bytes/s we still accept from a network or USB printer before timing out


class PrintError(Exception):
    """A print failed; `code` names why, `retryable` says whether trying again may help."""

    def __init__(self, code: str, retryable: bool = False, **params: object) -> None:
        self.code = code
        self.retryable = retryable
        self.params = params
        super().__init__(self.message())

    def message(self, lang: str = DEFAULT_LANG) -> str:
        """Return the error as a sentence in `lang`."""
        return text(f"error.{self.code}", lang, **self.params)


class PrinterUrlError(PrintError, ValueError):
    """The printer URL cannot be understood."""

    def __init__(self, url: str) -> None:
        super().__init__("url", url=url)


class Printer(ABC):
    """One printer connection, opened lazily; status() never raises, send() raises PrintError."""

    # Whether the print worker may keep this connection open between jobs (see PrintWorker).
    reusable = False

    def __init__(self, url: str, timeout: float = 3.0) -> None:
        self.url = url
        self.timeout = timeout
        self._opened = False

    # -- the interface every caller uses ------------------------------------------------
    def status(self) -> PrinterStatus:
        """Read the printer's status with a short timeout; UNKNOWN where the link can't tell."""
        return self.probe().status

    def probe(self) -> StatusReading:
        """Read the status and whether the printer was reachable at all (never raises)."""
        try:
            self._ensure_open()
        except PrintError as exc:
            return StatusReading(PrinterStatus.OFFLINE, False, _reason(exc), self.target)
        try:
            online = self._query(ONLINE_QUERY)
            # A printer silent on the first query will be silent on the second: don't wait twice.
            paper = self._query(PAPER_QUERY) if online is not None else None
        except (OSError, serial.SerialException, PrintError) as exc:
            self.close()
            return StatusReading(PrinterStatus.OFFLINE, False, _reason(exc), self.target)
        except Exception as exc:  # noqa: BLE001 - a status read must never take the caller down
            return StatusReading(PrinterStatus.UNKNOWN, True, _reason(exc))
        return StatusReading(decode_status(online, paper), True)

    def send(self, data: bytes, name: str | None = None) -> None:
        """Send ticket bytes; `name` labels the job where the transport keeps copies."""
        self._ensure_open()
        try:
            self._write(data, name)
        except PrintError:
            self.close()
            raise
        except (OSError, serial.SerialException) as exc:
            self.close()
            raise PrintError("send", retryable=True, target=self.target, reason=_reason(exc)) from exc

    def close(self) -> None:
        """Release the connection; safe to call twice."""
        if self._opened:
            self._opened = False
            try:
                self._close()
            except Exception:  # noqa: BLE001 - closing a dead link must not raise
                pass

    def __enter__(self) -> "Printer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def target(self) -> str:
        """A short human label of where the printer is (host:port, device path)."""
        return self.url

    # -- what each transport implements -------------------------------------------------
    def _ensure_open(self) -> None:
        if not self._opened:
            self._open()
            self._opened = True

    @abstractmethod
    def _open(self) -> None:
        """Connect; raise PrintError("unreachable", retryable=True) when the printer can't be reached."""

    @abstractmethod
    def _write(self, data: bytes, name: str | None) -> None:
        """Write all of `data`."""

    def _query(self, n: int) -> int | None:
        """Send DLE EOT n and return the valid status byte, or None when the link can't tell."""
        return None

    def _close(self) -> None:
        """Release OS resources."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PrintError) and "reason" in exc.params:
        return str(exc.params["reason"])
    return str(exc) or type(exc).__name__


# -- TCP (port 9100) ------------------------------------------------------------------------
class TcpPrinter(Printer):
    """A network printer on raw TCP (JetDirect / port 9100)."""

    reusable = True  # a connect (and the printer's accept) per ticket is most of a job's cost

    def __init__(self, host: str, port: int = 9100, timeout: float = 3.0, url: str = "") -> None:
        super().__init__(url or f"tcp://{host}:{port}", timeout)
        self.host = host
        self.port = port
        self._sock: socket.socket | None = None

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    def _open(self) -> None:
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            # The status query after a ticket is 3 bytes: with Nagle's algorithm it waited for the
            # printer's delayed ACK of the ticket, ~40 ms a job (a printer did ~18 tickets/s).
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            raise PrintError("unreachable", retryable=True, target=self.target,
                             reason=_reason(exc)) from exc

    def _write(self, data: bytes, name: str | None) -> None:
        assert self._sock is not None
        # sendall's timeout covers the whole transfer, so it grows with the ticket size.
        self._sock.settimeout(self.timeout + len(data) / MIN_LINK_RATE)
        self._sock.sendall(data)

    def _query(self, n: int) -> int | None:
        assert self._sock is not None
        self._drain()
        self._sock.settimeout(self.timeout)
        self._sock.sendall(DLE_EOT + bytes((n,)))
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._sock.settimeout(remaining)
            try:
                reply = self._sock.recv(1)
            except (socket.timeout, TimeoutError):
                return None
            if not reply:
                raise ConnectionResetError("printer closed the connection")
            if is_status_byte(reply[0]):
                return reply[0]

    def _drain(self) -> None:
        # Late replies (or automatic status packets) left in the socket would be read as
        # the answer to the next query.
        assert self._sock is not None
        self._sock.settimeout(0)
        try:
            while self._sock.recv(64):
                pass
        except (BlockingIOError, InterruptedError, socket.timeout, TimeoutError):
            pass

    def _close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
            self._sock = None


# -- Serial ---------------------------------------------------------------------------------
class SerialPrinter(Printer):
    """A serial printer: a device path, or any pyserial URL (loop://, socket://, rfc2217://)."""

    def __init__(self, port_url: str = "", timeout: float = 3.0, *, url: str = "",
                 port: serial.SerialBase | None = None, **settings: Any) -> None:
        super().__init__(url or port_url, timeout)
        self.port_url = port_url
        self.settings = {"baudrate": 9600, **settings}
        self._port = port

    @property
    def target(self) -> str:
        return self.port_url or str(getattr(self._port, "port", "serial"))

    @property
    def port(self) -> serial.SerialBase | None:
        """The open pyserial port (tests read back what was written through it)."""
        return self._port

    def _open(self) -> None:
        if self._port is not None and self._port.is_open:
            return
        try:
            self._port = serial.serial_for_url(self.port_url, timeout=self.timeout,
                                               write_timeout=self.timeout, **self.settings)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PrintError("unreachable", retryable=True, target=self.target,
                             reason=_reason(exc)) from exc

    def _write(self, data: bytes, name: str | None) -> None:
        assert self._port is not None
        baud = int(self.settings.get("baudrate", 9600))
        # 10 bits per byte on the wire; twice that to allow for flow-control pauses.
        self._port.write_timeout = self.timeout + 2 * len(data) * 10 / baud
        self._port.write(data)
        self._port.flush()

    def _query(self, n: int) -> int | None:
        assert self._port is not None
        self._port.reset_input_buffer()
        self._port.timeout = self.timeout
        self._port.write(DLE_EOT + bytes((n,)))
        self._port.flush()
        reply = self._port.read(1)
        if reply and is_status_byte(reply[0]):
            return reply[0]
        # No answer, or our own query echoed back (loop://, a line without a printer).
        self._port.reset_input_buffer()
        return None

    def _close(self) -> None:
        if self._port is not None:
            self._port.close()


# -- USB ------------------------------------------------------------------------------------
class UsbDevice(Protocol):
    """The part of a pyusb device we use; tests inject a fake with these two methods."""

    def write(self, endpoint: int, data: bytes, timeout: int | None = None) -> int: ...

    def read(self, endpoint: int, size: int, timeout: int | None = None) -> Any: ...


class UsbPrinter(Printer):
    """A USB printer reached through pyusb (libusb), or an injected device object."""

    def __init__(self, vendor: int, product: int, timeout: float = 3.0, *, url: str = "",
                 device: UsbDevice | None = None, out_ep: int | None = None,
                 in_ep: int | None = None) -> None:
        super().__init__(url or f"usb://{vendor:04x}:{product:04x}", timeout)
        self.vendor = vendor
        self.product = product
        self.out_ep = out_ep if out_ep is not None else 0x01
        self.in_ep = in_ep if in_ep is not None else 0x82
        self._fixed_eps = out_ep is not None and in_ep is not None
        self._device = device
        self._injected = device is not None

    @property
    def target(self) -> str:
        return f"{self.vendor:04x}:{self.product:04x}"

    def _open(self) -> None:
        if self._injected:
            return
        try:
            import usb.core
            import usb.util

            device = usb.core.find(idVendor=self.vendor, idProduct=self.product)
            if device is None:
                raise PrintError("usb_missing", retryable=True, target=self.target,
                                 reason=text("error.usb_missing", DEFAULT_LANG, target=self.target))
            try:
                if device.is_kernel_driver_active(0):
                    device.detach_kernel_driver(0)
            except (NotImplementedError, usb.core.USBError):
                pass  # not on libusb1, or already detached by another run
            try:
                device.set_configuration()
            except usb.core.USBError:
                pass  # already configured
            if not self._fixed_eps:
                self._find_endpoints(device)
            self._device = device
        except PrintError:
            raise
        except Exception as exc:  # noqa: BLE001 - no backend, permissions, unplugged mid-open
            raise PrintError("unreachable", retryable=True, target=self.target,
                             reason=_reason(exc)) from exc

    def _find_endpoints(self, device: Any) -> None:
        import usb.util

        interface = device.get_active_configuration()[(0, 0)]
        for ep in interface:
            direction = usb.util.endpoint_direction(ep.bEndpointAddress)
            bulk = usb.util.endpoint_type(ep.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK
            if bulk and direction == usb.util.ENDPOINT_OUT:
                self.out_ep = ep.bEndpointAddress
            elif bulk and direction == usb.util.ENDPOINT_IN:
                self.in_ep = ep.bEndpointAddress

    def _ms(self, seconds: float) -> int:
        return max(1, int(seconds * 1000))

    def _write(self, data: bytes, name: str | None) -> None:
        assert self._device is not None
        try:
            self._device.write(self.out_ep, data, self._ms(self.timeout + len(data) / MIN_LINK_RATE))
        except Exception as exc:  # noqa: BLE001 - pyusb raises USBError/USBTimeoutError
            raise PrintError("send", retryable=True, target=self.target, reason=_reason(exc)) from exc

    def _query(self, n: int) -> int | None:
        assert self._device is not None
        try:
            self._device.write(self.out_ep, DLE_EOT + bytes((n,)), self._ms(self.timeout))
        except Exception as exc:  # noqa: BLE001
            raise PrintError("send", retryable=True, target=self.target, reason=_reason(exc)) from exc
        try:
            reply = bytes(self._device.read(self.in_ep, 64, self._ms(self.timeout)))
        except Exception:  # noqa: BLE001 - a read timeout means the printer doesn't answer
            return None
        # Some bridges prefix modem-status bytes; the printer's answer is the last byte.
        if reply and is_status_byte(reply[-1]):
            return reply[-1]
        return None

    def _close(self) -> None:
        if self._device is not None and not self._injected:
            import usb.util

            usb.util.dispose_resources(self._device)
            self._device = None


# -- File (a device node such as /dev/usb/lp0) ----------------------------------------------
class FilePrinter(Printer):
    """A printer device file (usblp, parallel port); appends bytes, status UNKNOWN."""

    def __init__(self, path: str, timeout: float = 3.0, url: str = "") -> None:
        super().__init__(url or f"file://{path}", timeout)
        self.path = Path(path)

    @property
    def target(self) -> str:
        return str(self.path)

    def _open(self) -> None:
        writable = os.access(self.path, os.W_OK) if self.path.exists() else (
            self.path.parent.is_dir() and os.access(self.path.parent, os.W_OK))
        if not writable:
            raise PrintError("unreachable", retryable=True, target=self.target,
                             reason=f"{self.path}: not writable or missing")

    def _write(self, data: bytes, name: str | None) -> None:
        with open(self.path, "ab") as device:
            device.write(data)
            device.flush()


# -- Virtual (demo kiosks, development, tests) ----------------------------------------------
class VirtualPrinter(Printer):
    """Prints to a directory: <name>.bin holds the bytes, <name>.png what the paper would show."""

    _sequence = itertools.count(1)
    _sequence_lock = threading.Lock()

    def __init__(self, directory: str | Path | None = None, timeout: float = 3.0, *,
                 url: str = "virtual", paper: str = "80mm",
                 status: PrinterStatus = PrinterStatus.OK) -> None:
        super().__init__(url, timeout)
        # Never a fixed /tmp folder another account could prepare: the private runtime folder.
        self.directory = Path(directory) if directory else runtime_dir() / "virtual-printer"
        self.paper = paper
        self.fixed_status = status
        self.sent: list[Path] = []

    @property
    def target(self) -> str:
        return str(self.directory)

    def _open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrintError("unreachable", retryable=False, target=self.target,
                             reason=_reason(exc)) from exc

    def probe(self) -> StatusReading:
        return StatusReading(self.fixed_status, True)

    def _write(self, data: bytes, name: str | None) -> None:
        from printers.render import render_escpos
        from printers.ticket import paper_spec

        with self._sequence_lock:
            number = next(self._sequence)
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name) if name else (
            f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{number:05d}")
        binary = self.directory / f"{stem}.bin"
        binary.write_bytes(data)
        self.sent.append(binary)
        try:
            render_escpos(data, paper_spec(self.paper).dots).save(self.directory / f"{stem}.png")
        except (ValueError, IndexError):
            pass  # bytes from outside our subset: the .bin copy is still kept


# -- URL parsing ----------------------------------------------------------------------------
def _flag(value: str) -> bool:
    return value.lower() in {"1", "true", "yes", "on"}


def open_printer(url: str, timeout: float = 3.0) -> Printer:
    """Return a (not yet connected) Printer for tcp://, usb://, serial://, file://, virtual or pyserial URLs."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        if url.strip() == "virtual" or scheme == "virtual":
            status = PrinterStatus(query.get("status", "ok"))
            # virtual:///abs/dir and virtual://relative/dir both name a directory.
            directory = unquote(parts.netloc + parts.path) or None
            return VirtualPrinter(directory, timeout, url=url, paper=query.get("paper", "80mm"),
                                  status=status)
        if scheme == "tcp":
            if not parts.hostname:
                raise PrinterUrlError(url)
            return TcpPrinter(parts.hostname, parts.port or 9100, timeout, url=url)
        if scheme == "usb":
            vendor, product = (int(x, 16) for x in parts.netloc.split(":"))
            out_ep = int(query["out_ep"], 0) if "out_ep" in query else None
            in_ep = int(query["in_ep"], 0) if "in_ep" in query else None
            return UsbPrinter(vendor, product, timeout, url=url, out_ep=out_ep, in_ep=in_ep)
        if scheme == "serial":
            device = unquote(parts.path) or parts.netloc
            settings: dict[str, Any] = {}
            if "baudrate" in query:
                settings["baudrate"] = int(query["baudrate"])
            for flag in ("rtscts", "dsrdtr", "xonxoff"):
                if flag in query:
                    settings[flag] = _flag(query[flag])
            return SerialPrinter(device, timeout, url=url, **settings)
        if scheme in PYSERIAL_SCHEMES:
            return SerialPrinter(url, timeout, url=url)
        if scheme == "file":
            return FilePrinter(unquote(parts.path), timeout, url=url)
    except PrinterUrlError:
        raise
    except (ValueError, KeyError) as exc:
        raise PrinterUrlError(url) from exc
    raise PrinterUrlError(url)
