"""The centre's calendar as data: public holidays, compensating working days, one-off closures and
services or units closed right now. Whether a service is open is computed from these and the clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .lunar import lunar_to_solar, tet
from .model import Service

SUSPENDED, HOLIDAY, DAY_CLOSED = "service_suspended", "holiday", "day_closed"
WEEKEND = (5, 6)  # Saturday, Sunday: the weekly rest of public offices


@dataclass(frozen=True)
class DayOff:
    """A date the centre (or, for a closure, only `units`) takes no tickets: why, in vi and en."""

    day: date
    kind: str  # "holiday" or "closure"
    name: str
    name_en: str = ""
    units: frozenset[str] = frozenset()  # a closure of these units only; empty: the whole centre


@dataclass(frozen=True)
class Suspension:
    """A service or a whole unit closed now by an admin, until `until` (None: until reopened)."""

    scope: str  # "service" or "unit"
    code: str
    reason: str
    reason_en: str = ""
    until: datetime | None = None


@dataclass(frozen=True)
class Closed:
    """Why a service takes no tickets at a moment (besides its weekly hours)."""

    code: str  # SUSPENDED, HOLIDAY or DAY_CLOSED
    reason: str
    reason_en: str
    until: datetime | None = None  # a suspension's reopening time


@dataclass
class Calendar:
    """Days off, compensating working days (date → the weekday whose hours apply) and suspensions
    (built whole, then only read)."""

    days_off: list[DayOff] = field(default_factory=list)
    working_days: dict[date, int] = field(default_factory=dict)
    suspensions: list[Suspension] = field(default_factory=list)
    _by_day: dict[date, list[DayOff]] = field(default_factory=dict, repr=False, compare=False)

    def weekday(self, day: date) -> int:
        """The weekday whose hours apply on this date (a compensating Saturday works as, say, Monday)."""
        return self.working_days.get(day, day.weekday())

    def closed_by(self, service: Service, at: datetime) -> Closed | None:
        """Why the calendar or an admin keeps this service closed at this moment, or None."""
        for off in self._off_on(at.date()):
            if not off.units or service.unit in off.units:
                code = HOLIDAY if off.kind == "holiday" else DAY_CLOSED
                return Closed(code, off.name, off.name_en or off.name)
        for s in self.suspensions:
            if self._hits(s, service) and (s.until is None or at < s.until):
                return Closed(SUSPENDED, s.reason, s.reason_en or s.reason, s.until)
        return None

    def closed_for_good(self, service: Service) -> bool:
        """Whether a suspension without a reopening time holds this service (no next opening)."""
        return any(s.until is None and self._hits(s, service) for s in self.suspensions)

    @staticmethod
    def _hits(s: Suspension, service: Service) -> bool:
        return s.code == (service.code if s.scope == "service" else service.unit)

    def _off_on(self, day: date) -> list[DayOff]:
        return self._by_day.get(day, [])

    def __post_init__(self) -> None:
        # Indexed once: a next opening looks at up to LOOK_AHEAD_DAYS days per service.
        for off in self.days_off:
            self._by_day.setdefault(off.day, []).append(off)


@dataclass(frozen=True)
class Holiday:
    """A public holiday computed for a year: its date and names."""

    day: date
    name: str
    name_en: str


def _weekend_shift(days: list[Holiday]) -> list[Holiday]:
    """Days off in lieu (nghỉ bù): a holiday on a Saturday or Sunday gives the next working day."""
    taken = {h.day for h in days}
    extra = []
    for h in sorted(days, key=lambda h: h.day):
        if h.day.weekday() in WEEKEND:
            d = h.day + timedelta(days=1)
            while d.weekday() in WEEKEND or d in taken:
                d += timedelta(days=1)
            taken.add(d)
            extra.append(Holiday(d, f"Nghỉ bù {h.name}", f"Day off in lieu of {h.name_en}"))
    return extra


def vietnam_holidays(year: int, in_lieu: bool = True) -> list[Holiday]:
    """Việt Nam's public holidays in a Gregorian year (Labour Code 2019, art. 112), lunar ones
    computed: 1/1; Tết (the lunar year's last day and the first four days); Giỗ Tổ Hùng Vương
    (10/3 lunar); 30/4; 1/5; 2/9 with one adjacent day (1/9, or 3/9 when 1/9 is a weekend).
    `in_lieu`: add a day off for each holiday on a weekend. The government's yearly decision may
    move days (bridges, swaps): the admin edits the list."""
    new_year = tet(year)
    days = [Holiday(date(year, 1, 1), "Tết Dương lịch", "New Year's Day")]
    days.append(Holiday(new_year - timedelta(days=1), "Tết Nguyên đán (ngày cuối năm)", "Lunar New Year's Eve"))
    for n in range(1, 5):
        days.append(Holiday(new_year + timedelta(days=n - 1), f"Tết Nguyên đán (mùng {n})",
                            f"Lunar New Year (day {n})"))
    days.append(Holiday(lunar_to_solar(10, 3, year), "Giỗ Tổ Hùng Vương",
                        "Hung Kings' Commemoration Day"))
    days.append(Holiday(date(year, 4, 30), "Ngày Giải phóng miền Nam", "Reunification Day"))
    days.append(Holiday(date(year, 5, 1), "Quốc tế Lao động", "International Labour Day"))
    days.append(Holiday(date(year, 9, 2), "Quốc khánh", "National Day"))
    adjacent = date(year, 9, 1) if date(year, 9, 1).weekday() not in WEEKEND else date(year, 9, 3)
    days.append(Holiday(adjacent, "Quốc khánh", "National Day"))
    days = [h for h in days if h.day.year == year]  # a Tết eve may fall in the year before
    if in_lieu:
        days += _weekend_shift(days)
    return sorted(days, key=lambda h: h.day)
