"""Background jobs run in every server process: each acts once per change however many run it at
the same moment (contexts of their own, like processes: own pools, one database file)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from server.services import closures
from server.services.auth import CLI
from server.services.context import TZ, Context
from server.store import Database

NINE = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
REOPENED = datetime(2026, 12, 3, 10, 30, tzinfo=TZ)


def told(db_path: Path) -> list[Any]:
    """The event-log entries of services opening or closing by themselves."""
    with Database(db_path).read() as conn:
        return [r[0] for r in conn.execute(
            "SELECT data FROM events WHERE type='services.reopened_or_closed'")]


def test_four_processes_watching_the_calendar_tell_a_reopening_once(demo: Any, db_path: Path) -> None:
    contexts = [Context.open(Database(db_path), clock=lambda: NINE) for _ in range(4)]
    closures.close_now(contexts[0], CLI, {"scope": "unit", "code": "TP", "reason": "mất điện",
                                          "until": "2026-12-03T10:30"})
    lasts = [closures.publish_open_changes(c, None) for c in contexts]
    assert not told(db_path)
    barrier = threading.Barrier(4)

    def watch(i: int) -> None:
        contexts[i].clock = lambda: REOPENED
        barrier.wait(timeout=30)
        closures.publish_open_changes(contexts[i], lasts[i])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(watch, range(4)))
    [entry] = told(db_path)  # once, not four times
    assert '"TP-' in entry
    for c in contexts:  # and nothing more on the next rounds
        closures.publish_open_changes(c, closures.publish_open_changes(c, None))
    assert len(told(db_path)) == 1


def test_a_new_watch_holder_tells_a_change_made_while_the_lease_moved(demo: Any, db_path: Path) -> None:
    """The holder that died had told screens the unit was closed; the reopening time passed
    before a survivor took the watch over: the survivor's first round tells it, once."""
    first = Context.open(Database(db_path), clock=lambda: NINE)
    closures.close_now(first, CLI, {"scope": "unit", "code": "TP", "reason": "mất điện",
                                    "until": "2026-12-03T10:30"})
    closures.publish_open_changes(first, None)  # told and stored; then the holder dies
    survivor = Context.open(Database(db_path), clock=lambda: REOPENED)
    states = closures.publish_open_changes(survivor, None)  # its first round, with nothing in memory
    [entry] = told(db_path)
    assert '"TP-' in entry and all(s[0] for c, s in states.items() if c.startswith("TP-"))
    closures.publish_open_changes(survivor, states)
    assert len(told(db_path)) == 1
