"""Issuing a ticket executes the same SQL statements however many wait, in however many lines.

"People ahead" replays the call order over every line the ticket's counters call: read line by
line, or ticket by ticket, the statements of one issue grew with the queue (issue 11: 92 tickets/s
where 500 are needed). Counted with SQLite's trace callback on the server's own connections, on a
real database file, through the HTTP API: no timing, so it fails the same on a busy machine.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from server.engine.ahead import MAX_STEPS
from server.store import db as store_db


def _widest_service(site: Any) -> tuple[str, list[str]]:
    """A service whose counters also call other services (most lines), and those services."""
    best: tuple[str, list[str]] = ("", [])
    for code in site.services:
        spanned = sorted({s for c in site.counters.values() if code in c.services
                          for s in c.services if not site.service_rows[s].get("daily_cap")})
        if len(spanned) > len(best[1]) and code in spanned:
            best = (code, spanned)
    return best


@pytest.fixture
def traced(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement the app's connections execute from now on."""
    seen: list[str] = []
    original = store_db.connect

    def connect(path: str | Path) -> sqlite3.Connection:
        conn = original(path)
        conn.set_trace_callback(seen.append)
        return conn

    monkeypatch.setattr(store_db, "connect", connect)
    app.extensions["xephang"].db.close()  # pooled connections reopen through `connect`
    return seen


def test_one_issue_costs_the_same_statements_with_a_long_queue_in_many_lines(
        app: Any, traced: list[str]) -> None:
    from server.services.admin import devices
    from server.services.auth import CLI
    ctx = app.extensions["xephang"]
    service, spanned = _widest_service(ctx.site)
    assert len(spanned) >= 3, "the demo site has counters calling several services"
    token = devices.save_device(ctx, CLI, "test-kiosk", {"kind": "kiosk"}, "")["token"]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    category = next(iter(ctx.site.priority_categories))

    def issue(code: str, priority: str | None = None) -> dict[str, Any]:
        r = client.post("/api/v1/tickets", json={"service": code, "priority": priority},
                        headers=headers)
        assert r.status_code == 201, r.get_json()
        return dict(r.get_json())

    def statements_of_one_issue() -> tuple[int, int]:
        traced.clear()
        ahead = issue(service)["ahead"]
        return len(traced), ahead

    # A short queue in two lines: the ticket's own and one more its counters call.
    for code in (service, next(s for s in spanned if s != service)):
        issue(code)
    few, ahead_few = statements_of_one_issue()
    assert ahead_few >= 1  # the call order was replayed over two lines

    # A queue past the replay's bound, in every line those counters call, priority ones too.
    per_line = MAX_STEPS // len(spanned) + 10
    for _ in range(per_line):
        for code in spanned:
            issue(code)
    for _ in range(5):
        issue(service, category)
    many, ahead_many = statements_of_one_issue()
    assert ahead_many > per_line  # its own line and more: the call order was replayed

    assert many == few, "statements per issue grew with the queue or with its lines"
    assert many <= 30, "issuing reads more than it needs (calendar, versions, counters, lines)"
