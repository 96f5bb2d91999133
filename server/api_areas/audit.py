"""The audit trail over HTTP: GET /api/v1/admin/audit (JSON pages or a CSV download) and the
choices its filters offer. Read-only: no route edits or deletes an entry."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, stream_with_context

from ..api import bp
from ..i18n import pick_lang
from ..services import audit_trail
from ..services.errors import UseCaseError
from ..services.offload import off_loop
from ..web.session import ctx, current_actor


def _lang() -> str:
    """The language of the answer: ?lang= (a download link), else Accept-Language."""
    chosen = request.args.get("lang")
    return chosen if chosen in ("vi", "en") else pick_lang(request.headers.get("Accept-Language"))


@bp.get("/admin/audit")
def audit_entries() -> Any:
    filters = audit_trail.parse_filters(request.args.to_dict())
    fmt = request.args.get("format") or "json"
    if fmt == "csv":
        chunks = audit_trail.audit_csv(ctx(), current_actor(), filters, _lang(), run=off_loop)
        name = audit_trail.csv_file_name(filters)
        return Response(stream_with_context(chunks), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})
    if fmt != "json":
        raise UseCaseError("audit_bad_filter", 400, field="format", name="format")
    return jsonify(audit_trail.audit_page(ctx(), current_actor(), filters, _lang()))


@bp.get("/admin/audit/filters")
def audit_filters() -> Any:
    return jsonify(audit_trail.filter_options(ctx(), current_actor(), _lang()))
