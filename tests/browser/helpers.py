"""What the browser tests do through the API around the page under test."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def api_login(live_server: Any, username: str) -> str:
    """An API token for a demo user."""
    return str(live_server.token(username))


def issue(live_server: Any, service: str = "TP-LLTP", device: str = "kiosk-A1") -> dict[str, Any]:
    """Take a ticket at a kiosk (zone A1's by default)."""
    r = live_server.api("POST", "/api/v1/tickets", who=device, json={"service": service})
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


# Finds what is cut or off screen: every visible element within the viewport (horizontally; also
# vertically when the page must not scroll) and within any ancestor that clips it; no text
# element whose text is wider than its box. Elements in a scrolling list are checked against the
# list, not the viewport (the list scrolls them into view). `skip` names elements meant to move
# (a marquee).
LAYOUT_PROBLEMS = """([vertical, skip]) => {
  const W = document.documentElement.clientWidth, H = document.documentElement.clientHeight;
  const out = [];
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  const skipped = skip ? Array.from(document.querySelectorAll(skip)) : [];
  for (const e of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'OPTION', 'BR'].includes(e.tagName)) continue;
    if (skipped.some((s) => s === e || s.contains(e))) continue;
    if (!e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    if (e.closest('dialog:not([open])')) continue;
    const r = e.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    let scrolled = false;
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      const ox = cs.overflowX, oy = cs.overflowY;
      if (ox === 'visible' && oy === 'visible') continue;
      const ar = a.getBoundingClientRect();
      const scrollsX = ox === 'auto' || ox === 'scroll', scrollsY = oy === 'auto' || oy === 'scroll';
      if (scrollsX || scrollsY) { scrolled = true; }
      if (!scrollsX && ox !== 'visible' && (r.left < ar.left - 1 || r.right > ar.right + 1))
        out.push(name(e) + ' cut sideways by ' + name(a));
      if (!scrollsY && oy !== 'visible' && (r.top < ar.top - 1 || r.bottom > ar.bottom + 1))
        out.push(name(e) + ' cut at top/bottom by ' + name(a));
      if (scrolled) break;
    }
    if (!scrolled) {
      if (r.left < -1 || r.right > W + 1) out.push(name(e) + ' off screen sideways');
      if (vertical && (r.top < -1 || r.bottom > H + 1)) out.push(name(e) + ' below the screen');
    }
    const own = getComputedStyle(e);
    // Boxes holding other boxes must hold them (a text-only line's glyphs may pass its line-height).
    if (!['auto', 'scroll'].includes(own.overflowY) && own.display !== 'inline' && e.clientHeight > 0 &&
        Array.from(e.children).some((c) => getComputedStyle(c).display !== 'inline') &&
        e.scrollHeight > e.clientHeight + 2 && !['HTML', 'BODY'].includes(e.tagName))
      out.push(name(e) + ' content taller than its box');
    const hasText = Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (hasText && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline')
      out.push(name(e) + ' text wider than its box: ' + JSON.stringify(e.textContent.trim().slice(0, 60)));
  }
  return Array.from(new Set(out));
}"""


def layout_problems(page: Any, vertical: bool = True, skip: str = "") -> list[str]:
    """What is cut or off screen on the page (see LAYOUT_PROBLEMS); [] when everything fits."""
    return list(page.evaluate(LAYOUT_PROBLEMS, [vertical, skip]))


def shot(page: Any, name: str, tmp_path: Any) -> Path:
    """Save a screenshot for a person to look at: in $XEPHANG_SHOTS if set, else the test's tmp."""
    out = Path(os.environ.get("XEPHANG_SHOTS") or tmp_path) / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out))
    return out


def assert_fits(page: Any, shot: Any = None, scroll_y: bool = False) -> None:
    """The page fits its device's screen: nothing off screen, nothing cut.
    `shot`: a path to save a screenshot to (to look at); `scroll_y`: a page that scrolls down
    (a phone page) may be taller than the screen."""
    if shot is not None:
        page.screenshot(path=str(shot), full_page=scroll_y)
    problems = layout_problems(page, vertical=not scroll_y)
    assert problems == [], problems


def sign_in(page: Any, live_server: Any, username: str) -> dict[str, Any]:
    """Sign a demo user in through the login API from `page`'s browser context (its session
    cookie then goes with every page of that context); the login's answer (csrf_token...)."""
    r = page.request.post(f"{live_server.url}/api/v1/auth/login",
                          data={"username": username,
                                "password": live_server.users[username]["password"]})
    assert r.ok, r.text()
    return dict(r.json())


PHONE = {"width": 390, "height": 844}


@contextmanager
def ticket_page_with_worker(browser: Any, server: Any, ticket: dict[str, Any]) -> Iterator[
        tuple[Any, Any, list[dict[str, Any]], str]]:
    """A phone's ticket page whose service worker is ready: (page, its DevTools session, the
    worker registrations DevTools reported, the worker's scope); notifications allowed."""
    from playwright.sync_api import expect
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        ctx.grant_permissions(["notifications"], origin=server.url)
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        registrations: list[dict[str, Any]] = []
        cdp.on("ServiceWorker.workerRegistrationUpdated",
               lambda e: registrations.extend(e["registrations"]))
        cdp.send("ServiceWorker.enable")
        page.goto(f"{server.url}/t/{ticket['token']}")
        expect(page.locator("#tp-number")).to_have_text(ticket["number"])
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        yield page, cdp, registrations, scope
    finally:
        ctx.close()
