"""Reports: the daily summary written after each service day, and reports over any range of days.

A report counts *visits* (legs): a ticket visits one service, and again another one after each
transfer or requeue. Per visit: issued (the ticket's first visit only), served, no-show,
transferred, cancelled, not served (still open at the day close); its waiting time runs from
joining that service's line (issue, transfer, or requeue) to the call, its service time from the
start (or the call) to the finish of a served visit. Ratings belong to the visit they rate. The
group of a visit is its service (→ unit, zone), counter and officer (where it was called; "" if
never), and the hour it joined the line. Percentiles: see server/engine/reports.py.

Past days are read from their summaries (report_cells), today from today's rows, so a year of
history answers as fast as a day.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from ..engine.reports import SCORES, Tally, merged, whole_minutes
from ..site import Site
from ..store import reports as rows
from ..store.scope import site_of  # issue 9: the site of the transaction
from .auth import Actor, require_admin_read
from .context import Context, service_day, stamp
from .errors import UseCaseError

DIMS = ("service", "counter", "officer", "hour", "weekday", "slot")
# grouping → (projection read, its column that holds the group)
GROUP_DIM = {"unit": ("service", "unit"), "service": ("service", "key"),
             "weekday": ("weekday", "key"), "day": ("service", "day"),
             "counter": ("counter", "key"), "officer": ("officer", "key"), "hour": ("hour", "key"),
             "slot": ("slot", "key")}
# projection → the columns its groups are read by ("day" is never read from a month's roll-up)
GROUP_COLUMNS = {dim: sorted({c for d, c in GROUP_DIM.values() if d == dim and c != "day"})
                 for dim in DIMS}
GROUPS = ("unit", "service", "counter", "officer", "hour", "weekday")  # "day", "slot": charts
FORMATS = ("json", "csv", "xlsx")
CHANNELS = ("kiosk", "assisted", "remote", "appointment")  # the last two: issue 10
MAX_DAYS = 400
SLOTS = 96  # 15-minute slots of a day
OUTCOMES = {"done": "served", "no_show": "no_show", "transferred": "transferred",
            "cancelled": "cancelled", "not_served": "not_served"}
WEEKDAYS = (("Thứ Hai", "Monday"), ("Thứ Ba", "Tuesday"), ("Thứ Tư", "Wednesday"),
            ("Thứ Năm", "Thursday"), ("Thứ Sáu", "Friday"), ("Thứ Bảy", "Saturday"),
            ("Chủ nhật", "Sunday"))
Key = tuple[str, str, str, str, str]  # dim, key, service, priority, channel
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def _dump(d: dict[Any, int]) -> str:
    return _JSON.encode(d) if d else "{}"


# --- the daily summary -------------------------------------------------------------------------

def _queue_start(leg: dict[str, Any]) -> str:
    """When a visit joined its service's line: issue, transfer, or requeue."""
    if leg["leg"] == 1 or leg["prev_outcome"] is None:
        return str(leg["issued_at"])
    if leg["prev_outcome"] == "no_show":
        return str(leg["requeued_at"] or leg["prev_finished"] or leg["issued_at"])
    return str(leg["prev_finished"] or leg["issued_at"])


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def channel_of(issued_by: str, channel: str | None = None) -> str:
    """How a ticket was issued: from home (remote) or for an appointment (issue 10), else at a
    kiosk (a device), or by staff for the citizen (assisted)."""
    if channel:
        return channel
    return "kiosk" if str(issued_by).split(":")[0] == "device" else "assisted"


class Visit(NamedTuple):
    """One visit's share of the report, as plain values (added to several groups)."""

    issued: int
    priority: int
    outcome: str | None  # a Tally counter: served, no_show, transferred, cancelled, not_served
    wait: int | None  # whole minutes, if called
    within: int
    service: int | None  # whole minutes, if served
    score: int | None
    reasons: tuple[str, ...]


def _visit(site: Site, leg: dict[str, Any], rating: dict[str, Any] | None) -> Visit:
    """One visit's share of the report."""
    first = leg["leg"] == 1
    wait, within, service = None, 0, None
    if leg["called_at"]:
        waited = _seconds(_queue_start(leg), leg["called_at"])
        wait = whole_minutes(waited)
        svc = site.services.get(leg["service"])
        within = 1 if svc and waited <= svc.wait_target_min * 60 else 0
    if leg["outcome"] == "done" and leg["finished_at"]:
        began = leg["started_at"] or leg["called_at"] or leg["finished_at"]
        service = whole_minutes(_seconds(began, leg["finished_at"]))
    return Visit(1 if first else 0, 1 if first and leg["priority"] else 0,
                 OUTCOMES.get(leg["outcome"] or ""), wait, within, service,
                 int(rating["score"]) if rating else None,
                 tuple(json.loads(rating["reasons"] or "[]")) if rating else ())


def _count(t: Tally, v: Visit) -> None:
    """Add a visit to a group's tally."""
    t.visits += 1
    t.issued += v.issued
    t.priority += v.priority
    if v.outcome:
        setattr(t, v.outcome, getattr(t, v.outcome) + 1)
    if v.wait is not None:
        t.waited += 1
        t.within_target += v.within
        t.wait_hist[v.wait] = t.wait_hist.get(v.wait, 0) + 1
    if v.service is not None:
        t.service_hist[v.service] = t.service_hist.get(v.service, 0) + 1
    if v.score is not None:
        t.ratings[v.score] += 1
        for code in v.reasons:
            t.reasons[code] = t.reasons.get(code, 0) + 1


def day_tallies(site: Site, legs: list[dict[str, Any]], ratings: list[dict[str, Any]],
                dims: tuple[str, ...] = DIMS) -> dict[Key, Tally]:
    """A day's visits added up by every projection (`dims`: all by default) and filter (service,
    priority, channel)."""
    rated = {(r["ticket_id"], r["leg"]): r for r in ratings}
    out: dict[Key, Tally] = {}
    weekday: dict[str, str] = {}
    for leg in legs:
        v = _visit(site, leg, rated.get((leg["ticket_id"], leg["leg"])))
        start = _queue_start(leg)
        hh, mm = start[11:13], int(start[14:16])  # local time: stored with +07:00
        day = leg["issued_at"][:10]
        if day not in weekday:
            weekday[day] = str(date.fromisoformat(day).isoweekday())
        chan, svc = channel_of(leg["issued_by"], leg.get("channel")), leg["service"]
        # an appointment's ticket is called in the priority class, but its channel says so
        prio = "" if chan == "appointment" else leg["priority"] or ""
        keys = [("service", svc), ("counter", "" if leg["counter"] is None else str(leg["counter"])),
                ("officer", leg["officer"] or ""), ("hour", hh), ("weekday", weekday[day])]
        for dim, key in keys:
            if dim not in dims:
                continue
            k = (dim, key, svc, prio, chan)
            t = out.get(k)
            if t is None:
                t = out[k] = Tally()
            _count(t, v)
        if v.issued and "slot" in dims:  # arrivals by 15 minutes
            slot = out.setdefault(("slot", f"{hh}:{mm // 15 * 15:02d}", svc, prio, chan), Tally())
            slot.visits += 1
            slot.issued += 1
            slot.priority += v.priority
    return out


def counter_slots(site: Site, events: list[dict[str, Any]], day_end: str | None) -> dict[int, str]:
    """For each counter, which 15-minute slots of the day it was open in ('1') or not ('0').
    A counter still open at the end counts as open until the day's last activity."""
    open_since: dict[int, datetime] = {}
    slots: dict[int, list[str]] = {}

    def mark(counter: int, a: datetime, b: datetime) -> None:
        marks = slots.setdefault(counter, ["0"] * SLOTS)
        first = (a.hour * 60 + a.minute) // 15
        end = b.hour * 60 + b.minute + (1 if b.second or b.microsecond else 0)
        if b.date() > a.date():
            end = 24 * 60  # open past midnight: until the end of the day
        last = min(SLOTS - 1, (end - 1) // 15) if b > a else first
        for s in range(first, max(first, last) + 1):
            marks[s] = "1"

    for e in events:
        n, at = e["counter"], datetime.fromisoformat(e["at"])
        if n is None:
            continue
        if e["type"] in ("counter.opened", "counter.resumed"):
            open_since.setdefault(n, at)
        elif n in open_since:
            mark(n, open_since.pop(n), at)
    end = datetime.fromisoformat(day_end) if day_end else None
    for n, since in open_since.items():
        mark(n, since, end if end and end > since else since)
    return {n: "".join(m) for n, m in slots.items()}


def _cell_row(day: str, site: Site, key: Key, t: Tally) -> dict[str, Any]:
    dim, k, svc, prio, chan = key
    s = site.services.get(svc)
    return {"day": day, "dim": dim, "key": k, "service": svc, "unit": s.unit if s else "",
            "zone": s.zone if s else "", "priority": prio, "channel": chan, "visits": t.visits,
            "issued": t.issued,
            "priority_n": t.priority, "served": t.served, "no_show": t.no_show,
            "transferred": t.transferred, "cancelled": t.cancelled, "not_served": t.not_served,
            "waited": t.waited, "within_target": t.within_target,
            **{f"r{s_}": t.ratings[s_] for s_ in SCORES},
            "reasons": _dump(t.reasons), "wait_hist": _dump(t.wait_hist),
            "service_hist": _dump(t.service_hist)}


def _day_end(legs: list[dict[str, Any]], events: list[dict[str, Any]]) -> str | None:
    """The day's last activity (the day close of the next morning does not count)."""
    stamps = [x for leg in legs for x in (leg["finished_at"], leg["called_at"])
              if x and x[:10] == leg["issued_at"][:10]]
    stamps += [e["at"] for e in events]
    return max(stamps) if stamps else None


def _compute_day(ctx: Context, conn: Any, day: str,
                 dims: tuple[str, ...] = DIMS) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A day's summary cells (of these projections) and counters' open slots, from its rows."""
    legs, ratings = rows.legs_of_day(conn, day), rows.ratings_of_day(conn, day)
    events = rows.counter_events_of_day(conn, day)
    cells = [_cell_row(day, ctx.site, k, t)
             for k, t in day_tallies(ctx.site, legs, ratings, dims).items()]
    counters = [{"counter": n, "zone": ctx.site.counter_rows.get(n, {}).get("zone", ""), "slots": s}
                for n, s in counter_slots(ctx.site, events, _day_end(legs, events)).items()]
    return cells, counters


def summarize_day(ctx: Context, day: str) -> int:
    """Write (or rewrite) a closed day's summary; returns how many cells it has."""
    with ctx.db.read() as conn:  # the dirty mark of the same snapshot as the rows
        mark = rows.dirty_days(conn, site_of(conn)).get(day)
        cells, counters = _compute_day(ctx, conn, day)
    with ctx.db.write() as conn:
        rows.save_day(conn, site_of(conn), day, cells, counters, stamp(ctx.clock()), mark)
    return len(cells)


def summarize_closed_days(ctx: Context) -> int:
    """Summarize every day before today that has tickets and no summary yet; returns how many.
    Runs after each day close (and at start-up, off the event loop, for days already past)."""
    today = service_day(ctx.clock())
    with ctx.db.read() as conn:
        days = rows.days_to_summarize(conn, site_of(conn), today)
    for day in days:
        summarize_day(ctx, day)
    with ctx.db.read() as conn:  # this month's too: its days so far
        months = rows.months_to_roll_up(conn, site_of(conn), today)
    for month in months:
        roll_up_month(ctx, month)
    return len(days)


def roll_up_month(ctx: Context, month: str) -> int:
    """Add a month's daily summaries (this month's: so far) up into its roll-up; returns how many
    cells it has."""
    at = stamp(ctx.clock())
    merged: dict[Key, Tally] = {}
    facts: dict[Key, dict[str, Any]] = {}
    with ctx.db.read() as conn:  # added up by SQLite: one pass, no JSON decoded per day
        for dim in DIMS:
            counts, parts = rows.cells_added_up(conn, site_of(conn), dim, f"{month}-01", f"{month}-31")
            for c in counts:
                k = (c["dim"], c["key"], c["service"], c["priority"], c["channel"])
                merged[k] = _tally_of({**c, "reasons": "{}", "wait_hist": "{}",
                                       "service_hist": "{}"})
                facts[k] = c
            for k5, what, code, n in parts:
                t = merged[k5]  # type: ignore[index]
                if what == "reason":
                    t.reasons[code] = n
                else:
                    (t.wait_hist if what == "wait" else t.service_hist)[int(code)] = n
    cells = [{**_cell_row(month, ctx.site, k, t), "unit": facts[k]["unit"],
              "zone": facts[k]["zone"]} for k, t in merged.items()]
    by_group: dict[tuple[str, str, str], Tally] = {}
    for k, t in merged.items():  # what a report without filters reads
        for col in GROUP_COLUMNS[k[0]]:
            gk = facts[k]["unit"] if col == "unit" else k[1]
            by_group.setdefault((k[0], col, gk), Tally()).add(t)
    groups = [{**_cell_row(month, ctx.site, (dim, gk, "", "", ""), t), "col": col, "gk": gk}
              for (dim, col, gk), t in by_group.items()]
    with ctx.db.write() as conn:
        rows.save_month(conn, site_of(conn), month, cells, at, groups)
    return len(cells)


# --- reports -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    """A validated report request."""

    first: str
    last: str
    group: str
    fmt: str = "json"
    zone: str | None = None
    priority: str | None = None
    channel: str | None = None
    unit: str | None = None
    lang: str = "vi"
    charts: bool = False


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(value: Any, field: str) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise UseCaseError("report_bad_date", 400, field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UseCaseError("report_bad_date", 400, field=field) from None


def parse_query(ctx: Context, actor: Actor, args: Mapping[str, Any], lang: str = "vi") -> Query:
    """Check a report request's parameters (each error names its field) and the caller's scope."""
    require_admin_read(actor)
    first, last = _date(args.get("from"), "from"), _date(args.get("to"), "to")
    if last < first:
        raise UseCaseError("report_bad_range", 400, field="to")
    if (last - first).days >= MAX_DAYS:
        raise UseCaseError("report_range_too_long", 400, field="to", days=MAX_DAYS)
    group = args.get("group") or "service"
    if group not in GROUPS:
        raise UseCaseError("report_bad_group", 400, field="group")
    fmt = args.get("format") or "json"
    if fmt not in FORMATS:
        raise UseCaseError("report_bad_format", 400, field="format")
    zone = args.get("zone") or None
    if zone is not None and zone not in ctx.site.zones:
        raise UseCaseError("unknown_zone", 400, field="zone", zone=str(zone))
    prio = args.get("priority") or None
    if prio is not None and prio not in ("yes", "no") and prio not in ctx.site.priority_categories:
        raise UseCaseError("unknown_priority", 400, field="priority", priority=str(prio))
    channel = args.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        raise UseCaseError("report_bad_channel", 400, field="channel")
    unit = args.get("unit") or None
    if unit is not None and unit not in ctx.site.units:
        raise UseCaseError("report_unknown_unit", 400, field="unit")
    if unit is not None and not actor.sees_unit(unit):
        raise UseCaseError("out_of_scope", 403, field="unit")
    return Query(first.isoformat(), last.isoformat(), group, fmt, zone, prio, channel, unit,
                 "en" if lang == "en" else "vi", str(args.get("charts") or "") in ("1", "true"))


def _units(actor: Actor, q: Query) -> list[str] | None:
    """The units a report may read: the one asked for, else the caller's scope (None: all)."""
    if q.unit is not None:
        return [q.unit]
    return None if actor.is_admin or not actor.units else list(actor.units)


def _tally_of(c: dict[str, Any]) -> Tally:
    t = Tally(visits=c["visits"], issued=c["issued"], priority=c["priority_n"], served=c["served"],
              no_show=c["no_show"], transferred=c["transferred"], cancelled=c["cancelled"],
              not_served=c["not_served"], waited=c["waited"], within_target=c["within_target"],
              ratings={s: c[f"r{s}"] for s in SCORES})
    t.reasons = json.loads(c["reasons"])
    t.wait_hist = {int(k): v for k, v in json.loads(c["wait_hist"]).items()}
    t.service_hist = {int(k): v for k, v in json.loads(c["service_hist"]).items()}
    return t


def _filtered(c: dict[str, Any], units: list[str] | None, q: Query) -> bool:
    """Whether a computed cell passes the query's filters (as the store filters summaries)."""
    if (units is not None and c["unit"] not in units) or (q.zone and c["zone"] != q.zone):
        return False
    if q.channel and c["channel"] != q.channel:
        return False
    if q.priority == "yes":
        return bool(c["priority"])
    if q.priority == "no":
        return not c["priority"]
    return q.priority is None or c["priority"] == q.priority


Segment = tuple[str, str, str, int]  # level (day / month), first, last, sign (+1 / -1)


def _segments(conn: Any, q: Query, today: str, dirty: set[str]) -> list[Segment]:
    """How to read the past days of a query with the fewest summaries. A month's roll-up holds
    every summarized day of it (this month's: up to yesterday); where the query covers more of
    those days than it leaves out, it reads the roll-up minus the days left out (counts and
    histograms subtract exactly), else the days themselves — but not the `dirty` ones (changed
    since their summary: read from their rows instead)."""
    last = min(q.last, (date.fromisoformat(today) - timedelta(days=1)).isoformat())
    if last < q.first:
        return []
    rolled = rows.rolled_up_months(conn, site_of(conn), q.first[:7], last[:7])
    out: list[Segment] = []
    day, end = date.fromisoformat(q.first), date.fromisoformat(last)
    while day <= end:
        start = day.replace(day=1)
        month_end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        a, b = day.isoformat(), min(month_end, end).isoformat()
        m = a[:7]
        if m in rolled:
            present = rows.summarized_days(conn, site_of(conn), start.isoformat(), month_end.isoformat())
            inside = sum(a <= d <= b for d in present)
            if len(present) - inside < inside:
                out.append(("month", m, m, 1))
                if a > start.isoformat():
                    out.append(("day", start.isoformat(), _before(a), -1))
                if b < month_end.isoformat():
                    out.append(("day", _after(b), month_end.isoformat(), -1))
                day = date.fromisoformat(b) + timedelta(days=1)
                continue
        out += [("day", x, y, 1) for x, y in _without(a, b, dirty)]
        day = date.fromisoformat(b) + timedelta(days=1)
    return _joined(out)


def _joined(segments: list[Segment]) -> list[Segment]:
    """Adjacent segments of the same level and sign as one (one query for a year of months)."""
    out: list[Segment] = []
    for seg in sorted(segments, key=lambda s: (s[0], s[3], s[1])):
        level, first, last, sign = seg
        if out and out[-1][0] == level and out[-1][3] == sign and first == _next(level, out[-1][2]):
            out[-1] = (level, out[-1][1], last, sign)
        else:
            out.append(seg)
    return out


def _next(level: str, at: str) -> str:
    """The day or month after this one."""
    if level == "day":
        return _after(at)
    y, m = int(at[:4]), int(at[5:7])
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def _without(first: str, last: str, days: set[str]) -> list[tuple[str, str]]:
    """The range first..last cut around some days."""
    out, start = [], first
    for d in sorted(x for x in days if first <= x <= last):
        if start < d:
            out.append((start, _before(d)))
        start = _after(d)
    if start <= last:
        out.append((start, last))
    return out


def _before(d: str) -> str:
    return (date.fromisoformat(d) - timedelta(days=1)).isoformat()


def _after(d: str) -> str:
    return (date.fromisoformat(d) + timedelta(days=1)).isoformat()


Live = dict[str, list[dict[str, Any]]]  # day → its cells of every projection, computed once


def _grouped(ctx: Context, conn: Any, actor: Actor, q: Query, group: str,
             hists: bool = True, live: Live | None = None) -> tuple[dict[str, Tally], set[str]]:
    """Every group's tally over the query's days, and the days with tickets: past days from their
    summaries (whole months from their roll-ups), added up by SQLite; today (and any day whose
    summary is not written yet) computed from its rows."""
    dim, column = GROUP_DIM[group]
    units = _units(actor, q)
    today = service_day(ctx.clock())
    by: dict[str, Tally] = {}
    dirty = set(rows.dirty_days(conn, site_of(conn)))
    segments = _segments(conn, q, today, dirty)
    if group == "day":  # a roll-up has no days: read the days themselves
        segments = [("day", a, b, 1) for a, b in _without(q.first, min(q.last, _before(today)),
                                                         dirty)] if segments else []
    unfiltered = units is None and q.zone is None and q.priority is None and q.channel is None
    for level, first, last, sign in segments:
        if level == "month" and unfiltered and column in GROUP_COLUMNS[dim]:
            counts, parts = rows.aggregate_groups(conn, site_of(conn), dim, column, first, last, hists)
        else:
            counts, parts = rows.aggregate(conn, site_of(conn), level, dim, column, first, last, units,
                                           q.zone, q.priority, q.channel, hists)
        for c in counts:
            t = by.get(str(c["gk"])) or by.setdefault(str(c["gk"]), Tally())
            t.add(Tally(visits=sign * c["visits"], issued=sign * c["issued"], priority=sign * c["priority_n"],
                        served=sign * c["served"], no_show=sign * c["no_show"],
                        transferred=sign * c["transferred"], cancelled=sign * c["cancelled"],
                        not_served=sign * c["not_served"], waited=sign * c["waited"],
                        within_target=sign * c["within_target"],
                        ratings={s: sign * c[f"r{s}"] for s in SCORES}))
        for gk, what, k, n in parts:  # one row per group and minute: a Tally only when new
            t = by.get(gk) or by.setdefault(gk, Tally())
            if what == "reason":
                t.reasons[k] = t.reasons.get(k, 0) + sign * n
            else:
                h = t.wait_hist if what == "wait" else t.service_hist
                m = int(k)
                h[m] = h.get(m, 0) + sign * n
    days = set(rows.summarized_days(conn, site_of(conn), q.first, q.last)) - dirty
    pending = set(rows.days_to_summarize(conn, site_of(conn), today))
    day, end = date.fromisoformat(q.first), date.fromisoformat(min(q.last, today))
    while day <= end:
        d = day.isoformat()
        if d not in days and (d == today or d in pending):
            if live is None:
                cells, _ = _compute_day(ctx, conn, d, (dim,))
            else:  # several reports of one answer: the day's rows are read and added up once
                if d not in live:
                    live[d] = _compute_day(ctx, conn, d)[0]
                cells = live[d]
            for c in cells:
                if c["dim"] == dim and _filtered(c, units, q):
                    by.setdefault(str(c[column]), Tally()).add(_tally_of(c))
                    days.add(d)
        day += timedelta(days=1)
    for key, t in list(by.items()):  # what a subtraction left at zero is not there
        t.reasons = {k: n for k, n in t.reasons.items() if n}
        t.wait_hist = {k: n for k, n in t.wait_hist.items() if n}
        t.service_hist = {k: n for k, n in t.service_hist.items() if n}
        if not t.visits:
            del by[key]
    return by, days


def _label(site: Site, group: str, key: str) -> tuple[str, str]:
    """A group's name in Vietnamese and English."""
    if group == "unit" and key in site.units:
        return site.units[key]["name"], site.units[key]["name_en"]
    if group == "service" and key in site.services:
        s = site.services[key]
        return s.name, s.name_en or s.name
    if group == "counter":
        if not key:
            return "(chưa gọi)", "(not called)"
        row = site.counter_rows.get(int(key), {})
        return row.get("name") or f"Quầy {key}", f"Counter {key}"
    if group == "officer":
        return (key, key) if key else ("(chưa gọi)", "(not called)")
    if group == "hour":
        return f"{key}:00–{int(key) + 1:02d}:00", f"{key}:00–{int(key) + 1:02d}:00"
    if group == "weekday":
        return WEEKDAYS[int(key) - 1]
    return key, key


def _order(site: Site, group: str, key: str) -> tuple[Any, ...]:
    if group == "unit":
        return (site.units.get(key, {}).get("position", 9999), key)
    if group == "service":
        row = site.service_rows.get(key, {})
        return (row.get("position", 9999), key)
    if group == "counter":
        return (int(key) if key else 10**9, key)
    if group == "officer":
        return (key == "", key)
    return (key,)


def _rows(ctx: Context, conn: Any, actor: Actor, q: Query, group: str,
          hists: bool = True, live: Live | None = None) -> tuple[list[dict[str, Any]], Tally, set[str]]:
    by, days = _grouped(ctx, conn, actor, q, group, hists, live)
    out = []
    for key in sorted(by, key=lambda k: _order(ctx.site, group, k)):
        vi, en = _label(ctx.site, group, key)
        out.append({"key": key, "label": vi, "label_en": en, **by[key].figures()})
    return out, merged(by.values()), days


def _charts(ctx: Context, conn: Any, actor: Actor, q: Query, live: Live) -> dict[str, Any]:
    """What the /reports page draws: arrivals by 15 minutes against counters open (averages per
    day with tickets), waiting time by hour, satisfaction day by day."""
    slots, days = _grouped(ctx, conn, actor, q, "slot", False, live)
    arrivals = [0] * SLOTS
    for key, t in slots.items():
        h, m = key.split(":")
        arrivals[(int(h) * 60 + int(m)) // 15] += t.issued
    units = _units(actor, q)
    allowed = None
    if units is not None or q.zone:  # counters serving a service of the units / in the zone
        allowed = sorted(n for n, cnt in ctx.site.counters.items()
                         if (not q.zone or cnt.zone == q.zone) and (units is None or any(
                             ctx.site.services[s].unit in units for s in cnt.services
                             if s in ctx.site.services)))
    open_ = rows.open_counters_by_slot(conn, site_of(conn), q.first, q.last, allowed)
    today = service_day(ctx.clock())
    if q.first <= today <= q.last:
        legs = rows.legs_of_day(conn, today)
        events = rows.counter_events_of_day(conn, today)
        for n, s in counter_slots(ctx.site, events, _day_end(legs, events)).items():
            if allowed is None or n in allowed:
                for i, ch in enumerate(s):
                    open_[i] += ch == "1"
    n = max(1, len(days))
    hours, _, _ = _rows(ctx, conn, actor, q, "hour", True, live)
    per_day, _, _ = _rows(ctx, conn, actor, q, "day", False, live)
    return {
        "days": len(days),
        "arrivals": [{"slot": f"{i // 4:02d}:{i % 4 * 15:02d}", "arrivals": round(arrivals[i] / n, 2),
                      "counters_open": round(open_[i] / n, 2)}
                     for i in range(SLOTS) if arrivals[i] or open_[i]],
        "wait_by_hour": [{"hour": r["key"], "wait_p50_min": r["wait_p50_min"],
                          "wait_p90_min": r["wait_p90_min"]} for r in hours if r["waited"]],
        "satisfaction_by_day": [{"day": r["key"], "satisfaction": r["satisfaction"],
                                 "ratings_n": r["ratings_n"]} for r in per_day],
    }


def report(ctx: Context, actor: Actor, q: Query) -> dict[str, Any]:
    """A report: one row per group with its figures, the totals, and (if asked) the charts."""
    with ctx.db.read() as conn:
        return _report(ctx, conn, actor, q, {} if q.charts else None)


def _report(ctx: Context, conn: Any, actor: Actor, q: Query, live: Live | None) -> dict[str, Any]:
    out, total, _ = _rows(ctx, conn, actor, q, q.group, True, live)
    answer: dict[str, Any] = {
        "from": q.first, "to": q.last, "group": q.group,
        "filters": {"zone": q.zone, "priority": q.priority, "channel": q.channel,
                    "unit": q.unit},
        "units": _units(actor, q), "rows": out, "totals": total.figures()}
    if q.charts:
        answer["charts"] = _charts(ctx, conn, actor, q, live if live is not None else {})
    return answer


def reports_by_group(ctx: Context, actor: Actor, q: Query) -> dict[str, dict[str, Any]]:
    """The same report for every grouping (the spreadsheet has a sheet per grouping), from one
    snapshot; today's rows are read once for all of them."""
    live: Live = {}
    with ctx.db.read() as conn:
        return {g: _report(ctx, conn, actor, Query(**{**q.__dict__, "group": g, "charts": False}),
                           live) for g in GROUPS}


def totals_tally(ctx: Context, actor: Actor, q: Query) -> Tally:
    """A report's totals as one tally, not figures (issue 9: the city report adds sites' tallies
    up, so its percentiles are the city's, not an average of the sites')."""
    with ctx.db.read() as conn:
        by, _ = _grouped(ctx, conn, actor, q, q.group, True, None)
    return merged(by.values())
