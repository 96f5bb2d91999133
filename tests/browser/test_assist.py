"""The staff-assisted page (/assist): a guide signs in, issues a number for a citizen, reprints one."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

TABLET = {"width": 1280, "height": 800}


@pytest.fixture
def assist(browser: Browser, live_server: Any) -> Iterator[Page]:
    """The /assist page on a tablet, not signed in yet."""
    ctx = browser.new_context(viewport=TABLET)
    page = ctx.new_page()
    page.goto(f"{live_server.url}/assist")
    expect(page.locator("#as-login")).to_be_visible()
    yield page
    ctx.close()


def sign_in(page: Page, live_server: Any, username: str = "giamsat") -> None:
    """Sign in through the form."""
    page.fill("#as-username", username)
    page.fill("#as-password", live_server.users[username]["password"])
    page.click("#as-login button[type=submit]")
    expect(page.locator("#as-main")).to_be_visible()


def test_a_wrong_password_is_refused_in_words(assist: Page) -> None:
    assist.fill("#as-username", "giamsat")
    assist.fill("#as-password", "wrong")
    assist.click("#as-login button[type=submit]")
    expect(assist.locator("#as-login-error")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")


def test_staff_find_a_service_and_issue_a_priority_number(assist: Page, live_server: Any) -> None:
    sign_in(assist, live_server)
    assist.fill("#as-search", "ly lich")  # no diacritics typed: still found
    services = assist.locator("#as-services [data-service]")
    expect(services).to_have_count(1)
    expect(services.first).to_contain_text("Lý lịch tư pháp")
    services.first.click()
    expect(assist.locator("#as-selected")).to_have_text("Đã chọn: Lý lịch tư pháp")
    assist.click("#as-priorities [data-priority=disabled]")
    assist.dblclick("#as-issue")

    expect(assist.locator("#as-result")).to_be_visible()
    number = assist.locator("#as-result-number").inner_text()
    src = assist.locator("#as-result-qr").get_attribute("src") or ""
    ticket = live_server.api("GET", f"/api/v1/tickets/{src.split('/')[2]}", who="giamsat").json()
    assert (ticket["number"], ticket["service"], ticket["priority"]) == (number, "TP-LLTP", "disabled")
    waiting = {s["code"]: s["waiting"] for s in
               live_server.api("GET", "/api/v1/services?zone=A1").json()["services"]}
    assert waiting["TP-LLTP"] == 1  # the double tap made one ticket
    expect(assist.locator("#as-result")).to_contain_text("Khu A1 · Tầng 1")


def test_the_zone_filter_narrows_the_list(assist: Page, live_server: Any) -> None:
    sign_in(assist, live_server)
    assist.select_option("#as-zone", "A1")
    codes = assist.locator("#as-services [data-service]").evaluate_all(
        "els => els.map(e => e.dataset.service)")
    a1 = [s["code"] for s in live_server.api("GET", "/api/v1/services?zone=A1").json()["services"]]
    assert codes == a1


def test_staff_reprint_a_kiosk_ticket_by_its_link(assist: Page, live_server: Any) -> None:
    ticket = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1",
                             json={"service": "NV-GPLD"}).json()
    sign_in(assist, live_server)
    assist.fill("#as-rp-token", ticket["status_url"])
    assist.click("#as-find-token button")
    expect(assist.locator("#as-found-number")).to_have_text(ticket["number"])
    expect(assist.locator("#as-found-info")).to_contain_text("Giấy phép lao động người nước ngoài")
    assist.click("#as-reprint")
    expect(assist.locator("#as-reprint-msg")).to_have_text(f"Đã gửi lệnh in lại số {ticket['number']}")


def test_staff_find_a_called_ticket_by_number_and_service(assist: Page, live_server: Any) -> None:
    ticket = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1",
                             json={"service": "TP-LLTP"}).json()
    live_server.api("POST", "/api/v1/counters/17/open", who="canbo17")
    live_server.api("POST", "/api/v1/counters/17/call-next", who="canbo17", json={})
    sign_in(assist, live_server)
    assist.fill("#as-rp-number", ticket["number"])
    assist.select_option("#as-rp-service", "TP-LLTP")
    assist.click("#as-find-number button")
    expect(assist.locator("#as-found-number")).to_have_text(ticket["number"])
    expect(assist.locator("#as-found-info")).to_contain_text("Đang được mời")


def test_staff_print_the_number_at_a_chosen_kiosk(assist: Page, live_server: Any) -> None:
    sign_in(assist, live_server)
    assist.select_option("#as-print-at", "kiosk-B")
    assist.fill("#as-search", "dat dai")
    assist.locator("#as-services [data-service]").first.click()
    assist.click("#as-issue")
    expect(assist.locator("#as-result")).to_be_visible()
    src = assist.locator("#as-result-qr").get_attribute("src") or ""
    token = src.split("/")[2]
    # The demo kiosks print on the virtual printer: a PNG preview per ticket.
    expect(assist.locator("#as-result-print")).not_to_have_text("")
    prints = live_server.tmp / "prints"
    deadline_ok = False
    for _ in range(100):
        if live_server.api("GET", f"/api/v1/tickets/{token}").json()["print"]["status"] == "printed":
            deadline_ok = True
            break
        assist.wait_for_timeout(100)  # print outcome is recorded by the server; poll its state
    assert deadline_ok and any(prints.glob("*.png"))
    # Staff can look at the paper ticket the virtual printer made.
    preview = assist.locator("#as-result-preview")
    expect(preview).to_be_visible()
    r = assist.request.get(live_server.url + (preview.get_attribute("href") or ""))
    assert r.status == 200 and r.body()[:8] == b"\x89PNG\r\n\x1a\n"
    anonymous = live_server.api("GET", f"/api/v1/tickets/{token}/preview.png")
    assert anonymous.status_code == 401
    assist.reload()
    expect(assist.locator("#as-print-at")).to_have_value("kiosk-B")  # remembered on this tablet


def test_the_guide_sees_the_print_outcome_the_priority_and_recent_names(
        assist: Page, live_server: Any, tmp_path: Any) -> None:
    from tests.browser.helpers import layout_problems, shot
    sign_in(assist, live_server)
    shot(assist, "assist-1280x800", tmp_path)
    assert layout_problems(assist) == []
    # Nothing chosen yet: the issue button is plainly off (grey, not the yellow of an action).
    look = "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).cursor]"
    expect(assist.locator("#as-issue")).to_be_disabled()
    assert assist.locator("#as-issue").evaluate(look) == ["rgb(42, 52, 70)", "not-allowed"]
    assist.select_option("#as-print-at", "kiosk-A1")  # the demo kiosk's virtual printer
    assist.fill("#as-search", "ly lich")
    assist.locator("#as-services [data-service]").first.click()
    assist.click("#as-priorities [data-priority=elderly]")
    assist.click("#as-issue")
    expect(assist.locator("#as-result")).to_be_visible()
    # The server records the print; the page follows it instead of "printing…" forever.
    expect(assist.locator("#as-result-print")).to_have_text("Đã in phiếu — đưa phiếu cho công dân")
    number = assist.locator("#as-result-number").inner_text()
    token = (assist.locator("#as-result-qr").get_attribute("src") or "").split("/")[2]
    assert live_server.api("GET", f"/api/v1/tickets/{token}").json()["print"]["status"] == "printed"
    expect(assist.locator("#as-result-priority")).to_have_text("Ưu tiên: Người cao tuổi")
    expect(assist.locator("#as-recent li").first).to_contain_text(f"{number} · Lý lịch tư pháp")
    assert "TP-LLTP" not in assist.locator("#as-recent").inner_text()
    shot(assist, "assist-issued-1280x800", tmp_path)
    assert layout_problems(assist) == []
    assist.click("#lang-btn")
    expect(assist.locator("#as-result-print")).to_have_text("Ticket printed — hand it to the citizen")
    expect(assist.locator("#as-result-priority")).to_have_text("Priority: Elderly person")
    expect(assist.locator("#as-recent li").first).to_contain_text(f"{number} · Judicial records")
    assert layout_problems(assist) == []
