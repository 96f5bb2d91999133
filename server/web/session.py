"""Who is calling an HTTP request: bearer token or browser session, and the CSRF check."""
from __future__ import annotations

import hmac
import secrets

from flask import current_app, g, request, session

from ..services.auth import ANONYMOUS, Actor, actor_for_token, actor_for_user_id
from ..services.context import Context, for_actor, for_ticket
from ..services.errors import UseCaseError


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
    token = (request.view_args or {}).get("token")
    if actor.kind == "anonymous" and isinstance(token, str):  # a ticket's public page: its site
        if "ticket_site" not in g:
            g.ticket_site = for_ticket(base, token)
        return g.ticket_site
    named = request.args.get("site")
    # issue 9: a staff request's `?site=CODE` (rule: services/city.py); the citizens' public
    # endpoints choose their site their own way, whoever's cookie the browser carries
    if named and actor.kind != "anonymous" and not request.path.startswith("/api/v1/public/"):
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
    return str(configured or request.host_url).rstrip("/")
