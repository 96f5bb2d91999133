"""Two real servers (`xephang run`) on one database file: the jobs of the whole deployment run on
one of them only, and move to the other when it is killed with -9."""
from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.services.context import TZ
from tests.conftest import LiveServer

SILENT_S = 60  # far more than any step below needs: the test waits for events, not for time


def _reopenings(db: Path, service: str, since: datetime) -> list[str]:
    """When the open-state watch logged `service` changing state at or after `since`."""
    conn = sqlite3.connect(db)
    try:
        found = conn.execute("SELECT at, data FROM events WHERE type='services.reopened_or_closed'"
                             ).fetchall()
    finally:
        conn.close()
    return [at for at, data in found
            if service in json.loads(data)["services"] and datetime.fromisoformat(at) >= since]


def _await_reopening(db: Path, service: str, since: datetime) -> None:
    deadline = time.monotonic() + SILENT_S
    while not _reopenings(db, service, since):
        assert time.monotonic() < deadline, f"{service} never reopened"
        time.sleep(0.1)  # another process writes the file: there is no event to await here


def _holder_pid(db: Path, name: str) -> int:
    conn = sqlite3.connect(db)
    try:
        holder = conn.execute("SELECT holder FROM leases WHERE name=? AND expires_at > ?",
                              (name, time.time())).fetchone()
    finally:
        conn.close()
    return int(holder[0].split(":")[1]) if holder else 0


def _close(server: LiveServer, service: str, seconds: int) -> datetime:
    """Close a service for a few seconds (the watch reopens it by itself); when it reopens."""
    until = (datetime.now(TZ) + timedelta(seconds=seconds)).replace(microsecond=0)
    r = server.api("POST", "/api/v1/admin/closures", who="quantri",
                   json={"scope": "service", "code": service, "reason": "mất điện",
                         "until": until.isoformat()})
    assert r.status_code == 201, r.text
    return until


@pytest.fixture
def two_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("XEPHANG_LEASE_S", "1")
    a = LiveServer(tmp_path)
    a.start()
    b = LiveServer(tmp_path)
    b.log = tmp_path / "server-b.log"
    try:
        b.start()
        yield a, b
    finally:
        b.stop()
        a.stop()


def test_two_servers_tell_a_reopening_once_and_the_survivor_takes_over(two_servers: Any) -> None:
    a, b = two_servers
    # Two reopenings: by the second one, both servers' watches had long passed the first.
    first = _close(a, "TP-LLTP", 5)
    second = _close(b, "TP-QT", 9)
    _await_reopening(a.db, "TP-QT", second)
    assert len(_reopenings(a.db, "TP-LLTP", first)) == 1
    assert len(_reopenings(a.db, "TP-QT", second)) == 1
    # The holder dies; the survivor takes the watch over and tells the next reopening, once.
    holder, survivor = (a, b) if _holder_pid(a.db, "open-state-watch") == a.proc.pid else (b, a)
    assert _holder_pid(a.db, "open-state-watch") == holder.proc.pid
    holder.stop(kill=True)
    deadline = time.monotonic() + SILENT_S
    while _holder_pid(survivor.db, "open-state-watch") != survivor.proc.pid:
        assert time.monotonic() < deadline, "the survivor never took the lease"
        time.sleep(0.1)  # the lease is taken in another process: polled, as above
    third = _close(survivor, "TP-LLTP", 4)
    _await_reopening(survivor.db, "TP-LLTP", third)
    assert len(_reopenings(survivor.db, "TP-LLTP", third)) == 1
    assert _holder_pid(survivor.db, "day-close") == survivor.proc.pid
