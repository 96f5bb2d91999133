"""Who reaches the administration: an officer who opens an admin page is told it is not for her
(and sees no data, no edit button); a visitor who is not signed in is sent to the login page."""
from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, expect

from tests.browser.helpers import sign_in

CONSOLE = {"width": 1366, "height": 768}


def test_an_officer_is_told_the_admin_pages_are_not_for_her(browser: Browser, live_server: Any) -> None:
    page = browser.new_context(viewport=CONSOLE).new_page()
    sign_in(page, live_server, "canbo17")
    for path in ("/admin", "/admin/users", "/admin/site/services", "/admin/audit", "/reports"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#forbidden")).to_have_text("Trang này dành cho quản trị viên và giám sát viên.")
        expect(page.locator("#admin-main")).to_be_hidden()
    page.context.close()


def test_a_visitor_is_sent_to_the_login_page(browser: Browser, live_server: Any) -> None:
    page = browser.new_context(viewport=CONSOLE).new_page()
    page.goto(f"{live_server.url}/admin/devices")
    page.wait_for_url("**/login?next=%2Fadmin%2Fdevices")
    page.context.close()
