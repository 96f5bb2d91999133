"""What the browser tests do through the API around the page under test."""
from __future__ import annotations

from typing import Any


def api_login(live_server: Any, username: str) -> str:
    """An API token for a demo user."""
    return str(live_server.token(username))


def issue(live_server: Any, service: str = "TP-LLTP", device: str = "kiosk-A1") -> dict[str, Any]:
    """Take a ticket at a kiosk (zone A1's by default)."""
    r = live_server.api("POST", "/api/v1/tickets", who=device, json={"service": service})
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


# What "nothing overflows or is cut" means on a page at a device size: every visible element lies
# inside the viewport, and no element clips its own text (scrollWidth > clientWidth) — except
# elements made to scroll and the page's own root.
LAYOUT_PROBLEMS_JS = """(scrollY) => {
  const vw = window.innerWidth, vh = scrollY ? Infinity : window.innerHeight, out = [];
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  for (const el of document.body.querySelectorAll('*')) {
    const st = getComputedStyle(el);
    if (st.display === 'none' || st.visibility === 'hidden' || el.closest('[hidden]')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1)
      out.push(name(el) + ' outside the viewport: ' + [r.left, r.top, r.right, r.bottom].map(Math.round).join(','));
    const scrolls = /(auto|scroll)/.test(st.overflowX + st.overflowY);
    if (!scrolls && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && st.overflowX !== 'visible')
      out.push(name(el) + ' cuts its text: ' + el.scrollWidth + ' > ' + el.clientWidth);
    if (!scrolls && el !== document.body)
      for (const child of el.children) {
        const c = child.getBoundingClientRect(), cs = getComputedStyle(child);
        if (c.width === 0 || c.height === 0 || cs.position === 'absolute' || cs.position === 'fixed') continue;
        if (c.bottom > r.bottom + 2 || c.right > r.right + 2 || c.left < r.left - 2 || c.top < r.top - 2)
          out.push(name(child) + ' spills out of ' + name(el));
      }
    if (!scrolls && el.children.length === 0 && el.textContent.trim() && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
      out.push(name(el) + ' text wider than its box: ' + el.scrollWidth + ' > ' + el.clientWidth);
  }
  return out;
}"""


def layout_problems(page: Any, scroll_y: bool = False) -> list[str]:
    """Elements that overflow the viewport or cut their text (empty when the page fits);
    `scroll_y`: a page that scrolls down (a phone page) may be taller than the screen."""
    return list(page.evaluate(LAYOUT_PROBLEMS_JS, scroll_y))


def assert_fits(page: Any, shot: Any = None, scroll_y: bool = False) -> None:
    """The page fits its device's screen: nothing outside the viewport, no text cut.
    `shot`: a path to save a screenshot to (to look at); `scroll_y`: see layout_problems."""
    if shot is not None:
        page.screenshot(path=str(shot), full_page=scroll_y)
    problems = layout_problems(page, scroll_y)
    assert problems == [], problems
