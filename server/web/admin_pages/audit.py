"""/admin/audit: the audit trail, filtered by person, kind and days, with CSV export."""
from server.web.admin import bp, page

ORDER = 90
SECTIONS = [("audit", "admin.audit")]


@bp.get("/admin/audit")
def audit_page() -> str:
    """The audit trail page (its data comes from GET /api/v1/admin/audit)."""
    return page("audit", "admin/audit.html")
