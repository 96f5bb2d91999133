"""Tickets issued per second over HTTP, and call-next latency with every counter calling at once.

Starts `xephang run` (gevent, one process) on a fresh database, drives it from separate client
processes over keep-alive HTTP, prints median and p99. Run: `.venv/bin/python bench/bench_issue_call.py`

`--db postgresql` runs the same on a throwaway PostgreSQL cluster of its own (durable: fsync on,
synchronous_commit on, as SQLite's synchronous=FULL); `--db postgresql://…` on an existing (empty)
database. `--tickets N` issues N per client (1000 by default). `--processes N` starts N server
processes on the one database, the clients and counters spread over them.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def start_server(tmp: Path, port: int, root: Path = ROOT,
                 db: str | None = None) -> subprocess.Popen[bytes]:
    """`xephang run` from a checkout (this one by default) on tmp/x.db (or the database `db`);
    returns once it answers."""
    env = dict(os.environ, XEPHANG_DEMO_PASSWORD=PASSWORD, XEPHANG_RUNTIME_DIR=str(tmp / "runtime"))
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "run", "--db", db or str(tmp / "x.db"),
                             "--port", str(port)], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/site", timeout=1).ok:
                return proc
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def issuer(url: str, token: str, services: list[str], n: int, barrier: mp.synchronize.Barrier,
           out: mp.Queue) -> None:
    s = requests.Session()
    h = {"Authorization": f"Bearer {token}"}
    lat = []
    barrier.wait()
    for i in range(n):
        t0 = time.perf_counter()
        r = s.post(f"{url}/api/v1/tickets", json={"service": services[i % len(services)]}, headers=h)
        lat.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 201, r.text
    out.put(lat)


def caller(url: str, token: str, counter: int, rounds: int, pace: float,
           barrier: mp.synchronize.Barrier, out: mp.Queue) -> None:
    """One officer: in burst mode (pace 0) every counter presses 'next' at the same instant each
    round; in paced mode it presses every `pace` seconds (an officer serving people)."""
    import random
    s = requests.Session()
    h = {"Authorization": f"Bearer {token}"}
    lat = []
    barrier.wait()
    if pace:
        time.sleep(random.uniform(0, pace))
    for _ in range(rounds):
        if not pace:
            barrier.wait()  # all counters press together
        t0 = time.perf_counter()
        r = s.post(f"{url}/api/v1/counters/{counter}/call-next", json={}, headers=h)
        lat.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.text
        if pace:
            time.sleep(max(0.0, pace - (time.perf_counter() - t0)))
    out.put(lat)


def run_clients(target, args_list, parties: int | None = None) -> tuple[list[float], float]:  # noqa: ANN001
    barrier = mp.Barrier(parties or len(args_list) + 1)
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=target, args=(*a, barrier, out)) for a in args_list]
    for p in procs:
        p.start()
    if parties is None:
        barrier.wait()
    t0 = time.perf_counter()
    lat = [x for _ in procs for x in out.get(timeout=600)]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    return lat, wall


def main() -> None:
    import argparse
    import socket
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", help="postgresql (a throwaway cluster) or a postgresql:// URL; "
                                 "default: a SQLite file in a temp folder")
    ap.add_argument("--tickets", type=int, default=1000, help="tickets per client process")
    ap.add_argument("--processes", type=int, default=1, help="server processes on the database")
    args = ap.parse_args()
    cluster = None
    if args.db == "postgresql":
        sys.path.insert(0, str(ROOT))
        from tests.support.pg_cluster import PgCluster
        cluster = PgCluster(durable=True)
        args.db = cluster.create_database(migrated=False)
    engine = "PostgreSQL (fsync, synchronous_commit on)" if args.db else "SQLite synchronous=FULL"
    ports = []
    for _ in range(args.processes):
        with socket.socket() as sock:  # a free port: other work may run on this machine
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
    try:
        with tempfile.TemporaryDirectory() as d:
            run(Path(d), ports, args.db, args.tickets)
    finally:
        if cluster is not None:
            cluster.stop()
    print("command: .venv/bin/python bench/bench_issue_call.py" + (" --db postgresql" if cluster
          else f" --db {args.db}" if args.db else "") +
          f" --tickets {args.tickets} --processes {args.processes} (machine: {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}, server: xephang run, gevent, {engine})")


def run(tmp: Path, ports: list[int], db: str | None, per_client: int) -> None:
    """Start the server(s), issue, then call next; print the figures."""
    db = db or str(tmp / "x.db")
    procs = []
    for i, port in enumerate(ports):  # one after another: the first loads the demo site
        (tmp / f"p{i}").mkdir()
        procs.append(start_server(tmp / f"p{i}", port, db=db))
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    url = urls[0]
    try:
        # A kiosk without a printer: this measures issuing; printing is bench/bench_print.py.
        out = subprocess.run([sys.executable, "-m", "server.cli", "device", "add", "bench-kiosk",
                              "--kind", "kiosk", "--db", db],
                             cwd=ROOT, env=dict(os.environ, XEPHANG_RUNTIME_DIR=str(tmp / "cli")),
                             capture_output=True, text=True, check=True)
        tok = out.stdout.strip().splitlines()[-1]
        site = requests.get(f"{url}/api/v1/site").json()
        # Services with a daily cap would turn the bench's tickets away once full.
        from server.site import DEMO_SITE, read_site_file
        capped = {s["code"] for s in read_site_file(DEMO_SITE)["services"] if s.get("daily_cap")}
        services = [s["code"] for s in site["services"] if s["code"] not in capped]
        clients = 4
        lat, wall = run_clients(issuer, [(urls[i % len(urls)], tok, services, per_client)
                                         for i in range(clients)])
        n = clients * per_client
        print(f"issue: {n} tickets over HTTP from {clients} client processes in {wall:.2f}s = "
              f"{n / wall:.0f} tickets/s; latency median {statistics.median(lat):.1f} ms, "
              f"p99 {pct(lat, 0.99):.1f} ms")
        counters = [c["number"] for c in site["counters"]]
        tokens = {c: requests.post(f"{url}/api/v1/auth/login",
                                   json={"username": f"canbo{c}", "password": PASSWORD}
                                   ).json()["token"] for c in counters}
        rounds = 10
        lat, wall = run_clients(caller, [(urls[c % len(urls)], tokens[c], c, rounds, 0.0)
                                         for c in counters], parties=len(counters))
        print(f"call-next burst: all {len(counters)} counters press at the same instant, "
              f"{rounds} rounds ({len(lat)} calls): median {statistics.median(lat):.1f} ms, "
              f"p99 {pct(lat, 0.99):.1f} ms")
        pace, rounds = 2.0, 10
        lat, wall = run_clients(caller, [(urls[c % len(urls)], tokens[c], c, rounds, pace)
                                         for c in counters])
        print(f"call-next sustained: {len(counters)} counters each calling every {pace:.0f} s "
              f"({len(lat)} calls, {len(lat) / wall:.0f} calls/s): median "
              f"{statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
