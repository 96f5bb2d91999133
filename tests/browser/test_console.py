"""The officer console in a real chromium against the real server: call, recall, transfer, complete."""
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser.helpers import api_login, issue
from playwright.sync_api import Browser, BrowserContext, Page, expect

COUNTER = 17
OFFICER = "canbo17"
SERVICE = "TP-LLTP"        # served at counter 17
OTHER_SERVICE = "NV-GPLD"  # also served at counter 17: a transfer target we can check


def counter_now(live_server: Any, token: str) -> dict[str, Any]:
    """The counter as the API sees it."""
    r = live_server.api("GET", f"/api/v1/counters/{COUNTER}", token=token)
    assert r.status_code == 200, r.text
    return r.json()


def ticket_status(live_server: Any, ticket: dict[str, Any]) -> dict[str, Any]:
    """A ticket's current state by its public token."""
    return live_server.api("GET", f"/api/v1/tickets/{ticket['token']}").json()


@pytest.fixture
def officer(browser: Browser, live_server: Any) -> Iterator[tuple[BrowserContext, Page, str]]:
    """A browser signed in as the counter-17 officer (login through the API, the cookie kept)."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    r = page.request.post(f"{live_server.url}/api/v1/auth/login",
                          data={"username": OFFICER, "password": live_server.users[OFFICER]["password"]})
    assert r.ok, r.text()
    token = api_login(live_server, OFFICER)
    # Start from a quiet counter: nothing held over from another test.
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/open", token=token, json={})
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/resume", token=token, json={})
    current = counter_now(live_server, token)["counter"]["ticket"]
    if current:
        live_server.api("POST", f"/api/v1/counters/{COUNTER}/complete", token=token, json={})
    yield ctx, page, token
    assert errors == []
    ctx.close()


def press(page: Page, key: str, action: str) -> None:
    """Press a shortcut once its button is ready (buttons stay off while a request is in flight)."""
    expect(page.locator(f'#actions button[data-action="{action}"]')).to_be_enabled()
    page.keyboard.press(key)


def open_console(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/console?counter={COUNTER}")
    expect(page.locator("#counter-state")).to_have_text("Đang mở")
    expect(page.locator("#conn-banner")).to_be_hidden()


def test_console_redirects_to_login_without_a_session(browser: Browser, live_server: Any) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{live_server.url}/console")
    page.wait_for_url("**/login?next=%2Fconsole**")
    ctx.close()


def test_officer_picks_one_of_their_counters(officer: Any, live_server: Any) -> None:
    ctx, page, token = officer
    page.goto(f"{live_server.url}/console")
    picks = page.locator("#picker-list button")
    expect(picks).to_have_count(2)  # canbo17 works counters 17 and 18
    page.get_by_role("button", name="Quầy ưu tiên 17").click()
    expect(page.locator("#counter-title")).to_have_text("Quầy ưu tiên 17")
    expect(page.locator("#counter-state")).to_have_text("Đang mở")
    assert page.url.endswith("/console?counter=17")
    # The choice is remembered for the next visit.
    page.goto(f"{live_server.url}/console")
    expect(page.locator("#counter-title")).to_have_text("Quầy ưu tiên 17")


def test_officer_calls_recalls_transfers_and_completes(officer: Any, live_server: Any) -> None:
    ctx, page, token = officer
    first, second = issue(live_server, SERVICE), issue(live_server, SERVICE)
    open_console(page, live_server)
    number = page.locator("#ticket-number")

    # Call next (keyboard shortcut N): the counter's current ticket appears.
    press(page, "n", "call-next")
    expect(page.locator("#ticket-status")).to_have_text("Đã gọi")
    called = counter_now(live_server, token)["counter"]["ticket"]
    expect(number).to_have_text(called["number"])
    expect(page.locator("#ticket-timer")).to_contain_text("Đã gọi")

    # Recall (button): the recall count shows.
    page.get_by_role("button", name="Gọi lại R").click()
    expect(page.locator("#ticket-meta")).to_contain_text("Đã gọi lại 1 lần")

    # Transfer to another service with a note: the ticket leaves the counter and waits there.
    press(page, "t", "transfer")
    expect(page.locator("#transfer-dialog")).to_be_visible()
    page.select_option("#transfer-service", OTHER_SERVICE)
    page.fill("#transfer-note", "Cần nộp thêm giấy phép lao động")
    page.locator("#transfer-submit").click()
    expect(page.locator("#ticket-status")).to_have_text("Chưa gọi số nào")
    expect(number).to_have_text("—")
    moved = next(t for t in (first, second) if t["number"] == called["number"])
    after = ticket_status(live_server, moved)
    assert after["service"] == OTHER_SERVICE and after["status"] == "waiting"

    # Call next, start, complete: the screen follows each step.
    page.get_by_role("button", name="Gọi số tiếp N").click()
    expect(page.locator("#ticket-status")).to_have_text("Đã gọi")
    serving = counter_now(live_server, token)["counter"]["ticket"]
    expect(number).to_have_text(serving["number"])
    press(page, "s", "start")
    expect(page.locator("#ticket-status")).to_have_text("Đang phục vụ")
    expect(page.locator("#ticket-timer")).to_contain_text("Đang phục vụ")
    press(page, "c", "complete")
    expect(page.locator("#ticket-status")).to_have_text("Chưa gọi số nào")
    done = live_server.api("GET", f"/api/v1/tickets/{serving['token']}").json()
    assert done["status"] == "done"


def test_officer_parks_brings_back_and_takes_a_break(officer: Any, live_server: Any) -> None:
    ctx, page, token = officer
    ticket = issue(live_server, SERVICE)
    open_console(page, live_server)
    press(page, "n", "call-next")
    expect(page.locator("#ticket-number")).to_have_text(ticket["number"])
    press(page, "p", "park")
    parked = page.locator("#parked-list li", has_text=ticket["number"])
    expect(parked).to_be_visible()
    expect(page.locator("#ticket-number")).to_have_text("—")
    parked.get_by_role("button", name="Gọi lại số này").click()
    expect(page.locator("#ticket-number")).to_have_text(ticket["number"])
    expect(page.locator("#parked-empty")).to_be_visible()
    press(page, "c", "complete")
    expect(page.locator("#ticket-status")).to_have_text("Chưa gọi số nào")
    press(page, "b", "pause")
    expect(page.locator("#counter-state")).to_have_text("Tạm nghỉ")
    expect(page.locator('#actions button[data-action="call-next"]')).to_be_disabled()
    expect(page.locator('#actions button[data-action="pause"]')).to_contain_text("Tiếp tục")
    press(page, "b", "pause")
    expect(page.locator("#counter-state")).to_have_text("Đang mở")


def test_a_double_click_calls_only_once(officer: Any, live_server: Any) -> None:
    ctx, page, token = officer
    issue(live_server, SERVICE)
    issue(live_server, SERVICE)
    open_console(page, live_server)
    waiting_before = sum(s["waiting"] for s in counter_now(live_server, token)["services"])
    page.locator('button[data-action="call-next"]').dblclick()
    expect(page.locator("#ticket-status")).to_have_text("Đã gọi")
    expect(page.locator('button[data-action="recall"]')).to_be_enabled()
    waiting_after = sum(s["waiting"] for s in counter_now(live_server, token)["services"])
    assert waiting_after == waiting_before - 1


def test_api_errors_show_in_the_chosen_language(officer: Any, live_server: Any) -> None:
    ctx, page, token = officer
    open_console(page, live_server)
    expected = {lang: live_server.api("POST", f"/api/v1/counters/{COUNTER}/call", token=token,
                                      json={"number": "98765"}, lang=lang).json()["error"]["message"]
                for lang in ("vi", "en")}
    assert expected["vi"] != expected["en"]
    for lang in ("vi", "en"):
        if lang == "en":
            page.locator("#lang-toggle").click()
            expect(page.locator('button[data-action="call-next"]')).to_contain_text("Call next")
        press(page, "/", "call")
        page.fill("#call-number", "98765")
        page.locator("#call-submit").click()
        expect(page.locator("#error-box")).to_have_text(expected[lang])


def test_console_screenshot(officer: Any, live_server: Any, tmp_path: Path) -> None:
    ctx, page, token = officer
    issue(live_server, SERVICE)
    issue(live_server, OTHER_SERVICE)
    open_console(page, live_server)
    press(page, "n", "call-next")
    expect(page.locator("#ticket-status")).to_have_text("Đã gọi")
    press(page, "s", "start")
    expect(page.locator("#ticket-status")).to_have_text("Đang phục vụ")
    expect(page.locator('#actions button[data-action="complete"]')).to_be_enabled()
    # XEPHANG_SHOTS=<dir> keeps the 1920×1080 picture for a person to look at.
    out = Path(os.environ.get("XEPHANG_SHOTS") or tmp_path) / "console.png"
    page.screenshot(path=str(out))
    assert out.stat().st_size > 10_000


def test_a_supervisor_can_stand_in_at_any_counter(browser: Browser, live_server: Any) -> None:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    r = page.request.post(f"{live_server.url}/api/v1/auth/login",
                          data={"username": "giamsat", "password": live_server.users["giamsat"]["password"]})
    assert r.ok
    ticket = issue(live_server, "NNMT-DD", device="kiosk-B")
    page.goto(f"{live_server.url}/console")
    expect(page.locator("#picker-list button")).to_have_count(67)
    page.get_by_role("button", name="Quầy 44", exact=True).click()
    expect(page.locator("#counter-title")).to_have_text("Quầy 44")
    press(page, "o", "open")  # the counter was closed: open it first
    expect(page.locator("#counter-state")).to_have_text("Đang mở")
    press(page, "n", "call-next")
    expect(page.locator("#work")).to_contain_text(ticket["number"])
    called = live_server.api("GET", f"/api/v1/tickets/{ticket['token']}").json()
    assert (called["status"], called["counter"]) == ("called", 44)
    ctx.close()
