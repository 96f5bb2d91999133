"""Print jobs with two printing processes on one database (two apps in this process, each its own
lease holder): only the holder of the `printing` lease talks to printers; the other's tickets
reach it through the stored jobs; a clean stop hands the jobs not yet started to the other."""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.store import Database
from server.store import print_jobs as jobs
from tests.support.fake_printer import FakePrinter
from tests.test_printing_service import issue, kiosk_with_printer

WAIT_S = 20


def _app(db_path: Path) -> Any:
    from server.app import create_app
    return create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                       "PRINTING": True, "TESTING": True})


@pytest.fixture
def two(demo: Any, db_path: Path) -> Iterator[tuple[Any, Any]]:
    """Two apps on one database: the first holds the printing lease (taken at its start)."""
    first, second = _app(db_path), _app(db_path)
    yield first, second
    from server.app import close_app
    for app in (second, first):
        app.extensions["xephang"].printer.stop()
        close_app(app)


def _printer(app: Any) -> Any:
    return app.extensions["xephang"].printer


def _await(predicate: Any) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():  # the stored job's state is what moves: polled, bounded
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _job_states(db_path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT state, holder FROM print_jobs ORDER BY id").fetchall()
    finally:
        conn.close()


def test_only_the_lease_holder_prints_and_the_other_process_tickets_reach_it(
        two: tuple[Any, Any], db_path: Path) -> None:
    first, second = two
    assert _printer(first).holds() and not _printer(second).holds()
    with FakePrinter() as printer:
        token = kiosk_with_printer(db_path, printer.url)
        tickets = [issue(app, token) for app in (second, first, second)]
        _await(lambda: [s for s, _ in _job_states(db_path)] == ["done"] * 3)
        assert {h for _, h in _job_states(db_path)} == {_printer(first).lease.holder}
        assert printer.wait_until(lambda p: len(p.printed()) == 3)
        for t in tickets:  # each once
            assert sum(t["token"].encode() in piece for piece in printer.printed()) == 1
        # The status poll runs on the holder only (over its kept connection): a round of the
        # other process reads no printer and opens no connection.
        connections, queries = printer.connections, len(printer.queries)
        assert _printer(second)._poll_round() == []
        assert printer.connections == connections and len(printer.queries) == queries
        assert printer.url in _printer(first)._poll_round()
        assert len(printer.queries) > queries
        # Whatever the second process saw is what the first one recorded.
        r = second.test_client().get(f"/api/v1/tickets/{tickets[0]['token']}").get_json()
        assert r["print"]["status"] == "printed"


def test_a_clean_stop_hands_the_jobs_not_started_to_the_next_holder(
        two: tuple[Any, Any], db_path: Path) -> None:
    first, second = two
    with FakePrinter(chunk_delay=0.01) as printer:  # slow: the jobs queue up behind the first
        token = kiosk_with_printer(db_path, printer.url)
        tickets = [issue(first, token) for _ in range(4)]
        assert printer.wait_until(lambda p: p.connections >= 1 and len(p.received) > 0)
        _printer(first).stop()  # finishes the ticket under way, gives the others back
        states = [s for s, _ in _job_states(db_path)]
        assert "queued" in states and "sending" not in states, states
        _await(lambda: [s for s, _ in _job_states(db_path)] == ["done"] * 4)
        assert _printer(second).holds()
        assert printer.wait_until(lambda p: len(p.printed()) == 4)
        for t in tickets:
            assert sum(t["token"].encode() in piece for piece in printer.printed()) == 1
            r = second.test_client().get(f"/api/v1/tickets/{t['token']}").get_json()
            assert r["print"]["status"] == "printed"


def test_a_job_taken_over_is_not_sent_by_its_old_holder(demo: Any, db_path: Path) -> None:
    """The fence: once a new holder took a claimed job, the old one may not mark it sending."""
    db = Database(db_path)
    with db.write() as conn:
        conn.execute("INSERT INTO tickets (day, origin_service, seq, number, service, status, "
                     "token, issued_at, queued_at, issued_by, print_status) VALUES "
                     "('2026-01-05','TP-LLTP',1,'1001','TP-LLTP','waiting','tk','x','x','k','pending')")
        ticket = int(conn.execute("SELECT id FROM tickets").fetchone()[0])
        sent = jobs.add(conn, ticket, 1, {"ticket": {}}, "old", "t0")
        kept = jobs.add(conn, ticket, 1, {"ticket": {}}, "old", "t0", reprint=True)
        assert jobs.mark_sending(conn, sent, "old", "t1")
        claimed, lost = jobs.take_over(conn, "new", "t2")
        assert [r["id"] for r in claimed] == [kept] and [r["id"] for r in lost] == [sent]
        assert not jobs.mark_sending(conn, kept, "old", "t3")  # the old holder must not send it
        assert jobs.mark_sending(conn, kept, "new", "t3")
        with pytest.raises(sqlite3.IntegrityError):  # a ticket's first print is one job
            jobs.add(conn, ticket, 1, {"ticket": {}}, None, "t4")
    db.close()


def test_a_job_found_long_after_its_ticket_is_reported_not_printed(
        two: tuple[Any, Any], db_path: Path) -> None:
    first, _ = two
    with FakePrinter() as printer:
        token = kiosk_with_printer(db_path, printer.url)
        ticket = issue(first, token)
        _await(lambda: [s for s, _ in _job_states(db_path)] == ["done"])
        assert printer.wait_until(lambda p: len(p.printed()) == 1)
        db = Database(db_path)
        with db.write() as conn:  # a job left queued while every process was down for an hour
            payload = conn.execute("SELECT payload FROM print_jobs").fetchone()[0]
            conn.execute("INSERT INTO print_jobs (ticket_id, device_id, reprint, payload, state, "
                         "created_at, updated_at) SELECT ticket_id, device_id, 1, ?, 'queued', "
                         "'2026-01-01T08:00:00.000000+07:00', 'x' FROM print_jobs", (payload,))
        db.close()
        _await(lambda: [s for s, _ in _job_states(db_path)] == ["done", "done"])
        r = first.test_client().get(f"/api/v1/tickets/{ticket['token']}").get_json()
        assert r["print"] == {"status": "on_screen", "detail": "Dịch vụ in đã dừng trước khi in"}
        assert len(printer.printed()) == 1


def test_processes_and_threads_claiming_at_once_each_get_distinct_jobs(
        demo: Any, db_path: Path) -> None:
    """Three processes and three threads claim 600 queued jobs: each job exactly once."""
    import multiprocessing
    import threading

    from tests.print_job_workers import claim_all
    db = Database(db_path)
    with db.write() as conn:
        ids = {jobs.add(conn, 1, 1, {"ticket": {}}, None, "t0", reprint=True) for _ in range(600)}
    db.close()
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Manager().Barrier(6)
    got: dict[str, list[int]] = {}
    with spawn.Pool(3) as pool:
        results = [pool.apply_async(claim_all, (str(db_path), f"p{i}", barrier)) for i in range(3)]

        def thread(name: str) -> None:
            got[name] = claim_all(str(db_path), name, barrier)

        threads = [threading.Thread(target=thread, args=(f"t{i}",)) for i in range(3)]
        for t in threads:
            t.start()
        for i, r in enumerate(results):
            got[f"p{i}"] = r.get(timeout=120)
        for t in threads:
            t.join(120)
    claimed = [job for lst in got.values() for job in lst]
    assert sorted(claimed) == sorted(ids)  # every job, none twice
    assert sum(1 for lst in got.values() if lst) >= 2  # they really raced
    conn = sqlite3.connect(db_path)
    try:
        stored = dict(conn.execute("SELECT id, holder FROM print_jobs"))
    finally:
        conn.close()
    assert all(stored[job] == name for name, lst in got.items() for job in lst)
