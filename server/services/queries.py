"""Read-only use cases: the site, services with live counts, stats, printers (what screens see on
connect is in screens/snapshots.py)."""
from __future__ import annotations

from typing import Any

from ..store import queue as q
from .auth import Actor, require_staff
from .context import Context, service_day
from .errors import UseCaseError
from .views import printer_view, service_view


def site_info(ctx: Context) -> dict[str, Any]:
    """The static site configuration the kiosk and screens need."""
    site = ctx.site
    info = {k: v for k, v in site.info.items()
            if k != "public_url" and not k.startswith("backup_")}
    return {
        "site": info,
        "zones": list(site.zones.values()),
        "units": [{k: v for k, v in u.items() if k != "position"} for u in site.units.values()],
        "services": [{"code": s.code, "name": s.name, "name_en": s.name_en, "unit": s.unit,
                      "zone": s.zone, "kind": s.kind, "counters": site.counters_of_service(s.code)}
                     for s in site.services.values()],
        "counters": [{"number": c.number, "name": c.name, "zone": c.zone, "priority": c.priority,
                      "services": list(c.services)} for c in site.counters.values()],
        "priority_categories": [{k: v for k, v in p.items() if k != "position"}
                                for p in site.priority_categories.values()],
        "ratings": _offered_ratings(site.settings.get("ratings", {})),
        "policy": site.settings.get("policy", {}),
    }


def _offered_ratings(ratings: dict[str, Any]) -> dict[str, Any]:
    """The rating scores and the reasons still offered (retired ones are history only)."""
    reasons = [{k: v for k, v in r.items() if k != "retired"}
               for r in ratings.get("reasons", []) if not r.get("retired")]
    return {**ratings, "reasons": reasons} if "reasons" in ratings else dict(ratings)


def zone_filter(ctx: Context, zone: str | None, floor: int | None) -> set[str]:
    """The zones a `?zone=` / `?floor=` filter selects (all by default)."""
    zones = set(ctx.site.zones)
    if zone:
        if zone not in zones:
            raise UseCaseError("unknown_zone", 400, zone=zone)
        zones = {zone}
    if floor is not None:
        zones = {z for z in zones if ctx.site.zones[z]["floor"] == floor}
    return zones


def list_services(ctx: Context, zone: str | None = None) -> list[dict[str, Any]]:
    """Services with open/closed, waiting counts and estimated waits."""
    zones = zone_filter(ctx, zone, None)
    now = ctx.clock()
    with ctx.db.read() as conn:
        counts = q.queue_counts(conn, service_day(now))
        return [service_view(conn, ctx.site, code, now, counts)
                for code, s in ctx.site.services.items() if s.zone in zones]


def stats_today(ctx: Context, actor: Actor) -> dict[str, Any]:
    """Today's totals (staff)."""
    require_staff(actor)
    with ctx.db.read() as conn:
        return q.day_stats(conn, service_day(ctx.clock()))


def printer_list(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    """Every kiosk printer's last known status (staff)."""
    require_staff(actor)
    with ctx.db.read() as conn:
        return [printer_view(p) for p in q.printers(conn)]


def printer_status_of(ctx: Context, device_id: int) -> str:
    """A kiosk printer's last known status (unknown before the first read)."""
    with ctx.db.read() as conn:
        return next((p["status"] for p in q.printers(conn) if p["device_id"] == device_id), "unknown")
