"""From the kiosk's request to the last byte at the printer: p50 / p99, and bytes per ticket.

Starts `xephang run` (gevent) on a fresh database, registers a kiosk whose printer is a fake ESC/POS
network printer (a real TCP server on 127.0.0.1, tests/support/fake_printer.py), issues tickets one
after another and times each from sending the request to the printer receiving the ticket's cut.
Run: `.venv/bin/python bench/bench_print.py [--tickets 100]`
"""
from __future__ import annotations

import argparse
import os
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
from tests.support.fake_printer import FakePrinter  # noqa: E402

CUT = b"\x1dV"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=100)
    args = ap.parse_args()
    port = 5598
    with tempfile.TemporaryDirectory() as d, FakePrinter() as printer:
        proc = start_server(Path(d), port)
        url = f"http://127.0.0.1:{port}"
        try:
            out = subprocess.run([sys.executable, "-m", "server.cli", "device", "add", "bench-kiosk",
                                  "--kind", "kiosk", "--zone", "A1", "--printer", printer.url,
                                  "--db", str(Path(d) / "x.db")], cwd=ROOT, capture_output=True,
                                 text=True, check=True)
            token = out.stdout.strip().splitlines()[-1]
            s = requests.Session()
            lat, sizes = [], []
            for i in range(args.tickets):
                before = len(printer.received)
                cuts = printer.received.count(CUT)
                t0 = time.perf_counter()
                r = s.post(f"{url}/api/v1/tickets", json={"service": "TP-LLTP"},
                           headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 201, r.text
                assert printer.wait_until(lambda p: p.received.count(CUT) > cuts, timeout=10)
                lat.append((time.perf_counter() - t0) * 1000)
                sizes.append(len(printer.received) - before)
        finally:
            proc.terminate()
            proc.wait()
    print(f"kiosk request → last byte at the printer (tcp, 80mm), {len(lat)} tickets: "
          f"median {statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms; "
          f"bytes per ticket median {int(statistics.median(sizes))} (incl. status queries)")
    print(f"command: .venv/bin/python bench/bench_print.py --tickets {args.tickets} "
          f"(machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
