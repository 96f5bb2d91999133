"""Simulations over the API (issue 12): POST /api/v1/simulations starts a job running the same
command as `xephang simulate` in its own process; GET /api/v1/simulations/<id> polls it and, with
?format=csv|toml|svg, downloads its table, its scenario file or its chart; DELETE stops it."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from ..api import body, bp
from ..i18n import pick_lang
from ..services import simulations
from ..services.errors import UseCaseError
from ..web.session import ctx, current_actor


def _lang() -> str:
    return request.args.get("lang") or pick_lang(request.headers.get("Accept-Language"))


@bp.post("/simulations")
def start_simulation() -> Any:
    c, actor = ctx(), current_actor()
    job = simulations.start(c, actor, body(), _lang())
    return jsonify(simulations.answer(c, job)), 202


@bp.get("/simulations/<job_id>")
def simulation(job_id: str) -> Any:
    c, actor, lang = ctx(), current_actor(), _lang()
    simulations.require_admin_read(actor)
    job = simulations.JOBS.get(actor, job_id, lang)
    fmt = request.args.get("format") or "json"
    if fmt == "json":
        return jsonify(simulations.answer(c, job))
    if fmt not in ("csv", "toml", "svg"):
        raise UseCaseError("report_bad_format", 400, field="format")
    data, mime, name = simulations.download(c, job, fmt, lang, request.args.get("scenario") == "b")
    disposition = "inline" if fmt == "svg" else f'attachment; filename="{name}"'
    return Response(data, mimetype=mime, headers={"Content-Disposition": disposition,
                                                  "Cache-Control": "no-store"})


@bp.delete("/simulations/<job_id>")
def stop_simulation(job_id: str) -> Any:
    c, actor, lang = ctx(), current_actor(), _lang()
    simulations.require_admin_read(actor)
    return jsonify(simulations.answer(c, simulations.JOBS.cancel(actor, job_id, lang)))
