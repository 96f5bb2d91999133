"""Site configuration pages: services, counters, zones and units, hours, priority categories and
rating reasons (one page per tab under /admin/site; each loads and changes /api/v1/admin/site)."""
from flask import abort

from ..admin import bp, page

ORDER = 10
SECTIONS = [("site", "admin.site.title")]
TABS = ("services", "counters", "places", "hours", "lists")


@bp.get("/admin/site")
@bp.get("/admin/site/<tab>")
def site_config(tab: str = "services") -> str:
    """One tab of the site configuration."""
    if tab not in TABS:
        abort(404)
    return page("site", "admin/site_config.html")
