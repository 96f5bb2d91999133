"""Render the ESC/POS subset our tickets use back to a paper-like image (previews, virtual printer)."""

from __future__ import annotations

from dataclasses import dataclass, field

import qrcode
from PIL import Image, ImageDraw

from printers.fonts import load_font

LINE_SPACING = 30  # dots, the printers' default 1/6" line
_QR_EC = {48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M,
          50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H}


@dataclass
class _State:
    align: int = 0
    bold: bool = False
    width: int = 1
    height: int = 1
    y: int = 0
    line: str = ""
    qr_data: bytes = b""
    qr_module: int = 3
    qr_ec: int = 48
    pastes: list[tuple[int, int, Image.Image]] = field(default_factory=list)
    cuts: list[int] = field(default_factory=list)


def _place(state: _State, image: Image.Image, paper: int) -> None:
    if state.align == 1:
        x = (paper - image.width) // 2
    elif state.align == 2:
        x = paper - image.width
    else:
        x = 0
    state.pastes.append((max(0, x), state.y, image))
    state.y += image.height


def _text_image(line: str, state: _State) -> Image.Image:
    # Font A cell is 12 × 24 dots; a Noto glyph is drawn in each cell as an approximation.
    cell_w, cell_h = 12 * state.width, 24 * state.height
    font = load_font(max(8, int(20 * state.height)), state.bold)
    image = Image.new("L", (cell_w * len(line), cell_h), 255)
    draw = ImageDraw.Draw(image)
    for i, char in enumerate(line):
        draw.text((i * cell_w + cell_w // 2, cell_h - 3 * state.height), char,
                  font=font, fill=0, anchor="ms")
    return image.point(lambda v: 0 if v < 128 else 255)


def _qr_image(state: _State) -> Image.Image:
    code = qrcode.QRCode(error_correction=_QR_EC.get(state.qr_ec, _QR_EC[48]),
                         box_size=max(1, state.qr_module), border=0)
    code.add_data(state.qr_data)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


def _gs_k(state: _State, body: bytes, paper: int) -> None:
    fn, params = body[1], body[2:]
    if fn == 67:
        state.qr_module = params[0]
    elif fn == 69:
        state.qr_ec = params[0]
    elif fn == 80:
        state.qr_data = params[1:]
    elif fn == 81:
        _place(state, _qr_image(state), paper)


def render_escpos(data: bytes, paper: int = 576) -> Image.Image:
    """Return a grayscale image of what `data` prints on a roll `paper` dots wide."""
    s = _State()
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b == 0x0A:
            if s.line:
                _place(s, _text_image(s.line, s), paper)
                s.y += LINE_SPACING - 24 if s.height == 1 else 6
            else:
                s.y += LINE_SPACING
            s.line = ""
            i += 1
        elif 0x20 <= b < 0x7F:
            s.line += chr(b)
            i += 1
        elif b == 0x1B:
            cmd = data[i + 1]
            if cmd == 0x40:  # ESC @
                s.align, s.bold, s.width, s.height = 0, False, 1, 1
                i += 2
            elif cmd == 0x21:  # ESC !
                mode = data[i + 2]
                s.bold = bool(mode & 0x08)
                s.width = 2 if mode & 0x20 else 1
                s.height = 2 if mode & 0x10 else 1
                i += 3
            elif cmd == 0x45:  # ESC E
                s.bold = bool(data[i + 2] & 1)
                i += 3
            elif cmd == 0x61:  # ESC a
                s.align = data[i + 2] % 48 if data[i + 2] >= 48 else data[i + 2]
                i += 3
            elif cmd == 0x4A:  # ESC J
                s.y += data[i + 2]
                i += 3
            elif cmd == 0x64:  # ESC d
                s.y += data[i + 2] * LINE_SPACING
                i += 3
            elif cmd in (0x74, 0x4D, 0x2D, 0x32):  # ESC t / M / - / 2: no visual effect here
                i += 2 if cmd == 0x32 else 3
            else:
                raise ValueError(f"unsupported ESC 0x{cmd:02x} at byte {i}")
        elif b == 0x1D:
            cmd = data[i + 1]
            if cmd == 0x21:  # GS !
                size = data[i + 2]
                s.width, s.height = (size >> 4 & 7) + 1, (size & 7) + 1
                i += 3
            elif cmd == 0x76 and data[i + 2] == 0x30:  # GS v 0
                xb = data[i + 4] | data[i + 5] << 8
                h = data[i + 6] | data[i + 7] << 8
                raw = data[i + 8:i + 8 + xb * h]
                ink = Image.frombytes("1", (xb * 8, h), raw)
                image = ink.convert("L").point(lambda v: 0 if v else 255)
                s.pastes.append((0, s.y, image))
                s.y += h
                i += 8 + xb * h
            elif cmd == 0x28 and data[i + 2] == 0x6B:  # GS ( k
                length = data[i + 3] | data[i + 4] << 8
                _gs_k(s, data[i + 5:i + 5 + length], paper)
                i += 5 + length
            elif cmd == 0x56:  # GS V
                mode = data[i + 2]
                i += 4 if mode in (65, 66, 97, 98) else 3
                s.cuts.append(s.y)
                s.y += 2
            else:
                raise ValueError(f"unsupported GS 0x{cmd:02x} at byte {i}")
        else:
            raise ValueError(f"unsupported byte 0x{b:02x} at {i}")
    canvas = Image.new("L", (paper, max(1, s.y)), 255)
    for x, y, image in s.pastes:
        canvas.paste(image, (x, y))
    draw = ImageDraw.Draw(canvas)
    for y in s.cuts:
        # A dashed line where the cutter cuts.
        for x in range(0, paper, 16):
            draw.line([(x, y), (x + 7, y)], fill=128)
    return canvas
