"""A simulated city morning (issue 9): the city centre and 168 ward centres on one deployment —
PostgreSQL + Redis, N `xephang run` processes — kiosks issuing and counters calling through the
HTTP API, on each site's arrival curve scaled to its size, compressed in time.

Sites: site 1 is the city centre (config/site.toml, 67 counters, ~5,000 tickets on a peak day);
168 wards are made from a small ward config (4 services, 3–8 counters, ~70 tickets a counter a
day), added through the store API (`sites.add_site` + `initialize`, what `xephang site add` and
`init --site-code` do). Arrivals: `server/simulate`'s default curve (60% of the day in
07:30–10:30, the building's hours) × each site's daily total, drawn as a Poisson process per
site, split evenly over its services; each counter presses call-next at exponential intervals of
its service time (~6.9 min). Simulated WINDOW (local time) runs COMPRESS times faster. Each kiosk
and officer sticks to one process (as behind nginx's sticky sessions).

Prints requests/s, p50/p99 of issue and call-next, errors (must be 0), how late the clients fell
behind the schedule, per-site numbering (no duplicate, no gap, every acknowledged ticket stored),
the CPU seconds of the servers / PostgreSQL / Redis per request, the load average and the command.
Run: .venv/bin/python bench/bench_city_morning.py --processes 3 [--window 08:00-08:30 --compress 10]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import secrets
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.simulate.inputs import default_curve  # noqa: E402
from server.simulate.scenario import parse_period  # noqa: E402

HOURS = ((7.5 * 60, 11.5 * 60), (13 * 60, 17 * 60))  # the centres' weekday hours
PEAK = (7.5 * 60, 10.5 * 60, 0.6)  # simulate's default: 60% of the day's arrivals in 07:30–10:30
PER_COUNTER_DAY = 70  # tickets a counter serves in a day (site.toml: 60–80)
SERVICE_MIN = 480 / PER_COUNTER_DAY  # minutes a counter spends per citizen
CITY_DAILY = 5000  # the city centre's peak day (site.toml)
WARD_SERVICES = [("HT", "Hộ tịch", "Civil status"), ("CT", "Chứng thực", "Certification"),
                 ("DD", "Đất đai", "Land"), ("XH", "Lao động – Xã hội", "Labour and social affairs")]
THREADS = 16  # request threads per client process
GIVE_UP_S = 60  # a client stops this long after its schedule's end: the rest count as not sent


def ward_file(folder: Path, counters: int) -> Path:
    """A ward centre's site file: one zone, one unit, 4 services, `counters` counters."""
    path = folder / f"ward-{counters}.toml"
    if path.exists():
        return path
    lines = ['[site]', 'name = "Trung tâm phục vụ hành chính công phường"',
             'name_en = "Ward public administrative service centre"',
             'timezone = "Asia/Ho_Chi_Minh"', 'open_all_hours = true', '',
             '[[zones]]', 'code = "A"', 'name = "Khu A"', 'name_en = "Zone A"', 'floor = 1', '',
             '[[units]]', 'code = "UB"', 'name = "UBND phường"', 'name_en = "Ward People\'s Committee"',
             'kind = "center"', 'short = "UB"', 'color = "#1e40af"', '']
    for i, (code, name, name_en) in enumerate(WARD_SERVICES):
        lines += ['[[services]]', f'code = "{code}"', 'unit = "UB"', 'zone = "A"', 'kind = "submit"',
                  f'name = "{name}"', f'name_en = "{name_en}"', f'first_number = {(i + 1) * 1000 + 1}',
                  f'last_number = {(i + 1) * 1000 + 999}', 'width = 4', '']
    for n in range(1, counters + 1):
        code = WARD_SERVICES[(n - 1) % len(WARD_SERVICES)][0]
        lines += ['[[counters]]', f'number = {n}', 'zone = "A"', f'services = ["{code}"]', '']
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def build_city(db_url: str, folder: Path, wards: int, seed: int) -> list[dict[str, Any]]:
    """The city centre (site 1) and `wards` ward sites, each with one kiosk and an officer (with
    an API token) per counter; returns per site: id, services, daily total, kiosk and officers."""
    from server.services.auth import hash_password
    from server.services.context import now_local, stamp
    from server.setup import initialize
    from server.site import DEMO_SITE, read_site_file
    from server.store import Database, accounts
    from server.store import sites as site_rows
    from server.store.scope import SiteDatabase

    rng = random.Random(seed)
    db = Database(db_url)
    initialize(db, None, demo=False)  # site 1: the city centre from config/site.toml
    city = read_site_file(DEMO_SITE)
    capped = {s["code"] for s in city["services"] if s.get("daily_cap")}
    plan = [{"id": 1, "services": [s["code"] for s in city["services"] if s["code"] not in capped],
             "counters": [c["number"] for c in city["counters"]], "daily": CITY_DAILY}]
    for i in range(wards):
        n = rng.randint(3, 8)
        with db.write() as conn:
            sid = site_rows.add_site(conn, f"phuong-{i + 1:03d}", f"Phường {i + 1:03d}",
                                     f"Ward {i + 1:03d}", "Asia/Ho_Chi_Minh", stamp(now_local()))
        initialize(SiteDatabase(db, sid), ward_file(folder, n), demo=False)
        plan.append({"id": sid, "services": [c for c, _, _ in WARD_SERVICES],
                     "counters": list(range(1, n + 1)), "daily": n * PER_COUNTER_DAY})
    pw = hash_password(secrets.token_urlsafe(12))  # nobody logs in: API tokens below
    for site in plan:
        site_db = SiteDatabase(db, site["id"])
        with site_db.write() as conn:
            now = stamp(now_local())
            site["kiosk"] = secrets.token_urlsafe(24)
            accounts.add_device(conn, "bench-kiosk", "kiosk", None, None, None, "80mm", site["kiosk"], now)
            site["officers"] = {}
            for n in site["counters"]:
                uid = accounts.add_user(conn, f"s{site['id']}_canbo{n}", f"Cán bộ {n}", pw, "officer",
                                        [n], now)
                token = secrets.token_urlsafe(24)
                accounts.add_api_token(conn, token, uid, now)
                site["officers"][n] = token
    db.close()
    return plan


def schedule(plan: list[dict[str, Any]], window: tuple[float, float], compress: float,
             seed: int) -> list[tuple[float, int, str, int | str]]:
    """Every request of the morning: (seconds from start, site index, 'issue'|'call', service or
    counter), in time order."""
    rng = random.Random(seed)
    start, end = window
    curve = default_curve(HOURS, PEAK)
    out = []
    for k, site in enumerate(plan):
        for a, b, share in curve:  # arrivals: a Poisson process at the curve's rate
            a, b = max(a, start), min(b, end)
            rate = site["daily"] * share  # per simulated minute
            t = a
            while b > a and rate > 0:
                t += rng.expovariate(rate)
                if t >= b:
                    break
                out.append(((t - start) * 60 / compress, k, "issue", rng.choice(site["services"])))
        for n in site["counters"]:  # each counter: call-next after each citizen
            t = start + rng.uniform(0, SERVICE_MIN)
            while t < end:
                out.append(((t - start) * 60 / compress, k, "call", n))
                t += rng.expovariate(1 / SERVICE_MIN)
    out.sort()
    return out


def client(urls: list[str], jobs: list[tuple[float, str, str, dict[str, Any], str, int]], t0: float,
           out: mp.Queue) -> None:
    """Send the jobs (at, kind, path, body, token, site) at their times from THREADS threads;
    put (kind, ms, status, late_ms, site, number) rows back."""
    rows: list[tuple[str, float, int, float, int, str]] = []
    lock = threading.Lock()
    todo = sorted(jobs, key=lambda j: j[0])
    todo.reverse()  # the next one due at the end: pop() is cheap
    last = todo[0][0] if todo else 0.0

    def work() -> None:
        s = requests.Session()
        s.trust_env = False
        while True:
            with lock:
                if not todo:
                    return
                at, kind, url, body, token, site = todo.pop()
            wait = t0 + at - time.time()
            if wait < -GIVE_UP_S and time.time() > t0 + last + GIVE_UP_S:
                rows.append((kind, 0.0, -1, -wait * 1000, site, ""))  # -1: never sent
                continue
            if wait > 0:
                time.sleep(wait)  # the schedule: this request is due then
            sent = time.time()
            try:
                r = s.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
                status, number = r.status_code, (r.json().get("number", "") if kind == "issue"
                                                 and r.status_code == 201 else "")
            except requests.RequestException:
                status, number = 0, ""
            rows.append((kind, (time.time() - sent) * 1000, status, (sent - t0 - at) * 1000, site,
                         number))

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(rows)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (and its waited-for children) from /proc."""
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")


def children(ppid: int) -> list[int]:
    """The pids whose parent is ppid (PostgreSQL's backends)."""
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1]) == ppid:
                    found.append(int(d))
            except OSError:
                pass
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--processes", type=int, default=1, help="server processes")
    ap.add_argument("--wards", type=int, default=168)
    ap.add_argument("--window", default="08:00-08:30", help="the simulated part of the morning")
    ap.add_argument("--compress", type=float, default=10, help="simulated seconds per real second")
    ap.add_argument("--clients", type=int, default=4, help="client processes")
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args()
    from bench.bench_fanout import free_port, wait_http
    from tests.support.pg_cluster import PgCluster
    from tests.support.redis_server import redis_server
    window = parse_period(args.window)
    load_before = os.getloadavg()
    cluster = PgCluster(durable=True)
    # PostgreSQL's default: each process's pool is capped (XEPHANG_PG_POOL, 16), so 3 fit.
    cluster.opts = cluster.opts.replace("max_connections=300", "max_connections=100")
    cluster.restart()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="xephang-city-") as d, redis_server(Path(d)) as mq:
            tmp = Path(d)
            db_url = cluster.create_database(migrated=False)
            t = time.monotonic()
            plan = build_city(db_url, tmp, args.wards, args.seed)
            print(f"{len(plan)} sites, {sum(len(s['counters']) for s in plan)} counters, "
                  f"{sum(s['daily'] for s in plan)} tickets on a whole day; built in "
                  f"{time.monotonic() - t:.0f}s", flush=True)
            peak = ConnectionPeak(db_url)  # the most connections PostgreSQL saw at once
            urls = []
            for i in range(args.processes):
                port = free_port()
                env = dict(os.environ, XEPHANG_RUNTIME_DIR=str(tmp / f"run{i}"), PYTHONUNBUFFERED="1")
                log = tmp / f"server-{i}.log"
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "server.cli", "run", "--db", db_url, "--port", str(port),
                     "--message-queue", mq], cwd=ROOT, env=env, stdout=open(log, "ab"),
                    stderr=subprocess.STDOUT))
                urls.append(f"http://127.0.0.1:{port}")
                wait_http(f"{urls[-1]}/api/v1/site", procs[-1], log)
            # Each device/officer sticks to one process (sticky sessions); open every counter.
            http = requests.Session()
            http.trust_env = False
            url_of = {}
            for k, site in enumerate(plan):
                url_of[("kiosk", k)] = urls[k % len(urls)]
                for j, n in enumerate(site["counters"]):
                    url_of[(n, k)] = urls[(k + j + 1) % len(urls)]
                    r = http.post(f"{url_of[(n, k)]}/api/v1/counters/{n}/open", json={},
                                  headers={"Authorization": f"Bearer {site['officers'][n]}"})
                    if r.status_code != 200:
                        raise RuntimeError(f"open counter {n} of site {site['id']}: {r.text}")
            from server.store import Database
            probe = Database(db_url)
            with probe.read() as conn:
                held = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                    "current_database()").fetchone()[0]
            probe.close()
            held -= 2  # the probe's and the peak sampler's
            print(f"{args.processes} server process(es) hold {held} PostgreSQL connections",
                  flush=True)
            plan_jobs = schedule(plan, window, args.compress, args.seed)
            issues = sum(1 for j in plan_jobs if j[2] == "issue")
            print(f"window {args.window} compressed x{args.compress:g}: {issues} issues and "
                  f"{len(plan_jobs) - issues} call-next in {plan_jobs[-1][0]:.0f}s", flush=True)
            parts: list[list[Any]] = [[] for _ in range(args.clients)]
            for at, k, kind, what in plan_jobs:
                site = plan[k]
                if kind == "issue":
                    job = (at, kind, f"{url_of[('kiosk', k)]}/api/v1/tickets", {"service": what},
                           site["kiosk"], site["id"])
                else:
                    job = (at, kind, f"{url_of[(what, k)]}/api/v1/counters/{what}/call-next", {},
                           site["officers"][what], site["id"])
                parts[k % args.clients].append(job)  # one site's requests from one client
            pg_master = int((cluster.data / "postmaster.pid").read_text().split()[0])
            import redis
            rcli = redis.Redis.from_url(mq)

            def cpu() -> tuple[float, float, float]:
                info = rcli.info("cpu")
                return (sum(cpu_s(p.pid) for p in procs),
                        sum(cpu_s(p) for p in [pg_master, *children(pg_master)]),
                        float(info["used_cpu_user"]) + float(info["used_cpu_sys"]))

            idle0, t_idle = cpu(), time.time()
            time.sleep(10)  # the deployment's own work (leases, relay, 169 sites' jobs) without requests
            cpu0 = cpu()
            idle = [(b - a) / (time.time() - t_idle) for a, b in zip(idle0, cpu0)]
            t0 = time.time() + 2  # the clients' processes start meanwhile
            out: mp.Queue = mp.Queue()
            clients = [mp.Process(target=client, args=(urls, part, t0, out)) for part in parts]
            for c in clients:
                c.start()
            rows = [r for _ in clients for r in out.get(timeout=3600)]
            wall = time.time() - t0
            for c in clients:
                c.join()
            cpu1 = cpu()
            print(f"PostgreSQL connections of the server processes: {held} after start, at "
                  f"most {peak.stop()} at once (sampled every 0.2 s from start to the end; one "
                  "may be the bench's probe)", flush=True)
            report(rows, wall, plan, db_url, [b - a for a, b in zip(cpu0, cpu1)],
                   [x * (time.time() - t0) for x in idle])
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        cluster.stop()
    load_after = os.getloadavg()
    print(f"load average (1/5/15 min): before {'/'.join(f'{v:.2f}' for v in load_before)}, after "
          f"{'/'.join(f'{v:.2f}' for v in load_after)}; {os.cpu_count()} cores; PostgreSQL durable "
          f"(fsync, synchronous_commit on), Redis without persistence, all on this machine")
    print(f"command: {shlex.join([os.path.relpath(sys.executable, ROOT), *sys.argv])}")
    return 0


class ConnectionPeak:
    """Samples pg_stat_activity for one database in a thread; stop() gives the most seen."""

    def __init__(self, url: str) -> None:
        import psycopg
        self.conn = psycopg.connect(url, autocommit=True)
        self.most = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.done.wait(0.2):
            row = self.conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                    "current_database() AND pid <> pg_backend_pid()").fetchone()
            self.most = max(self.most, int(row[0]))

    def stop(self) -> int:
        self.done.set()
        self.thread.join()
        self.conn.close()
        return self.most


def report(rows: list[tuple[str, float, int, float, int, str]], wall: float,
           plan: list[dict[str, Any]], db_url: str, cpu: list[float], idle: list[float]) -> None:
    """Print the figures and check every site's numbering against the database."""
    from server.store import Database
    errors: dict[tuple[str, int], int] = {}
    for kind, _, status, _, _, _ in rows:
        if status not in (200, 201):
            errors[(kind, status)] = errors.get((kind, status), 0) + 1
    sent = sum(1 for r in rows if r[2] != -1)
    print(f"{sent} requests in {wall:.1f}s = {sent / wall:.0f} requests/s; errors (status 0: no "
          f"answer in 30 s, -1: not sent, the deployment fell {GIVE_UP_S}s behind): "
          f"{sum(errors.values())} {errors or ''}")
    for kind in ("issue", "call"):
        lat = [ms for k, ms, s, _, _, _ in rows if k == kind and s in (200, 201)]
        late = [x for k, _, _, x, _, _ in rows if k == kind]
        print(f"  {kind + (' ' if kind == 'call' else ''):<6}: {len(lat):>6} ok, {len(lat) / wall:6.1f}/s; "
              f"p50 {statistics.median(lat) if lat else float('nan'):6.1f} ms, p99 {pct(lat, 0.99):7.1f} ms"
              f"; sent behind schedule p50 {statistics.median(late):.0f} ms, p99 {pct(late, 0.99):.0f} ms")
    acked: dict[int, set[str]] = {}
    for kind, _, status, _, site, number in rows:
        if kind == "issue" and status == 201:
            acked.setdefault(site, set()).add(number)
    db = Database(db_url)
    with db.read() as conn:
        groups = conn.execute("SELECT site_id, origin_service, COUNT(*), MIN(seq), MAX(seq), "
                              "COUNT(DISTINCT number) FROM tickets GROUP BY site_id, origin_service, day"
                              ).fetchall()
        stored: dict[int, set[str]] = {}
        for site, number in conn.execute("SELECT site_id, number FROM tickets").fetchall():
            stored.setdefault(site, set()).add(number)
    db.close()
    bad = [g for g in groups if not (g[2] == g[4] == g[5] and g[3] == 1)]
    lost = sum(len(acked[s] - stored.get(s, set())) for s in acked)
    acked_n = sum(1 for k, _, s, _, _, _ in rows if k == "issue" and s == 201)
    print(f"numbering: {len(groups)} (site, service) sequences over {len(stored)} sites, "
          f"{sum(g[2] for g in groups)} tickets stored, {acked_n} acknowledged; "
          f"duplicates or gaps: {len(bad)}{' ' + str(bad[:5]) if bad else ''}; "
          f"acknowledged but not stored: {lost}")
    n = len(rows)
    print("CPU seconds during the run (idle deployment's share; per request over the idle): " + ", ".join(
        f"{name} {c:.1f} ({i:.1f}; {(c - i) / n * 1000:.2f} ms)"
        for name, c, i in zip(("servers", "PostgreSQL", "Redis"), cpu, idle)))


if __name__ == "__main__":
    sys.exit(main())
