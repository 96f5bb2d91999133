"""/admin/audit in a real chromium against the real server, as an admin: an officer's call and a
supervisor's action appear with who, when and from where; filters, paging, CSV and errors work."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import issue, layout_problems, shot, sign_in

ADMIN = "quantri"
CALLS = 55


def act(live_server: Any, who: str, counter: int, action: str, **body: Any) -> dict[str, Any]:
    r = live_server.api("POST", f"/api/v1/counters/{counter}/{action}", who=who, json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.fixture
def audit_page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """The audit page at the console size, signed in as the admin (cookie from the login API)."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                              accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, ADMIN)
    yield page
    assert errors == []
    ctx.close()


def test_an_admin_reads_filters_pages_and_exports_the_trail(audit_page: Page, live_server: Any,
                                                            tmp_path: Path) -> None:
    page = audit_page
    for who in ("canbo18", "canbo17", "giamsat"):  # their logins first: older than their actions
        live_server.token(who)
    for _ in range(CALLS):
        issue(live_server, "TP-LLTP")
    ticket = issue(live_server, "TP-LLTP")
    for _ in range(CALLS):  # the officer of counter 18 calls: more than one page in all
        act(live_server, "canbo18", 18, "call-next")
    called = act(live_server, "canbo17", 17, "call", number=ticket["number"])["ticket"]
    act(live_server, "giamsat", 20, "open")  # a supervisor opens another officer's counter
    page.goto(f"{live_server.url}/admin/audit")

    rows = page.locator("#audit-rows tr")
    newest = rows.first
    expect(newest.locator(".who-name")).to_have_text("Giám sát viên")
    expect(newest.locator(".col-what")).to_have_text("Mở quầy")
    expect(newest.locator(".col-target")).to_have_text("Quầy 20")
    expect(newest.locator(".col-where")).to_have_text("127.0.0.1")
    expect(newest.locator(".col-changes")).to_contain_text("Trạng thái quầy: Đã đóng → Đang mở")
    call = rows.nth(1)
    expect(call.locator(".who-name")).to_have_text("Cán bộ quầy 17")
    expect(call.locator(".col-what")).to_have_text("Gọi một số cụ thể")
    expect(call.locator(".col-changes")).to_contain_text(f"Vé {called['number']} · Trạng thái: "
                                                         "Đang chờ → Đã gọi")
    today = date.fromisoformat(called["day"])
    day_shown = today.strftime("%d/%m/%Y")
    expect(call.locator(".col-at")).to_contain_text(day_shown)
    assert layout_problems(page, vertical=False) == []
    shot(page, "admin-audit-1366", tmp_path)

    # Paging: the first page shows 50; "Xem thêm" brings the rest, none twice. In all: four
    # logins (three officers' API logins and the admin's), the calls, the supervisor's opening,
    # and the server adding this year's and next year's public holidays at its start (two).
    expect(rows).to_have_count(50)
    expect(page.locator("#audit-summary")).to_have_text("Đang hiện 50 mục mới nhất.")
    page.click("#audit-more")
    expect(page.locator("#audit-more")).to_be_hidden()
    expect(page.locator("#audit-summary")).to_have_text(f"{CALLS + 8} mục (đã hiện hết).")
    ids = [rows.nth(i).get_attribute("data-id") for i in range(CALLS + 8)]
    assert len(set(ids)) == CALLS + 8

    # By person: the officer of counter 18 only (his login and his calls).
    page.select_option("#audit-actor", label="Cán bộ quầy 18")
    page.click("#audit-filters button[type=submit]")
    expect(page.locator("#audit-summary")).to_have_text("Đang hiện 50 mục mới nhất.")
    page.click("#audit-more")
    expect(page.locator("#audit-summary")).to_have_text(f"{CALLS + 1} mục (đã hiện hết).")
    assert set(page.locator("#audit-rows .who-name").all_text_contents()) == {"Cán bộ quầy 18"}
    # By kind (grouped): a whole group, then one kind, for everyone.
    page.select_option("#audit-actor", "")
    page.select_option("#audit-kind", "auth.login")
    page.click("#audit-filters button[type=submit]")
    expect(rows.first.locator(".col-what")).to_have_text("Đăng nhập thành công")
    assert set(page.locator("#audit-rows .col-what").all_text_contents()) == {"Đăng nhập thành công"}
    page.select_option("#audit-kind", "counter")
    page.fill("#audit-from", today.isoformat())
    page.fill("#audit-to", today.isoformat())
    page.click("#audit-filters button[type=submit]")
    expect(page.locator("#audit-summary")).to_have_text("Đang hiện 50 mục mới nhất.")

    # CSV: the same filtered trail, UTF-8 with BOM, Vietnamese intact.
    with page.expect_download() as info:
        page.click("#audit-csv")
    download = info.value
    assert download.suggested_filename == f"nhat-ky-xephang-{today}_{today}.csv"
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Mã mục,Thời điểm,Người thực hiện")
    assert len(lines) == 1 + CALLS + 2 and "Giám sát viên" in lines[1] and "Mở quầy" in lines[1]
    assert "Đăng nhập" not in text

    # A bad range: a clear message next to the field, nothing changes in the list.
    page.fill("#audit-from", (today + timedelta(days=1)).isoformat())
    page.click("#audit-filters button[type=submit]")
    expect(page.locator(".field-error[data-for=to]")).to_have_text(
        "Ngày bắt đầu phải trước hoặc trùng ngày kết thúc.")
    expect(page.locator("#audit-to")).to_have_attribute("aria-invalid", "true")
    expect(rows).to_have_count(50)
    shot(page, "admin-audit-bad-range", tmp_path)
    assert layout_problems(page, vertical=False) == []

    # English: the same entries in English words.
    page.fill("#audit-from", "")
    page.click("#lang-toggle")
    expect(page.locator("#audit-summary")).to_contain_text("entries")
    expect(rows.first.locator(".col-what")).to_have_text("Open counter")
    expect(rows.first.locator(".col-changes")).to_contain_text("Counter state: Closed → Open")
    assert layout_problems(page, vertical=False) == []
    shot(page, "admin-audit-en", tmp_path)


def test_a_mistyped_year_is_refused_with_a_clear_message(audit_page: Page, live_server: Any) -> None:
    page = audit_page
    page.goto(f"{live_server.url}/admin/audit")
    # the admin's login, and this year's and next year's holidays added at the server's start
    expect(page.locator("#audit-summary")).to_have_text("3 mục (đã hiện hết).")
    page.fill("#audit-from", "20265-01-01")  # one digit too many in the year: the picker takes it
    page.click("#audit-filters button[type=submit]")
    message = page.locator(".field-error[data-for=from]")
    expect(message).to_have_text("Ngày không hợp lệ: 20265-01-01. Hãy nhập theo dạng năm-tháng-ngày, "
                                 "ví dụ 2026-12-01.")
    expect(page.locator("#audit-from")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-box")).to_be_visible()
    page.fill("#audit-from", "2026-02-28")  # a real day: the error goes, the list answers
    page.click("#audit-filters button[type=submit]")
    expect(message).to_have_text("")
    expect(page.locator("#error-box")).to_be_hidden()


def test_a_department_head_sees_and_exports_only_her_units(browser: Browser, live_server: Any,
                                                            tmp_path: Path) -> None:
    import sqlite3
    for who in ("canbo18", "canbo24", "giamsat"):
        live_server.token(who)
    issue(live_server, "TP-LLTP")
    issue(live_server, "NV-GPLD")
    act(live_server, "canbo18", 18, "call-next")  # counter 18: Sở Tư pháp (TP)
    act(live_server, "canbo24", 24, "call-next")  # counter 24: Sở Nội vụ (NV)
    with sqlite3.connect(live_server.db) as conn:  # a-people's page sets this; here by hand
        conn.execute("""UPDATE users SET units='["NV"]' WHERE username='giamsat'""")
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = ctx.new_page()
    sign_in(page, live_server, "giamsat")
    page.goto(f"{live_server.url}/admin/audit")
    expect(page.locator("#readonly-note")).to_be_visible()
    targets = page.locator("#audit-rows .col-target")
    expect(targets.first).to_be_visible()
    # Counter 24's call, her officer's login (about her unit's staff) and her own two logins.
    expect(page.locator("#audit-summary")).to_have_text("4 mục (đã hiện hết).")
    assert sorted(targets.all_text_contents()) == ["Cán bộ quầy 24", "Giám sát viên",
                                                   "Giám sát viên", "Quầy 24"]
    people = page.locator("#audit-actor option").all_text_contents()
    assert "Cán bộ quầy 24" in people and "Cán bộ quầy 18" not in people
    with page.expect_download() as info:
        page.click("#audit-csv")
    text = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    assert "Quầy 24" in text and "Quầy 18" not in text and "Cán bộ quầy 18" not in text
    assert layout_problems(page, vertical=False) == []
    shot(page, "admin-audit-scoped-supervisor", tmp_path)
    ctx.close()
