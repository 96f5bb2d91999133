"""Where should CPU work go so the gevent loop keeps answering: inline, gevent's thread pool, or a
worker process? For drawing a ticket (Pillow) and a login's scrypt hash.

A greenlet ticks every 1 ms and records how late each tick is (the loop's stall) while 4 greenlets
keep doing the work, each job through one of the three roads. Prints jobs/s and the loop's tick
lateness p50 / p99 / max. Run: `.venv/bin/python bench/bench_offload.py`
"""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import multiprocessing as mp  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from gevent import get_hub  # noqa: E402
from werkzeug.security import check_password_hash, generate_password_hash  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_ticket import TYPICAL  # noqa: E402
from printers.ticket import ticket_bytes  # noqa: E402

HASH = generate_password_hash("a-password")


def draw() -> int:
    return len(ticket_bytes(TYPICAL, "80mm"))


def login() -> bool:
    return check_password_hash(HASH, "wrong")


def run(name: str, work, road: str, seconds: float, procs: ProcessPoolExecutor) -> None:  # noqa: ANN001
    late: list[float] = []
    done = 0
    stop = time.perf_counter() + seconds

    def ticker() -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            gevent.sleep(0.001)
            late.append((time.perf_counter() - t0 - 0.001) * 1000)

    def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            if road == "inline":
                work()
            elif road == "threadpool":
                get_hub().threadpool.apply(work)
            else:
                fut = procs.submit(work)
                gevent.get_hub().threadpool.apply(fut.result)  # wait without blocking the loop
            done += 1

    gevent.joinall([gevent.spawn(ticker)] + [gevent.spawn(worker) for _ in range(4)])
    late.sort()
    print(f"{name:<12} {road:<11} {done / seconds:6.0f} jobs/s   loop lateness p50 "
          f"{statistics.median(late):5.2f} ms  p99 {late[int(len(late) * 0.99)]:6.2f} ms  "
          f"max {late[-1]:6.1f} ms", flush=True)


def main() -> None:
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as procs:  # as the server
        procs.submit(draw).result()  # warm the workers (fonts loaded)
        for name, work in (("ticket PNG", draw), ("scrypt", login)):
            for road in ("inline", "threadpool", "process"):
                run(name, work, road, 4.0, procs)
    print("command: .venv/bin/python bench/bench_offload.py (2 cores, shared with other work)")


if __name__ == "__main__":
    main()
