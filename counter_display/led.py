"""Serial LED counter displays: frame encoders/decoders and a port that survives unplugging.

Two protocols, both 9600 8N1 by default:

- ``ascii``: ``STX <2-digit address> <data> ETX`` (0x02 … 0x03), the framing of many numeric and
  alphanumeric displays on an RS-232/485 bus. ``data`` is the ticket number in upper-case ASCII,
  right-aligned in ``width`` characters (default 4) with spaces; the blank frame is ``width``
  spaces. Vietnamese letters fold to ASCII (Đ → D); other characters become ``-``. A number longer
  than ``width`` is sent whole, never cut: a cut number would be another citizen's ticket.
- ``modbus``: Modbus RTU function 06 (write single register): unit id, register 0 = the number as a
  signed 16-bit integer, CRC16/Modbus low byte first. 23 to unit 1 → ``01 06 00 00 00 17 c9 c4``.
  A numeric register cannot show letters, so a letter prefix is dropped (``A1023`` → 1023; the board
  and the voice still say "A"). A number above 32767 cannot be stored: its last four digits are
  sent (``40123`` → 123, shown ``0123`` on a 4-digit display), the same digits a 4-digit panel would
  keep. The blank frame writes ``blank_value`` (default 0): such displays have no standard "off".

``LedDisplay`` opens the port with ``serial.serial_for_url``: ``serial:///dev/ttyUSB0?baudrate=9600``
is mapped to the device and its settings; any pyserial URL works as is (``loop://`` in tests,
``socket://host:port`` for a serial-to-Ethernet box, ``/dev/ttyUSB0``). A write error closes the port;
the next write reopens it after a backoff (1 s doubling to 30 s), so an unplugged display never
crashes the agent and comes back by itself.
"""
from __future__ import annotations

import logging
import time
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

import serial

log = logging.getLogger(__name__)

STX = 0x02
ETX = 0x03
PROTOCOLS = ("ascii", "modbus")
MODBUS_WRITE_SINGLE_REGISTER = 0x06
INT16_MAX = 32767


class FrameError(ValueError):
    """A byte string that is not a valid frame."""


# ---------------------------------------------------------------- ASCII framing

def ascii_text(number: str | None, width: int = 4) -> str:
    """The characters an ASCII display shows for a number (spaces when blank)."""
    if not number:
        return " " * width
    chars = []
    for ch in str(number).strip().upper():
        ch = "D" if ch == "Đ" else unicodedata.normalize("NFKD", ch)[:1]
        chars.append(ch if ch.isascii() and (ch.isalnum() or ch in " -.") else "-")
    return "".join(chars).rjust(width)


def encode_ascii(address: int, number: str | None, width: int = 4) -> bytes:
    """STX, two address digits, the number right-aligned in width characters, ETX."""
    if not 0 <= address <= 99:
        raise ValueError(f"ASCII display address must be 0-99, got {address}")
    return bytes([STX]) + f"{address:02d}{ascii_text(number, width)}".encode("ascii") + bytes([ETX])


def decode_ascii(frame: bytes) -> tuple[int, str]:
    """(address, data) from one ASCII frame."""
    if len(frame) < 4 or frame[0] != STX or frame[-1] != ETX:
        raise FrameError(f"not an STX…ETX frame: {frame!r}")
    body = frame[1:-1].decode("ascii")
    if not body[:2].isdigit():
        raise FrameError(f"bad address in {frame!r}")
    return int(body[:2]), body[2:]


def split_ascii_frames(data: bytes) -> tuple[list[bytes], bytes]:
    """Complete STX…ETX frames found in a byte stream, and the unfinished rest."""
    frames: list[bytes] = []
    while True:
        start = data.find(bytes([STX]))
        if start < 0:
            return frames, b""
        end = data.find(bytes([ETX]), start)
        if end < 0:
            return frames, data[start:]
        frames.append(data[start:end + 1])
        data = data[end + 1:]


# ---------------------------------------------------------------- Modbus RTU

def crc16_modbus(data: bytes) -> int:
    """CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def modbus_value(number: str | None, blank_value: int = 0) -> int:
    """The int16 register value for a ticket number (see the module docstring for what won't fit)."""
    if not number:
        return blank_value
    digits = "".join(ch for ch in str(number) if ch.isdigit())
    if not digits:
        return blank_value
    value = int(digits)
    if value > INT16_MAX:
        value = int(digits[-4:])
    return value


def encode_modbus_write(unit: int, register: int, value: int) -> bytes:
    """Function 06 frame: unit, 0x06, register, value (int16), CRC low byte first."""
    if not 1 <= unit <= 247:
        raise ValueError(f"Modbus unit id must be 1-247, got {unit}")
    if not -32768 <= value <= 0xFFFF:
        raise ValueError(f"register value out of range: {value}")
    body = bytes([unit, MODBUS_WRITE_SINGLE_REGISTER]) + register.to_bytes(2, "big") \
        + (value & 0xFFFF).to_bytes(2, "big")
    return body + crc16_modbus(body).to_bytes(2, "little")


def encode_modbus(unit: int, number: str | None, blank_value: int = 0) -> bytes:
    """Write a ticket number (or the blank value) to register 0 of a Modbus display."""
    return encode_modbus_write(unit, 0, modbus_value(number, blank_value))


def decode_modbus(frame: bytes) -> tuple[int, int, int]:
    """(unit, register, signed value) from one function-06 frame, checking its CRC."""
    if len(frame) != 8:
        raise FrameError(f"a function-06 frame has 8 bytes, got {len(frame)}")
    if crc16_modbus(frame[:6]) != int.from_bytes(frame[6:], "little"):
        raise FrameError(f"bad CRC in {frame.hex(' ')}")
    if frame[1] != MODBUS_WRITE_SINGLE_REGISTER:
        raise FrameError(f"not function 06: {frame.hex(' ')}")
    value = int.from_bytes(frame[4:6], "big", signed=True)
    return frame[0], int.from_bytes(frame[2:4], "big"), value


# ---------------------------------------------------------------- one display

def encode_frame(protocol: str, address: int, number: str | None, width: int = 4,
                 blank_value: int = 0) -> bytes:
    """The frame that makes a display show number (None: blank)."""
    if protocol == "ascii":
        return encode_ascii(address, number, width)
    if protocol == "modbus":
        return encode_modbus(address, number, blank_value)
    raise ValueError(f"unknown protocol {protocol!r}; use one of {PROTOCOLS}")


_SERIAL_SETTINGS: dict[str, Callable[[str], Any]] = {
    "baudrate": int, "bytesize": int, "parity": str, "stopbits": float,
}


def open_port(url: str, timeout: float = 1.0) -> serial.SerialBase:
    """Open a pyserial port; serial:///dev/ttyUSB0?baudrate=9600 maps to the device and settings."""
    settings: dict[str, Any] = {"baudrate": 9600, "timeout": timeout, "write_timeout": timeout}
    parts = urlsplit(url)
    if parts.scheme == "serial":
        device = parts.netloc + parts.path       # serial://COM3 has the device in netloc
        for key, raw in parse_qsl(parts.query):
            if key in _SERIAL_SETTINGS:
                settings[key] = _SERIAL_SETTINGS[key](raw)
        if settings.get("stopbits") == 1.0:
            settings["stopbits"] = 1
        return serial.serial_for_url(device, **settings)
    return serial.serial_for_url(url, **settings)


@dataclass
class Backoff:
    """Delays between reopen attempts: first, doubling, up to a ceiling."""

    first: float = 1.0
    ceiling: float = 30.0
    current: float = 0.0

    def next_delay(self) -> float:
        """Grow and return the delay before the next attempt."""
        self.current = self.first if self.current == 0 else min(self.current * 2, self.ceiling)
        return self.current

    def reset(self) -> None:
        """Forget past failures."""
        self.current = 0.0


class LedDisplay:
    """One serial LED display; show() never raises on port trouble, it reopens later."""

    def __init__(self, url: str, protocol: str = "ascii", address: int = 1, width: int = 4,
                 blank_value: int = 0, clock: Callable[[], float] = time.monotonic,
                 opener: Callable[[str], serial.SerialBase] = open_port) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}; use one of {PROTOCOLS}")
        encode_frame(protocol, address, None, width, blank_value)   # fail early on a bad address
        self.url = url
        self.protocol = protocol
        self.address = address
        self.width = width
        self.blank_value = blank_value
        self.port: serial.SerialBase | None = None
        self.last_error: str = ""
        self._clock = clock
        self._opener = opener
        self._backoff = Backoff()
        self._retry_at = 0.0

    def frame(self, number: str | None) -> bytes:
        """The bytes that show number on this display (None: blank)."""
        return encode_frame(self.protocol, self.address, number, self.width, self.blank_value)

    def show(self, number: str | None) -> bool:
        """Write number (None: blank); False when the port is down (retried on a later call)."""
        return self.write(self.frame(number))

    def write(self, frame: bytes) -> bool:
        """Write a raw frame, opening or reopening the port as needed."""
        if self.port is None:
            if self._clock() < self._retry_at:
                return False
            try:
                self.port = self._opener(self.url)
            except (serial.SerialException, OSError, ValueError) as exc:
                self._failed(f"open {self.url}: {exc}")
                return False
        try:
            self.port.write(frame)
            self.port.flush()
        except (serial.SerialException, OSError, ValueError) as exc:
            self._failed(f"write {self.url}: {exc}")
            return False
        self._backoff.reset()
        self.last_error = ""
        return True

    def _failed(self, reason: str) -> None:
        """Close the port and schedule the next open after a backoff."""
        delay = self._backoff.next_delay()
        if reason != self.last_error:
            log.warning("LED display %s; retrying in %.0f s", reason, delay)
        self.last_error = reason
        self.close()
        self._retry_at = self._clock() + delay

    @property
    def retry_in(self) -> float:
        """Seconds until the port may be reopened (0 when open or due)."""
        return 0.0 if self.port is not None else max(0.0, self._retry_at - self._clock())

    def close(self) -> None:
        """Close the port, ignoring errors from a port that is already gone."""
        port, self.port = self.port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass
