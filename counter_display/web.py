"""Screens: the lobby board and the counter display tablet."""
from flask import Blueprint, Flask, render_template, request

bp = Blueprint("screens", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/screens")


def _board_filter() -> dict[str, str]:
    """The zone or floor the board shows, from the query string (empty: the device's own zone, else all)."""
    zone = (request.args.get("zone") or "").strip()
    floor = (request.args.get("floor") or "").strip()
    # A malformed floor would filter out everything; ignore it rather than show an empty board.
    if floor and not floor.isdigit():
        floor = ""
    return {"zone": zone, "floor": floor}


@bp.get("/board")
def board() -> str:
    """The lobby board: latest call, recent calls, waiting per unit (a display device's page)."""
    return render_template("screens/board.html", lang=_page_lang(), **_board_filter())


@bp.get("/counter-display")
def counter_display() -> str:
    """The counter tablet: the number at this counter and the citizen's rating buttons."""
    return render_template("screens/counter_display.html", lang=_page_lang())


def _page_lang() -> str:
    """The page's starting language: `?lang=en` or Vietnamese."""
    return "en" if request.args.get("lang") == "en" else "vi"


def init_app(app: Flask) -> None:
    """Register the screen pages on the app."""
    app.register_blueprint(bp)
