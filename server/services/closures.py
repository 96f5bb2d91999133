"""Close now / open now a service or a unit, and the calendar (holidays, working days, closed
days): the admin's use cases, and the watcher that tells screens when a service opens or closes
by itself (a reopening time reached, a holiday begun, hours starting)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ..engine.calendar import WEEKEND, vietnam_holidays
from ..engine.numbering import is_open
from ..store import Connection
from ..store import calendar as rows
from ..store import jobs
from ..store import queue as q
from . import audit
from .auth import Actor, require_admin, require_admin_read
from .calendar_state import calendar_at
from .changes import Changes
from .context import TZ, Context, every_site, service_day, stamp, to_site
from .admin.live import tell_admin_pages
from .errors import UseCaseError
from .screens.events import AdminChanged

SCOPES = ("service", "unit")
KINDS = ("holiday", "working", "closure")
MAX_TEXT = 200
# Reasons an admin picks from (vi, en); free text is always allowed.
COMMON_REASONS: list[tuple[str, str]] = [
    ("mất kết nối hệ thống một cửa điện tử", "the electronic one-stop system is offline"),
    ("mất điện", "power outage"),
    ("sự cố kỹ thuật", "technical problem"),
    ("bảo trì hệ thống", "system maintenance"),
    ("cán bộ họp, tập huấn", "staff in a meeting or training"),
    ("đã nhận đủ hồ sơ trong ngày", "today's applications are full"),
]


def _require_read(actor: Actor) -> None:
    """Admins (the CLI too) and supervisors, who see it read-only."""
    if not actor.is_admin:
        require_admin_read(actor)


def _text(data: dict[str, Any], key: str, required: str | None = None) -> str:
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise UseCaseError("bad_request", 400, field=key)
    value = " ".join(value.split()).rstrip(".")  # messages end the sentence themselves
    if required and not value:
        raise UseCaseError(required, 400, field=key)
    if len(value) > MAX_TEXT:
        raise UseCaseError("text_too_long", 400, field=key, max=MAX_TEXT)
    return value


def _until(value: Any, now: datetime) -> datetime | None:
    """A reopening time from the API (ISO 8601; without an offset: Hồ Chí Minh City's time)."""
    if value in (None, ""):
        return None
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None:
        raise UseCaseError("until_not_a_time", 400, field="until")
    at = at.replace(tzinfo=TZ) if at.tzinfo is None else at.astimezone(TZ)
    if at <= now:
        raise UseCaseError("until_in_past", 400, field="until")
    return at


def _services_of(ctx: Context, scope: str, code: str) -> list[str]:
    site = ctx.site
    if scope == "service":
        return [code]
    return [s.code for s in site.services.values() if s.unit == code]


def _unit_of(ctx: Context, scope: str, code: str) -> str:
    return ctx.site.services[code].unit if scope == "service" else code


def _target_name(ctx: Context, scope: str, code: str) -> tuple[str, str]:
    if scope == "service":
        svc = ctx.site.services.get(code)
        return (svc.name, svc.name_en) if svc else (code, code)
    unit = ctx.site.units.get(code, {})
    return unit.get("name", code), unit.get("name_en", code)


def closure_view(ctx: Context, row: dict[str, Any]) -> dict[str, Any]:
    """A closure as the API shows it."""
    name, name_en = _target_name(ctx, row["scope"], row["code"])
    until = datetime.fromisoformat(row["until"]).isoformat(timespec="minutes") if row["until"] else None
    return {"scope": row["scope"], "code": row["code"], "name": name, "name_en": name_en,
            "reason": row["reason"], "reason_en": row["reason_en"], "until": until,
            "at": datetime.fromisoformat(row["at"]).isoformat(timespec="seconds"), "by": row["by"]}


def _log(conn: Connection, now: datetime, type_: str, actor: Actor, data: dict[str, Any]) -> None:
    """An event-log entry: screens' seqs move on with every change they are told of."""
    q.append_event(conn, stamp(now), service_day(now), type_, actor.key, None, None, None, data)


def list_closures(ctx: Context, actor: Actor) -> dict[str, Any]:
    """Services and units closed now (admins; supervisors read those of their units)."""
    _require_read(actor)
    now = ctx.clock()
    with ctx.db.read() as conn:
        found = rows.suspensions(conn)
    active = [r for r in found if (not r["until"] or datetime.fromisoformat(r["until"]) > now)
              and r["code"] in (ctx.site.services if r["scope"] == "service" else ctx.site.units)
              and actor.sees_unit(_unit_of(ctx, r["scope"], r["code"]))]
    return {"closures": [closure_view(ctx, r) for r in active],
            "reasons": [{"vi": vi, "en": en} for vi, en in COMMON_REASONS]}


def close_now(ctx: Context, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Close a service or a whole unit now, with a reason and an optional reopening time."""
    require_admin(actor)
    scope, code = data.get("scope"), data.get("code")
    if scope not in SCOPES:
        raise UseCaseError("closure_scope", 400, field="scope")
    if not isinstance(code, str) or code not in (ctx.site.services if scope == "service"
                                                 else ctx.site.units):
        raise UseCaseError("closure_target", 400, field="code", target=str(code))
    reason = _text(data, "reason", "reason_required")
    reason_en = _text(data, "reason_en")
    now = ctx.clock()
    until = _until(data.get("until"), now)
    row = {"scope": scope, "code": code, "reason": reason, "reason_en": reason_en,
           "until": stamp(until) if until else None, "at": stamp(now), "by": actor.key}
    with ctx.transaction() as (conn, out):
        before = rows.suspension(conn, scope, code)
        rows.save_suspension(conn, row)
        after = {k: row[k] for k in ("reason", "reason_en", "until")}
        audit.record(conn, ctx, actor, "closure.close", f"{scope}:{code}",
                     {k: before[k] for k in after} if before else None, after)
        _log(conn, now, "closure.closed", actor, {"scope": scope, "code": code})
        tell_admin_pages(out, "closures")
        Changes(services=_services_of(ctx, scope, code)).emit(ctx, conn, out, now, "")
    return closure_view(ctx, row)


def open_now(ctx: Context, actor: Actor, scope: str, code: str) -> dict[str, Any]:
    """Reopen a closed service or unit now."""
    require_admin(actor)
    if scope not in SCOPES:
        raise UseCaseError("closure_scope", 400, field="scope")
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        before = rows.suspension(conn, scope, code)
        if before is None:
            raise UseCaseError("not_closed", 409, target=code)
        rows.delete_suspension(conn, scope, code)
        audit.record(conn, ctx, actor, "closure.reopen", f"{scope}:{code}",
                     {k: before[k] for k in ("reason", "reason_en", "until")}, None)
        _log(conn, now, "closure.reopened", actor, {"scope": scope, "code": code})
        tell_admin_pages(out, "closures")
        if code in (ctx.site.services if scope == "service" else ctx.site.units):
            Changes(services=_services_of(ctx, scope, code)).emit(ctx, conn, out, now, "")
    return {"scope": scope, "code": code, "open": True}


# ---- the calendar -------------------------------------------------------------------------------

def _date(value: Any) -> date:
    """A date as 2027-09-02 or, as people write it here, 02/09/2027."""
    if isinstance(value, str):
        text = value.strip()
        parts = text.split("/")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            text = f"{parts[2]}-{int(parts[1]):02d}-{int(parts[0]):02d}"
        if len(text) == 10:
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
    raise UseCaseError("date_invalid", 400, field="date")


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise UseCaseError("year_invalid", 400, field="year") from None
    if not 2000 <= year <= 2100:
        raise UseCaseError("year_invalid", 400, field="year")
    return year


def day_view(row: dict[str, Any]) -> dict[str, Any]:
    """A calendar row as the API shows it."""
    return {"id": row["id"], "date": row["day"], "kind": row["kind"], "name": row["name"],
            "name_en": row["name_en"], "units": row["units"], "as_weekday": row["as_weekday"],
            "source": row["source"]}


def calendar_year(ctx: Context, actor: Actor, year: Any) -> dict[str, Any]:
    """A year's calendar, and the public holidays computed for it (marked when already in it)."""
    _require_read(actor)
    y = _year(year if year not in (None, "") else ctx.clock().year)
    with ctx.db.read() as conn:
        days = rows.calendar_days(conn, f"{y}-01-01", f"{y}-12-31")
    present = {d["day"] for d in days}
    return {"year": y, "days": [day_view(d) for d in days],
            "holidays": [{"date": h.day.isoformat(), "name": h.name, "name_en": h.name_en,
                          "in_calendar": h.day.isoformat() in present}
                         for h in vietnam_holidays(y)]}


def _everything_changed(ctx: Context, conn: Connection, out: Any, now: datetime) -> None:
    """A calendar change can open or close any service, now or in its next opening: tell screens."""
    Changes(services=list(ctx.site.services)).emit(ctx, conn, out, now, "")
    tell_admin_pages(out, "calendar")


def add_calendar_day(ctx: Context, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Add a holiday, a compensating working day or a one-off closure (of the centre or units)."""
    require_admin(actor)
    kind = data.get("kind")
    if kind not in KINDS:
        raise UseCaseError("calendar_kind", 400, field="kind")
    day = _date(data.get("date"))
    name = _text(data, "name", "name_required")
    name_en = _text(data, "name_en")
    units: list[str] = []
    as_weekday = None
    if kind == "closure":
        units = data.get("units") or []
        if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
            raise UseCaseError("bad_request", 400, field="units")
        unknown = [u for u in units if u not in ctx.site.units]
        if unknown:
            raise UseCaseError("unknown_units", 400, field="units", units=", ".join(unknown))
    if kind == "working":
        as_weekday = data.get("as_weekday")
        if not isinstance(as_weekday, int) or isinstance(as_weekday, bool) or not 0 <= as_weekday <= 4:
            raise UseCaseError("weekday_invalid", 400, field="as_weekday")
        if day.weekday() not in WEEKEND:
            raise UseCaseError("working_day_not_weekend", 400, field="date")
    row = {"day": day.isoformat(), "kind": kind, "name": name, "name_en": name_en,
           "units": units, "as_weekday": as_weekday, "source": "admin"}
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        if kind != "closure":
            taken = rows.rule_on(conn, row["day"])
            if taken is not None:
                raise UseCaseError("day_taken", 409, field="date", day=day.strftime("%d/%m/%Y"),
                                   name=taken["name"])
        row["id"] = rows.add_calendar_day(conn, row)
        audit.record(conn, ctx, actor, "calendar.add", f"calendar:{row['day']}", None,
                     {k: row[k] for k in ("day", "kind", "name", "name_en", "units", "as_weekday")})
        _log(conn, now, "calendar.changed", actor, {"day": row["day"]})
        _everything_changed(ctx, conn, out, now)
    return day_view(row)


def remove_calendar_day(ctx: Context, actor: Actor, day_id: Any) -> dict[str, Any]:
    """Take a day out of the calendar."""
    require_admin(actor)
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        row = rows.calendar_day(conn, int(day_id)) if str(day_id).isdigit() else None
        if row is None:
            raise UseCaseError("calendar_day_not_found", 404)
        rows.delete_calendar_day(conn, row["id"])
        audit.record(conn, ctx, actor, "calendar.remove", f"calendar:{row['day']}",
                     {k: row[k] for k in ("day", "kind", "name", "name_en", "units", "as_weekday")})
        _log(conn, now, "calendar.changed", actor, {"day": row["day"]})
        _everything_changed(ctx, conn, out, now)
    return day_view(row)


def import_holidays(ctx: Context, actor: Actor, year: Any) -> dict[str, Any]:
    """Add a year's computed public holidays (dates already in the calendar are left alone)."""
    require_admin(actor)
    y = _year(year)
    now = ctx.clock()
    added, skipped = [], []
    with ctx.transaction() as (conn, out):
        for h in vietnam_holidays(y):
            row: dict[str, Any] = {"day": h.day.isoformat(), "kind": "holiday", "name": h.name,
                   "name_en": h.name_en, "units": [], "as_weekday": None, "source": "computed"}
            if rows.rule_on(conn, row["day"]) is not None:
                skipped.append(row["day"])
                continue
            row["id"] = rows.add_calendar_day(conn, row)
            added.append(day_view(row))
        if added:
            audit.record(conn, ctx, actor, "calendar.import", f"calendar:{y}", None,
                         {"added": [f"{d['date']} {d['name']}" for d in added]})
            _log(conn, now, "calendar.changed", actor, {"year": y})
            _everything_changed(ctx, conn, out, now)
    return {"year": y, "added": added, "skipped": skipped}


# ---- telling screens when a service opens or closes by itself ----------------------------------

WATCH_EVERY_S = 2.0
OPEN_STATES_JOB = "calendar_watch.open_states"


def open_states(conn: Connection, ctx: Context, now: datetime) -> dict[str, tuple[bool, str | None]]:
    """Each service's (open, why closed by the calendar) at `now`."""
    cal = calendar_at(conn, now)
    out = {}
    for code, svc in ctx.site.services.items():
        closed = cal.closed_by(svc, now)
        out[code] = (is_open(svc, now, ctx.site.open_all_hours, cal), closed.code if closed else None)
    return out


def publish_open_changes(ctx: Context,
                         last: dict[str, tuple[bool, str | None]] | None) -> dict[str, tuple[bool, str | None]]:
    """Compare the services' open states with `last` and tell screens of those that changed
    (a reopening time passed, a holiday began or ended, hours started); the new states.

    The job of the calendar watch, once per change however many server processes run it: the
    states published are stored (job_state), and a process that finds them already stored by
    another one says nothing."""
    now = ctx.clock()
    with ctx.db.read() as conn:
        states = open_states(conn, ctx, now)
        if last is None:  # a new lease holder: start from what was last told, not from now,
            stored = jobs.job_state(conn, OPEN_STATES_JOB, ctx.site_id)  # so a change while the lease moved
            if isinstance(stored, dict):  # is still told
                last = {c: (bool(v[0]), v[1]) for c, v in stored.items()
                        if isinstance(v, list) and len(v) == 2}
    changed = [c for c, s in states.items() if last is not None and last.get(c) != s]
    shared = {c: list(s) for c, s in states.items()}
    if last is None or changed:
        with ctx.transaction() as (conn, out):
            if jobs.job_state(conn, OPEN_STATES_JOB, ctx.site_id) == shared:
                return states  # told already (by another process), or nothing to tell
            jobs.set_job_state(conn, OPEN_STATES_JOB, shared, stamp(now), ctx.site_id)
            if changed:
                q.append_event(conn, stamp(now), service_day(now), "services.reopened_or_closed",
                               "system", None, None, None, {"services": changed})
                Changes(services=changed).emit(ctx, conn, out, now, "")
    return states


Active = frozenset[tuple[str, str, str | None]]


def publish_closure_changes(ctx: Context, last: Active | None) -> Active:
    """Tell open admin pages (`admin.changed` closures) when the closures in force changed since
    `last`: a reopening time passed, or another process closed or reopened something; the
    closures in force now (scope, code, until)."""
    now = ctx.clock()
    with ctx.db.read() as conn:
        active = frozenset((r["scope"], r["code"], r["until"]) for r in rows.suspensions(conn)
                           if not r["until"] or datetime.fromisoformat(r["until"]) > now)
    if last is not None and active != last:
        ctx.publish(to_site(ctx, AdminChanged("closures").unnumbered()))
    return active


def watch_forever(ctx: Context, sleep: Callable[[float], Any], log: Callable[[str], Any]) -> None:
    """Every WATCH_EVERY_S, for every site of the deployment (issue 9), publish the services whose
    open state changed by itself, and the closures that ended by themselves, to that site's
    screens. `ctx` is site 1's (the app's) context; a site added meanwhile joins the next round."""
    last: dict[int, dict[str, tuple[bool, str | None]]] = {}
    closed: dict[int, Active] = {}
    while True:
        try:
            sites = every_site(ctx)
        except Exception as exc:  # a busy database: the next round tries again
            log(f"open-state watch failed: {exc}")
            sites = []
        for site in sites:
            try:
                last[site.site_id] = publish_open_changes(site, last.get(site.site_id))
                closed[site.site_id] = publish_closure_changes(site, closed.get(site.site_id))
            except Exception as exc:  # keep watching; the next round tries again
                log(f"open-state watch failed (site {site.site_id}): {exc}")
            sleep(0)  # its reads run on the event loop: let requests pass between two sites
        sleep(WATCH_EVERY_S)
