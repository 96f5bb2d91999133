"""Every administration page and /reports, walked as an administrator and as a department head at
the console size (1366×768), the calendar and the reports also at 1920×1080, in Vietnamese and in
English: nothing cut or off screen, no translation key left on screen, no Vietnamese label left
in the English page. Screenshots go to $XEPHANG_SHOTS for a person to look at."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import api_login, issue, layout_problems, shot
from tests.conftest import DEMO_PASSWORD

CONSOLE = {"width": 1366, "height": 768}
WIDE = {"width": 1920, "height": 1080}
# (path, what shows once the page has drawn its data). The audit trail and the reports are long
# documents that scroll down; every other page fits the screen.
SCROLLS = {"/admin/audit", "/reports"}
PAGES = [
    ("/admin", ".admin-cards li"),
    ("/admin/site/services", '.sc-list[data-kind="service"] tbody tr'),
    ("/admin/site/counters", '.sc-list[data-kind="counter"] tbody tr'),
    ("/admin/site/places", '.sc-list[data-kind="unit"] tbody tr'),
    ("/admin/site/hours", '.sc-list[data-kind="hours"] tbody tr'),
    ("/admin/site/lists", '.sc-list[data-kind="reason"] tbody tr'),
    ("/admin/users", "#users-body tr"),
    ("/admin/devices", "#devices-body tr"),
    ("/admin/closures", "#closures-body tr"),
    ("/admin/calendar", "#days-body tr"),
    ("/admin/audit", "#audit-rows tr"),
    ("/reports", "#report-table tbody tr"),
]
# A key of the translation tables (admin.site.f_code, reports.by_unit...) drawn as text.
KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$|^[a-z]+(_[a-z0-9]+)+:?$")  # or a field name: reason_en
# Vietnamese letters no English word has: a label the English page forgot to translate. Data
# (names of people, units without an English name) is allowed where the page shows data.
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]", re.I)

UNTRANSLATED = """(dataTags) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode, e = n.parentElement, text = n.textContent.trim();
    if (!text || !e || !e.offsetParent && getComputedStyle(e).position !== 'fixed') continue;
    // Data: a cell's own text (names, reasons as typed), people's names, values that changed; the
    // language switch says "Tiếng Việt" in English. Labels inside cells (kinds, buttons) count.
    if (e.tagName === 'TD' || e.closest('#user-name, .mono, #lang-toggle, .who-name, .chg-before, .chg-after')) continue;
    out.push(text);
  }
  for (const e of document.querySelectorAll('input[placeholder], [title], [aria-label]')) {
    if (e.offsetParent) out.push(e.getAttribute('placeholder') || e.getAttribute('title') || e.getAttribute('aria-label'));
  }
  return out.filter(Boolean);
}"""


@pytest.fixture
def seeded(live_server: Any) -> Any:
    """A morning with tickets served, a closure and a department head (so lists are not empty)."""
    for _ in range(3):
        issue(live_server, "TP-LLTP")
    token = api_login(live_server, "canbo18")
    for action in ("open", "call-next", "start", "complete"):
        r = live_server.api("POST", f"/api/v1/counters/18/{action}", token=token, json={})
        assert r.status_code == 200, r.text
    r = live_server.api("POST", "/api/v1/admin/closures", who="quantri",
                        json={"scope": "service", "code": "TP-QT", "reason": "mất kết nối hệ thống một cửa điện tử",
                              "reason_en": "the one-stop system is offline"})
    assert r.status_code == 201, r.text
    r = live_server.api("POST", "/api/v1/admin/users", who="quantri",
                        json={"username": "hoa", "display_name": "Trưởng phòng Tư pháp", "role": "supervisor",
                              "units": ["TP"], "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    return live_server


@pytest.fixture
def signed_in(browser: Browser, seeded: Any) -> Iterator[Any]:
    made: list[tuple[Any, list[str]]] = []

    def open_as(who: str, viewport: dict[str, int]) -> Page:
        ctx = browser.new_context(viewport=viewport)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        made.append((ctx, errors))
        assert page.request.post(f"{seeded.url}/api/v1/auth/login",
                                 data={"username": who, "password": DEMO_PASSWORD}).ok
        return page

    yield open_as
    for ctx, errors in made:
        ctx.close()
        assert errors == []


def walk(page: Page, url: str, path: str, ready: str, name: str, tmp_path: Any) -> list[str]:
    """Open a page in Vietnamese, then English; what does not fit or is not translated."""
    problems: list[str] = []
    page.goto(url + path)
    expect(page.locator("#admin-main")).to_be_visible()
    expect(page.locator(ready).first).to_be_visible()
    for lang in ("vi", "en"):
        if lang == "en":
            page.click("#lang-toggle")
            expect(page.locator("body")).to_have_attribute("data-lang", "en")
            expect(page.locator(ready).first).to_be_visible()
        shot(page, f"walk-{name}-{lang}", tmp_path)
        problems += [f"{path} {lang}: {p}" for p in layout_problems(page, vertical=path not in SCROLLS)]
        texts = page.evaluate(UNTRANSLATED, None)
        problems += [f"{path} {lang}: key {t!r}" for t in texts if KEY.match(t)]
        if lang == "en":
            problems += [f"{path} en: Vietnamese {t!r}" for t in texts if VIETNAMESE.search(t)]
    page.click("#lang-toggle")  # back to Vietnamese for the next page
    return problems


@pytest.mark.parametrize("who", ["quantri", "hoa"])
def test_every_admin_page_fits_the_console_in_both_languages(signed_in: Any, seeded: Any, who: str,
                                                             tmp_path: Any) -> None:
    page = signed_in(who, CONSOLE)
    problems: list[str] = []
    for path, ready in PAGES:
        name = f"{who}-1366-{path.strip('/').replace('/', '-')}"
        problems += walk(page, seeded.url, path, ready, name, tmp_path)
    assert problems == [], "\n".join(problems)
    if who == "quantri":  # the trail names coded values in words: the new department head's role
        page.goto(seeded.url + "/admin/audit")
        role = page.locator("#audit-rows li", has_text="Vai trò")
        expect(role).to_have_text(re.compile(r"Vai trò:?\s*Giám sát viên"))


def test_calendar_and_reports_fit_the_wide_screen(signed_in: Any, seeded: Any, tmp_path: Any) -> None:
    page = signed_in("quantri", WIDE)
    problems: list[str] = []
    for path, ready in PAGES:
        if path in ("/admin/calendar", "/admin/closures", "/reports"):
            problems += walk(page, seeded.url, path, ready, f"quantri-1920-{path.strip('/').replace('/', '-')}",
                             tmp_path)
    assert problems == [], "\n".join(problems)
