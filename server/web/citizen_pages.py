"""The citizens' booking pages (issue 10): /dat-lich and a booking's confirmation. Shells: their
script reads everything over the public API (/api/v1/public/...)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, render_template, request

from ..i18n import LANGS, message
from ..services.citizens import policy
from ..services.errors import UseCaseError
from .session import ctx


def _retention_days() -> int:
    """How long the policy keeps a phone number (the consent text says it)."""
    return int(policy(ctx(), "phone_retention_days"))

bp = Blueprint("citizen", __name__)


def _code_of(here: Any) -> str:
    """The code of a context's site ("" for site 1: its pages need none)."""
    if here.site_id == 1:
        return ""
    from ..store import sites as site_rows
    with here.db.read() as conn:
        return next((s["code"] for s in site_rows.list_sites(conn) if s["id"] == here.site_id), "")


def site_code_here() -> str:
    """The code of the current request's site, for a public page's links ("" for site 1 or an
    unknown site: the link then opens site 1's page, as before issue 9)."""
    try:
        return _code_of(ctx())
    except UseCaseError:
        return ""


def _page(booking: str) -> Any:
    """The page in its site: `?site=CODE` (a ward's link), else the booking's, else site 1."""
    try:
        here = ctx()
    except UseCaseError as exc:  # an unknown site code: say so, in both languages
        text = " / ".join(message(exc.code, lang, **exc.params) for lang in LANGS)
        return Response(text, status=exc.status, mimetype="text/plain")
    code = request.args.get("site") or _code_of(here)
    return render_template("citizen/book.html", site=here.site.info, booking=booking,
                           site_code=code, retention_days=_retention_days())


@bp.get("/dat-lich")
def book() -> Any:
    """Choose unit → service → day → slot, verify the phone, book (a ward's page:
    /dat-lich?site=CODE — issue 9)."""
    return _page("")


@bp.get("/dat-lich/b/<token>")
def booking(token: str) -> Any:
    """A booking's confirmation: code, QR, cancel (its token is the owner's key and names its
    site)."""
    return _page(token)


def init_app(app: Flask) -> None:
    """Register the citizen pages."""
    app.register_blueprint(bp)
