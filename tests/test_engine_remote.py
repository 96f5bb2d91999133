"""The pure rules of numbers from home and check-in windows (server/engine/remote.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from server.engine.remote import (AWAY, EXPIRED, HELD, RemoteRules, checkin_refusal,
                                  leave_home_at, remote_state)

TZ = timezone(timedelta(hours=7))
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=TZ)
DAY_END = datetime(2026, 12, 3, 0, 0, tzinfo=TZ)
RULES = RemoteRules(expire_min=30, early_min=30, late_min=15, travel_min=20)


def test_away_until_its_turn_then_held_for_the_policy_minutes_then_expired() -> None:
    assert remote_state(None, NOON, DAY_END, RULES) == (AWAY, DAY_END)
    turn = NOON - timedelta(minutes=10)
    assert remote_state(turn, NOON, DAY_END, RULES) == (HELD, turn + timedelta(minutes=30))
    assert remote_state(turn, turn + timedelta(minutes=29, seconds=59), DAY_END, RULES)[0] == HELD
    assert remote_state(turn, turn + timedelta(minutes=30), DAY_END, RULES)[0] == EXPIRED


def test_never_outlives_its_day() -> None:
    late_turn = DAY_END - timedelta(minutes=5)
    assert remote_state(late_turn, DAY_END - timedelta(minutes=1), DAY_END, RULES) == (HELD, DAY_END)
    assert remote_state(None, DAY_END, DAY_END, RULES) == (EXPIRED, DAY_END)


def test_checkin_window_of_an_appointment() -> None:
    slot = NOON
    assert checkin_refusal(slot, slot - timedelta(minutes=31), RULES) == "too_early"
    assert checkin_refusal(slot, slot - timedelta(minutes=30), RULES) is None
    assert checkin_refusal(slot, slot + timedelta(minutes=15), RULES) is None
    assert checkin_refusal(slot, slot + timedelta(minutes=15, seconds=1), RULES) == "too_late"


def test_leave_home_the_shortest_wait_less_the_travel_time_never_in_the_past() -> None:
    assert leave_home_at(NOON, 50, RULES) == NOON + timedelta(minutes=30)
    assert leave_home_at(NOON, 10, RULES) == NOON
