"""Races that really race: threads and processes, each with its own connection pool and no shared
lock, against one database — a SQLite file, then a PostgreSQL database (issue 9): only the
engine's locking (BEGIN IMMEDIATE; the site's advisory lock) stands between them."""
from __future__ import annotations

import multiprocessing
import threading
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from server.services.context import Context
from server.services.counters import counter_action
from server.services.tickets import issue_ticket
from server.store import Database
from tests.race_workers import KIOSK, call_until_empty, issue_many, officer

SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def db_path(store_location: Any) -> Any:
    """Every test of this module runs on SQLite and on PostgreSQL."""
    return store_location


def run_processes(target: Any, args: list[tuple[Any, ...]], timeout: float = 120) -> list[Any]:
    """Run target(*a, barrier) in one spawned process per args, all starting together; what each
    returned (its failure fails the test)."""
    barrier = SPAWN.Barrier(len(args))
    results = SPAWN.Queue()
    procs = [SPAWN.Process(target=_collect, args=(target, a, barrier, results)) for a in args]
    for p in procs:
        p.start()
    out = [results.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    errors = [o for o in out if isinstance(o, str)]
    assert not errors, errors
    return out


def _collect(target: Any, a: tuple[Any, ...], barrier: Any, results: Any) -> None:
    try:
        results.put(target(*a, barrier))
    except Exception as exc:  # report to the parent instead of hanging it
        results.put(f"{type(exc).__name__}: {exc}")


def fresh_ctx(db_path: Path) -> Context:
    """A context of its own: own pool, own process lock — like another server process."""
    return Context.open(Database(db_path))


def numbers_in_db(db_path: Path, service: str) -> list[str]:
    with Database(db_path).read() as conn:
        return [r[0] for r in conn.execute("SELECT number FROM tickets WHERE origin_service=?",
                                           (service,))]


def test_threads_never_get_the_same_number(demo: Any, db_path: Path) -> None:
    barrier = threading.Barrier(8)

    def kiosk(i: int) -> list[str]:
        ctx = fresh_ctx(db_path)
        barrier.wait()
        return [issue_ticket(ctx, KIOSK, "TP-LLTP")[0]["number"] for _ in range(40)]

    with ThreadPoolExecutor(8) as pool:
        got = [n for part in pool.map(kiosk, range(8)) for n in part]
    assert len(got) == len(set(got)) == 320
    assert sorted(numbers_in_db(db_path, "TP-LLTP")) == [str(1001 + i) for i in range(320)]


def test_processes_never_get_the_same_number(demo: Any, db_path: Path) -> None:
    parts = run_processes(issue_many, [(str(db_path), "TP-LLTP", 75, 100 + i) for i in range(4)])
    got = [n for part in parts for n in part]
    assert len(got) == len(set(got)) == 300
    assert sorted(numbers_in_db(db_path, "TP-LLTP")) == [str(1001 + i) for i in range(300)]


def test_two_counters_in_two_processes_never_call_the_same_ticket(demo: Any, db_path: Path) -> None:
    ctx = fresh_ctx(db_path)
    for i in range(240):
        issue_ticket(ctx, KIOSK, "TP-LLTP", "elderly" if i % 7 == 0 else None)
    counters = [17, 18, 19, 20, 21]  # all serve TP-LLTP (17 is zone A1's priority counter)
    parts = run_processes(call_until_empty, [(str(db_path), c) for c in counters])
    called = [t for part in parts for t in part]
    assert len(called) == len(set(called)) == 240
    with Database(db_path).read() as conn:
        per_ticket = Tally(r[0] for r in conn.execute(
            "SELECT ticket_id FROM events WHERE type='ticket.called'"))
    assert set(per_ticket.values()) == {1} and len(per_ticket) == 240


def test_threads_calling_next_share_the_queue_exactly_once(demo: Any, db_path: Path) -> None:
    ctx = fresh_ctx(db_path)
    for _ in range(150):
        issue_ticket(ctx, KIOSK, "TP-LLTP")
    barrier = threading.Barrier(5)

    def counter(n: int) -> list[int]:
        c = fresh_ctx(db_path)
        barrier.wait()
        got = []
        while (t := counter_action(c, officer(n), n, "call-next", {})["ticket"]) is not None:
            got.append(t["id"])
        return got

    with ThreadPoolExecutor(5) as pool:
        called = [t for part in pool.map(counter, [17, 18, 19, 20, 21]) for t in part]
    assert len(called) == len(set(called)) == 150


def test_a_double_tap_makes_one_ticket_even_when_both_taps_race(demo: Any, db_path: Path) -> None:
    barrier = threading.Barrier(6)

    def tap(_: int) -> tuple[int, bool]:
        c = fresh_ctx(db_path)
        barrier.wait()
        ticket, created = issue_ticket(c, KIOSK, "TP-LLTP", None, "tap-1")
        return ticket["id"], created

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(tap, range(6)))
    assert len({tid for tid, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert numbers_in_db(db_path, "TP-LLTP") == ["1001"]


def test_a_retried_call_next_calls_one_ticket(demo: Any, db_path: Path) -> None:
    ctx = fresh_ctx(db_path)
    for _ in range(3):
        issue_ticket(ctx, KIOSK, "TP-LLTP")
    barrier = threading.Barrier(4)

    def press(_: int) -> int:
        c = fresh_ctx(db_path)
        barrier.wait()
        return counter_action(c, officer(18), 18, "call-next", {"request_id": "press-1"})["ticket"]["id"]

    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(press, range(4)))
    assert len(ids) == 1
    with Database(db_path).read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM tickets WHERE status='called'").fetchone()[0] == 1


@pytest.mark.parametrize("service", ["KQ-A1"])
def test_numbering_restarts_each_service_day_and_keeps_history(demo: Any, db_path: Path,
                                                               service: str) -> None:
    from datetime import datetime, timedelta

    from server.services.context import TZ
    from server.services.tickets import close_day
    day1 = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
    ctx = fresh_ctx(db_path)
    ctx.clock = lambda: day1
    first = [issue_ticket(ctx, KIOSK, service)[0]["number"] for _ in range(3)]
    ctx.clock = lambda: day1 + timedelta(days=1)
    assert close_day(ctx) == 3
    second = issue_ticket(ctx, KIOSK, service)[0]["number"]
    assert first == ["4801", "4802", "4803"] and second == "4801"
    with Database(db_path).read() as conn:
        rows = conn.execute("SELECT day, status FROM tickets ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("2026-11-24", "not_served")] * 3 + [("2026-11-25", "waiting")]
