"""How long one full building day takes to simulate: the demo site, 5,000 tickets (60% between 7:30
and 10:30), all 67 counters, the real engine. Target < 2 s per day (issue 12).

Prints median and p99 of RUNS single-day simulations (site loading excluded, measured once), then
the planner's time for one unit on the demo's peak day (config/scenarios/demo-day.toml, 10
replications; target < 30 s). Run: `.venv/bin/python bench/bench_simulate.py [RUNS] [UNIT]`
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.simulate.planner import plan_unit  # noqa: E402
from server.simulate.runner import simulate  # noqa: E402
from server.simulate.scenario import parse_scenario, read_scenario  # noqa: E402
from server.simulate.site_source import from_file  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    t0 = time.perf_counter()
    src = from_file(ROOT / "config" / "site.toml")
    load_s = time.perf_counter() - t0
    times, tickets = [], []
    for seed in range(1, runs + 1):
        sc = parse_scenario({"seed": seed, "replications": 1, "days": 1,
                             "hours": ["07:30-11:30", "13:00-17:00"],
                             "arrivals": {"daily_total": 5000}})
        t0 = time.perf_counter()
        result = simulate(sc, src)
        times.append(time.perf_counter() - t0)
        tickets.append(sum(s["issued"]["value"] for s in result["services"].values()))
    print(f"bench_simulate: {runs} building days (demo site, {len(src.site.counters)} counters, "
          f"~{statistics.mean(tickets):.0f} tickets/day; site load {load_s * 1000:.0f} ms once)")
    print(f"  one day, simulated and summarised: median {statistics.median(times) * 1000:.0f} ms, "
          f"p99 {pct(times, 0.99) * 1000:.0f} ms (target < 2000 ms)")
    unit = sys.argv[2] if len(sys.argv) > 2 else "NNMT"
    t0 = time.perf_counter()
    plan = plan_unit(read_scenario(ROOT / "config" / "scenarios" / "demo-day.toml"), src, unit)
    plan_s = time.perf_counter() - t0
    print(f"  planner for {unit}: {plan_s:.1f} s, {plan['simulations']} simulations of the unit + 2 of "
          f"the whole building (target < 30 s)")
    print(f"  command: .venv/bin/python bench/bench_simulate.py {runs} {unit}")


if __name__ == "__main__":
    main()
