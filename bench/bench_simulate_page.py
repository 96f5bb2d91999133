"""The simulator's page does not stall the building's server (issue 12): kiosk issuing latency
while supervisors' simulations run, and how long a job takes from POST to its result.

Starts `xephang run` (gevent, one process) on a fresh demo database; prints p50 / p99 of kiosk
issuing (POST /api/v1/tickets) (a) with nothing else running, (b) while simulation jobs of the
demo's full day (5,000 tickets, 67 counters, REPS replications each) run, started from the page's
API (two asked for; the cap admits one core fewer than the machine has), plus (c) each job's time from POST to "done" and the time `xephang simulate` takes for the
same scenario run directly (the job's overhead: process start, the JSON). Counts, not timings,
matter on a loaded machine: compare (a) and (b) of one run.
Run: `.venv/bin/python bench/bench_simulate_page.py [--n 300] [--reps 10]`
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_issue_call import PASSWORD, pct, start_server  # noqa: E402
from tests.conftest import free_port  # noqa: E402


def issue_latencies(url: str, token: str, n: int) -> list[float]:
    s = requests.Session()
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        r = s.post(f"{url}/api/v1/tickets", json={"service": ("TP-LLTP", "NV-GPLD")[i % 2]},
                   headers={"Authorization": f"Bearer {token}"})
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 201, r.text
    return out


def line(name: str, lat: list[float]) -> str:
    return f"{name:<44} n={len(lat):4d}  p50 {pct(lat, 0.5):7.1f} ms  p99 {pct(lat, 0.99):7.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-simpage-") as tmp_s:
        tmp, port = Path(tmp_s), free_port()
        proc = start_server(tmp, port)
        url = f"http://127.0.0.1:{port}"
        try:
            kiosk = next(row.split("\t")[4] for row in (tmp / "demo-devices.txt").read_text(
                encoding="utf-8").splitlines()[1:] if row.split("\t")[0] == "kiosk-A1")
            sup = requests.Session()
            r = sup.post(f"{url}/api/v1/auth/login", json={"username": "giamsat", "password": PASSWORD})
            r.raise_for_status()
            sup.headers["Authorization"] = f"Bearer {r.json()['token']}"
            scenario = {"hours": ["07:30-11:30", "13:00-17:00"], "arrivals": {"daily_total": 5000},
                        "replications": args.reps, "seed": 1}
            print(f"command: .venv/bin/python bench/bench_simulate_page.py --n {args.n} --reps {args.reps}")
            print(line("(a) kiosk issue, nothing else", issue_latencies(url, kiosk, args.n)))
            t0 = time.perf_counter()
            answers = [sup.post(f"{url}/api/v1/simulations", json={**scenario, "seed": k})
                       for k in (1, 2)]  # the second is refused (429) where the cap is one job
            jobs = [a.json() for a in answers if a.status_code == 202]
            assert jobs and all(a.status_code in (202, 429) for a in answers), [a.text for a in answers]
            during = issue_latencies(url, kiosk, args.n)
            ends: dict[str, float] = {}
            while len(ends) < len(jobs):
                for j in jobs:
                    if j["id"] not in ends and sup.get(f"{url}/api/v1/simulations/{j['id']}").json()[
                            "status"] != "running":
                        ends[j["id"]] = time.perf_counter() - t0
                time.sleep(0.2)  # polling, as the page does: the API has no push for jobs
            print(line(f"(b) kiosk issue, {len(jobs)} simulation job(s) running", during))
            print(f"(c) jobs done after {', '.join(f'{v:.1f}' for v in ends.values())} s "
                  f"({args.reps} replications of 5,000 tickets each; "
                  f"{2 - len(jobs)} of 2 refused: simulation_busy)")
            (tmp / "sc.json").write_text(json.dumps(scenario))
            toml = "\n".join(['hours = ["07:30-11:30", "13:00-17:00"]', f"replications = {args.reps}",
                              "seed = 1", "[arrivals]", "daily_total = 5000"])
            (tmp / "sc.toml").write_text(toml)
            t1 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "server.cli", "simulate", "--db", str(tmp / "x.db"),
                            "--scenario", str(tmp / "sc.toml"), "--json"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
            print(f"(d) the same scenario by the command, alone: {time.perf_counter() - t1:.1f} s")
        finally:
            proc.terminate()
            proc.wait(timeout=15)


if __name__ == "__main__":
    main()
