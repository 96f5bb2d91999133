"""Backups and restores on real files with real processes: a backup taken while other processes
keep issuing tickets finishes and holds every ticket acknowledged before it began; a restore
refuses while a server runs, and a stale WAL beside the target cannot corrupt the restored db."""
from __future__ import annotations

import multiprocessing
import queue
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from server.store import Database
from server.store import backup as store_backup
from tests.backup_workers import issue_until_stopped, leave_a_wal_and_die
from tests.support.cli import xephang

SPAWN = multiprocessing.get_context("spawn")
ROOT = Path(__file__).resolve().parent.parent


def drain(q: Any) -> set[int]:
    out = set()
    while True:
        try:
            out.add(q.get_nowait())
        except queue.Empty:
            return out


def rows(db: Path, sql: str) -> list[Any]:
    conn = sqlite3.connect(db)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def test_a_backup_under_steady_writes_finishes_and_restores_every_acknowledged_ticket(
        demo: Any, db_path: Path, tmp_path: Path) -> None:
    acked, stop = SPAWN.Queue(), SPAWN.Event()
    writers = [SPAWN.Process(target=issue_until_stopped, args=(str(db_path), 300 + i, acked, stop))
               for i in range(2)]
    for w in writers:
        w.start()
    try:
        before: set[int] = set()
        while len(before) < 50:  # the writers are up and committing steadily
            before.add(acked.get(timeout=60))
        before |= drain(acked)  # every ticket acknowledged before the backup begins
        # Small steps with pauses: the writers commit many times while the copy runs.
        result = store_backup.backup(db_path, tmp_path / "b" / "copy.db", pages=2,
                                     pause=lambda: time.sleep(0.002))
        during = drain(acked)
    finally:
        stop.set()
        for w in writers:
            w.join(timeout=60)
    assert all(w.exitcode == 0 for w in writers)
    assert result.steps > 10 and during, "writes went on while the backup ran"
    assert not list((tmp_path / "b").glob(".*partial*"))

    restored = tmp_path / "restored" / "xephang.db"
    out = xephang("restore", "--from", str(result.path), "--db", str(restored))
    assert out.returncode == 0, out.stderr
    ids = {r[0] for r in rows(restored, "SELECT id FROM tickets")}
    assert before <= ids
    assert rows(restored, "PRAGMA integrity_check") == [("ok",)]
    # One consistent moment: every ticket in the copy has its leg and its event, and the
    # numbering agrees with the tickets.
    assert rows(restored, "SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS "
                          "(SELECT 1 FROM legs l WHERE l.ticket_id=t.id)") == [(0,)]
    assert rows(restored, "SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM events e "
                          "WHERE e.ticket_id=t.id AND e.type='ticket.issued')") == [(0,)]
    assert rows(restored, "SELECT SUM(last_seq) FROM sequences WHERE service='TP-LLTP'") == \
        rows(restored, "SELECT COUNT(*) FROM tickets WHERE origin_service='TP-LLTP'")


def test_the_backup_command_writes_a_verified_file(demo: Any, db_path: Path, tmp_path: Path) -> None:
    out = xephang("backup", "--to", str(tmp_path / "x.db"), "--db", str(db_path))
    assert out.returncode == 0, out.stderr
    assert "verified" in out.stdout
    assert rows(tmp_path / "x.db", "PRAGMA journal_mode") == [("delete",)]
    assert (tmp_path / "x.db").stat().st_mode & 0o777 == 0o600
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database" * 100)
    out = xephang("restore", "--from", str(bad), "--db", str(db_path))
    assert out.returncode == 2 and "not a usable" in out.stderr
    assert rows(db_path, "PRAGMA quick_check") == [("ok",)]


def test_restore_refuses_while_a_server_runs_on_the_database(live_server: Any, tmp_path: Path) -> None:
    r = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
    assert r.status_code == 201
    copy = tmp_path / "copy.db"
    live_server.cli("backup", "--to", str(copy))
    out = xephang("restore", "--from", str(copy), "--db", str(live_server.db))
    assert out.returncode == 3 and "server is running" in out.stderr
    assert not list(live_server.db.parent.glob("*.replaced-*"))
    # The server keeps serving its database.
    assert live_server.api("POST", "/api/v1/tickets", who="kiosk-A1",
                           json={"service": "TP-LLTP"}).json()["number"] == "1002"
    live_server.stop()
    out = xephang("restore", "--from", str(copy), "--db", str(live_server.db))
    assert out.returncode == 0, out.stderr
    live_server.start()
    assert live_server.api("POST", "/api/v1/tickets", who="kiosk-A1",
                           json={"service": "TP-LLTP"}).json()["number"] == "1002"


def test_restore_over_a_database_with_a_stale_wal_gives_a_consistent_database(
        demo: Any, db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    store_backup.backup(db_path, copy)
    in_copy = rows(copy, "SELECT id, number FROM tickets")
    dying = SPAWN.Process(target=leave_a_wal_and_die, args=(str(db_path), 40))
    dying.start()
    dying.join(timeout=60)
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the crash left committed pages in the WAL"

    out = xephang("restore", "--from", str(copy), "--db", str(db_path))
    assert out.returncode == 0, out.stderr
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db_path, "SELECT id, number FROM tickets") == in_copy
    # The replaced database is kept aside, whole: its WAL's 40 tickets folded into it.
    kept = [p for p in db_path.parent.glob("xephang.db.replaced-*") if p.suffix == ".db"
            or p.name[-6:].isdigit()]
    assert len(kept) == 1
    assert rows(kept[0], "SELECT COUNT(*) FROM tickets WHERE origin_service='KQ-A1'") == [(40,)]
    ctx_db = Database(db_path)  # the server's way in: opens and writes normally
    with ctx_db.write() as conn:
        conn.execute("UPDATE settings SET value=value WHERE key='site'")
    ctx_db.close()


@pytest.mark.parametrize("keep", [2])
def test_daily_backups_are_named_by_day_and_pruned(demo: Any, db_path: Path, tmp_path: Path,
                                                   keep: int) -> None:
    from datetime import datetime, timedelta

    from server.services import backups
    from server.services.context import TZ
    plan = backups.plan_from({"backup_time": "18:30", "backup_keep_days": keep}, db_path)
    assert plan is not None and plan.folder == db_path.parent / "backups"
    monday = datetime(2026, 11, 23, 19, 0, tzinfo=TZ)
    assert backups.next_run(plan, monday) == datetime(2026, 11, 24, 18, 30, tzinfo=TZ)
    assert backups.next_run(plan, monday.replace(hour=9)) == datetime(2026, 11, 23, 18, 30, tzinfo=TZ)
    for d in range(4):
        backups.daily_backup(plan, monday + timedelta(days=d))
    assert sorted(p.name for p in plan.folder.iterdir()) == [
        "xephang-2026-11-25.db", "xephang-2026-11-26.db"]
    assert backups.plan_from({"backup_time": "off"}, db_path) is None
