"""The lobby board in a real chromium against the real server: calls, recalls, long numbers, reconnects."""
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser.helpers import api_login, issue
from playwright.sync_api import Browser, Page, expect

COUNTER = 17
OFFICER = "canbo17"
SERVICE = "TP-LLTP"   # zone A1, served at counter 17
RESULTS = "KQ-A1"     # zone A1, numbered from 9001: a busy day reaches five digits


def counter_action(live_server: Any, token: str, action: str, **body: Any) -> dict[str, Any]:
    """POST one counter-17 action as the officer."""
    r = live_server.api("POST", f"/api/v1/counters/{COUNTER}/{action}", token=token, json=body)
    assert r.status_code == 200, r.text
    return r.json()


def board_page(browser: Browser, live_server: Any, device: str, query: str = "") -> Page:
    """A 1920×1080 board paired as `device` (the token where /pair would have put it)."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    token = live_server.devices[device]["token"]
    ctx.add_init_script(f"window.localStorage.setItem('xephang.deviceToken', {token!r});")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/board{query}")
    expect(page.locator("#conn-banner")).to_be_hidden()
    return page


@pytest.fixture
def officer_token(live_server: Any) -> str:
    """The counter-17 officer's API token, with the counter open and free."""
    token = api_login(live_server, OFFICER)
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/open", token=token, json={})
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/resume", token=token, json={})
    return token


@pytest.fixture
def board(browser: Browser, live_server: Any) -> Iterator[Page]:
    """The lobby board (a display device with no zone: it shows every zone)."""
    page = board_page(browser, live_server, "board-lobby")
    yield page
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_board_shows_a_call_and_its_recall(board: Page, live_server: Any, officer_token: str) -> None:
    ticket = issue(live_server, SERVICE)
    counter_action(live_server, officer_token, "call", number=ticket["number"])
    expect(board.locator("#now-number")).to_have_text(ticket["number"])
    expect(board.locator("#now-counter")).to_have_text(f"Quầy {COUNTER}")
    expect(board.locator("#now-zone")).to_contain_text("Khu A1")
    first_row = board.locator("#recent-body tr").first
    expect(first_row.locator("td.num")).to_contain_text(ticket["number"])
    expect(board.locator("#now-calling")).to_have_class(re.compile(r"\bflash\b"))
    expect(board.locator("#notice-text")).to_contain_text("Trung tâm tiếp nhận hồ sơ từ 7:30")

    # Park it, call another, then bring it back and recall it: it is the latest call again,
    # marked as a recall.
    counter_action(live_server, officer_token, "park")
    other = issue(live_server, SERVICE)
    counter_action(live_server, officer_token, "call", number=other["number"])
    expect(board.locator("#now-number")).to_have_text(other["number"])
    counter_action(live_server, officer_token, "complete")
    counter_action(live_server, officer_token, "unpark", number=ticket["number"])
    counter_action(live_server, officer_token, "recall")
    expect(board.locator("#now-number")).to_have_text(ticket["number"])
    expect(first_row.locator(".recall-tag")).to_have_text("Gọi lại")
    # One line per number: the recall moved it to the top instead of listing it twice.
    expect(board.locator("#recent-body td.num", has_text=ticket["number"])).to_have_count(1)
    counter_action(live_server, officer_token, "complete")


# Records what the board hands to the real announcer (announcer.js assigns window.XephangAnnouncer).
SPY_ANNOUNCER = """
window.__announced = [];
let cls;
Object.defineProperty(window, 'XephangAnnouncer', {configurable: true, get() { return cls; }, set(v) {
  cls = v;
  const real = v.prototype.announce;
  v.prototype.announce = function (call) { window.__announced.push(call); return real.call(this, call); };
}});
"""


def test_board_announces_each_call_and_recall(browser: Browser, live_server: Any, officer_token: str) -> None:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    token = live_server.devices["board-lobby"]["token"]
    ctx.add_init_script(f"window.localStorage.setItem('xephang.deviceToken', {token!r});")
    ctx.add_init_script(SPY_ANNOUNCER)
    page = ctx.new_page()
    page.goto(f"{live_server.url}/board")
    expect(page.locator("#conn-banner")).to_be_hidden()
    ticket = issue(live_server, SERVICE)
    counter_action(live_server, officer_token, "call", number=ticket["number"])
    counter_action(live_server, officer_token, "recall")
    page.wait_for_function("() => window.__announced.length >= 2")
    calls = page.evaluate("window.__announced")
    assert [(c["number"], c["counter"], c["recall"]) for c in calls] == [
        (ticket["number"], COUNTER, False), (ticket["number"], COUNTER, True)]
    assert calls[0]["seq"] < calls[1]["seq"]
    # Sound plays by itself here (the browser allows autoplay), so no "enable sound" button.
    expect(page.locator("#sound-unlock")).to_be_hidden()
    ctx.close()


def test_board_shows_a_five_digit_number_whole(board: Page, live_server: Any, officer_token: str,
                                               tmp_path: Path) -> None:
    # A site whose results range is five digits (numbers are unique in the building: the demo's
    # ranges are four digits, so this one is set straight in the store), on a busy day: 1,233
    # results tickets already issued, so the next number is 10001 + 1233 = 11234.
    with sqlite3.connect(live_server.db) as db:
        db.execute("UPDATE services SET first_number = 10001, last_number = 11500 WHERE code = ?",
                   (RESULTS,))
    live_server.restart()  # the board reconnects by itself
    today = issue(live_server, RESULTS)["day"]
    with sqlite3.connect(live_server.db) as db:
        db.execute("UPDATE sequences SET last_seq = 1233 WHERE service = ? AND day = ?", (RESULTS, today))
    ticket = issue(live_server, RESULTS)
    assert ticket["number"] == "11234"
    counter_action(live_server, officer_token, "call", number="11234")
    big = board.locator("#now-number")
    expect(big).to_have_text("11234", timeout=20000)
    assert big.evaluate("el => el.scrollWidth <= el.clientWidth")
    expect(board.locator("#recent-body tr").first.locator("td.num")).to_contain_text("11234")
    # XEPHANG_SHOTS=<dir> keeps the 1920×1080 picture for a person to look at.
    out = Path(os.environ.get("XEPHANG_SHOTS") or tmp_path) / "board.png"
    board.screenshot(path=str(out))
    counter_action(live_server, officer_token, "complete")


def test_board_waiting_counts_follow_the_queue(board: Page, live_server: Any) -> None:
    issue(live_server, SERVICE)
    issue(live_server, "TP-QT")
    services = live_server.api("GET", "/api/v1/services").json()["services"]
    waiting = sum(s["waiting"] for s in services if s["unit"] == "TP")
    assert waiting >= 2
    # The unit's services are summed on one line, and units with a queue are listed first.
    expect(board.locator('#waiting-list li[data-unit="TP"] .count')).to_have_text(f"{waiting} người chờ")


def test_board_speaks_english_on_request(browser: Browser, live_server: Any, officer_token: str) -> None:
    page = board_page(browser, live_server, "board-lobby", "?lang=en")
    ticket = issue(live_server, SERVICE)
    counter_action(live_server, officer_token, "call", number=ticket["number"])
    expect(page.locator("#now-counter")).to_have_text(f"Counter {COUNTER}")
    expect(page.locator("#now-service")).to_have_text("Judicial records")
    expect(page.locator("#board-scope")).to_have_text("All zones")
    expect(page.locator("#notice-text")).to_contain_text("Reception opens at 7:30")
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_zone_board_shows_only_its_zone(browser: Browser, live_server: Any, officer_token: str) -> None:
    page = board_page(browser, live_server, "board-lobby", "?zone=A2")
    expect(page.locator("#board-scope")).to_have_text("Khu A2")
    lobby = board_page(browser, live_server, "board-lobby")
    ticket = issue(live_server, SERVICE)
    counter_action(live_server, officer_token, "call", number=ticket["number"])
    # Once the all-zones board shows the call, the A2 board has had the same event and ignored it.
    expect(lobby.locator("#now-number")).to_have_text(ticket["number"])
    expect(page.locator("#recent-body td.num", has_text=ticket["number"])).to_have_count(0)
    counter_action(live_server, officer_token, "complete")
    # A board paired to zone A1 shows its zone when the URL names none.
    zoned = board_page(browser, live_server, "board-A1")
    expect(zoned.locator("#board-scope")).to_have_text("Khu A1")
    expect(zoned.locator("#now-number")).to_have_text(ticket["number"])
    for p in (page, lobby, zoned):
        assert p.errors == []  # type: ignore[attr-defined]
        p.context.close()


def test_board_says_when_disconnected_and_resyncs(board: Page, live_server: Any, officer_token: str) -> None:
    # Record every state of the banner in the page, so a short outage cannot slip past the test.
    board.evaluate("""() => {
        window.__banner = [];
        const b = document.getElementById('conn-banner');
        new MutationObserver(() => window.__banner.push({hidden: b.hidden, text: b.textContent,
            stale: document.body.classList.contains('stale')}))
          .observe(b, {attributes: true, childList: true, characterData: true, subtree: true});
    }""")
    live_server.restart()
    # Changed while the board may still be away: it must learn of it from the fresh snapshot.
    token = api_login(live_server, OFFICER)
    live_server.api("POST", f"/api/v1/counters/{COUNTER}/open", token=token, json={})
    ticket = issue(live_server, SERVICE)
    counter_action(live_server, token, "call", number=ticket["number"])
    # Reconnect attempts back off (about 1, 2, 4 s…), so allow for a slow restart.
    expect(board.locator("#now-number")).to_have_text(ticket["number"], timeout=45_000)
    expect(board.locator("#conn-banner")).to_be_hidden()
    seen = board.evaluate("window.__banner")
    assert any(not s["hidden"] and s["text"] == "Mất kết nối — đang kết nối lại…" and s["stale"] for s in seen)
    counter_action(live_server, token, "complete")


# Every visible text on the board is read from 8 m: at least 40 px.
SMALL_TEXT = """() => Array.from(document.body.querySelectorAll('*')).filter((e) =>
  e.checkVisibility() && Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim()) &&
  parseFloat(getComputedStyle(e).fontSize) < 39.5).map((e) => (e.id || e.className) + ': ' +
  getComputedStyle(e).fontSize + ' ' + JSON.stringify(e.textContent.trim().slice(0, 40)))"""


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_busy_board_is_readable_whole_from_eight_metres(
        browser: Browser, live_server: Any, lang: str, tmp_path: Path) -> None:
    from tests.browser.helpers import layout_problems, shot
    site = live_server.api("GET", "/api/v1/site").json()
    counters_of = {s["code"]: s["counters"] for s in site["services"]}
    first_of_unit: dict[str, str] = {}
    for s in site["services"]:
        first_of_unit.setdefault(s["unit"], s["code"])
    # Someone waits at every unit (the longest names included), two at each.
    issued: dict[str, list[dict[str, Any]]] = {}
    for code in first_of_unit.values():
        for _ in range(2):
            r = live_server.api("POST", "/api/v1/tickets", who="giamsat", json={"service": code})
            assert r.status_code == 201, r.text
            issued.setdefault(code, []).append(r.json())
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    token = live_server.devices["board-lobby"]["token"]
    ctx.add_init_script(f"window.localStorage.setItem('xephang.deviceToken', {token!r});")
    page = ctx.new_page()
    page.clock.install()
    page.goto(f"{live_server.url}/board?lang={lang}")
    expect(page.locator("#conn-banner")).to_be_hidden()
    # Many recent calls, at ten counters; the last one the longest service name of the site.
    codes = [c for c in first_of_unit.values() if c != "HEPZA-DT"][:9] + ["HEPZA-DT"]
    last = {}
    for code in codes:
        n = counters_of[code][0]
        live_server.api("POST", f"/api/v1/counters/{n}/open", who="giamsat", json={})
        r = live_server.api("POST", f"/api/v1/counters/{n}/call", who="giamsat",
                            json={"number": issued[code][0]["number"], "service": code})
        assert r.status_code == 200 and r.json()["ticket"], r.text
        last = r.json()["ticket"]
    assert last["service"] == "HEPZA-DT"
    expect(page.locator("#now-number")).to_have_text(last["number"], timeout=15000)  # a loaded machine may lag
    expect(page.locator("#now-service")).to_have_text(last["service_name" if lang == "vi" else "service_name_en"])
    rows = page.locator("#recent-body tr")
    expect(rows.first.locator("td.num")).to_have_text(last["number"])
    assert rows.count() >= 4
    shot(page, f"board-busy-{lang}-1920x1080", tmp_path)
    assert layout_problems(page, vertical=True, skip="#notice") == []
    assert page.evaluate(SMALL_TEXT) == []
    # Every unit with people waiting is shown whole on one of the pages, which turn by themselves.
    pager = page.locator("#waiting-page")
    pages = int((pager.inner_text() or "1/1").split("/")[1])
    assert pages > 1  # nineteen units do not fit one page at 40 px
    seen: dict[str, str] = {}
    pages_seen: set[str] = set()
    for _ in range(2 * pages):
        if len(pages_seen) == pages:
            break
        shown = pager.inner_text()
        pages_seen.add(shown)
        assert layout_problems(page, vertical=True, skip="#notice") == []
        for li in page.locator("#waiting-list li").all():
            seen[li.get_attribute("data-unit") or ""] = li.locator(".unit").inner_text()
        page.clock.fast_forward(8000)
        expect(pager).not_to_have_text(shown)
    assert pages_seen == {f"{i + 1}/{pages}" for i in range(pages)}
    names = {u["code"]: u["name" if lang == "vi" else "name_en"] for u in site["units"]}
    services = live_server.api("GET", "/api/v1/services").json()["services"]
    queued = {s["unit"] for s in services if s["waiting"] > 0}
    assert "HEPZA" in queued and len(queued) >= 15
    assert seen == {code: names[code] for code in queued}
    ctx.close()


def test_the_first_numbers_of_two_zones_differ_on_the_lobby_board(board: Page, live_server: Any,
                                                                  officer_token: str) -> None:
    """The day's first ticket in zone A1 and in zone A2 once both read "1001" on one board: a
    citizen followed the wrong one. Numbers are unique in the building now."""
    a2_officer = api_login(live_server, "canbo31")
    live_server.api("POST", "/api/v1/counters/31/open", token=a2_officer, json={})
    first_a1 = issue(live_server, SERVICE)
    first_a2 = issue(live_server, "YT-CCHN", device="kiosk-A2")
    assert first_a1["number"] != first_a2["number"]
    counter_action(live_server, officer_token, "call-next")
    r = live_server.api("POST", "/api/v1/counters/31/call-next", token=a2_officer, json={})
    assert r.status_code == 200 and r.json()["ticket"]["number"] == first_a2["number"], r.text
    rows = board.locator("#recent-body tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td.num")).to_have_text(first_a2["number"])
    expect(rows.nth(0)).to_contain_text("31")
    expect(rows.nth(1).locator("td.num")).to_have_text(first_a1["number"])
    expect(rows.nth(1)).to_contain_text(str(COUNTER))
    expect(board.locator("#now-number")).to_have_text(first_a2["number"])
