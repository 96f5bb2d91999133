"""Cost of device health with a building's worth of screens: a heartbeat, a connect, the periodic
check that raises alerts — its database read (calendar, device list; off the event loop) and its
comparison (on the loop; it looks only at devices that changed or reached a deadline) — and the
batched write of last contacts (run off the loop) — for 1,000 devices, of which 1% leave and
come back each round.

Run: `.venv/bin/python bench/bench_device_health.py [--devices 1000] [--runs 50]`
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.services.context import Context, stamp, now_local  # noqa: E402
from server.services.device_health import DeviceHealth  # noqa: E402
from server.setup import initialize  # noqa: E402
from server.store import Database, accounts  # noqa: E402


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (ms)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def main() -> None:
    """Print median and p99 of each step."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "x.db")
        initialize(db, None, demo=False)
        with db.write() as conn:
            ids = [accounts.add_device(conn, f"screen-{i}", "display", None, None, None, "80mm",
                                       f"token-{i}", stamp(now_local())) for i in range(args.devices)]
        ctx = Context.open(db)
        clock_at = [time.time()]
        health = DeviceHealth(ctx, clock=lambda: clock_at[0])
        connect, beat, read, check, due, flush = [], [], [], [], [], []
        for i, d in enumerate(ids):
            t = time.perf_counter()
            health.connected(f"sid-{i}", d)
            connect.append(time.perf_counter() - t)
        t = time.perf_counter()
        first = len(health.check())  # every device comes online: one message each, once
        first_ms = (time.perf_counter() - t) * 1000
        for run in range(args.runs):
            clock_at[0] += 31  # every device's last contact is due for writing each round
            for d in ids:
                t = time.perf_counter()
                health.heartbeat(d, "/board?zone=A1", "0.1.0")
                beat.append(time.perf_counter() - t)
            for i in range(run % 100, len(ids), 100):  # 1% leave, and come back next round
                health.disconnected(f"sid-{i}")
                health.connected(f"sid-{i}", ids[i])
            t = time.perf_counter()
            reading = health._read(clock_at[0])
            read.append(time.perf_counter() - t)
            t = time.perf_counter()
            health.compare(reading, clock_at[0])
            check.append(time.perf_counter() - t)
            t = time.perf_counter()
            rows = health.due_writes()
            due.append(time.perf_counter() - t)
            t = time.perf_counter()
            accounts.write_device_health(db.path, rows)
            flush.append(time.perf_counter() - t)
            assert len(rows) == len(ids)
        print(f"{args.devices} devices, {args.runs} rounds ({sys.argv[0]} --devices {args.devices} "
              f"--runs {args.runs})")
        print(f"  first check after start ({first} devices come online)  {first_ms:8.3f} ms")
        for name, values in (("connect", connect), ("heartbeat", beat),
                             ("check: read (off the loop)", read),
                             ("check: compare (on the loop)", check),
                             (f"flush: pick due rows (on the loop)", due),
                             (f"flush: write {args.devices} rows (off the loop)", flush)):
            print(f"  {name:<40} median {statistics.median(values) * 1000:8.3f} ms   "
                  f"p99 {pct(values, 99):8.3f} ms")


if __name__ == "__main__":
    main()
