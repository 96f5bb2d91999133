"""The citizens' booking pages (issue 10): /dat-lich and a booking's confirmation. Shells: their
script reads everything over the public API (/api/v1/public/...)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template

from ..services.citizens import policy
from .session import ctx


def _retention_days() -> int:
    """How long the policy keeps a phone number (the consent text says it)."""
    return int(policy(ctx(), "phone_retention_days"))

bp = Blueprint("citizen", __name__)


@bp.get("/dat-lich")
def book() -> Any:
    """Choose unit → service → day → slot, verify the phone, book."""
    return render_template("citizen/book.html", site=ctx().site.info, booking="",
                           retention_days=_retention_days())


@bp.get("/dat-lich/b/<token>")
def booking(token: str) -> Any:
    """A booking's confirmation: code, QR, cancel (its token is the owner's key)."""
    return render_template("citizen/book.html", site=ctx().site.info, booking=token,
                           retention_days=_retention_days())


def init_app(app: Flask) -> None:
    """Register the citizen pages."""
    app.register_blueprint(bp)
