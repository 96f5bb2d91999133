"""What the audit trail costs: call-next with and without its audit entry (in-process, the two
interleaved so machine load hits both alike), bytes per entry, and reading a long trail.

Run: `.venv/bin/python bench/bench_audit.py` (`--rows N`: size of the synthetic trail read back,
default 1,000,000 ≈ 70 service days of 5,000 tickets with three staff actions each).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.services import audit, audit_trail  # noqa: E402
from server.services.auth import Actor  # noqa: E402
from server.services.context import TZ, Context, stamp  # noqa: E402
from server.services.counters import counter_action  # noqa: E402
from server.services.tickets import issue_ticket  # noqa: E402
from server.setup import initialize  # noqa: E402
from server.store import Database  # noqa: E402

KIOSK = Actor("device", 9001, "bench-kiosk", "kiosk")
OFFICER = Actor("user", 9018, "Cán bộ quầy 18", "officer", (18,))
ADMIN = Actor("user", 1, "Quản trị", "admin")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def calls(ctx: Context, n: int) -> list[float]:
    """n call-next at counter 18, each with a ticket waiting; latency of each (ms)."""
    for _ in range(n):
        issue_ticket(ctx, KIOSK, "TP-LLTP")
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        counter_action(ctx, OFFICER, 18, "call-next", {})
        out.append((time.perf_counter() - t0) * 1000)
    return out


def hot_path(ctx: Context, rounds: int, block: int) -> None:
    """Blocks of call-next in turn: with the audit entry, with it but no index by target (m100),
    and without any entry."""
    real = audit.record
    modes = ["with audit", "with audit, no target index", "without audit"]
    timings: dict[str, list[float]] = {m: [] for m in modes}
    for i in range(rounds * len(modes)):
        mode = modes[i % len(modes)]
        audit.record = real if mode != "without audit" else (lambda *a, **k: None)  # type: ignore[assignment]
        if mode == "with audit, no target index":
            with ctx.db.write() as conn:
                conn.execute("DROP INDEX audit_target")
        timings[mode] += calls(ctx, block)
        if mode == "with audit, no target index":
            with ctx.db.write() as conn:
                conn.execute("CREATE INDEX audit_target ON audit (site_id, target, at)")
    audit.record = real  # type: ignore[assignment]
    base = statistics.median(timings["without audit"])
    print(f"call-next in-process, {rounds * block} calls each, interleaved blocks of {block}:")
    for mode in modes:
        lat = timings[mode]
        print(f"  {mode}: median {statistics.median(lat):.2f} ms, p99 {pct(lat, 0.99):.2f} ms "
              f"(median {(statistics.median(lat) / base - 1) * 100:+.1f}%)")


def size_per_entry(db: Database) -> None:
    with db.read() as conn:
        n = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        try:
            size = conn.execute("SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                                "('audit','audit_at','audit_actor','audit_kind')").fetchone()[0]
        except Exception:  # SQLite built without dbstat
            print("bytes per entry: dbstat not available")
            return
    print(f"storage: {n} entries use {size / 1e6:.2f} MB with their indexes = {size / max(n, 1):.0f} "
          "bytes per entry")


def fill(db: Database, rows: int) -> datetime:
    """A synthetic trail: officers' counter actions over many days, a few logins and edits."""
    rng = random.Random(7)
    start = datetime(2026, 1, 5, 7, 30, tzinfo=TZ)
    per_day = 15_000
    kinds = ["counter.call_next", "counter.start", "counter.complete"]
    batch = []
    with db.write() as conn:
        for i in range(rows):
            day, k = divmod(i, per_day)
            at = start + timedelta(days=day, seconds=k * 2)
            counter = rng.randint(1, 67)
            if k % 500 == 0:
                kind, target, before, after = "auth.login", f"user:{counter + 2}", None, \
                    '{"username": "x"}'
            elif k % 5000 == 1:
                kind, target, before, after = "service.update", "service:TP-LLTP", \
                    '{"daily_cap": 700}', '{"daily_cap": 800}'
            else:
                kind, target = kinds[k % 3], f"counter:{counter}"
                before, after = '{"ticket:1001": {"status": "called"}}', \
                    '{"ticket:1001": {"status": "serving"}}'
            batch.append((1, stamp(at), f"user:{counter + 2}", f"Cán bộ quầy {counter}", "10.0.0.9",
                          kind, target, before, after))
            if len(batch) == 10_000:
                conn.executemany("INSERT INTO audit (site_id, at, actor, actor_name, address, kind, "
                                 "target, before, after) VALUES (?,?,?,?,?,?,?,?,?)", batch)
                batch.clear()
        if batch:
            conn.executemany("INSERT INTO audit (site_id, at, actor, actor_name, address, kind, "
                             "target, before, after) VALUES (?,?,?,?,?,?,?,?,?)", batch)
    return start + timedelta(days=rows // per_day)


def reads(ctx: Context, last: datetime, runs: int) -> None:
    day = last.date()
    month_ago = (last - timedelta(days=30)).date()
    with ctx.db.read() as conn:
        middle = conn.execute("SELECT id FROM audit ORDER BY id LIMIT 1 OFFSET "
                              "(SELECT COUNT(*) / 2 FROM audit)").fetchone()[0]
    scoped = Actor("user", 2, "Trưởng phòng", "supervisor", (), units=("NV",))
    cases: list[tuple[str, Actor, dict[str, Any]]] = [
        ("newest page (100)", ADMIN, {}),
        ("one officer", ADMIN, {"actor": "user:20"}),
        ("one kind", ADMIN, {"kind": "counter.start"}),
        ("a rare group (service)", ADMIN, {"kind": "service"}),
        ("a month", ADMIN, {"from": month_ago.isoformat(), "to": day.isoformat()}),
        ("a page deep in the past (before_id)", ADMIN, {"before_id": str(middle)}),
        ("a supervisor scoped to one unit", scoped, {}),
    ]
    for name, who, args in cases:
        f = audit_trail.parse_filters(args)
        lat = []
        for _ in range(runs):
            t0 = time.perf_counter()
            audit_trail.audit_page(ctx, who, f)
            lat.append((time.perf_counter() - t0) * 1000)
        print(f"  {name}: median {statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms")
    f = audit_trail.parse_filters({"from": (day - timedelta(days=1)).isoformat(),
                                   "to": (day - timedelta(days=1)).isoformat()})
    t0 = time.perf_counter()
    size = sum(len(chunk.encode()) for chunk in audit_trail.audit_csv(ctx, ADMIN, f))
    print(f"  CSV of one full day (15,000 entries): {(time.perf_counter() - t0):.2f} s, "
          f"{size / 1e6:.1f} MB")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--block", type=int, default=50)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        db = Database(Path(d) / "x.db")
        initialize(db, None, demo=False)
        ctx = Context.open(db)
        # The bench issues more than a day's cap and number range of the service: lift both.
        svc = ctx.site.services["TP-LLTP"]
        ctx.site.services["TP-LLTP"] = replace(svc, daily_cap=0,
                                               number=replace(svc.number, last=None, width=6))
        hot_path(ctx, args.rounds, args.block)
        if not args.rows:
            return
        t0 = time.perf_counter()
        last = fill(db, args.rows)
        size_per_entry(db)
        print(f"reading a trail of {args.rows:,} entries (filled in {time.perf_counter() - t0:.0f} s), "
              f"{args.runs} runs each:")
        reads(ctx, last, args.runs)
        db.close()
    print(f"command: .venv/bin/python bench/bench_audit.py --rows {args.rows} "
          f"(rounds {args.rounds} × block {args.block})")


if __name__ == "__main__":
    main()
