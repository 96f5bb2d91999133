"""The Flask app factory."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, request

from printers.runtime import use_runtime_dir

from . import api, realtime
from .services.audit import origin
from .services.context import Context
from .setup import initialize, secret_key
from .store import Database
from .web import health
from .web.cookie_session import CookieSessions
from .web.security import SecurityHeaders, secure_cookies

ROOT = Path(__file__).resolve().parent.parent
# Every request body the product sends is a small JSON object; a bigger one is refused (413)
# from its Content-Length, before it is read.
MAX_BODY_BYTES = 64 * 1024


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app on a database file (created and loaded with the demo site when empty).

    Config keys: DB (path), SITE (site file for a new database), ASYNC_MODE (gevent, threading),
    SYNC_PUBLISH (emit inside the request; tests), PRINTING (start the print worker), PUBLIC_URL,
    MESSAGE_QUEUE (redis://…: Socket.IO across processes, events sent by the outbox relay).
    """
    app = Flask(__name__, static_folder="web/static", static_url_path="/static",
                template_folder="web/templates")
    app.config.update(DB=str(ROOT / "var" / "xephang.db"), SITE=None, ASYNC_MODE=None,
                      SYNC_PUBLISH=False, PRINTING=True, PUBLIC_URL=None,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=12), JSON_SORT_KEYS=False,
                      MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    app.config.update(config or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    db = Database(app.config["DB"])
    if db.kind == "sqlite":  # PostgreSQL: the runtime folder the command line chose
        use_runtime_dir(db.folder / "runtime")  # private caches (escpos) next to the database
    initialize(db, app.config["SITE"], demo=False)  # no-op when the database has a site
    app.secret_key = secret_key(db)
    app.session_interface = CookieSessions()  # Flask's cookies, its signer made once
    ctx = Context.open(db)
    app.extensions["xephang"] = ctx
    from .services.context import stamp
    from .services.phone_vault import check_at_start  # a backup restored without its phone key
    check_at_start(db, stamp(ctx.clock()))  # is told once here, and by /readyz and the floor
    from .services.notify import push
    push.check_at_start(db, stamp(ctx.clock()))  # so is a changed Web Push key (one log line)
    health.init_app(app)
    api.init_app(app)
    realtime.init_app(app, ctx, app.config["ASYNC_MODE"], app.config["SYNC_PUBLISH"],
                      app.config.get("MESSAGE_QUEUE"))
    app.config["SESSION_COOKIE_SECURE"] = secure_cookies(app.config, ctx.site.info)
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
    from .web import proxies  # behind nginx: the client's address from X-Forwarded-For
    if nets := proxies.configured(app.config):  # outermost: Socket.IO's connections see it too
        app.wsgi_app = proxies.TrustedProxies(app.wsgi_app, nets)  # type: ignore[method-assign]
    if app.config["PRINTING"]:
        from .services.printing import Printing
        ctx.printer = Printing.start(ctx, db.folder / "prints")
    from .web import pages
    pages.init_app(app)
    from kiosk import web as kiosk_web
    from counter_display import web as screens_web
    from .web import admin, console
    kiosk_web.init_app(app)
    screens_web.init_app(app)
    console.init_app(app)
    admin.init_app(app)
    from .web import citizen_pages  # issue 10: /dat-lich
    citizen_pages.init_app(app)
    app.before_request(_note_origin)
    return app


def _note_origin() -> None:
    """Remember where this request comes from, for the audit trail."""
    origin.set(request.remote_addr or "")


def close_app(app: Flask) -> None:
    """Stop the app's revocation watch and close its database (an app made and dropped in one
    process, as tests do: its watch must not outlive the database it reads)."""
    app.extensions["xephang.live"].stop()
    app.extensions["xephang"].db.close()
