"""1,000 citizens booking the same appointment slot at once: the slot is never overbooked, and how
long each booking answers (median, p99).

Starts `xephang run` (gevent, one process) on a fresh demo database whose per-address limit is
raised (every client here is 127.0.0.1), makes 1,000 verified phones with a citizen token each
straight in the store, then fires POST /api/v1/public/bookings for one slot from 10 client
processes × 25 threads, all released together. Prints the server's CPU per booking request in
the burst (from /proc) and, with `--profile FILE`, runs the server under cProfile and prints where
the burst's server time goes (cumulative ms per request, request path only).
Run: `.venv/bin/python bench/bench_booking.py [--profile /tmp/booking.prof]`
"""
from __future__ import annotations

import multiprocessing as mp
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_issue_call import pct  # noqa: E402

CITIZENS, PROCESSES, THREADS = 1000, 10, 25
SERVICE, START = "TP-LLTP", "08:00"


def make_citizens(db: Path, n: int) -> list[str]:
    """n verified phones and their citizen tokens, written the way /verify/confirm writes them."""
    import secrets

    from server.services.citizens import TOKEN_PREFIX, _token_hash
    from server.services.context import now_local, stamp
    from server.services.phone_vault import vault_for
    from server.store import Database
    from server.store import citizens as rows
    database = Database(db)
    vault = vault_for(database)  # the key file the server made beside the database
    tokens = []
    with database.write() as conn:
        for i in range(n):
            phone = f"+849{i:08d}"
            h = vault.lookup(phone)
            rows.save_phone(conn, h, vault.seal(phone), stamp(now_local()))
            token = TOKEN_PREFIX + secrets.token_urlsafe(24)
            rows.add_token(conn, _token_hash(token), h, "9999-12-31")
            tokens.append(token)
    database.close()
    return tokens


def client(url: str, tokens: list[str], day: str, barrier: mp.synchronize.Barrier,
           out: mp.Queue) -> None:
    local = __import__("threading").local()

    def one(token: str) -> tuple[int, str, float, bool]:
        fresh = not hasattr(local, "s")  # this thread's first request opens its connection
        if fresh:
            local.s = requests.Session()
        t0 = time.perf_counter()
        r = local.s.post(f"{url}/api/v1/public/bookings",
                         json={"service": SERVICE, "date": day, "start": START},
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)
        code = "ok" if r.status_code == 201 else r.json()["error"]["code"]
        return r.status_code, code, time.perf_counter() - t0, fresh

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda _: None, range(THREADS)))  # threads up before the start
        barrier.wait()
        out.put(list(pool.map(one, tokens)))


def main() -> None:
    profile = sys.argv[sys.argv.index("--profile") + 1] if "--profile" in sys.argv else None
    from bench.bench_stall import cpu_seconds
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    day = date.today() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        site = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
        site = site.replace("daily_per_phone = 2", "daily_per_phone = 2\npublic_per_address_hour = 100000")
        (tmp / "site.toml").write_text(site, encoding="utf-8")
        proc = start_server_with_site(tmp, port, tmp / "site.toml", profile)
        try:
            url = f"http://127.0.0.1:{port}"
            slots = requests.get(f"{url}/api/v1/public/slots",
                                 params={"service": SERVICE, "date": day.isoformat()}).json()
            capacity = next(s["capacity"] for s in slots["slots"] if s["start"] == START)
            tokens = make_citizens(tmp / "x.db", CITIZENS)
            barrier = mp.Barrier(PROCESSES)
            out: mp.Queue = mp.Queue()
            procs = [mp.Process(target=client, args=(url, tokens[i::PROCESSES], day.isoformat(),
                                                     barrier, out)) for i in range(PROCESSES)]
            t0, cpu0 = time.perf_counter(), cpu_seconds(proc.pid)
            for p in procs:
                p.start()
            results = [r for _ in procs for r in out.get(timeout=600)]
            wall, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
            for p in procs:
                p.join()
            # The same requests one at a time (no queue in front of them): what one costs.
            s = requests.Session()
            alone = []
            for token in tokens[:200]:
                t1 = time.perf_counter()
                s.post(f"{url}/api/v1/public/bookings", headers={"Authorization": f"Bearer {token}"},
                       json={"service": SERVICE, "date": day.isoformat(), "start": START}, timeout=60)
                alone.append((time.perf_counter() - t1) * 1000)
        finally:
            proc.send_signal(__import__("signal").SIGINT)  # cProfile writes its file on the way out
            try:
                proc.wait(30)
            except Exception:  # noqa: BLE001 - a stuck server is killed
                proc.kill()
                proc.wait()
        with sqlite3.connect(tmp / "x.db") as conn:
            stored = conn.execute("SELECT COUNT(*) FROM bookings WHERE status='booked' AND "
                                  "service=? AND day=? AND start=?",
                                  (SERVICE, day.isoformat(), START)).fetchone()[0]
    lat = [r[2] * 1000 for r in results]
    codes: dict[str, int] = {}
    for _status, code, _s, _fresh in results:
        codes[code] = codes.get(code, 0) + 1
    print(f"command: .venv/bin/python bench/bench_booking.py")
    print(f"{len(results)} citizens, {PROCESSES} processes x {THREADS} threads, one slot "
          f"({SERVICE} {day} {START}, capacity {capacity}); wall {wall:.1f} s")
    print(f"answers: {codes}; booked in the database: {stored}")
    print(f"booking latency: median {statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms, "
          f"max {max(lat):.1f} ms")
    first = [r[2] * 1000 for r in results if r[3]]
    kept = [r[2] * 1000 for r in results if not r[3]]
    print(f"  on a new connection ({len(first)}): median {statistics.median(first):.1f} ms, p99 "
          f"{pct(first, 0.99):.1f} ms; on a kept-alive one ({len(kept)}): median "
          f"{statistics.median(kept):.1f} ms, p99 {pct(kept, 0.99):.1f} ms")
    print(f"one at a time (200 requests, one client): median {statistics.median(alone):.1f} ms, "
          f"p99 {pct(alone, 0.99):.1f} ms")
    print(f"server CPU in the burst: {cpu * 1000 / len(results):.2f} ms a request "
          f"({len(results) / max(cpu, 1e-9):.0f} requests per CPU second; with {PROCESSES * THREADS} "
          f"in flight, a request queues behind ~{PROCESSES * THREADS} others) "
          f"(load average {__import__('os').getloadavg()[0]:.1f})")
    if profile:
        print_profile(profile, len(results) + len(alone))
    assert stored == capacity == codes.get("ok"), "overbooked or underbooked!"
    print("never overbooked: OK")


def print_profile(path: str, n: int) -> None:
    """The request path's functions by cumulative time per request (under cProfile)."""
    import pstats
    stats = pstats.Stats(path)
    rows = [(v[3], v[2], k) for k, v in stats.stats.items()  # type: ignore[attr-defined]
            if not k[2].endswith("forever")]
    print("cumulative ms per request (own ms), under cProfile:")
    for cum, own, (file, line, name) in sorted(rows, reverse=True)[:40]:
        if "/server/" in file or "flask" in file or "pywsgi" in file or "engineio" in file:
            print(f"  {cum * 1000 / n:8.3f} ({own * 1000 / n:6.3f})  "
                  f"{Path(file).parent.name}/{Path(file).name}:{line}({name})")


def start_server_with_site(tmp: Path, port: int, site: Path,
                           profile: str | None = None) -> "subprocess.Popen[bytes]":
    """`xephang run --site` on tmp/x.db (the bench's own policy); returns once it answers."""
    import os
    import subprocess
    env = dict(os.environ, XEPHANG_DEMO_PASSWORD="bench-password")
    env.pop("XEPHANG_SMS_URL", None)
    run = ["-m", "cProfile", "-o", profile, "-m", "server.cli"] if profile else ["-m", "server.cli"]
    proc = subprocess.Popen([sys.executable, *run, "run", "--db", str(tmp / "x.db"),
                             "--port", str(port), "--site", str(site)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/site", timeout=1).ok:
                return proc
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


if __name__ == "__main__":
    main()
