"""Admin pages follow the server live in a real chromium against the real server: a change made in
one browser shows in another without a reload (and what the other admin is typing stays), a
closure disappears when its reopening time passes, and a department head sees only her units."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import assert_fits, shot
from tests.conftest import DEMO_PASSWORD

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CONSOLE = {"width": 1366, "height": 768}
WIDE = {"width": 1920, "height": 1080}


@pytest.fixture
def open_admin(browser: Browser, live_server: Any) -> Iterator[Any]:
    """Open an admin page signed in as a user (the administrator by default), its live link up."""
    made: list[tuple[Any, list[str]]] = []

    def open_page(path: str, who: str = "quantri", viewport: dict[str, int] = CONSOLE,
                  live: bool = True) -> Page:
        ctx = browser.new_context(viewport=viewport)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        made.append((ctx, errors))
        r = page.request.post(f"{live_server.url}/api/v1/auth/login",
                              data={"username": who, "password": DEMO_PASSWORD})
        assert r.ok, r.text()
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#admin-main")).to_be_visible()
        if live:
            expect(page.locator("body")).to_have_attribute("data-live", "online")
        return page

    yield open_page
    for ctx, errors in made:
        ctx.close()
        assert errors == []


def department_head(live_server: Any, units: list[str]) -> str:
    """Create a supervisor scoped to these units (a department head); her username."""
    r = live_server.api("POST", "/api/v1/admin/users", who="quantri",
                        json={"username": "hoa", "display_name": "Trưởng phòng", "role": "supervisor",
                              "units": units, "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    return "hoa"


def test_a_service_renamed_in_one_browser_shows_in_the_other_keeping_its_form(
        open_admin: Any, tmp_path: Any) -> None:
    first, second = open_admin("/admin/site/services"), open_admin("/admin/site/services")
    # The second admin is typing a new service when the first renames an existing one.
    second.locator('.sc-list[data-kind="service"] [data-act="add"]').click()
    second.locator('#sc-form [name="code"]').fill("TP-MOI")
    second.locator('#sc-form [name="name"]').fill("Dịch vụ đang gõ dở")
    first.locator('.sc-list[data-kind="service"] tr[data-key="TP-LLTP"] [data-act="edit"]').click()
    first.locator('#sc-form [name="name"]').fill("Lý lịch tư pháp (đã đổi)")
    first.locator("#sc-form [type=submit]").click()
    expect(first.locator("#done-box")).to_be_visible()
    row = second.locator('.sc-list[data-kind="service"] tr[data-key="TP-LLTP"]')
    expect(row).to_contain_text("Lý lịch tư pháp (đã đổi)")
    expect(second.locator('#sc-form [name="code"]')).to_have_value("TP-MOI")
    expect(second.locator('#sc-form [name="name"]')).to_have_value("Dịch vụ đang gõ dở")
    expect(second.locator('#sc-form [name="name"]')).to_be_focused()
    shot(second, "admin-live-second-browser", tmp_path)


def test_a_closure_made_elsewhere_appears_and_goes_when_its_time_passes(
        open_admin: Any, live_server: Any) -> None:
    page = open_admin("/admin/closures")
    page.locator("#c-reason").fill("đang gõ lý do")
    until = (datetime.now(TZ) + timedelta(seconds=8)).isoformat(timespec="seconds")
    r = live_server.api("POST", "/api/v1/admin/closures", who="quantri",
                        json={"scope": "service", "code": "TP-LLTP", "reason": "mất điện", "until": until})
    assert r.status_code == 201, r.text
    row = page.locator('#closures-body tr[data-target="service:TP-LLTP"]')
    expect(row).to_be_visible()
    expect(page.locator("#closures-empty")).to_be_hidden()
    # Nobody touches anything: the reopening time passes and the row goes by itself.
    expect(row).to_have_count(0, timeout=20_000)
    expect(page.locator("#closures-empty")).to_be_visible()
    expect(page.locator("#c-reason")).to_have_value("đang gõ lý do")


def test_devices_and_users_pages_follow_another_admins_changes(open_admin: Any, live_server: Any) -> None:
    devices, users = open_admin("/admin/devices"), open_admin("/admin/users")
    r = live_server.api("POST", "/api/v1/admin/devices", who="quantri",
                        json={"name": "kiosk-sanh-c", "kind": "kiosk", "zone": "A1"})
    assert r.status_code == 201, r.text
    expect(devices.locator("#devices-body")).to_contain_text("kiosk-sanh-c")
    department_head(live_server, ["TP"])
    expect(users.locator("#users-body")).to_contain_text("hoa")


def test_a_department_head_sees_her_units_only_and_an_admin_sees_all(
        open_admin: Any, live_server: Any, tmp_path: Any) -> None:
    for scope, code in (("service", "TP-LLTP"), ("service", "XD-GPXD")):
        r = live_server.api("POST", "/api/v1/admin/closures", who="quantri",
                            json={"scope": scope, "code": code, "reason": "mất điện"})
        assert r.status_code == 201, r.text
    head = department_head(live_server, ["TP"])
    for viewport, size in ((CONSOLE, "1366"), (WIDE, "1920")):
        page = open_admin("/admin/site/services", head, viewport)
        services = page.locator('.sc-list[data-kind="service"] tbody tr')
        expect(services.first).to_be_visible()
        codes = services.evaluate_all("rows => rows.map(r => r.dataset.key)")
        assert sorted(codes) == ["TP-HT", "TP-LLTP", "TP-LSCC", "TP-QT"]
        expect(page.locator("#readonly-note")).to_contain_text("TP")
        assert_fits(page, shot(page, f"admin-head-services-{size}", tmp_path))
        page.goto(page.url.replace("/services", "/counters"))
        counters = page.locator('.sc-list[data-kind="counter"] tbody tr')
        expect(counters.first).to_be_visible()
        numbers = counters.evaluate_all("rows => rows.map(r => Number(r.dataset.key))")
        assert sorted(numbers) == [17, 18, 19, 20, 21, 22, 23]
        expect(page.locator('.sc-list[data-kind="counter"] tr[data-key="17"]')).not_to_contain_text("NV-GPLD")
        assert_fits(page, shot(page, f"admin-head-counters-{size}", tmp_path))
        page.goto(f"{live_server.url}/admin/closures")
        expect(page.locator('#closures-body tr[data-target="service:TP-LLTP"]')).to_be_visible()
        expect(page.locator("#closures-body tr")).to_have_count(1)
        assert_fits(page, shot(page, f"admin-head-closures-{size}", tmp_path))
    admin = open_admin("/admin/closures")
    expect(admin.locator("#closures-body tr")).to_have_count(2)
    admin.goto(f"{live_server.url}/admin/site/services")
    expect(admin.locator('.sc-list[data-kind="service"] tr[data-key="XD-GPXD"]')).to_be_visible()


def test_a_department_head_sees_her_units_officers_and_devices_and_follows_their_counters(
        open_admin: Any, live_server: Any, tmp_path: Any) -> None:
    head = department_head(live_server, ["TP"])
    users, devices = open_admin("/admin/users", head), open_admin("/admin/devices", head)
    expect(users.locator('#users-body tr[data-username="canbo18"]')).to_contain_text("Cán bộ quầy 18")
    expect(users.locator('#users-body tr[data-username="hoa"]')).to_be_visible()
    for stranger in ("canbo24", "canbo1", "quantri", "giamsat"):
        expect(users.locator(f'#users-body tr[data-username="{stranger}"]')).to_have_count(0)
    expect(users.locator("#users-body tr")).to_have_count(8)  # canbo17-23 and herself
    expect(devices.locator('#devices-body tr[data-device="counter-18"]')).to_be_visible()
    expect(devices.locator('#devices-body tr[data-device="kiosk-A1"]')).to_be_visible()
    for stranger in ("counter-24", "kiosk-A", "board-A2"):
        expect(devices.locator(f'#devices-body tr[data-device="{stranger}"]')).to_have_count(0)
    assert_fits(users, shot(users, "admin-head-users-1366", tmp_path))
    assert_fits(devices, shot(devices, "admin-head-devices-1366", tmp_path))
    # Counter 24 is given one of her services elsewhere: its officer and display come in live.
    r = live_server.api("PUT", "/api/v1/admin/site/counter/24", who="quantri",
                        json={"services": ["NV-GPLD", "TP-LLTP"]})
    assert r.status_code == 200, r.text
    expect(users.locator('#users-body tr[data-username="canbo24"]')).to_be_visible()
    expect(devices.locator('#devices-body tr[data-device="counter-24"]')).to_be_visible()


def test_a_kiosk_added_from_the_page_shows_its_printers_state_before_any_ticket(
        open_admin: Any, tmp_path: Any) -> None:
    from tests.support.fake_printer import FakePrinter
    page = open_admin("/admin/devices")
    with FakePrinter("near_end") as printer:
        page.locator("#d-name").fill("kiosk-sanh-c")
        page.locator("#d-kind").select_option("kiosk")
        page.locator("#d-zone").select_option("A1")
        page.locator("#d-printer").fill(printer.url)
        page.locator("#device-form [type=submit]").click()
        row = page.locator('#devices-body tr[data-device="kiosk-sanh-c"]')
        expect(row).to_be_visible()
        cell = row.locator("td[data-status]")
        expect(cell).to_have_attribute("data-status", "near_end")
        expect(cell).to_have_text("Sắp hết giấy")
        assert printer.printed() == []
    shot(page, "admin-devices-new-kiosk-printer", tmp_path)


PAGES = ["/admin", "/admin/site/services", "/admin/site/counters", "/admin/site/places",
         "/admin/site/hours", "/admin/site/lists", "/admin/closures", "/admin/calendar",
         "/admin/users", "/admin/devices", "/admin/audit", "/admin/reports"]


@pytest.mark.parametrize("who", ["quantri", "hoa"])
def test_every_admin_page_fits_the_console_and_a_wide_screen(open_admin: Any, live_server: Any,
                                                             tmp_path: Any, who: str) -> None:
    if who == "hoa":
        department_head(live_server, ["TP", "NV"])
    for viewport in (CONSOLE, WIDE):
        page = open_admin("/admin", who, viewport, live=False)
        for path in PAGES:
            page.goto(live_server.url + path)
            expect(page.locator("#admin-main")).to_be_visible()
            if path not in ("/admin", "/admin/audit", "/admin/reports"):  # pages that follow live
                expect(page.locator("body")).to_have_attribute("data-live", "online")
            page.wait_for_load_state("networkidle")  # the page's lists are in
            name = f"walk-{who}-{viewport['width']}{path.replace('/', '-')}"
            assert_fits(page, shot(page, name, tmp_path))
