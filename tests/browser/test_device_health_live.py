"""A real lobby board in chromium against the real server: killed, it raises the silent-device alert
on the supervisor's floor (and to a real Socket.IO client in `staff`); back, the alert clears.
The site's threshold ([policy] device_silent_s) is 1 s here, so nothing waits a minute."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import sign_in
from tests.conftest import LiveServer
from tests.support.device_health import DeviceChanges
from tests.support.device_health import quick_server as quick_server_of

DEVICE = "board-lobby"


class DeviceWatch(DeviceChanges):
    """A supervisor's real Socket.IO client that keeps every device.changed payload."""

    def wait(self, **want: Any) -> dict[str, Any]:
        """The first change (after those already taken) of DEVICE matching `want`."""
        def found() -> dict[str, Any] | None:
            for i, d in enumerate(self.seen):
                if d["name"] == DEVICE and all(d[k] == v for k, v in want.items()):
                    del self.seen[:i + 1]
                    return d
            return None
        with self.cond:
            got = self.cond.wait_for(found, 20)
        assert got, (want, self.seen)
        return got


@pytest.fixture
def quick_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server on a demo site whose devices count as silent after 1 s."""
    with quick_server_of(tmp_path) as server:
        yield server


def open_board(browser: Browser, server: LiveServer) -> Page:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    token = server.devices[DEVICE]["token"]
    ctx.add_init_script(f"window.localStorage.setItem('xephang.deviceToken', {token!r});")
    page = ctx.new_page()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/devices/heartbeat") and r.ok):
        page.goto(f"{server.url}/board")  # the page reports in as soon as it knows it is paired
    expect(page.locator("#conn-banner")).to_be_hidden()
    return page


def open_floor(browser: Browser, server: LiveServer) -> Page:
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(page, server, "giamsat")
    page.goto(f"{server.url}/floor")
    expect(page.locator("#conn-banner")).to_be_hidden()
    return page


def test_a_killed_board_raises_the_alert_and_its_return_clears_it(browser: Browser,
                                                                  quick_server: LiveServer) -> None:
    watch = DeviceWatch(quick_server.url, quick_server.token("giamsat"))
    floor = open_floor(browser, quick_server)
    board = open_board(browser, quick_server)
    try:
        online = watch.wait(online=True)
        assert online["alert"] is False and online["kind"] == "display"
        alert = floor.locator('#alerts li[data-kind="device"]')
        expect(alert).to_have_count(0)
        # The board's page reported in with its page and the version it was served.
        listed = quick_server.api("GET", "/api/v1/admin/devices", who="giamsat").json()
        health = next(d for d in listed["devices"] if d["name"] == DEVICE)["health"]
        assert health["page"] == "/board" and health["version"] and health["online"] is True

        board.context.close()  # the board dies (power cut, browser crash)
        went = watch.wait(alert=True)
        assert went["online"] is False and went["seen_at"]
        expect(alert).to_have_count(1)
        expect(alert).to_contain_text(f"Màn hình {DEVICE} mất liên lạc từ {went['seen_at'][11:16]}")
        expect(floor.locator("#devices-summary")).to_contain_text("mất kết nối")

        board = open_board(browser, quick_server)  # it comes back
        back = watch.wait(online=True)
        assert back["alert"] is False
        expect(alert).to_have_count(0)
    finally:
        watch.close()
        board.context.close()
        floor.context.close()
