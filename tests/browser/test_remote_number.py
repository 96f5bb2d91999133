"""Issue 10: a number from home on a phone-sized chromium: take it on /dat-lich with the phone code
from the fake SMS gateway, watch people ahead and the estimate on its page, check in at a kiosk
page by typing the code the way a barcode scanner does (keys and Enter, no field focused), be
called, and receive the SMS at the fake gateway."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, expect

from tests.browser.helpers import issue, layout_problems, shot
from tests.browser.test_booking_page import PHONE, sms_server  # noqa: F401 - fixture by name
from tests.conftest import LiveServer
from tests.support.fake_sms import FakeSmsGateway

KIOSK = {"width": 1080, "height": 1920}


def test_take_a_number_from_home_watch_it_check_in_by_scanner_and_be_called(
        browser: Browser, sms_server: tuple[LiveServer, FakeSmsGateway],  # noqa: F811
        tmp_path: Path) -> None:
    server, gateway = sms_server
    walk_ins = [issue(server) for _ in range(2)]
    phone_ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    kiosk_ctx = browser.new_context(viewport=KIOSK)
    try:
        page = phone_ctx.new_page()
        page.goto(f"{server.url}/dat-lich")
        page.get_by_role("button", name="Sở Tư pháp").click()
        page.get_by_role("button", name="Lý lịch tư pháp").click()
        expect(page.locator("#remote-now")).to_contain_text("Lấy số hôm nay từ xa")
        expect(page.locator("#days button:enabled").first).to_be_visible(timeout=15000)
        assert layout_problems(page, vertical=False) == []
        shot(page, "remote-phone-choose", tmp_path)
        page.click("#remote-now")
        page.fill("#phone", "0912 345 678")
        page.check("#consent")
        page.click("#send-code")
        expect(page.locator("#code-form")).to_be_visible()
        page.fill("#code", gateway.code_for("+84912345678"))
        page.click("#confirm")
        # its own ticket page: not checked in, two ahead, an estimate and when to leave home
        page.wait_for_url(re.compile(r"/t/[^/]+$"))
        expect(page.locator("#tp-status")).to_have_text("Chưa check-in")
        expect(page.locator("#tp-ahead")).to_have_text("2")
        expect(page.locator("#tp-wait")).not_to_be_empty()
        expect(page.locator("#tp-leave")).to_contain_text("rời nhà")
        code = page.locator("#tp-remote-code").inner_text()
        assert re.fullmatch(r"[A-Z0-9]{6}", code), code
        number = page.locator("#tp-number").inner_text()
        qr_img = page.locator("#tp-remote-qr")
        expect(qr_img).to_have_js_property("complete", True)
        assert qr_img.evaluate("e => e.naturalWidth") > 0
        qr = Image.open(io.BytesIO(qr_img.screenshot()))
        assert [r.text for r in zxingcpp.read_barcodes(qr)] == [code]  # what a scanner types
        assert "0912" not in page.content() and "912345678" not in page.content()
        assert layout_problems(page, vertical=False) == []
        shot(page, "remote-phone-away", tmp_path)
        assert number in gateway.wait_text("+84912345678", code)  # the code came by SMS too

        # a counter calls the walk-ins' first: one fewer ahead, live
        token = server.token("canbo18")
        call = lambda: server.api("POST", "/api/v1/counters/18/call-next", token=token)  # noqa: E731
        assert call().json()["ticket"]["number"] == walk_ins[0]["number"]
        expect(page.locator("#tp-ahead")).to_have_text("1")

        # at the kiosk: the scanner types the code and Enter, with no field focused
        kiosk_ctx.add_init_script("localStorage.setItem('xephang.deviceToken', "
                                  f"{json.dumps(server.devices['kiosk-A1']['token'])})")
        kiosk = kiosk_ctx.new_page()
        kiosk.goto(f"{server.url}/kiosk")
        expect(kiosk.locator("#screen-units")).to_be_visible()
        expect(kiosk.locator("#checkin-code")).to_be_visible()
        assert layout_problems(kiosk) == []
        kiosk.locator("#screen-units .k-title").click()  # nothing focused but the page
        kiosk.keyboard.type(code.lower(), delay=15)
        kiosk.keyboard.press("Enter")
        expect(kiosk.locator("#screen-result")).to_be_visible()
        expect(kiosk.locator("#result-number")).to_have_text(number)
        shot(kiosk, "remote-kiosk-checked-in", tmp_path)
        expect(page.locator("#tp-status")).to_have_text("Đang chờ")
        expect(page.locator("#tp-remote")).to_be_hidden()

        # typing the same code again in the field: already checked in, in words
        kiosk.locator("[data-action=done]").click()
        kiosk.fill("#checkin-code", code)
        kiosk.press("#checkin-code", "Enter")
        expect(kiosk.locator("#error-msg")).to_contain_text("đã được check-in")

        # called: the page says where, and the SMS reaches the fake gateway
        assert call().json()["ticket"]["number"] == walk_ins[1]["number"]
        assert call().json()["ticket"]["number"] == number
        expect(page.locator("#tp-call")).to_be_visible()
        expect(page.locator("#tp-call-big")).to_contain_text("18")
        shot(page, "remote-phone-called", tmp_path)
        gateway.wait_text("+84912345678", f"Mời số {number} đến quầy 18")
    finally:
        phone_ctx.close()
        kiosk_ctx.close()
