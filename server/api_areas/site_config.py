"""Site configuration API (/api/v1/admin/site): read for admins and supervisors, change for admins."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from ..api import body, bp
from ..services.admin import site_config
from ..web.session import ctx, current_actor


@bp.get("/admin/site")
def admin_site() -> Any:
    return jsonify(site_config.site_config(ctx(), current_actor()))


@bp.post("/admin/site/<kind>")
def admin_site_create(kind: str) -> Any:
    return jsonify(site_config.create(ctx(), current_actor(), kind, body())), 201


@bp.put("/admin/site/<kind>/<code>")
def admin_site_update(kind: str, code: str) -> Any:
    return jsonify(site_config.update(ctx(), current_actor(), kind, code, body()))


@bp.post("/admin/site/<kind>/<code>/retire")
def admin_site_retire(kind: str, code: str) -> Any:
    return jsonify(site_config.retire(ctx(), current_actor(), kind, code, True))


@bp.post("/admin/site/<kind>/<code>/restore")
def admin_site_restore(kind: str, code: str) -> Any:
    return jsonify(site_config.retire(ctx(), current_actor(), kind, code, False))


@bp.get("/admin/site/export")
def admin_site_export() -> Any:
    from flask import Response
    text = site_config.export_toml(ctx(), current_actor())
    return Response(text, mimetype="application/toml",
                    headers={"Content-Disposition": 'attachment; filename="site.toml"'})
