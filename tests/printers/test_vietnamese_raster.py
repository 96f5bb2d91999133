"""Vietnamese on paper: the vendored font has every glyph and the raster carries the ink."""

from __future__ import annotations

import unicodedata

import pytest
from PIL import ImageChops, ImageFont

from printers.fonts import font_path, load_font
from printers.raster import TextStyle, raster_command, render_text
from tests.support.escpos_decoder import decode

SAMPLE = "Sở Tư pháp – Lý lịch tư pháp, Nông nghiệp và Môi trường, ở ủ ả"
LETTERS = ("aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợ"
           "úùủũụứừửữựýỳỷỹỵ")


def glyph(font: ImageFont.FreeTypeFont, char: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


@pytest.mark.parametrize("bold", [False, True])
def test_font_has_a_real_glyph_for_every_vietnamese_letter(bold: bool) -> None:
    font = load_font(24, bold)
    notdef = glyph(font, "\ue000")  # a private-use code point: Noto draws its .notdef box
    chars = set(SAMPLE + LETTERS + LETTERS.upper()) - {" "}
    missing = [c for c in sorted(chars) if glyph(font, c) == notdef]
    assert missing == []
    assert glyph(font, "中") == notdef  # the check does catch a letter the font lacks
    assert font_path(bold).parent.name == "fonts"  # the vendored copy under config/fonts


def test_sample_line_renders_with_ink_and_decodes_back() -> None:
    lines = render_text(SAMPLE, 576, TextStyle(22, min_size=18))
    assert lines, "nothing rendered"
    for line in lines:
        assert ImageChops.invert(line.convert("L")).getbbox() is not None
    rasters = decode(b"".join(raster_command(line) for line in lines)).rasters
    assert len(rasters) == len(lines)
    for raster, line in zip(rasters, lines):
        assert raster.ink_box() is not None
        assert raster.size[1] == line.height


def test_decomposed_input_prints_like_precomposed() -> None:
    style = TextStyle(22)
    nfd = unicodedata.normalize("NFD", SAMPLE)
    assert nfd != SAMPLE
    composed = [im.tobytes() for im in render_text(SAMPLE, 576, style)]
    decomposed = [im.tobytes() for im in render_text(nfd, 576, style)]
    assert composed == decomposed


def test_long_line_wraps_within_paper_instead_of_clipping() -> None:
    lines = render_text(SAMPLE, 384, TextStyle(26, bold=True, min_size=22))
    assert len(lines) >= 2
    for line in lines:
        box = ImageChops.invert(line.convert("L")).getbbox()
        assert box is not None and box[0] > 0 and box[2] < 384
