"""Opening hours, daily caps and whether a ticket may be issued now."""
from __future__ import annotations

from datetime import datetime, timedelta

from .model import Service


class IssueRefused(Exception):
    """The kiosk may not issue this ticket now; `code` says why."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def is_open(service: Service, local_now: datetime, open_all_hours: bool = False) -> bool:
    """Whether the service takes tickets at this local time."""
    if open_all_hours or service.hours is None:
        return True
    t = local_now.time()
    return any(start <= t < end for start, end in service.hours.days[local_now.weekday()])


def next_opening(service: Service, local_now: datetime, open_all_hours: bool = False) -> datetime | None:
    """When a closed service next opens (within a week), or None if it is open or never opens."""
    if is_open(service, local_now, open_all_hours) or service.hours is None:
        return None
    for days_ahead in range(8):
        day = (local_now + timedelta(days=days_ahead)).date()
        for start, _end in sorted(service.hours.days[day.weekday()]):
            opening = datetime.combine(day, start, tzinfo=local_now.tzinfo)
            if opening > local_now:
                return opening
    return None


def day_limit(service: Service) -> int:
    """How many tickets the service may give out in a day: its cap, or its number range if smaller."""
    cap = service.number.capacity
    return min(cap, service.daily_cap) if service.daily_cap else cap


def is_full(service: Service, issued_today: int) -> bool:
    """Whether the service has given out every number it may today (cap or range used up)."""
    return issued_today >= day_limit(service)


def check_can_issue(service: Service, local_now: datetime, issued_today: int,
                    open_all_hours: bool = False) -> None:
    """Raise IssueRefused when the service is closed or its daily cap is reached."""
    if not is_open(service, local_now, open_all_hours):
        opens = next_opening(service, local_now, open_all_hours)
        if opens is None:
            raise IssueRefused("service_closed", service=service.code)
        raise IssueRefused("service_closed", service=service.code, time=opens.strftime("%H:%M"),
                           date=opens.strftime("%d/%m"), today=opens.date() == local_now.date())
    if is_full(service, issued_today):
        # A used-up number range is "full" too: it never spills into another service's numbers.
        raise IssueRefused("daily_cap_reached", service=service.code, cap=day_limit(service))
