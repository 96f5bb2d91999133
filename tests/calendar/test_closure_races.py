"""A closure races kiosks issuing tickets: threads with their own connections on one database file.
Once close-now has returned, no kiosk gets a ticket of that service; every ticket given is stored."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from server.services import closures
from server.services.auth import CLI
from server.services.context import Context
from server.services.errors import UseCaseError
from server.services.tickets import issue_ticket
from server.store import Database
from tests.race_workers import KIOSK


def test_no_ticket_is_issued_once_close_now_has_returned(demo: Any, db_path: Path) -> None:
    closed = threading.Event()
    start = threading.Barrier(4)
    results: list[tuple[bool, bool]] = []  # (started after close-now returned, got a ticket)
    lock = threading.Lock()
    errors: list[BaseException] = []  # a kiosk thread that died says why (instead of no result)

    def kiosk() -> None:
        try:
            issue_until_closed()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            with lock:
                errors.append(exc)
            raise

    def issue_until_closed() -> None:
        ctx = Context.open(Database(db_path))
        start.wait()
        while True:
            after = closed.is_set()
            try:
                issue_ticket(ctx, KIOSK, "TP-LLTP")
                got = True
            except UseCaseError as exc:
                # On a slow machine the kiosks may use up the day's numbers before close-now gets
                # its turn at the writer lock; once it has returned, only the suspension refuses.
                assert exc.code == "service_suspended" or (not after and exc.code == "daily_cap_reached"), exc.code
                got = False
            with lock:
                results.append((after, got))
            if after:
                return

    threads = [threading.Thread(target=kiosk) for _ in range(3)]
    for t in threads:
        t.start()
    admin = Context.open(Database(db_path))
    start.wait()
    closures.close_now(admin, CLI, {"scope": "service", "code": "TP-LLTP", "reason": "mất điện"})
    closed.set()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert [r for r in results if r[0]] == [(True, False)] * 3
    with Database(db_path).read() as conn:
        stored = conn.execute("SELECT COUNT(*) FROM tickets WHERE service='TP-LLTP'").fetchone()[0]
    assert stored == sum(got for _, got in results)
