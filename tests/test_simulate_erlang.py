"""The simulator against queueing theory: one service, Poisson arrivals, exponential service times
and c counters is an M/M/c queue, whose mean wait and P(wait > t) Erlang C gives exactly.

The simulated days run the real engine (choose_next, lifecycle, numbering) around the clock for
1,600 days (40 replications x 40 days, ~345,000 tickets, seeded); the first hour of each day is left
out (the queue starts empty). Mean wait and P(wait > 3 min) against theory, seeds 1-4:
-1.5/-1.3%, +1.0/+1.3%, -2.1/-2.0%, -2.1/-1.3% (at 800 days the spread was up to 4%).
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from server.simulate.runner import simulate
from server.simulate.scenario import parse_scenario
from server.simulate.site_source import SiteSource, from_file

SITE = """
[site]
name = "Erlang"
[[zones]]
code = "Z"
name = "Khu Z"
floor = 1
[[units]]
code = "U"
name = "Đơn vị U"
[[services]]
code = "S"
unit = "U"
zone = "Z"
name = "Dịch vụ S"
first_number = 1
width = 4
{counters}
"""


def erlang_c(c: int, a: float) -> float:
    """The probability an arrival waits in M/M/c with offered load a = lambda/mu (Erlang C)."""
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)


def site_with(tmp_path: Path, c: int) -> SiteSource:
    counters = "".join(f'[[counters]]\nnumber = {n}\nzone = "Z"\nservices = ["S"]\n' for n in range(1, c + 1))
    path = tmp_path / "site.toml"
    path.write_text(SITE.format(counters=counters), encoding="utf-8")
    return from_file(path)


def scenario(c: int, per_hour: float, mean: float, target: float, seed: int = 1,
             replications: int = 40, days: int = 40) -> dict[str, object]:
    return {"seed": seed, "replications": replications, "days": days, "hours": ["00:00-24:00"],
            "counters": list(range(1, c + 1)), "arrivals": {"S": {"per_hour": per_hour}},
            "service_time": {"S": {"dist": "exponential", "mean_min": mean}},
            "targets": {"S": target}, "warmup_min": 60}


def test_mean_wait_and_tail_agree_with_erlang_c(tmp_path: Path) -> None:
    c, mean, per_hour, t = 3, 10.0, 9.0, 3.0  # offered load 1.5 on 3 counters: 50% busy
    lam, mu = per_hour / 60, 1 / mean
    p_wait = erlang_c(c, lam / mu)
    wq = p_wait / (c * mu - lam)
    p_over = p_wait * math.exp(-(c * mu - lam) * t)
    src = site_with(tmp_path, c)
    r = simulate(parse_scenario(scenario(c, per_hour, mean, t)), src)["services"]["S"]
    assert r["wait_mean_min"]["value"] == pytest.approx(wq, rel=0.05)
    assert r["p_wait_over_target"]["value"] == pytest.approx(p_over, rel=0.05)
    assert r["utilization"]["value"] == pytest.approx(lam / mu / c, rel=0.05)
    assert r["issued"]["value"] == pytest.approx(per_hour * 24, rel=0.02)
    assert r["served"]["value"] == r["issued"]["value"]  # after_hours = serve: every ticket served


def test_a_short_run_is_reproducible_and_the_seed_matters(tmp_path: Path) -> None:
    src = site_with(tmp_path, 2)
    small = dict(scenario(2, 9.0, 10.0, 5.0, replications=3, days=2))
    a = simulate(parse_scenario(small), src)
    assert simulate(parse_scenario(small), src) == a
    other = simulate(parse_scenario({**small, "seed": 2}), src)
    assert other["services"]["S"]["wait_mean_min"] != a["services"]["S"]["wait_mean_min"]


def test_an_overloaded_queue_breaks_the_target_and_clears_after_closing(tmp_path: Path) -> None:
    """Twice the arrivals one counter can take from 8:00 to 10:00: the queue clears about 2 h late."""
    src = site_with(tmp_path, 1)
    sc = {**scenario(1, 12.0, 10.0, 30.0, replications=20, days=1), "hours": ["08:00-10:00"],
          "warmup_min": 0}
    r = simulate(parse_scenario(sc), src)["services"]["S"]
    assert r["p_wait_over_target"]["value"] > 0.4
    assert r["utilization"]["value"] > 0.9
    h, m = map(int, r["last_served_at"].split(":"))
    assert 11 * 60 <= h * 60 + m <= 13 * 60
