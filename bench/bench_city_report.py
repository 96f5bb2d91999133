"""What the city report costs (issue 9): N sites loaded from the same site file, each with D past
days of tickets (K a day, served at counter 18) closed and summarized, then GET /reports/city's
work (services/city.city_report) over the D days and over one past day, R runs each. Prints
median/p99 per report and per site, and the SQL statements a report runs per site (cProfile's
count of execute calls): the same for one day and for D days, so past days are read from their
summaries (month roll-ups), never day by day from the tickets.

    .venv/bin/python bench/bench_city_report.py [--sites 1,5,20] [--days 20] [--per-day 8] [--runs 10]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.services import city, reports  # noqa: E402
from server.services.auth import Actor  # noqa: E402
from server.services.context import TZ, Context, every_site, now_local, stamp  # noqa: E402
from server.services.counters import counter_action  # noqa: E402
from server.services.tickets import close_day, issue_ticket  # noqa: E402
from server.setup import initialize  # noqa: E402
from server.store import Database  # noqa: E402
from server.store import sites as site_rows  # noqa: E402
from server.store.scope import SiteDatabase  # noqa: E402

CITY_ADMIN = Actor("user", 1, "bench city admin", "admin", (), site_id=None)
OFFICER = Actor("user", 2, "bench officer", "officer", (18,))
KIOSK = Actor("device", 1, "bench kiosk", "kiosk")


def build(n_sites: int, days: int, per_day: int) -> tuple[Context, str, str]:
    """A deployment of n_sites with `days` closed, summarized days; (site 1's context, first and
    last day)."""
    path = Path(tempfile.mkdtemp()) / "city.db"
    db = Database(path)
    assert initialize(db, None, demo=False) is not None
    for i in range(2, n_sites + 1):
        with db.write() as conn:
            sid = site_rows.add_site(conn, f"phuong-{i}", f"Phường {i}", f"Ward {i}",
                                     "Asia/Ho_Chi_Minh", stamp(now_local()))
        assert initialize(cast(Database, SiteDatabase(db, sid)), None, demo=False) is not None
    base = Context.open(db)
    today = now_local().date()
    worked = [today - timedelta(days=i) for i in range(1, 3 * days) if
              (today - timedelta(days=i)).isoweekday() <= 5][:days][::-1]  # working days
    moment = [datetime(today.year, today.month, today.day, 9, 0, tzinfo=TZ)]
    base.clock = lambda: moment[0]
    sites = every_site(base)
    for day in worked:
        for site in sites:
            moment[0] = datetime(day.year, day.month, day.day, 9, 0, tzinfo=TZ)
            for _ in range(per_day):
                issue_ticket(site, KIOSK, "TP-LLTP")
            counter_action(site, OFFICER, 18, "open", {})
            for k in range(per_day - 1):
                moment[0] += timedelta(minutes=3 + k % 5)
                counter_action(site, OFFICER, 18, "call-next", {})
                moment[0] += timedelta(minutes=4)
                counter_action(site, OFFICER, 18, "complete", {})
            counter_action(site, OFFICER, 18, "close", {})
        moment[0] = datetime(day.year, day.month, day.day, 23, 0, tzinfo=TZ) + timedelta(hours=2)
        for site in sites:
            close_day(site)
            reports.summarize_closed_days(site)
    base.clock = now_local
    return base, worked[0].isoformat(), worked[-1].isoformat()


def executes(fn: Any) -> int:
    """How many SQL statements fn() runs (execute/executemany calls on any connection)."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    return sum(v[1] for k, v in stats.items() if k[2] in ("<method 'execute' of 'sqlite3.Connection' objects>",
                                                         "<method 'execute' of 'sqlite3.Cursor' objects>",
                                                         "<method 'executemany' of 'sqlite3.Connection' objects>"))


def timed(fn: Any, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return statistics.median(times) * 1000, times[min(len(times) - 1, int(len(times) * 0.99))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", default="1,5,20")
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--per-day", type=int, default=8)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    print(f"command: .venv/bin/python bench/bench_city_report.py --sites {args.sites} "
          f"--days {args.days} --per-day {args.per_day} --runs {args.runs}")
    for n in (int(x) for x in args.sites.split(",")):
        t0 = time.perf_counter()
        base, first, last = build(n, args.days, args.per_day)
        built = time.perf_counter() - t0
        for label, a, b in (("1 day", last, last), (f"{args.days} days", first, last)):
            q = city.parse_city_query(base, CITY_ADMIN, {"from": a, "to": b})
            answer = city.city_report(base, CITY_ADMIN, q)
            assert answer["totals"]["issued"] == n * args.per_day * (1 if a == b else args.days)
            statements = executes(lambda: city.city_report(base, CITY_ADMIN, q))
            p50, p99 = timed(lambda: city.city_report(base, CITY_ADMIN, q), args.runs)
            print(f"{n:4d} sites, {label:>8}: median {p50:7.1f} ms, p99 {p99:7.1f} ms; per site "
                  f"{p50 / n:6.2f} ms, {statements / n:5.1f} SQL statements "
                  f"(data built in {built:.0f} s)", flush=True)
        base.db.close()


if __name__ == "__main__":
    main()
