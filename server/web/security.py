"""Security headers on every response (pages, API, Socket.IO polling) and the cookie settings."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

# Scripts and styles only from this server's own files (no inline script or style attribute, no
# eval; scripts may still set element.style); no page may be framed (clickjacking on the console).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),  # frame-ancestors for browsers that predate it
    # A ticket's page and QR image have the citizen's token in their URL: never send it on.
    ("Referrer-Policy", "no-referrer"),
)
SECURE_COOKIES_ENV = "XEPHANG_SECURE_COOKIES"


class SecurityHeaders:
    """WSGI middleware: adds HEADERS to every response that does not set them itself."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [(n, v) for n, v in HEADERS if n.lower() not in present]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)
        return self.app(environ, start)


def secure_cookies(config: dict[str, Any], site_info: dict[str, Any]) -> bool:
    """Whether cookies get the Secure flag: HTTPS deployments (env, site file, or an https public_url)."""
    env = os.environ.get(SECURE_COOKIES_ENV, "").strip().lower()
    if env in ("0", "false", "no", "off"):
        return False
    return (env in ("1", "true", "yes", "on") or bool(config.get("SESSION_COOKIE_SECURE"))
            or bool(site_info.get("secure_cookies"))
            or str(site_info.get("public_url") or config.get("PUBLIC_URL") or "").startswith("https://"))
