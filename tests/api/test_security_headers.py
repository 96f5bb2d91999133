"""Security headers on every response, no inline script in any page, Secure cookies for HTTPS,
no sequential ids in public JSON, Allow on 405, files only from their own folders."""
from __future__ import annotations

import http.client
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [p for d in ("server", "kiosk", "counter_display") for p in (ROOT / d).rglob("*.html")]


def csp_of(r: Any) -> dict[str, list[str]]:
    policy = r.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


@pytest.mark.parametrize("method, path", [
    ("GET", "/"), ("GET", "/login"), ("GET", "/pair"), ("GET", "/kiosk"), ("GET", "/assist"),
    ("GET", "/board"), ("GET", "/counter-display"), ("GET", "/console"), ("GET", "/floor"),
    ("GET", "/t/some-token"), ("GET", "/api/v1/site"), ("GET", "/api/v1/tickets/nope"),
    ("GET", "/static/common/i18n.js"), ("GET", "/voice/vi-south/manifest.json"),
    ("GET", "/socket.io/?EIO=4&transport=polling"), ("GET", "/nowhere"), ("DELETE", "/api/v1/site"),
])
def test_every_response_carries_the_security_headers(client: Any, method: str, path: str) -> None:
    r = client.open(path, method=method)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    csp = csp_of(r)
    assert csp["script-src"] == ["'self'"], "no inline script, no eval"
    assert csp["style-src"] == ["'self'"], "no inline style: pages style from their CSS files"
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]


def test_no_template_has_inline_script_or_event_handlers() -> None:
    assert len(TEMPLATES) >= 10
    for page in TEMPLATES:
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, f"inline <script> in {page}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler in {page}"
        assert "javascript:" not in html.lower(), page
        assert not re.search(r"\sstyle\s*=|<style\b", html), f"inline style in {page} (CSP: style-src 'self')"


def test_the_public_ticket_shows_no_database_id(http: Any, app: Any) -> None:
    issued = http.issue()
    assert "id" not in issued  # nor does the kiosk (a device) that issued it
    public = http.ticket(issued["token"])
    assert "id" not in public and public["number"] == issued["number"]
    from server.realtime import socketio
    phone = socketio.test_client(app, auth={"ticket": issued["token"]})
    snap = phone.get_received()[0]
    assert snap["name"] == "snapshot" and "id" not in snap["args"][0]["ticket"]
    staff = socketio.test_client(app, auth={"token": http.token("canbo17")})
    staff.get_received()
    http.act(17, "call-next", "canbo17")
    mine = [m["args"][0] for m in phone.get_received() if m["name"] == "ticket.changed"]
    assert mine and all("id" not in p["ticket"] for p in mine)
    assert mine[-1]["ticket"]["status"] == "called" and mine[-1]["ticket"]["counter"] == 17
    theirs = [m["args"][0] for m in staff.get_received() if m["name"] == "ticket.changed"]
    assert isinstance(theirs[-1]["ticket"]["id"], int)  # staff do see it
    assert theirs[-1]["ticket"]["token"] == issued["token"] and theirs[-1]["seq"] == mine[-1]["seq"]
    phone.disconnect()
    staff.disconnect()


def test_405_names_the_allowed_methods(client: Any) -> None:
    r = client.delete("/api/v1/tickets")
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    r = client.get("/api/v1/auth/login")
    assert r.status_code == 405 and "POST" in r.headers["Allow"]
    r = client.put("/login")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]


def test_openapi_describes_the_login_throttle_and_repeated_requests(http: Any) -> None:
    spec = http.ok("GET", "/api/v1/openapi.json")
    login = spec["paths"]["/auth/login"]["post"]["responses"]
    assert "429" in login and "Retry-After" in login["429"]["headers"]
    issue = spec["paths"]["/tickets"]["post"]["responses"]
    assert "201" in issue and "repeat" in issue["200"]["description"].lower()
    assert "repeat" in spec["paths"]["/counters/{number}/call-next"]["post"]["responses"]["200"][
        "description"].lower()


def login_cookie(app: Any, demo: Any) -> str:
    r = app.test_client().post("/api/v1/auth/login",
                               json={"username": "canbo17", "password": demo.password})
    return str(r.headers["Set-Cookie"])


def test_cookies_are_not_secure_on_plain_http_by_default(app: Any, demo: Any) -> None:
    cookie = login_cookie(app, demo)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("how", ["env", "site"])
def test_secure_cookies_for_https_deployments(demo: Any, db_path: Path, monkeypatch: Any,
                                              how: str) -> None:
    from server.app import create_app
    from server.store import Database
    from server.store import site as site_rows
    if how == "env":
        monkeypatch.setenv("XEPHANG_SECURE_COOKIES", "1")
    else:  # public_url = "https://…" in [site] of the site file
        db = Database(db_path)
        with db.write() as conn:
            site = site_rows.get_setting(conn, "site")
            site_rows.set_setting(conn, "site", {**site, "public_url": "https://xephang.example.vn"})
        db.close()
    app = create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "PRINTING": False})
    try:
        assert "Secure" in login_cookie(app, demo)
    finally:
        app.extensions["xephang"].db.close()


@pytest.mark.parametrize("path", [
    "/voice/../site.toml", "/voice/%2e%2e/site.toml", "/voice/%2E%2E/site.toml",
    "/voice/vi-south/../../site.toml", "/voice/vi-south/..%2f..%2fsite.toml",
    "/voice/vi-south/%2e%2e%2f%2e%2e%2fsite.toml", "/voice/..%2f/site.toml", "/voice/..%5csite.toml",
    "/fonts/../site.toml", "/fonts/..%2fsite.toml", "/fonts/%2e%2e/site.toml",
    "/static/..%2f..%2f..%2fconfig%2fsite.toml", "/static/kiosk/..%2f..%2fweb.py",
    "/static/screens/..%2fweb.py", "/static/console/..%2f..%2fconsole.py",
])
def test_files_are_served_only_from_their_own_folder(client: Any, path: str) -> None:
    r = client.get(path, follow_redirects=True)
    assert r.status_code in (400, 404), (path, r.status_code)
    assert b"[site]" not in r.data and b"def " not in r.data


def test_voice_and_fonts_still_served(client: Any) -> None:
    assert client.get("/voice/vi-south/manifest.json").status_code == 200
    assert client.get("/fonts/NotoSans-Regular.ttf").status_code == 200


def test_raw_dot_dot_paths_over_the_network(live_server: Any) -> None:
    """Sent as is, the way a script (not a browser) sends them."""
    for path in ("/voice/../site.toml", "/voice/%2e%2e/site.toml", "/voice/vi-south/../../site.toml",
                 "/fonts/../site.toml", "/static/../../config/site.toml"):
        conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        conn.close()
        assert r.status in (400, 404), (path, r.status)
        assert b"[site]" not in body
