"""The vendored Noto Sans fonts used for every Vietnamese line on paper."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

# The repository ships the fonts in config/fonts so a kiosk PC needs nothing installed;
# XEPHANG_FONT_DIR lets an installed (non-editable) package point at them, and Debian's
# fonts-noto-core is the last resort.
_CANDIDATE_DIRS = (
    os.environ.get("XEPHANG_FONT_DIR", ""),
    str(Path(__file__).resolve().parent.parent / "config" / "fonts"),
    "/usr/share/fonts/truetype/noto",
)

REGULAR = "NotoSans-Regular.ttf"
BOLD = "NotoSans-Bold.ttf"


def font_path(bold: bool = False) -> Path:
    """Return the path of the vendored Noto Sans (Bold) font file."""
    name = BOLD if bold else REGULAR
    for directory in _CANDIDATE_DIRS:
        if directory and (Path(directory) / name).is_file():
            return Path(directory) / name
    raise FileNotFoundError(f"{name} not found in {[d for d in _CANDIDATE_DIRS if d]}")


@lru_cache(maxsize=64)
def load_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Return a cached Noto Sans font object at `size` pixels."""
    return ImageFont.truetype(str(font_path(bold)), size)
