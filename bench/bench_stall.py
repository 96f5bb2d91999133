"""Does anything stall the event loop? Kiosk issue and health GET latency under a bad day.

Starts `xephang run` (gevent, one process) on a fresh database and prints p50 / p99 of kiosk issuing
(POST /api/v1/tickets) and of GET /healthz and GET /api/v1/services, measured from separate client
processes, in five situations:
  (a) baseline;
  (b) another process holds SQLite's write lock (issuing needs it: it answers 503 busy after 3 s;
      the GETs do not need it);
  (c) 4 client processes flood logins with random usernames from random 127.x.y.z addresses (each
      attempt costs a scrypt hash: throttling per address does not save the server here);
  (d) 2,000 idle TCP connections: (d1) just opened, while the server accepts them (or the kernel
      holds them until their first byte: TCP_DEFER_ACCEPT), (d2) once accepted and quiet, (d3)
      the server's CPU per silent connection taken in (this process raises its own open-file limit);
  (e) issuing from a kiosk WITH a (fake, TCP) ESC/POS printer vs a kiosk without one, 4 clients.
Run: `.venv/bin/python bench/bench_stall.py [--n 300]`
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_issue_call import pct  # noqa: E402
from bench.bench_issue_call import start_server as start_xephang  # noqa: E402
from tests.support.fake_printer import FakePrinter  # noqa: E402

CUT = b"\x1dV"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loop(url: str, method: str, path: str, token: str | None, n: int, body: Any,
         start: Any, out: Any) -> None:
    """One client: n requests one after another; puts (latencies ms, statuses, wall s)."""
    s = requests.Session()
    h = {"Authorization": f"Bearer {token}"} if token else {}
    lat, statuses = [], {}
    start.wait()
    t_start = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        r = s.request(method, url + path, json=body, headers=h, timeout=60)
        lat.append((time.perf_counter() - t0) * 1000)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    out.put((path, method, lat, statuses, time.perf_counter() - t_start))


class Source(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def login_flood(url: str, stop: Any) -> None:
    """Wrong logins with random usernames, each from a random loopback address."""
    while not stop.is_set():
        s = requests.Session()
        s.mount("http://", Source(f"127.{random.randint(1, 254)}.{random.randint(1, 254)}."
                                  f"{random.randint(1, 254)}"))
        try:
            s.post(url + "/api/v1/auth/login", timeout=30,
                   json={"username": f"u{random.randint(0, 10**9)}", "password": "guess"})
        except requests.RequestException:
            pass
        s.close()


def accept_queue(port: int) -> int:
    """Connections waiting for the server to accept them on this port (Linux /proc/net/tcp)."""
    for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = row.split()
        if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:
            return int(f[4].split(":")[1], 16)
    return 0


def held_by_kernel(port: int) -> int:
    """Connections to this port the kernel has not handed to the server yet: waiting to be accepted,
    or (TCP_DEFER_ACCEPT) held until they send something (SYN_RECV in /proc/net/tcp)."""
    held = accept_queue(port)
    for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = row.split()
        if f[3] == "03" and int(f[1].rsplit(":", 1)[1], 16) == port:
            held += 1
    return held


def settle(port: int) -> None:
    """Wait until the server has accepted every pending connection (the kernel hands over a silent
    deferred one after a few seconds) and its CPU is quiet again."""
    deadline = time.monotonic() + 120
    while held_by_kernel(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    for _ in range(100):
        cpu = cpu_seconds(SERVER_PID)
        time.sleep(0.2)
        if cpu_seconds(SERVER_PID) - cpu < 0.01:
            return


def hold_lock(db: str, stop: Any, held: Any) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    held.set()
    stop.wait()
    conn.execute("ROLLBACK")


SERVER_PID = 0  # the server's CPU time per request is what a loaded, shared machine blurs least


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds(pid: int) -> float:
    """CPU time of a process's living children (the server's ticket drawing process)."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    return sum(cpu_seconds(int(k)) for k in kids)


def measure(url: str, clients: list[tuple[str, str, str | None, int, Any]]) -> list[Any]:
    """Run the clients at once (each its own process); their results in order of finishing, then
    the server's CPU seconds over the run and its child processes'."""
    cpu0, kids0 = cpu_seconds(SERVER_PID), children_cpu_seconds(SERVER_PID)
    start, out = mp.Event(), mp.Queue()
    procs = [mp.Process(target=loop, args=(url, m, p, t, n, b, start, out)) for m, p, t, n, b in clients]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=900) for _ in procs]
    for p in procs:
        p.join()
    return results + [cpu_seconds(SERVER_PID) - cpu0, children_cpu_seconds(SERVER_PID) - kids0]


def line(label: str, results: list[Any]) -> None:
    by: dict[tuple[str, str], list[Any]] = {}
    *results, cpu, kids_cpu = results
    for path, method, lat, statuses, wall in results:
        by.setdefault((method, path), []).append((lat, statuses, wall))
    parts = []
    for (method, path), rows in by.items():
        lat = [x for r in rows for x in r[0]]
        statuses: dict[int, int] = {}
        for r in rows:
            for k, v in r[1].items():
                statuses[k] = statuses.get(k, 0) + v
        rate = sum(len(r[0]) for r in rows) / max(r[2] for r in rows)
        parts.append(f"{method} {path}: p50 {statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms,"
                     f" {rate:.0f}/s {dict(sorted(statuses.items()))}")
    requests_n = sum(len(r[2]) for r in results)
    parts.append(f"server CPU: {cpu * 1000 / requests_n:.2f} ms per request ({requests_n} requests)"
                 f" + {kids_cpu * 1000 / requests_n:.2f} ms in its ticket drawing process,"
                 f" load average {os.getloadavg()[0]:.1f}")
    print(f"{label}\n    " + "\n    ".join(parts), flush=True)


def roomy_database(root: Path, db: str) -> None:
    """The demo site with room for every ticket the bench issues: numbers are unique in the
    building, so one service's range holds only its day (800 numbers); give the benched service a
    five-digit range of its own and no daily cap."""
    subprocess.run([sys.executable, "-m", "server.cli", "init", "--db", db], cwd=root, check=True,
                   capture_output=True, env=dict(os.environ, XEPHANG_DEMO_PASSWORD="bench-password"))
    with sqlite3.connect(db) as conn:
        try:
            conn.execute("UPDATE services SET first_number=10001, last_number=99999, width=5, "
                         "daily_cap=0 WHERE code='TP-LLTP'")
        except sqlite3.OperationalError:  # a checkout from before number ranges had an end
            conn.execute("UPDATE services SET daily_cap=0 WHERE code='TP-LLTP'")


def start_server(root: Path, tmp: Path, port: int) -> subprocess.Popen[bytes]:
    """`xephang run` from a checkout (this one, or another to compare) on a roomy demo database."""
    roomy_database(root, str(tmp / "x.db"))
    return start_xephang(tmp, port, root)


def device(root: Path, db: str, name: str, printer: str | None) -> str:
    args = [sys.executable, "-m", "server.cli", "device", "add", name, "--kind", "kiosk", "--zone", "A1",
            "--db", db] + (["--printer", printer] if printer else [])
    out = subprocess.run(args, cwd=root, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300, help="requests per client and situation")
    ap.add_argument("--server-root", default=str(ROOT),
                    help="run the server from this checkout (e.g. the main branch, to compare)")
    args = ap.parse_args()
    root = Path(args.server_root)
    n = args.n
    issue = {"service": "TP-LLTP"}
    with tempfile.TemporaryDirectory() as d, FakePrinter() as printer:
        db = str(Path(d) / "x.db")
        port = free_port()
        proc = start_server(root, Path(d), port)
        global SERVER_PID
        SERVER_PID = proc.pid
        url = f"http://127.0.0.1:{port}"
        try:
            kiosk = device(root, db, "bench-kiosk", None)
            printing = device(root, db, "bench-printing-kiosk", printer.url)

            def mix(issue_n: int = n) -> list[tuple[str, str, str | None, int, Any]]:
                return [("POST", "/api/v1/tickets", kiosk, issue_n, issue),
                        ("GET", "/healthz", None, n, None),
                        ("GET", "/api/v1/services", None, n, None)]

            line("(a) baseline", measure(url, mix()))

            stop, held = mp.Event(), mp.Event()
            holder = mp.Process(target=hold_lock, args=(db, stop, held))
            holder.start()
            held.wait(30)
            line("(b) another process holds the write lock (issuing waits 3 s, then 503 busy)",
                 measure(url, mix(issue_n=3)))
            stop.set()
            holder.join()

            stop = mp.Event()
            flood = [mp.Process(target=login_flood, args=(url, stop)) for _ in range(4)]
            for p in flood:
                p.start()
            line("(c) 4 clients flood logins (random usernames, random addresses)", measure(url, mix()))
            stop.set()
            for p in flood:
                p.join()

            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            want = 2000 + 200
            if soft < want:
                resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
            idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2000)]
            line(f"(d1) {len(idle)} idle connections just opened (the server is still accepting them:"
                 " a new connection queues behind them)", measure(url, mix()))
            settle(port)
            line(f"(d2) {len(idle)} idle connections open, all accepted", measure(url, mix()))
            for s in idle:
                s.close()
            settle(port)
            # What taking in a silent connection costs the server, with no request meanwhile.
            cpu0, t0 = cpu_seconds(SERVER_PID), time.monotonic()
            idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2000)]
            settle(port)
            taken = cpu_seconds(SERVER_PID) - cpu0
            print(f"(d3) taking in {len(idle)} silent connections: server CPU {taken * 1000:.0f} ms"
                  f" ({taken * 1e6 / len(idle):.0f} µs each, idle CPU included); all accepted after"
                  f" {time.monotonic() - t0:.1f} s, load average {os.getloadavg()[0]:.1f}", flush=True)
            for s in idle:
                s.close()
            settle(port)

            four = 4
            line("(e1) 4 clients issue from a kiosk WITHOUT a printer, meanwhile health GETs",
                 measure(url, [("POST", "/api/v1/tickets", kiosk, n, issue)] * four
                         + [("GET", "/healthz", None, n, None)]))
            before = printer.received.count(CUT)
            line("(e2) 4 clients issue from a kiosk WITH a fake TCP printer, meanwhile health GETs",
                 measure(url, [("POST", "/api/v1/tickets", printing, n, issue)] * four
                         + [("GET", "/healthz", None, n, None)]))
            printer.wait_until(lambda p: p.received.count(CUT) >= before + four * n, timeout=300)
            print(f"    tickets cut at the printer: {printer.received.count(CUT) - before}"
                  f" of {four * n}")
        finally:
            proc.terminate()
            proc.wait()
    print(f"command: .venv/bin/python bench/bench_stall.py --n {n} --server-root {root} (machine: {os.cpu_count()} cores, "
          "shared; server: xephang run, gevent, SQLite synchronous=FULL)")


if __name__ == "__main__":
    main()
