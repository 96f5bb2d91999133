"""Administration: close now / open now a service or unit, and the calendar (holidays, working
days, closed days). The pages load and change everything through /api/v1/admin/closures and
/api/v1/admin/calendar."""
from server.web.admin import bp, page

ORDER = 20
SECTIONS = [("closures", "admin.closures"), ("calendar", "admin.calendar")]


@bp.get("/admin/closures")
def closures_page() -> str:
    """Close now / open now."""
    return page("closures", "admin/closures.html")


@bp.get("/admin/calendar")
def calendar_page() -> str:
    """The calendar of a year."""
    return page("calendar", "admin/calendar.html")
