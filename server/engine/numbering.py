"""Opening hours, daily caps and whether a ticket may be issued now."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from .calendar import Calendar
from .model import Service

# How far ahead a next opening is looked for: Tết and its weekends are under two weeks.
LOOK_AHEAD_DAYS = 40


class IssueRefused(Exception):
    """The kiosk may not issue this ticket now; `code` says why."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def is_open(service: Service, local_now: datetime, open_all_hours: bool = False,
            calendar: Calendar | None = None) -> bool:
    """Whether the service takes tickets at this local time (hours, then the calendar's days off,
    compensating working days and suspensions)."""
    if calendar is not None and calendar.closed_by(service, local_now) is not None:
        return False
    if open_all_hours or service.hours is None:
        return True
    t = local_now.time()
    weekday = calendar.weekday(local_now.date()) if calendar is not None else local_now.weekday()
    return any(start <= t < end for start, end in service.hours.days[weekday])


def _openings(service: Service, local_now: datetime, open_all_hours: bool,
              calendar: Calendar | None) -> Iterator[datetime]:
    """The moments after `local_now` at which the service may open, in order, day by day."""
    untils = [s.until.astimezone(local_now.tzinfo) for s in (calendar.suspensions if calendar else ())
              if s.until is not None]
    for days_ahead in range(LOOK_AHEAD_DAYS + 1):
        day = (local_now + timedelta(days=days_ahead)).date()
        if open_all_hours or service.hours is None:
            starts = [time(0, 0)]
        else:
            weekday = calendar.weekday(day) if calendar is not None else day.weekday()
            starts = [start for start, _end in service.hours.days[weekday]]
        moments = {datetime.combine(day, s, tzinfo=local_now.tzinfo) for s in starts}
        moments |= {u for u in untils if u.date() == day}
        yield from sorted(m for m in moments if m > local_now)


def next_opening(service: Service, local_now: datetime, open_all_hours: bool = False,
                 calendar: Calendar | None = None) -> datetime | None:
    """When a closed service next opens (holidays skipped), or None if it is open or does not
    open within LOOK_AHEAD_DAYS (a suspension without a reopening time)."""
    if is_open(service, local_now, open_all_hours, calendar):
        return None
    if calendar is None and (open_all_hours or service.hours is None):
        return None
    if calendar is not None and calendar.closed_for_good(service):
        return None
    for moment in _openings(service, local_now, open_all_hours, calendar):
        if is_open(service, moment, open_all_hours, calendar):
            return moment
    return None


def day_limit(service: Service) -> int:
    """How many tickets the service may give out in a day: its cap, or its number range if smaller."""
    cap = service.number.capacity
    return min(cap, service.daily_cap) if service.daily_cap else cap


def is_full(service: Service, issued_today: int) -> bool:
    """Whether the service has given out every number it may today (cap or range used up)."""
    return issued_today >= day_limit(service)


def check_can_issue(service: Service, local_now: datetime, issued_today: int,
                    open_all_hours: bool = False, calendar: Calendar | None = None) -> None:
    """Raise IssueRefused when the service is closed (hours, a day off, a suspension) or its
    daily cap is reached."""
    closed = calendar.closed_by(service, local_now) if calendar is not None else None
    if closed is not None:
        opens = next_opening(service, local_now, open_all_hours, calendar)
        raise IssueRefused(closed.code, service=service.code, reason=closed.reason,
                           reason_en=closed.reason_en, opens=opens)
    if not is_open(service, local_now, open_all_hours, calendar):
        opens = next_opening(service, local_now, open_all_hours, calendar)
        if opens is None:
            raise IssueRefused("service_closed", service=service.code)
        raise IssueRefused("service_closed", service=service.code, time=opens.strftime("%H:%M"),
                           date=opens.strftime("%d/%m"), today=opens.date() == local_now.date())
    if is_full(service, issued_today):
        # A used-up number range is "full" too: it never spills into another service's numbers.
        raise IssueRefused("daily_cap_reached", service=service.code, cap=day_limit(service))
