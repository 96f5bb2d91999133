"""Reports over the API: GET /api/v1/reports as JSON, CSV or XLSX (supervisors and admins; a
supervisor scoped to units sees only hers). The work runs off the event loop."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from ..api import bp
from ..i18n import pick_lang
from ..services import report_files, reports
from ..services.offload import off_loop
from ..web.session import ctx, current_actor

MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _answer(c: Any, actor: Any, args: dict[str, str], lang: str) -> tuple[str, Any]:
    """The report in the asked format (runs in a worker thread under gevent)."""
    q = reports.parse_query(c, actor, args, lang)
    if q.fmt == "json":
        return "json", reports.report(c, actor, q)
    if q.fmt == "csv":
        return "csv", report_files.to_csv(reports.report(c, actor, q), q.lang)
    return "xlsx", report_files.to_xlsx(reports.reports_by_group(c, actor, q), q.lang, q.group)


@bp.get("/reports")
def report() -> Any:
    args = {k: v for k, v in request.args.items()}
    lang = args.get("lang") or pick_lang(request.headers.get("Accept-Language"))
    c, actor = ctx(), current_actor()
    reports.parse_query(c, actor, args, lang)  # errors answer at once, on the loop (cheap)
    fmt, data = off_loop(_answer, c, actor, args, lang)
    if fmt == "json":
        return jsonify(data)
    name = f"bao-cao_{args['from']}_{args['to']}_{args.get('group') or 'service'}.{fmt}"
    return Response(data, mimetype=MIME[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})
