"""Printer status values and the decoding of ESC/POS real-time status bytes (DLE EOT n)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from printers.messages import DEFAULT_LANG, text

DLE_EOT = b"\x10\x04"
ONLINE_QUERY = 1  # DLE EOT 1: printer status
PAPER_QUERY = 4  # DLE EOT 4: roll paper sensor


class PrinterStatus(str, Enum):
    """What the kiosk and the staff need to know about a printer."""

    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StatusReading:
    """One status read: the status, whether the printer was reachable at all, and why not."""

    status: PrinterStatus
    reachable: bool
    reason: str = ""
    target: str = ""

    def detail(self, lang: str = DEFAULT_LANG) -> str:
        """Return the human sentence for this reading, with the technical reason if any."""
        if not self.reachable:
            return text("error.unreachable", lang, target=self.target or "?", reason=self.reason)
        sentence = text(f"status.{self.status.value}", lang)
        return f"{sentence}: {self.reason}" if self.reason else sentence


def is_status_byte(value: int) -> bool:
    """True when `value` has the fixed bits every DLE EOT reply carries (0xx1 0x10)."""
    # Bits 1 and 4 are always set and bits 0 and 7 always clear; anything else is not an
    # answer to our query (an echo on a loopback line, stray data, an ASB packet).
    return value & 0x93 == 0x12


def decode_status(online: int | None, paper: int | None) -> PrinterStatus:
    """Combine the DLE EOT 1 and DLE EOT 4 replies (None = no valid reply) into one status."""
    if online is None and paper is None:
        return PrinterStatus.UNKNOWN
    # Paper end also takes an Epson printer offline, so the paper sensor is read first.
    if paper is not None and paper & 0x60:
        return PrinterStatus.OUT
    if online is not None and online & 0x08:
        return PrinterStatus.OFFLINE
    if paper is not None and paper & 0x0C:
        return PrinterStatus.NEAR_END
    return PrinterStatus.OK
