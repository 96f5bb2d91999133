"""What the event log's position per site costs (issue 9, `queue.last_seq`, read by every change
and every snapshot): a log of N events of a busy site 1 and a few of a new ward (site 2); the
ward's `last_seq` timed R times with the m360 index `events_site (site_id, id)` and without it.
Prints median/p99 per call and the command. SQLite (the default engine).

    .venv/bin/python bench/bench_site_last_seq.py [--events 200000] [--calls 2000]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.store import Database  # noqa: E402
from server.store import queue as q  # noqa: E402
from server.store.scope import SiteDatabase  # noqa: E402


def timed(db: SiteDatabase, calls: int) -> list[float]:
    """Seconds per last_seq call of the database's site."""
    out = []
    with db.read() as conn:
        for _ in range(calls):
            t = time.perf_counter()
            q.last_seq(conn)
            out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args()
    path = Path(tempfile.mkdtemp()) / "log.db"
    db = Database(path)
    db.migrate()
    with db.write() as conn:  # site 2's few events first: the busy site's come after them
        rows = [(2 if i < 20 else 1, "2026-12-02T08:00:00.000000+07:00", "2026-12-02",
                 "ticket.issued", "device:1", "{}") for i in range(args.events)]
        conn.executemany("INSERT INTO events (site_id, at, day, type, actor, data) "
                         "VALUES (?,?,?,?,?,?)", rows)
    ward = SiteDatabase(db, 2)
    print(f"command: .venv/bin/python bench/bench_site_last_seq.py --events {args.events} "
          f"--calls {args.calls}")
    for label in ("with events_site", "without it"):
        times = sorted(timed(ward, args.calls))
        p99 = times[int(len(times) * 0.99) - 1]
        print(f"{label:18s} ward last_seq median {statistics.median(times) * 1e6:8.1f} µs  "
              f"p99 {p99 * 1e6:8.1f} µs  ({args.events} events)")
        with db.write() as conn:
            conn.execute("DROP INDEX IF EXISTS events_site")
    db.close()


if __name__ == "__main__":
    main()
