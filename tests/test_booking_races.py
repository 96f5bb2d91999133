"""Issue 10 races: a slot is never overbooked and the per-phone daily limit holds when threads of
several processes book at once against one database file."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from server.setup import initialize
from server.store import Database
from tests.booking_race_workers import book_all, make_citizens
from tests.test_races import run_processes

PROCESSES, THREADS = 3, 4


def _next_weekday() -> str:
    d = date.today() + timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d.isoformat()


def _race(db: Path, jobs: list[dict[str, Any]]) -> list[str]:
    """Split the jobs over PROCESSES processes of THREADS threads; every outcome."""
    out = run_processes(book_all, [(str(db), jobs[i::PROCESSES], THREADS)
                                   for i in range(PROCESSES)], timeout=180)
    return [outcome for part in out for outcome, _s in part]


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "race.db"
    initialize(Database(path), None, demo=False)
    return path


def _capacity(db: Path, service: str, day: str, start: str) -> int:
    from server.services.bookings import free_slots
    from server.services.context import Context
    ctx = Context.open(Database(db))
    slot = next(s for s in free_slots(ctx, service, day)["slots"] if s["start"] == start)
    ctx.db.close()
    return int(slot["capacity"])


def _booked(db: Path, **where: str) -> int:
    import sqlite3
    conds = " AND ".join(f"{k}=?" for k in where)
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM bookings WHERE status='booked' AND {conds}",
                                list(where.values())).fetchone()[0])


def test_a_slot_is_never_overbooked(tmp_path: Path) -> None:
    db, day = _db(tmp_path), _next_weekday()
    capacity = _capacity(db, "TP-LLTP", day, "08:00")
    tokens = make_citizens(str(db), capacity * 4)
    jobs = [{"token": t, "service": "TP-LLTP", "date": day, "start": "08:00"} for t in tokens]
    outcomes = _race(db, jobs)
    assert outcomes.count("ok") == capacity, outcomes
    assert set(outcomes) == {"ok", "slot_full"}, outcomes
    assert _booked(db, service="TP-LLTP", day=day, start="08:00") == capacity


def test_the_daily_limit_per_phone_holds(tmp_path: Path) -> None:
    db, day = _db(tmp_path), _next_weekday()
    [token] = make_citizens(str(db), 1)
    starts = ["07:30", "08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "13:00",
              "13:30", "14:00", "14:30"]
    jobs = [{"token": token, "service": "TP-LLTP", "date": day, "start": s} for s in starts]
    outcomes = _race(db, jobs)
    assert outcomes.count("ok") == 2, outcomes
    assert set(outcomes) == {"ok", "limit_reached"}, outcomes
    assert _booked(db, day=day) == 2


def test_one_request_id_sent_from_everywhere_books_once(tmp_path: Path) -> None:
    db, day = _db(tmp_path), _next_weekday()
    [token] = make_citizens(str(db), 1)
    jobs = [{"token": token, "service": "TP-LLTP", "date": day, "start": "09:00",
             "request_id": "double-tap"} for _ in range(12)]
    outcomes = _race(db, jobs)
    assert len(set(outcomes)) == 1 and outcomes[0].startswith("ok:"), outcomes  # one same answer
    assert _booked(db, day=day) == 1
