"""Vietnamese text to tight 1-bit raster lines, and the GS v 0 packing of those lines."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from PIL import Image, ImageChops, ImageDraw

from printers.fonts import load_font

Align = Literal["left", "center", "right"]

# Anti-aliased glyph pixels at or above this coverage become ink. Thresholding (not
# dithering) keeps strokes solid; a value below 128 slightly fattens thin strokes, which
# thermal heads tend to thin out.
INK_THRESHOLD = 110


@dataclass(frozen=True)
class TextStyle:
    """How one Vietnamese line is set: size in dots, weight, alignment, and how far it may shrink."""

    size: int
    bold: bool = False
    align: Align = "center"
    min_size: int | None = None


def normalize(text: str) -> str:
    """Return `text` in NFC so every Vietnamese letter is one precomposed glyph."""
    # Decomposed input (NFD from some keyboards or databases) would otherwise rely on
    # combining-mark positioning, which thermal tickets can't afford to get wrong.
    return unicodedata.normalize("NFC", " ".join(text.split()))


def text_width(text: str, size: int, bold: bool) -> float:
    """Return the advance width of `text` in dots."""
    return load_font(size, bold).getlength(text)


def wrap(text: str, max_width: int, size: int, bold: bool) -> list[str]:
    """Greedy word wrap of `text` into lines no wider than `max_width` dots."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        # A single word wider than the paper is split by characters.
        while text_width(word, size, bold) > max_width and len(word) > 1:
            cut = len(word)
            while cut > 1 and text_width(word[:cut], size, bold) > max_width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def fit(text: str, max_width: int, style: TextStyle) -> tuple[int, list[str]]:
    """Choose a size (shrinking down to `style.min_size`) and wrap `text` to fit `max_width`."""
    smallest = style.min_size or style.size
    for size in range(style.size, smallest - 1, -1):
        if text_width(text, size, style.bold) <= max_width:
            return size, [text]
    return style.size, wrap(text, max_width, style.size, style.bold)


@lru_cache(maxsize=1024)  # asked for the same lines on every ticket
def line_count(text: str, paper_width: int, style: TextStyle, margin: int = 8) -> int:
    """How many printed lines `text` takes at `style` (without rendering it)."""
    clean = normalize(text)
    return len(fit(clean, paper_width - 2 * margin, style)[1]) if clean else 0


def render_line(text: str, paper_width: int, size: int, bold: bool, align: Align,
                margin: int) -> Image.Image:
    """Render one line across the full paper width, cropped to its ink rows (mode "1", 0 = ink)."""
    font = load_font(size, bold)
    left, top, right, bottom = (int(v) for v in font.getbbox(text, anchor="ls"))
    height = max(1, bottom - top)
    usable = paper_width - 2 * margin
    if align == "left":
        x = margin - left
    elif align == "right":
        x = paper_width - margin - right
    else:
        x = margin + (usable - (right - left)) // 2 - left
    coverage = Image.new("L", (paper_width, height), 0)
    ImageDraw.Draw(coverage).text((x, -top), text, font=font, fill=255, anchor="ls")
    ink = coverage.point(lambda v: 255 if v >= INK_THRESHOLD else 0).convert("1")
    return ImageChops.invert(ink)


def render_text(text: str, paper_width: int, style: TextStyle, margin: int = 8) -> list[Image.Image]:
    """Render `text` (wrapped or shrunk to fit) as one tight raster image per printed line."""
    clean = normalize(text)
    if not clean:
        return []
    size, lines = fit(clean, paper_width - 2 * margin, style)
    return [render_line(line, paper_width, size, style.bold, style.align, margin) for line in lines]


def raster_command(image: Image.Image) -> bytes:
    """Pack a mode "1" image (0 = ink) as GS v 0, trimming blank columns on the right."""
    ink = ImageChops.invert(image.convert("1"))
    box = ink.getbbox()
    # Blank columns at the right cost bytes on every row; the left offset is kept, so a
    # centred line still prints centred without relying on the printer's ESC a for images.
    right = box[2] if box else 8
    width = (right + 7) // 8 * 8
    if width > ink.width:
        padded = Image.new("1", (width, ink.height), 0)
        padded.paste(ink, (0, 0))
        ink = padded
    ink = ink.crop((0, 0, width, ink.height))
    width_bytes = width // 8
    header = b"\x1dv0\x00" + bytes((width_bytes & 0xFF, width_bytes >> 8,
                                    ink.height & 0xFF, ink.height >> 8))
    return header + ink.tobytes()
