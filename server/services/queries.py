"""Read-only use cases: the site, services with live counts, the queue snapshot, stats, printers."""
from __future__ import annotations

from typing import Any

from ..store import loads
from ..store import queue as q
from .auth import Actor, require_login, require_staff
from .changes import SEQ_STRIDE, snapshot_seq
from .context import Context, Message, service_day
from .errors import UseCaseError
from .views import call_view, counter_view, iso, public_ticket, service_view


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
        "ratings": site.settings.get("ratings", {}),
        "policy": site.settings.get("policy", {}),
    }


def _zone_filter(ctx: Context, zone: str | None, floor: int | None) -> set[str]:
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
    zones = _zone_filter(ctx, zone, None)
    now = ctx.clock()
    with ctx.db.read() as conn:
        counts = q.queue_counts(conn, service_day(now))
        return [service_view(conn, ctx.site, code, now, counts)
                for code, s in ctx.site.services.items() if s.zone in zones]


def queue_snapshot(ctx: Context, zone: str | None = None, floor: int | None = None,
                   base_url: str = "") -> dict[str, Any]:
    """Everything a screen shows, read in one consistent transaction, with its seq."""
    zones = _zone_filter(ctx, zone, floor)
    now = ctx.clock()
    day = service_day(now)
    site = ctx.site
    with ctx.db.read() as conn:
        counts = q.queue_counts(conn, day)
        calls = []
        for ev in q.recent_calls(conn, day, 40):
            if site.counters.get(ev["counter"]) and site.counters[ev["counter"]].zone in zones:
                data = loads(ev["data"])
                number = data.get("number", "") if isinstance(data, dict) else ""
                calls.append(call_view(site, ev, str(number), ev["id"] * SEQ_STRIDE))
        return {
            "seq": snapshot_seq(conn), "day": day, "now": now.isoformat(timespec="seconds"),
            "services": [service_view(conn, site, code, now, counts)
                         for code, s in site.services.items() if s.zone in zones],
            "counters": [counter_view(conn, site, n, base_url)
                         for n, c in site.counters.items() if c.zone in zones],
            "recent_calls": calls[:20],
        }


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


def printer_view(p: dict[str, Any]) -> dict[str, Any]:
    """A printer as the API shows it."""
    return {"device": p["device_id"], "device_name": p["device_name"], "zone": p["zone"],
            "url": p["url"], "status": p["status"], "detail": p["detail"], "at": p["at"]}


def rooms_for(ctx: Context, actor: Actor) -> list[str]:
    """The Socket.IO rooms a connected client joins (docs/contract.md).

    `lobby` carries the whole site; a screen or kiosk with a zone hears only `zone:<code>`.
    """
    require_login(actor)
    if actor.kind == "device":
        if actor.role == "counter":
            return [f"counter:{n}" for n in actor.counters]
        rooms = [f"zone:{actor.zone}"] if actor.zone else ["lobby"]
        if actor.role == "kiosk":
            rooms.append(f"device:{actor.id}")
        return rooms
    if actor.is_supervisor:
        return ["staff", "lobby"]
    return ["staff", *(f"counter:{n}" for n in actor.counters)]


def snapshot_for(ctx: Context, actor: Actor, base_url: str = "") -> dict[str, Any]:
    """The first message a connecting client gets: the state of what its rooms show."""
    zone = actor.zone if actor.kind == "device" and actor.role in ("display", "kiosk") else None
    snap = queue_snapshot(ctx, zone=zone, base_url=base_url)
    snap["role"] = actor.role
    snap["rooms"] = rooms_for(ctx, actor)
    if actor.kind == "device" and actor.role == "counter" and actor.counters:
        snap["counter"] = next((c for c in snap["counters"] if c["number"] == actor.counters[0]), None)
    if actor.kind == "device" and actor.role == "kiosk":
        from .agents import pending_jobs
        snap["device"] = actor.public()["device"]
        snap["print_jobs"] = pending_jobs(ctx, actor, base_url)
        with ctx.db.read() as conn:
            mine = [printer_view(p) for p in q.printers(conn) if p["device_id"] == actor.id]
        snap["printer"] = mine[0] if mine else None
    if actor.is_staff:
        with ctx.db.read() as conn:
            snap["stats"] = q.day_stats(conn, service_day(ctx.clock()))
            snap["printers"] = [printer_view(p) for p in q.printers(conn)]
            snap["ratings"] = [dict(r, at=iso(r["at"]))
                               for r in q.latest_ratings(conn, service_day(ctx.clock()))]
    return snap


def ticket_snapshot(ctx: Context, token: str, base_url: str = "") -> dict[str, Any]:
    """The first message a ticket's page gets."""
    from .tickets import get_ticket
    with ctx.db.read() as conn:
        seq = snapshot_seq(conn)
    ticket = get_ticket(ctx, token, base_url)
    return {"seq": seq, "day": ticket["day"], "now": ctx.clock().isoformat(timespec="seconds"),
            "role": "ticket", "rooms": [f"ticket:{token}", f"zone:{ticket['zone']}"],
            "ticket": public_ticket(ticket), "services": [], "counters": [], "recent_calls": []}


def ticket_zone(ctx: Context, token: str) -> str:
    """The zone of the ticket behind a public token (raises ticket_not_found)."""
    with ctx.db.read() as conn:
        t = q.ticket_by_token(conn, token)
    if t is None:
        raise UseCaseError("ticket_not_found", 404)
    return ctx.site.services[t["service"]].zone


def stats_message(ctx: Context) -> Message:
    """Today's totals as a `stats.changed` message for staff."""
    with ctx.db.read() as conn:
        return Message("stats.changed", {"seq": snapshot_seq(conn),
                                         "stats": q.day_stats(conn, service_day(ctx.clock()))},
                       ("staff",))


def printer_status_of(ctx: Context, device_id: int) -> str:
    """A kiosk printer's last known status (unknown before the first read)."""
    with ctx.db.read() as conn:
        return next((p["status"] for p in q.printers(conn) if p["device_id"] == device_id), "unknown")
