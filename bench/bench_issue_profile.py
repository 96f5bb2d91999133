"""Where one issue's server time goes: the real server's CPU per ticket, with or without a printer.

Starts `xephang run` (gevent) on a roomy demo database, 4 client processes issue `--tickets`
tickets over HTTP from a kiosk without a printer (`plain`) or with a fake TCP ESC/POS printer
(`print`, waits until every ticket is cut), and prints the server's CPU ms per ticket (from /proc:
a loaded machine blurs it least), the drawing process's, how long printing lagged behind issuing,
and tickets/s (noise under load). `--profile FILE` runs the server under cProfile and prints the
functions of the issue path by cumulative time per ticket (greenlet switches blur cProfile's
waits: compare CPU first). `--server-root DIR`: the server of another checkout (e.g. main).

Run: `.venv/bin/python bench/bench_issue_profile.py [--mode plain|print] [--tickets 4000]
      [--service TP-LLTP | --spread] [--profile /tmp/x.prof] [--server-root DIR]`
"""
from __future__ import annotations

import argparse
import os
import pstats
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_issue_call import PASSWORD, issuer, pct, run_clients  # noqa: E402
from bench.bench_stall import CUT, children_cpu_seconds, cpu_seconds, free_port, roomy_database  # noqa: E402
from tests.support.fake_printer import FakePrinter  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mode", choices=["plain", "print"], default="plain")
    ap.add_argument("--tickets", type=int, default=4000)
    ap.add_argument("--spread", action="store_true",
                    help="spread tickets over every service without a daily cap (as bench_issue_call)")
    ap.add_argument("--profile", help="run the server under cProfile, stats to this file")
    ap.add_argument("--server-root", default=str(ROOT))
    args = ap.parse_args()
    root = Path(args.server_root).resolve()
    with tempfile.TemporaryDirectory() as d, FakePrinter() as printer:
        db = str(Path(d) / "x.db")
        roomy_database(root, db)
        port = free_port()
        run = ["-m", "cProfile", "-o", args.profile, "-m", "server.cli"] if args.profile \
            else ["-m", "server.cli"]
        proc = subprocess.Popen([sys.executable, *run, "run", "--db", db, "--port", str(port)],
                                cwd=root, env=dict(os.environ, XEPHANG_DEMO_PASSWORD=PASSWORD),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if requests.get(url + "/api/v1/site", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.1)
            # A kiosk of zone A1 (TP-LLTP), or of every zone when the tickets are spread.
            made = subprocess.run(
                [sys.executable, "-m", "server.cli", "device", "add", "bench-kiosk", "--kind", "kiosk",
                 "--db", db, *([] if args.spread else ["--zone", "A1"]),
                 *(["--printer", printer.url] if args.mode == "print" else [])],
                cwd=root, capture_output=True, text=True, check=True)
            token = made.stdout.strip().splitlines()[-1]
            services = ["TP-LLTP"]
            if args.spread:
                from server.site import DEMO_SITE, read_site_file
                capped = {s["code"] for s in read_site_file(DEMO_SITE)["services"] if s.get("daily_cap")}
                services = [s["code"] for s in requests.get(url + "/api/v1/site").json()["services"]
                            if s["code"] not in capped]
            n = args.tickets - args.tickets % 4
            cpu0, kids0 = cpu_seconds(proc.pid), children_cpu_seconds(proc.pid)
            lat, wall = run_clients(issuer, [(url, token, services, n // 4)] * 4)
            issued = time.perf_counter()
            if args.mode == "print":
                printer.wait_until(lambda p: p.received.count(CUT) >= n, timeout=600)
            lag = time.perf_counter() - issued
            cpu, kids = cpu_seconds(proc.pid) - cpu0, children_cpu_seconds(proc.pid) - kids0
            print(f"{args.mode}: {n} tickets, {n / wall:.0f} tickets/s, median "
                  f"{statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms; server CPU "
                  f"{cpu * 1000 / n:.2f} ms a ticket, drawing process {kids * 1000 / n:.2f} ms; "
                  f"cut {printer.received.count(CUT)}, the last {lag:.2f} s after the last issue "
                  f"(load average {os.getloadavg()[0]:.1f})")
        finally:
            proc.send_signal(signal.SIGINT)  # cProfile writes its file on the way out
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    if args.profile and Path(args.profile).exists():
        stats = pstats.Stats(args.profile)
        stats.sort_stats("cumulative")
        print("issue path, cumulative ms per ticket (under cProfile):")
        rows = [(v[3], k) for k, v in stats.stats.items()  # type: ignore[attr-defined]
                if any(part in k[0] for part in ("/server/services/", "/server/engine/", "/printers/"))
                and not k[2].endswith("forever")]  # background loops: their own time
        for cum, (file, line, name) in sorted(rows, reverse=True)[:25]:
            print(f"  {cum * 1000 / n:8.3f}  {Path(file).parent.name}/{Path(file).name}:{line}({name})")
    print(f"command: .venv/bin/python bench/bench_issue_profile.py {' '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()
