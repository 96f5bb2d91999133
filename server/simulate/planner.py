"""The planner: the fewest counters a unit needs each hour to keep its waits within target, where
the missing ones can be borrowed from (and what that costs the units they come from).

Each candidate staffing is simulated on the same random numbers (same arrivals, service times,
priority and no-show draws), so two staffings differ only by the counters. The search simulates
only the unit (its services, its own counters, extra counters for all its services); counters it
shares with other units are left out of the search and given back in the full check at the end."""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from ..engine.model import Counter
from .day import DayResult
from .inputs import Plan, merge_periods, minus_periods, resolve
from .runner import clock, replicate, simulate_plan
from .scenario import Scenario, ScenarioError
from .site_source import SiteSource

SLOT_MIN = 60.0
EXTRA_BASE = 9000  # virtual counters the unit would need beyond its own are numbered from here
Period = tuple[float, float]


def slots_of(periods: tuple[Period, ...], length: float = SLOT_MIN) -> list[Period]:
    """The hours cut into slots of `length` minutes (a period's last slot may be shorter)."""
    out = []
    for a, b in periods:
        t = a
        while t < b:
            out.append((t, min(b, t + length)))
            t += length
    return out


def _runs(plan: Plan, src: SiteSource, seed: int, replications: int, days: int) -> list[DayResult]:
    return [d for r in replicate(plan, src, seed, replications, days) for d in r]


def within_by_slot(runs: list[DayResult], plan: Plan, codes: set[str], slots: list[Period]) -> list[float]:
    """Per slot, the share of the tickets issued in it called within their service's target."""
    ok = [0] * len(slots)
    n = [0] * len(slots)
    for d in runs:
        t = d.tickets
        for i, code in enumerate(t.service):
            if code not in codes:
                continue
            k = next((k for k, (a, b) in enumerate(slots) if a <= t.issued[i] < b), None)
            if k is None:
                continue
            n[k] += 1
            called = t.called[i]
            ok[k] += called is not None and called - t.issued[i] <= plan.targets[code]
    return [ok[k] / n[k] if n[k] else 1.0 for k in range(len(slots))]


def plan_unit(sc: Scenario, src: SiteSource, unit: str, within: float = 0.9,
              max_extra: int = 12) -> dict[str, Any]:
    """The fewest counters per hour for `unit` so that `within` of each hour's tickets are called
    within target; then a borrowing of other units' counters for the shortfall, checked in full."""
    base = resolve(sc, src)
    codes = {c for c, u in base.services.items() if u == unit}
    if not codes:
        raise ScenarioError("scenario_plan_no_unit", unit=unit)
    own = [c for c in base.counters if set(c.services) <= codes]
    shared = [c for c in base.counters if c not in own and set(c.services) & codes]
    zone = own[0].zone if own else src.site.services[sorted(codes)[0]].zone
    ordered = tuple(s for s in src.site.services if s in codes)
    pool = own + [Counter(EXTRA_BASE + k, zone, ordered, name=f"+{k + 1}") for k in range(max_extra)]
    slots = slots_of(sc.hours)
    solo = replace(base, services={c: unit for c in codes},
                   arrivals={c: a for c, a in base.arrivals.items() if c in codes})
    reps = sc.replications

    def staffed(ns: list[int]) -> Plan:
        periods = tuple(merge_periods([s for s, n in zip(slots, ns) if n > j]) for j in range(len(pool)))
        keep = [j for j in range(len(pool)) if periods[j]]
        return replace(solo, counters=tuple(pool[j] for j in keep),
                       counter_periods=tuple(periods[j] for j in keep))

    def shares(ns: list[int]) -> list[float]:
        return within_by_slot(_runs(staffed(ns), src, sc.seed, reps, sc.days), solo, codes, slots)

    ns = [len(pool)] * len(slots)
    reachable = [x >= within for x in shares(ns)]
    simulations = 1
    # Earliest hour first, each the fewest counters with which its tickets (and the earlier hours')
    # are called within target if that many stayed for the rest of the day: an hour may not leave
    # a queue only a crowd of counters later could clear.
    guess = _square_root_staffing(solo, codes, slots)
    for h in range(len(slots)):
        def fine(n: int) -> bool:
            got = shares(ns[:h] + [n] * (len(slots) - h))
            return all(got[k] >= within for k in range(h + 1) if reachable[k])
        lo, hi = 0, len(pool)
        start = min(guess[h], len(pool))  # bracket around the square-root guess first
        if fine(start):
            hi = start
            lo = max(0, start - 2) if start > 0 and not fine(max(0, start - 2)) else 0
            simulations += 2
        else:
            lo = start + 1
            simulations += 1
        while lo < hi:
            mid = (lo + hi) // 2
            simulations += 1
            if fine(mid):
                hi = mid
            else:
                lo = mid + 1
        ns[h] = lo
    for k in reversed(range(len(slots))):  # then take one away wherever the day still holds
        if ns[k] > 0:
            trial = shares(ns[:k] + [ns[k] - 1] + ns[k + 1:])
            simulations += 1
            if all(trial[j] >= within for j in range(len(slots)) if reachable[j]):
                ns[k] -= 1
    final = shares(ns)
    hours = [{"from": clock(a), "to": clock(b), "counters": n, "own_counters": len(own),
              "extra": max(0, n - len(own)), "spare": max(0, len(own) - n),
              "within_target": round(final[k], 3), "target_reachable": reachable[k]}
             for k, ((a, b), n) in enumerate(zip(slots, ns))]
    out: dict[str, Any] = {
        "unit": unit, "services": sorted(codes), "within": within,
        "own_counters": [c.number for c in own], "shared_counters_left_out": [c.number for c in shared],
        "hours": hours, "simulations": simulations + 1,
    }
    out["borrowing"] = _borrow(sc, src, base, unit, codes, own, slots, ns)
    return out


def _square_root_staffing(plan: Plan, codes: set[str], slots: list[Period]) -> list[int]:
    """A first guess per slot: offered load a (arrivals x service time) plus its square root."""
    out = []
    for a, b in slots:
        load = sum(rate * (min(b, e) - max(a, s)) * plan.mean_min[c]
                   for c in codes for s, e, rate in plan.arrivals.get(c, ()) if min(b, e) > max(a, s))
        offered = load / (b - a)
        out.append(max(1, math.ceil(offered + offered ** 0.5)))
    return out


def _borrow(sc: Scenario, src: SiteSource, base: Plan, unit: str, codes: set[str], own: list[Counter],
            slots: list[Period], ns: list[int]) -> dict[str, Any]:
    """Take the missing counters from other units' least busy counters (never a service's last
    counter in that hour) and simulate the whole building before and after."""
    before = simulate_plan(base, src, sc)
    util = {int(n): m["value"] or 0.0 for n, m in before["counters"].items()}
    moved: dict[int, list[Period]] = {}
    for (a, b), n in zip(slots, ns):
        need = n - len(own)
        if need <= 0:
            continue
        open_now = [c for c, p in zip(base.counters, base.counter_periods)
                    if any(s <= a and b <= e for s, e in p) and c.number not in moved.get(-1, [])]
        taken: list[Counter] = []
        for c in sorted((c for c in open_now if not set(c.services) & codes and not c.priority),
                        key=lambda c: (util.get(c.number, 0.0), c.number)):
            if len(taken) == need:
                break
            left = [x for x in open_now if x is not c and x not in taken]
            if all(any(s in x.services for x in left) for s in c.services):
                taken.append(c)
        for c in taken:
            moved.setdefault(c.number, []).append((a, b))
    if not moved:
        return {"moves": [], "note": "the unit's own counters are enough"}
    ordered = tuple(s for s in src.site.services if s in codes)
    zone = own[0].zone if own else src.site.services[ordered[0]].zone
    counters, periods = [], []
    for c, p in zip(base.counters, base.counter_periods):
        gone = moved.get(c.number, [])
        keep = [piece for s, e in p for piece in minus_periods((s, e), gone)]
        if keep:
            counters.append(c)
            periods.append(merge_periods(keep))
        if gone:
            counters.append(Counter(c.number + EXTRA_BASE * 10, zone, ordered, name=f"{c.number}→{unit}"))
            periods.append(merge_periods(gone))
    after = simulate_plan(replace(base, counters=tuple(counters), counter_periods=tuple(periods)), src, sc)
    units = sorted({src.site.services[s].unit for n in moved for s in src.site.counters[n].services} | {unit})

    def row(result: dict[str, Any], u: str) -> dict[str, Any]:
        r = result["units"].get(u)
        return {} if r is None else {"p_wait_over_target": r["p_wait_over_target"]["value"],
                                     "wait_p90_min": r["wait_p90_min"]["value"],
                                     "last_served_at": r["last_served_at"]}
    return {
        "moves": [{"counter": n, "from_unit": sorted({src.site.services[s].unit
                                                       for s in src.site.counters[n].services}),
                   "hours": [f"{clock(a)}-{clock(b)}" for a, b in merge_periods(p)]}
                  for n, p in sorted(moved.items())],
        "effect": {u: {"before": row(before, u), "after": row(after, u)} for u in units},
    }
