"""Issue 10: the ticket page's real service worker (/t/sw.js) in chromium receives a push and shows
it on the page (and as a notification). Headless chromium's pushManager talks only to its vendor's
push service, so the push is delivered to the registered worker over DevTools
(ServiceWorker.deliverPushMessage) with the payload the server encrypts (tests/api/test_push.py
decrypts that one at a fake push service)."""
from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Browser, expect

from tests.browser.helpers import issue, layout_problems, ticket_page_with_worker


def test_the_ticket_pages_service_worker_shows_a_push(browser: Browser, live_server: Any) -> None:
    ticket = issue(live_server)
    with ticket_page_with_worker(browser, live_server, ticket) as (page, cdp, registrations, scope):
        assert scope == f"{live_server.url}/t/"
        expect(page.locator("#tp-push")).to_be_visible()  # the offer to be notified
        assert layout_problems(page, vertical=False) == []
        reg = next(r for r in registrations if r["scopeURL"] == scope)
        for data in ({"type": "ahead", "number": ticket["number"], "ahead": 3},
                     {"type": "called", "number": ticket["number"], "counter": 18}):
            cdp.send("ServiceWorker.deliverPushMessage", {
                "origin": live_server.url, "registrationId": reg["registrationId"],
                "data": json.dumps(data)})
            word = "Mời đến quầy 18" if data["type"] == "called" else "Còn 3 người trước bạn"
            expect(page.locator("#tp-push-msg")).to_contain_text(word)
        shown = page.evaluate("navigator.serviceWorker.ready.then(r => r.getNotifications())"
                              ".then(ns => ns.map(n => n.title + ' | ' + n.body))")
        assert any("Mời đến quầy 18" in n for n in shown), shown
