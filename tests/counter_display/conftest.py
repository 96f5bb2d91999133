"""Fixtures for the counter display tests: a static file server and a headless Chromium."""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
BLANK_PAGE = b"<!doctype html><html lang='vi'><meta charset='utf-8'><title>t</title><body></body></html>"


class _RepoFiles(http.server.SimpleHTTPRequestHandler):
    """Serves the repo's announcer.js, shared.js and voice packs, a blank page at /, and pages tests add."""

    pages: dict[str, bytes] = {}

    def do_GET(self) -> None:
        page = BLANK_PAGE if self.path == "/" else self.pages.get(self.path)
        if page is not None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if not self.path.startswith(("/counter_display/static/", "/config/voice/",
                                     "/server/web/static/common/")):
            self.send_error(404)
            return
        super().do_GET()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def static_pages() -> dict[str, bytes]:
    """Extra HTML pages (path → bytes) the static server answers with; tests add their own."""
    return _RepoFiles.pages


@pytest.fixture(scope="session")
def static_url() -> Iterator[str]:
    """Base URL of a tiny http.server on 127.0.0.1 serving the repo files the browser needs."""
    handler = functools.partial(_RepoFiles, directory=str(REPO))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def chromium_args() -> list[str]:
    """Launch flags for Debian's chromium (no sandbox in containers, no network chatter)."""
    return list(CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def chromium(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The shared `browser` fixture when tests/conftest.py has it, else our own headless Chromium."""
    try:
        yield request.getfixturevalue("chromium_browser")
        return
    except pytest.FixtureLookupError:
        pass
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()
