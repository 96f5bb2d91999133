"""The city level over the API (issue 9): the sites of the deployment and the city-wide report,
for city-level accounts (services/city.py). Acting for one site is `?site=CODE` on the existing
admin API (web/session.ctx)."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from ..api import bp
from ..i18n import pick_lang
from ..services import city
from ..services.offload import off_loop
from ..web.session import current_actor


def _base() -> Any:
    """Site 1's context, which opens every other site's."""
    return current_app.extensions["xephang"]


@bp.get("/admin/sites")
def city_sites() -> Any:
    """Every site with its counts (city level)."""
    return jsonify(sites=off_loop(city.list_sites, _base(), current_actor()))


@bp.get("/reports/city")
def city_report() -> Any:
    """The city report as JSON or CSV (city level)."""
    args = {k: v for k, v in request.args.items()}
    lang = args.get("lang") or pick_lang(request.headers.get("Accept-Language"))
    base, actor = _base(), current_actor()
    q = city.parse_city_query(base, actor, args, "en" if lang == "en" else "vi")  # errors at once
    data = off_loop(city.city_report, base, actor, q)
    if q.fmt == "json":
        return jsonify(data)
    name = f"bao-cao-thanh-pho_{q.first}_{q.last}.csv"
    return Response(off_loop(city.city_csv, data, q.lang), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})
