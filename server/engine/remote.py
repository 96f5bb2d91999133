"""Numbers from home and appointments (issue 10): when a remote ticket is held aside or expires,
and whether a check-in comes inside its window. Pure functions: no Flask, no SQLite.

The rule for a remote ticket: it keeps its issue time as its place in the line, but is not
waiting (so never called and never counted ahead of anyone) until its owner checks in. Its turn
has come once a ticket of its service queued after it has been called; from then it is held
aside for `expire_min` minutes, and checking in during that time puts it back at its place (the
oldest of its line: it is called next). Past that, or past the end of its day, it expires.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RemoteRules:
    """The policy of remote numbers and check-in windows (minutes)."""

    expire_min: float = 30.0  # a remote ticket whose turn passed is held this long
    early_min: float = 30.0  # an appointment may check in this long before its slot starts
    late_min: float = 15.0  # ...and until this long after its slot starts
    travel_min: float = 30.0  # "leave home" advice: time to reach the building


# What a citizen sees of a remote ticket not checked in.
AWAY, HELD, EXPIRED = "away", "held", "expired"


def remote_state(turn_at: datetime | None, now: datetime, day_end: datetime,
                 rules: RemoteRules) -> tuple[str, datetime]:
    """(away | held | expired, the moment it expires) for a remote ticket not checked in.

    `turn_at`: when the first ticket of its service queued after it was called (None: not yet);
    `day_end`: the end of its service day (it never outlives its day)."""
    expires = day_end if turn_at is None else min(day_end, turn_at + timedelta(minutes=rules.expire_min))
    if now >= expires:
        return EXPIRED, expires
    return (AWAY if turn_at is None else HELD), expires


def checkin_refusal(slot_start: datetime, now: datetime, rules: RemoteRules) -> str | None:
    """Why an appointment may not check in now (too_early / too_late), or None."""
    if now < slot_start - timedelta(minutes=rules.early_min):
        return "too_early"
    if now > slot_start + timedelta(minutes=rules.late_min):
        return "too_late"
    return None


def leave_home_at(now: datetime, wait_low_min: int, rules: RemoteRules) -> datetime:
    """When to leave home to arrive before the turn: the shortest estimated wait less the
    travel time (now if that moment has passed)."""
    return max(now, now + timedelta(minutes=wait_low_min - rules.travel_min))
