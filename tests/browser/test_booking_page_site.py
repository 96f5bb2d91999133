"""Issue 9: a ward's citizen books from the ward's ticket page on a phone-sized chromium: the
booking link opens the ward's /dat-lich?site=CODE, which lists the ward's service (its own name),
verifies the phone by the ward's SMS and books the ward's slot; the confirmation page opened again
by its link stays the ward's."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Browser, expect

from tests.browser.helpers import layout_problems, shot
from tests.browser.test_booking_page import PHONE, sms_server  # noqa: F401 (the fixture)
from tests.conftest import DEMO_PASSWORD, LiveServer
from tests.support.fake_sms import FakeSmsGateway
from tests.test_site_scoping import SERVICE, add_site_b

WARD = "phuong-ben-thanh"
B_NAME = "Lý lịch tư pháp (phường Bến Thành)"


def test_a_wards_citizen_books_the_wards_slot_from_its_ticket_page(
        browser: Browser, sms_server: tuple[LiveServer, FakeSmsGateway], tmp_path: Path) -> None:
    server, gateway = sms_server
    ward = add_site_b(server.db, DEMO_PASSWORD)  # a ward added while the server runs
    conn = sqlite3.connect(server.db)
    with conn:
        conn.execute("UPDATE services SET name=? WHERE site_id=2 AND code=?", (B_NAME, SERVICE))
    conn.close()
    r = requests.post(f"{server.url}/api/v1/tickets", json={"service": SERVICE}, timeout=10,
                      headers={"Authorization": f"Bearer {ward['kiosk']}"})
    assert r.status_code == 201, r.text
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = ctx.new_page()
        page.goto(f"{server.url}/t/{r.json()['token']}")
        page.click("#tp-book-link")
        expect(page.locator("h1")).to_have_text("Đặt lịch hẹn")
        assert page.url.endswith(f"/dat-lich?site={WARD}")
        page.get_by_role("button", name="Sở Tư pháp").click()
        expect(page.locator("#services")).to_contain_text(B_NAME)
        expect(page.locator("#services")).to_contain_text("Hôm nay đang chờ: 1")  # the ward's
        assert layout_problems(page, vertical=False) == []
        page.get_by_role("button", name=re.compile(re.escape(B_NAME))).click()
        days = page.locator("#days button:enabled")
        expect(days.first).to_be_visible(timeout=15000)
        days.first.click()
        page.locator("#slots button:enabled").first.click()
        page.fill("#phone", "0912 345 678")
        page.check("#consent")
        page.click("#send-code")
        expect(page.locator("#code-form")).to_be_visible()
        page.fill("#code", gateway.code_for("+84912345678"))
        page.click("#confirm")
        expect(page.locator("#done-title")).to_have_text("Đã đặt lịch")
        expect(page.locator("#bk-service")).to_have_text(B_NAME)
        page.wait_for_function("() => document.getElementById('bk-qr').naturalWidth > 0")
        assert layout_problems(page, vertical=False) == []
        shot(page, "booking-ward-confirmed", tmp_path)
        check_in = page.locator("#bk-code").inner_text()
        assert any(check_in in m["text"] and B_NAME in m["text"] for m in gateway.wait_for(2))
        page.reload()  # its own link: the booking's token names the ward
        expect(page.locator("#bk-service")).to_have_text(B_NAME)
        expect(page.locator("#bk-code")).to_have_text(check_in)
    finally:
        ctx.close()
    conn = sqlite3.connect(server.db)
    sites = dict(conn.execute("SELECT code, site_id FROM bookings"))
    conn.close()
    assert sites == {check_in: 2}  # the ward's booking; the centre has none
