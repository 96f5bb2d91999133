"""Admin lists draw the answer they asked for last: a live refresh (another admin's change)
whose answer comes back after the admin's own change must not draw the older list over it."""
from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Browser, Route, expect

from tests.browser.helpers import assert_fits, shot
from tests.conftest import DEMO_PASSWORD

CONSOLE = {"width": 1366, "height": 768}


def test_a_late_live_refresh_does_not_undo_the_admins_own_change(
        browser: Browser, live_server: Any, tmp_path: Any) -> None:
    ctx = browser.new_context(viewport=CONSOLE)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())  # "Khóa canbo17?": yes
    assert page.request.post(f"{live_server.url}/api/v1/auth/login",
                             data={"username": "quantri", "password": DEMO_PASSWORD}).ok
    page.goto(f"{live_server.url}/admin/users")
    expect(page.locator("body")).to_have_attribute("data-live", "online")
    canbo17 = page.locator('#users-body tr[data-username="canbo17"]')
    expect(canbo17.locator(".state")).to_have_text("Đang dùng")

    # GET /api/v1/admin/users from now on: the 1st (the live refresh) is answered by the server
    # at once but handed to the page only when the test says; the 2nd (after the admin's own
    # change) goes through; later ones wait, so nothing redraws the list behind the test's back.
    gets: list[Route] = []
    held: list[tuple[Route, Any]] = []

    def route(r: Route) -> None:
        if r.request.method != "GET":
            r.continue_()
            return
        gets.append(r)
        if len(gets) == 1:
            held.append((r, r.fetch()))
        elif len(gets) == 2:
            r.continue_()
    page.route("**/api/v1/admin/users", route)

    # Another admin adds a department head: this page's live refresh asks for the list…
    r = live_server.api("POST", "/api/v1/admin/users", who="quantri",
                        json={"username": "hoa", "display_name": "Trưởng phòng", "role": "supervisor",
                              "units": ["TP"], "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 15
    while not held:  # the page's request reaches the route handler (events flow while we wait)
        assert time.monotonic() < deadline, "the live refresh never asked for the list"
        page.wait_for_timeout(20)
    assert b'"canbo17"' in held[0][1].body()  # that answer: canbo17 still active, hoa there
    # …and while that answer is on its way, the admin disables canbo17 on this page.
    canbo17.locator("button", has_text="Khóa").click()
    expect(canbo17.locator(".state")).to_have_text("Đã khóa")
    expect(page.locator('#users-body tr[data-username="hoa"]')).to_be_visible()
    before = page.locator("body").get_attribute("data-reloads") or "0"

    # The older answer arrives last: the page drops it and keeps the newer list.
    route_1, answer_1 = held[0]
    route_1.fulfill(response=answer_1)
    expect(page.locator("body")).to_have_attribute("data-reloads", str(int(before) + 1))
    expect(canbo17.locator(".state")).to_have_text("Đã khóa")
    expect(page.locator('#users-body tr[data-username="hoa"]')).to_be_visible()
    assert_fits(page, shot(page, "admin-users-crossing", tmp_path))
    ctx.close()  # the later refreshes, held, go with it
    assert errors == []
