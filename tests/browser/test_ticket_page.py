"""A ticket's public page (/t/<token>) on a phone: live status, the call, a friendly 'not found'."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.browser.helpers import issue
from playwright.sync_api import Browser, Page, expect

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser, live_server: Any) -> Iterator[Any]:
    """Open a ticket's page on a phone-sized screen: phone(token) → Page."""
    contexts = []

    def open_page(token: str, query: str = "") -> Page:
        ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
        contexts.append(ctx)
        page = ctx.new_page()
        page.goto(f"{live_server.url}/t/{token}{query}")
        return page

    yield open_page
    for ctx in contexts:
        ctx.close()


def officer_calls_next(live_server: Any) -> dict[str, Any]:
    """canbo17 opens counter 17 and calls the next ticket."""
    live_server.api("POST", "/api/v1/counters/17/open", who="canbo17")
    r = live_server.api("POST", "/api/v1/counters/17/call-next", who="canbo17", json={})
    assert r.status_code == 200, r.text
    return r.json()["ticket"]


def test_the_ticket_page_shows_the_call_live(phone: Any, live_server: Any) -> None:
    ticket = issue(live_server)
    page = phone(ticket["token"])
    expect(page.locator("#tp-number")).to_have_text(ticket["number"])
    expect(page.locator("#tp-status")).to_have_text("Đang chờ")
    expect(page.locator("#tp-ticket")).to_contain_text("Lý lịch tư pháp")
    expect(page.locator("#tp-ticket")).to_contain_text("Sở Tư pháp")
    expect(page.locator("#tp-ticket")).to_contain_text("Khu A1 · Tầng 1")
    expect(page.locator("#tp-call")).to_be_hidden()

    called = officer_calls_next(live_server)
    assert called["number"] == ticket["number"]
    expect(page.locator("#tp-call-big")).to_have_text("Mời bạn đến quầy 17")
    expect(page.locator("#tp-call-place")).to_have_text("Khu A1, Tầng 1")
    expect(page.locator("#tp-status")).to_have_text("Đang được mời")
    page.wait_for_function("() => window.XephangTicketPage.alerts === 1")  # one beep + vibration per call

    page.click("#lang-btn")
    expect(page.locator("#tp-call-big")).to_have_text("Please go to counter 17")
    expect(page.locator("#tp-call-place")).to_have_text("Zone A1, Floor 1")


def test_people_ahead_count_down_as_others_are_called(phone: Any, live_server: Any) -> None:
    first = issue(live_server)
    second = issue(live_server)
    page = phone(second["token"])
    expect(page.locator("#tp-ahead")).to_have_text("1")
    assert officer_calls_next(live_server)["number"] == first["number"]
    # queue.changed for its service makes the page fetch its ticket again.
    expect(page.locator("#tp-ahead")).to_have_text("0")
    expect(page.locator("#tp-status")).to_have_text("Đang chờ")


def test_an_unknown_ticket_gets_a_friendly_page(phone: Any) -> None:
    page = phone("no-such-ticket")
    expect(page.locator("#tp-notfound")).to_contain_text("Không tìm thấy số thứ tự")
    expect(page.locator("#tp-notfound")).to_contain_text("Vui lòng lấy số mới")
    page.click("#lang-btn")
    expect(page.locator("#tp-notfound")).to_contain_text("Number not found")


def test_the_page_opens_in_english_when_asked(phone: Any, live_server: Any) -> None:
    ticket = issue(live_server)
    page = phone(ticket["token"], "?lang=en")
    expect(page.locator("#tp-status")).to_have_text("Waiting")
    expect(page.locator("#tp-ticket")).to_contain_text("Judicial records")
    expect(page.locator("#tp-ticket")).to_contain_text("Department of Justice")
    expect(page.locator("#lang-btn")).to_have_text("Tiếng Việt")
