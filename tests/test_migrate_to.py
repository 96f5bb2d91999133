"""`xephang migrate-to` (issue 9): a building's SQLite file with history moves into PostgreSQL; a
server on the PostgreSQL URL shows the same tickets, numbering continues without a duplicate and
the reports give the same figures. Refused while a server runs on the file, and into a database
that holds data."""
from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_bookings import working_days
from tests.conftest import LiveServer, PgLiveServer
from tests.support.fake_sms import FakeSmsGateway
from tests.support.cli import xephang

PHONE = "0901234567"


def build_history(server: LiveServer) -> list[dict[str, Any]]:
    """Tickets issued at kiosks, called, served, rated, one recalled and skipped: the day so far."""
    issued = [server.api("POST", "/api/v1/tickets", who="kiosk-A1",
                         json={"service": "TP-LLTP", "request_id": f"k-{i}"}).json()
              for i in range(5)]
    act = "/api/v1/counters/18/{}"
    for _ in range(2):
        t = server.api("POST", act.format("call-next"), who="canbo18").json()["ticket"]
        server.api("POST", act.format("start"), who="canbo18")
        server.api("POST", act.format("complete"), who="canbo18")
        r = server.api("POST", act.format("rating"), who="counter-18",
                       json={"ticket_id": t["id"], "score": 4, "reasons": []})
        assert r.status_code in (200, 201), r.text
    server.api("POST", act.format("call-next"), who="canbo18")  # the third: called, on the board
    return issued


def book(server: LiveServer, gateway: FakeSmsGateway) -> dict[str, Any]:
    """A citizen verifies a phone by SMS and books tomorrow's first free slot."""
    r = server.api("POST", "/api/v1/public/verify", json={"phone": PHONE, "consent": True})
    assert r.status_code == 202, r.text
    code = gateway.code_for("+84" + PHONE[1:])
    token = server.api("POST", "/api/v1/public/verify/confirm",
                       json={"phone": PHONE, "code": code}).json()["token"]
    day = working_days(1)[0]
    slot = server.api("GET", f"/api/v1/public/slots?service=TP-LLTP&date={day}").json()["slots"][0]
    r = server.api("POST", "/api/v1/public/bookings", token=token,
                   json={"service": "TP-LLTP", "date": day, "start": slot["start"]})
    assert r.status_code == 201, r.text
    return dict(r.json())


def view(server: LiveServer, issued: list[dict[str, Any]], booking: str) -> dict[str, Any]:
    """What users see: every ticket's page, the booking, today's figures, the day's report (the
    server's own address, which names its port, left out)."""
    day = date.today().isoformat()
    seen = {
        "booking": server.api("GET", f"/api/v1/public/bookings/{booking}").json(),
        "tickets": [server.api("GET", f"/api/v1/tickets/{t['token']}").json() for t in issued],
        "stats": server.api("GET", "/api/v1/stats/today", who="giamsat").json(),
        "report": server.api("GET", f"/api/v1/reports?from={day}&to={day}", who="giamsat").json(),
    }
    return dict(json.loads(json.dumps(seen, ensure_ascii=False).replace(server.url, "SERVER")))


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fake SMS gateway the servers send to (XEPHANG_SMS_URL)."""
    with FakeSmsGateway() as gw:
        monkeypatch.setenv("XEPHANG_SMS_URL", gw.url)
        yield gw


def audit_csv(db: str) -> str:
    out = xephang("audit", "--db", db, "--csv")
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_a_building_moves_to_postgresql_with_its_history(tmp_path: Path, pg_cluster: Any,
                                                         gateway: FakeSmsGateway) -> None:
    sqlite = LiveServer(tmp_path)
    sqlite.start()
    issued = build_history(sqlite)
    booking = book(sqlite, gateway)["token"]
    before = view(sqlite, issued, booking)
    target = pg_cluster.create_database(migrated=False)

    refused = xephang("migrate-to", "--db", str(sqlite.db), "--to", target)  # server running
    assert refused.returncode == 2 and "a server is running" in refused.stderr
    sqlite.stop()
    trail = audit_csv(str(sqlite.db))
    assert "counter.call_next" in trail or "call_next" in trail

    done = xephang("migrate-to", "--db", str(sqlite.db), "--to", target)
    assert done.returncode == 0, done.stderr
    again = xephang("migrate-to", "--db", str(sqlite.db), "--to", target)  # not into data
    assert again.returncode == 2 and "already holds data" in again.stderr
    assert audit_csv(target) == trail  # the audit trail, entry for entry

    (tmp_path / "pg").mkdir()
    pg = PgLiveServer(tmp_path / "pg", target)
    pg.devices, pg.users = sqlite.devices, sqlite.users  # the same tokens and accounts
    pg.start()
    try:
        assert view(pg, issued, booking) == before
        more = [pg.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
                .json()["number"] for _ in range(2)]
        numbers = [t["number"] for t in issued] + more
        assert len(set(numbers)) == len(numbers) and more == ["1006", "1007"]
        retry = pg.api("POST", "/api/v1/tickets", who="kiosk-A1",
                       json={"service": "TP-LLTP", "request_id": "k-0"})  # a retry from before
        assert retry.status_code == 200 and retry.json()["token"] == issued[0]["token"]
        nxt = pg.api("POST", "/api/v1/counters/17/call-next", who="canbo17").json()["ticket"]
        assert nxt["number"] == "1004"  # the queue goes on where the building left it
    finally:
        pg.stop()


def test_migrate_to_refuses_a_postgresql_source_and_a_missing_file(tmp_path: Path) -> None:
    r = xephang("migrate-to", "--db", str(tmp_path / "none.db"), "--to", "postgresql://x@/y")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    r = xephang("migrate-to", "--db", "postgresql://x@/y", "--to", "postgresql://x@/z")
    assert r.returncode == 2 and "migrate-to" in r.stderr


def test_a_copy_that_fails_midway_leaves_the_target_as_it_was(tmp_path: Path, pg_url: str) -> None:
    from server.setup import initialize
    from server.store import Database
    from server.store.pg import PgConnection
    from server.store.transfer import TransferError, copy_to_postgres
    db = tmp_path / "b.db"
    initialize(Database(db), None, demo=True, demo_password="demo-pass-2026")
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE zones ADD COLUMN local_note TEXT")  # a column PostgreSQL lacks
    conn.commit()
    conn.close()
    with pytest.raises(TransferError) as refused:
        copy_to_postgres(db, pg_url)
    assert refused.value.code == "migrate_to_schema_differs"
    assert "zones.local_note" in str(refused.value.params["what"])
    pg = PgConnection(pg_url)
    try:  # the tables copied before it and the seed rows deleted: all rolled back
        assert pg.execute("SELECT COUNT(*) FROM sites").fetchone()[0] == 1
        assert pg.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
    finally:
        pg.close()
