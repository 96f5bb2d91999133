"""In real chromium: the server's Content-Security-Policy blocks inline script (and the browser
fixture notices any violation), and after login only a same-site `next` is followed."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.conftest import DEMO_PASSWORD


def test_the_policy_blocks_inline_script_and_the_watch_reports_it(chromium_browser: Any,
                                                                  live_server: Any) -> None:
    policy = requests.get(f"{live_server.url}/login", timeout=10).headers["Content-Security-Policy"]
    page = chromium_browser.new_page()
    try:
        probe = f"{live_server.url}/csp-probe"
        page.route(probe, lambda route: route.fulfill(
            status=200, headers={"Content-Type": "text/html", "Content-Security-Policy": policy},
            body="<title>before</title><script>document.title = 'ran'</script>"
                 "<img src=x onerror=\"document.title = 'ran'\">"))
        with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
            page.goto(probe)
        assert page.title() == "before", "an inline script ran under the policy"
        assert chromium_browser.violations, "the browser fixture's watch saw nothing"
    finally:
        chromium_browser.violations.clear()
        page.close()


def login_then_url(browser: Any, live_server: Any, next_value: str, user: str = "canbo17") -> str:
    """Log in on /login?next=<next_value> (already URL-encoded) and return where the page went."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    # Nothing may leave this machine: a followed redirect to evil.example is aborted, not fetched.
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        live_server.url) else route.abort())
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login?next={next_value}")
        page.fill("#username", user)
        page.fill("#password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("#login-submit")
        return str(page.url)
    finally:
        context.close()


@pytest.mark.parametrize("next_value", [
    "/%5Cevil.example/x", "//evil.example/x", quote("/\\evil.example/x", safe=""),
    quote("https://evil.example/x", safe=""), "/%09/evil.example/x", "%2F%2Fevil.example",
    quote("javascript:alert(1)", safe=""), quote("/\t/evil.example", safe=""),
])
def test_login_never_follows_next_off_the_site(browser: Any, live_server: Any, next_value: str) -> None:
    went = login_then_url(browser, live_server, next_value)
    assert went.startswith(live_server.url + "/"), went
    assert went == f"{live_server.url}/console", went


def test_login_follows_a_same_site_next(browser: Any, live_server: Any) -> None:
    went = login_then_url(browser, live_server, quote("/floor?zone=A1", safe=""), user="giamsat")
    assert went == f"{live_server.url}/floor?zone=A1"
