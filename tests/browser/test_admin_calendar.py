"""/admin/closures and /admin/calendar walked by an admin in chromium, every validation error
included, and what kiosks that are already open show when a unit closes, reopens (by hand and by
itself) and when today becomes a holiday."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import assert_fits, layout_problems, shot, sign_in

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CONSOLE = {"width": 1366, "height": 768}
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
REASON = "mất kết nối hệ thống một cửa điện tử"


@pytest.fixture
def pages(browser: Browser, live_server: Any) -> Iterator[Any]:
    """Open pages: ("admin", path) signed in as the admin, or ("kiosk", viewport) as kiosk-A1."""
    contexts, errors = [], []

    def open_page(kind: str, arg: Any) -> Page:
        ctx = browser.new_context(viewport=CONSOLE if kind == "admin" else arg)
        contexts.append(ctx)
        if kind == "kiosk":
            token = live_server.devices["kiosk-A1"]["token"]
            ctx.add_init_script(f"localStorage.setItem('xephang.deviceToken', '{token}')")
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        if kind == "admin":
            sign_in(page, live_server, "quantri")
            page.goto(f"{live_server.url}{arg}")
            expect(page.locator("#admin-main")).to_be_visible()
        else:
            page.goto(f"{live_server.url}/kiosk")
            expect(page.locator("#screen-units")).to_be_visible()
        return page

    yield open_page
    for ctx in contexts:
        ctx.close()
    assert errors == []


def field_error(page: Page, field: str) -> Any:
    return page.locator(f".field-error[data-for='{field}']")


def test_admin_closes_a_unit_an_open_kiosk_shows_why_and_it_reopens(pages: Any, live_server: Any,
                                                                    tmp_path: Any) -> None:
    kiosk = pages("kiosk", PORTRAIT)
    tile = kiosk.locator('.k-unit[data-unit="TP"]')
    expect(tile).to_be_enabled()
    admin = pages("admin", "/admin/closures")
    expect(admin.locator("#c-code option")).not_to_have_count(0)
    assert_fits(admin, shot(admin, "admin-closures-empty", tmp_path))
    # every validation error, next to its input
    admin.click("#close-form button[type=submit]")
    expect(field_error(admin, "reason")).to_have_text("Hãy nhập lý do (tiếng Việt).")
    admin.fill("#c-reason", REASON)
    admin.fill("#c-until", "2020-01-01T08:00")
    admin.click("#close-form button[type=submit]")
    expect(field_error(admin, "until")).to_have_text("Giờ mở lại phải sau thời điểm hiện tại.")
    expect(admin.locator("#c-until")).to_have_attribute("aria-invalid", "true")
    # close the whole unit TP, reason picked from the common ones, reopening in two hours
    admin.select_option("#c-scope", "unit")
    admin.select_option("#c-code", "TP")
    admin.select_option("#c-common", "0")
    expect(admin.locator("#c-reason")).to_have_value(REASON)
    later = datetime.now(TZ) + timedelta(hours=2)
    admin.fill("#c-until", later.strftime("%Y-%m-%dT%H:%M"))
    admin.click("#close-form button[type=submit]")
    expect(admin.locator("#done-box")).to_contain_text("Đã đóng tiếp nhận: Sở Tư pháp")
    row = admin.locator('#closures-body tr[data-target="unit:TP"]')
    expect(row).to_contain_text(REASON)
    assert_fits(admin, shot(admin, "admin-closures", tmp_path))
    # the kiosk that was already open: the tile says why and when, and takes no tap
    expect(tile).to_contain_text(f"Tạm ngưng tiếp nhận: {REASON}")
    expect(tile).to_contain_text(later.strftime("%H:%M"))
    expect(tile).to_be_disabled()
    assert_fits(kiosk, shot(kiosk, "kiosk-unit-closed-portrait", tmp_path))
    wide = pages("kiosk", LANDSCAPE)
    expect(wide.locator('.k-unit[data-unit="TP"]')).to_contain_text("Tạm ngưng tiếp nhận")
    assert_fits(wide, shot(wide, "kiosk-unit-closed-landscape", tmp_path))
    r = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "service_suspended"
    # reopen by hand
    row.locator("button").click()
    expect(admin.locator("#closures-empty")).to_be_visible()
    expect(tile).to_be_enabled()
    expect(tile).not_to_contain_text("Tạm ngưng")
    # closed until a few seconds from now: it reopens by itself, with no request
    until = (datetime.now(TZ) + timedelta(seconds=3)).isoformat(timespec="seconds")
    r = live_server.api("POST", "/api/v1/admin/closures", who="quantri",
                        json={"scope": "service", "code": "TP-LLTP", "reason": "mất điện", "until": until})
    assert r.status_code == 201, r.text
    tile.click()
    svc = kiosk.locator('.k-service[data-service="TP-LLTP"]')
    expect(svc).to_contain_text("Tạm ngưng tiếp nhận: mất điện")
    expect(svc).to_be_disabled()
    expect(kiosk.locator('.k-service[data-service="TP-QT"]')).to_be_enabled()
    expect(svc).to_be_enabled(timeout=20_000)


def test_admin_walks_the_calendar_and_a_holiday_reaches_an_open_kiosk(pages: Any, live_server: Any,
                                                                     tmp_path: Any) -> None:
    kiosk = pages("kiosk", PORTRAIT)
    admin = pages("admin", "/admin/calendar")
    year = datetime.now(TZ).year
    # the server put this year's holidays in the calendar by itself; importing again adds none
    expect(admin.locator(f'#days-body tr[data-date="{year}-01-01"]')).to_be_visible()
    expect(admin.locator("#days-empty")).to_be_hidden()
    admin.click("#import")
    expect(admin.locator("#done-box")).to_contain_text(f"Đã thêm 0 ngày lễ của năm {year}.")
    expect(admin.locator(f'#days-body tr[data-date="{year}-09-02"]')).to_contain_text("Quốc khánh")
    expect(admin.locator(f'#days-body tr[data-date="{year}-01-01"]')).to_contain_text("Tết Dương lịch")
    assert_fits(admin, shot(admin, "admin-calendar", tmp_path))
    form = admin.locator("#day-form")

    def submit() -> None:
        form.locator("button[type=submit]").click()

    admin.fill("#d-date", "30/02/2027")
    admin.fill("#d-name", "Nghỉ")
    submit()
    expect(field_error(admin, "date")).to_have_text("Ngày không hợp lệ (ví dụ 02/09/2027).")
    admin.fill("#d-date", "không phải ngày")
    submit()
    expect(field_error(admin, "date")).to_have_text("Ngày không hợp lệ (ví dụ 02/09/2027).")
    admin.fill("#d-date", "09/12/2027")
    admin.fill("#d-name", "")
    submit()
    expect(field_error(admin, "name")).to_have_text("Hãy nhập tên hoặc lý do (tiếng Việt).")
    admin.select_option("#d-kind", "working")
    expect(admin.locator("#weekday-box")).to_be_visible()
    admin.fill("#d-name", "Làm bù")
    submit()
    expect(field_error(admin, "date")).to_have_text("Ngày làm bù phải là thứ Bảy hoặc Chủ nhật.")
    admin.fill("#d-date", "04/12/2027")  # a Saturday
    admin.select_option("#d-weekday", "0")
    submit()
    expect(admin.locator('#days-body tr[data-date="2027-12-04"]')).to_contain_text("làm việc theo giờ Thứ Hai")
    admin.select_option("#d-kind", "holiday")
    admin.fill("#d-date", "04/12/2027")
    admin.fill("#d-name", "Trùng")
    submit()
    expect(field_error(admin, "date")).to_contain_text("đã có trong lịch (Làm bù)")
    # one-off closure of some units
    admin.select_option("#d-kind", "closure")
    expect(admin.locator("#units-box")).to_be_visible()
    admin.fill("#d-date", "10/12/2027")
    admin.fill("#d-name", "Tập huấn nghiệp vụ")
    admin.select_option("#d-units", ["TP", "XD"])
    submit()
    closed = admin.locator('#days-body tr[data-date="2027-12-10"]')
    expect(closed).to_contain_text("Tập huấn nghiệp vụ")
    assert set(closed.locator(".cal-sub").last.inner_text().split(", ")) == {"TP", "XD"}
    assert layout_problems(admin) == []
    # today becomes a holiday: the open kiosk says so on every unit, nothing issues
    today = datetime.now(TZ)
    admin.select_option("#d-kind", "holiday")
    admin.fill("#d-date", today.strftime("%d/%m/%Y"))
    admin.fill("#d-name", "Quốc khánh")
    admin.fill("#d-name-en", "National Day")
    submit()
    row = admin.locator(f'#days-body tr[data-date="{today.date().isoformat()}"]')
    expect(row).to_contain_text("Quốc khánh")
    tile = kiosk.locator('.k-unit[data-unit="TP"]')
    expect(tile).to_contain_text("Hôm nay nghỉ lễ Quốc khánh")
    expect(tile).to_be_disabled()
    assert_fits(kiosk, shot(kiosk, "kiosk-holiday-portrait", tmp_path))
    r = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"}, lang="en")
    assert r.status_code == 409 and r.json()["error"]["message"].startswith(
        "Today is a public holiday (National Day)")
    row.locator("button").click()
    expect(row).to_have_count(0)
    expect(tile).to_be_enabled()


def test_a_closed_unit_shows_on_an_open_board_and_floor_and_supervisors_only_read(
        browser: Browser, pages: Any, live_server: Any, tmp_path: Any) -> None:
    board_ctx = browser.new_context(viewport=LANDSCAPE)
    token = live_server.devices["board-lobby"]["token"]
    board_ctx.add_init_script(f"localStorage.setItem('xephang.deviceToken', '{token}')")
    board = board_ctx.new_page()
    board.goto(f"{live_server.url}/board")
    expect(board.locator("#conn-banner")).to_be_hidden()
    floor_ctx = browser.new_context(viewport=LANDSCAPE)
    floor = floor_ctx.new_page()
    sign_in(floor, live_server, "giamsat")
    floor.goto(f"{live_server.url}/floor")
    expect(floor.locator("#conn-banner")).to_be_hidden()
    r = live_server.api("POST", "/api/v1/admin/closures", who="quantri",
                        json={"scope": "unit", "code": "TP", "reason": REASON})
    assert r.status_code == 201, r.text
    expect(board.locator('#waiting-list li[data-unit="TP"] .count')).to_have_text("Tạm ngưng tiếp nhận")
    shot(board, "board-unit-closed", tmp_path)
    assert layout_problems(board, skip="#notice") == []  # the notice scrolls by design
    expect(floor.locator('#alerts li[data-kind="suspended"]').first).to_contain_text(
        f"Tạm ngưng tiếp nhận: {REASON}")
    # the supervisor sees the closures page read-only: no form, no reopen button
    floor.goto(f"{live_server.url}/admin/closures")
    expect(floor.locator("#readonly-note")).to_be_visible()
    expect(floor.locator('#closures-body tr[data-target="unit:TP"]')).to_contain_text(REASON)
    expect(floor.locator("#close-form")).to_be_hidden()
    expect(floor.locator('#closures-body tr[data-target="unit:TP"] button')).to_be_hidden()
    assert_fits(floor, shot(floor, "admin-closures-supervisor", tmp_path))
    # the staff-assisted page says the same, and its number is refused
    assist_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    assist = assist_ctx.new_page()
    assist.goto(f"{live_server.url}/assist")
    assist.fill("#as-username", "giamsat")
    assist.fill("#as-password", live_server.users["giamsat"]["password"])
    assist.click("#as-login button[type=submit]")
    expect(assist.locator("#as-main")).to_be_visible()
    assist.fill("#as-search", "ly lich")
    expect(assist.locator('#as-services [data-service="TP-LLTP"]')).to_contain_text(
        f"Tạm ngưng tiếp nhận: {REASON}")
    shot(assist, "assist-service-closed", tmp_path)
    for ctx in (board_ctx, floor_ctx, assist_ctx):
        ctx.close()
