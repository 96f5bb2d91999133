"""Call → every screen across processes (issue 9): an officer's call-next to the moment every
lobby screen has `ticket.called`, for
  - single:  one `xephang run` without a message queue (today's default),
  - mq-1:    one `xephang run --message-queue` (Redis, outbox relay),
  - mq-3:    three `xephang run --message-queue` on one SQLite file, the screens spread evenly over
             them, the calls rotated over them (most calls are made on a process that does not
             hold the relay: the relay is woken through Redis).
A throwaway redis-server (Debian package, no persistence) on a free port; the screens are
bench/fanout_clients.py (one process, raw Engine.IO clients, websocket), logged in as the
supervisor (the staff copy of a call carries the ticket id the clients key arrivals by). Each call is awaited on
every screen (and its counter.changed) before the next. Prints p50/p99 in ms of "all screens"
(per call, the last screen), "per screen" and the request. 127.0.0.1 only.
`--db postgresql`: every set-up on a fresh database of a throwaway PostgreSQL cluster (durable)
instead of a SQLite file (issue 9's deployment: PostgreSQL + Redis).
Run: .venv/bin/python bench/bench_mq_fanout.py --screens 200 --calls 100 [--db postgresql]
"""
from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_fanout import Clients, Series, fmt, free_port, record, wait_http  # noqa: E402
from tests.support.redis_server import redis_server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-mq-pass"
HOST = "127.0.0.1"


class Deployment:
    """N server processes on one database file (joined by `queue` when given), an officer of
    `counter` logged in once, calls rotated over the processes."""

    settle = True

    def __init__(self, tmp: Path, name: str, processes: int, queue: str | None, counter: int,
                 db: str | None = None) -> None:
        self.name, self.counter, self.procs, self.urls = name, counter, [], []
        folder = tmp / name
        folder.mkdir()
        db = db or str(folder / "x.db")  # a PostgreSQL URL, else a SQLite file of its own
        for i in range(processes):
            env = dict(os.environ, XEPHANG_DEMO_PASSWORD=PASSWORD, PYTHONUNBUFFERED="1",
                       XEPHANG_RUNTIME_DIR=str(folder / f"run{i}"))
            port = free_port()
            url = f"http://{HOST}:{port}"
            log = tmp / f"{name}-{i}.log"
            cmd = [sys.executable, "-m", "server.cli", "run", "--db", db,
                   "--port", str(port)] + (["--message-queue", queue] if queue else [])
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(log, "ab"),
                                    stderr=subprocess.STDOUT)
            self.procs.append(proc)
            wait_http(f"{url}/api/v1/site", proc, log)  # one after the other: the first loads the demo
            self.urls.append(url)
        self.http = requests.Session()
        self.http.trust_env = False
        # The screens log in as the supervisor: the staff copy of a call names its ticket (the
        # clients key arrivals by ticket id); it reaches the same processes as a board's.
        r = self.http.post(f"{self.urls[0]}/api/v1/auth/login",
                           json={"username": "giamsat", "password": PASSWORD})
        r.raise_for_status()
        self.token = r.json()["token"]
        r = self.http.post(f"{self.urls[0]}/api/v1/auth/login",
                           json={"username": f"canbo{counter}", "password": PASSWORD})
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['token']}"
        self.calls = 0

    def prepare(self, tickets: int) -> None:
        """Open the counter and issue a ticket for every call."""
        url = self.urls[0]
        service = self.http.get(f"{url}/api/v1/counters/{self.counter}").json()["counter"]["services"][0]
        self.http.post(f"{url}/api/v1/counters/{self.counter}/open", json={}).raise_for_status()
        for i in range(tickets):
            r = self.http.post(f"{self.urls[i % len(self.urls)]}/api/v1/tickets", json={"service": service})
            if r.status_code != 201:
                raise RuntimeError(f"issue failed: {r.status_code} {r.text}")

    def fire(self, payload: Any = None) -> tuple[int, float, float]:
        """POST call-next on the next process; the called ticket's id, the stamp, the request's ms."""
        url = self.urls[self.calls % len(self.urls)]
        self.calls += 1
        t0 = time.monotonic()
        r = self.http.post(f"{url}/api/v1/counters/{self.counter}/call-next", json={})
        ms = (time.monotonic() - t0) * 1000
        r.raise_for_status()
        return int(r.json()["ticket"]["id"]), t0, ms

    def stop(self) -> None:
        """Stop every process."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main() -> int:
    """Run the benchmark and print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--screens", type=int, default=200)
    p.add_argument("--calls", type=int, default=100)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--counter", type=int, default=2)
    p.add_argument("--only", default="single,mq-1,mq-3", help="which set-ups, comma-separated")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite",
                   help="postgresql: a throwaway cluster, a fresh database per set-up")
    args = p.parse_args()
    cluster = None
    if args.db == "postgresql":
        from tests.support.pg_cluster import PgCluster
        cluster = PgCluster(durable=True)
    started = time.monotonic()
    load_before = os.getloadavg()
    results: dict[str, Series] = {}
    notes: list[str] = []
    setups = {"single": (1, False), "mq-1": (1, True), "mq-3": (3, True)}
    with tempfile.TemporaryDirectory(prefix="xephang-mq-") as d, redis_server(Path(d)) as queue:
        tmp = Path(d)
        for name in args.only.split(","):
            processes, with_queue = setups[name]
            deployment = clients = None
            try:
                deployment = Deployment(tmp, name, processes, queue if with_queue else None,
                                        args.counter,
                                        cluster.create_database(migrated=False) if cluster else None)
                deployment.prepare(args.calls + args.warmup + 1)
                clients = Clients(tmp / f"clients-{name}.log", "raw")
                urls = deployment.urls
                for i, url in enumerate(urls):  # the screens spread evenly over the processes
                    n = args.screens // len(urls) + (i < args.screens % len(urls))
                    clients.ask(timeout=300, op="connect", target=name, url=url,
                                token=deployment.token, n=n)
                series = results[name] = Series()
                for i in range(args.warmup + args.calls):
                    key, t0, ms = deployment.fire()
                    a = clients.ask(timeout=35, op="expect", target=name, key=key, timeout_s=25,
                                    settle=True)
                    if a["duplicates"] or a["disconnects"]:
                        raise RuntimeError(f"{name}: {a['duplicates']} duplicate events, "
                                           f"{a['disconnects']} disconnects")
                    if i >= args.warmup:
                        record(series, a, t0, ms)
            except Exception as exc:  # print what was measured, then why it stopped
                notes.append(f"{name}: stopped early: {type(exc).__name__}: {exc}")
            finally:
                if clients:
                    clients.close()
                if deployment:
                    deployment.stop()
    if cluster:
        cluster.stop()
    print(f"\ncall-next → ticket.called on {args.screens} screens (staff copy), {args.db}, ms "
          f"(nearest-rank p50/p99 over {args.calls} calls)")
    pair = f"{'p50':>7} {'p99':>7}"
    print(f"{'set-up':<8} | {'all screens':^15} | {'per screen':^15} | {'request':^15}")
    print(f"{'':<8} | {pair} | {pair} | {pair}")
    for name, x in results.items():
        print(f"{name:<8} | {fmt(x.all_screens)} | {fmt(x.per_screen)} | {fmt(x.request)}")
    for n in notes:
        print(f"  {n}")
    load_after = os.getloadavg()
    print(f"  load average (1/5/15 min): before {'/'.join(f'{v:.2f}' for v in load_before)}, "
          f"after {'/'.join(f'{v:.2f}' for v in load_after)}; {os.cpu_count()} cores; "
          f"{time.monotonic() - started:.0f}s total")
    print(f"  command: {shlex.join([os.path.relpath(sys.executable, ROOT), *sys.argv])}")
    return 0 if results and not notes else 1


if __name__ == "__main__":
    sys.exit(main())
