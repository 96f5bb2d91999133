"""Wait estimates: a range from people ahead, counters open and recent service times."""
from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import median


def service_minutes(recent: Sequence[float], default: float) -> tuple[float, float]:
    """A typical and a slow service time (minutes) from recent completed services."""
    usable = sorted(m for m in recent if m > 0)
    if len(usable) < 5:
        return default * 0.75, default * 1.25
    typical = median(usable)
    slow = usable[min(len(usable) - 1, int(len(usable) * 0.8))]
    return typical * 0.8, max(slow, typical * 1.2)


def estimate_wait(ahead: int, counters_open: int, recent: Sequence[float],
                  default_minutes: float) -> tuple[int, int]:
    """Minutes until a ticket with `ahead` people in front is called, as [low, high]."""
    counters = max(counters_open, 1)
    fast, slow = service_minutes(recent, default_minutes)
    low = math.floor(ahead * fast / counters)
    high = math.ceil((ahead + 1) * slow / counters)
    return low, max(high, low + 1)
