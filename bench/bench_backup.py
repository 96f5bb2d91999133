"""Which online backup finishes on a large database under steady writes, and how long it takes.

Another process issues tickets through the use cases all along (every 20 ms). Compared:
- `steps`: the backup API in steps of 1,024 pages with a pause between steps and no transaction
  held on the source, as the sqlite3 shell's `.backup` does: any commit by another connection
  between two steps restarts the copy from page 1;
- `pinned steps`: the same steps inside one read transaction on the source (server/store/backup.py,
  what `xephang backup` and the daily backup use): the snapshot is fixed, commits go to the WAL;
- `one step`: the backup API with all pages in one step (finishes, but cannot yield meanwhile);
- `VACUUM INTO`: a compacted copy, rebuilt row by row and index by index, in one statement.

Run: `.venv/bin/python bench/bench_history.py --keep /tmp/h` then
`.venv/bin/python bench/bench_backup.py --db /tmp/h/history.db` (any xephang database will do).
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.store import backup as store_backup  # noqa: E402
from server.store import connect  # noqa: E402

WRITER = """
import sys, time
from server.services.auth import Actor
from server.services.context import Context
from server.services.tickets import issue_ticket
from server.store import Database
ctx = Context.open(Database(sys.argv[1]))
kiosk = Actor("device", 1, "kiosk", "kiosk", (), None)
print("ready", flush=True)
while True:
    issue_ticket(ctx, kiosk, "TP-LLTP")
    time.sleep(0.02)
"""


def plain_steps(db: str, dest: Path, limit: float) -> tuple[bool, float, int]:
    """The backup API in steps without a pinned snapshot; (finished, seconds, restarts)."""
    src = connect(db)
    dst = sqlite3.connect(dest)
    restarts, last = 0, None
    started = time.monotonic()

    def progress(status: int, remaining: int, total: int) -> None:
        nonlocal restarts, last
        if last is not None and remaining > last:
            restarts += 1
        last = remaining
        if time.monotonic() - started > limit:
            raise TimeoutError
        time.sleep(0.005)
    try:
        src.backup(dst, pages=1024, progress=progress)
        return True, time.monotonic() - started, restarts
    except TimeoutError:
        return False, time.monotonic() - started, restarts
    finally:
        dst.close()
        src.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--limit", type=float, default=120.0, help="give up on a method after (s)")
    args = ap.parse_args()
    size = os.path.getsize(args.db)
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {args.db}: {size / 1e9:.2f} GB")
    out = Path(tempfile.mkdtemp(prefix="xephang-backup-", dir=Path(args.db).parent))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, args.db], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    try:
        done, secs, restarts = plain_steps(args.db, out / "steps.db", args.limit)
        print(f"steps (like .backup)  {'finished' if done else 'NOT finished'} after {secs:6.1f} s, "
              f"restarted {restarts} times", flush=True)
        r = store_backup.backup(args.db, out / "pinned.db", pause=lambda: time.sleep(0.005))
        print(f"pinned steps          finished in {r.seconds:6.1f} s ({r.steps} steps, verified, "
              f"{r.size / 1e9:.2f} GB)", flush=True)
        t0 = time.monotonic()
        src, dst = connect(args.db), sqlite3.connect(out / "one.db")
        src.backup(dst, pages=-1)
        src.close()
        dst.close()
        print(f"one step              finished in {time.monotonic() - t0:6.1f} s (no pause possible)",
              flush=True)
        t0 = time.monotonic()
        conn = connect(args.db)
        conn.execute("VACUUM INTO ?", (str(out / "vacuum.db"),))
        conn.close()
        print(f"VACUUM INTO           finished in {time.monotonic() - t0:6.1f} s (one statement, "
              f"{os.path.getsize(out / 'vacuum.db') / 1e9:.2f} GB)", flush=True)
    finally:
        writer.terminate()
        writer.wait()
        for f in out.iterdir():
            f.unlink()
        out.rmdir()


if __name__ == "__main__":
    main()
