"""Two real servers joined by a real Redis, a real chromium board on each: a number called through
one process is shown and announced on the board connected to the other (issue 9)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import api_login, issue
from tests.browser.test_board import board_page
from tests.conftest import LiveServer
from tests.support.deployment import joined_servers


@pytest.fixture
def two_joined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, LiveServer]]:
    monkeypatch.setenv("XEPHANG_LEASE_S", "1")
    with joined_servers(tmp_path, "ab") as (a, b):
        yield a, b


def test_a_call_made_on_one_process_shows_on_the_board_of_the_other(
        browser: Browser, two_joined: tuple[LiveServer, LiveServer], tmp_path: Path) -> None:
    a, b = two_joined
    boards = [board_page(browser, server, "board-lobby") for server in (a, b)]
    officer = api_login(a, "canbo17")
    assert a.api("POST", "/api/v1/counters/17/open", token=officer, json={}).status_code == 200
    for caller in (a, b):  # a call through each process reaches both boards
        ticket = issue(caller, "TP-LLTP")
        r = caller.api("POST", "/api/v1/counters/17/call", token=officer,
                       json={"number": ticket["number"]})
        assert r.status_code == 200, r.text
        for page in boards:
            expect(page.locator("#now-number")).to_have_text(ticket["number"])
            expect(page.locator("#now-counter")).to_have_text("Quầy 17")
            expect(page.locator("#recent-body tr").first.locator("td.num")).to_contain_text(
                ticket["number"])
        assert a.api("POST", "/api/v1/counters/17/complete", token=officer, json={}).status_code == 200
    boards[1].screenshot(path=str(tmp_path / "board-city-b.png"))
    for page in boards:
        assert page.errors == []  # type: ignore[attr-defined]
        page.context.close()
