"""Password checks run in a process of their own at a lower priority than the server (issue 11).

A login flood's scrypt hashes then take the CPU only when the server does not need it (bench_stall
(c)). Checked in a server-like process (gevent patched, as `xephang run`): the check runs in
another process whose nice value is NICE above the server's, the server keeps its own, a real
scrypt hash checks there, and a killed checking process is replaced at the next login.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from server.services.hashing import NICE

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
from gevent import monkey; monkey.patch_all()
import json, os
from werkzeug.security import check_password_hash, generate_password_hash
from server.services import hashing
stored = generate_password_hash("correct horse battery")
got = {"server": [os.getpid(), os.getpriority(os.PRIO_PROCESS, 0)],
       "checker": [hashing.check_low(os.getpid), hashing.check_low(os.getpriority, os.PRIO_PROCESS, 0)],
       "right": hashing.check_low(check_password_hash, stored, "correct horse battery"),
       "wrong": hashing.check_low(check_password_hash, stored, "guess")}
hashing._idle[0].process.kill(); hashing._idle[0].process.join()
got["after_kill"] = [hashing.check_low(check_password_hash, stored, "correct horse battery"),
                     hashing.check_low(check_password_hash, stored, "correct horse battery")]
got["server_after"] = [os.getpid(), os.getpriority(os.PRIO_PROCESS, 0)]
print(json.dumps(got))
"""


def test_password_checks_run_in_a_lower_priority_process_and_survive_its_death() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=120)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["checker"][0] != got["server"][0], "checked in a process of its own"
    assert got["checker"][1] == got["server"][1] + NICE
    assert got["right"] is True and got["wrong"] is False
    assert got["after_kill"] == [True, True]  # a dead checker costs no login
    assert got["server_after"] == got["server"]
