"""The simulator's page: /reports/simulate (also /admin/simulate) for supervisors and admins; a
department head plans and sees only her units. Runs through POST /api/v1/simulations (issue 12)."""
from __future__ import annotations

from server.web.admin import bp, page

ORDER = 91
SECTIONS = [("simulate", "simulate.nav")]


@bp.get("/reports/simulate")
@bp.get("/admin/simulate")
def simulate_page() -> str:
    """Rehearse a day: a scenario, its waits per unit and service, a comparison, the planner."""
    return page("simulate", "admin/simulate.html")
