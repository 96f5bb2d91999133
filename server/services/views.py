"""The objects the API and the events show: tickets, counters, services (see docs/contract.md)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..engine.estimate import estimate_wait
from ..engine.numbering import is_open, next_opening
from ..site import Site
from ..store import Connection
from ..store import queue as q
from .context import TZ


def iso(text: str | None) -> str | None:
    """A stored timestamp as the API shows it: seconds, +07:00."""
    if not text:
        return None
    return datetime.fromisoformat(text).astimezone(TZ).isoformat(timespec="seconds")


def minutes_between(earlier: str, later: datetime) -> float:
    """Minutes from a stored timestamp to a moment."""
    return (later - datetime.fromisoformat(earlier)).total_seconds() / 60


def counters_open(conn: Connection, site: Site, service: str) -> int:
    """Counters serving this service that are open now; all its counters if none is open yet."""
    counters = site.counters_of_service(service)
    return q.open_counter_count(conn, counters) or len(counters)


def wait_range(conn: Connection, site: Site, service: str, ahead: int) -> list[int]:
    """Estimated minutes for someone with `ahead` people in front in this service."""
    low, high = estimate_wait(ahead, counters_open(conn, site, service),
                              q.recent_service_minutes(conn, service),
                              site.services[service].service_minutes)
    return [low, high]


def ticket_view(conn: Connection, site: Site, t: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A ticket as the API shows it."""
    svc = site.services[t["service"]]
    unit, zone = site.units[svc.unit], site.zones[svc.zone]
    prio = site.priority_categories.get(t["priority"] or "")
    waiting = t["status"] == "waiting"
    ahead = q.ahead_of(conn, t) if waiting else 0
    return {
        "id": t["id"], "number": t["number"], "day": t["day"],
        "service": svc.code, "service_name": svc.name, "service_name_en": svc.name_en,
        "unit": unit["code"], "unit_name": unit["name"], "unit_name_en": unit["name_en"],
        "zone": zone["code"], "zone_name": zone["name"], "zone_name_en": zone["name_en"],
        "floor": zone["floor"], "counters": site.counters_of_service(svc.code),
        "priority": t["priority"], "priority_name": prio["name"] if prio else None,
        "priority_name_en": prio["name_en"] if prio else None,
        "status": t["status"], "issued_at": iso(t["issued_at"]), "called_at": iso(t["called_at"]),
        "started_at": iso(t["started_at"]), "counter": t["counter"], "recalls": t["recalls"], "leg": t["leg"], "ahead": ahead,
        "estimated_wait_min": wait_range(conn, site, svc.code, ahead) if waiting else [0, 0],
        "token": t["token"], "status_url": f"{base_url.rstrip('/')}/t/{t['token']}",
        "print": {"status": t["print_status"], "detail": t["print_detail"]},
    }


def service_view(conn: Connection, site: Site, code: str, now: datetime,
                 counts: dict[str, tuple[int, str | None]]) -> dict[str, Any]:
    """A service with its live counts."""
    svc = site.services[code]
    unit, zone = site.units[svc.unit], site.zones[svc.zone]
    waiting, oldest = counts.get(code, (0, None))
    open_now = is_open(svc, now, site.open_all_hours)
    opens = None if open_now else next_opening(svc, now, site.open_all_hours)
    return {
        "code": code, "name": svc.name, "name_en": svc.name_en, "unit": unit["code"],
        "unit_name": unit["name"], "unit_name_en": unit["name_en"], "zone": zone["code"],
        "floor": zone["floor"], "kind": svc.kind, "open": open_now,
        "closed_reason": None if open_now else "service_closed",
        "opens_at": opens.isoformat(timespec="seconds") if opens else None,
        "waiting": waiting,
        "longest_wait_min": round(minutes_between(oldest, now), 1) if oldest else 0,
        "estimated_wait_min": wait_range(conn, site, code, waiting),
        "wait_target_min": svc.wait_target_min, "counters": site.counters_of_service(code),
    }


def counter_view(conn: Connection, site: Site, number: int, base_url: str) -> dict[str, Any]:
    """A counter with its state, current ticket and parked tickets."""
    c = site.counters[number]
    state = q.counter_state(conn, number)
    held = q.at_counter(conn, number, ("called", "serving", "parked"))
    current = [t for t in held if t["status"] != "parked"]
    return {
        "number": number, "name": c.name, "zone": c.zone, "floor": site.zones[c.zone]["floor"],
        "services": list(c.services), "priority": c.priority,
        "state": state.get("state", "closed"), "officer": state.get("officer"),
        "since": iso(state.get("since")),
        "ticket": ticket_view(conn, site, current[-1], base_url) if current else None,
        "parked": [ticket_view(conn, site, t, base_url) for t in held if t["status"] == "parked"],
    }


def call_view(site: Site, event: dict[str, Any], number: str, seq: int) -> dict[str, Any]:
    """A call (or recall) as boards show and announce it."""
    c = site.counters[event["counter"]]
    svc = site.services[event["service"]]
    return {"seq": seq, "number": number, "counter": c.number, "counter_name": c.name,
            "zone": c.zone, "floor": site.zones[c.zone]["floor"], "service": svc.code,
            "service_name": svc.name, "service_name_en": svc.name_en,
            "recall": event["type"] == "ticket.recalled", "at": iso(event["at"]),
            "ticket_id": event["ticket_id"]}


def printer_view(p: dict[str, Any]) -> dict[str, Any]:
    """A printer as the API shows it."""
    return {"device": p["device_id"], "device_name": p["device_name"], "zone": p["zone"],
            "url": p["url"], "status": p["status"], "detail": p["detail"], "at": p["at"]}
