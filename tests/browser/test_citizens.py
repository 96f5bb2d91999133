"""Issue 7, citizens, in a real chromium at the real device sizes: full services, people ahead,
the ticket result on both kiosk orientations, the phone page, and putting a missed ticket back.

Every page is checked to fit its screen (helpers.assert_fits); XEPHANG_SHOTS=<dir> keeps the
screenshots for a person to look at.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import assert_fits, issue, sign_in

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
KIOSK_SIZES = [pytest.param(PORTRAIT, id="portrait"), pytest.param(LANDSCAPE, id="landscape")]


def shots(tmp_path: Path) -> Path:
    """Where screenshots go: $XEPHANG_SHOTS, else the test's temp dir."""
    out = Path(os.environ.get("XEPHANG_SHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def size_id(viewport: dict[str, int]) -> str:
    return f"{viewport['width']}x{viewport['height']}"


@pytest.fixture
def open_page(browser: Browser, live_server: Any) -> Iterator[Any]:
    """open_page(path, viewport, device=None, mobile=False) → Page; a device's token is set as /pair does."""
    contexts = []

    def _open(path: str, viewport: dict[str, int], device: str | None = None,
              mobile: bool = False) -> Page:
        ctx = browser.new_context(viewport=viewport, has_touch=mobile, is_mobile=mobile)
        contexts.append(ctx)
        if device:
            token = live_server.devices[device]["token"]
            ctx.add_init_script(f"localStorage.setItem('xephang.deviceToken', {json.dumps(token)})")
        page = ctx.new_page()
        page.goto(f"{live_server.url}{path}")
        return page

    yield _open
    for ctx in contexts:
        ctx.close()


def fill_up(live_server: Any, service: str, n: int, device: str = "kiosk-A1") -> None:
    for _ in range(n):
        issue(live_server, service, device)


# 1. A full service looks full ------------------------------------------------------------------

@pytest.mark.parametrize("viewport", KIOSK_SIZES)
def test_a_full_service_shows_no_more_numbers_on_the_kiosk_live(open_page: Any, live_server: Any,
                                                                 viewport: dict[str, int],
                                                                 tmp_path: Path) -> None:
    page = open_page("/kiosk", viewport, "kiosk-A1")
    page.click("[data-unit=TP]")
    tile = page.locator("[data-service=TP-QT]")
    expect(tile).to_be_enabled()
    fill_up(live_server, "TP-QT", 80)  # the demo's daily cap for nationality
    expect(tile).to_contain_text("Hết số hôm nay", timeout=20000)  # live, without a reload
    expect(tile).to_be_disabled()
    expect(page.locator("[data-service=TP-LLTP]")).to_be_enabled()
    assert_fits(page, shots(tmp_path) / f"kiosk-full-{size_id(viewport)}.png")
    page.click("[data-lang=en]") if page.locator("[data-lang=en]").count() else None


# 5. The ticket result fits both kiosk orientations; portrait uses its height ---------------------

def take_ticket(page: Page, unit: str, service: str, priority: str | None) -> None:
    page.click(f"[data-unit={unit}]")
    if page.locator(f"[data-service={service}]").count():
        page.click(f"[data-service={service}]")
    expect(page.locator("#screen-priority")).to_be_visible()
    assert_fits(page, Path(os.environ["XEPHANG_SHOTS"]) / "kiosk-priority.png"
                if os.environ.get("XEPHANG_SHOTS") else None)
    if priority:
        page.click(f"[data-priority={priority}]")
    else:
        page.click("#no-priority")
    expect(page.locator("#screen-result")).to_be_visible()


@pytest.mark.parametrize("viewport", KIOSK_SIZES)
def test_a_long_service_name_with_priority_keeps_done_and_countdown_on_screen(
        open_page: Any, live_server: Any, viewport: dict[str, int], tmp_path: Path) -> None:
    page = open_page("/kiosk", viewport, "kiosk-A2")
    expect(page.locator("#screen-units")).to_be_visible()
    assert_fits(page, shots(tmp_path) / f"kiosk-units-A2-{size_id(viewport)}.png")  # 6 units, the most
    take_ticket(page, "HEPZA", "HEPZA-DT", "elderly")
    expect(page.locator("#result-priority")).to_contain_text("Người cao tuổi")
    done = page.locator("#screen-result [data-action=done]")
    expect(done).to_be_visible()
    expect(page.locator("#result-countdown")).not_to_be_empty()
    expect(page.locator("#result-qr")).to_have_js_property("complete", True)
    page.screenshot(path=str(shots(tmp_path) / f"kiosk-result-long-{size_id(viewport)}.png"))
    for el in (done, page.locator("#result-countdown")):
        box = el.bounding_box()
        assert box and box["y"] + box["height"] <= viewport["height"], box
    assert_fits(page)


def test_portrait_kiosk_uses_its_height_for_the_units(open_page: Any, live_server: Any,
                                                      tmp_path: Path) -> None:
    """The tall screen fills with big tiles instead of leaving its lower half empty."""
    page = open_page("/kiosk", PORTRAIT, "kiosk-A1")
    expect(page.locator("#screen-units")).to_be_visible()
    bottom = page.evaluate("""() => Math.max(...[...document.querySelectorAll('#units .k-tile')]
                                         .map(t => t.getBoundingClientRect().bottom))""")
    assert bottom > 0.75 * PORTRAIT["height"], bottom
    name_px = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#units .k-tile-name')).fontSize)")
    assert name_px >= 40, name_px  # read by elderly citizens at arm's length
    assert_fits(page, shots(tmp_path) / "kiosk-units-1080x1920.png")
    page.click("[data-unit=TP]")
    expect(page.locator("#screen-services")).to_be_visible()
    assert_fits(page, shots(tmp_path) / "kiosk-services-1080x1920.png")


# 3 and 4 on the phone: people ahead by the real order; a missed ticket comes back -------------------

def test_an_elderly_ticket_is_told_it_is_next_on_kiosk_and_phone_and_is_called_next(
        open_page: Any, live_server: Any, tmp_path: Path) -> None:
    for _ in range(3):
        issue(live_server)
    live_server.api("POST", "/api/v1/counters/18/open", who="canbo18")
    page = open_page("/kiosk", PORTRAIT, "kiosk-A1")
    expect(page.locator("#screen-units")).to_be_visible()
    take_ticket(page, "TP", "TP-LLTP", "elderly")
    expect(page.locator("#result-ahead")).to_have_text("Bạn là người tiếp theo")
    kiosk_wait = page.locator("#result-wait").inner_text()
    src = page.locator("#result-qr").get_attribute("src") or ""
    token = src.split("/")[2]
    phone = open_page(f"/t/{token}", PHONE, mobile=True)
    expect(phone.locator("#tp-ahead")).to_have_text("0")
    assert phone.locator("#tp-wait").inner_text() in kiosk_wait  # one wording for both
    assert_fits(phone, shots(tmp_path) / "phone-elderly-390x844.png", scroll_y=True)
    called = live_server.api("POST", "/api/v1/counters/18/call-next", who="canbo18", json={}).json()
    assert called["ticket"]["token"] == token
    expect(phone.locator("#tp-call")).to_be_visible()


def test_the_phone_page_puts_a_missed_ticket_back_and_hides_alerts_once_finished(
        open_page: Any, live_server: Any, tmp_path: Path) -> None:
    mine = issue(live_server)
    live_server.api("POST", "/api/v1/counters/18/open", who="canbo18")
    live_server.api("POST", "/api/v1/counters/18/call-next", who="canbo18", json={})
    later = issue(live_server)
    phone = open_page(f"/t/{mine['token']}", PHONE, mobile=True)
    expect(phone.locator("#tp-call")).to_be_visible()
    place = phone.locator("#tp-place")
    expect(place).to_contain_text("Tầng\u00a01")
    live_server.api("POST", "/api/v1/counters/18/no-show", who="canbo18", json={})
    button = phone.locator("#tp-requeue-btn")
    expect(button).to_be_visible()
    expect(phone.locator("#tp-msg")).to_contain_text("vắng mặt")
    assert_fits(phone, shots(tmp_path) / "phone-missed-390x844.png", scroll_y=True)
    button.click()
    expect(phone.locator("#tp-status")).to_have_text("Đang chờ")
    expect(phone.locator("#tp-msg")).to_contain_text("xếp lại vào hàng")
    expect(phone.locator("#tp-ahead")).to_have_text("0")  # in front of the one who came after
    expect(button).to_be_hidden()
    assert live_server.api("GET", f"/api/v1/tickets/{later['token']}").json()["ahead"] == 1
    assert_fits(phone, shots(tmp_path) / "phone-requeued-390x844.png", scroll_y=True)
    # A second try (another phone with the same QR) gets a clear refusal and changes nothing.
    again = live_server.api("POST", f"/api/v1/tickets/{mine['token']}/requeue", json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_requeued"
    # Called again and served: the alert offers disappear.
    live_server.api("POST", "/api/v1/counters/18/call-next", who="canbo18", json={})
    live_server.api("POST", "/api/v1/counters/18/complete", who="canbo18", json={})
    expect(phone.locator("#tp-status")).to_have_text("Đã hoàn tất")
    expect(phone.locator("#tp-sound")).to_be_hidden()
    expect(phone.locator("#tp-keep-open")).to_be_hidden()
    assert_fits(phone, shots(tmp_path) / "phone-done-390x844.png", scroll_y=True)


def test_tang_1_stays_on_one_line_on_a_phone(open_page: Any, live_server: Any) -> None:
    t = issue(live_server, "HEPZA-DT", "kiosk-A2")
    phone = open_page(f"/t/{t['token']}", PHONE, mobile=True)
    expect(phone.locator("#tp-place")).to_contain_text("Tầng")
    lines = phone.evaluate("""() => {
      const el = document.getElementById('tp-place'), text = el.firstChild, r = document.createRange();
      const at = text.textContent.indexOf('Tầng');
      r.setStart(text, at); r.setEnd(text, text.textContent.length);
      return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size;
    }""")
    assert lines == 1
    assert_fits(phone, scroll_y=True)


# Full services on /assist and /floor; the officer puts a missed ticket back --------------------------

def staff_page(open_page: Any, live_server: Any, path: str, viewport: dict[str, int], user: str) -> Page:
    page = open_page("/login", viewport)
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}{path}")
    return page


def fits_inside(page: Page, selector: str) -> None:
    """The part of a staff page this change added fits the screen (the rest is other work's)."""
    problems = [p for p in page.evaluate("""(sel) => {
      const vw = window.innerWidth, out = [];
      for (const el of document.querySelectorAll(sel + ', ' + sel + ' *')) {
        const r = el.getBoundingClientRect();
        if (r.width && (r.left < -1 || r.right > vw + 1)) out.push(el.outerHTML.slice(0, 80));
        if (el.children.length === 0 && el.scrollWidth > el.clientWidth + 1 && el.clientWidth) out.push('cut: ' + el.textContent);
      }
      return out;
    }""", selector)]
    assert problems == [], problems


def test_assist_and_floor_show_a_full_service(open_page: Any, live_server: Any, tmp_path: Path) -> None:
    assist = staff_page(open_page, live_server, "/assist", {"width": 1280, "height": 800}, "giamsat")
    floor = staff_page(open_page, live_server, "/floor", LANDSCAPE, "giamsat")
    expect(floor.locator("#conn-banner")).to_be_hidden()
    expect(assist.locator("#as-main")).to_be_visible()
    fill_up(live_server, "TP-QT", 80)
    assist.fill("#as-search", "quoc tich")
    tile = assist.locator("#as-services [data-service=TP-QT]")
    expect(tile).to_contain_text("Hết số hôm nay")
    fits_inside(assist, "#as-services")
    assist.screenshot(path=str(shots(tmp_path) / "assist-full-1280x800.png"))
    alert = floor.locator('#alerts li[data-kind="full"]')
    expect(alert).to_contain_text("Quốc tịch: đã hết số hôm nay")  # live, no reload
    fits_inside(floor, "#alerts")
    floor.screenshot(path=str(shots(tmp_path) / "floor-full-1920x1080.png"))


def test_an_officer_puts_a_missed_ticket_back_from_the_console(open_page: Any, live_server: Any,
                                                               tmp_path: Path) -> None:
    first = issue(live_server)
    later = issue(live_server)
    page = staff_page(open_page, live_server, "/console?counter=18", {"width": 1366, "height": 768}, "canbo18")
    page.click('#actions [data-action="open"]')
    page.click('#actions [data-action="call-next"]')
    expect(page.locator("#ticket-number")).to_have_text(first["number"])
    page.click('#actions [data-action="no-show"]')
    row = page.locator(f'#missed-list li[data-number="{first["number"]}"]')
    expect(row.locator("button.requeue")).to_be_visible()
    fits_inside(page, "#missed-list")
    row.locator("button.requeue").click()
    expect(page.locator("#error-box")).to_be_hidden()
    expect(page.locator("#missed-note")).to_have_text(f"Đã xếp số {first['number']} trở lại hàng chờ: số này được gọi tiếp theo.")
    expect(row).to_have_count(0)  # back in line: no longer a missed number
    expect(page.locator("#next-list")).to_contain_text(first["number"])
    page.screenshot(path=str(shots(tmp_path) / "console-requeue-1366x768.png"))
    back = live_server.api("GET", f"/api/v1/tickets/{first['token']}").json()
    assert (back["status"], back["ahead"]) == ("waiting", 0)
    assert live_server.api("GET", f"/api/v1/tickets/{later['token']}").json()["ahead"] == 1
    events = live_server.api("GET", f"/api/v1/tickets/{first['token']}/events", who="canbo18").json()
    assert [e["type"] for e in events["events"]].count("ticket.requeued") == 1
