"""Reports on a year of history: month and year reports (p50 / p99 over 20 runs), the daily summary
that makes them fast, issuing and call-next against an empty database, and the server's start-up.

History is built as bench/bench_history.py builds it: one service day of ~5,000 tickets goes
through the product's own use cases (kiosks issue, officers call / start / complete / no-show,
tablets rate) under a controlled clock, the next morning's day close settles it; then that day is
copied to the 250 days before today. The product's own day close then writes the 250 daily
summaries (timed), and the reports read them.

Run: `.venv/bin/python bench/bench_reports.py` (`--quick`: 1,000 tickets a day, 30 days).
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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_history import (KIOSK, PASSWORD, copy_days, free_port, officer, pct, timed,  # noqa: E402
                                 simulate_day, start_server)
from server.services import report_files, reports  # noqa: E402
from server.services.auth import Actor  # noqa: E402
from server.services.context import Context, now_local, service_day  # noqa: E402
from server.services.counters import counter_action  # noqa: E402
from server.services.tickets import close_day, issue_ticket  # noqa: E402
from server.setup import initialize  # noqa: E402
from server.store import Database  # noqa: E402
from server.store import db as store_db  # noqa: E402

SUPERVISOR = Actor("user", 2, "bench supervisor", "supervisor", ())


def cpu_timed(fn: Any, n: int) -> tuple[float, float, float]:
    """Wall p50 and p99 of fn() in ms (bench_history's timed), and the CPU ms of a run (median):
    what a loaded machine blurs least."""
    cpu: list[float] = []

    def once() -> None:
        c0 = time.process_time()
        fn()
        cpu.append((time.process_time() - c0) * 1000)

    p50, p99 = timed(once, n)
    return p50, p99, statistics.median(cpu)


def report_times(ctx: Context, label: str, first: str, last: str) -> None:
    """Every grouping as JSON, and the XLSX (all groupings), 20 runs each."""
    for group in ("unit", "service", "counter", "officer", "hour", "weekday"):
        q = reports.parse_query(ctx, SUPERVISOR, {"from": first, "to": last, "group": group})
        p50, p99, cpu = cpu_timed(lambda: reports.report(ctx, SUPERVISOR, q), 20)
        print(f"  {label:<6} {first}..{last} group={group:<8} json  p50 {p50:7.1f}  p99 {p99:7.1f} ms"
              f"  (CPU {cpu:.0f} ms)", flush=True)
    q = reports.parse_query(ctx, SUPERVISOR, {"from": first, "to": last, "group": "unit",
                                              "charts": "1"})
    p50, p99, cpu = cpu_timed(lambda: reports.report(ctx, SUPERVISOR, q), 20)
    print(f"  {label:<6} the /reports page's answer (table + charts)  p50 {p50:7.1f}  p99 {p99:7.1f} ms"
          f"  (CPU {cpu:.0f} ms)")
    q = reports.parse_query(ctx, SUPERVISOR, {"from": first, "to": last, "group": "service",
                                              "format": "xlsx"})
    cpu0 = time.process_time()
    p50, p99 = timed(lambda: report_files.to_xlsx(reports.reports_by_group(ctx, SUPERVISOR, q)), 5)
    cpu = (time.process_time() - cpu0) / 5 * 1000
    print(f"  {label:<6} xlsx (6 sheets, 5 runs)                     p50 {p50:7.1f}  max {p99:7.1f} ms"
          f"  (CPU {cpu:.0f} ms a run; load {os.getloadavg()[0]:.1f})")


def floor_speed(dbs: list[Path], n: int) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Issue (kiosk) and call-next today on each database, n times each, interleaved (one on each
    database in turn, so both see the same load from other work): per database, (median, p99) ms
    of issue and of call-next."""
    ctxs = [Context.open(Database(db)) for db in dbs]
    for ctx in ctxs:
        ctx.clock = now_local
        for c in (18, 19, 20, 21):
            counter_action(ctx, officer(c), c, "open", {})
    issue: list[list[float]] = [[] for _ in dbs]
    call: list[list[float]] = [[] for _ in dbs]
    for i in range(n):
        for k, ctx in enumerate(ctxs):
            t0 = time.perf_counter()
            issue_ticket(ctx, KIOSK, "TP-LLTP")
            issue[k].append((time.perf_counter() - t0) * 1000)
    for i in range(n):
        c = 18 + i % 4
        for k, ctx in enumerate(ctxs):
            t0 = time.perf_counter()
            counter_action(ctx, officer(c), c, "call-next", {})
            call[k].append((time.perf_counter() - t0) * 1000)
    for ctx in ctxs:
        ctx.db.close()
    return [((statistics.median(a), pct(a, 0.99)), (statistics.median(b), pct(b, 0.99)))
            for a, b in zip(issue, call)]


def copy_summaries(db: Path, template: Path, template_day: str) -> None:
    """Give every copied day the template day's summary (the days are copies of it, so their
    summaries are too): shifted like copy_days shifts the tickets, the weekday cells re-keyed."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"ATTACH '{template}' AS tpl")
    days = [r[0] for r in conn.execute("SELECT day FROM day_totals WHERE day != ?", (template_day,))]
    conn.execute("BEGIN")
    for d in days:
        wd = str(date.fromisoformat(d).isoweekday())
        conn.execute(
            "INSERT OR REPLACE INTO report_cells SELECT site_id, ?, dim, CASE dim WHEN 'weekday' "
            "THEN ? ELSE key END, service, unit, zone, priority, channel, visits, issued, priority_n, "
            "served, no_show, transferred, cancelled, not_served, waited, within_target, r1, r2, "
            "r3, r4, reasons, wait_hist, service_hist FROM tpl.report_cells WHERE day = ?",
            (d, wd, template_day))
        conn.execute("INSERT OR REPLACE INTO report_counter_days SELECT site_id, ?, counter, zone, "
                     "slots FROM tpl.report_counter_days WHERE day = ?", (d, template_day))
        conn.execute("INSERT OR REPLACE INTO report_days VALUES (1, ?, ?)",
                     (d, now_local().isoformat()))
    conn.execute("COMMIT")
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,000 tickets a day, 30 days")
    ap.add_argument("--keep", default=None, help="keep the databases in this folder")
    ap.add_argument("--reuse", action="store_true",
                    help="with --keep: reuse the databases a former run kept there")
    args = ap.parse_args()
    per_day, days = (1000, 30) if args.quick else (5000, 250)
    work = Path(args.keep or tempfile.mkdtemp(prefix="xephang-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {per_day} tickets a day, "
          f"{days} days; in {work}", flush=True)
    template, base, db = work / "template.db", work / "empty.db", work / "history.db"
    if args.reuse and db.exists():
        with sqlite3.connect(db) as conn:
            summarized = conn.execute("SELECT COUNT(*) FROM report_days").fetchone()[0]
        if not summarized:  # a former run stopped after copying the tickets
            with sqlite3.connect(template) as conn:
                tpl_day = conn.execute("SELECT MAX(day) FROM day_totals").fetchone()[0]
            summaries(db, template, tpl_day, days)
        measure(db, base, days)
        return
    for f in work.glob("*.db*"):
        f.unlink()
    made = initialize(Database(template), None, demo=True, demo_password=PASSWORD)
    assert made is not None
    conn = sqlite3.connect(template)  # 5,000 a day go past the demo's daily caps (80, 150)
    conn.execute("UPDATE services SET daily_cap = 0, width = 6, first_number = rowid * 10000, "
                 "last_number = rowid * 10000 + 9999")  # and their number ranges
    conn.commit()
    conn.close()
    t0 = time.perf_counter()
    store_db.SYNCHRONOUS = "OFF"  # the rows are the same; only building them goes faster
    ctx = Context.open(Database(template))
    # The latest weekday before today (services are closed at weekends): copy_days puts its
    # copies just before it, so the history ends a few days before today.
    tday = (now_local() - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    while tday.isoweekday() > 5:
        tday -= timedelta(days=1)
    simulate_day(ctx, tday, per_day, random.Random(7))
    ctx.db.close()
    store_db.SYNCHRONOUS = "FULL"
    tpl_day = service_day(tday)
    conn = sqlite3.connect(template)
    n_tickets = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    n_events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"simulated {tpl_day}: {n_tickets} tickets, {n_events} events through the use cases in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)

    shutil.copy(template, base)
    conn = sqlite3.connect(base)
    for table in ("tickets", "legs", "ratings", "events", "sequences", "requests", "day_totals",
                  "report_cells", "report_counter_days", "report_days", "report_month_cells",
                  "report_months"):
        conn.execute(f"DELETE FROM {table}")
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    shutil.copy(base, db)

    t0 = time.perf_counter()
    copy_days(db, template, tpl_day, 1, days)
    print(f"copied to {days} days in {time.perf_counter() - t0:.0f} s", flush=True)
    summaries(db, template, tpl_day, days)
    measure(db, base, days)
    print("command: .venv/bin/python bench/bench_reports.py" + (" --quick" if args.quick else ""))
    if not args.keep:
        shutil.rmtree(work)


def summaries(db: Path, template: Path, tpl_day: str, days: int) -> None:
    """The copied days' summaries, one day written by the product (timed), the roll-ups."""
    copy_summaries(db, template, tpl_day)
    ctx = Context.open(Database(db))
    with ctx.db.read() as conn:
        one = conn.execute("SELECT MAX(day) FROM report_days").fetchone()[0]
    t0 = time.perf_counter()
    reports.summarize_day(ctx, one)  # what the day close adds for one closed day
    took = time.perf_counter() - t0
    t0 = time.perf_counter()
    close_day(ctx)  # the product's day close: nothing left to close; rolls past months up
    rolled = time.perf_counter() - t0
    with ctx.db.read() as conn:
        cells = conn.execute("SELECT COUNT(*) FROM report_cells").fetchone()[0]
        months = conn.execute("SELECT COUNT(*) FROM report_month_cells").fetchone()[0]
        tickets = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    print(f"{tickets:,} tickets; one day's summary written in {took:.2f} s "
          f"({cells // days:,} cells; copied to the {days} days: {cells:,} cells); the day close "
          f"rolled the months up in {rolled:.1f} s ({months:,} cells)", flush=True)
    ctx.db.close()


def measure(db: Path, base: Path, days: int) -> None:
    """Floor speed on both databases, month and year reports, start-up."""
    empty_floor, full_floor = floor_speed([base, db], 300)  # also makes today's live part
    ctx = Context.open(Database(db))
    with ctx.db.read() as conn:
        last = max(r[0] for r in conn.execute("SELECT day FROM report_days"))
    today = date.fromisoformat(service_day(now_local()))
    month = ((today - timedelta(days=30)).isoformat(), today.isoformat())  # with today, live
    year = ((today - timedelta(days=365)).isoformat(), today.isoformat())
    print(f"history up to {last}; month and year end today (today's part computed live)")
    report_times(ctx, "month", *month)
    report_times(ctx, "year", *year)
    ctx.db.close()
    for name, e, f in (("issue", empty_floor[0], full_floor[0]),
                       ("call-next", empty_floor[1], full_floor[1])):
        print(f"{name:<10} empty db p50 {e[0]:6.2f} p99 {e[1]:6.2f} ms   "
              f"{days}-day history p50 {f[0]:6.2f} p99 {f[1]:6.2f} ms   "
              f"(median {100 * (f[0] / e[0] - 1):+.0f}%; interleaved runs)", flush=True)
    starts: dict[Path, list[str]] = {base: [], db: []}
    tick = os.sysconf("SC_CLK_TCK")
    for _ in range(2):
        for path in (base, db):  # interleaved, as above
            proc, seconds = start_server(path, free_port())
            # The server's own CPU time until that answer: what the start-up costs on a quiet
            # machine (the wall time grows with the load of other work on the cores).
            stat = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            starts[path].append(f"{seconds:.2f} (CPU {(int(stat[11]) + int(stat[12])) / tick:.2f})")
            proc.terminate()
            proc.wait(timeout=30)
    print(f"server start-up (to the first answer of GET /api/v1/site), s: empty db "
          f"{', '.join(starts[base])}; {days}-day history {', '.join(starts[db])} "
          f"(db {db.stat().st_size / 1e9:.2f} GB; load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
