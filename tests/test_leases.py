"""Leases (server/services/leases.py): processes that really race on one database (a SQLite file,
then PostgreSQL) for one lease; never two holders at once, and a survivor takes over from a holder
killed with -9."""
from __future__ import annotations

import os
import queue
import signal
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from server.services.leases import Lease, dead_here
from server.store import Database
from server.store import leases as rows
from tests.lease_workers import compete, hold
from tests.test_races import SPAWN, run_processes


def test_processes_racing_for_a_lease_never_hold_it_together(tmp_path: Path,
                                                             store_location: Any) -> None:
    db_path, log = store_location, tmp_path / "holders.log"
    Database(db_path).migrate()
    ttl = 0.3
    written = run_processes(compete, [(str(db_path), "day-close", ttl, 6.0, str(log), seed)
                                      for seed in range(4)])
    # Each (holder, term) is one unbroken tenure: from its first to its last logged moment.
    tenures: dict[tuple[str, str], list[float]] = defaultdict(list)
    for line in log.read_text().splitlines():
        holder, term, at = line.split()
        tenures[(holder, term)].append(float(at))
    spans = sorted((min(ts), max(ts), who) for who, ts in tenures.items())
    assert sum(written) == sum(len(ts) for ts in tenures.values())
    assert len({who[0] for who in tenures}) >= 3, "the lease should have changed hands"
    for (_, end, who), (start, _, nxt) in zip(spans, spans[1:]):
        assert end < start, f"{who} still acted at {end} when {nxt} began at {start}"


def _holder_row(db: Database, name: str) -> dict[str, Any]:
    with db.read() as conn:
        return next(r for r in rows.holders(conn) if r["name"] == name)


def _next(took: Any, proc: Any, seconds: float = 120) -> tuple[Any, ...]:
    """The next message of the holding processes; fails at once when `proc` died instead."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return tuple(took.get(timeout=0.5))
        except queue.Empty:  # a message or the process's death, whichever comes first
            assert proc.is_alive(), f"{proc.name} exited with {proc.exitcode}"
            assert time.monotonic() < deadline, f"no message from {proc.name} in {seconds} s"


def test_a_survivor_takes_over_after_the_holder_is_killed(store_location: Any) -> None:
    """The holder is named as on another machine: the survivor must wait for the expiry."""
    db_path = store_location
    db = Database(db_path)
    db.migrate()
    ttl = 3.0  # renewed every second: a holder slowed down by a loaded machine still keeps it
    took, expiry = SPAWN.Queue(), SPAWN.Value("d", 0.0)
    first = SPAWN.Process(target=hold, args=(str(db_path), "backup", ttl, "elsewhere:1:a", took,
                                             expiry))
    second = SPAWN.Process(target=hold, args=(str(db_path), "backup", ttl, "elsewhere:2:b", took))
    first.start()
    try:
        assert _next(took, first)[0] == "elsewhere:1:a"
        second.start()
        # the survivor competes: the live holder keeps the lease from it
        assert _next(took, second) == ("refused", "elsewhere:2:b")
        os.kill(first.pid, signal.SIGKILL)  # type: ignore[arg-type]
        first.join(timeout=30)
        held_until = expiry.value  # the dead holder's last renewal, as stored
        assert held_until > 0
        assert _next(took, second)[0] == "elsewhere:2:b"
        row = _holder_row(db, "backup")
        assert row["holder"] == "elsewhere:2:b"
        assert row["taken_at"] >= held_until  # not before the dead holder's lease ran out
    finally:
        for p in (first, second):
            if p.is_alive():
                p.kill()
            p.join(timeout=30)


def test_a_dead_holder_of_this_machine_is_replaced_at_once(store_location: Any) -> None:
    db_path = store_location
    db = Database(db_path)
    db.migrate()
    took = SPAWN.Queue()
    from server.services.leases import holder_name
    dead = SPAWN.Process(target=hold, args=(str(db_path), "day-close", 3600.0, "pending", took))
    dead.start()
    assert _next(took, dead)[0] == "pending"
    with db.write() as conn:  # name it as this machine names its processes, with its real pid
        conn.execute("UPDATE leases SET holder=?", (holder_name().replace(str(os.getpid()), str(dead.pid)),))
    me = Lease(db, "day-close", ttl=3600.0)
    assert not me.try_take()  # alive: an hour-long lease is respected
    os.kill(dead.pid, signal.SIGKILL)  # type: ignore[arg-type]
    dead.join(timeout=30)
    assert dead_here(_holder_row(db, "day-close")["holder"])
    assert me.try_take() and me.held()
    assert _holder_row(db, "day-close")["holder"] == me.holder


def test_a_holder_renews_and_releases(store_location: Any) -> None:
    db = Database(store_location)
    db.migrate()
    a, b = (Lease(db, "open-state-watch", holder=h, ttl=3600.0) for h in ("elsewhere:1:a", "elsewhere:2:b"))
    assert a.try_take() and a.try_take() and a.terms == 1  # a renewal is not a new term
    assert not b.try_take() and not b.held()
    a.release()
    assert not a.held()
    assert b.try_take() and b.held()
    assert not a.try_take()
