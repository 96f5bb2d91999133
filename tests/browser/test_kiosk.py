"""The citizen kiosk in a real chromium against the real server: what a citizen sees and gets."""
from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

ROOT = Path(__file__).resolve().parents[2]
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}


@pytest.fixture
def kiosk(browser: Browser, live_server: Any) -> Iterator[Any]:
    """Open the kiosk page as a paired device, by default kiosk-A1, and wait for its first screen."""
    contexts = []

    def open_kiosk(device: str | None = "kiosk-A1", query: str = "", viewport: dict | None = None,
                   token: str | None = None, ready: bool = True) -> Page:
        ctx = browser.new_context(viewport=viewport or PORTRAIT)
        contexts.append(ctx)
        tok = token or (live_server.devices[device]["token"] if device else None)
        if tok:
            # What /pair leaves behind on a paired kiosk.
            ctx.add_init_script(f"localStorage.setItem('xephang.deviceToken', {json.dumps(tok)})")
        page = ctx.new_page()
        page.goto(f"{live_server.url}/kiosk{query}")
        if tok and ready:
            expect(page.locator("#screen-units")).to_be_visible()
        return page

    yield open_kiosk
    for ctx in contexts:
        ctx.close()


def shown_ticket(page: Page, live_server: Any) -> dict[str, Any]:
    """The ticket on the result screen, read back from the API through the QR's token."""
    expect(page.locator("#screen-result")).to_be_visible()
    src = page.locator("#result-qr").get_attribute("src") or ""
    token = re.fullmatch(r"/t/([^/]+)/qr\.svg", src)
    assert token, src
    r = live_server.api("GET", f"/api/v1/tickets/{token.group(1)}", who="giamsat")  # staff see the priority
    assert r.status_code == 200
    return r.json()


def waiting(live_server: Any, service: str) -> int:
    """How many tickets wait for a service, per the API."""
    services = live_server.api("GET", "/api/v1/services?zone=A1").json()["services"]
    return next(s["waiting"] for s in services if s["code"] == service)


def test_citizen_takes_a_normal_ticket_in_vietnamese(kiosk: Any, live_server: Any) -> None:
    page = kiosk()
    expect(page.locator("h1", has_text="Chọn cơ quan, đơn vị")).to_be_visible()
    page.click("[data-unit=TP]")
    expect(page.locator("#screen-services")).to_contain_text("Lý lịch tư pháp")
    page.click("[data-service=TP-LLTP]")
    expect(page.locator("#screen-priority")).to_contain_text("Bạn thuộc diện ưu tiên?")
    page.click("#no-priority")  # third tap

    ticket = shown_ticket(page, live_server)
    assert ticket["service"] == "TP-LLTP" and ticket["priority"] is None
    expect(page.locator("#result-number")).to_have_text(ticket["number"])
    result = page.locator("#screen-result")
    expect(result).to_contain_text("Số thứ tự của bạn")
    expect(result).to_contain_text("Mời bạn đến")
    expect(result).to_contain_text("Quầy 17")
    expect(result).to_contain_text("Khu A1 · Tầng 1")
    expect(result).to_contain_text("Bạn là người tiếp theo")
    expect(result).to_contain_text("Lý lịch tư pháp — Sở Tư pháp")
    assert page.locator("#result-qr").evaluate("img => img.complete && img.naturalWidth > 0")


def test_citizen_takes_a_priority_ticket_in_english_and_the_kiosk_returns_to_vietnamese(
        kiosk: Any, live_server: Any) -> None:
    page = kiosk()
    page.click("#lang-btn")
    expect(page.locator("h1", has_text="Choose a department")).to_be_visible()
    expect(page.locator("#lang-btn")).to_have_text("Tiếng Việt")
    page.click("[data-unit=TP]")
    expect(page.locator("#screen-services")).to_contain_text("Judicial records")
    page.click("[data-service=TP-LLTP]")
    expect(page.locator("#screen-priority")).to_contain_text("Do you have priority?")
    page.click("[data-priority=elderly]")

    ticket = shown_ticket(page, live_server)
    assert ticket["priority"] == "elderly"
    expect(page.locator("#result-number")).to_have_text(ticket["number"])
    result = page.locator("#screen-result")
    expect(result).to_contain_text("Your number")
    expect(result).to_contain_text("Priority: Elderly person")
    expect(result).to_contain_text("Please go to")
    expect(result).to_contain_text("Floor 1")

    page.get_by_role("button", name="Done").click()
    expect(page.locator("h1", has_text="Chọn cơ quan, đơn vị")).to_be_visible()
    expect(page.locator("#lang-btn")).to_have_text("English")


def test_a_unit_with_one_service_skips_the_service_step(kiosk: Any, live_server: Any) -> None:
    page = kiosk()
    page.click("[data-unit=DTTG]")
    expect(page.locator("#screen-priority")).to_be_visible()
    expect(page.locator("#priority-chosen")).to_contain_text("Hoạt động tôn giáo, tín ngưỡng")
    page.click("#no-priority")
    assert shown_ticket(page, live_server)["service"] == "DTTG-TG"


def test_a_double_tap_makes_one_ticket(kiosk: Any, live_server: Any) -> None:
    page = kiosk()
    page.click("[data-unit=TP]")
    page.click("[data-service=TP-LLTP]")
    page.dblclick("#no-priority")
    ticket = shown_ticket(page, live_server)
    assert waiting(live_server, "TP-LLTP") == 1
    assert ticket["number"] == page.locator("#result-number").inner_text()


def test_a_retry_after_a_lost_answer_reuses_the_request_and_makes_one_ticket(
        kiosk: Any, live_server: Any) -> None:
    page = kiosk()
    lost = []

    def lose_first_answer(route: Route) -> None:
        # The server gets the request and issues the ticket; the answer never reaches the kiosk.
        if not lost:
            lost.append(route.fetch().json())
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/tickets", lose_first_answer)
    page.click("[data-unit=NV]")
    page.click("[data-service=NV-GPLD]")
    page.click("#no-priority")
    expect(page.locator("#error-msg")).to_have_text("Không kết nối được với hệ thống. Vui lòng thử lại.")
    page.click("#error-retry")
    ticket = shown_ticket(page, live_server)
    assert ticket["number"] == lost[0]["number"]
    assert waiting(live_server, "NV-GPLD") == 1


def restrict_site(live_server: Any, tmp_path: Path) -> None:
    """Reload the demo site with TP-HT closed all week and TP-QT capped at one ticket a day."""
    text = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
    text = text.replace("open_all_hours = true", "open_all_hours = false")
    text = re.sub(r'(?m)^hours = "[a-z_]+"\n', "", text)  # every other service: always open
    text = text.replace('code = "TP-HT"\n', 'code = "TP-HT"\nhours = "never"\n')
    text = text.replace("daily_cap = 80", "daily_cap = 1")
    text += "\n[hours.never]\n"
    site = tmp_path / "restricted-site.toml"
    site.write_text(text, encoding="utf-8")
    live_server.stop()
    live_server.cli("init", "--site", str(site), "--reload")
    live_server.start()


def test_closed_service_is_greyed_and_a_full_service_says_so(kiosk: Any, live_server: Any,
                                                             tmp_path: Path) -> None:
    restrict_site(live_server, tmp_path)
    first = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-QT"})
    assert first.status_code == 201
    page = kiosk()
    page.click("[data-unit=TP]")
    closed = page.locator("[data-service=TP-HT]")
    expect(closed).to_be_disabled()
    expect(closed).to_contain_text("Ngoài giờ tiếp nhận")

    # Full: said on the tile at once, not after three taps (issue 7).
    full = page.locator("[data-service=TP-QT]")
    expect(full).to_be_disabled()
    expect(full).to_contain_text("Hết số hôm nay")
    assert waiting(live_server, "TP-QT") == 1

    page.click("#lang-btn")  # the message follows the language
    expect(full).to_contain_text("No more numbers today")


def add_kiosk_with_dead_printer(live_server: Any) -> str:
    """Register a zone-A1 kiosk whose printer port refuses connections; returns its token."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: connections are refused
    out = live_server.cli("device", "add", "kiosk-A1-dead", "--kind", "kiosk", "--zone", "A1",
                          "--printer", f"tcp://127.0.0.1:{port}")
    return out.strip().splitlines()[-1]


def test_printer_out_shows_the_ticket_on_screen_and_stays_longer(kiosk: Any, live_server: Any,
                                                                 tmp_path: Path) -> None:
    page = kiosk(device=None, token=add_kiosk_with_dead_printer(live_server), query="?result=5")
    page.click("[data-unit=TP]")
    page.click("[data-service=TP-LLTP]")
    page.click("#no-priority")
    ticket = shown_ticket(page, live_server)
    expect(page.locator("#result-number")).to_have_text(ticket["number"])
    # The print worker gives up after its retries; the outcome arrives as ticket.changed.
    expect(page.locator("#result-print")).to_have_text(
        "Máy in đang hết giấy. Vui lòng chụp ảnh mã QR hoặc ghi nhớ số thứ tự của bạn.", timeout=60_000)
    assert live_server.api("GET", f"/api/v1/tickets/{ticket['token']}").json()["print"]["status"] in (
        "failed", "on_screen")
    seconds = int(re.search(r"\d+", page.locator("#result-countdown").inner_text()).group())
    assert seconds > 5  # the long countdown replaced the 5 s one
    page.screenshot(path=str(tmp_path / "printer-out.png"))
    page.get_by_role("button", name="Xong").click()
    # The next citizen is told before choosing (printer.changed reached the kiosk's device room).
    expect(page.locator("#printer-notice")).to_have_text(
        "Máy in tạm hết giấy: số thứ tự sẽ hiện trên màn hình.")


def test_an_unpaired_kiosk_says_so(kiosk: Any) -> None:
    page = kiosk(device=None)
    expect(page.locator("#screen-unpaired")).to_contain_text("Máy này chưa được ghép nối")
    page.click("#lang-btn")
    expect(page.locator("#screen-unpaired")).to_contain_text("This kiosk is not paired")


def test_a_revoked_token_is_treated_as_unpaired(kiosk: Any) -> None:
    page = kiosk(device=None, token="not-a-real-token", ready=False)
    expect(page.locator("#screen-unpaired")).to_contain_text("Mã thiết bị không còn hiệu lực")


def test_the_kiosk_is_temporarily_unavailable_while_the_server_is_down_and_recovers(
        kiosk: Any, live_server: Any) -> None:
    page = kiosk()
    live_server.stop()
    expect(page.locator("#screen-unavailable")).to_contain_text("Tạm thời gián đoạn")
    live_server.start()
    expect(page.locator("#screen-units")).to_be_visible(timeout=60_000)
    page.click("[data-unit=DTTG]")
    page.click("#no-priority")
    assert shown_ticket(page, live_server)["service"] == "DTTG-TG"


def test_waiting_counts_follow_the_queue_live(kiosk: Any, live_server: Any) -> None:
    page = kiosk()
    page.click("[data-unit=TP]")
    tile = page.locator("[data-service=TP-LSCC]")
    expect(tile).to_contain_text("Đang chờ: 0")
    for _ in range(2):
        live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LSCC"})
    expect(tile).to_contain_text("Đang chờ: 2")


def test_an_idle_kiosk_goes_back_to_the_start_in_vietnamese(kiosk: Any) -> None:
    page = kiosk(query="?idle=1")
    page.click("#lang-btn")
    page.click("[data-unit=TP]")
    expect(page.locator("#screen-services")).to_contain_text("Choose a service")
    expect(page.locator("h1", has_text="Chọn cơ quan, đơn vị")).to_be_visible()


@pytest.mark.parametrize("name,viewport", [("portrait", PORTRAIT), ("landscape", LANDSCAPE)])
def test_screens_fit_portrait_and_landscape(kiosk: Any, live_server: Any, tmp_path: Path, name: str,
                                            viewport: dict) -> None:
    page = kiosk(viewport=viewport)
    shots = tmp_path / "shots"
    shots.mkdir()
    page.screenshot(path=str(shots / f"{name}-units.png"))
    page.click("[data-unit=TP]")
    page.screenshot(path=str(shots / f"{name}-services.png"))
    page.click("[data-service=TP-LLTP]")
    page.screenshot(path=str(shots / f"{name}-priority.png"))
    page.click("#no-priority")
    shown_ticket(page, live_server)
    page.locator("#result-qr").evaluate("img => img.decode()")
    page.screenshot(path=str(shots / f"{name}-result.png"))
    # Nothing spills sideways, and the number, the directions and the QR are all on screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for sel in ("#result-number", "#result-counters", "#result-place", "#result-qr", "#result-print"):
        box = page.locator(sel).bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], sel
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], sel
    number_height = page.locator("#result-number").bounding_box()["height"]
    assert number_height > viewport["height"] * 0.12  # very large


def test_a_service_closed_for_a_break_says_when_it_opens_again(kiosk: Any, live_server: Any,
                                                                tmp_path: Path) -> None:
    """TP-QT opens in two hours (today, or tomorrow near midnight): the tile says when."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    opens = (now + timedelta(hours=2)).replace(second=0, microsecond=0)
    if (opens + timedelta(hours=1)).date() != opens.date():  # keep the period within one day
        opens = (opens + timedelta(days=1)).replace(hour=7, minute=30)
    day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][opens.weekday()]
    ends = opens + timedelta(hours=1)
    text = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
    text = text.replace("open_all_hours = true", "open_all_hours = false")
    text = re.sub(r'(?m)^hours = "[a-z_]+"\n', "", text)
    text = text.replace('code = "TP-QT"\n', 'code = "TP-QT"\nhours = "later"\n')
    text += f'\n[hours.later]\n{day} = ["{opens:%H:%M}-{ends:%H:%M}"]\n'
    site = tmp_path / "later-site.toml"
    site.write_text(text, encoding="utf-8")
    live_server.stop()
    live_server.cli("init", "--site", str(site), "--reload")
    live_server.start()
    page = kiosk()
    page.click("[data-unit=TP]")
    tile = page.locator("[data-service=TP-QT]")
    expect(tile).to_be_disabled()
    if opens.date() == now.date():
        expect(tile).to_contain_text(f"Mở lại lúc {opens:%H:%M}")
    else:
        expect(tile).to_contain_text(f"Mở lại lúc {opens:%H:%M}, ngày {opens:%d/%m}")
    r = live_server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-QT"})
    assert r.status_code == 409 and f"{opens:%H:%M}" in r.json()["error"]["message"]
