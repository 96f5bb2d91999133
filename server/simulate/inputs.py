"""A scenario resolved against its site: arrival rates by 15 minutes, service-time samplers, the
counters that work and the policy — everything one simulated day needs, and where each came from."""
from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..engine.model import Counter, Policy
from .scenario import Scenario, ScenarioError, ServiceTime
from .site_source import SiteSource, recorded_day

BIN_MIN = 15  # arrivals are given (and queue lengths reported) by 15 minutes
HISTORY_MIN_SAMPLES = 20  # fewer served tickets than this: the service's configured time is used

Sampler = Callable[[random.Random], float]


@dataclass(frozen=True)
class Replayed:
    """A recorded citizen: when they took a number, for what, and their first visit to a counter."""

    at: float  # minutes after midnight, local time
    service: str
    priority: bool
    minutes: float | None  # how long the recorded service took (None: not served, drawn instead)
    no_show: bool
    waited: float | None  # the recorded wait (issue to first call)
Segment = tuple[float, float, float]  # (start, end, arrivals per minute)


@dataclass(frozen=True)
class Plan:
    """The resolved inputs of a run."""

    site_label: str
    services: dict[str, str]  # code -> unit, of the services the day simulates
    counters: tuple[Counter, ...]
    counter_periods: tuple[tuple[tuple[float, float], ...], ...]  # when each counter works
    zone_services: dict[str, tuple[str, ...]]  # zone -> its services (a priority counter's reach)
    policy: Policy
    periods: tuple[tuple[float, float], ...]
    arrivals: dict[str, tuple[Segment, ...]]
    samplers: dict[str, Sampler]
    sources: dict[str, str]  # how each service's service time was chosen
    mean_min: dict[str, float]  # each service's mean service time
    targets: dict[str, float]
    priority_share: dict[str, float]
    no_show_share: float
    no_show_min: float
    recall_share: float
    recall_min: float
    warmup_min: float
    after_hours: str
    weights_from: str
    replay: tuple[Replayed, ...] = ()  # a recorded day's citizens instead of drawn arrivals
    transfers: dict[str, tuple[str, float]] = field(default_factory=dict)  # from -> (to, share)


def minus_periods(period: tuple[float, float], gone: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A period less the given pieces of it."""
    out = [period]
    for s, e in gone:
        out = [piece for a, b in out for piece in ((a, min(b, s)), (max(a, e), b)) if piece[1] > piece[0]]
    return out


def merge_periods(periods: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """Periods in order, overlapping or touching ones joined."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(periods):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)


def default_curve(periods: tuple[tuple[float, float], ...], peak: tuple[float, float, float]
                  ) -> list[tuple[float, float, float]]:
    """The share of a day's arrivals per minute, as (start, end, share per minute) segments:
    `peak` = (from, to, share) puts that share in the peak window, the rest evenly in the hours."""
    p_from, p_to, share = peak
    cuts = sorted({x for a, b in periods for x in (a, b)} | {p_from, p_to})
    pieces = [(a, b) for a, b in zip(cuts, cuts[1:]) if any(s <= a and b <= e for s, e in periods)]
    in_peak = sum(b - a for a, b in pieces if p_from <= a and b <= p_to)
    off_peak = sum(b - a for a, b in pieces) - in_peak
    if in_peak == 0 or off_peak == 0:  # the peak covers none or all of the hours: even spread
        total = in_peak + off_peak
        return [(a, b, 1 / total) for a, b in pieces]
    return [(a, b, share / in_peak if p_from <= a and b <= p_to else (1 - share) / off_peak)
            for a, b in pieces]


def _by_bins(segments: list[tuple[float, float, float]]) -> tuple[Segment, ...]:
    """Segments cut at every 15 minutes (so rates can be reported and fitted by bin)."""
    out: list[Segment] = []
    for a, b, rate in segments:
        t = a
        while t < b:
            nxt = min(b, (math.floor(t / BIN_MIN) + 1) * BIN_MIN)
            out.append((t, nxt, rate))
            t = nxt
    return tuple(out)


def _capacity_weights(counters: tuple[Counter, ...], minutes: dict[str, float]) -> dict[str, float]:
    """A service's share of a daily total when history says nothing: the counter time it is given
    (a counter's time split evenly over its services) over its service time."""
    w: dict[str, float] = {}
    for c in counters:
        for code in c.services:
            w[code] = w.get(code, 0.0) + 1 / len(c.services) / max(minutes[code], 1e-9)
    return w


def _minutes_of(stamp: object) -> float:
    t = datetime.fromisoformat(str(stamp))
    return t.hour * 60 + t.minute + t.second / 60 + t.microsecond / 60e6


def _replay(sc: Scenario, src: SiteSource) -> tuple[Replayed, ...]:
    """A recorded day's tickets as the simulation's citizens."""
    rows = recorded_day(src, sc.replay_day or "")
    if not rows:
        raise ScenarioError("scenario_no_recorded_day", day=sc.replay_day, site=src.label)
    out = []
    for r in rows:
        at = _minutes_of(r["issued_at"])
        done = r["outcome"] == "done" and r["minutes"] is not None
        out.append(Replayed(at, str(r["service"]), bool(r["priority"]),
                            float(r["minutes"]) if done else None,  # type: ignore[arg-type]
                            r["outcome"] == "no_show",
                            _minutes_of(r["called_at"]) - at if r["called_at"] else None))
    return tuple(out)


def _counters_of_day(sc: Scenario, src: SiteSource) -> set[int]:
    """The counters that called tickets on the replayed day (its recorded configuration)."""
    if not sc.replay_day or sc.counters is not None:
        return set()
    return {int(r["counter"]) for r in recorded_day(src, sc.replay_day)  # type: ignore[call-overload]
            if r["counter"] is not None}


def _fitted(src: SiteSource, hours: tuple[tuple[float, float], ...], codes: list[str]
            ) -> dict[str, tuple[Segment, ...]]:
    """Arrival rates per service and 15 minutes as recorded (mean over the recorded days), within
    the scenario's hours."""
    out: dict[str, tuple[Segment, ...]] = {}
    for code in codes:
        quarters = src.by_quarter.get(code, {})
        segs = [(a, b, quarters.get(int(a // BIN_MIN), 0) / src.recorded_days / BIN_MIN)
                for a, b, _ in _by_bins([(s, e, 0.0) for s, e in hours])]
        if any(r > 0 for _a, _b, r in segs):
            out[code] = tuple(segs)
    return out


def _sampler(spec: ServiceTime, history: list[float]) -> Sampler:
    mean = spec.mean_min
    if spec.dist == "exponential":
        return lambda rng: rng.expovariate(1 / mean)
    if spec.dist == "lognormal":
        sd = spec.sd_min if spec.sd_min is not None else mean
        sigma = math.sqrt(math.log(1 + (sd / mean) ** 2))
        mu = math.log(mean) - sigma * sigma / 2
        return lambda rng: rng.lognormvariate(mu, sigma)
    if spec.dist == "fixed":
        return lambda rng: mean
    samples = tuple(history)  # "history": an observed duration, drawn at random
    return lambda rng: rng.choice(samples)


def resolve(sc: Scenario, src: SiteSource) -> Plan:
    """Resolve a scenario against its site; raise ScenarioError for a name the site does not have."""
    site = src.site
    replay = _replay(sc, src) if sc.replay_day else ()
    recorded_counters = tuple(sorted({n for n in _counters_of_day(sc, src) if n in site.counters}))
    all_day = sc.counters if sc.counters is not None else recorded_counters or tuple(site.counters)
    when: dict[int, list[tuple[float, float]]] = {n: list(sc.hours) for n in all_day}
    for periods, numbers in sc.shifts:
        for n in numbers:
            when.setdefault(n, []).extend(periods)
    for periods, numbers in sc.breaks:
        for n in numbers:
            if n in when:
                when[n] = [piece for p in when[n] for piece in minus_periods(p, list(periods))]
    unknown = [n for n in {*when, *(n for _p, ns in sc.breaks for n in ns)} if n not in site.counters]
    if unknown:
        raise ScenarioError("scenario_unknown_counter", counters=", ".join(map(str, unknown)))
    counters = tuple(site.counters[n] for n in when if when[n])
    counter_periods = tuple(merge_periods(when[n]) for n in when if when[n])
    for table in (sc.per_hour, sc.service_time, sc.targets, sc.transfers,
                  {to: 0 for to, _share in sc.transfers.values()}):
        bad = sorted(set(table) - set(site.services))
        if bad:
            raise ScenarioError("scenario_unknown_service", services=", ".join(bad))
    minutes = {code: s.service_minutes for code, s in site.services.items()}
    samplers: dict[str, Sampler] = {}
    sources: dict[str, str] = {}
    for code in site.services:
        spec = sc.service_time.get(code)
        history = src.served_minutes.get(code, [])
        if spec is not None and spec.dist == "history" and len(history) < HISTORY_MIN_SAMPLES:
            spec = replace(spec, dist="exponential")  # no history yet: the given mean
            sources[code] = f"exponential mean {spec.mean_min:g} min (history has {len(history)})"
        elif spec is None and sc.default_service_time == "history" and len(history) >= HISTORY_MIN_SAMPLES:
            spec = ServiceTime("history", sum(history) / len(history))
        elif spec is None:
            spec = ServiceTime("exponential", minutes[code])
            sources[code] = f"exponential mean {minutes[code]:g} min (site)"
        if spec.dist == "history":
            minutes[code] = sum(history) / len(history)
            sources[code] = f"history: {len(history)} served, mean {minutes[code]:.1f} min"
        else:
            minutes[code] = spec.mean_min
            sources.setdefault(code, f"{spec.dist} mean {spec.mean_min:g} min" +
                               (f" sd {spec.sd_min:g}" if spec.sd_min is not None else ""))
        samplers[code] = _sampler(spec, history)
    arrivals: dict[str, tuple[Segment, ...]] = {
        code: _by_bins([(a, b, rate / 60) for a, b in sc.hours]) for code, rate in sc.per_hour.items()}
    weights_from = "per_hour rates"
    if sc.from_history:
        if not src.recorded_days:
            raise ScenarioError("scenario_no_history", site=src.label)
        fitted = _fitted(src, sc.hours, [c for c in site.services if c not in sc.per_hour])
        total = sum((b - a) * r for segs in fitted.values() for a, b, r in segs)
        scale = sc.daily_total / total if sc.daily_total and total else 1.0
        for code, segs in fitted.items():
            arrivals[code] = tuple((a, b, r * scale) for a, b, r in segs)
        weights_from = (f"history: {src.recorded_days} recorded day(s), by service and 15 minutes"
                        + (f", scaled to {sc.daily_total} a day" if scale != 1.0 else ""))
    elif sc.daily_total:
        rest = [c for c in site.services if c not in sc.per_hour]
        issued = {c: float(src.issued.get(c, 0)) for c in rest}
        if sum(issued.values()) >= 100:
            weights, weights_from = issued, "history (tickets issued per service)"
        else:
            weights = _capacity_weights(counters, minutes)
            weights_from = "counter time per service over service time (no history)"
        total_w = sum(weights.get(c, 0.0) for c in rest)
        curve = default_curve(sc.hours, sc.peak)
        for code in rest:
            share = weights.get(code, 0.0) / total_w if total_w else 0.0
            if share > 0:
                arrivals[code] = _by_bins([(a, b, sc.daily_total * share * d) for a, b, d in curve])
    if replay:
        arrivals = {}
        weights_from = f"replay of {sc.replay_day}: {len(replay)} recorded tickets"
    simulated = {code for code in arrivals if any(r > 0 for _a, _b, r in arrivals[code])}
    simulated |= {r.service for r in replay if r.service in site.services}
    simulated |= {to for code, (to, share) in sc.transfers.items() if code in simulated and share > 0}
    ratio = sc.priority_ratio or site.policy.priority_ratio
    aging = sc.aging_minutes or site.policy.aging_minutes
    zones: dict[str, list[str]] = {}
    for code, s in site.services.items():
        zones.setdefault(s.zone, []).append(code)
    return Plan(
        site_label=src.label,
        services={code: site.services[code].unit for code in site.services if code in simulated},
        counters=counters, counter_periods=counter_periods, zone_services={z: tuple(v) for z, v in zones.items()},
        policy=Policy(ratio, aging, site.policy.order), periods=sc.hours,
        arrivals={c: arrivals[c] for c in simulated if c in arrivals}, samplers=samplers,
        sources={c: sources[c] for c in simulated}, mean_min={c: minutes[c] for c in simulated},
        targets={code: float(sc.targets.get(code, site.services[code].wait_target_min))
                 for code in simulated},
        priority_share={code: sc.priority_share if site.accepts_priority(code) else 0.0
                        for code in simulated},
        no_show_share=sc.no_show_share, no_show_min=sc.no_show_min, warmup_min=sc.warmup_min,
        recall_share=sc.recall_share, recall_min=sc.recall_min,
        after_hours=sc.after_hours, weights_from=weights_from,
        replay=tuple(r for r in replay if r.service in site.services),
        transfers={k: v for k, v in sc.transfers.items() if k in simulated and v[1] > 0})
