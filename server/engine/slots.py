"""Appointment slots: a service's opening periods cut into slots, and how many appointments each
slot takes (counters serving the service, their service time and the share kept for bookings)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from statistics import median
from collections.abc import Sequence

from .calendar import Calendar
from .model import Counter, Service


@dataclass(frozen=True)
class Slot:
    """One bookable period of a service on a day."""

    start: datetime
    end: datetime
    capacity: int


def counter_share(service: str, counters: Sequence[Counter]) -> float:
    """How many counters' worth of time a service gets: a counter serving three services gives
    each a third (the priority counter is left out: it serves priority first)."""
    return sum(1 / len(c.services) for c in counters
               if service in c.services and not c.priority and c.services)


def typical_minutes(recent: Sequence[float], default: float) -> float:
    """The service time to plan with: the median of recent services, else the configured one."""
    usable = [m for m in recent if m > 0]
    return median(usable) if len(usable) >= 5 else default


def slot_capacity(counters: float, minutes: float, slot_minutes: int, share: float) -> int:
    """Appointments one slot takes: the visits the counters can serve in it times the share kept
    for appointments; at least one when the service is served and keeps any share."""
    if counters <= 0 or share <= 0 or minutes <= 0:
        return 0
    return max(1, math.floor(counters * slot_minutes / minutes * share))


def day_slots(service: Service, day: date, tz: tzinfo, slot_minutes: int, capacity: int,
              calendar: Calendar | None = None) -> list[Slot]:
    """The slots of a service on a day: its weekly hours (a compensating working day uses the
    weekday it stands for), none on a day off, none while the service is suspended."""
    if service.hours is None or capacity <= 0 or slot_minutes <= 0:
        return []
    weekday = calendar.weekday(day) if calendar is not None else day.weekday()
    step = timedelta(minutes=slot_minutes)
    out: list[Slot] = []
    for opens, closes in service.hours.days[weekday]:
        start = datetime.combine(day, opens, tzinfo=tz)
        end_of_period = datetime.combine(day, closes, tzinfo=tz)
        while start + step <= end_of_period:
            if calendar is None or calendar.closed_by(service, start) is None:
                out.append(Slot(start, start + step, capacity))
            start += step
    return out


def hhmm(t: datetime | time) -> str:
    """A slot's time as the API says it: "08:30"."""
    return t.strftime("%H:%M")
