"""Cost that must not grow with history: today's totals kept in step with every change, expired
request answers purged, and the queries on request paths and timers read today only (their query
plans use an index instead of scanning the big tables)."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.services.auth import Actor
from server.services.context import TZ, Context, now_local, service_day, stamp
from server.services.counters import counter_action, rate
from server.services.tickets import close_day, find_tickets, issue_ticket
from server.store import Database
from server.store import db as store_db
from server.store import print_jobs
from server.store import queue as q
from tests.race_workers import KIOSK, officer

TABLET_18 = Actor("device", 9518, "tablet 18", "counter", (18,), None)
DAY1 = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)  # a Monday
BIG_TABLES = ("tickets", "legs", "ratings", "events", "requests")


def at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def busy_day(ctx: Context, start: datetime, tag: str) -> None:
    """A day with every kind of change: issued, called, recalled, served, no-show, rated,
    transferred, and some left waiting or at the counter."""
    moment = start

    def tick() -> None:
        nonlocal moment
        moment += timedelta(minutes=3)
        ctx.clock = at(moment)

    tick()
    counter_action(ctx, officer(18), 18, "open", {})
    for i in range(12):
        tick()
        issue_ticket(ctx, KIOSK, "TP-LLTP", priority="elderly" if i % 5 == 0 else None,
                     request_id=f"{tag}-{i}")
    for i in range(8):
        tick()
        res = counter_action(ctx, officer(18), 18, "call-next", {})
        if i % 4 == 1:
            tick()
            counter_action(ctx, officer(18), 18, "recall", {})
        if i % 4 == 2:
            tick()
            counter_action(ctx, officer(18), 18, "no-show", {})
            continue
        if i % 4 == 3:
            tick()
            counter_action(ctx, officer(18), 18, "start", {})
        tick()
        counter_action(ctx, officer(18), 18, "complete", {})
        if i % 2 == 0:
            rate(ctx, TABLET_18, 18, {"ticket_id": res["ticket"]["id"], "score": 1 + i % 4})
    tick()
    counter_action(ctx, officer(18), 18, "call-next", {})  # left at the counter


def test_todays_totals_always_equal_a_count_of_the_rows(demo: Any, db_path: Path) -> None:
    ctx = Context.open(Database(db_path))
    busy_day(ctx, DAY1, "d1")
    with ctx.db.read() as conn:
        first = q.day_stats(conn, "2026-11-23")
        assert first == q.day_stats_counted(conn, "2026-11-23")
    assert first["issued"] == 12 and first["no_show"] == 2 and first["ratings_count"] == 2
    assert first["waiting"] == 3 and first["avg_wait_min"] and first["avg_service_min"]
    # The next morning the day close settles yesterday's open tickets: both days still agree.
    busy_day(ctx, DAY1 + timedelta(days=1), "d2")
    ctx.clock = at(DAY1 + timedelta(days=2))
    assert close_day(ctx) == 7  # 3 + 3 waiting, and one left at the counter
    with ctx.db.read() as conn:
        for day in ("2026-11-23", "2026-11-24", "2026-11-25"):
            assert q.day_stats(conn, day) == q.day_stats_counted(conn, day), day
            assert q.day_stats(conn, day)["waiting"] == 0


def test_a_retry_within_the_day_gets_its_first_answer_and_older_answers_are_purged(
        demo: Any, db_path: Path) -> None:
    ctx = Context.open(Database(db_path))
    ctx.clock = at(DAY1)
    first, created = issue_ticket(ctx, KIOSK, "TP-LLTP", request_id="tap-1")
    ctx.clock = at(DAY1 + timedelta(hours=20))
    close_day(ctx)
    again, created_again = issue_ticket(ctx, KIOSK, "TP-LLTP", request_id="tap-1")
    assert created and not created_again and again["id"] == first["id"]
    issue_ticket(ctx, KIOSK, "TP-LLTP", request_id="tap-2")
    ctx.clock = at(DAY1 + timedelta(hours=25))
    close_day(ctx)
    with ctx.db.read() as conn:
        kept = [r[0] for r in conn.execute("SELECT request_id FROM requests")]
    assert kept == ["tap-2"]


def test_day_close_purges_a_big_backlog_in_small_transactions(demo: Any, db_path: Path) -> None:
    from server.services import tickets
    ctx = Context.open(Database(db_path))
    with ctx.db.write() as conn:
        conn.executemany("INSERT INTO requests (actor, request_id, action, status, response, at) VALUES (?,?,?,?,?,?)",
                         [("kiosk", f"old-{i}", "issue", 201, "{}", "2026-01-01T08:00:00.000000+07:00")
                          for i in range(tickets.PURGE_BATCH * 2 + 5)])
    pauses: list[int] = []
    ctx.clock = at(DAY1)
    close_day(ctx, pause=lambda: pauses.append(1))
    with ctx.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 0
    assert len(pauses) == 2  # three batches, the loop yielded between them


class Traced:
    """Every statement the store runs, as SQLite expanded it (with its parameters)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sql: list[str] = []
        real = store_db.connect

        def connect(path: Any) -> sqlite3.Connection:
            conn = real(path)
            conn.set_trace_callback(self.sql.append)
            return conn
        monkeypatch.setattr(store_db, "connect", connect)

    def take(self) -> list[str]:
        out = [s for s in self.sql if s.split()[0].upper() in ("SELECT", "UPDATE", "DELETE",
                                                                "INSERT", "WITH")]
        self.sql.clear()
        return out


def scans_of_big_tables(db_path: Path, statements: list[str]) -> list[tuple[str, str]]:
    """Plan steps that read a big table without an index (a partial index of open or pending
    rows is fine: it holds today's few rows, not history)."""
    conn = sqlite3.connect(db_path)
    bad = []
    for sql in statements:
        for row in conn.execute("EXPLAIN QUERY PLAN " + sql):
            step = row[3]
            words = step.split()
            # SCAN reads the whole table; a SEARCH on "day<?" reads every past day.
            if not (words[0] == "SCAN" or (words[0] == "SEARCH" and "day<?" in step)):
                continue
            table = words[1]
            aliases = {"t": "tickets", "l": "legs", "r": "ratings", "e": "events"}
            partial = "USING INDEX tickets_open" in step or "USING INDEX tickets_print_pending" in step \
                or "USING INDEX tickets_away" in step  # issue 10: numbers from home not checked in
            if aliases.get(table, table) in BIG_TABLES and not partial:
                bad.append((step, sql))
    conn.close()
    return bad


def test_request_paths_and_timers_read_today_only(demo: Any, db_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from server.realtime import Publisher  # noqa: F401 - the publisher's stats come from here
    from server.services import agents
    from server.services.screens import snapshots
    trace = Traced(monkeypatch)
    ctx = Context.open(Database(db_path))
    for d in range(3):  # some history: past days, one with tickets still open
        busy_day(ctx, DAY1 + timedelta(days=d), f"d{d}")
    today = DAY1 + timedelta(days=3, hours=1)
    ctx.clock = at(today)
    trace.take()

    checked: dict[str, list[str]] = {}
    close_day(ctx)  # at start-up and every 5 minutes: reads only the days with open tickets
    checked["day close"] = trace.take()
    snapshots.stats_message(ctx)  # every 2 s for the floor
    checked["today's stats"] = trace.take()
    find_tickets(ctx, officer(18), None, "1001")
    checked["lookup by number"] = trace.take()
    with ctx.db.read() as conn:
        print_jobs.orphan_tickets(conn)  # a printing lease taken: tickets pending with no job
        checked["tickets pending with no print job"] = trace.take()
    kiosk = Actor("device", 9001, "k", "kiosk", (), "A1", printer="agent")
    agents.pending_jobs(ctx, kiosk, "")
    checked["agent kiosk's pending jobs"] = trace.take()
    issue_ticket(ctx, KIOSK, "TP-LLTP", request_id="x")
    counter_action(ctx, officer(18), 18, "call-next", {})
    checked["issue and call"] = trace.take()

    for what, statements in checked.items():
        assert statements, what
        assert scans_of_big_tables(db_path, statements) == [], what
    assert service_day(today) == "2026-11-26"


def test_the_plan_check_catches_reading_history(demo: Any, db_path: Path) -> None:
    """The check above can fail: without their indexes, today's ratings scanned the whole table
    and the day close read every past day."""
    with Database(db_path).write() as conn:
        conn.execute("DROP INDEX ratings_day")
        conn.execute("DROP INDEX tickets_open")
    assert len(scans_of_big_tables(db_path, [
        "SELECT COUNT(*) FROM ratings WHERE day='2026-11-26'",
        "SELECT * FROM tickets WHERE day < '2026-11-26' AND " + q.OPEN_TICKET])) == 2


def test_upgrading_a_database_with_history_fills_the_totals_and_drops_stale_answers(
        demo: Any, db_path: Path) -> None:
    ctx = Context.open(Database(db_path))
    busy_day(ctx, DAY1, "d1")
    with ctx.db.write() as conn:  # back to the schema before m030, with an answer from last year
        for kind, name in conn.execute("SELECT type, name FROM sqlite_master WHERE sql IS NOT NULL "
                                       "AND (name LIKE 'day_totals_%' OR name IN ('ratings_day', "
                                       "'tickets_open', 'tickets_print_pending', 'tickets_number', "
                                       "'requests_at'))").fetchall():
            conn.execute(f"DROP {kind.upper()} {name}")
        conn.execute("DROP TABLE day_totals")
        # m291 keys day_totals by site again after m030 makes it anew
        conn.execute("DELETE FROM _sqlite_migrations WHERE name LIKE 'm030%' OR name LIKE 'm291%'")
        conn.execute("INSERT INTO requests (actor, request_id, action, status, response, at) VALUES ('kiosk', 'old', 'issue', 201, '{}', "
                     "'2025-11-23T08:00:00.000000+07:00')")
        conn.execute("INSERT INTO requests (actor, request_id, action, status, response, at) VALUES ('kiosk', 'recent', 'issue', 201, '{}', ?)",
                     (stamp(now_local() - timedelta(hours=2)),))
    ctx.db.close()
    db = Database(db_path)
    db.migrate()
    with db.read() as conn:
        assert q.day_stats(conn, "2026-11-23") == q.day_stats_counted(conn, "2026-11-23")
        assert q.day_stats(conn, "2026-11-23")["issued"] == 12
        ids = [r[0] for r in conn.execute("SELECT request_id FROM requests")]
    assert "old" not in ids and "recent" in ids
