"""Liveness and readiness for a monitor, and the answer when storage fails (busy, full, read-only)."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from markupsafe import escape
from werkzeug.exceptions import RequestEntityTooLarge

from ..i18n import message, pick_lang
from ..services.context import Context
from ..services.screens.events import StorageAlert
from ..store import Busy, StoreError
from ..store.db import MIN_FREE_BYTES, free_bytes

log = logging.getLogger(__name__)
ALERT_EVERY_S = 60.0  # one log line and one staff alert per kind of failure per minute
READY_WAIT_S = 1.0  # /readyz waits this long for the write lock before saying "busy"


class StorageAlarm:
    """Log a storage failure once (no traceback flood) and alert supervisors on the floor."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def report(self, ctx: Context, exc: StoreError) -> None:
        """Note a failure: the first of its kind each minute is logged and sent to `staff`."""
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(exc.code, -ALERT_EVERY_S) < ALERT_EVERY_S:
                return
            self._last[exc.code] = now
        log.error("storage failure %s on %s %s: %s", exc.code, request.method, request.path,
                  exc.detail)
        if isinstance(exc, Busy):
            return  # a held lock passes by itself; supervisors cannot act on it
        try:
            ctx.publish(StorageAlert(exc.code, time.time()).unnumbered())
        except Exception:  # the alert must never turn a 503 into a 500
            log.error("could not alert staff of %s", exc.code)


ALARM = StorageAlarm()


def _ctx() -> Context:
    return current_app.extensions["xephang"]  # type: ignore[no-any-return]


def _storage_error(exc: StoreError) -> Any:
    """503 with the failure's own code, in the caller's language; nothing was changed."""
    ALARM.report(_ctx(), exc)
    lang = pick_lang(request.headers.get("Accept-Language"))
    text = message(exc.code, lang)
    if request.path.startswith("/api/"):
        resp = jsonify(error={"code": exc.code, "message": text})
    else:
        resp = Response(f"<!doctype html><meta charset=utf-8><title>503</title><p>{escape(text)}</p>",
                        mimetype="text/html")
    resp.status_code = 503
    resp.headers["Retry-After"] = str(exc.retry_after)
    return resp


def _too_large(exc: RequestEntityTooLarge) -> Any:
    """413 for a body over the cap; the connection is closed so the rest is never read."""
    body = request.environ.get("wsgi.input")
    if body is not None and hasattr(body, "_discard"):
        # gevent's server reads and discards an unread body to keep the connection; a refused
        # 100 MB body must not be read at all: forget it and close the connection instead.
        body.content_length = 0
        body.chunked_input = False
    lang = pick_lang(request.headers.get("Accept-Language"))
    resp: Any
    if request.path.startswith("/api/"):
        resp = jsonify(error={"code": "body_too_large", "message": message(
            "body_too_large", lang, kb=current_app.config["MAX_CONTENT_LENGTH"] // 1024)})
        resp.status_code = 413
    else:
        resp = exc.get_response()
    resp.headers["Connection"] = "close"
    return resp


def healthz() -> Any:
    """Liveness: the process answers (touches no database)."""
    return jsonify(status="ok")


def readyz() -> Any:
    """Readiness: the database takes a write, the disk has room, the print workers run, the
    message queue (if any) answers."""
    ctx = _ctx()
    checks: dict[str, str] = {}
    try:
        ctx.db.probe_write(time.monotonic() + READY_WAIT_S)
        checks["database"] = "ok"
    except StoreError as exc:
        checks["database"] = exc.code
    try:
        free = free_bytes(ctx.db.folder)
        checks["disk"] = ("off" if ctx.db.kind != "sqlite"  # PostgreSQL's disk is its server's
                          else "ok" if free >= MIN_FREE_BYTES else "storage_full")
    except OSError:
        free = 0
        checks["disk"] = "unknown"
    printer = ctx.printer
    checks["printing"] = ("off" if printer is None else
                          "ok" if printer.alive() else "stopped")
    waker = current_app.extensions.get("xephang.waker")
    if waker is not None:  # with a message queue: screens hear this process only through it
        checks["message_queue"] = "ok" if waker.ping() else "unreachable"
    ready = all(v in ("ok", "off") for v in checks.values())
    # issue 10: SMS needs the phone key; without it the process still serves the floor, so it
    # stays ready and says so apart (`sms`: ok, or why it cannot send).
    from ..services.phone_vault import vault_for
    sms = vault_for(ctx.db).problem or "ok"
    return jsonify(status="ok" if ready else "not_ready", checks=checks,
                   free_mb=free // (1024 * 1024), sms=sms), 200 if ready else 503


def _refuse_large_body() -> None:
    """Refuse a body over MAX_CONTENT_LENGTH from its Content-Length, before reading any of it
    (Flask alone checks only when a handler reads the body)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


def init_app(app: Flask) -> None:
    """Register /healthz, /readyz and the storage and body-size error answers."""
    app.before_request(_refuse_large_body)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)
    app.register_error_handler(StoreError, _storage_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
