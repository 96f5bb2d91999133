"""The number ahead shown to a citizen, from the replay the server keeps between requests, is the
number a full replay of the call order over the whole queue gives.

A seeded random morning through the real use cases on a real database file: kiosks issue (normal
and priority tickets, in the lines of counters that call several services), officers open, call,
complete, transfer, cancel and close, the clock moves (tickets cross the aging bound), and another
process issues too. After every step, the ticket just issued and a few waiting ones are checked
against `calls_before` over every waiting ticket (issue 11).
"""
from __future__ import annotations

import multiprocessing
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.engine.ahead import calls_before, class_of_priority
from server.engine.model import APPOINTMENT, Waiting
from server.services import ahead_cache
from server.services.context import TZ, Context, parse_stamp
from server.services.counters import counter_action
from server.services.errors import UseCaseError
from server.services.tickets import cancel_ticket, get_ticket, issue_ticket
from server.services.views import callers_of
from server.store import Database
from tests.race_workers import KIOSK, officer


def _lines_of(site: Any) -> tuple[list[str], list[int]]:
    """Services of one zone whose counters call several of them, and those counters."""
    best: tuple[list[str], list[int]] = ([], [])
    for code in site.services:
        if site.service_rows[code].get("daily_cap"):
            continue
        counters = [c for c in site.counters.values() if code in c.services]
        spanned = sorted({s for c in counters for s in c.services
                          if not site.service_rows[s].get("daily_cap")})
        zone = site.services[code].zone
        numbers = sorted({c.number for c in site.counters.values()
                          if set(c.services) & set(spanned) or (c.priority and c.zone == zone)})
        if len(spanned) > len(best[0]):
            best = (spanned, numbers)
    return best


def full_replay(ctx: Context, ticket_id: int, now: datetime, bound: int = 10**6) -> int:
    """People ahead by replaying the call order over every waiting ticket (no bound by default)."""
    with ctx.db.read() as conn:
        t = conn.execute("SELECT * FROM tickets WHERE id=?", (ticket_id,)).fetchone()
        rows = conn.execute("SELECT id, service, priority, queued_at FROM tickets "
                            "WHERE status='waiting' AND day=?", (t["day"],)).fetchall()
        callers = callers_of(conn, ctx.site, t["service"], class_of_priority(t["priority"]))
    waiting = [Waiting(r[0], r[1], r[2] is not None, parse_stamp(r[3]), r[2] == APPOINTMENT)
               for r in rows]
    return calls_before(ticket_id, waiting, callers, ctx.site.policy, now, max_steps=bound)


def other_process(db_path: str, clock: Any, jobs: Any, done: Any) -> None:
    """Another server process: issues the tickets it is asked for, at the shared clock."""
    ctx = Context.open(Database(db_path))
    ctx.clock = lambda: datetime.fromtimestamp(clock.value, TZ)
    while (job := jobs.get()) is not None:
        try:
            done.put(issue_ticket(ctx, KIOSK, *job)[0]["id"])
        except UseCaseError as exc:
            done.put(exc.code)


def checked_in_appointment(ctx: Context, service: str, late_min: float) -> dict[str, Any]:
    """A checked-in appointment's ticket (issue 10), queued at its slot's start `late_min` ago."""
    from server.services.remote import _new_ticket
    now = ctx.clock()
    with ctx.transaction() as (conn, _out):
        ticket_id = _new_ticket(conn, ctx, service, now, "device:1", "waiting", "appointment",
                                APPOINTMENT, None, False, now - timedelta(minutes=late_min))
        return dict(conn.execute("SELECT id, token FROM tickets WHERE id=?", (ticket_id,)).fetchone())


@pytest.mark.parametrize(("seed", "bound", "appointments"),
                         [(11, None, False), (2026, None, False), (7, 6, False), (10, None, True),
                          (8, 6, True)])
def test_the_number_ahead_is_what_a_full_replay_gives(demo: Any, db_path: Path, seed: int,
                                                      bound: int | None, appointments: bool,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real bound the queue stays shorter than it: the exact count. With a bound of 6
    calls, most tickets are counted past it, as on a long day: the count the bounded full replay
    gives. `appointments`: checked-in appointments join the lines too (their own class)."""
    if bound is not None:
        monkeypatch.setattr(ahead_cache, "MAX_STEPS", bound)
    limit = bound or 10**6
    rnd = random.Random(seed)
    ctx = Context.open(Database(db_path))
    services, numbers = _lines_of(ctx.site)
    assert len(services) >= 3 and len(numbers) >= 3, "the demo site has counters calling several services"
    categories = sorted(ctx.site.priority_categories)
    clock = multiprocessing.get_context("spawn").Value("d", datetime(2026, 12, 2, 8, 0, tzinfo=TZ).timestamp())
    ctx.clock = lambda: datetime.fromtimestamp(clock.value, TZ)
    spawn = multiprocessing.get_context("spawn")
    jobs, done = spawn.Queue(), spawn.Queue()
    worker = spawn.Process(target=other_process, args=(str(db_path), clock, jobs, done))
    worker.start()
    checked = issued = 0
    try:
        for step in range(160):
            clock.value += rnd.uniform(0, 40) + (rnd.random() < 0.06) * 9 * 60
            roll = rnd.random()
            n = rnd.choice(numbers)
            try:
                if appointments and roll < 0.08:
                    t = checked_in_appointment(ctx, rnd.choice(services), rnd.uniform(0, 15))
                    assert get_ticket(ctx, t["token"])["ahead"] == full_replay(
                        ctx, t["id"], ctx.clock(), limit), step
                    checked += 1
                elif roll < 0.5:
                    service = rnd.choice(services)
                    prio = rnd.choice(categories) if rnd.random() < 0.25 and \
                        ctx.site.accepts_priority(service) else None
                    if rnd.random() < 0.1:  # the same moment, issued by another process
                        jobs.put((service, prio))
                        got = done.get(timeout=60)
                        assert isinstance(got, (int, str))
                        continue
                    ticket = issue_ticket(ctx, KIOSK, service, prio)[0]
                    issued += 1
                    assert ticket["ahead"] == full_replay(ctx, ticket["id"], ctx.clock(), limit), (step, ticket["number"])
                    checked += 1
                elif roll < 0.62:
                    counter_action(ctx, officer(n), n, "open", {})
                elif roll < 0.82:
                    counter_action(ctx, officer(n), n, "call-next", {})
                elif roll < 0.88:
                    counter_action(ctx, officer(n), n, "transfer", {"service": rnd.choice(services)})
                elif roll < 0.93:
                    counter_action(ctx, officer(n), n, "complete", {})
                elif roll < 0.97:
                    with ctx.db.read() as conn:
                        row = conn.execute("SELECT token FROM tickets WHERE status='waiting' "
                                           "ORDER BY random() LIMIT 1").fetchone()
                    if row:
                        cancel_ticket(ctx, officer(n), row[0])
                else:
                    counter_action(ctx, officer(n), n, "close", {})
            except UseCaseError:
                pass  # refused (nothing to complete, counter busy...): nothing changed
            with ctx.db.read() as conn:
                some = conn.execute("SELECT id, token FROM tickets WHERE status='waiting' "
                                    "ORDER BY random() LIMIT 3").fetchall()
            for ticket_id, token in some:  # what the phone page shows, read again
                assert get_ticket(ctx, token)["ahead"] == full_replay(ctx, ticket_id, ctx.clock(), limit), step
                checked += 1
    finally:
        jobs.put(None)
        worker.join(30)
    assert issued >= 50 and checked >= 300
