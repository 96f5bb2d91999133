"""The snapshot a client gets on (re)connect, and the other reads built for screens: the queue
state (`GET /api/v1/queue`), today's totals as a message, the zone behind a ticket's token."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...store import loads
from ...store import queue as q
from ..admin.scope import unit_scope
from ..agents import pending_jobs
from ..auth import Actor
from ..context import Context, Message, service_day
from ..errors import UseCaseError
from ..queries import zone_filter
from ..tickets import get_ticket
from ..views import call_view, counter_view, iso, printer_view, service_view
from . import rooms
from .events import Snapshot, StatsChanged
from .sequence import call_seq, snapshot_seq
from .views import own_ticket, public_call, public_counter


def queue_snapshot(ctx: Context, zone: str | None = None, floor: int | None = None,
                   base_url: str = "", public: bool = False) -> dict[str, Any]:
    """Everything a screen shows, read in one consistent transaction, with its seq (public: the
    counters as public views, for devices)."""
    zones = zone_filter(ctx, zone, floor)
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
                calls.append(call_view(site, ev, str(number), call_seq(ev["id"])))
        counters = [counter_view(conn, site, n, base_url)
                    for n, c in site.counters.items() if c.zone in zones]
        return {
            "seq": snapshot_seq(conn), "day": day, "now": now.isoformat(timespec="seconds"),
            "services": [service_view(conn, site, code, now, counts)
                         for code, s in site.services.items() if s.zone in zones],
            "counters": [public_counter(c) for c in counters] if public else counters,
            "recent_calls": [public_call(c) for c in calls[:20]] if public else calls[:20],
        }


def rooms_of(ctx: Context, actor: Actor) -> list[str]:
    """The rooms a user or device joins, a department head's scoped to her units."""
    return rooms.rooms_for(actor, unit_scope(ctx, actor))


def snapshot_for(ctx: Context, actor: Actor, base_url: str = "") -> dict[str, Any]:
    """The first message a connecting user or device gets: the state of what its rooms show."""
    device = actor.kind == "device"
    zone = actor.zone if device and actor.role in ("display", "kiosk") else None
    snap = queue_snapshot(ctx, zone=zone, base_url=base_url, public=not actor.is_staff)
    snap["role"] = actor.role
    snap["rooms"] = rooms_of(ctx, actor)
    if device and actor.role == "counter" and actor.counters:
        snap["counter"] = next((c for c in snap["counters"] if c["number"] == actor.counters[0]), None)
    if device and actor.role == "kiosk":
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
    seq = snap.pop("seq")
    return Snapshot(seq, snap).payload()


def ticket_snapshot(ctx: Context, token: str, base_url: str = "") -> dict[str, Any]:
    """The first message a ticket's page gets."""
    with ctx.db.read() as conn:
        seq = snapshot_seq(conn)
    ticket = get_ticket(ctx, token, base_url)
    return Snapshot(seq, {
        "day": ticket["day"], "now": ctx.clock().isoformat(timespec="seconds"), "role": "ticket",
        "rooms": rooms.ticket_rooms(token, ticket["zone"]), "ticket": own_ticket(ticket),
        "services": [], "counters": [], "recent_calls": []}).payload()


def ticket_zone(ctx: Context, token: str) -> str:
    """The zone of the ticket behind a public token (raises ticket_not_found)."""
    with ctx.db.read() as conn:
        t = q.ticket_by_token(conn, token)
    if t is None:
        raise UseCaseError("ticket_not_found", 404)
    return ctx.site.services[t["service"]].zone


def stats_message(ctx: Context, seq: int | None = None) -> Message:
    """Today's totals as a `stats.changed` message for staff (with `seq` if given: the outbox
    relay's, which must stay below the changes it has not sent yet)."""
    with ctx.db.read() as conn:
        now_seq, stats = snapshot_seq(conn), q.day_stats(conn, service_day(ctx.clock()))
    message = StatsChanged(stats).messages(now_seq if seq is None else seq)[0]
    return replace(message, site_id=ctx.site_id)  # to this site's staff rooms (issue 9)
