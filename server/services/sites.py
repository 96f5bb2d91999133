"""The sites of one deployment (issue 9 groundwork): list them, add one. Queries are not scoped
by site yet; every existing row belongs to site 1."""
from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..store import sites as rows
from . import audit
from .auth import Actor, require_admin, require_admin_read
from .context import Context, stamp
from .errors import UseCaseError

CODE = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")
MAX_NAME = 200
DEFAULT_TZ = "Asia/Ho_Chi_Minh"


def list_sites(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    """Every site of the deployment (admins; supervisors read)."""
    if not actor.is_admin:
        require_admin_read(actor)
    with ctx.db.read() as conn:
        return rows.list_sites(conn)


def add_site(ctx: Context, actor: Actor, code: str, name: str, name_en: str = "",
             timezone: str = DEFAULT_TZ) -> dict[str, Any]:
    """Add a site (a ward centre): a unique code, its names and time zone; audited."""
    require_admin(actor)
    if not CODE.fullmatch(code or ""):
        raise UseCaseError("site_code_bad", 400, field="code")
    name, name_en = " ".join((name or "").split()), " ".join((name_en or "").split())
    if not name:
        raise UseCaseError("site_name_required", 400, field="name")
    if len(name) > MAX_NAME or len(name_en) > MAX_NAME:
        raise UseCaseError("text_too_long", 400, field="name", max=MAX_NAME)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UseCaseError("site_timezone_bad", 400, field="timezone") from None
    with ctx.db.write() as conn:
        if rows.site_by_code(conn, code) is not None:
            raise UseCaseError("site_code_taken", 409, field="code", site=code)
        site = {"code": code, "name": name, "name_en": name_en or name, "timezone": timezone}
        site_id = rows.add_site(conn, code, site["name"], site["name_en"], timezone,
                                stamp(ctx.clock()))
        audit.record(conn, ctx, actor, "site.add", audit.target("site", code), None, site)
    return {"id": site_id, **site}
