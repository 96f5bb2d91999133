"""The counter tablet in a real chromium against the real server: the number, then the citizen's rating."""
from collections.abc import Iterator
from typing import Any

import pytest
from tests.browser.helpers import api_login, issue
from playwright.sync_api import Browser, Page, expect

COUNTER = 17
OFFICER = "canbo17"
SERVICE = "TP-LLTP"


def act(live_server: Any, token: str, action: str, **body: Any) -> dict[str, Any]:
    """POST one counter-17 action as the officer."""
    r = live_server.api("POST", f"/api/v1/counters/{COUNTER}/{action}", token=token, json=body)
    assert r.status_code == 200, r.text
    return r.json()


def ratings_count(live_server: Any, token: str) -> int:
    """Today's number of ratings, from the stats API."""
    r = live_server.api("GET", "/api/v1/stats/today", token=token)
    assert r.status_code == 200, r.text
    body = r.json()
    return int(body.get("stats", body)["ratings_count"])


@pytest.fixture
def officer_token(live_server: Any) -> str:
    """The counter-17 officer's API token, with the counter open, working and free."""
    token = api_login(live_server, OFFICER)
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/open", token=token, json={})
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/resume", token=token, json={})
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/complete", token=token, json={})
    return token


@pytest.fixture
def tablet(browser: Browser, live_server: Any, officer_token: str) -> Iterator[Page]:
    """The counter-17 tablet, paired with its counter device token."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    token = live_server.devices["counter-17"]["token"]
    ctx.add_init_script(f"window.localStorage.setItem('xephang.deviceToken', {token!r});")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/counter-display")
    expect(page.locator("#cd-counter")).to_have_text(f"Quầy {COUNTER}")
    expect(page.locator("#conn-banner")).to_be_hidden()
    yield page
    assert errors == []
    ctx.close()


def serve(live_server: Any, token: str, page: Page) -> dict[str, Any]:
    """Call, start and complete one ticket at counter 17, checking the tablet at each step."""
    ticket = issue(live_server)
    act(live_server, token, "call", number=ticket["number"])
    expect(page.locator("#cd-number")).to_have_text(ticket["number"])
    expect(page.locator("#cd-status")).to_have_text("Mời công dân có số")
    act(live_server, token, "start")
    expect(page.locator("#cd-status")).to_have_text("Đang phục vụ số")
    act(live_server, token, "complete")
    return ticket


def test_tablet_asks_for_a_rating_after_complete_and_stores_one_tap(
        tablet: Page, live_server: Any, officer_token: str, tmp_path: Any) -> None:
    before = ratings_count(live_server, officer_token)
    ticket = serve(live_server, officer_token, tablet)
    rating = tablet.locator("#cd-rating")
    expect(rating).to_be_visible()
    expect(tablet.locator("#cd-rating-number")).to_have_text(f"Số {ticket['number']}")
    tablet.screenshot(path=str(tmp_path / "counter-rating.png"))
    # A double tap is one rating: the buttons lock on the first tap and the request id is per leg.
    sent: list[Any] = []
    tablet.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/rating") else None)
    with tablet.expect_response(lambda r: r.url.endswith("/rating")) as answer:
        tablet.get_by_role("button", name="Rất hài lòng").dblclick()
    expect(tablet.locator("#cd-thanks")).to_be_visible()
    assert ratings_count(live_server, officer_token) == before + 1
    # The tablet knows no database id: it names the ticket by day and number.
    assert [(b["number"], b["day"], b["score"], "ticket_id" in b) for b in sent] == [
        (ticket["number"], ticket["day"], 4, False)]
    assert answer.value.status == 201
    assert answer.value.json()["rating"]["number"] == ticket["number"]
    # Then back to the counter screen, and that leg is never offered again.
    expect(tablet.locator("#cd-thanks")).to_be_hidden()
    expect(tablet.locator("#cd-status")).to_have_text("Xin chào quý vị")
    tablet.reload()
    expect(tablet.locator("#conn-banner")).to_be_hidden()
    expect(rating).to_be_hidden()
    assert ratings_count(live_server, officer_token) == before + 1


def test_an_unhappy_rating_can_carry_reasons(tablet: Page, live_server: Any, officer_token: str) -> None:
    before = ratings_count(live_server, officer_token)
    serve(live_server, officer_token, tablet)
    tablet.get_by_role("button", name="Không hài lòng").click()
    expect(tablet.locator("#reasons")).to_be_visible()
    tablet.get_by_role("button", name="Chờ lâu").click()
    tablet.get_by_role("button", name="Gửi đánh giá").click()
    expect(tablet.locator("#cd-thanks")).to_be_visible()
    assert ratings_count(live_server, officer_token) == before + 1


def test_tablet_speaks_english_on_request_and_shows_a_pause(
        tablet: Page, live_server: Any, officer_token: str) -> None:
    tablet.locator("#lang-toggle").click()
    expect(tablet.locator("#cd-counter")).to_have_text(f"Counter {COUNTER}")
    act(live_server, officer_token, "pause")
    expect(tablet.locator("#cd-status")).to_have_text("On a break")
    act(live_server, officer_token, "resume")
    expect(tablet.locator("#cd-status")).to_have_text("Welcome")
