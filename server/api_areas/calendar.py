"""Closures (close now / open now) and the calendar under /api/v1/admin (admins change,
supervisors read)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request

from ..api import body, bp
from ..services import closures
from ..web.session import ctx, current_actor


@bp.get("/admin/closures")
def list_closures() -> Any:
    return jsonify(closures.list_closures(ctx(), current_actor()))


@bp.post("/admin/closures")
def close_now() -> Any:
    return jsonify(closures.close_now(ctx(), current_actor(), body())), 201


@bp.delete("/admin/closures/<scope>/<code>")
def open_now(scope: str, code: str) -> Any:
    return jsonify(closures.open_now(ctx(), current_actor(), scope, code))


@bp.get("/admin/calendar")
def calendar_year() -> Any:
    return jsonify(closures.calendar_year(ctx(), current_actor(), request.args.get("year")))


@bp.post("/admin/calendar")
def add_day() -> Any:
    return jsonify(closures.add_calendar_day(ctx(), current_actor(), body())), 201


@bp.delete("/admin/calendar/<day_id>")
def remove_day(day_id: str) -> Any:
    return jsonify(closures.remove_calendar_day(ctx(), current_actor(), day_id))


@bp.post("/admin/calendar/import")
def import_holidays() -> Any:
    return jsonify(closures.import_holidays(ctx(), current_actor(), body().get("year"))), 201
