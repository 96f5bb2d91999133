"""Replications of a scenario and their summary per service, unit and counter."""
from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterable
from typing import Any

from .day import DayResult, simulate_day
from .inputs import BIN_MIN, Plan, resolve
from .scenario import Scenario
from .site_source import SiteSource
from .stats import quantile, with_ci

METRICS = ("wait_mean_min", "wait_p50_min", "wait_p90_min", "wait_max_min", "p_wait_over_target",
           "served", "issued", "utilization", "last_served_min", "no_show", "wait_mean_priority_min",
           "wait_mean_normal_min", "transferred_in", "wait_after_transfer_mean_min")


def clock(minutes: float | None) -> str | None:
    """Minutes after midnight as HH:MM."""
    if minutes is None or math.isnan(minutes):
        return None
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def _measures(days: list[DayResult], plan: Plan, codes: set[str], target: float,
              counters: set[int]) -> dict[str, float]:
    """One replication's measures over the tickets of `codes` and the time of `counters`."""
    start = plan.periods[0][0] + plan.warmup_min
    waits: list[float] = []
    by_class: dict[bool, list[float]] = {True: [], False: []}
    over = counted = served = issued = missed = 0
    second: list[float] = []  # waits of tickets sent on to these services, from transfer to call
    last: list[float] = []
    busy = 0.0
    for d in days:
        t = d.tickets
        day_last = math.nan
        for i, moved in enumerate(t.transferred):
            again = t.recalled[i]
            if moved is not None and again is not None and d.onward[i] in codes:
                second.append(again - moved)
        for i, code in enumerate(t.service):
            if code not in codes:
                continue
            issued += 1
            missed += t.no_show[i] and t.called[i] is not None
            done = t.finished[i]
            if done is not None:
                served += 1
                day_last = done if math.isnan(day_last) else max(day_last, done)
            if t.issued[i] < start:
                continue
            counted += 1
            called = t.called[i]
            if called is None:
                over += 1
                continue
            wait = called - t.issued[i]
            waits.append(wait)
            by_class[t.priority[i]].append(wait)
            over += wait > target
        last.append(day_last)
        busy += sum(sum(d.busy[n].values()) for n in counters)
    open_min = sum(b - a for c, periods in zip(plan.counters, plan.counter_periods)
                   if c.number in counters for a, b in periods) * len(days)
    waits.sort()
    lasts = [x for x in last if not math.isnan(x)]
    nan = math.nan
    return {
        "wait_mean_min": sum(waits) / len(waits) if waits else nan,
        "wait_p50_min": quantile(waits, 0.5), "wait_p90_min": quantile(waits, 0.9),
        "wait_max_min": waits[-1] if waits else nan,
        "p_wait_over_target": over / counted if counted else nan,
        "served": served / len(days), "issued": issued / len(days),
        "utilization": busy / open_min if open_min else nan,
        "last_served_min": sum(lasts) / len(lasts) if lasts else nan,
        "no_show": missed / len(days),
        "wait_mean_priority_min": sum(by_class[True]) / len(by_class[True]) if by_class[True] else nan,
        "wait_mean_normal_min": sum(by_class[False]) / len(by_class[False]) if by_class[False] else nan,
        "transferred_in": len(second) / len(days),
        "wait_after_transfer_mean_min": sum(second) / len(second) if second else nan,
    }


def queue_by_bin(days: Iterable[DayResult], codes: set[str], bins: list[float]) -> list[float]:
    """Mean number waiting (issued, not yet called) at each bin boundary, over the days given."""
    totals = [0.0] * len(bins)
    n = 0
    for d in days:
        t = d.tickets
        issued = sorted(t.issued[i] for i, c in enumerate(t.service) if c in codes)
        called = sorted(x for i, c in enumerate(t.service) if c in codes and (x := t.called[i]) is not None)
        for k, at in enumerate(bins):
            totals[k] += bisect.bisect_right(issued, at) - bisect.bisect_right(called, at)
        n += 1
    return [round(x / n, 2) for x in totals] if n else totals


def replicate(plan: Plan, src: SiteSource, seed: int, replications: int, days: int) -> list[list[DayResult]]:
    """Run the replications: each its own random stream from the seed, `days` days each."""
    out = []
    for rep in range(replications):
        rng = random.Random(f"xephang-sim/{seed}/{rep}")
        out.append([simulate_day(plan, src.site, rng, d) for d in range(days)])
    return out


def _summary(runs: list[list[DayResult]], plan: Plan, codes: set[str], target: float,
             counters: set[int], bins: list[float]) -> dict[str, Any]:
    per_rep = [_measures(r, plan, codes, target, counters) for r in runs]
    out: dict[str, Any] = {m: with_ci([p[m] for p in per_rep]) for m in METRICS}
    out["wait_target_min"] = target
    out["last_served_at"] = clock(out["last_served_min"]["value"])
    out["counters"] = len(counters)
    out["queue_by_15min"] = queue_by_bin((d for r in runs for d in r), codes, bins)
    return out


def simulate(sc: Scenario, src: SiteSource) -> dict[str, Any]:
    """Run a scenario on its site and summarise it per service, unit and counter."""
    return simulate_plan(resolve(sc, src), src, sc)


def simulate_plan(plan: Plan, src: SiteSource, sc: Scenario) -> dict[str, Any]:
    """Run a resolved plan with the scenario's seed, replications and days; summarise it."""
    runs = replicate(plan, src, sc.seed, sc.replications, sc.days)
    end = max(d.closed_at for r in runs for d in r)
    first = plan.periods[0][0]
    bins = [first + k * BIN_MIN for k in range(int((max(end, plan.periods[-1][1]) - first) // BIN_MIN) + 1)]
    serving: dict[str, set[int]] = {}
    for c in plan.counters:
        for code in c.services:
            serving.setdefault(code, set()).add(c.number)
    services = {}
    for code in sorted(plan.services):
        services[code] = {"unit": plan.services[code], "service_time": plan.sources[code],
                          **_summary(runs, plan, {code}, plan.targets[code], serving.get(code, set()), bins)}
    if plan.replay:  # what was recorded that day, beside what the replay gives
        for code, out in services.items():
            waited = sorted(x.waited for x in plan.replay if x.service == code and x.waited is not None)
            out["recorded"] = {"tickets": sum(1 for x in plan.replay if x.service == code),
                               "wait_p50_min": round(quantile(waited, 0.5), 3) if waited else None,
                               "wait_mean_min": round(sum(waited) / len(waited), 3) if waited else None}
    units = {}
    for unit in sorted(set(plan.services.values())):
        codes = {c for c, u in plan.services.items() if u == unit}
        target = min(plan.targets[c] for c in codes)
        counters = set().union(*(serving.get(c, set()) for c in codes))
        units[unit] = {"services": sorted(codes), **_summary(runs, plan, codes, target, counters, bins)}
    counter_util = {str(c.number): with_ci([sum(sum(d.busy[c.number].values()) for d in r) /
                                            (sum(b - a for a, b in periods) * len(r)) for r in runs])
                    for c, periods in zip(plan.counters, plan.counter_periods)}
    refused: dict[str, float] = {}
    for r in runs:
        for d in r:
            for code, n in d.tickets.refused.items():
                refused[code] = refused.get(code, 0) + n / (len(runs) * len(r))
    return {
        "scenario": {"site": plan.site_label, "seed": sc.seed, "replications": sc.replications,
                     "days": sc.days, "hours": [f"{clock(a)}-{clock(b)}" for a, b in plan.periods],
                     "counters": len(plan.counters), "policy": {
                         "priority_ratio": plan.policy.priority_ratio,
                         "aging_minutes": plan.policy.aging_minutes, "order": plan.policy.order},
                     "arrival_shares_from": plan.weights_from, "warmup_min": sc.warmup_min},
        "assumptions": sc.assumptions(),
        "services": services, "units": units, "counters": counter_util,
        "refused_per_day": {k: round(v, 2) for k, v in sorted(refused.items())},
        "services_without_counters": sorted(c for c in plan.services if not serving.get(c)),
        "overtime_min_per_day": {  # minutes each counter worked after closing, mean per day
            str(c.number): round(sum(d.overtime[c.number] for r in runs for d in r) /
                                 sum(len(r) for r in runs), 1) for c in plan.counters},
        "queue_bins_from": clock(first), "queue_bin_min": BIN_MIN,
    }
