"""Summaries over replications: the mean and its 95% confidence interval (Student's t)."""
from __future__ import annotations

import math
from collections.abc import Sequence

# Two-sided 95% quantiles of Student's t by degrees of freedom; beyond the table, the normal's.
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
        10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110,
        18: 2.101, 19: 2.093, 20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


def t95(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom (the next smaller df listed)."""
    if df <= 0:
        return math.inf
    listed = [k for k in _T95 if k <= df]
    return _T95[max(listed)] if df <= 120 else 1.960


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values (linear between order statistics)."""
    if not sorted_values:
        return math.nan
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def with_ci(values: Sequence[float], digits: int = 3) -> dict[str, object]:
    """{"value": mean, "ci95": [low, high]} over replications (NaN values, e.g. no tickets, left out;
    every measure is non-negative, so the interval stops at 0)."""
    xs = [v for v in values if not math.isnan(v)]
    if not xs:
        return {"value": None, "ci95": [None, None]}
    mean = sum(xs) / len(xs)
    if len(xs) < 2:
        return {"value": round(mean, digits), "ci95": [None, None]}
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
    half = t95(len(xs) - 1) * sd / math.sqrt(len(xs))
    return {"value": round(mean, digits), "ci95": [round(max(mean - half, 0.0), digits),
                                             round(mean + half, digits)]}
