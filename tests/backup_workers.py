"""Worker functions the backup tests run in separate processes (importable by spawn)."""
from __future__ import annotations

import os
from typing import Any

from server.services.auth import Actor
from server.services.context import Context
from server.services.tickets import issue_ticket
from server.store import Database, connect


def issue_until_stopped(db_path: str, kiosk_id: int, acked: Any, stop: Any) -> None:
    """Issue tickets one after another until `stop` is set; report each acknowledged ticket id."""
    ctx = Context.open(Database(db_path))
    kiosk = Actor("device", kiosk_id, f"kiosk {kiosk_id}", "kiosk", (), None)
    while not stop.is_set():
        ticket, _ = issue_ticket(ctx, kiosk, "TP-LLTP")
        acked.put(ticket["id"])


def leave_a_wal_and_die(db_path: str, n: int) -> None:
    """Commit n tickets that stay in the WAL (no checkpoint), then die without closing: the
    -wal and -shm files stay behind, as after a crash."""
    ctx = Context.open(Database(db_path))
    conn = connect(db_path)
    conn.execute("PRAGMA wal_autocheckpoint=0")
    ctx.db._pool.put(conn)  # last in, first out: the use case below writes through it
    kiosk = Actor("device", 777, "kiosk 777", "kiosk", (), None)
    for _ in range(n):
        issue_ticket(ctx, kiosk, "KQ-A1")
    os._exit(0)
