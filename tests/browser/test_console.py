"""The officer console in a real chromium against the real server: call, recall, transfer, complete."""
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser.helpers import api_login, issue, layout_problems, shot, sign_in
from playwright.sync_api import Browser, BrowserContext, Page, expect

COUNTER = 17
OFFICER = "canbo17"
SERVICE = "TP-LLTP"        # served at counter 17
OTHER_SERVICE = "NV-GPLD"  # also served at counter 17: a transfer target we can check
CONSOLE = {"width": 1366, "height": 768}


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
    """A browser signed in as the counter-17 officer on the console's screen (1366×768)."""
    ctx = browser.new_context(viewport=CONSOLE)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, OFFICER)
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
    page.fill("#transfer-search", "giay phep lao dong")
    page.locator(f'#transfer-list input[value="{OTHER_SERVICE}"]').check()
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
    sign_in(page, live_server, "giamsat")
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


def test_call_next_says_it_finishes_the_ticket_at_the_counter(officer: Any, live_server: Any) -> None:
    ctx, page, token = officer
    first, second = issue(live_server, SERVICE), issue(live_server, SERVICE)
    open_console(page, live_server)
    button = page.locator('#actions button[data-action="call-next"]')
    expect(button).to_contain_text("Gọi số tiếp")
    press(page, "n", "call-next")
    expect(page.locator("#ticket-number")).to_have_text(first["number"])
    expect(page.locator("#notice-box")).to_have_text(f"Đang gọi số {first['number']}")
    # A ticket is at the counter: one keypress still does it, and the button says what it does.
    expect(button).to_contain_text("Xong & gọi số tiếp")
    press(page, "n", "call-next")
    expect(page.locator("#ticket-number")).to_have_text(second["number"])
    expect(page.locator("#notice-box")).to_have_text(
        f"Đã xong số {first['number']} · đang gọi số {second['number']}")
    assert ticket_status(live_server, first)["status"] == "done"
    press(page, "n", "call-next")
    expect(page.locator("#notice-box")).to_have_text(f"Đã xong số {second['number']} · không còn ai chờ")
    expect(button).to_contain_text("Gọi số tiếp")
    expect(button).not_to_contain_text("Xong")
    page.locator("#lang-toggle").click()
    issue(live_server, SERVICE)
    press(page, "n", "call-next")
    expect(button).to_contain_text("Done & call next")


def test_no_show_park_and_transfer_are_confirmed_by_number(officer: Any, live_server: Any,
                                                           tmp_path: Path) -> None:
    ctx, page, token = officer
    a, b, c = (issue(live_server, SERVICE) for _ in range(3))
    open_console(page, live_server)
    notice = page.locator("#notice-box")
    press(page, "n", "call-next")
    expect(page.locator("#ticket-number")).to_have_text(a["number"])
    press(page, "x", "no-show")
    expect(notice).to_have_text(f"Đã ghi vắng mặt số {a['number']}")
    press(page, "n", "call-next")
    expect(page.locator("#ticket-number")).to_have_text(b["number"])
    press(page, "p", "park")
    expect(notice).to_have_text(f"Đã tạm giữ số {b['number']}")
    press(page, "n", "call-next")
    expect(page.locator("#ticket-number")).to_have_text(c["number"])
    press(page, "t", "transfer")
    page.fill("#transfer-search", "nop phi")
    page.locator("#transfer-list label.tgt", has_text="Nộp phí, lệ phí").first.locator("input").check()
    page.locator("#transfer-submit").click()
    expect(notice).to_have_text(f"Đã chuyển số {c['number']} sang Nộp phí, lệ phí")
    expect(notice).to_be_visible()
    shot(page, "console-confirmation-1366x768", tmp_path)
    assert layout_problems(page) == []
    page.locator("#lang-toggle").click()
    parked = page.locator("#parked-list li", has_text=b["number"])
    parked.get_by_role("button").click()
    expect(notice).to_have_text(f"Parked number {b['number']} called back")
    press(page, "x", "no-show")
    expect(notice).to_have_text(f"Number {b['number']} marked as a no-show")


def test_the_transfer_note_shows_where_the_next_officer_sees_the_ticket(
        officer: Any, live_server: Any, tmp_path: Path) -> None:
    ctx, page, token = officer
    moved = issue(live_server, SERVICE)
    issue(live_server, OTHER_SERVICE)  # issued later: the transferred ticket keeps its place first
    open_console(page, live_server)
    press(page, "n", "call-next")
    expect(page.locator("#ticket-number")).to_have_text(moved["number"])
    expect(page.locator("#ticket-transfer")).to_be_hidden()
    press(page, "t", "transfer")
    page.fill("#transfer-search", "GIAY PHEP lao dong")
    page.locator(f'#transfer-list input[value="{OTHER_SERVICE}"]').check()
    note = "Thiếu bản dịch hộ chiếu — đã hướng dẫn công dân bổ sung, nhận lại hồ sơ khi quay về"
    page.fill("#transfer-note", note)
    page.locator("#transfer-submit").click()
    # The receiving service is served here too: the note shows in the queue list ...
    waiting = page.locator("#next-list li", has_text=moved["number"])
    expect(waiting.locator(".note")).to_have_text(f"Chuyển từ quầy {COUNTER} (Lý lịch tư pháp) — {note}")
    # ... and on the card once the number is called (after a reload too: it comes from the server).
    page.reload()
    press(page, "n", "call-next")
    expect(page.locator("#ticket-number")).to_have_text(moved["number"])
    expect(page.locator("#ticket-transfer-from")).to_have_text(f"Chuyển từ quầy {COUNTER} (Lý lịch tư pháp)")
    expect(page.locator("#ticket-transfer-note")).to_have_text(f"Ghi chú: {note}")
    press(page, "s", "start")  # the live counter.changed (no note in it) must not wipe the note
    expect(page.locator("#ticket-status")).to_have_text("Đang phục vụ")
    expect(page.locator("#ticket-transfer-note")).to_have_text(f"Ghi chú: {note}")
    assert layout_problems(page) == []
    shot(page, "console-transfer-note-1366x768", tmp_path)
    history = live_server.api("GET", f"/api/v1/tickets/{moved['token']}/events", token=token).json()
    assert [e["data"]["note"] for e in history["events"] if e["type"] == "ticket.transferred"] == [note]
    assert note not in live_server.api("GET", f"/api/v1/tickets/{moved['token']}").text


def test_the_transfer_dialog_searches_without_accents_and_preselects_nothing(
        officer: Any, live_server: Any, tmp_path: Path) -> None:
    ctx, page, token = officer
    for _ in range(2):
        issue(live_server, SERVICE)
    open_console(page, live_server)
    press(page, "n", "call-next")
    press(page, "t", "transfer")
    dialog = page.locator("#transfer-dialog")
    expect(dialog).to_be_visible()
    radios = page.locator("#transfer-list input[type=radio]")
    services = live_server.api("GET", "/api/v1/site").json()["services"]
    expect(radios).to_have_count(len(services) - 1)  # every service but the ticket's own
    assert page.locator("#transfer-list input:checked").count() == 0
    expect(page.locator("#transfer-submit")).to_be_disabled()
    assert layout_problems(page) == []
    shot(page, "console-transfer-dialog-1366x768", tmp_path)
    page.fill("#transfer-search", "quoc tich")
    expect(radios).to_have_count(1)
    expect(page.locator("#transfer-list")).to_contain_text("Quốc tịch")
    page.press("#transfer-search", "Enter")  # the only match: picked, not sent
    expect(dialog).to_be_visible()
    expect(page.locator("#transfer-submit")).to_be_enabled()
    page.fill("#transfer-search", "khong co dich vu nao nhu the")
    expect(page.locator("#transfer-nomatch")).to_be_visible()
    expect(page.locator("#transfer-submit")).to_be_disabled()
    page.fill("#transfer-search", "")
    page.locator('#transfer-list input[value="NNMT-DD"]').check()  # not served here
    page.locator("#transfer-submit").click()
    expect(page.locator("#notice-box")).to_contain_text("sang Đất đai")
    # The next transfer offers the recent target first, still without choosing it.
    press(page, "n", "call-next")
    press(page, "t", "transfer")
    expect(page.locator("#transfer-list .tgt-head").first).to_have_text("Chuyển gần đây")
    expect(radios.first).to_have_attribute("value", "NNMT-DD")
    assert page.locator("#transfer-list input:checked").count() == 0
    expect(page.locator("#transfer-submit")).to_be_disabled()


def test_disabled_buttons_look_off(officer: Any, live_server: Any) -> None:
    ctx, page, token = officer
    open_console(page, live_server)
    look = "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.color, s.borderStyle, s.cursor]; }"
    off = page.locator('#actions button[data-action="complete"]')
    expect(off).to_be_disabled()
    on = page.locator('#actions button[data-action="call-next"]')
    expect(on).to_be_enabled()
    assert off.evaluate(look) == ["rgb(230, 233, 238)", "rgb(122, 132, 148)", "dashed", "not-allowed"]
    assert on.evaluate(look)[2:] == ["solid", "pointer"]
    press(page, "b", "pause")  # on a break the primary button turns off and must look it
    expect(on).to_be_disabled()
    assert on.evaluate(look) == off.evaluate(look)
