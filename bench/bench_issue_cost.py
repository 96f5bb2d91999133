"""What one issue costs the server, load-independent-ish: SQL statements and CPU ms per ticket.

In-process (Flask test client, no sockets, no client processes), the way bench_issue_call.py issues:
a kiosk spreads tickets over every service without a daily cap. Counts every statement the
server's connections execute (sqlite3 trace callback) and the process CPU time per issue; both
barely move with the machine's load, unlike the HTTP bench's tickets/s.

Run: `.venv/bin/python bench/bench_issue_cost.py [--tickets 2000] [--open-counters]`
`--db postgresql` does the same on a throwaway PostgreSQL cluster (durable settings): statements
are counted at the store's PostgreSQL layer (BEGIN and COMMIT count one each, as in SQLite's
trace), CPU ms is this process's only (the PostgreSQL server's own CPU is not in it).
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.store import db as store_db  # noqa: E402

STATEMENTS: list[str] = []


def counting_connect(path: str | Path) -> sqlite3.Connection:
    """store.db.connect, with every executed statement appended to STATEMENTS."""
    conn = ORIGINAL_CONNECT(path)
    conn.set_trace_callback(STATEMENTS.append)
    return conn


ORIGINAL_CONNECT = store_db.connect
store_db.connect = counting_connect  # before the app opens any connection


def main() -> None:
    """Print statements and CPU ms per issue, per block of tickets as the queue grows."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--block", type=int, default=500)
    parser.add_argument("--calls", action="store_true",
                        help="also count Python function calls per issue (exact, load-independent)")
    parser.add_argument("--open-counters", action="store_true",
                        help="open every counter first (the call order then follows open counters)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    cluster = None
    if args.db == "postgresql":
        from tests.support.pg_cluster import PgCluster
        cluster = PgCluster(durable=True)
        count_postgresql_statements()
    try:
        measure(args, cluster.create_database(migrated=False) if cluster else None)
    finally:
        if cluster is not None:
            cluster.stop()


def count_postgresql_statements() -> None:
    """Append every statement of the PostgreSQL layer to STATEMENTS (BEGIN … and COMMIT too)."""
    from server.store import pg
    execute, begin, commit = pg.PgConnection.execute, pg.PgConnection.begin, pg.PgConnection.commit

    def counted_execute(self: Any, sql: str, params: Any = ()) -> Any:
        STATEMENTS.append(sql)
        return execute(self, sql, params)

    def counted_begin(self: Any, lock_ms: int | None = None) -> None:
        STATEMENTS.append("BEGIN (+ site lock)" if lock_ms is not None else "BEGIN (read)")
        begin(self, lock_ms)

    def counted_commit(self: Any) -> None:
        STATEMENTS.append("COMMIT")
        commit(self)
    pg.PgConnection.execute = counted_execute  # type: ignore[method-assign]
    pg.PgConnection.begin = counted_begin  # type: ignore[method-assign]
    pg.PgConnection.commit = counted_commit  # type: ignore[method-assign]


def measure(args: argparse.Namespace, url: str | None) -> None:
    """Issue args.tickets in blocks; print the cost per issue of each block."""
    from server.app import create_app
    from server.services.admin import devices
    from server.services.auth import CLI
    from server.setup import initialize
    from server.site import DEMO_SITE, read_site_file
    from server.store import Database

    with tempfile.TemporaryDirectory() as d:
        db_path = url or f"{d}/x.db"
        initialize(Database(db_path), None, demo=True, demo_password="bench-password")
        app = create_app({"DB": db_path, "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                          "PRINTING": False, "TESTING": True})
        ctx = app.extensions["xephang"]
        token = devices.save_device(ctx, CLI, "bench-kiosk", {"kind": "kiosk"}, "")["token"]
        client = app.test_client()
        if args.open_counters:
            for number in ctx.site.counters:
                login = client.post("/api/v1/auth/login", json={
                    "username": f"canbo{number}", "password": "bench-password"}).get_json()
                if login and "token" in login:
                    client.post(f"/api/v1/counters/{number}/open", json={},
                                headers={"Authorization": f"Bearer {login['token']}"})
        capped = {s["code"] for s in read_site_file(DEMO_SITE)["services"] if s.get("daily_cap")}
        services = [c for c in ctx.site.services if c not in capped]
        headers = {"Authorization": f"Bearer {token}"}
        print(f"command: {Path(sys.executable).name} {' '.join(sys.argv)}  "
              f"({len(services)} services, load average {os.getloadavg()[0]:.1f})")
        print(f"{'waiting':>9} {'stmts/issue':>12} {'cpu ms/issue':>13} {'wall ms/issue':>14}"
              + (f" {'py calls/issue':>15}" if args.calls else ""))
        calls = [0]

        def count(frame: object, event: str, arg: object) -> None:
            if event in ("call", "c_call"):
                calls[0] += 1
        issued = 0
        while issued < args.tickets:
            STATEMENTS.clear()
            calls[0] = 0
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(issued, issued + args.block):
                body = {"service": services[i % len(services)]}
                if args.calls and i % 10 == 0:  # a sample: counting slows everything down
                    sys.setprofile(count)
                r = client.post("/api/v1/tickets", json=body, headers=headers)
                sys.setprofile(None)
                assert r.status_code == 201, r.get_json()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            issued += args.block
            print(f"{issued - args.block:>4}-{issued:<4} {len(STATEMENTS) / args.block:>12.1f} "
                  f"{cpu * 1000 / args.block:>13.2f} {wall * 1000 / args.block:>14.2f}"
                  + (f" {calls[0] * 10 / args.block:>15.0f}" if args.calls else ""))
        kinds: dict[str, int] = {}
        for s in STATEMENTS:
            key = " ".join(s.split()[:6])
            kinds[key] = kinds.get(key, 0) + 1
        print("statements of the last block, most frequent first (per issue):")
        for key, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:25]:
            print(f"  {n / args.block:6.2f}  {key}")


if __name__ == "__main__":
    main()
