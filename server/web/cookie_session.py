"""Flask's signed-cookie session, without its per-request set-up cost.

Flask builds a new itsdangerous serializer (and its signer) on every request, even one that carries
no session cookie, as every device, kiosk and citizen's phone call does: a tenth of a public
booking's time (bench/bench_booking.py --profile). Same cookies, same answers; the serializer is
made once per secret key.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """Signed-cookie sessions whose serializer is kept per secret key (and fallbacks)."""

    def __init__(self) -> None:
        self._kept: tuple[Any, Any] | None = None  # ((secret key, fallbacks), serializer)

    def get_signing_serializer(self, app: Flask) -> Any:
        """Flask's serializer, made again only when the key or the fallbacks change."""
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._kept
        if kept is not None and kept[0] == key:
            return kept[1]
        made = super().get_signing_serializer(app)
        self._kept = (key, made)
        return made

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """No cookie: a new empty session at once (Flask's answer, without the signer)."""
        if app.secret_key and ("HTTP_COOKIE" not in request.environ  # nothing to parse
                               or not request.cookies.get(self.get_cookie_name(app))):
            return self.session_class()
        return super().open_session(app, request)
