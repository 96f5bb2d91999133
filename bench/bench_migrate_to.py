"""How long moving a building to PostgreSQL takes, and its pg_dump backup and restore.

A building's history is built as bench_history.py builds it (service days through the use cases),
then `copy_to_postgres` (what `xephang migrate-to` runs) fills a fresh PostgreSQL database of a
private cluster, `--runs` times (a fresh database each); then a `pg_dump -Fc` backup of the
result and a `pg_restore` of it. Prints rows, seconds and rows/s.

Run: `.venv/bin/python bench/bench_migrate_to.py` (`--tickets 1000 --days 5 --runs 3` by default).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_history import PASSWORD, simulate_day  # noqa: E402
from server.services.context import Context, now_local  # noqa: E402
from server.setup import initialize  # noqa: E402
from server.store import Database, pg_backup  # noqa: E402
from server.store import db as store_db  # noqa: E402
from server.store.transfer import copy_to_postgres  # noqa: E402
from tests.support.pg_cluster import PgCluster  # noqa: E402


def build(work: Path, tickets: int, days: int) -> Path:
    """A building's file: `tickets` a day for `days` days."""
    db = work / "building.db"
    initialize(Database(db), None, demo=True, demo_password=PASSWORD)
    store_db.SYNCHRONOUS = "OFF"
    ctx = Context.open(Database(db))
    first = (now_local() - timedelta(days=days + 1)).replace(hour=0, minute=0, second=0,
                                                              microsecond=0)
    for k in range(days):  # every day through the use cases (bench_history's day copy is not
        simulate_day(ctx, first + timedelta(days=k), tickets, random.Random(k))  # kept current)
    ctx.db.close()
    store_db.SYNCHRONOUS = "FULL"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tickets", type=int, default=1000, help="tickets a day (default 1000)")
    ap.add_argument("--days", type=int, default=5, help="days of history (default 5)")
    ap.add_argument("--runs", type=int, default=3, help="copies into fresh databases (default 3)")
    ap.add_argument("--batch", type=int, default=1000, help="rows per insert batch (default 1000)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xephang-migrate-"))
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {args.tickets} tickets a day, "
          f"{args.days} days; in {work}", flush=True)
    t0 = time.perf_counter()
    db = build(work, args.tickets, args.days)
    conn = sqlite3.connect(db)
    n_tickets = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    conn.close()
    print(f"built {db} ({db.stat().st_size / 1e6:.1f} MB, {n_tickets} tickets) in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    cluster = PgCluster(durable=True)  # fsync on: the time a real server would take
    try:
        times, rows, url = [], 0, ""
        for _ in range(args.runs):
            url = cluster.create_database(migrated=False)
            t0 = time.perf_counter()
            result = copy_to_postgres(db, url, batch=args.batch)
            times.append(time.perf_counter() - t0)
            rows = result.total
        med = statistics.median(times)
        print(f"migrate-to: {rows} rows in {len(result.rows)} tables; median {med:.1f} s, "
              f"max {max(times):.1f} s over {args.runs} runs ({rows / med:,.0f} rows/s)")
        t0 = time.perf_counter()
        dump = pg_backup.backup(url, work / "city.dump")
        print(f"pg_dump -Fc backup: {dump.size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        pg_backup.restore(dump.path, url, datetime.now())
        print(f"pg_restore (after dumping the replaced content): {time.perf_counter() - t0:.1f} s")
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("command: .venv/bin/python bench/bench_migrate_to.py "
          f"--tickets {args.tickets} --days {args.days} --runs {args.runs} --batch {args.batch}")


if __name__ == "__main__":
    main()
