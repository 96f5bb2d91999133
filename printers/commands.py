"""ESC/POS byte building on top of python-escpos' Dummy printer (imported via printers.runtime)."""

from __future__ import annotations

from PIL import Image

from printers import runtime
from printers.raster import Align, raster_command

ESC = b"\x1b"
FONT_A_WIDTH = 12  # dots per character, Font A
FONT_A_HEIGHT = 24
QR_ECLEVEL_M = 1  # escpos.constants.QR_ECLEVEL_M (error correction level M)


class TicketCommands:
    """Accumulates the ESC/POS commands of one ticket."""

    def __init__(self) -> None:
        # Imported on first use, so entry points choose the private cache folder first.
        self._out = runtime.escpos().Dummy()
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

    def raw(self, data: bytes) -> None:
        """Append ready-made ESC/POS bytes (a cached raster)."""
        self._out._raw(data)

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
