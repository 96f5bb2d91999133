"""Issue 10 on the staff pages in chromium: the console (1366×768) marks a checked-in number from
home and counts those not checked in; the floor view (1920×1080) lists today's appointments per
service and slot with their no-shows."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, expect

from server.services.context import now_local, stamp
from server.store import Database
from server.store import citizens as rows
from tests.booking_race_workers import make_citizens
from tests.browser.helpers import api_login, layout_problems, shot, sign_in


def _remote_codes(live_server: Any, n: int) -> list[str]:
    codes = []
    for token in make_citizens(str(live_server.db), n):
        r = live_server.api("POST", "/api/v1/public/remote-tickets", token=token,
                            json={"service": "TP-LLTP"})
        assert r.status_code == 201, r.text
        codes.append(r.json()["code"])
    return codes


def _missed_appointment(live_server: Any, service: str = "TP-LLTP") -> None:
    """An appointment of today at 00:00, never checked in (its late window has closed)."""
    db = Database(live_server.db)
    now = now_local()
    with db.write() as conn:
        rows.add_booking(conn, {"kind": "appointment", "code": secrets.token_hex(3).upper(),
                                "token": secrets.token_urlsafe(18), "service": service,
                                "day": now.date().isoformat(), "start": "00:00", "end": "00:30",
                                "phone_hash": None, "status": "booked", "created_at": stamp(now),
                                "changed_at": stamp(now)})
    db.close()


def _signed_in(browser: Browser, live_server: Any, user: str, viewport: dict[str, int]) -> Any:
    ctx = browser.new_context(viewport=viewport)
    page = ctx.new_page()
    sign_in(page, live_server, user)
    return ctx, page


def test_console_and_floor_show_numbers_from_home_and_appointments(
        browser: Browser, live_server: Any, tmp_path: Path) -> None:
    checked, away = _remote_codes(live_server, 2)
    r = live_server.api("POST", "/api/v1/checkin", who="kiosk-A1", json={"code": checked})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    _missed_appointment(live_server)
    token = api_login(live_server, "canbo18")
    live_server.api("POST", "/api/v1/counters/18/open", token=token, json={})

    ctx, page = _signed_in(browser, live_server, "canbo18", {"width": 1366, "height": 768})
    try:
        page.goto(f"{live_server.url}/console?counter=18")
        item = page.locator("#next-list li", has_text=number)
        expect(item.locator(".channel")).to_have_text("Từ xa · đã check-in")
        expect(page.locator("#next-away")).to_have_text("1 số lấy từ xa chưa check-in (chưa được gọi)")
        assert layout_problems(page) == []
        shot(page, "remote-console", tmp_path)
    finally:
        ctx.close()

    ctx, page = _signed_in(browser, live_server, "giamsat", {"width": 1920, "height": 1080})
    try:
        page.goto(f"{live_server.url}/floor")
        row = page.locator("#appointments-body tr")
        expect(row).to_have_count(1)
        expect(row.locator("td")).to_have_text(["Lý lịch tư pháp", "00:00–00:30", "1", "0", "1"])
        expect(page.locator("#remote-line")).to_have_text(
            "Số lấy từ xa: 2 · đã check-in 1 · hết hạn 0")
        page.click("#lang-toggle")
        expect(page.locator("#remote-line")).to_have_text(
            "Numbers from home: 2 · checked in 1 · expired 0")
        page.locator("#appointments-panel").scroll_into_view_if_needed()
        shot(page, "remote-floor", tmp_path)
        # Live: a check-in and a new number from home show within seconds (booking.changed), not
        # at the panel's 30 s reread.
        r = live_server.api("POST", "/api/v1/checkin", who="kiosk-A1", json={"code": away})
        assert r.status_code == 201, r.text
        _remote_codes(live_server, 1)
        expect(page.locator("#remote-line")).to_have_text(
            "Numbers from home: 3 · checked in 2 · expired 0", timeout=10_000)
    finally:
        ctx.close()


def test_a_guide_checks_a_code_in_at_assist(browser: Browser, live_server: Any,
                                            tmp_path: Path) -> None:
    from tests.browser.test_assist import TABLET, sign_in
    [code] = _remote_codes(live_server, 1)
    ctx = browser.new_context(viewport=TABLET)
    try:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/assist")
        sign_in(page, live_server)
        page.fill("#as-checkin-code", code.lower())
        page.press("#as-checkin-code", "Enter")  # a scanner ends with Enter
        expect(page.locator("#as-checkin-msg")).to_contain_text("Đã check-in: số 1001 (Lý lịch tư pháp)")
        page.fill("#as-checkin-code", code)
        page.press("#as-checkin-code", "Enter")
        expect(page.locator("#as-checkin-msg")).to_have_text("Mã này đã được check-in (số 1001).")
        page.fill("#as-checkin-code", "ZZZZZZ")
        page.press("#as-checkin-code", "Enter")
        expect(page.locator("#as-checkin-msg")).to_contain_text("Không tìm thấy mã check-in")
        page.locator("#as-checkin").scroll_into_view_if_needed()
        shot(page, "remote-assist-checkin", tmp_path)
        assert errors == []
    finally:
        ctx.close()
