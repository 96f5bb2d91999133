"""Issue 10 races: however many kiosks and guides check one code in at once, from threads of
several processes, it makes one ticket; and while counters call next meanwhile, every ticket is
called exactly once."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from server.setup import initialize
from server.store import Database
from tests.booking_race_workers import make_citizens
from tests.remote_race_workers import check_in_all, make_codes, take_all
from tests.test_races import run_processes

PROCESSES, THREADS = 3, 4


def _check_in(db: str, codes: list[str], calls: dict[int, int], barrier: Any) -> list[Any]:
    return check_in_all(db, codes, THREADS, barrier, calls)


def _race(db: Path, codes: list[str], calls: dict[int, int]) -> list[str]:
    """Every process checks every code in (each also calling next); every check-in's outcome."""
    out = run_processes(_check_in, [(str(db), codes, calls) for _ in range(PROCESSES)],
                        timeout=240)
    return [outcome for part in out for outcome, _s in part]


def test_one_code_checked_in_everywhere_at_once_makes_one_ticket_called_once(
        tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    initialize(Database(db), None, demo=False)
    codes = make_codes(str(db), 6, 6)
    outcomes = _race(db, codes, {17: 6, 18: 6})
    assert outcomes.count("ok") == len(codes), outcomes
    assert set(outcomes) == {"ok", "already_checked_in"}, outcomes
    with sqlite3.connect(db) as conn:
        per_booking = conn.execute("SELECT COUNT(DISTINCT ticket_id), COUNT(*), "
                                   "SUM(checked_in_at IS NOT NULL) FROM bookings").fetchone()
        assert per_booking == (12, 12, 12)
        channels = dict(conn.execute("SELECT channel, COUNT(*) FROM tickets GROUP BY channel"))
        assert channels == {"remote": 6, "appointment": 6}
        calls = conn.execute("SELECT ticket_id, COUNT(*) FROM events WHERE type='ticket.called' "
                             "GROUP BY ticket_id").fetchall()
        assert calls and all(n == 1 for _t, n in calls), calls
        checked = conn.execute("SELECT ticket_id, COUNT(*) FROM events "
                               "WHERE type='ticket.checked_in' GROUP BY ticket_id").fetchall()
        assert len(checked) == 12 and all(n == 1 for _t, n in checked)
        # every ticket is now either called once or still waiting: none lost, none away
        left = dict(conn.execute("SELECT status, COUNT(*) FROM tickets GROUP BY status"))
        assert left.get("away", 0) == 0 and sum(left.values()) == 12
        assert left.get("waiting", 0) + len(calls) == 12


def test_the_daily_limit_per_phone_holds_for_numbers_from_home(tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    initialize(Database(db), None, demo=False)
    [token] = make_citizens(str(db), 1)
    jobs = [{"token": token, "service": "TP-LLTP"} for _ in range(12)]
    out = run_processes(take_all, [(str(db), jobs[i::PROCESSES], THREADS)
                                   for i in range(PROCESSES)], timeout=240)
    outcomes = [o for part in out for o, _s in part]
    assert outcomes.count("ok") == 2 and set(outcomes) == {"ok", "limit_reached"}, outcomes
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM tickets WHERE channel='remote'").fetchone()[0] == 2
        numbers = [r[0] for r in conn.execute("SELECT number FROM tickets")]
        assert len(numbers) == len(set(numbers)) == 2
