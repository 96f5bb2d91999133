"""The city level in a real chromium at the console size (1366×768), vi then en: a city-level
admin sees every site on /admin/city, opens ward B's users page (acting for B), makes an officer
there who then works at B's counters only, and reads the city-wide report on /reports; a site's
admin sees no city link and no city page."""
from __future__ import annotations

import subprocess
import sys
from typing import Any

import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import assert_fits, issue, shot

CONSOLE = {"width": 1366, "height": 768}
WARD = "phuong-ben-thanh"
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def xephang(live_server: Any, *args: str, stdin: str = "") -> str:
    done = subprocess.run([sys.executable, "-m", "server.cli", *args, "--db", str(live_server.db)],
                          cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def city_setup(live_server: Any) -> tuple[str, str]:
    """Ward B (the same site file) beside the running demo centre with its kiosk, and a city
    admin; (the demo password, B's kiosk token)."""
    password = live_server.users["quantri"]["password"]
    xephang(live_server, "site", "add", WARD, "--name", "Phường Bến Thành", "--name-en",
            "Ben Thanh Ward")
    xephang(live_server, "init", "--no-demo", "--site-code", WARD)
    kiosk = xephang(live_server, "device", "add", "kiosk-A1", "--kind", "kiosk", "--zone", "A1",
                    "--site-code", WARD).strip().splitlines()[-1]
    xephang(live_server, "user", "add", "thanhpho", "--role", "admin", "--city",
            "--display-name", "Quản trị thành phố", "--password-stdin", stdin=password + "\n")
    return password, kiosk


def signed_in(browser: Browser, live_server: Any, who: str, password: str, path: str) -> Page:
    page = browser.new_context(viewport=CONSOLE).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    r = page.request.post(f"{live_server.url}/api/v1/auth/login",
                          data={"username": who, "password": password})
    assert r.ok, r.text()
    page.goto(f"{live_server.url}{path}")
    expect(page.locator("#admin-main")).to_be_visible()
    return page


def login(live_server: Any, username: str, password: str) -> dict[str, str]:
    r = requests.post(f"{live_server.url}/api/v1/auth/login", timeout=10,
                      json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_a_city_admin_manages_a_ward_and_reads_the_city_report(browser: Browser, live_server: Any,
                                                              tmp_path: Any) -> None:
    password, ward_kiosk = city_setup(live_server)
    centre = issue(live_server, "TP-LLTP")  # a ticket in the centre today
    page = signed_in(browser, live_server, "thanhpho", password, "/admin/city")
    rows = page.locator("#sites-body tr")
    expect(rows).to_have_count(2)
    expect(page.locator('.admin-nav a[href="/admin/city"]')).to_be_visible()
    expect(page.locator('#sites-body tr[data-site="hcmc"] td.num').nth(3)).to_have_text("1")
    expect(page.locator(f'#sites-body tr[data-site="{WARD}"]')).to_contain_text("Phường Bến Thành")
    assert_fits(page, shot(page, "city-sites-vi", tmp_path))

    # into ward B's users page: the page says for which site it acts
    page.locator(f'#sites-body tr[data-site="{WARD}"] a[href="/admin/users?site={WARD}"]').click()
    expect(page.locator("#city-site-note")).to_contain_text("Phường Bến Thành")
    # B has no staff yet: only the city-level account (listed with every site's users)
    expect(page.locator("#users-body tr")).to_have_count(1)
    page.fill("#u-username", "b_lan")
    page.fill("#u-display", "Nguyễn Thị Lan")
    page.select_option("#u-role", "officer")
    page.fill("#u-counters", "18")
    page.fill("#u-password", "Lan-ward-2026")
    page.locator("#user-form button[type=submit]").click()
    expect(page.locator("#done-box")).to_have_text("Đã tạo người dùng b_lan.")
    expect(page.locator('#users-body tr[data-username="b_lan"]')).to_be_visible()
    assert_fits(page, shot(page, "city-ward-users-vi", tmp_path))
    # the page's live link hears the ward: a user made elsewhere for B appears without a reload
    expect(page.locator("body")).to_have_attribute("data-live", "online")
    boss = login(live_server, "thanhpho", password)
    r = requests.post(f"{live_server.url}/api/v1/admin/users?site={WARD}", headers=boss, timeout=10,
                      json={"username": "b_hai", "role": "officer", "counters": [19]})
    assert r.status_code == 201, r.text
    expect(page.locator('#users-body tr[data-username="b_hai"]')).to_be_visible()
    # the navigation stays with the ward
    expect(page.locator('.admin-nav a[href^="/admin/devices"]')).to_have_attribute(
        "href", f"/admin/devices?site={WARD}")
    page.locator('.admin-nav a[href^="/admin/devices"]').click()
    expect(page.locator("#city-site-note")).to_contain_text("Phường Bến Thành")
    expect(page.locator("#devices-body tr")).to_have_count(1)  # the ward's kiosk only
    expect(page.locator("#devices-body tr").first).to_contain_text("kiosk-A1")
    assert_fits(page, shot(page, "city-ward-devices-vi", tmp_path))

    # b_lan works at B's counter 18 and only there: B's ticket, not the centre's older one
    officer = login(live_server, "b_lan", "Lan-ward-2026")
    r = requests.post(f"{live_server.url}/api/v1/tickets", json={"service": "TP-LLTP"}, timeout=10,
                      headers={"Authorization": f"Bearer {ward_kiosk}"})
    assert r.status_code == 201, r.text
    ward_ticket = r.json()
    r = requests.post(f"{live_server.url}/api/v1/counters/18/call-next", json={}, headers=officer,
                      timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["ticket"]["token"] == ward_ticket["token"] != centre["token"]
    r = requests.post(f"{live_server.url}/api/v1/counters/17/call-next", json={}, headers=officer,
                      timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_counter"

    # the city report on /reports: a line per site and the city's totals
    page.goto(f"{live_server.url}/reports?period=day")
    expect(page.locator("#city-report")).to_be_visible()
    expect(page.locator("#city-table tbody tr")).to_have_count(2)
    expect(page.locator('#city-table tbody tr[data-site="hcmc"] td').nth(1)).to_have_text("1")
    expect(page.locator(f'#city-table tbody tr[data-site="{WARD}"] td').nth(1)).to_have_text("1")
    expect(page.locator("#city-table tfoot th")).to_have_text("Toàn thành phố")
    expect(page.locator("#city-csv")).to_have_attribute("href", __import__("re").compile(
        r"^/api/v1/reports/city\?from=\d{4}-\d\d-\d\d&to=.*format=csv"))
    page.locator("#city-report").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    assert_fits(page, shot(page, "city-report-vi", tmp_path), scroll_y=True)
    csv = page.request.get(live_server.url + page.locator("#city-csv").get_attribute("href"))
    assert csv.ok and "Toàn thành phố" not in csv.text() and "Tổng cộng" in csv.text()

    # English
    page.click("#lang-toggle")
    expect(page.locator("#city-report h2")).to_have_text("City-wide report")
    expect(page.locator("#city-table tfoot th")).to_have_text("Whole city")
    assert_fits(page, shot(page, "city-report-en", tmp_path), scroll_y=True)
    page.goto(f"{live_server.url}/admin/city")
    expect(page.locator("#sites-body tr")).to_have_count(2)
    expect(page.locator(f'#sites-body tr[data-site="{WARD}"]')).to_contain_text("Ben Thanh Ward")
    expect(page.locator(".city-head h1")).to_have_text("The city's service sites")
    assert_fits(page, shot(page, "city-sites-en", tmp_path))
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_a_site_admin_sees_no_city(browser: Browser, live_server: Any, tmp_path: Any) -> None:
    city_setup(live_server)
    page = signed_in(browser, live_server, "quantri", live_server.users["quantri"]["password"],
                     "/admin/users")
    expect(page.locator('#users-body tr[data-username="canbo17"]')).to_be_visible()
    expect(page.locator('.admin-nav a[href="/admin/city"]')).to_be_hidden()
    page.goto(f"{live_server.url}/admin/city")
    expect(page.locator("#error-box")).to_contain_text("cấp thành phố")
    expect(page.locator("#sites-body tr")).to_have_count(0)
    page.goto(f"{live_server.url}/admin/users?site={WARD}")
    expect(page.locator("#error-box")).to_contain_text(WARD)
    expect(page.locator("#users-body tr")).to_have_count(0)
    page.goto(f"{live_server.url}/reports?period=day")
    expect(page.locator("#report")).to_be_visible()
    expect(page.locator("#city-report")).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()
