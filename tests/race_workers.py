"""Worker functions the race tests run in separate processes (importable by spawn)."""
from __future__ import annotations

from typing import Any

from server.services.auth import Actor
from server.services.context import Context
from server.services.counters import counter_action
from server.services.tickets import issue_ticket
from server.store import Database

KIOSK = Actor("device", 9001, "race-kiosk", "kiosk", (), None)


def officer(counter: int) -> Actor:
    """An officer of one counter."""
    return Actor("user", 9000 + counter, f"officer {counter}", "officer", (counter,))


def issue_many(db_path: str, service: str, n: int, kiosk_id: int, barrier: Any) -> list[str]:
    """Issue n tickets from one process; returns the numbers it got."""
    ctx = Context.open(Database(db_path))
    kiosk = Actor("device", kiosk_id, f"kiosk {kiosk_id}", "kiosk", (), None)
    barrier.wait()
    return [issue_ticket(ctx, kiosk, service)[0]["number"] for _ in range(n)]


def call_until_empty(db_path: str, counter: int, barrier: Any) -> list[int]:
    """Call next at one counter until the queue is empty; returns the ticket ids it got."""
    ctx = Context.open(Database(db_path))
    who = officer(counter)
    barrier.wait()
    got = []
    while True:
        res = counter_action(ctx, who, counter, "call-next", {})
        if res["ticket"] is None:
            return got
        got.append(res["ticket"]["id"])
