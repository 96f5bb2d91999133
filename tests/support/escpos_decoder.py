"""Decode the ESC/POS subset xephang emits into what the paper shows: text lines with their
size, raster images, QR payloads, feeds and cuts. Written independently of printers/render.py
so tests check the bytes, not the code that made them."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image


@dataclass
class TextLine:
    """A line of native text and the character size it was printed at."""

    text: str
    width: int = 1  # × Font A width
    height: int = 1
    bold: bool = False
    align: str = "left"


@dataclass
class Raster:
    """A GS v 0 image; `image` is mode "L" with ink = 0 (black) and paper = 255."""

    image: Image.Image

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in dots."""
        return self.image.size

    def ink_box(self) -> tuple[int, int, int, int] | None:
        """Bounding box of the black dots, or None when blank."""
        return Image.eval(self.image, lambda v: 255 - v).getbbox()


@dataclass
class QRCode:
    """A native QR code (GS ( k): payload, module size in dots and error-correction byte."""

    payload: str
    module: int
    error_correction: str


@dataclass
class Cut:
    """A paper cut (GS V)."""

    partial: bool


@dataclass
class Feed:
    """Paper feed in dots (ESC J) or lines (ESC d)."""

    dots: int = 0
    lines: int = 0


@dataclass
class StatusQuery:
    """A real-time status request DLE EOT n."""

    n: int


Element = TextLine | Raster | QRCode | Cut | Feed | StatusQuery


@dataclass
class Decoded:
    """The elements of a byte stream in print order, with shortcuts by kind."""

    elements: list[Element] = field(default_factory=list)

    @property
    def texts(self) -> list[TextLine]:
        return [e for e in self.elements if isinstance(e, TextLine)]

    @property
    def rasters(self) -> list[Raster]:
        return [e for e in self.elements if isinstance(e, Raster)]

    @property
    def qr_codes(self) -> list[QRCode]:
        return [e for e in self.elements if isinstance(e, QRCode)]

    @property
    def cuts(self) -> list[Cut]:
        return [e for e in self.elements if isinstance(e, Cut)]

    def text(self, value: str) -> TextLine | None:
        """The first text line whose text equals `value`."""
        return next((t for t in self.texts if t.text == value), None)


class DecodeError(ValueError):
    """The stream contains a command outside the subset (or is truncated)."""


_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}
_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


def decode(data: bytes) -> Decoded:
    """Decode `data`; raises DecodeError on anything the project does not emit."""
    out = Decoded()
    size_w, size_h, bold, align = 1, 1, False, "left"
    line = bytearray()
    qr_payload, qr_module, qr_ec = b"", 3, 48
    pos = 0

    def take(count: int) -> bytes:
        nonlocal pos
        if pos + count > len(data):
            raise DecodeError(f"truncated command at byte {pos}")
        chunk = data[pos:pos + count]
        pos += count
        return chunk

    while pos < len(data):
        byte = take(1)[0]
        if byte == 0x0A:
            out.elements.append(TextLine(line.decode("ascii"), size_w, size_h, bold, align))
            line.clear()
        elif 0x20 <= byte <= 0x7E:
            line.append(byte)
        elif byte == 0x10:  # DLE EOT n
            if take(1) != b"\x04":
                raise DecodeError(f"unknown DLE command at byte {pos - 2}")
            out.elements.append(StatusQuery(take(1)[0]))
        elif byte == 0x1B:
            command = take(1)
            if command == b"@":
                size_w, size_h, bold, align = 1, 1, False, "left"
            elif command == b"!":
                mode = take(1)[0]
                bold = bool(mode & 0x08)
                size_w = 2 if mode & 0x20 else 1
                size_h = 2 if mode & 0x10 else 1
            elif command == b"E":
                bold = bool(take(1)[0] & 1)
            elif command == b"a":
                align = _ALIGN[take(1)[0]]
            elif command == b"t":
                take(1)
            elif command == b"J":
                out.elements.append(Feed(dots=take(1)[0]))
            elif command == b"d":
                out.elements.append(Feed(lines=take(1)[0]))
            else:
                raise DecodeError(f"unknown ESC {command!r} at byte {pos - 2}")
        elif byte == 0x1D:
            command = take(1)
            if command == b"!":
                n = take(1)[0]
                size_w, size_h = (n >> 4) + 1, (n & 0x0F) + 1
            elif command == b"v":
                if take(1) != b"0":
                    raise DecodeError("only GS v 0 rasters are expected")
                take(1)  # density mode
                header = take(4)
                width_bytes = header[0] | header[1] << 8
                height = header[2] | header[3] << 8
                bits = take(width_bytes * height)
                ink = Image.frombytes("1", (width_bytes * 8, height), bits)
                # In ESC/POS a set bit is a black dot; in Pillow's "1" it is white.
                out.elements.append(Raster(Image.eval(ink.convert("L"), lambda v: 255 - v)))
            elif command == b"(":
                if take(1) != b"k":
                    raise DecodeError("only GS ( k (QR) is expected")
                length_bytes = take(2)
                body = take(length_bytes[0] | length_bytes[1] << 8)
                if body[:1] != b"1":
                    raise DecodeError("only QR (cn = 49) symbols are expected")
                fn = body[1]
                if fn == 67:
                    qr_module = body[2]
                elif fn == 69:
                    qr_ec = body[2]
                elif fn == 80:
                    qr_payload = body[3:]
                elif fn == 81:
                    out.elements.append(QRCode(qr_payload.decode("utf-8"), qr_module,
                                               _EC.get(qr_ec, "?")))
            elif command == b"V":
                mode = take(1)[0]
                if mode in (65, 66):
                    take(1)
                out.elements.append(Cut(partial=mode in (1, 49, 66)))
            else:
                raise DecodeError(f"unknown GS {command!r} at byte {pos - 2}")
        else:
            raise DecodeError(f"unexpected byte 0x{byte:02x} at {pos - 1}")
    if line:
        out.elements.append(TextLine(line.decode("ascii"), size_w, size_h, bold, align))
    return out
