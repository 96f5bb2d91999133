"""Server pages: index, login, device pairing, a ticket's QR image, fonts and voice packs."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Blueprint, Flask, Response, abort, render_template, send_from_directory

from ..services import tickets
from ..services.errors import UseCaseError
from .session import base_url, ctx

CONFIG = Path(__file__).resolve().parent.parent.parent / "config"
bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> Any:
    return render_template("index.html", site=ctx().site.info)


@bp.get("/login")
def login() -> Any:
    return render_template("login.html", site=ctx().site.info)


@bp.get("/pair")
def pair() -> Any:
    return render_template("pair.html", site=ctx().site.info)


@bp.get("/t/<token>/qr.svg")
def ticket_qr(token: str) -> Any:
    try:
        ticket = tickets.get_ticket(ctx(), token, base_url())
    except UseCaseError:
        abort(404)
    img = qrcode.make(ticket["status_url"], image_factory=qrcode.image.svg.SvgPathImage,
                      box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return Response(buf.getvalue(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=86400"})


@bp.get("/fonts/<path:name>")
def fonts(name: str) -> Any:
    return send_from_directory(CONFIG / "fonts", name, max_age=86400)


@bp.get("/voice/<pack>/<path:name>")
def voice(pack: str, name: str) -> Any:
    # Joined under the voice folder as one path, so a pack of ".." cannot climb out of it.
    return send_from_directory(CONFIG / "voice", f"{pack}/{name}", max_age=3600)


def init_app(app: Flask) -> None:
    """Register the server's own pages."""
    app.register_blueprint(bp)
