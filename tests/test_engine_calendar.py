"""The Vietnamese lunar calendar and the public holidays it gives, and how the calendar opens and
closes services (pure engine: no database)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.engine.calendar import Calendar, DayOff, Suspension, vietnam_holidays
from server.engine.lunar import lunar_to_solar, solar_to_lunar, tet
from server.engine.model import Service, WeeklyHours
from server.engine.numbering import IssueRefused, check_can_issue, is_open, next_opening

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize("year, expected", [
    (1985, date(1985, 1, 21)),  # China (UTC+8): 20 Feb 1985
    (2007, date(2007, 2, 17)),  # China: 18 Feb 2007
    (2024, date(2024, 2, 10)), (2025, date(2025, 1, 29)), (2026, date(2026, 2, 17)),
    (2027, date(2027, 2, 6)),
])
def test_tet_is_computed_for_vietnam(year: int, expected: date) -> None:
    assert tet(year) == expected


def test_hung_kings_day_and_leap_months() -> None:
    assert lunar_to_solar(10, 3, 2026) == date(2026, 4, 26)
    assert lunar_to_solar(10, 3, 2025) == date(2025, 4, 7)
    assert lunar_to_solar(1, 2, 2023, leap=True) == date(2023, 3, 22)  # 2023 repeats month 2
    assert solar_to_lunar(date(2023, 3, 22)) == (1, 2, 2023, True)
    with pytest.raises(ValueError):
        lunar_to_solar(1, 5, 2023, leap=True)


def test_lunar_round_trip_over_years() -> None:
    day = date(1990, 1, 1)
    while day < date(2060, 1, 1):
        d, m, y, leap = solar_to_lunar(day)
        assert lunar_to_solar(d, m, y, leap) == day
        day += timedelta(days=17)


def test_vietnam_holidays_2026() -> None:
    days = {h.day: h.name for h in vietnam_holidays(2026)}
    assert days[date(2026, 1, 1)] == "Tết Dương lịch"
    assert [d for d in days if "Tết Nguyên đán" in days[d]] == [
        date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20)]
    assert days[date(2026, 4, 26)] == "Giỗ Tổ Hùng Vương"  # a Sunday: a day off in lieu follows
    assert days[date(2026, 4, 27)] == "Nghỉ bù Giỗ Tổ Hùng Vương"
    assert days[date(2026, 4, 30)] and days[date(2026, 5, 1)]
    assert days[date(2026, 9, 2)] == days[date(2026, 9, 1)] == "Quốc khánh"
    assert len(days) == 12
    # 2024: 2/9 was a Monday, so the adjacent day is 3/9, not Sunday 1/9
    assert {date(2024, 9, 2), date(2024, 9, 3)} <= {h.day for h in vietnam_holidays(2024)}


WEEKDAYS = WeeklyHours(tuple(((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0))) if d < 5 else ()
                             for d in range(7)))
SVC = Service("TP-LLTP", "Lý lịch tư pháp", "TP", "A1", hours=WEEKDAYS)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_a_holiday_closes_and_the_next_opening_skips_it() -> None:
    cal = Calendar(days_off=[DayOff(h.day, "holiday", h.name, h.name_en) for h in vietnam_holidays(2026)])
    tet_eve = at(2026, 2, 16, 9, 0)
    assert is_open(SVC, tet_eve) and not is_open(SVC, tet_eve, calendar=cal)
    assert next_opening(SVC, tet_eve, calendar=cal) == at(2026, 2, 23, 7, 30)  # Monday after Tết
    with pytest.raises(IssueRefused) as refused:
        check_can_issue(SVC, tet_eve, 0, calendar=cal)
    assert refused.value.code == "holiday" and refused.value.params["opens"] == at(2026, 2, 23, 7, 30)
    # open all hours (the demo) still keeps holidays
    assert not is_open(SVC, tet_eve, open_all_hours=True, calendar=cal)
    assert next_opening(SVC, tet_eve, open_all_hours=True, calendar=cal) == at(2026, 2, 21, 0, 0)


def test_a_compensating_saturday_works_with_a_weekdays_hours() -> None:
    saturday = at(2026, 12, 5, 9, 0)
    assert not is_open(SVC, saturday)
    cal = Calendar(working_days={saturday.date(): 0})
    assert is_open(SVC, saturday, calendar=cal) and not is_open(SVC, at(2026, 12, 5, 12, 0), calendar=cal)
    assert next_opening(SVC, at(2026, 12, 4, 18, 0), calendar=cal) == at(2026, 12, 5, 7, 30)


def test_a_closure_of_some_units_leaves_the_others_open() -> None:
    other = Service("XD-CP", "Cấp phép xây dựng", "XD", "A2", hours=WEEKDAYS)
    cal = Calendar(days_off=[DayOff(date(2026, 12, 3), "closure", "tập huấn", "training", frozenset({"TP"}))])
    now = at(2026, 12, 3, 9, 0)
    assert not is_open(SVC, now, calendar=cal) and is_open(other, now, calendar=cal)
    closed = cal.closed_by(SVC, now)
    assert closed is not None and (closed.code, closed.reason) == ("day_closed", "tập huấn")


def test_a_suspension_reopens_by_itself_at_its_time() -> None:
    until = at(2026, 12, 3, 14, 0)
    unit_closed = Calendar(suspensions=[Suspension("unit", "TP", "mất điện", "power outage", until)])
    assert not is_open(SVC, at(2026, 12, 3, 13, 59), calendar=unit_closed)
    assert next_opening(SVC, at(2026, 12, 3, 13, 0), calendar=unit_closed) == until
    assert is_open(SVC, until, calendar=unit_closed)
    # ends in the lunch break: opens when the afternoon starts
    lunch = Calendar(suspensions=[Suspension("service", "TP-LLTP", "x", "", at(2026, 12, 3, 12, 0))])
    assert next_opening(SVC, at(2026, 12, 3, 10, 0), calendar=lunch) == at(2026, 12, 3, 13, 0)
    forever = Calendar(suspensions=[Suspension("service", "TP-LLTP", "x", "")])
    assert next_opening(SVC, at(2026, 12, 3, 10, 0), calendar=forever) is None
    with pytest.raises(IssueRefused) as refused:
        check_can_issue(SVC, at(2026, 12, 3, 10, 0), 0, calendar=forever)
    assert refused.value.code == "service_suspended" and refused.value.params["reason_en"] == "x"
