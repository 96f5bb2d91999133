"""The command line (`python -m server.cli …`) run as a separate process, as an operator runs it."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def xephang(*args: str, lang: str | None = None, stdin: str | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `xephang ARGS` from the repository (LANG=`lang` when given) and return its outcome."""
    env = dict(os.environ, LANG=lang) if lang else None
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=timeout)
