"""What the calendar costs the screens: listing every service (what a snapshot and every
queue.changed compute), one round of the open-state watcher, and issuing a ticket, with an empty
calendar and with two years of holidays, five closed days and five closures.

Run: cd /work/main && .venv/bin/python bench/bench_calendar.py [--runs 200]
Prints p50/p99 in ms per case. Measures only; nothing here is asserted.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.engine.numbering import day_limit  # noqa: E402
from server.services import closures, queries  # noqa: E402
from server.services.auth import CLI  # noqa: E402
from server.services.context import TZ, Context  # noqa: E402
from server.services.tickets import issue_ticket  # noqa: E402
from server.setup import initialize  # noqa: E402
from server.store import Database  # noqa: E402
from tests.race_workers import KIOSK  # noqa: E402


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0–100) of `samples`, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p99 of fn() in ms."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return percentile(times, 50), percentile(times, 99)


def issuing_service(ctx: Context) -> str:
    """The service with the most numbers a day (the bench issues hundreds), outside TP and XD."""
    return max((s for s in ctx.site.services.values() if s.unit not in ("TP", "XD")), key=day_limit).code


def issuing_unit(ctx: Context) -> str:
    """Its unit, which the bench never closes."""
    return ctx.site.services[issuing_service(ctx)].unit


def fill_calendar(ctx: Context, now: datetime) -> None:
    """Two years of holidays, five closed days of some units, five closures (two with a time)."""
    for year in (now.year, now.year + 1):
        closures.import_holidays(ctx, CLI, year)
    for i in range(1, 6):
        day = (now + timedelta(days=i * 3)).strftime("%d/%m/%Y")
        closures.add_calendar_day(ctx, CLI, {"date": day, "kind": "closure", "name": "tập huấn",
                                             "units": ["TP", "XD"]})
    units = [u for u in ctx.site.units if u != issuing_unit(ctx)][:5]
    for i, unit in enumerate(units):
        until = (now + timedelta(hours=2)).isoformat() if i < 2 else None
        closures.close_now(ctx, CLI, {"scope": "unit", "code": unit, "reason": "mất điện", "until": until})


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    print(f"command: {' '.join([Path(sys.executable).name] + sys.argv)}")
    print(f"{'case':44} {'p50 ms':>8} {'p99 ms':>8}")
    for label in ("empty calendar", "2 years of holidays + 5 closed days + 5 closures"):
        with tempfile.TemporaryDirectory() as tmp:  # a fresh database per case: same queues
            db = Database(Path(tmp) / "bench.db")
            initialize(db, None, demo=True, demo_password="bench-pass-2026")
            ctx = Context.open(db)
            now = datetime.now(TZ)
            ctx.clock = lambda: now
            if label != "empty calendar":
                fill_calendar(ctx, now)
            services = len(ctx.site.services)
            rows = [(f"list {services} services ({label})", lambda: queries.list_services(ctx)),
                    (f"watcher round, nothing moved ({label})",
                     lambda: closures.publish_open_changes(ctx, closures.publish_open_changes(ctx, None))),
                    (f"issue a ticket ({label})", lambda: issue_ticket(ctx, KIOSK, issuing_service(ctx)))]
            for name, fn in rows:
                p50, p99 = timed(fn, args.runs)
                print(f"{name[:44]:44} {p50:8.2f} {p99:8.2f}")
            db.close()


if __name__ == "__main__":
    main()
