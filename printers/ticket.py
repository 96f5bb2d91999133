"""The paper ticket: layout of a TicketPrint into ESC/POS bytes and a preview image."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from PIL import Image

from printers.commands import FONT_A_WIDTH, TicketCommands
from printers.messages import DEFAULT_LANG, text
from printers.raster import TextStyle, line_count, raster_command, render_text
from printers.render import render_escpos


@dataclass(frozen=True)
class TicketPrint:
    """Everything printed on one ticket, already localised by the server."""

    center_name: str
    number: str
    unit_name: str
    service_name: str
    counters: tuple[int, ...]
    zone_name: str
    floor: int
    issued_at: datetime  # tz-aware, +07:00
    ahead: int
    estimated_wait_min: tuple[int, int]
    status_url: str
    priority_name: str | None
    instruction: str
    wait_text: str = ""  # the server's wording of the range, the same the kiosk and phone show


@dataclass(frozen=True)
class Paper:
    """A roll width: printable dots, the largest ticket-number scale and the QR module size."""

    name: str
    dots: int
    number_scale: int
    qr_module: int


PAPERS: dict[str, Paper] = {
    "80mm": Paper("80mm", 576, 6, 6),
    "58mm": Paper("58mm", 384, 5, 5),
}

# Sizes in dots at 203 dpi (8 dots per mm). Where to go (counters, zone) is set largest
# after the number; everything shrinks a little before it wraps.
CENTER = TextStyle(20, bold=True, min_size=16)
SERVICE = TextStyle(26, bold=True, min_size=22)
COUNTERS = TextStyle(32, bold=True, min_size=26)
ZONE = TextStyle(26, bold=True, min_size=22)
PRIORITY = TextStyle(24, bold=True, min_size=20)
WAIT = TextStyle(22, min_size=18)
INSTRUCTION = TextStyle(20, min_size=16)
NUMBER_FALLBACK = TextStyle(96, bold=True, min_size=48)  # only if a number isn't ASCII
GAP = 10  # dots between blocks


def paper_spec(paper: str) -> Paper:
    """Return the Paper for "80mm" or "58mm" (ValueError otherwise)."""
    try:
        return PAPERS[paper]
    except KeyError:
        raise ValueError(f"unknown paper {paper!r}; expected one of {sorted(PAPERS)}") from None


def format_counters(counters: tuple[int, ...], compact: bool = False) -> str:
    """Return "17, 18, 19", or with `compact` runs of three or more as "17–19"."""
    numbers = sorted(set(counters))
    if not compact:
        return ", ".join(str(n) for n in numbers)
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{run[0]}–{run[-1]}")
        else:
            parts.extend(str(n) for n in run)
    return ", ".join(parts)


def wait_parts(t: TicketPrint, lang: str) -> tuple[str, str]:
    """Return ("Trước bạn: 5 người", "chờ khoảng 10–25 phút") or their shorter forms."""
    ahead = text("ticket.ahead_none", lang) if t.ahead <= 0 else text("ticket.ahead", lang, ahead=t.ahead)
    low, high = t.estimated_wait_min
    if t.wait_text and high > 0:
        wait = text("ticket.wait", lang, wait=t.wait_text)
    elif high <= 0:
        wait = text("ticket.wait_soon", lang)
    elif low == high:
        wait = text("ticket.wait_one", lang, low=low)
    else:
        wait = text("ticket.wait_range", lang, low=low, high=high)
    return ahead, wait


def _counters_line(t: TicketPrint, paper: Paper, lang: str) -> str:
    line = text("ticket.counters", lang, counters=format_counters(t.counters))
    # A long list reads better (and prints smaller) as ranges: "Quầy 40–47".
    if len(t.counters) > 4 or line_count(line, paper.dots, COUNTERS) > 1:
        line = text("ticket.counters", lang, counters=format_counters(t.counters, compact=True))
    return line


@lru_cache(maxsize=1024)
def raster_lines(content: str, dots: int, style: TextStyle) -> tuple[bytes, ...]:
    """The GS v 0 rasters of a text block, one per printed line, drawn once per process.

    Drawing is most of a ticket's cost (~8 of 10 ms) and nearly every line (the centre, the service,
    counters, zone, instruction) is the same on every ticket of a service: bench/bench_ticket.py.
    """
    return tuple(raster_command(image) for image in render_text(content, dots, style))


def ticket_bytes(t: TicketPrint, paper: str = "80mm", lang: str = DEFAULT_LANG) -> bytes:
    """Lay out the ticket as ESC/POS: native number, date and QR; Vietnamese lines as raster."""
    spec = paper_spec(paper)
    out = TicketCommands()

    def lines(content: str, style: TextStyle) -> None:
        for raster in raster_lines(content, spec.dots, style):
            out.raw(raster)
            out.feed(4)

    def joined(parts: tuple[str, ...], separator: str, style: TextStyle) -> None:
        # One line when it fits; otherwise break at the separator rather than mid-phrase.
        combined = separator.join(p for p in parts if p)
        if line_count(combined, spec.dots, style) == 1:
            lines(combined, style)
        else:
            for part in parts:
                lines(part, style)

    lines(t.center_name, CENTER)
    out.feed(GAP)
    # ASCII digits print on every printer; scale as large as the roll allows.
    scale = max(1, min(spec.number_scale, spec.dots // (FONT_A_WIDTH * max(1, len(t.number)))))
    if t.number.isascii():
        out.text(t.number, size=scale, bold=True)
    else:
        lines(t.number, NUMBER_FALLBACK)
    out.feed(GAP)
    joined((t.unit_name, t.service_name), " – ", SERVICE)
    if t.counters:
        lines(_counters_line(t, spec, lang), COUNTERS)
    lines(text("ticket.zone_floor", lang, zone=t.zone_name, floor=t.floor), ZONE)
    if t.priority_name:
        lines(text("ticket.priority", lang, name=t.priority_name), PRIORITY)
    out.feed(GAP)
    joined(wait_parts(t, lang), " · ", WAIT)
    out.text(t.issued_at.strftime("%d/%m/%Y %H:%M"))
    out.feed(GAP)
    if t.status_url:
        out.qr(t.status_url, spec.qr_module)
        out.feed(GAP)
    lines(t.instruction, INSTRUCTION)
    out.cut()
    return out.output()


def ticket_preview(t: TicketPrint, paper: str = "80mm", lang: str = DEFAULT_LANG) -> Image.Image:
    """Return what the paper looks like, rendered from the very bytes ticket_bytes sends."""
    return render_escpos(ticket_bytes(t, paper, lang), paper_spec(paper).dots)
