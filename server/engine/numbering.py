"""Opening hours, daily caps and whether a ticket may be issued now."""
from __future__ import annotations

from datetime import datetime

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


def check_can_issue(service: Service, local_now: datetime, issued_today: int,
                    open_all_hours: bool = False) -> None:
    """Raise IssueRefused when the service is closed or its daily cap is reached."""
    if not is_open(service, local_now, open_all_hours):
        raise IssueRefused("service_closed", service=service.code)
    if service.daily_cap and issued_today >= service.daily_cap:
        raise IssueRefused("daily_cap_reached", service=service.code, cap=service.daily_cap)
