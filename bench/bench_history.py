"""Cost of history: today's stats, day close, start-up, lookup by number and a GET while a ticket
is issued every second, on an empty database and on 1 and 3 years of a busy building.

History is built the way the server writes it: one service day of ~3,400 tickets goes through the
product's own use cases (kiosks issue with a request_id, officers call / start / complete /
no-show at their counters, tablets rate) under a controlled clock, the next morning's day close
settles it; then that day is copied (INSERT … SELECT with shifted dates and ids) to every earlier
day. Stored request answers of past days are not copied: the day close purges them after a day.

Run: `.venv/bin/python bench/bench_history.py` (`--quick`: 1,000 tickets a day, 30 and 90 days).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.services.screens import snapshots  # noqa: E402
from server.services.auth import Actor  # noqa: E402
from server.services.context import TZ, Context, now_local, service_day  # noqa: E402
from server.services.counters import counter_action, rate  # noqa: E402
from server.services.errors import UseCaseError  # noqa: E402
from server.services.tickets import close_day, find_tickets, issue_ticket  # noqa: E402
from server.setup import initialize  # noqa: E402
from server.store import Database  # noqa: E402
from server.store import db as store_db  # noqa: E402

PASSWORD = "bench-password"
KIOSK = Actor("device", 1, "kiosk-A1", "kiosk", (), None)
STRIDE = 1_000_000  # id offset between copied days (more than one day's events)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def timed(fn: Any, n: int) -> tuple[float, float]:
    """Median and p99 of fn() in ms."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out), pct(out, 0.99)


def officer(n: int) -> Actor:
    return Actor("user", 9000 + n, f"officer {n}", "officer", (n,))


def tablet(n: int) -> Actor:
    return Actor("device", 8000 + n, f"tablet {n}", "counter", (n,))


def simulate_day(ctx: Context, day: datetime, tickets: int, rng: random.Random) -> None:
    """One service day through the use cases: arrivals 7:30-16:30, counters serving ~6 min each."""
    site = ctx.site
    counters = sorted(site.counters)
    served = {s for n in counters for s in site.counters[n].services}
    services = [s for s in site.services if s in served]
    clock = day.replace(hour=7, minute=30)
    ctx.clock = lambda: clock
    waiting = {s: 0 for s in services}
    callable_by = {n: set(site.counters[n].services) | (
        {s for s, v in site.services.items() if v.zone == site.counters[n].zone}
        if site.counters[n].priority else set()) for n in counters}
    busy_until: dict[int, datetime | None] = {}
    for n in counters:
        counter_action(ctx, officer(n), n, "open", {})
        busy_until[n] = None
    end = day.replace(hour=16, minute=30)
    minutes = (end - clock).total_seconds() / 60
    rid = 0
    while clock < end.replace(hour=17):
        if clock < end:
            for _ in range(int(tickets / minutes) + (rng.random() < (tickets / minutes) % 1)):
                rid += 1
                svc = rng.choice(services)
                issue_ticket(ctx, KIOSK, svc, request_id=f"k{day:%j}-{rid}",
                             priority="elderly" if rng.random() < 0.05 else None)
                waiting[svc] += 1
        for n in counters:
            until = busy_until[n]
            if until is not None and until > clock:
                continue
            rid += 1
            if until is not None:
                action = "no-show" if rng.random() < 0.05 else "complete"
                try:
                    res = counter_action(ctx, officer(n), n, action, {"request_id": f"c{rid}"})
                except UseCaseError:  # the ticket was settled otherwise meanwhile
                    res = {"ticket": None}
                if action == "complete" and rng.random() < 0.3 and res["ticket"]:
                    try:
                        rate(ctx, tablet(n), n, {"ticket_id": res["ticket"]["id"],
                                                 "score": rng.randint(2, 4)})
                    except UseCaseError:
                        pass
            busy_until[n] = None
            if not any(waiting.get(x, 0) > 0 for x in callable_by[n]):
                continue  # an idle officer presses "next" only when someone waits
            res = counter_action(ctx, officer(n), n, "call-next", {"request_id": f"n{rid}"})
            if res["ticket"] is None:
                continue
            waiting[res["ticket"]["service"]] -= 1
            if action_ok(ctx, n, "start", f"s{rid}"):
                pass
            busy_until[n] = clock + timedelta(minutes=rng.uniform(3, 9))
        clock += timedelta(minutes=1)
    ctx.clock = lambda: day + timedelta(days=1, hours=6)
    close_day(ctx)


def action_ok(ctx: Context, n: int, action: str, request_id: str) -> bool:
    """Run a counter action; False if the state did not allow it."""
    try:
        counter_action(ctx, officer(n), n, action, {"request_id": request_id})
        return True
    except UseCaseError:
        return False


def shifted(col: str, k: str) -> str:
    """A stored timestamp (or day) `col` moved back `k` days."""
    return f"CASE WHEN {col} IS NULL THEN NULL ELSE date(substr({col},1,10), '-'||{k}||' days')" \
           f" || substr({col},11) END"


def columns_as(conn: sqlite3.Connection, table: str, exprs: dict[str, str],
               alias: str = "") -> tuple[str, str]:
    """The column list of `table` and a SELECT list that copies each column by name (tables gained
    columns over time: site_id, channel…), `exprs[c]` instead where given."""
    cols = [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]
    return ", ".join(cols), ", ".join(exprs.get(c, f"{alias}{c}") for c in cols)


def copy_days(db: Path, template: Path, template_day: str, first: int, last: int) -> None:
    """Copy the template's day to the days `first`..`last` before today (ids shifted by STRIDE)."""
    conn = sqlite3.connect(db, isolation_level=None)
    # A bulk load: no journal, no fsync, a big cache (the token index takes random inserts), and
    # the plain indexes and triggers rebuilt once at the end instead of row by row.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-2000000")
    conn.execute(f"ATTACH '{template}' AS tpl")
    today = service_day(now_local())
    back = (datetime.fromisoformat(today) - datetime.fromisoformat(template_day)).days
    rebuilt = [(r[0], r[1]) for r in conn.execute(
        "SELECT type, name FROM main.sqlite_master WHERE sql IS NOT NULL AND "
        "(type='trigger' AND name LIKE 'day_totals_%' OR type='index')")]
    later = [r[0] for r in conn.execute(
        "SELECT sql FROM main.sqlite_master WHERE sql IS NOT NULL AND "
        "(type='trigger' AND name LIKE 'day_totals_%' OR type='index')")]
    conn.execute("BEGIN")
    for kind, name in rebuilt:
        conn.execute(f"DROP {kind.upper()} main.{name}")
    for i in range(first, last + 1):
        k = str(back + i)  # template day → i days before today
        off = str(i * STRIDE)
        d = f"date(day, '-{k} days')"
        stamps = {c: shifted(c, k) for c in ("issued_at", "queued_at", "called_at", "started_at",
                                             "finished_at", "requeued_at", "at")}
        copies = {
            "tickets": {**stamps, "id": f"id+{off}", "day": d, "token": f"token||'.{i}'"},
            "ratings": {"id": f"id+{off}", "ticket_id": f"ticket_id+{off}", "day": d,
                        "at": stamps["at"]},
            "events": {"id": f"id+{off}", "ticket_id": f"ticket_id+{off}", "day": d,
                       "at": stamps["at"]},
            "sequences": {"day": d}, "day_totals": {"day": d}}
        for table, exprs in copies.items():
            cols, select = columns_as(conn, table, exprs)
            conn.execute(f"INSERT INTO main.{table} ({cols}) SELECT {select} FROM tpl.{table}"
                         f" WHERE day='{template_day}'")
        cols, select = columns_as(conn, "legs", {
            "id": f"l.id+{off}", "ticket_id": f"l.ticket_id+{off}",
            **{c: shifted(f"l.{c}", k) for c in ("called_at", "started_at", "finished_at")}}, "l.")
        conn.execute(f"INSERT INTO main.legs ({cols}) SELECT {select} FROM tpl.legs l"
                     f" JOIN tpl.tickets t ON t.id=l.ticket_id WHERE t.day='{template_day}'")
        if i % 30 == 0:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    for sql in later:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("DETACH tpl")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()


def busy_today(db: Path, template: Path, template_day: str, copies: int) -> None:
    """Make today a day of `copies` × the template (the 50,000-ticket day), left open."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"ATTACH '{template}' AS tpl")
    today = service_day(now_local())
    k = str((datetime.fromisoformat(template_day) - datetime.fromisoformat(today)).days)
    fwd = k.lstrip("-") if k.startswith("-") else k
    sign = "+" if k.startswith("-") else "-"

    def sh(col: str) -> str:
        return (f"CASE WHEN {col} IS NULL THEN NULL ELSE date(substr({col},1,10), '{sign}{fwd} days')"
                f" || substr({col},11) END")
    conn.execute("BEGIN")
    for c in range(copies):
        off = (9000 + c) * STRIDE
        st = {c: sh(c) for c in ("issued_at", "queued_at", "called_at", "started_at",
                                 "finished_at", "requeued_at")}
        cols, select = columns_as(conn, "tickets", {
            **st, "id": f"id+{off}", "day": f"'{today}'", "seq": f"seq+{c}*100000",
            "number": f"number||'.{c}'", "token": f"token||'.t{c}'",
            "status": "CASE WHEN id % 10 = 0 THEN 'waiting' ELSE status END"})
        conn.execute(f"INSERT INTO main.tickets ({cols}) SELECT {select} FROM tpl.tickets"
                     f" WHERE day='{template_day}'")
        cols, select = columns_as(conn, "legs", {
            "id": f"l.id+{off}", "ticket_id": f"l.ticket_id+{off}",
            **{x: sh(f"l.{x}") for x in ("called_at", "started_at", "finished_at")}}, "l.")
        conn.execute(f"INSERT INTO main.legs ({cols}) SELECT {select} FROM tpl.legs l"
                     f" JOIN tpl.tickets t ON t.id=l.ticket_id WHERE t.day='{template_day}'")
        cols, select = columns_as(conn, "ratings", {
            "id": f"id+{off}", "ticket_id": f"ticket_id+{off}", "day": f"'{today}'",
            "at": sh("at")})
        conn.execute(f"INSERT INTO main.ratings ({cols}) SELECT {select} FROM tpl.ratings"
                     f" WHERE day='{template_day}'")
    conn.execute("COMMIT")
    conn.close()


def start_server(db: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    env = dict(os.environ, XEPHANG_DEMO_PASSWORD=PASSWORD)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "run", "--db", str(db), "--port",
                             str(port), "--backup-time", "off"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/site", timeout=1).ok:
                return proc, time.perf_counter() - t0
        except requests.ConnectionError:
            if proc.poll() is not None or time.perf_counter() - t0 > 120:
                raise RuntimeError("server did not start") from None
            time.sleep(0.02)


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def live(db: Path, kiosk_token: str, seconds: float) -> tuple[float, float, float, float]:
    """Cold start-up (s), then GET p50/p99/max (ms) while one ticket a second is issued."""
    port = free_port()
    proc, startup = start_server(db, port)
    url = f"http://127.0.0.1:{port}"
    stop = threading.Event()

    def issue() -> None:
        s = requests.Session()
        while not stop.wait(1.0):
            s.post(f"{url}/api/v1/tickets", json={"service": "TP-LLTP"},
                   headers={"Authorization": f"Bearer {kiosk_token}"}, timeout=10)
    t = threading.Thread(target=issue)
    t.start()
    s = requests.Session()
    lat = []
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            t0 = time.perf_counter()
            s.get(f"{url}/api/v1/site", timeout=10)
            lat.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.02)
    finally:
        stop.set()
        t.join()
        proc.terminate()
        proc.wait(timeout=30)
    return startup, statistics.median(lat), pct(lat, 0.99), max(lat)


def startup_work(db: Path) -> float:
    """The part of start-up that reads the database (s): migrate, load the site, search tickets
    pending with no print job, close the day (the rest is importing Python modules, the same on
    any db)."""
    from server.store import print_jobs
    t0 = time.perf_counter()
    database = Database(db)
    database.migrate()
    ctx = Context.open(database)
    with database.read() as conn:
        print_jobs.orphan_tickets(conn)
    close_day(ctx)
    database.close()
    return time.perf_counter() - t0


def measure(label: str, db: Path, kiosk_token: str, seconds: float) -> dict[str, Any]:
    work = startup_work(db)
    ctx = Context.open(Database(db))
    staff = Actor("user", 1, "bench", "supervisor", ())
    stats = timed(lambda: snapshots.stats_message(ctx), 30)
    lookup = timed(lambda: find_tickets(ctx, staff, None, "1001"), 30)
    close = timed(lambda: close_day(ctx), 10)
    ctx.db.close()
    startup, p50, p99, worst = live(db, kiosk_token, seconds)
    return {"label": label, "stats": stats, "lookup": lookup, "close": close, "startup": startup,
            "work": work,
            "get": (p50, p99, worst), "size": db.stat().st_size}


def show(r: dict[str, Any]) -> None:
    print(f"{r['label']:<22} stats {r['stats'][0]:7.2f} / {r['stats'][1]:7.2f} ms   "
          f"lookup {r['lookup'][0]:6.2f} / {r['lookup'][1]:6.2f} ms   "
          f"day close {r['close'][0]:6.2f} / {r['close'][1]:6.2f} ms   start-up {r['startup']:5.2f} s (db part {r['work']:.2f} s)   "
          f"GET p50 {r['get'][0]:5.1f} p99 {r['get'][1]:6.1f} max {r['get'][2]:6.1f} ms   "
          f"db {r['size'] / 1e9:6.2f} GB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,000 tickets a day, 30 and 90 days")
    ap.add_argument("--tickets", type=int, default=None, help="tickets on the simulated day")
    ap.add_argument("--keep", default=None, help="keep the databases in this folder")
    args = ap.parse_args()
    per_day = args.tickets or (1000 if args.quick else 3400)
    years = [("30 days", 30), ("90 days", 90)] if args.quick else [("1 year", 365), ("3 years", 1095)]
    seconds = 10.0 if args.quick else 20.0
    work = Path(args.keep or tempfile.mkdtemp(prefix="xephang-history-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {per_day} tickets a day; in {work}")

    template = work / "template.db"
    for f in work.glob("template.db*"):
        f.unlink()
    made = initialize(Database(template), None, demo=True, demo_password=PASSWORD)
    assert made is not None
    kiosk_token = next(t for name, kind, _, _, t in made.devices if name == "kiosk-A1")
    t0 = time.perf_counter()
    store_db.SYNCHRONOUS = "OFF"  # the rows are the same; only building them goes faster
    ctx = Context.open(Database(template))
    tday = (now_local() - timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
    simulate_day(ctx, tday, per_day, random.Random(7))
    ctx.db.close()
    store_db.SYNCHRONOUS = "FULL"
    tpl_day = service_day(tday)
    conn = sqlite3.connect(template)
    n_tickets = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"simulated {tpl_day}: {n_tickets} tickets through the use cases in "
          f"{time.perf_counter() - t0:.0f} s")

    db = work / "history.db"
    base = work / "empty.db"
    for f in work.glob("history.db*"):
        f.unlink()
    for f in work.glob("empty.db*"):
        f.unlink()
    shutil.copy(template, base)  # same devices and tokens as the template
    conn = sqlite3.connect(base)
    for table in ("tickets", "legs", "ratings", "events", "sequences", "requests", "day_totals"):
        conn.execute(f"DELETE FROM {table}")
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    shutil.copy(base, db)
    results = [measure("empty", db, kiosk_token, seconds)]
    show(results[-1])
    done = 0
    for label, days in years:
        t0 = time.perf_counter()
        copy_days(db, template, tpl_day, done + 1, days)
        done = days
        print(f"  (copied to {days} days in {time.perf_counter() - t0:.0f} s)", flush=True)
        results.append(measure(label, db, kiosk_token, seconds))
        show(results[-1])
    big = work / "busy-today.db"
    shutil.copy(base, big)
    copies = max(1, round(50_000 / max(n_tickets, 1)))
    busy_today(big, template, tpl_day, copies)
    ctx = Context.open(Database(big))
    staff = Actor("user", 1, "bench", "supervisor", ())
    st = timed(lambda: snapshots.stats_message(ctx), 30)
    lk = timed(lambda: find_tickets(ctx, staff, None, "1001.3"), 30)
    from server.store import queue as q

    def counted() -> None:
        with ctx.db.read() as conn:
            q.day_stats_counted(conn, service_day(now_local()))
    agg = timed(counted, 10)
    print(f"today with {copies * n_tickets:,} tickets: stats {st[0]:.2f} / {st[1]:.2f} ms "
          f"(running totals; the same figures by indexed aggregate queries on today: "
          f"{agg[0]:.1f} / {agg[1]:.1f} ms), lookup by number {lk[0]:.2f} / {lk[1]:.2f} ms "
          f"(median / p99)")
    ctx.db.close()
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
