"""Report arithmetic: per-minute histograms, exact nearest-rank percentiles, and one report row.

Times are counted in whole minutes, rounded down (a wait of 4 min 59 s is 4). A percentile is the
nearest rank: p% of n values is the value at rank ceil(p/100 * n) in ascending order. Per-day
histograms (minute → how many) add up exactly, so a month's or a year's percentiles computed from
daily summaries are the same as if every ticket were read again.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SCORES = (1, 2, 3, 4)  # 4 = very satisfied, 3 = satisfied, 2 = neutral, 1 = dissatisfied
COUNTS = ("visits", "issued", "priority", "served", "no_show", "transferred", "cancelled", "not_served",
          "waited", "within_target")


def whole_minutes(seconds: float) -> int:
    """A duration in whole minutes, rounded down (never negative)."""
    return max(0, math.floor(seconds / 60 + 1e-9))


def percentile(hist: Mapping[int, int], p: float) -> int | None:
    """The nearest-rank p-th percentile of a minute histogram (None when empty)."""
    n = sum(hist.values())
    if n == 0:
        return None
    rank = max(1, math.ceil(p / 100 * n - 1e-9))
    seen = 0
    for minute in sorted(hist):
        seen += hist[minute]
        if seen >= rank:
            return minute
    return max(hist)  # unreachable: the ranks add up to n


def add_hist(into: dict[int, int], other: Mapping[Any, int]) -> None:
    """Add a histogram (keys may be text, as stored in JSON) into another."""
    for minute, n in other.items():
        m = int(minute)
        into[m] = into.get(m, 0) + n


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 places (None when whole is 0)."""
    return round(part / whole, 4) if whole else None


@dataclass
class Tally:
    """What a group of ticket visits (legs) adds up to."""

    visits: int = 0  # a ticket's visits to a service (a transfer or a requeue starts another)
    issued: int = 0
    priority: int = 0  # issued with a priority category
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    cancelled: int = 0
    not_served: int = 0
    waited: int = 0  # visits that were called (have a waiting time)
    within_target: int = 0  # of those, called within the service's wait target
    ratings: dict[int, int] = field(default_factory=lambda: {s: 0 for s in SCORES})
    reasons: dict[str, int] = field(default_factory=dict)
    wait_hist: dict[int, int] = field(default_factory=dict)
    service_hist: dict[int, int] = field(default_factory=dict)

    def add(self, other: "Tally") -> None:
        """Add another tally into this one."""
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for s in SCORES:
            self.ratings[s] += other.ratings.get(s, 0)
        for code, n in other.reasons.items():
            self.reasons[code] = self.reasons.get(code, 0) + n
        add_hist(self.wait_hist, other.wait_hist)
        add_hist(self.service_hist, other.service_hist)

    def figures(self) -> dict[str, Any]:
        """The report's figures for this group."""
        rated = sum(self.ratings.values())
        return {
            "visits": self.visits, "issued": self.issued, "served": self.served, "no_show": self.no_show,
            "transferred": self.transferred, "cancelled": self.cancelled,
            "not_served": self.not_served,
            "priority_share": share(self.priority, self.issued),
            "waited": self.waited,
            "wait_p50_min": percentile(self.wait_hist, 50),
            "wait_p90_min": percentile(self.wait_hist, 90),
            "wait_max_min": max(self.wait_hist) if self.wait_hist else None,
            "service_p50_min": percentile(self.service_hist, 50),
            "service_p90_min": percentile(self.service_hist, 90),
            "within_target": share(self.within_target, self.waited),
            "ratings": {str(s): self.ratings[s] for s in SCORES},
            "ratings_n": rated,
            "satisfaction": share(self.ratings[4] + self.ratings[3], rated),
            "reasons": dict(sorted(self.reasons.items())),
        }


def merged(tallies: Iterable[Tally]) -> Tally:
    """The sum of some tallies."""
    out = Tally()
    for t in tallies:
        out.add(t)
    return out
