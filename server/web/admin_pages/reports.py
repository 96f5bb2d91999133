"""The reports page: /reports (also /admin/reports) for supervisors and admins; a supervisor
scoped to units (a department head) sees only hers. Data from GET /api/v1/reports."""
from __future__ import annotations

from server.web.admin import bp, page

ORDER = 90
SECTIONS = [("reports", "reports.nav")]


@bp.get("/reports")
@bp.get("/admin/reports")
def reports_page() -> str:
    """Pick a period, a grouping and filters; table, charts, CSV/XLSX, a printable report."""
    return page("reports", "admin/reports.html")
