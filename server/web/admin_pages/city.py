"""The city page (issue 9): /admin/city, for city-level accounts — every site with its people,
devices and today's tickets, and links into the administration pages acting for one site
(`?site=CODE`). Data from GET /api/v1/admin/sites."""
from __future__ import annotations

from server.web.admin import bp, page

ORDER = 5
SECTIONS = [("city", "city.nav")]


@bp.get("/admin/city")
def city_page() -> str:
    """The sites of the deployment (city-level accounts; others get the API's city_only)."""
    return page("city", "admin/city.html")
