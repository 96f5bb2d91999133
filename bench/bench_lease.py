"""What a lease costs and how fast a survivor takes over (server/services/leases.py).

(a) one renewal (a write transaction with fsync on the database file), median / p99;
(b) kill -9 of the holder → a contender in another process holds the lease: when the holder ran on
    another machine (the survivor must wait for the expiry: bound TTL + TTL/3) and on this one (its
    pid is seen gone: bound TTL/3, the contender's retry interval).

Run: `.venv/bin/python bench/bench_lease.py [--ttl 3] [--runs 5]`.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.services.leases import Lease, holder_name  # noqa: E402
from server.store import Database  # noqa: E402


def _hold(db_path: str, ttl: float, holder: str, ready: "multiprocessing.Queue[int]") -> None:
    lease = Lease(Database(db_path), "bench", holder=holder, ttl=ttl)
    told = False
    while True:
        if lease.try_take() and not told:
            ready.put(os.getpid())
            told = True
        time.sleep(ttl / 3)


def takeover(db_path: str, ttl: float, same_machine: bool) -> float:
    """Seconds from kill -9 of the holder to the contender holding the lease."""
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Queue()
    holder = "elsewhere:1:x" if not same_machine else "pending"
    proc = spawn.Process(target=_hold, args=(db_path, ttl, holder, ready))
    proc.start()
    pid = ready.get(timeout=60)
    db = Database(db_path)
    if same_machine:  # name the holder as this machine names its processes, with its pid
        with db.write() as conn:
            conn.execute("UPDATE leases SET holder=? WHERE name='bench'",
                         (holder_name().replace(str(os.getpid()), str(pid)),))
    me = Lease(db, "bench", holder=f"contender:{time.monotonic_ns()}", ttl=ttl)
    assert not me.try_take()
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    proc.join()
    while not me.try_take():
        time.sleep(ttl / 3)  # the renewal interval every waiting process uses
    took = time.monotonic() - killed
    me.release()
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ttl", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "lease.db")
        db = Database(db_path)
        db.migrate()
        lease = Lease(db, "renewals", ttl=60)
        times = []
        for _ in range(500):
            t = time.perf_counter()
            lease.try_take()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        print(f"(a) renewal: median {statistics.median(times):.2f} ms, "
              f"p99 {times[int(len(times) * 0.99)]:.2f} ms (500 renewals)")
        for same, bound in ((False, args.ttl * 4 / 3), (True, args.ttl / 3)):
            got = [takeover(db_path, args.ttl, same) for _ in range(args.runs)]
            where = "this machine" if same else "another machine"
            print(f"(b) takeover, holder on {where}, TTL {args.ttl:g} s: median "
                  f"{statistics.median(got):.2f} s, max {max(got):.2f} s (bound {bound:.2f} s, "
                  f"{args.runs} runs)")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
