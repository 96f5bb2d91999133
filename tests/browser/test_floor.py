"""The supervisor's floor view in a real chromium against the real server: live counter states."""
from collections.abc import Iterator
from typing import Any

import pytest
from tests.browser.helpers import api_login, sign_in
from playwright.sync_api import Browser, Page, expect

COUNTER = 17
OFFICER = "canbo17"
SUPERVISOR = "giamsat"
SERVICE = "TP-LLTP"


def act(live_server: Any, token: str, action: str, **body: Any) -> dict[str, Any]:
    """POST one counter-17 action as the officer."""
    r = live_server.api("POST", f"/api/v1/counters/{COUNTER}/{action}", token=token, json=body)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def officer_token(live_server: Any) -> str:
    """The counter-17 officer's API token, with the counter open, working and free."""
    token = api_login(live_server, OFFICER)
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/open", token=token, json={})
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/resume", token=token, json={})
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/complete", token=token, json={})
    return token


@pytest.fixture
def floor(browser: Browser, live_server: Any, officer_token: str) -> Iterator[Page]:
    """The floor view, signed in as the supervisor (cookie from the login API)."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, SUPERVISOR)
    page.goto(f"{live_server.url}/floor")
    expect(page.locator("#conn-banner")).to_be_hidden()
    yield page
    assert errors == []
    ctx.close()


def test_floor_shows_a_counter_state_change_live(floor: Page, live_server: Any, officer_token: str) -> None:
    card = floor.locator(f'.counter-card[data-counter="{COUNTER}"]')
    expect(card).to_have_attribute("data-state", "open")
    expect(card.locator(".cc-state")).to_have_text("Đang mở")
    act(live_server, officer_token, "pause")
    expect(card).to_have_attribute("data-state", "paused")
    expect(card.locator(".cc-state")).to_have_text("Tạm nghỉ")
    act(live_server, officer_token, "resume")
    expect(card.locator(".cc-state")).to_have_text("Đang mở")
    act(live_server, officer_token, "close")
    expect(card.locator(".cc-state")).to_have_text("Đã đóng")
    act(live_server, officer_token, "open")
    expect(card.locator(".cc-state")).to_have_text("Đang mở")


def test_floor_shows_the_called_number_and_todays_totals(
        floor: Page, live_server: Any, officer_token: str) -> None:
    r = live_server.api("POST", "/api/v1/tickets", token=live_server.devices["kiosk-A1"]["token"],
                        json={"service": SERVICE})
    ticket = r.json()
    issued = live_server.api("GET", "/api/v1/stats/today", token=officer_token).json()
    issued = issued.get("stats", issued)["issued"]
    expect(floor.locator('[data-stat="issued"] .stat-value')).to_have_text(str(issued))
    act(live_server, officer_token, "call", number=ticket["number"])
    card = floor.locator(f'.counter-card[data-counter="{COUNTER}"]')
    expect(card.locator(".cc-ticket")).to_have_text(ticket["number"])
    act(live_server, officer_token, "complete")
    expect(card.locator(".cc-ticket")).to_have_text("—")


def test_floor_filters_by_zone(floor: Page, live_server: Any) -> None:
    card = floor.locator(f'.counter-card[data-counter="{COUNTER}"]')
    expect(card).to_be_visible()
    expect(floor.locator('#zone-filter option[value="A2"]')).to_have_count(1)
    floor.select_option("#zone-filter", "A2")
    expect(card).to_have_count(0)
    floor.select_option("#zone-filter", "A1")
    expect(card).to_be_visible()


def test_floor_alerts_when_a_kiosk_printer_runs_out_of_paper(floor: Page, live_server: Any) -> None:
    from tests.support.fake_printer import FakePrinter
    with FakePrinter("out") as printer:
        out = live_server.cli("device", "add", "kiosk-cua-A1", "--kind", "kiosk", "--zone", "A1",
                              "--printer", printer.url)
        token = out.strip().splitlines()[-1]
        r = live_server.api("POST", "/api/v1/tickets", token=token, json={"service": SERVICE})
        assert r.status_code == 201  # the citizen still gets a number
        alert = floor.locator("#alerts li", has_text="kiosk-cua-A1")
        expect(alert).to_be_visible()
        expect(alert).to_contain_text("hết giấy")
        assert "red" in (alert.get_attribute("class") or "")


def test_floor_alerts_when_a_counter_stays_paused_too_long(browser: Browser, live_server: Any,
                                                           officer_token: str) -> None:
    """The browser's clock is fast-forwarded: a break past pause_alert_min (15) raises an alert."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    page.clock.install()
    sign_in(page, live_server, SUPERVISOR)
    page.goto(f"{live_server.url}/floor")
    card = page.locator(f'.counter-card[data-counter="{COUNTER}"]')
    expect(card).to_have_attribute("data-state", "open")
    act(live_server, officer_token, "pause")
    expect(card).to_have_attribute("data-state", "paused")
    alert = page.locator("#alerts li", has_text=f"Quầy {COUNTER} tạm nghỉ")
    expect(alert).to_have_count(0)
    page.clock.fast_forward("16:30")  # past the 15-minute alert; the floor re-checks every minute
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("đã 16 phút")
    act(live_server, officer_token, "resume")
    expect(alert).to_have_count(0)
    ctx.close()


def test_floor_alerts_supervisors_when_the_database_cannot_be_written(
        floor: Page, live_server: Any, tmp_path: Any) -> None:
    import subprocess
    from pathlib import Path
    files = [str(live_server.db), f"{live_server.db}-wal"]
    if subprocess.run(["chattr", "+i", *files], capture_output=True).returncode != 0:
        pytest.skip("chattr +i needs root on a file system that supports it")
    try:
        r = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": SERVICE})
        assert r.status_code == 503 and r.json()["error"]["code"] == "storage_readonly"
        alert = floor.locator('#alerts .alert[data-kind="storage"]')
        expect(alert).to_have_text("Máy chủ không ghi được dữ liệu (chỉ đọc). Báo kỹ thuật ngay")
        expect(alert).to_have_class("alert red")
        floor.screenshot(path=str(Path(tmp_path) / "floor-storage-alert.png"))
    finally:
        subprocess.run(["chattr", "-i", *files], check=False)


def rate_a_served_ticket(live_server: Any, officer_token: str, score: int, reasons: list[str]) -> str:
    """A ticket served at counter 17 and rated on its tablet; returns its number."""
    ticket = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": SERVICE}).json()
    act(live_server, officer_token, "call", number=ticket["number"])
    act(live_server, officer_token, "complete")
    r = live_server.api("POST", f"/api/v1/counters/{COUNTER}/rating", who="counter-17",
                        json={"number": ticket["number"], "score": score, "reasons": reasons})
    assert r.status_code == 201, r.text
    return str(ticket["number"])


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_todays_ratings_survive_a_reload_above_the_fold(
        browser: Browser, live_server: Any, officer_token: str, size: tuple[int, int], tmp_path: Any) -> None:
    from tests.browser.helpers import layout_problems, shot
    unhappy = rate_a_served_ticket(live_server, officer_token, 1, ["wait", "attitude"])
    happy = rate_a_served_ticket(live_server, officer_token, 4, [])
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = ctx.new_page()
    sign_in(page, live_server, SUPERVISOR)
    for _ in range(2):  # the first visit, then a reload: the ratings come from the server both times
        page.goto(f"{live_server.url}/floor")
        expect(page.locator("#conn-banner")).to_be_hidden()
        items = page.locator("#ratings li")
        expect(items).to_have_count(2)
        expect(items.nth(0)).to_have_text(f"Số {happy} · Quầy {COUNTER}: Rất hài lòng")
        expect(items.nth(1)).to_have_text(
            f"Số {unhappy} · Quầy {COUNTER}: Không hài lòng — Chờ lâu, Thái độ phục vụ")
        expect(page.locator("#ratings-empty")).to_be_hidden()
        expect(page.locator('[data-stat="ratings_count"] .stat-value')).to_have_text("2")
    shot(page, f"floor-{size[0]}x{size[1]}", tmp_path)
    box = page.locator("section.ratings").bounding_box()
    assert box is not None and box["y"] + box["height"] <= size[1]  # whole panel above the fold
    assert layout_problems(page, vertical=False) == []
    page.locator("#lang-toggle").click()
    expect(page.locator("#ratings li").nth(1)).to_have_text(
        f"Number {unhappy} · Counter {COUNTER}: Not satisfied — Long wait, Staff attitude")
    ctx.close()
