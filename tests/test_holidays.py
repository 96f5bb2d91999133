"""Public holidays arrive in the calendar by themselves: this year's and next year's at init (real
CLI, real db file), the next year's as a new year comes; each year once, so an admin's removal or
own entry stands; two processes racing add each holiday once."""
from __future__ import annotations

import multiprocessing
from datetime import date, datetime
from pathlib import Path
from typing import Any

from server.engine.calendar import vietnam_holidays
from server.services import closures
from server.services.auth import CLI
from server.services.context import TZ, Context, now_local
from server.services.holidays import import_upcoming_holidays
from server.store import Database
from tests.support.cli import xephang

ROOT = Path(__file__).resolve().parent.parent
SPAWN = multiprocessing.get_context("spawn")


def calendar(ctx: Context, year: int) -> dict[str, str]:
    """{date: name} of the year's holidays in the calendar."""
    return {d["date"]: d["name"] for d in closures.calendar_year(ctx, CLI, year)["days"]
            if d["kind"] == "holiday"}


def at(ctx: Context, day: date) -> Context:
    ctx.clock = lambda: datetime(day.year, day.month, day.day, 9, 0, tzinfo=TZ)
    return ctx


def new_db(tmp_path: Path) -> Path:
    path = tmp_path / "x.db"
    out = xephang("init", "--db", str(path), "--no-demo")
    assert out.returncode == 0, out.stderr
    return path


def test_init_puts_this_years_and_next_years_holidays_in_the_calendar(tmp_path: Path) -> None:
    path = new_db(tmp_path)
    ctx = Context.open(Database(path))
    year = now_local().year
    for y in (year, year + 1):
        assert calendar(ctx, y) == {h.day.isoformat(): h.name for h in vietnam_holidays(y)}
    assert calendar(ctx, year + 2) == {}
    listed = xephang("calendar", "list", "--year", str(year + 1), "--db", str(path)).stdout
    assert "Tết Nguyên đán (mùng 1)" in listed and "Giỗ Tổ Hùng Vương" in listed
    again = xephang("init", "--db", str(path))  # idempotent: nothing added twice
    assert again.returncode == 0 and calendar(ctx, year + 1) == {
        h.day.isoformat(): h.name for h in vietnam_holidays(year + 1)}


def test_a_new_year_brings_the_next_and_the_admins_decisions_stand(tmp_path: Path) -> None:
    ctx = at(Context.open(Database(new_db(tmp_path))), date(2027, 6, 1))
    import_upcoming_holidays(ctx)  # what init (on the real date) left for a day in 2027
    assert calendar(ctx, 2028) == {h.day.isoformat(): h.name for h in vietnam_holidays(2028)}
    assert import_upcoming_holidays(ctx) == {}  # each year once
    assert import_upcoming_holidays(at(ctx, date(2027, 12, 31))) == {}
    # The admin takes out Reunification Day 2029 before the server ever added 2029, enters
    # her own name for 2/9/2029 and works on Tết eve: the job keeps all three decisions.
    closures.import_holidays(ctx, CLI, 2029)
    [apr30] = [d for d in closures.calendar_year(ctx, CLI, 2029)["days"] if d["date"] == "2029-04-30"]
    closures.remove_calendar_day(ctx, CLI, apr30["id"])
    [sep2] = [d for d in closures.calendar_year(ctx, CLI, 2029)["days"] if d["date"] == "2029-09-02"]
    closures.remove_calendar_day(ctx, CLI, sep2["id"])
    closures.add_calendar_day(ctx, CLI, {"kind": "holiday", "date": "2029-09-02",
                                         "name": "Quốc khánh (theo quyết định)"})
    added = import_upcoming_holidays(at(ctx, date(2028, 1, 2)))
    assert list(added) == [2029] and added[2029] == []  # everything else was already there
    days = calendar(ctx, 2029)
    assert "2029-04-30" not in days and days["2029-09-02"] == "Quốc khánh (theo quyết định)"
    # removed after the year was added: never back, however often the job runs
    [may1] = [d for d in closures.calendar_year(ctx, CLI, 2029)["days"] if d["date"] == "2029-05-01"]
    closures.remove_calendar_day(ctx, CLI, may1["id"])
    assert import_upcoming_holidays(at(ctx, date(2029, 1, 1)))[2030]
    assert "2029-05-01" not in calendar(ctx, 2029) and "2030-05-01" in calendar(ctx, 2030)


def _import_in_process(db_path: str, barrier: Any, results: Any) -> None:
    try:
        ctx = at(Context.open(Database(Path(db_path))), date(2031, 3, 1))
        barrier.wait(timeout=60)
        results.put(import_upcoming_holidays(ctx))
    except Exception as exc:  # report to the parent instead of hanging it
        results.put(f"{type(exc).__name__}: {exc}")


def test_two_processes_racing_add_each_holiday_once(tmp_path: Path) -> None:
    path = new_db(tmp_path)
    barrier, results = SPAWN.Barrier(3), SPAWN.Queue()
    procs = [SPAWN.Process(target=_import_in_process, args=(str(path), barrier, results))
             for _ in range(3)]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert not [o for o in out if isinstance(o, str)], out
    assert sorted(len(o) for o in out) == [0, 0, 2]  # one process added 2031 and 2032
    ctx = Context.open(Database(path))
    with ctx.db.read() as conn:
        rows = conn.execute("SELECT day, COUNT(*) FROM calendar_days WHERE day LIKE '2032-%' "
                            "GROUP BY day HAVING COUNT(*) > 1").fetchall()
        audits = conn.execute("SELECT COUNT(*) FROM audit WHERE kind='calendar.auto_import' "
                              "AND target='calendar:2032'").fetchone()[0]
    assert rows == [] and audits == 1
    assert calendar(ctx, 2032) == {h.day.isoformat(): h.name for h in vietnam_holidays(2032)}
