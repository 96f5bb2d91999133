"""Staff pages: the officer console and the supervisor's floor view."""
from flask import Blueprint, Flask, render_template, request

bp = Blueprint("console", __name__, template_folder="templates/console",
               static_folder="static/console", static_url_path="/static/console")


def _page_lang() -> str:
    """The page's starting language: `?lang=en` or Vietnamese (the page remembers a later choice)."""
    return "en" if request.args.get("lang") == "en" else "vi"


@bp.get("/console")
def console() -> str:
    """The officer console; the page itself checks the session through /api/v1/me."""
    return render_template("staff/console.html", lang=_page_lang())


@bp.get("/floor")
def floor() -> str:
    """The supervisor's live floor view."""
    return render_template("staff/floor.html", lang=_page_lang(),
                           zone=(request.args.get("zone") or "").strip())


def init_app(app: Flask) -> None:
    """Register the staff pages on the app."""
    app.register_blueprint(bp)
