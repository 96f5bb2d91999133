"""Issue 10: /dat-lich on a phone-sized chromium against the real server: choose unit, service,
day and slot, verify the phone with the code the fake SMS gateway received, see the QR, cancel."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, expect

from tests.browser.helpers import issue, layout_problems, shot
from tests.conftest import ROOT, LiveServer
from tests.support.fake_sms import FakeSmsGateway

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def sms_server(tmp_path: Path, monkeypatch: Any) -> Iterator[tuple[LiveServer, FakeSmsGateway]]:
    """The real server with its SMS going to a fake gateway (XEPHANG_SMS_URL)."""
    with FakeSmsGateway() as gateway:
        monkeypatch.setenv("XEPHANG_SMS_URL", gateway.url)
        server = LiveServer(tmp_path)
        server.start()
        try:
            yield server, gateway
        finally:
            server.stop()


def test_book_confirm_with_the_sms_code_see_the_qr_and_cancel(
        browser: Browser, sms_server: tuple[LiveServer, FakeSmsGateway], tmp_path: Path) -> None:
    server, gateway = sms_server
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = ctx.new_page()
        ticket = issue(server)  # the ticket page links to the booking page
        page.goto(f"{server.url}/t/{ticket['token']}")
        page.click("#tp-book-link")
        expect(page.locator("h1")).to_have_text("Đặt lịch hẹn")
        assert page.url.endswith("/dat-lich")
        page.get_by_role("button", name="Sở Tư pháp").click()
        expect(page.locator("#services")).to_contain_text("Hôm nay đang chờ: 1")  # the ticket above
        assert layout_problems(page, vertical=False) == []
        shot(page, "booking-phone-services", tmp_path)
        page.get_by_role("button", name="Lý lịch tư pháp").click()
        days = page.locator("#days button:enabled")
        expect(days.first).to_be_visible(timeout=15000)
        assert layout_problems(page, vertical=False) == []
        shot(page, "booking-phone-days", tmp_path)
        days.first.click()
        assert layout_problems(page, vertical=False) == []
        shot(page, "booking-phone-slots", tmp_path)
        page.locator("#slots button:enabled").first.click()
        expect(page.locator("#step-phone")).to_be_visible()
        page.fill("#phone", "0912 345 678")
        page.click("#send-code")
        expect(page.locator("#bk-error")).to_contain_text("đồng ý")  # consent first
        page.check("#consent")
        page.click("#send-code")
        expect(page.locator("#code-form")).to_be_visible()
        assert layout_problems(page, vertical=False) == []
        shot(page, "booking-phone-code", tmp_path)
        code = gateway.code_for("+84912345678")
        assert "Mã xác minh" in gateway.received[-1]["text"]
        page.fill("#code", code)
        page.click("#confirm")
        expect(page.locator("#bk-code")).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
        expect(page.locator("#done-title")).to_have_text("Đã đặt lịch")
        check_in = page.locator("#bk-code").inner_text()
        assert "/dat-lich/b/" in page.url
        page.wait_for_function("() => document.getElementById('bk-qr').naturalWidth > 0")
        expect(page.locator("#bk-service")).to_have_text("Lý lịch tư pháp")
        qr = Image.open(io.BytesIO(page.locator("#bk-qr").screenshot()))
        assert [r.text for r in zxingcpp.read_barcodes(qr)] == [check_in]  # what a scanner types
        assert "0912" not in page.content() and "912345678" not in page.content()
        assert layout_problems(page, vertical=False) == []
        shot(page, "booking-phone-confirmed", tmp_path)
        # the confirmation SMS arrives at the gateway with the check-in code
        assert any(check_in in m["text"] for m in gateway.wait_for(2))
        # the confirmation page opened again (its link) shows the same booking, in English too
        page.reload()
        expect(page.locator("#bk-code")).to_have_text(check_in)
        page.click("#lang-toggle")
        expect(page.locator("#done-title")).to_have_text("Appointment booked")
        expect(page.locator("#bk-status")).to_have_text("Booked")
        page.click("#lang-toggle")
        # move it to another slot from the confirmation page: same code, new time
        when = page.locator("#bk-when").inner_text()
        page.click("#move")
        expect(page.locator("#days button:enabled").first).to_be_visible(timeout=15000)
        page.locator("#days button:enabled").first.click()
        page.locator("#slots button:enabled").nth(1).click()
        expect(page.locator("#bk-when")).not_to_have_text(when)
        expect(page.locator("#bk-code")).to_have_text(check_in)
        page.once("dialog", lambda d: d.accept())
        page.click("#cancel")
        expect(page.locator("#done-title")).to_have_text("Lịch hẹn đã hủy")
        expect(page.locator("#bk-status")).to_have_text("Đã hủy")
        expect(page.locator("#cancel")).to_be_hidden()
        expect(page.locator("#bk-qr")).to_be_hidden()  # nothing left to check in with
        shot(page, "booking-phone-cancelled", tmp_path)
    finally:
        ctx.close()


def test_the_consent_text_says_the_policys_retention_days(browser: Browser, tmp_path: Path) -> None:
    """The consent names how long the site's policy keeps the phone number, in both languages."""
    text = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
    assert "phone_retention_days = 30" in text
    site = tmp_path / "site.toml"
    site.write_text(text.replace("phone_retention_days = 30", "phone_retention_days = 45"),
                    encoding="utf-8")
    server = LiveServer(tmp_path)
    server.extra_args = ["--site", str(site)]
    server.start()
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = ctx.new_page()
        page.goto(f"{server.url}/dat-lich")
        consent = page.locator(".bk-consent span")
        expect(consent).to_contain_text("tối đa 45 ngày")
        page.click("#lang-toggle")
        expect(consent).to_contain_text("for up to 45 days")
        assert "30" not in consent.inner_text()
    finally:
        ctx.close()
        server.stop()
