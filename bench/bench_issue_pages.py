"""Pages an issue writes: WAL frames per issue (and per call-next), and the distinct pages a
checkpoint must copy back, on an empty database and on one with a year of history, by b-tree.

A load-independent measure of what makes a commit dearer on a big database (timings on a loaded
machine are not): every page an issue dirties is one more 4 KiB frame appended and fsynced at
COMMIT, and every *distinct* page is one more random write when the checkpoint copies the log
back into the database file. Indexes on random keys (a ticket's public token, request ids) touch
a random leaf per insert, which on a year of history is almost never a leaf already in the log.

Run on the databases bench/bench_reports.py keeps:
`.venv/bin/python bench/bench_issue_pages.py /tmp/x/empty.db /tmp/x/history.db` (each database is
copied first; the originals are not changed). `--n 200`: issues per database.
"""
from __future__ import annotations

import argparse
import shutil
import sqlite3
import struct
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_history import KIOSK, officer  # noqa: E402
from server.services.context import Context, now_local, service_day  # noqa: E402
from server.services.counters import counter_action  # noqa: E402
from server.services.tickets import issue_ticket  # noqa: E402
from server.store import Database  # noqa: E402
from server.store import db as store_db  # noqa: E402


def wal_frames(wal: Path) -> tuple[list[int], int]:
    """The page number of every frame in a WAL file, and how many frames end a commit."""
    data = wal.read_bytes()
    if len(data) < 32:
        return [], 0
    page_size = struct.unpack(">I", data[8:12])[0]
    salt = data[16:24]
    pages, commits, off = [], 0, 32
    while off + 24 + page_size <= len(data):
        pgno, commit_size = struct.unpack(">II", data[off:off + 8])
        if data[off + 8:off + 16] != salt:  # frames of an older generation of the log
            break
        pages.append(pgno)
        commits += commit_size != 0
        off += 24 + page_size
    return pages, commits


def forget_today(db: Path) -> None:
    """Take today's tickets out of a copy (an earlier run's), so every run starts the day afresh."""
    today = service_day(now_local())
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    ids = "SELECT id FROM tickets WHERE day = ?"
    conn.execute(f"DELETE FROM ratings WHERE ticket_id IN ({ids})", (today,))
    conn.execute(f"DELETE FROM legs WHERE ticket_id IN ({ids})", (today,))
    conn.execute("DELETE FROM events WHERE day = ?", (today,))
    conn.execute("DELETE FROM tickets WHERE day = ?", (today,))
    conn.execute("DELETE FROM sequences WHERE day = ?", (today,))
    conn.execute("DELETE FROM requests")
    conn.execute("UPDATE counter_state SET state = 'closed', officer = NULL")
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def page_owners(db: Path) -> dict[int, str]:
    """Which table or index each page of the database belongs to (dbstat)."""
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT pageno, name FROM dbstat"))
    finally:
        conn.close()


def measure(src: Path, n: int, action: str) -> None:
    """Issue (with a request id, as kiosks do) or call-next n times on a copy of src; print the
    frames per commit and the distinct pages by b-tree."""
    work = Path(tempfile.mkdtemp(prefix="xephang-pages-"))
    db = work / "x.db"
    shutil.copy(src, db)
    forget_today(db)
    ctx = Context.open(Database(db))
    ctx.clock = now_local
    for c in (18, 19, 20, 21):
        counter_action(ctx, officer(c), c, "open", {})
    if action == "call-next":  # people to call
        for _ in range(n):
            issue_ticket(ctx, KIOSK, "TP-LLTP", request_id=str(uuid.uuid4()))
    ctx.db.checkpoint()
    wal = Path(str(db) + "-wal")
    assert wal.stat().st_size == 0
    for i in range(n):
        if action == "issue":
            issue_ticket(ctx, KIOSK, "TP-LLTP", request_id=str(uuid.uuid4()))
        else:
            c = 18 + i % 4
            counter_action(ctx, officer(c), c, "call-next", {})
    pages, commits = wal_frames(wal)
    ctx.db.close()
    conn = sqlite3.connect(db)
    t0 = time.perf_counter()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # what auto-checkpoints do, here in one go
    checkpoint_ms = (time.perf_counter() - t0) * 1000
    conn.close()
    distinct = set(pages)
    names = page_owners(db)
    by_tree = Counter(names.get(p, "(new page)") for p in distinct)
    frames_by_tree = Counter(names.get(p, "(new page)") for p in pages)
    print(f"{src.name:<12} {action:<9} n={n}: {len(pages) / n:5.1f} frames per {action} "
          f"({commits} commits), {len(distinct) / n:5.2f} distinct pages per {action} "
          f"(what a checkpoint writes back; this run's: {checkpoint_ms:.0f} ms)")
    for name, k in frames_by_tree.most_common(40):
        print(f"    {name:<34} frames/op {k / n:5.2f}   distinct/op {by_tree[name] / n:5.2f}")
    shutil.rmtree(work)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dbs", nargs="+", type=Path)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--random-tokens", action="store_true",
                    help="issue with the former all-random tokens (to compare)")
    args = ap.parse_args()
    if args.random_tokens:
        import secrets

        import server.services.tickets as tickets
        tickets.new_ticket_token = lambda now: secrets.token_urlsafe(18)  # type: ignore[assignment]
    orig = store_db.connect

    def no_autocheckpoint(path: str | Path) -> sqlite3.Connection:
        conn = orig(path)
        conn.execute("PRAGMA wal_autocheckpoint=0")  # every frame of the run stays countable
        return conn
    store_db.connect = no_autocheckpoint  # type: ignore[assignment]
    for action in ("issue", "call-next"):
        for db in args.dbs:
            measure(db, args.n, action)
    print("command: .venv/bin/python bench/bench_issue_pages.py " + " ".join(map(str, args.dbs))
          + f" --n {args.n}" + (" --random-tokens" if args.random_tokens else ""))


if __name__ == "__main__":
    main()
