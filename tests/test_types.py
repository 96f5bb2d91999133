"""Type hints are checked: mypy passes on the engine, printers and the rest of the code."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_passes() -> None:
    out = subprocess.run([sys.executable, "-m", "mypy", "server", "printers", "kiosk", "counter_display"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
