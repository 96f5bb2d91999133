"""The /reports page in a real chromium against the real server: the table shows what the API
answers, the CSV and XLSX downloads work, a supervisor scoped to one unit sees and exports only
hers, the page fits the console screen and prints without its controls."""
from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import api_login, issue, layout_problems, shot, sign_in


def act(live_server: Any, who: str, counter: int, action: str) -> dict[str, Any]:
    r = live_server.api("POST", f"/api/v1/counters/{counter}/{action}", token=api_login(live_server, who),
                        json={})
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.fixture
def today(live_server: Any) -> None:
    """A morning's activity: TP (counter 18) and NV (counter 24) serve, one cancelled, one rated."""
    for _ in range(3):
        issue(live_server, "TP-LLTP")
    for _ in range(2):
        issue(live_server, "NV-GPLD")
    act(live_server, "canbo18", 18, "open")
    for _ in range(2):
        act(live_server, "canbo18", 18, "call-next")
        act(live_server, "canbo18", 18, "start")
        act(live_server, "canbo18", 18, "complete")
    act(live_server, "canbo24", 24, "call-next")
    act(live_server, "canbo24", 24, "no-show")


def open_reports(browser: Browser, live_server: Any, who: str) -> tuple[Any, Page]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, who)
    page.goto(f"{live_server.url}/reports?period=day")
    expect(page.locator("#report-table tbody tr").first).to_be_visible()
    page.errors = errors  # type: ignore[attr-defined]
    return ctx, page


@pytest.fixture
def admin_page(browser: Browser, live_server: Any, today: None) -> Iterator[Page]:
    ctx, page = open_reports(browser, live_server, "quantri")
    yield page
    assert page.errors == []  # type: ignore[attr-defined]
    ctx.close()


def api_report(page: Page, live_server: Any, query: str) -> dict[str, Any]:
    r = page.request.get(f"{live_server.url}/api/v1/reports?{query}")
    assert r.ok, r.text()
    return dict(r.json())


def table(page: Page) -> list[list[str]]:
    return [[c.strip() for c in row] for row in page.locator("#report-table tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")]


def test_the_table_shows_what_the_api_answers(admin_page: Page, live_server: Any, tmp_path: Any) -> None:
    page = admin_page
    day = page.locator("#r-from").input_value()
    assert page.locator("#r-to").input_value() == day
    page.select_option("#r-group", "service")
    expect(page.locator("#report-table thead th").first).to_have_text("Dịch vụ")
    data = api_report(page, live_server, f"from={day}&to={day}&group=service")
    expect(page.locator("#report-table tbody tr")).to_have_count(len(data["rows"]))
    rows = table(page)
    for shown, row in zip(rows, data["rows"]):
        assert shown[0] == row["label"]
        assert shown[1:7] == [str(row[f]) for f in ("issued", "served", "no_show", "transferred",
                                                   "cancelled", "not_served")]
        assert shown[8] == ("—" if row["wait_p50_min"] is None else str(row["wait_p50_min"]))
    assert len(rows) == 2  # TP-LLTP and NV-GPLD
    total = page.locator("#report-table tfoot tr").evaluate("r => Array.from(r.cells).map(c => c.textContent)")
    assert total[0] == "Tổng cộng" and total[1] == "5" and total[2] == "2" and total[3] == "1"
    expect(page.locator("#chart-arrivals svg rect.bar").first).to_be_visible()
    hour = data["rows"][0] and api_report(page, live_server, f"from={day}&to={day}&charts=1")[
        "charts"]["wait_by_hour"][0]["hour"]
    expect(page.locator("#chart-wait svg")).to_be_visible()
    expect(page.locator("#chart-wait svg text", has_text=f"{hour}h")).to_have_count(1)
    shot(page, "reports-vi-1366", tmp_path)
    assert layout_problems(page, vertical=False) == []
    page.click("#lang-toggle")
    expect(page.locator("#report-table thead th").first).to_have_text("Service")
    expect(page.locator("#report-table tfoot th").first).to_have_text("Total")
    assert layout_problems(page, vertical=False) == []
    shot(page, "reports-en-1366", tmp_path)


def test_csv_and_xlsx_download(admin_page: Page, tmp_path: Any) -> None:
    from openpyxl import load_workbook
    page = admin_page
    with page.expect_download() as d:
        page.click("#r-csv")
    data = open(d.value.path(), "rb").read()
    assert d.value.suggested_filename.endswith("_unit.csv")
    text = data.decode("utf-8")
    assert text.startswith("\ufeffMã,Nhóm,Số phiếu cấp") and "Sở Tư pháp" in text and "Tổng cộng" in text
    with page.expect_download() as d:
        page.click("#r-xlsx")
    wb = load_workbook(io.BytesIO(open(d.value.path(), "rb").read()))
    assert wb.sheetnames[0] == "Theo đơn vị" and len(wb.sheetnames) == 6
    assert [c.value for c in wb["Theo đơn vị"][5]][1] == "Sở Tư pháp"


def test_a_wrong_date_is_shown_next_to_its_field(admin_page: Page) -> None:
    page = admin_page
    page.fill("#r-to", "2020-01-01")
    page.click("#r-show")
    expect(page.locator(".field-error[data-for='to']")).to_have_text(
        "Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    expect(page.locator("#r-to")).to_have_attribute("aria-invalid", "true")


def test_the_printed_report_has_no_controls(admin_page: Page, tmp_path: Any) -> None:
    page = admin_page
    page.emulate_media(media="print")
    expect(page.locator("#report-form")).to_be_hidden()
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#report-title")).to_be_visible()
    shot(page, "reports-print", tmp_path)


def test_a_scoped_supervisor_sees_and_exports_only_her_unit(browser: Browser, live_server: Any,
                                                           today: None, tmp_path: Any) -> None:
    raw = sqlite3.connect(live_server.db)
    raw.execute("UPDATE users SET units='[\"TP\"]' WHERE username='giamsat'")
    raw.commit()
    raw.close()
    ctx, page = open_reports(browser, live_server, "giamsat")
    expect(page.locator("#report-table tbody tr")).to_have_count(1)
    assert table(page)[0][0] == "Sở Tư pháp"
    assert page.locator("#r-unit option").all_text_contents() == ["Tất cả", "Sở Tư pháp"]
    expect(page.locator("#report-scope")).to_contain_text("Sở Tư pháp")
    with page.expect_download() as d:
        page.click("#r-csv")
    text = open(d.value.path(), "rb").read().decode("utf-8")
    assert "Sở Tư pháp" in text and "Sở Nội vụ" not in text
    day = page.locator("#r-from").input_value()
    other = page.request.get(f"{live_server.url}/api/v1/reports?from={day}&to={day}&unit=NV&format=csv")
    assert other.status == 403
    shot(page, "reports-scoped", tmp_path)
    assert page.errors == []  # type: ignore[attr-defined]
    ctx.close()
