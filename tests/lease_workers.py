"""Processes competing for one lease (run by tests/test_leases.py with spawn)."""
from __future__ import annotations

import os
import random
import time
from typing import Any

from server.services.leases import Lease, holder_name
from server.store import Database, StoreError
from server.store import leases as rows


def compete(db_path: str, name: str, ttl: float, seconds: float, log_path: str, seed: int,
            barrier: Any) -> int:
    """Take, hold, stall and give up the lease at random for `seconds`; while this process
    believes it holds the lease, append "holder term time" lines to the shared log. Returns
    how many lines it wrote."""
    rnd = random.Random(seed)
    lease = Lease(Database(db_path), name, holder=holder_name(), ttl=ttl)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    barrier.wait()
    end, written = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        lease.try_take()
        renew_at = time.monotonic() + ttl / 3
        # act until the next renewal; now and then stall past it (a slow or frozen holder)
        stall = ttl * rnd.choice((0, 0, 0, 0.5, 1.5))
        while time.monotonic() < renew_at + stall:
            at = time.time()  # read before the check: `at` falls within the belief
            if lease.held():
                os.write(log, f"{lease.holder} {lease.terms} {at!r}\n".encode())
                written += 1
            time.sleep(ttl / 50)
        if lease.held() and rnd.random() < 0.3:
            lease.release()  # a clean stop: another takes over at once
    os.close(log)
    return written


def hold(db_path: str, name: str, ttl: float, holder: str, took: Any,
         expiry: Any = None) -> None:
    """Keep the lease forever (until killed); put (holder, wall time) on `took` once it holds, and
    ("refused", holder) once when another holder keeps it from this one first. `expiry` (a shared
    double), when given, keeps the expiry of this holder's latest renewal as stored."""
    db = Database(db_path)
    lease = Lease(db, name, holder=holder, ttl=ttl)
    told = refused = False
    while True:
        at = time.time()
        if lease.try_take():
            if expiry is not None:
                row = _row(db, name)
                if row is not None and row["holder"] == holder:
                    expiry.value = row["expires_at"]
            if not told:
                took.put((holder, at))
                told = True
        elif not told and not refused:
            row = _row(db, name)
            if row is not None and row["holder"] != holder:
                took.put(("refused", holder))
                refused = True
        time.sleep(ttl / 3)


def _row(db: Database, name: str) -> dict[str, Any] | None:
    """Lease `name`'s row (None when the database is busy: the caller looks again later)."""
    try:
        with db.read() as conn:
            return next((r for r in rows.holders(conn) if r["name"] == name), None)
    except StoreError:
        return None


def add_site(db_path: str, code: str, name: str, barrier: Any) -> list[str]:
    """Add a site from its own process; ["added"] or [the refusal's code]."""
    from server.services import sites
    from server.services.auth import CLI
    from server.services.context import Context
    from server.services.errors import UseCaseError
    ctx = Context.open(Database(db_path))
    barrier.wait()
    try:
        sites.add_site(ctx, CLI, code, name)
    except UseCaseError as exc:
        return [exc.code]
    return ["added"]
