"""Kiosk pages: the citizen kiosk, the staff-assisted page and the ticket's public page.

The pages are shells: their scripts read everything over the documented HTTP API and Socket.IO
events, like any other client of the server.
"""
from typing import Any

from flask import Blueprint, Flask, render_template, request, send_from_directory

bp = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/kiosk")


def _page_lang() -> str:
    """The page's starting language: `?lang=en`, else Vietnamese."""
    return "en" if request.args.get("lang") == "en" else "vi"


@bp.get("/kiosk")
def kiosk() -> str:
    """The citizen kiosk (device token from localStorage, set by /pair)."""
    return render_template("kiosk/kiosk.html", lang="vi")


@bp.get("/assist")
def assist() -> str:
    """Staff-assisted issuing and reprinting, for a guide's tablet (staff login)."""
    return render_template("kiosk/assist.html", lang=_page_lang())


@bp.get("/t/<token>")
def ticket_page(token: str) -> str:
    """A ticket's public page (the QR code's target): live status, no personal data."""
    from server.web.citizen_pages import site_code_here  # its booking link: the ticket's site
    return render_template("kiosk/ticket.html", lang=_page_lang(), token=token,
                           site_code=site_code_here())


@bp.get("/t/sw.js")
def ticket_service_worker() -> Any:
    """The ticket page's service worker (issue 10: Web Push), at /t/ so that it covers /t/<token>."""
    resp = send_from_directory(bp.static_folder or "", "ticket-sw.js", mimetype="text/javascript",
                               max_age=0)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def init_app(app: Flask) -> None:
    """Register the kiosk pages on the app."""
    app.register_blueprint(bp)
