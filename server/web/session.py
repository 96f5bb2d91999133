"""Who is calling an HTTP request: bearer token or browser session, and the CSRF check."""
from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import current_app, g, request, session

from ..services.auth import ANONYMOUS, Actor, actor_for_token, actor_for_user_id
from ..services.context import Context, for_actor, for_public
from ..services.errors import UseCaseError


CITIZEN_PATHS = ("/api/v1/public/", "/dat-lich")


def ctx() -> Context:
    """The use-case context of the current actor's site (the app's, site 1's, before the actor
    is known: token and session lookups read deployment-wide rows)."""
    base = current_app.extensions["xephang"]
    if "actor" not in g and not g.get("resolving_actor"):  # handlers call ctx() first
        g.resolving_actor = True
        try:
            current_actor()
        except UseCaseError:  # a bad token: the handler's own current_actor() answers it
            return base
        finally:
            g.resolving_actor = False
    actor = g.get("actor")
    if actor is None:
        return base
    # a public page or a citizen's phone: `?site=CODE`, else the site of the ticket or booking its
    # URL's token names — also when the browser carries a staff cookie (a guide booking for a
    # citizen): the citizens' pages never act for the staff member
    if actor.kind == "anonymous" or request.path.startswith(CITIZEN_PATHS):
        if "public_site" not in g:
            token = (request.view_args or {}).get("token")
            g.public_site = for_public(base, request.args.get("site"),
                                       token if isinstance(token, str) else None)
        return g.public_site
    named = request.args.get("site")
    if named:  # issue 9: a staff request's `?site=CODE` (rule: services/city.py)
        if "named_site" not in g:
            from ..services.city import site_context
            g.named_site = site_context(base, actor, named)
        return g.named_site
    return for_actor(base, actor)


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header."""
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def current_actor() -> Actor:
    """The caller: a device or user by bearer token, else the session's user, else anonymous."""
    if "actor" in g:
        return g.actor
    actor: Actor | None = None
    token = bearer_token()
    if token and token.startswith("cz-"):  # a citizen's phone token (services/citizens.py):
        g.by_cookie = False  # no staff or device rights; the public booking calls check it
        g.actor = ANONYMOUS
        return g.actor
    if token:
        actor = actor_for_token(ctx(), token)
        if actor is None:
            raise UseCaseError("unauthorized", 401)
        g.by_cookie = False
    elif "user_id" in session:
        actor = actor_for_user_id(ctx(), session["user_id"], session.get("gen"))
        g.by_cookie = actor is not None
    g.actor = actor or ANONYMOUS
    return g.actor


def csrf_token() -> str:
    """This browser session's CSRF token (created on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


def check_csrf() -> None:
    """Cookie-authenticated changes must echo the session's CSRF token in X-CSRF-Token."""
    # Login is exempt: it carries the password itself, and a shared console must be able to
    # switch officers while the previous session is still alive.
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint == "api.login":
        return
    current_actor()
    if not g.get("by_cookie"):
        return
    sent = request.headers.get("X-CSRF-Token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        raise UseCaseError("csrf_failed", 403)


def base_url() -> str:
    """Where phones reach the server: the site's public_url, else the URL this request used."""
    configured = ctx().site.info.get("public_url") or current_app.config.get("PUBLIC_URL")
    return str(configured or _host_url()).rstrip("/")


_host_urls: dict[tuple[Any, ...], str] = {}  # werkzeug's host_url (IRI decoding) per Host


def _host_url() -> str:
    """request.host_url, remembered for the few Host headers a server is reached by."""
    key = (request.scheme, request.headers.get("Host"), request.environ.get("SERVER_NAME"),
           request.environ.get("SERVER_PORT"))
    found = _host_urls.get(key)
    if found is None:
        found = request.host_url
        if len(_host_urls) < 32:  # the Host header is the caller's: keep a few, not every one
            _host_urls[key] = found
    return found
