"""ESC/POS byte building on top of python-escpos' Dummy printer (the only escpos import)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# python-escpos writes a capabilities pickle to a fresh temp dir on every import unless
# this is set; one fixed dir keeps /tmp clean on kiosks that run for months.
_PICKLE_DIR = Path(tempfile.gettempdir()) / "xephang-escpos"
_PICKLE_DIR.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(_PICKLE_DIR))

from escpos.constants import QR_ECLEVEL_M  # noqa: E402
from escpos.printer import Dummy  # noqa: E402
from PIL import Image  # noqa: E402

from printers.raster import Align, raster_command  # noqa: E402

ESC = b"\x1b"
FONT_A_WIDTH = 12  # dots per character, Font A
FONT_A_HEIGHT = 24


class TicketCommands:
    """Accumulates the ESC/POS commands of one ticket."""

    def __init__(self) -> None:
        self._out = Dummy()
        self._out.hw("INIT")

    def text(self, line: str, *, size: int = 1, bold: bool = False, align: Align = "center") -> None:
        """Print one ASCII line natively at `size` × Font A (1–8)."""
        if not line.isascii():
            raise ValueError(f"native text must be ASCII, got {line!r}")
        self._out.set(align=align, bold=bold, custom_size=size > 1,
                      width=size, height=size, normal_textsize=size == 1)
        self._out.textln(line)
        self._out.set(align="left", bold=False, normal_textsize=True)

    def image(self, image: Image.Image) -> None:
        """Print a full-width mode "1" image as a GS v 0 raster."""
        self._out._raw(raster_command(image))

    def qr(self, content: str, module: int) -> None:
        """Print a native (GS ( k) QR code, centred, with `module` dots per module."""
        self._out.set(align="center")
        self._out.qr(content, ec=QR_ECLEVEL_M, size=module, native=True)
        self._out.set(align="left")

    def feed(self, dots: int) -> None:
        """Advance the paper by `dots` (ESC J), cheaper than blank raster rows."""
        while dots > 0:
            step = min(dots, 255)
            self._out._raw(ESC + b"J" + bytes((step,)))
            dots -= step

    def cut(self) -> None:
        """Feed past the cutter and cut."""
        self._out.cut()

    def output(self) -> bytes:
        """Return the bytes built so far."""
        return bytes(self._out.output)
