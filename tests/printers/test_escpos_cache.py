"""python-escpos' capabilities cache shared by several processes of one machine (issue 9: several
servers on one database folder): imports never read a half-written pickle, and one left
half-written by a killed process is rebuilt."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMPORT = ("import sys; from printers.runtime import escpos, use_runtime_dir; "
          "use_runtime_dir(sys.argv[1]); escpos().Dummy(); print('ok')")


def _import_in(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", IMPORT, str(folder)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_processes_importing_at_once_all_get_escpos(tmp_path: Path) -> None:
    for round_ in range(3):  # each round starts with no pickle: every process may write it
        folder = tmp_path / f"r{round_}"
        procs = [_import_in(folder) for _ in range(4)]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, [err for _, err in results]


def test_a_half_written_pickle_is_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "escpos"
    cache.mkdir(mode=0o700)
    pickle = cache / f"{platform.python_version()}.capabilities.pickle"
    pickle.write_bytes(b"")  # what a process killed while escpos dumped it leaves
    os.utime(pickle, (2**31, 2**31))  # newer than the capabilities file: escpos would load it
    out = _import_in(tmp_path).communicate(timeout=120)
    assert out[0].strip() == "ok", out[1]
    assert pickle.stat().st_size > 0
