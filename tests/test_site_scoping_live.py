"""Two sites in one deployment of two real servers joined by a real Redis (outbox relay per
site): each site's calls reach its own boards on any process, never the other site's boards."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import DEMO_PASSWORD, LiveServer
from tests.support.deployment import joined_servers
from tests.test_message_queue_live import Board
from tests.test_site_scoping import COUNTER, SERVICE, add_site_b


@pytest.fixture
def two_sites(tmp_path: Path) -> Iterator[tuple[list[LiveServer], dict[str, str]]]:
    """Servers a and b on one SQLite file with sites A (the demo) and B, and one Redis."""
    site_b: dict[str, str] = {}

    def add_b(db: Path) -> None:  # site A is the demo the first start made
        site_b.update(add_site_b(db, DEMO_PASSWORD))
    with joined_servers(tmp_path, "ab", prepare=add_b) as servers:
        yield servers, site_b


def _login(url: str, username: str) -> dict[str, str]:
    r = requests.post(f"{url}/api/v1/auth/login", json={"username": username,
                                                         "password": DEMO_PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _issue_and_call(url: str, kiosk: str, officer: dict[str, str]) -> None:
    r = requests.post(f"{url}/api/v1/tickets", json={"service": SERVICE},
                      headers={"Authorization": f"Bearer {kiosk}"}, timeout=10)
    assert r.status_code == 201, r.text
    r = requests.post(f"{url}/api/v1/counters/{COUNTER}/call-next", json={}, headers=officer,
                      timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["ticket"]["token"]


def test_each_sites_calls_reach_its_own_boards_on_every_process(
        two_sites: tuple[list[LiveServer], dict[str, str]]) -> None:
    (a, b), site_b = two_sites
    urls = [a.url, b.url]
    board_a = Board(urls, a.devices["board-lobby"]["token"])  # site A's board on server a
    board_b = Board(urls[::-1], site_b["board"])  # site B's board on server b
    try:
        # site B's call, made on server a, reaches B's board on server b (Redis, B's relay)
        _issue_and_call(a.url, site_b["kiosk"], _login(a.url, f"b_canbo{COUNTER}"))
        with board_b.seen:
            assert board_b.seen.wait_for(lambda: len(board_b.calls) == 1, 30), board_b.calls
        # site A's call, made on server b, reaches A's board on server a
        _issue_and_call(b.url, a.devices["kiosk-A1"]["token"], _login(b.url, f"canbo{COUNTER}"))
        with board_a.seen:
            assert board_a.seen.wait_for(lambda: len(board_a.calls) == 1, 30), board_a.calls
        # each board heard exactly its own site's one call (a second call of B's checks that
        # nothing of A's was queued behind it on B's board)
        _issue_and_call(a.url, site_b["kiosk"], _login(a.url, f"b_canbo{COUNTER}"))
        with board_b.seen:
            assert board_b.seen.wait_for(lambda: len(board_b.calls) == 2, 30), board_b.calls
        assert len(board_a.calls) == 1 and board_a.repeats == board_b.repeats == 0
        # both sites' calls left from the outbox (logged in their transactions: a process killed
        # before sending loses nothing), each site's under its own site
        conn = sqlite3.connect(a.db)
        logged = dict(conn.execute("SELECT site_id, COUNT(*) FROM outbox GROUP BY site_id"))
        conn.close()
        assert logged.get(1, 0) >= 2 and logged.get(2, 0) >= 4, logged
    finally:
        board_a.close()
        board_b.close()
