"""How long the site migrations (m290: site_id first in the keys, SQLite rebuilds `tickets`;
m291/m292: per-site totals and report marks) take on a history of N tickets (default 1.25 M, a
year of the city centre) at the first start after the upgrade. Prints the seconds and the command.

    .venv/bin/python bench/bench_site_keys.py [--tickets N] [--db PATH]
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlite_utils import Database  # noqa: E402

from server.store import site_keys  # noqa: E402
from server.store.schema import migrations  # noqa: E402


def main() -> None:
    """Build a database just before m290 with N tickets, then time m290."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=1_250_000)
    ap.add_argument("--db", default=str(Path(tempfile.mkdtemp()) / "m290.db"))
    args = ap.parse_args()
    conn = sqlite3.connect(args.db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    db = Database(conn)
    migrations.apply(db, stop_before="m290_site_keys")
    t0 = time.perf_counter()
    with db.atomic():
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ?) "
            "INSERT INTO tickets (day, origin_service, seq, number, service, status, token, "
            "issued_at, queued_at, issued_by) SELECT date('2026-01-01', '+' || (i / 5000) || ' days'), "
            "'S' || (i % 40), i, 'N' || i, 'S' || (i % 40), 'done', 'tok' || i, "
            "'2026-01-01T08:00:00.000000+07:00', '2026-01-01T08:00:00.000000+07:00', 'bench' "
            "FROM n", (args.tickets,))
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    site_keys.sqlite_m290(db)
    took = time.perf_counter() - t0
    t0 = time.perf_counter()
    migrations.apply(db)  # m291, m292 and whatever comes after
    rest = time.perf_counter() - t0
    print(f"m290 on {args.tickets} tickets: {took:.1f} s, the migrations after it: {rest:.1f} s "
          f"(building the tickets took {built:.1f} s)")
    print(f"command: .venv/bin/python bench/bench_site_keys.py --tickets {args.tickets}")


if __name__ == "__main__":
    main()
