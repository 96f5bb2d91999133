"""Backups of a PostgreSQL store (issue 9): `xephang backup` (pg_dump -Fc) taken while kiosks issue
tickets restores (`xephang restore`, pg_restore) with every ticket acknowledged before it began;
restore is refused while a server uses the database; the daily backup and its retention work on
PostgreSQL too."""
from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PgLiveServer
from tests.support.cli import xephang


def test_a_backup_taken_while_tickets_are_issued_restores_every_acknowledged_ticket(
        tmp_path: Path, pg_cluster: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XEPHANG_LEASE_S", "1")  # a stopped server's leases lapse within a second
    url = pg_cluster.create_database(migrated=False)
    server = PgLiveServer(tmp_path, url)
    server.start()
    acked: list[tuple[str, str]] = []  # (number, token) in the order the kiosk was answered
    enough, stop = threading.Event(), threading.Event()

    def kiosk() -> None:
        while not stop.is_set():
            r = server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
            assert r.status_code == 201, r.text
            acked.append((r.json()["number"], r.json()["token"]))
            if len(acked) >= 20:
                enough.set()
    worker = threading.Thread(target=kiosk)
    worker.start()
    try:
        assert enough.wait(60)
        before = list(acked)  # acknowledged before the backup began
        dump = tmp_path / "backups" / "city.dump"
        made = xephang("backup", "--db", url, "--to", str(dump))
    finally:
        stop.set()
        worker.join()
    assert made.returncode == 0, made.stderr
    assert "verified" in made.stdout and dump.stat().st_size > 0
    later = [server.api("POST", "/api/v1/tickets", who="kiosk-A1",
                        json={"service": "TP-LLTP"}).json()["token"] for _ in range(3)]

    busy = xephang("restore", "--db", url, "--from", str(dump))
    assert busy.returncode == 3 and "stop every server" in busy.stderr
    server.stop()
    deadline = time.monotonic() + 15
    while (done := xephang("restore", "--db", url, "--from", str(dump))).returncode == 3:
        assert time.monotonic() < deadline, done.stderr  # the leases lapse (TTL 1 s)
    assert done.returncode == 0, done.stderr
    kept = next((tmp_path / "backups").glob("replaced-*.dump"))
    assert kept.stat().st_size > 0  # the replaced content is kept, as SQLite's restore does

    server.start()
    try:
        for number, token in before:
            page = server.api("GET", f"/api/v1/tickets/{token}")
            assert page.status_code == 200 and page.json()["number"] == number
        snap = server.api("GET", "/api/v1/queue", who="giamsat").json()
        waiting = next(s["waiting"] for s in snap["services"] if s["code"] == "TP-LLTP")
        assert len(before) <= waiting <= len(acked)
        nxt = server.api("POST", "/api/v1/tickets", who="kiosk-A1",
                         json={"service": "TP-LLTP"}).json()["number"]
        assert int(nxt) == 1001 + waiting  # numbering continues from the restored state
        for token in later:  # issued after the backup ended: the restore took them away
            assert server.api("GET", f"/api/v1/tickets/{token}").status_code == 404
    finally:
        server.stop()


def test_restore_refuses_a_file_that_is_no_archive(tmp_path: Path, pg_url: str) -> None:
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not an archive")
    r = xephang("restore", "--db", pg_url, "--from", str(junk))
    assert r.returncode == 2 and "restore refused" in r.stderr


def test_the_daily_backup_and_its_retention_work_on_postgresql(tmp_path: Path,
                                                                pg_url: str) -> None:
    from server.services import backups
    from server.services.context import TZ
    plan = backups.plan_from({}, pg_url, "18:30", 2, str(tmp_path / "daily"))
    assert plan is not None and plan.db_path == pg_url
    (tmp_path / "daily").mkdir()
    old = tmp_path / "daily" / "xephang-2026-11-01.dump"
    old.write_bytes(b"x")
    r = backups.daily_backup(plan, datetime(2026, 12, 2, 18, 30, tzinfo=TZ))
    assert r.path == tmp_path / "daily" / "xephang-2026-12-02.dump" and r.size > 0
    assert not old.exists()
    from server.store import pg_backup
    assert pg_backup.check_archive(r.path) > 10


def test_restore_is_refused_while_another_session_uses_the_database(tmp_path: Path,
                                                                    pg_url: str) -> None:
    from server.store import pg_backup
    from server.store.backup import DatabaseInUse
    from server.store.pg import PgConnection
    dump = pg_backup.backup(pg_url, tmp_path / "b.dump").path
    other = PgConnection(pg_url)  # e.g. a server whose leases have not been taken yet
    try:
        with pytest.raises(DatabaseInUse, match="1 connection"):
            pg_backup.restore(dump, pg_url, datetime.now())
    finally:
        other.close()
    assert pg_backup.restore(dump, pg_url, datetime.now()) is not None  # alone: it goes ahead
