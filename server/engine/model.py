"""The queue's domain objects: services, counters, tickets and the call policy."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum


class Status(StrEnum):
    """Where a ticket is in its life."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    PARKED = "parked"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    NOT_SERVED = "not_served"
    AWAY = "away"  # a number taken from home, not checked in yet: not called (issue 10)
    EXPIRED = "expired"  # a number from home never checked in before its time ran out


# A ticket in one of these is still in the building's hands; the rest are final.
OPEN_STATUSES = frozenset({Status.WAITING, Status.CALLED, Status.SERVING, Status.PARKED})
AT_COUNTER = frozenset({Status.CALLED, Status.SERVING})


class CounterState(StrEnum):
    """Whether a counter is working."""

    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


@dataclass(frozen=True)
class NumberFormat:
    """How a service prints its ticket numbers: prefix, first and last number, minimum width.

    The range [first, last] belongs to this service alone in the whole building (the site file is
    refused otherwise), so a number names one ticket of the day; `last` None: up to `width` digits.
    """

    prefix: str = ""
    first: int = 1
    width: int = 3
    last: int | None = None

    @property
    def end(self) -> int:
        """The last number of the range."""
        if self.last is not None:
            return self.last
        return 10 ** max(self.width, len(str(self.first))) - 1

    @property
    def capacity(self) -> int:
        """How many numbers the range holds: a service gives out at most this many a day."""
        return max(self.end - self.first + 1, 0)

    def label(self, seq: int) -> str:
        """The printed number of the seq-th ticket of the day (seq starts at 1); never truncated."""
        return f"{self.prefix}{self.first + seq - 1:0{self.width}d}"


Period = tuple[time, time]


@dataclass(frozen=True)
class WeeklyHours:
    """Opening periods per weekday (0 = Monday); an empty day is closed."""

    days: tuple[tuple[Period, ...], ...] = ((),) * 7


@dataclass(frozen=True)
class Service:
    """A lĩnh vực: what a citizen picks at the kiosk and what a counter serves."""

    code: str
    name: str
    unit: str
    zone: str
    kind: str = "submit"
    name_en: str = ""
    number: NumberFormat = field(default_factory=NumberFormat)
    hours: WeeklyHours | None = None  # None: open around the clock
    daily_cap: int = 0  # 0: no cap
    wait_target_min: int = 30
    service_minutes: float = 8.0  # assumed service time until there are real ones


@dataclass(frozen=True)
class Counter:
    """A quầy: its number, zone, the services it serves in order, and whether it is the priority counter."""

    number: int
    zone: str
    services: tuple[str, ...]
    priority: bool = False
    name: str = ""


@dataclass(frozen=True)
class Policy:
    """The call-next rule: priority ratio, aging bound and the order across a counter's services."""

    priority_ratio: int = 2  # at most this many priority calls in a row while normal tickets wait
    aging_minutes: float = 30.0  # a ticket waiting longer than this moves ahead of everyone younger
    order: str = "longest_wait"  # or "service_order"

    def __post_init__(self) -> None:
        if self.priority_ratio < 1:
            raise ValueError("priority_ratio must be at least 1")
        if self.aging_minutes <= 0:
            raise ValueError("aging_minutes must be positive")
        if self.order not in ("longest_wait", "service_order"):
            raise ValueError("order must be 'longest_wait' or 'service_order'")


APPOINTMENT = "appointment"  # the priority class of a checked-in appointment's ticket (issue 10)


@dataclass(frozen=True)
class Waiting:
    """What call-next needs to know of a waiting ticket."""

    id: int
    service: str
    priority: bool  # a priority citizen's or a checked-in appointment's: called ahead of walk-ins
    queued_at: datetime  # original issue time: kept across transfers
    appointment: bool = False  # a checked-in appointment (priority class 'appointment', issue 10)


@dataclass(frozen=True)
class Ticket:
    """A ticket as the engine sees it."""

    id: int
    service: str
    number: str
    status: Status
    queued_at: datetime
    priority: str | None = None
    counter: int | None = None
    recalls: int = 0
    leg: int = 1


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened, recorded in the event log in the same transaction as the change."""

    type: str
    ticket_id: int | None = None
    counter: int | None = None
    service: str | None = None
    data: dict[str, object] = field(default_factory=dict)
