"""The site configuration pages in a real chromium against the real server, at the console size
(1366×768): an administrator walks each page, meets every validation message next to its field,
and an open kiosk and board follow the changes without a reload; a supervisor only reads."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from server.i18n import message
from tests.browser.helpers import api_login, assert_fits, issue, shot, sign_in

CONSOLE = {"width": 1366, "height": 768}
NEW = {"code": "TP-CC", "name": "Chứng thực bản sao", "name_en": "Certified copies",
       "first_number": "9801", "last_number": "9900"}


@pytest.fixture
def admin(browser: Browser, live_server: Any) -> Iterator[Any]:
    """Open an /admin/site tab signed in as a demo user (the administrator by default)."""
    made: list[Any] = []

    def open_tab(tab: str, who: str = "quantri") -> Page:
        ctx = browser.new_context(viewport=CONSOLE)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        made.append((ctx, errors))
        sign_in(page, live_server, who)
        page.goto(f"{live_server.url}/admin/site/{tab}")
        expect(page.locator("#admin-main")).to_be_visible()
        expect(page.locator(".sc-list tbody tr").first).to_be_visible()
        return page

    yield open_tab
    for ctx, errors in made:
        assert errors == []
        ctx.close()


def vi(code: str, **params: Any) -> str:
    return message(code, "vi", **params)


def add(page: Page, kind: str) -> None:
    page.locator(f'.sc-list[data-kind="{kind}"] [data-act="add"]').click()
    expect(page.locator("#sc-form")).to_be_visible()


def edit(page: Page, kind: str, key: str) -> None:
    page.locator(f'.sc-list[data-kind="{kind}"] tr[data-key="{key}"] [data-act="edit"]').click()
    expect(page.locator("#sc-form")).to_be_visible()


def fill(page: Page, fields: dict[str, Any]) -> None:
    form = page.locator("#sc-form")
    for name, value in fields.items():
        box = form.locator(f'[name="{name}"]')
        if isinstance(value, bool):
            box.set_checked(value)
        elif isinstance(value, list):  # an ordered pick list: clear it, then add in order
            while form.locator(f'[data-pick="{name}"] li button[aria-label]').count():
                form.locator(f'[data-pick="{name}"] li').last.locator("button").last.click()
            for v in value:
                box.select_option(str(v))
        elif box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(str(value))
        else:
            box.fill(str(value))


def refused(page: Page, field: str, text: str) -> None:
    """Save, and the message shows next to the field (and in the error box)."""
    page.locator("#sc-form [type=submit]").click()
    expect(page.locator(f'#sc-form .field-error[data-for="{field}"]')).to_have_text(text)
    expect(page.locator("#error-box")).to_have_text(text)
    expect(page.locator(f'#sc-form [name="{field}"]')).to_have_attribute("aria-invalid", "true")


def saved(page: Page) -> None:
    page.locator("#sc-form [type=submit]").click()
    expect(page.locator("#done-box")).to_be_visible()
    expect(page.locator("#sc-form")).to_be_hidden()


def act(page: Page, kind: str, key: str, what: str) -> None:
    page.locator(f'.sc-list[data-kind="{kind}"] tr[data-key="{key}"] [data-act="{what}"]').click()


def test_services_page_with_every_validation_message(admin: Any, live_server: Any, tmp_path: Any) -> None:
    page = admin("services")
    assert_fits(page, shot(page, "admin-site-services", tmp_path))
    add(page, "service")
    assert_fits(page, shot(page, "admin-site-service-form", tmp_path))
    fill(page, {**NEW, "unit": "TP", "zone": "A1", "hours_profile": "weekdays", "counters": [18]})
    cases = [
        ({"code": "mã sai"}, "code", vi("bad_code")),
        ({"code": "TP-LLTP"}, "code", vi("duplicate_code", value="TP-LLTP")),
        ({"code": "TP-CC", "name": ""}, "name", vi("field_required")),
        ({"name": "x" * 161}, "name", vi("field_too_long", limit=160)),
        ({"name": NEW["name"], "name_en": " "}, "name_en", vi("field_required")),
        ({"name_en": NEW["name_en"], "prefix": "9"}, "prefix", vi("bad_prefix")),
        ({"prefix": "A"}, "prefix", vi("number_prefix", other="XD-GPXD", prefix="")),
        ({"prefix": "", "first_number": "một"}, "first_number", vi("not_whole_number", low=0, high=999999)),
        ({"first_number": "9801", "width": "0"}, "width", vi("not_whole_number", low=1, high=6)),
        ({"width": "4", "last_number": "9000"}, "last_number", vi("last_before_first")),
        ({"first_number": "1700", "last_number": "1750"}, "first_number",
         vi("number_overlap", other="TP-LLTP", prefix="", first=1001, last=1800)),
        ({"first_number": "9801", "last_number": "9900", "daily_cap": "-5"}, "daily_cap",
         vi("not_whole_number", low=0, high=100000)),
        ({"daily_cap": "0", "wait_target_min": "999"}, "wait_target_min",
         vi("not_whole_number", low=0, high=600)),
        ({"wait_target_min": "20", "service_minutes": "0"}, "service_minutes", vi("not_a_number")),
        ({"service_minutes": "8", "counters": [18, 5]}, "counters", vi("counter_other_zone", counter=5, zone="A")),
    ]
    for fields, field, text in cases:
        fill(page, fields)
        refused(page, field, text)
    fill(page, {"counters": [18, 19]})
    saved(page)
    row = page.locator('.sc-list[data-kind="service"] tr[data-key="TP-CC"]')
    expect(row).to_contain_text("9801–9900")
    expect(row).to_contain_text("18, 19")
    # today's numbers and waiting tickets hold the service where it is
    issue(live_server, "TP-CC")
    issue(live_server, "TP-CC")
    edit(page, "service", "TP-CC")
    fill(page, {"first_number": "9811"})
    refused(page, "first_number", vi("numbers_in_use_today", issued=2))
    fill(page, {"first_number": "9801", "last_number": "9801"})
    refused(page, "last_number", vi("last_below_issued", issued=2, number=9802))
    fill(page, {"last_number": "9900", "counters": []})
    refused(page, "counters", vi("has_open_tickets", n=2))
    fill(page, {"zone": "A2"})
    refused(page, "zone", vi("has_open_tickets", n=2))
    fill(page, {"zone": "A1", "counters": [19], "name": "Chứng thực bản sao giấy tờ",
                "accepts_priority": False})
    saved(page)
    expect(row).to_contain_text("Chứng thực bản sao giấy tờ")
    act(page, "service", "TP-CC", "retire")
    expect(page.locator("#error-box")).to_have_text(vi("has_open_tickets", n=2))
    assert_fits(page)


def test_counters_page(admin: Any, live_server: Any, tmp_path: Any) -> None:
    # TP-QT waits at counter 22 only (and 17): take 17 out of the picture with a ticket
    r = live_server.api("POST", "/api/v1/admin/site/service", who="quantri", json={
        **NEW, "unit": "TP", "zone": "A1", "hours_profile": "weekdays", "first_number": 9801,
        "last_number": 9900, "daily_cap": 0, "wait_target_min": 20, "width": 4, "counters": [18]})
    assert r.status_code == 201, r.text
    issue(live_server, "TP-CC")
    page = admin("counters")
    assert_fits(page, shot(page, "admin-site-counters", tmp_path))
    add(page, "counter")
    fill(page, {"number": "17", "zone": "A1"})
    refused(page, "number", vi("duplicate_code", value=17))
    fill(page, {"number": "số"})
    refused(page, "number", vi("not_whole_number", low=1, high=9999))
    fill(page, {"number": "71", "name": "Q" * 41})
    refused(page, "name", vi("field_too_long", limit=40))
    fill(page, {"name": "Quầy 71", "services": ["TP-LLTP", "XD-GPXD"]})
    refused(page, "services", vi("service_other_zone", service="XD-GPXD", zone="A"))
    fill(page, {"services": ["TP-CC", "TP-LLTP"], "priority": False})
    saved(page)
    expect(page.locator('.sc-list[data-kind="counter"] tr[data-key="71"]')).to_contain_text("TP-CC, TP-LLTP")
    edit(page, "counter", "18")
    fill(page, {"services": ["TP-LLTP"]})
    saved(page)  # counter 71 still calls TP-CC
    edit(page, "counter", "71")
    fill(page, {"services": ["TP-LLTP"]})
    refused(page, "services", vi("would_strand", service="TP-CC", n=1))
    page.locator("#sc-cancel").click()
    token = api_login(live_server, "canbo19")
    assert live_server.api("POST", "/api/v1/counters/19/open", token=token, json={}).status_code == 200
    act(page, "counter", "19", "retire")
    expect(page.locator("#error-box")).to_have_text(vi("counter_not_closed"))
    edit(page, "counter", "19")
    fill(page, {"zone": "A2", "services": []})
    refused(page, "zone", vi("counter_not_closed"))
    assert_fits(page)


def test_zones_and_units_page(admin: Any, tmp_path: Any) -> None:
    page = admin("places")
    assert_fits(page, shot(page, "admin-site-places", tmp_path))
    add(page, "zone")
    for fields, field, text in [
        ({"code": "C C", "name": "Khu C", "name_en": "Zone C", "floor": "3"}, "code", vi("bad_code")),
        ({"code": "A1"}, "code", vi("duplicate_code", value="A1")),
        ({"code": "C", "name": ""}, "name", vi("field_required")),
        ({"name": "Khu C", "floor": "tầng ba"}, "floor", vi("not_whole_number", low=0, high=50)),
    ]:
        fill(page, fields)
        refused(page, field, text)
    fill(page, {"floor": "3"})
    saved(page)
    act(page, "zone", "A1", "retire")
    expect(page.locator("#error-box")).to_contain_text(vi("still_in_use", users="TP-LLTP, TP-QT, TP-HT, TP-LSCC, NV-GPLD"))
    act(page, "zone", "C", "retire")
    expect(page.locator('.sc-list[data-kind="zone"] tr[data-key="C"]')).to_have_class("retired")
    act(page, "zone", "C", "restore")
    expect(page.locator('.sc-list[data-kind="zone"] tr[data-key="C"] [data-act="edit"]')).to_be_visible()
    add(page, "unit")
    for fields, field, text in [
        ({"code": "CA", "name": "Công an Thành phố", "name_en": "City Police", "short": "CATP-HCM"},
         "short", vi("field_too_long", limit=6)),
        ({"short": "CA", "color": "đỏ"}, "color", vi("bad_color")),
    ]:
        fill(page, fields)
        refused(page, field, text)
    fill(page, {"color": "#334155"})
    saved(page)
    expect(page.locator('.sc-list[data-kind="unit"] tr[data-key="CA"]')).to_contain_text("Công an Thành phố")
    assert_fits(page)


def test_hours_page(admin: Any, live_server: Any, tmp_path: Any) -> None:
    page = admin("hours")
    assert_fits(page, shot(page, "admin-site-hours", tmp_path))
    add(page, "hours")
    for fields, field, text in [
        ({"code": "sang-t7"}, "days.mon", vi("empty_hours")),
        ({"days.sat": "7h30-11h30"}, "days.sat", vi("bad_period", text="7h30-11h30")),
        ({"days.sat": "11:30-07:30"}, "days.sat", vi("period_backwards", text="11:30-07:30")),
        ({"days.sat": "07:30-10:00, 09:00-11:30"}, "days.sat", vi("periods_overlap")),
    ]:
        fill(page, fields)
        refused(page, field, text)
    fill(page, {"days.sat": "07:30-11:30", "name": "Sáng thứ Bảy", "name_en": "Saturday mornings"})
    saved(page)
    expect(page.locator('.sc-list[data-kind="hours"] tr[data-key="sang-t7"]')).to_contain_text("07:30-11:30")
    expect(page.locator('.sc-list[data-kind="hours"] tr[data-key="sang-t7"]')).to_contain_text("Sáng thứ Bảy")
    act(page, "hours", "weekdays", "retire")
    expect(page.locator("#error-box")).to_contain_text("XD-GPXD")
    edit(page, "hours", "weekdays")
    fill(page, {"days.fri": "07:30-11:30"})
    saved(page)
    site = live_server.api("GET", "/api/v1/admin/site", who="giamsat").json()
    xd = next(s for s in site["services"] if s["code"] == "XD-GPXD")
    assert xd["hours"]["fri"] == [["07:30", "11:30"]]


def test_the_services_list_names_each_hours_profile_in_the_page_language(
        admin: Any, live_server: Any, tmp_path: Any) -> None:
    page = admin("services")
    row = page.locator('.sc-list[data-kind="service"] tr[data-key="XD-GPXD"]')
    expect(row).to_contain_text("Thứ 2 – Thứ 6")
    expect(row).not_to_contain_text("weekdays")
    edit(page, "service", "XD-GPXD")
    picked = page.locator('#sc-form [name="hours_profile"] option:checked')
    expect(picked).to_have_text("Thứ 2 – Thứ 6")
    page.locator("#lang-toggle").click()  # English second
    expect(row).to_contain_text("Mon – Fri")
    assert_fits(page, shot(page, "admin-site-services-hours-names-en", tmp_path))
    hours = admin("hours")
    expect(hours.locator('.sc-list[data-kind="hours"] tr[data-key="weekdays_saturday"]')).to_contain_text(
        "Thứ 2 – Thứ 6, sáng Thứ 7")


def test_priority_categories_and_rating_reasons_page(admin: Any, live_server: Any, tmp_path: Any) -> None:
    page = admin("lists")
    assert_fits(page, shot(page, "admin-site-lists", tmp_path))
    add(page, "category")
    fill(page, {"code": "elderly", "name": "Cựu chiến binh", "name_en": "Veteran"})
    refused(page, "code", vi("duplicate_code", value="elderly"))
    fill(page, {"code": "veteran", "name_en": ""})
    refused(page, "name_en", vi("field_required"))
    fill(page, {"name_en": "Veteran"})
    saved(page)
    add(page, "reason")
    fill(page, {"code": "noise", "name": "Ồn ào", "name_en": "Noisy"})
    saved(page)
    act(page, "reason", "wait", "retire")
    expect(page.locator('.sc-list[data-kind="reason"] tr[data-key="wait"]')).to_have_class("retired")
    site = live_server.api("GET", "/api/v1/site").json()
    assert [p["code"] for p in site["priority_categories"]][-1] == "veteran"
    assert "wait" not in [r["code"] for r in site["ratings"]["reasons"]]


def test_a_supervisor_sees_the_pages_read_only(admin: Any, tmp_path: Any) -> None:
    for tab in ("services", "counters", "places", "hours", "lists"):
        page = admin(tab, who="giamsat")
        expect(page.locator("#readonly-note")).to_be_visible()
        expect(page.locator('[data-act="add"]').first).to_be_hidden()
        expect(page.locator('[data-act="edit"]').first).to_be_hidden()
        expect(page.locator("#sc-side")).to_be_hidden()
        assert_fits(page, shot(page, f"admin-site-{tab}-readonly", tmp_path))
    page.locator("#lang-toggle").click()  # English second: the lists follow the language
    expect(page.locator('.sc-list[data-kind="category"] th').first).to_have_text("Code")
    expect(page.locator('.sc-list[data-kind="category"] h2')).to_have_text("Priority categories")
    expect(page.locator("#readonly-note")).to_have_text("You are viewing read-only (supervisor).")
    assert_fits(page, shot(page, "admin-site-lists-readonly-en", tmp_path))


def test_open_kiosk_and_board_follow_changes_without_reload(admin: Any, browser: Browser,
                                                             live_server: Any, tmp_path: Any) -> None:
    kctx = browser.new_context(viewport={"width": 1080, "height": 1920})
    kctx.add_init_script("localStorage.setItem('xephang.deviceToken', %s)"
                         % json.dumps(live_server.devices["kiosk-A1"]["token"]))
    kiosk = kctx.new_page()
    kiosk.goto(f"{live_server.url}/kiosk")
    expect(kiosk.locator("#screen-units")).to_be_visible()
    bctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    bctx.add_init_script("localStorage.setItem('xephang.deviceToken', %s)"
                         % json.dumps(live_server.devices["board-lobby"]["token"]))
    board = bctx.new_page()
    board.goto(f"{live_server.url}/board")
    expect(board.locator("#conn-banner")).to_be_hidden()
    expect(kiosk.locator('[data-unit="CA"]')).to_have_count(0)
    # the administrator adds a unit, a service of it and a counter for it, on the pages
    places = admin("places")
    add(places, "unit")
    fill(places, {"code": "CA", "name": "Công an Thành phố", "name_en": "City Police", "short": "CA"})
    saved(places)
    services = admin("services")
    add(services, "service")
    fill(services, {**NEW, "code": "CA-CC", "name": "Cấp căn cước", "name_en": "Identity cards",
                    "unit": "CA", "zone": "A1", "accepts_priority": False})
    saved(services)
    counters = admin("counters")
    add(counters, "counter")
    fill(counters, {"number": "71", "name": "Quầy 71", "zone": "A1", "services": ["CA-CC"]})
    saved(counters)
    # the kiosk shows the new unit and service; the board their waiting people and a call at 71
    tile = kiosk.locator('[data-unit="CA"]')
    expect(tile).to_contain_text("Công an Thành phố")
    tile.click()  # its one service takes no priority tickets: no priority question, a number at once
    expect(kiosk.locator("#screen-result")).to_be_visible()
    expect(kiosk.locator("#result-number")).to_have_text("9801")
    kiosk.locator('#screen-result [data-action="done"]').click()
    expect(kiosk.locator("#screen-units")).to_be_visible()
    edit(services, "service", "TP-QT")
    fill(services, {"name": "Quốc tịch (đổi tên)"})
    saved(services)
    kiosk.locator('[data-unit="TP"]').click()
    expect(kiosk.locator("#screen-services")).to_contain_text("Quốc tịch (đổi tên)")
    shot(kiosk, "kiosk-after-admin-change", tmp_path)
    expect(board.locator('#waiting-list li[data-unit="CA"]')).to_contain_text("Công an Thành phố")
    edit(places, "unit", "CA")
    fill(places, {"name": "Công an TP. Hồ Chí Minh"})
    saved(places)
    expect(board.locator('#waiting-list li[data-unit="CA"]')).to_contain_text("Công an TP. Hồ Chí Minh")
    token = api_login(live_server, "quantri")
    for action in ("open", "call-next"):
        r = live_server.api("POST", f"/api/v1/counters/71/{action}", token=token, json={})
        assert r.status_code == 200, r.text
    expect(board.locator("#recent-body")).to_contain_text("9801")
    expect(board.locator("#recent-body tr").first).to_contain_text("71")
    shot(board, "board-after-admin-change", tmp_path)
    kctx.close()
    bctx.close()
