"""Printing with two processes on one database: kiosk request → ticket cut at the printer, p50/p99,
when the request reaches the holder of the `printing` lease (printed at once) and when it reaches
the other process (the job waits for the holder's next look at the table, every 0.2 s by default,
`XEPHANG_PRINT_DISPATCH_S`); and the database writes the print jobs cost per ticket.

Starts two `xephang run` (gevent) on a fresh database, a kiosk printing on a fake ESC/POS network
printer (a real TCP server, tests/support/fake_printer.py), issues tickets alternately through
each process, one after another.
Run: `.venv/bin/python bench/bench_print_processes.py [--tickets 60]`
"""
from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_issue_call import pct, start_server  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.support.fake_printer import FakePrinter  # noqa: E402

CUT = b"\x1dV"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d, FakePrinter() as printer:
        db = Path(d) / "x.db"
        ports = [free_port(), free_port()]
        procs = [start_server(Path(d), ports[0])]
        try:
            out = subprocess.run([sys.executable, "-m", "server.cli", "device", "add", "bench-kiosk",
                                  "--kind", "kiosk", "--zone", "A1", "--printer", printer.url,
                                  "--db", str(db)], cwd=ROOT, capture_output=True, text=True,
                                 check=True)
            token = out.stdout.strip().splitlines()[-1]
            procs.append(start_server(Path(d), ports[1]))
            conn = sqlite3.connect(db)
            holder = conn.execute("SELECT holder FROM leases WHERE name='printing'").fetchone()[0]
            conn.close()
            holder_port = ports[0] if int(holder.split(":")[1]) == procs[0].pid else ports[1]
            s = requests.Session()
            lat: dict[str, list[float]] = {"holder": [], "other": []}
            for i in range(args.tickets):
                port = ports[i % 2]
                cuts = printer.received.count(CUT)
                t0 = time.perf_counter()
                r = s.post(f"http://127.0.0.1:{port}/api/v1/tickets", json={"service": "TP-LLTP"},
                           headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 201, r.text
                assert printer.wait_until(lambda p: p.received.count(CUT) > cuts, timeout=10)
                lat["holder" if port == holder_port else "other"].append(
                    (time.perf_counter() - t0) * 1000)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait()
    for who, values in lat.items():
        print(f"request to the {'printing lease holder' if who == 'holder' else 'other process'} "
              f"→ cut at the printer, {len(values)} tickets: median {statistics.median(values):.1f} ms, "
              f"p99 {pct(values, 0.99):.1f} ms")
    print("writes per printed ticket: the job row in the ticket's transaction (no extra commit), "
          "one `sending` mark, the outcome (batched); plus, for the other process's tickets, "
          "the holder's claim (one write per batch of queued jobs)")
    print("command: .venv/bin/python bench/bench_print_processes.py --tickets", args.tickets)


if __name__ == "__main__":
    main()
