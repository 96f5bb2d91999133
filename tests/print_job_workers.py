"""Processes and threads claiming stored print jobs at once (run by tests/test_print_jobs.py)."""
from __future__ import annotations

import time
from typing import Any

from server.store import Database
from server.store import print_jobs as jobs


def claim_all(db_path: str, holder: str, barrier: Any) -> list[int]:
    """Claim queued jobs in small batches until none is left; the ids this holder got."""
    db = Database(db_path)
    got: list[int] = []
    barrier.wait()
    while True:
        with db.write() as conn:
            rows = jobs.claim_queued(conn, holder, "t", limit=7)
        if not rows:
            with db.read() as conn:
                if not jobs.any_queued(conn):
                    break
        got += [row["id"] for row in rows]
        time.sleep(0.002)  # as the holder's dispatcher does between rounds: others get the lock
    db.close()
    return got
