"""The scenario file (TOML): the site, arrivals, service times, counters, hours, seed, replications."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

DISTS = ("exponential", "lognormal", "fixed", "history")


class ScenarioError(ValueError):
    """The scenario cannot be run as written; `code` names the error, `params` fill its message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ServiceTime:
    """How long a service takes at the counter: a distribution with its mean (and sd) in minutes."""

    dist: str = "exponential"
    mean_min: float = 8.0
    sd_min: float | None = None  # lognormal: default sd = mean (a coefficient of variation of 1)


@dataclass(frozen=True)
class Scenario:
    """One scenario as read from its file; shares not given are zero (see `assumptions`)."""

    site: str | None = None  # a site TOML file; None: the live database
    seed: int = 1
    replications: int = 10
    days: int = 1
    hours: tuple[tuple[float, float], ...] = ((7.5 * 60, 11.5 * 60), (13 * 60, 17 * 60))
    counters: tuple[int, ...] | None = None  # None: every counter of the site
    # [[shifts]]: these counters (also) work in these periods, e.g. two more from 8:00 to 10:00
    shifts: tuple[tuple[tuple[tuple[float, float], ...], tuple[int, ...]], ...] = ()
    per_hour: dict[str, float] = field(default_factory=dict)  # Poisson rate, constant over hours
    daily_total: int | None = None  # spread over services and the default curve
    from_history: bool = False  # arrivals per service and 15 minutes as recorded (mean of the days)
    replay_day: str | None = None  # the citizens of a recorded day: when, which service, how long
    peak: tuple[float, float, float] = (7.5 * 60, 10.5 * 60, 0.6)  # (from, to, share) of arrivals
    service_time: dict[str, ServiceTime] = field(default_factory=dict)
    # Services without a [service_time] entry: "history" (the live database's served durations
    # where it has some, else "site") or "site" (exponential with the site's service_minutes).
    default_service_time: str = "history"
    priority_share: float = 0.0
    transfers: dict[str, tuple[str, float]] = field(default_factory=dict)  # from -> (to, share)
    no_show_share: float = 0.0
    no_show_min: float = 1.0  # what a no-show costs the counter (calls and waiting for them)
    recall_share: float = 0.0  # called tickets whose citizen comes only after a recall
    recall_min: float = 1.0  # how long the counter waits for them after the recall
    # [[breaks]]: these counters stop in these periods (finishing the ticket they serve)
    breaks: tuple[tuple[tuple[tuple[float, float], ...], tuple[int, ...]], ...] = ()
    targets: dict[str, float] = field(default_factory=dict)  # wait targets overriding the site's
    warmup_min: float = 0.0  # tickets issued in the first minutes are not counted (steady-state tests)
    after_hours: str = "serve"  # "serve": tickets issued are served after closing; "close": not served
    priority_ratio: int | None = None
    aging_minutes: float | None = None
    base: Path = Path(".")

    def assumptions(self) -> list[str]:
        """What the scenario assumes because it does not say otherwise."""
        out = ["waiting time = from issue to the first call"]
        for name, share in (("priority", self.priority_share), ("no_show", self.no_show_share)):
            out.append(f"{name} share = {share:g}" + ("" if share else " (not given)"))
        out.append("transfers: " + ", ".join(f"{k} -> {to} {share:g}" for k, (to, share) in
                                             sorted(self.transfers.items()))
                   if self.transfers else "transfer share = 0 (not given)")
        out.append(f"recall share = {self.recall_share:g}" + ("" if self.recall_share else " (not given)"))
        out += ["breaks = " + ("as [[breaks]] give" if self.breaks else "none besides the gaps between hours"),
                "officers open every listed counter for all the hours (and [[shifts]] in theirs)",
                "tickets issued before closing are " +
                ("served after closing" if self.after_hours == "serve" else "closed as not served")]
        return out


def _minutes(hhmm: str, where: str) -> float:
    try:
        h, m = hhmm.strip().split(":")
        value = int(h) * 60 + int(m)
    except ValueError:
        raise ScenarioError("scenario_bad_hours", where=where, value=hhmm) from None
    if not 0 <= value <= 24 * 60:
        raise ScenarioError("scenario_bad_hours", where=where, value=hhmm)
    return float(value)


def parse_period(text: str, where: str = "hours") -> tuple[float, float]:
    """"HH:MM-HH:MM" as (start, end) minutes after midnight."""
    if not isinstance(text, str) or text.count("-") != 1:
        raise ScenarioError("scenario_bad_hours", where=where, value=str(text))
    try:
        a, b = (_minutes(x, where) for x in text.split("-"))
    except ScenarioError:
        raise ScenarioError("scenario_bad_hours", where=where, value=text) from None
    if b <= a:
        raise ScenarioError("scenario_bad_hours", where=where, value=text)
    return a, b


def _number(d: dict[str, Any], key: str, where: str, default: float | None = None,
            low: float = 0.0, high: float | None = None, integer: bool = False) -> Any:
    v = d.get(key, default)
    if v is None:
        return None
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and v >= low and \
        (high is None or v <= high) and (not integer or float(v).is_integer())
    if not ok:
        raise ScenarioError("scenario_bad_number", key=f"{where}{key}", value=repr(v))
    return int(v) if integer else float(v)


def _periods_of(data: dict[str, Any], key: str
                ) -> tuple[tuple[tuple[tuple[float, float], ...], tuple[int, ...]], ...]:
    """[[shifts]] or [[breaks]]: a list of {hours = ["HH:MM-HH:MM", ...], counters = [numbers]}."""
    rows = data.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(x, dict) for x in rows):
        raise ScenarioError("scenario_bad_table", key=key)
    out = []
    for k, row in enumerate(rows):
        if not isinstance(row.get("hours"), list) or not isinstance(row.get("counters"), list) or \
                not all(isinstance(c, int) and not isinstance(c, bool) for c in row["counters"]):
            raise ScenarioError("scenario_bad_table", key=f"{key}[{k}]")
        out.append((tuple(parse_period(h, f"{key}[{k}].hours") for h in row["hours"]),
                    tuple(row["counters"])))
    return tuple(out)


def _day(v: Any) -> str | None:
    if v is None:
        return None
    try:
        return date.fromisoformat(str(v)).isoformat()
    except ValueError:
        raise ScenarioError("scenario_bad_table", key="arrivals.replay_day") from None


def _flag(d: dict[str, Any], key: str, where: str) -> bool:
    v = d.get(key, False)
    if not isinstance(v, bool):
        raise ScenarioError("scenario_bad_table", key=f"{where}{key}")
    return v


def _service_time(d: Any, where: str) -> ServiceTime:
    if not isinstance(d, dict):
        raise ScenarioError("scenario_bad_table", key=where)
    dist = d.get("dist", "exponential")
    if dist not in DISTS:
        raise ScenarioError("scenario_bad_dist", key=where, value=str(dist), known=", ".join(DISTS))
    mean = _number(d, "mean_min", f"{where}.", 8.0 if dist == "history" else None, low=1e-9)
    if mean is None:
        raise ScenarioError("scenario_missing", key=f"{where}.mean_min")
    return ServiceTime(dist, mean, _number(d, "sd_min", f"{where}.", None))


KNOWN = {"site", "seed", "replications", "days", "hours", "counters", "arrivals", "service_time",
         "priority_share", "no_show_share", "no_show_min", "targets", "warmup_min", "after_hours",
         "policy", "name", "shifts", "transfers", "recall_share", "recall_min", "breaks"}


def parse_scenario(data: dict[str, Any], base: Path = Path(".")) -> Scenario:
    """Validate a scenario read from TOML; raise ScenarioError naming the first bad key."""
    unknown = sorted(set(data) - KNOWN)
    if unknown:
        raise ScenarioError("scenario_unknown_key", key=", ".join(unknown))
    site = data.get("site")
    if site is not None and not isinstance(site, str):
        raise ScenarioError("scenario_bad_table", key="site")
    hours = data.get("hours", ["07:30-11:30", "13:00-17:00"])
    if not isinstance(hours, list) or not hours:
        raise ScenarioError("scenario_bad_hours", where="hours", value=repr(hours))
    periods = tuple(sorted(parse_period(h) for h in hours))
    for (_a, b), (c, _d) in zip(periods, periods[1:]):
        if c < b:
            raise ScenarioError("scenario_bad_hours", where="hours", value="overlapping periods")
    counters = data.get("counters")
    if counters is not None and (not isinstance(counters, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) for c in counters)):
        raise ScenarioError("scenario_bad_table", key="counters")
    shifts, breaks = _periods_of(data, "shifts"), _periods_of(data, "breaks")
    arrivals = data.get("arrivals", {})
    if not isinstance(arrivals, dict):
        raise ScenarioError("scenario_bad_table", key="arrivals")
    per_hour: dict[str, float] = {}
    daily_total = _number(arrivals, "daily_total", "arrivals.", None, integer=True)
    peak = arrivals.get("peak", {})
    if not isinstance(peak, dict):
        raise ScenarioError("scenario_bad_table", key="arrivals.peak")
    peak_from, peak_to = parse_period(peak.get("hours", "07:30-10:30"), "arrivals.peak.hours")
    peak_share = _number(peak, "share", "arrivals.peak.", 0.6, high=1.0)
    for code, spec in arrivals.items():
        if code in ("daily_total", "peak", "from_history", "replay_day"):
            continue
        if not isinstance(spec, dict) or "per_hour" not in spec:
            raise ScenarioError("scenario_missing", key=f'arrivals."{code}".per_hour')
        per_hour[code] = _number(spec, "per_hour", f'arrivals."{code}".')
    times = data.get("service_time", {})
    if not isinstance(times, dict):
        raise ScenarioError("scenario_bad_table", key="service_time")
    default = times.get("default", "history")
    if default not in ("site", "history"):
        raise ScenarioError("scenario_bad_dist", key="service_time.default", value=str(default),
                            known="site, history")
    service_time = {code: _service_time(spec, f'service_time."{code}"')
                    for code, spec in times.items() if code != "default"}
    transfers = data.get("transfers", {})
    if not isinstance(transfers, dict) or not all(
            isinstance(t, dict) and isinstance(t.get("to"), str) for t in transfers.values()):
        raise ScenarioError("scenario_bad_table", key="transfers")
    targets = data.get("targets", {})
    if not isinstance(targets, dict):
        raise ScenarioError("scenario_bad_table", key="targets")
    policy = data.get("policy", {})
    if not isinstance(policy, dict):
        raise ScenarioError("scenario_bad_table", key="policy")
    after = data.get("after_hours", "serve")
    if after not in ("serve", "close"):
        raise ScenarioError("scenario_bad_dist", key="after_hours", value=str(after), known="serve, close")
    return Scenario(
        site=site, seed=_number(data, "seed", "", 1, integer=True),
        replications=_number(data, "replications", "", 10, low=1, high=10_000, integer=True),
        days=_number(data, "days", "", 1, low=1, high=366, integer=True),
        hours=periods, counters=tuple(counters) if counters is not None else None,
        shifts=shifts, breaks=breaks,
        recall_share=_number(data, "recall_share", "", 0.0, high=1.0),
        recall_min=_number(data, "recall_min", "", 1.0),
        per_hour=per_hour, daily_total=daily_total, peak=(peak_from, peak_to, peak_share),
        from_history=_flag(arrivals, "from_history", "arrivals."),
        replay_day=_day(arrivals.get("replay_day")),
        service_time=service_time, default_service_time=default,
        priority_share=_number(data, "priority_share", "", 0.0, high=1.0),
        transfers={k: (t["to"], _number(t, "share", f'transfers."{k}".', 0.0, high=1.0))
                   for k, t in transfers.items()},
        no_show_share=_number(data, "no_show_share", "", 0.0, high=1.0),
        no_show_min=_number(data, "no_show_min", "", 1.0),
        targets={k: _number(targets, k, "targets.", low=1e-9) for k in targets},
        warmup_min=_number(data, "warmup_min", "", 0.0),
        after_hours=after,
        priority_ratio=_number(policy, "priority_ratio", "policy.", None, low=1, integer=True),
        aging_minutes=_number(policy, "aging_minutes", "policy.", None, low=1e-9),
        base=base)


def read_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (a relative `site` path is taken from the file's folder)."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ScenarioError("scenario_unreadable", path=str(p), reason=exc.strerror or str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("scenario_unreadable", path=str(p), reason=str(exc)) from None
    return parse_scenario(data, p.parent)
