"""The objects the API and the events show: tickets, counters, services (see docs/contract.md)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..engine.ahead import (CLASSES, MAX_STEPS, Caller, Line, calls_before_in_lines,
                            class_of_priority, line_of)
from ..engine.estimate import estimate_wait
from ..engine.model import Waiting
from ..engine.numbering import is_full, is_open, next_opening
from ..i18n import LANGS, message
from ..site import Site
from ..store import Connection
from ..store import queue as q
from . import ahead_cache
from .calendar_state import calendar_at, closed_texts
from .context import TZ, parse_stamp, service_day


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


def wait_text(low: int, high: int, lang: str) -> str:
    """A wait range in words, the one wording the kiosk, the paper and the phone page all show."""
    if high <= 0:
        return message("wait.none", lang)
    if low <= 0:
        return message("wait.under", lang, high=high)
    if low == high:
        return message("wait.about", lang, high=high)
    return message("wait.range", lang, low=low, high=high)


def wait_texts(low: int, high: int) -> dict[str, str]:
    """`wait_text` in every language the pages offer."""
    return {lang: wait_text(low, high, lang) for lang in LANGS}


# What the site alone decides, per (service, class): the counters that may call such a ticket,
# each with the services whose priority tickets it also calls. Kept per site object.
_may_call: dict[tuple[int, str, int], tuple[Site, list[Caller]]] = {}


def _possible_callers(site: Site, service: str, kind: int) -> list[Caller]:
    key = (id(site), service, kind)
    found = _may_call.get(key)
    if found is not None and found[0] is site:
        return found[1]
    if found is not None or len(_may_call) > 4096:  # a new site replaced the old one
        _may_call.clear()
    zone = site.services[service].zone
    zone_services = frozenset(site.zone_services(zone))
    callers = [Caller(c, 0, zone_services if c.priority and c.zone == zone else frozenset())
               for c in site.counters.values()]
    callers = [c for c in callers if c.may_call(service, kind)]
    _may_call[key] = (site, callers)
    return callers


def callers_of(conn: Connection, site: Site, service: str, kind: int) -> list[Caller]:
    """The counters that may call a ticket of this service and class, as the estimate sees them:
    the open ones (all of them while none is open), each with its run of priority calls."""
    work = q.counter_work(conn)
    callers = [Caller(c.counter, work.get(c.counter.number, ("closed", 0))[1], c.priority_services)
               for c in _possible_callers(site, service, kind)]
    working = [c for c in callers if work.get(c.counter.number, ("closed", 0))[0] == "open"]
    return working or callers


_last_ahead: dict[tuple[int, int, int, datetime], tuple[int, int]] = {}


def people_ahead(conn: Connection, site: Site, t: dict[str, Any], now: datetime) -> tuple[int, int]:
    """(tickets called before this waiting ticket by the real call order, counters that may call it)."""
    # One transaction often shows the same ticket twice (its event and the answer): nothing was
    # written in between (same total_changes), so the count is reused.
    key = (id(conn), conn.total_changes, int(t["id"]), now)
    if key in _last_ahead:
        return _last_ahead[key]
    result = _people_ahead(conn, site, t, now)
    _last_ahead.clear()
    _last_ahead[key] = result
    return result


_waiting_seen: dict[tuple[int, str, int, str], Waiting] = {}


def _waiting(ticket_id: int, service: str, kind: int, queued_at: str) -> Waiting:
    """The engine's view of a waiting ticket of this class (engine.ahead), parsed once per
    process (the same tickets are read by every issue while they wait)."""
    key = (ticket_id, service, kind, queued_at)
    found = _waiting_seen.get(key)
    if found is None:
        if len(_waiting_seen) > 50_000:
            _waiting_seen.clear()
        found = _waiting_seen[key] = Waiting(ticket_id, service, kind != 0, parse_stamp(queued_at),
                                             kind == 2)
    return found


def _people_ahead(conn: Connection, site: Site, t: dict[str, Any], now: datetime) -> tuple[int, int]:
    prio = class_of_priority(t["priority"])  # the ticket's class: walk-in, priority, appointment
    # The replay kept between requests (issue 11); the full replay below without a queue version.
    kept = ahead_cache.people_ahead(
        conn, site, t["day"], _waiting(int(t["id"]), t["service"], prio, t["queued_at"]), now,
        lambda: callers_of(conn, site, t["service"], prio),
        lambda: q.waiting_before(conn, t["day"], t["service"], prio, t["queued_at"], int(t["id"])),
        _waiting)
    if kept is not None:
        return kept
    callers = callers_of(conn, site, t["service"], prio)
    me = _waiting(int(t["id"]), t["service"], prio, t["queued_at"])
    mine = line_of(me)
    # Only the heads of the lines matter: the replay calls at most MAX_STEPS tickets. When the
    # oldest goes first, a younger ticket of the same class is never called before this one:
    # leave those out too.
    younger_cannot = site.policy.order == "longest_wait"
    keys = sorted({(s, p) for c in callers for s in (*c.counter.services, *c.priority_services)
                   for p in CLASSES if c.may_call(s, p)} | {mine})
    upto = (t["queued_at"], me.id)

    def read(wanted: list[Line], depth: int) -> dict[Line, list[Waiting]]:
        bounds = [q.LineRead(s, p, depth, upto if younger_cannot and p == prio or (s, p) == mine
                             else None) for s, p in wanted]
        return {key: [_waiting(i, key[0], key[1], at) for i, at in rows]
                for key, rows in q.waiting_lines(conn, t["day"], bounds).items()}

    lines = read(keys, 1)
    if any(rows and key != mine for key, rows in lines.items()):
        # Other lines wait too: the replay needs each line's first MAX_STEPS + 1, all in one
        # statement (a lone line is counted from its presence alone).
        lines.update(read([key for key, rows in lines.items() if rows], MAX_STEPS + 1))
    before = q.waiting_before(conn, t["day"], me.service, prio, t["queued_at"], me.id)
    return calls_before_in_lines(me, lines, before, callers, site.policy, now), len(callers)


def away_ahead(conn: Connection, site: Site, t: dict[str, Any]) -> tuple[int, int]:
    """(waiting tickets before a remote ticket's place in its line, counters that may call it)."""
    before = q.waiting_before(conn, t["day"], t["service"], class_of_priority(t["priority"]),
                              t["queued_at"], int(t["id"]))
    return before, counters_open(conn, site, t["service"])


def channel_of(t: dict[str, Any]) -> str:
    """How a ticket came: remote / appointment (issue 10), else kiosk or assisted (by staff)."""
    return t.get("channel") or ("kiosk" if t["issued_by"].split(":")[0] == "device" else "assisted")


def ticket_view(conn: Connection, site: Site, t: dict[str, Any], base_url: str,
                now: datetime | None = None) -> dict[str, Any]:
    """A ticket as the API shows it (`now`: the use case's clock, for the call order's aging)."""
    svc = site.services[t["service"]]
    unit, zone = site.units[svc.unit], site.zones[svc.zone]
    prio = site.priority_categories.get(t["priority"] or "")
    waiting = t["status"] == "waiting"
    ahead, callers = people_ahead(conn, site, t, now or datetime.now(TZ)) if waiting else (0, 0)
    if t["status"] == "away":  # issue 10: a number from home counts those before its place
        waiting, ahead, callers = True, *away_ahead(conn, site, t)
    low, high = estimate_wait(ahead, callers, q.recent_service_minutes(conn, svc.code),
                              svc.service_minutes) if waiting else (0, 0)
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
        "estimated_wait_min": [low, high], "estimated_wait_text": wait_texts(low, high),
        "requeued": bool(t.get("requeued_at")),
        "token": t["token"], "status_url": f"{base_url.rstrip('/')}/t/{t['token']}",
        "channel": channel_of(t),  # issue 10
        "print": {"status": t["print_status"], "detail": t["print_detail"]},
    }


def service_view(conn: Connection, site: Site, code: str, now: datetime,
                 counts: dict[str, tuple[int, str | None]]) -> dict[str, Any]:
    """A service with its live counts."""
    svc = site.services[code]
    unit, zone = site.units[svc.unit], site.zones[svc.zone]
    waiting, oldest = counts.get(code, (0, None))
    full = is_full(svc, q.issued_count(conn, code, service_day(now)))
    cal = calendar_at(conn, now)
    closed = cal.closed_by(svc, now)  # a holiday, a closed day or a suspension, with its reason
    open_now = is_open(svc, now, site.open_all_hours, cal)
    opens = None if open_now else next_opening(svc, now, site.open_all_hours, cal)
    return {
        "code": code, "name": svc.name, "name_en": svc.name_en, "unit": unit["code"],
        "unit_name": unit["name"], "unit_name_en": unit["name_en"], "zone": zone["code"],
        "floor": zone["floor"], "kind": svc.kind, "open": open_now,
        "closed_reason": None if open_now else closed.code if closed else "service_closed",
        "closed_text": closed_texts(closed.code, closed.reason, closed.reason_en) if closed else None,
        "opens_at": opens.isoformat(timespec="seconds") if opens else None,
        "waiting": waiting,
        "longest_wait_min": round(minutes_between(oldest, now), 1) if oldest else 0,
        "full": full,
        "estimated_wait_min": (est := wait_range(conn, site, code, waiting)),
        "estimated_wait_text": wait_texts(est[0], est[1]),
        "wait_target_min": svc.wait_target_min, "counters": site.counters_of_service(code),
        "accepts_priority": site.accepts_priority(code),
        "remote": bool(site.service_rows.get(code, {}).get("remote")),
        "appointments": bool(site.service_rows.get(code, {}).get("appointments")),
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
