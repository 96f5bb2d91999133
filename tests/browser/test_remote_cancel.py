"""Issue 10 loose end: the owner of a number from home cancels it from its ticket page on a
phone-sized chromium (two taps: no dialog), and the line and the staff see it gone."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.helpers import issue, layout_problems, shot
from tests.browser.test_booking_page import PHONE, sms_server  # noqa: F401 - fixture by name
from tests.conftest import LiveServer
from tests.support.fake_sms import FakeSmsGateway


def remote_number(server: LiveServer, gateway: FakeSmsGateway, phone: str) -> dict:
    """A number from home taken over the public API, the phone confirmed with the SMS code."""
    r = server.api("POST", "/api/v1/public/verify", json={"phone": phone, "consent": True})
    assert r.status_code == 202, r.text
    code = gateway.code_for("+84" + phone[1:])
    token = server.api("POST", "/api/v1/public/verify/confirm",
                       json={"phone": phone, "code": code}).json()["token"]
    r = server.api("POST", "/api/v1/public/remote-tickets", token=token,
                   json={"service": "TP-LLTP"})
    assert r.status_code == 201, r.text
    return r.json()


def test_cancel_a_number_from_home_on_its_page(
        browser: Browser, sms_server: tuple[LiveServer, FakeSmsGateway],  # noqa: F811
        tmp_path: Path) -> None:
    server, gateway = sms_server
    walk_in = issue(server)
    mine = remote_number(server, gateway, "0912345678")
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = ctx.new_page()
        page.goto(f"{server.url}/t/{mine['token']}")
        expect(page.locator("#tp-status")).to_have_text("Chưa check-in")
        button = page.locator("#tp-remote-cancel")
        expect(button).to_have_text("Hủy số này")
        assert layout_problems(page, vertical=False) == []
        shot(page, "remote-phone-cancel", tmp_path)
        button.click()
        expect(button).to_have_text("Bấm lần nữa để hủy số")  # nothing cancelled on one tap
        assert server.api("GET", f"/api/v1/tickets/{mine['token']}").json()["status"] == "away"
        button.click()
        expect(page.locator("#tp-status")).to_have_text("Đã hủy")
        expect(page.locator("#tp-msg")).to_have_text("Số thứ tự này đã bị hủy.")
        expect(page.locator("#tp-remote")).to_be_hidden()
        shot(page, "remote-phone-cancelled", tmp_path)
    finally:
        ctx.close()
    # The line: the walk-in is called, then no one; the code no longer checks in.
    token = server.token("canbo18")
    server.api("POST", "/api/v1/counters/18/open", token=token)
    call = server.api("POST", "/api/v1/counters/18/call-next", token=token).json()
    assert call["ticket"]["number"] == walk_in["number"]
    assert server.api("POST", "/api/v1/counters/18/call-next", token=token).json()["ticket"] is None
    r = server.api("POST", "/api/v1/checkin", who="kiosk-A1", json={"code": mine["code"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "booking_not_active"
