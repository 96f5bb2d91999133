"""Site configuration, live: create, edit and retire zones, units, services, counters, priority
categories, rating reasons and hours profiles (admins; supervisors read).

One use case for the pages, the API and the CLI. Each change is validated against the whole
configuration as it is inside the write transaction, written, counted in the `site_version`
setting, audited (before → after), and then applied to this process's `ctx.site` and announced
with `site.changed`; other processes on the same file notice the version within seconds
(Context.refresh_site).

Nothing history refers to is deleted: it is retired (no longer offered, issued or listed; names
still resolve). Decisions about today's tickets, so a change never strands one:
- a service with tickets waiting, called, serving or parked today cannot be retired, moved to
  another zone, or left with no counter that calls it;
- a counter that is open or paused cannot be retired or moved to another zone;
- once a service has issued numbers today, its prefix, first number and width stay as they are
  until the next day (the numbers already given out must not be given again to anyone), and its
  last number cannot go below the numbers already given;
- a retired service keeps its number range reserved (its numbers are in today's history).
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import time
from typing import Any

from ...site import SERVICE_KINDS, WEEKDAYS, Site, number_clash, profile_names
from ...site_toml import dump_site
from ...store import site as site_rows
from ...store import site_admin
from .. import audit
from ..auth import Actor, require_admin, require_admin_read
from ..context import Context, service_day
from ..errors import UseCaseError
from ..screens.events import site_changed_messages

# The things an administrator edits, by their name in the API path.
KINDS = ("zone", "unit", "service", "counter", "category", "reason", "hours")
TABLE = {"zone": "zones", "unit": "units", "service": "services", "counter": "counters",
         "category": "priority_categories"}
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
PREFIX = re.compile(r"^[A-Z]{0,3}$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
UNIT_KINDS = ("department", "center", "agency")

Doc = dict[str, Any]


def _may_read(actor: Actor) -> None:
    """Admins (the CLI too) and supervisors read the configuration."""
    if not actor.is_admin:
        require_admin_read(actor)


def _bad(error: str, field: str, status: int = 400, /, **params: Any) -> UseCaseError:
    """A refusal naming the input at fault (the page shows the message next to it)."""
    return UseCaseError(error, status, field=field, **params)


# ---- reading -------------------------------------------------------------------------------


def _document(conn: Any) -> Doc:
    """Every configuration row (retired ones too), shaped like the site file."""
    rows = site_rows.load_site_rows(conn)
    settings = rows["settings"]
    ratings = settings.get("ratings", {}) or {}
    profiles = settings.get("hours_profiles", {}) or {}
    services = []
    for s in rows["services"]:
        s = {k: v for k, v in s.items() if k != "position"}
        s["counters"] = [c["number"] for c in rows["counters"] if s["code"] in c["services"]]
        services.append(s)
    return {
        "zones": [{k: v for k, v in z.items() if k != "position"} for z in rows["zones"]],
        "units": [{k: v for k, v in u.items() if k != "position"} for u in rows["units"]],
        "services": services,
        "counters": [{k: v for k, v in c.items() if k != "position"} for c in rows["counters"]],
        "categories": [{k: v for k, v in p.items() if k != "position"}
                       for p in rows["priority_categories"]],
        "reasons": [{"code": r["code"], "name": r["name"], "name_en": r.get("name_en", r["name"]),
                     "retired": bool(r.get("retired"))} for r in ratings.get("reasons", [])],
        "hours": [{"code": name, "name": p.get("name") or "", "name_en": p.get("name_en") or "",
                   "days": p["days"], "retired": bool(p.get("retired"))}
                  for name, p in profiles.items()],
        "service_kinds": list(SERVICE_KINDS),
        "version": site_admin.site_version(conn),
    }


def site_config(ctx: Context, actor: Actor) -> Doc:
    """The whole configuration, retired things included (admins and supervisors; a department
    head sees her units' services and counters only)."""
    _may_read(actor)
    with ctx.db.read() as conn:
        doc = _document(conn)
        day = service_day(ctx.clock())
        opened = site_admin.open_tickets_by_service(conn, day)
        issued = site_admin.issued_by_service(conn, day)
    for s in doc["services"]:
        s["open_today"], s["issued_today"] = opened.get(s["code"], 0), issued.get(s["code"], 0)
    return in_scope(doc, actor)


def in_scope(doc: Doc, actor: Actor) -> Doc:
    """What a supervisor scoped to some units may read: her units, their services, and the
    counters calling them (listing only her services). Zones, hours profiles, priority
    categories and rating reasons are site-wide: everyone reads them."""
    if not actor.units or actor.is_admin:
        return doc
    mine = {s["code"] for s in doc["services"] if actor.sees_unit(s["unit"])}
    counters = [{**c, "services": [x for x in c["services"] if x in mine]}
                for c in doc["counters"] if mine.intersection(c["services"])]
    return {**doc, "units": [u for u in doc["units"] if actor.sees_unit(u["code"])],
            "services": [s for s in doc["services"] if s["code"] in mine], "counters": counters}


def export_toml(ctx: Context, actor: Actor) -> str:
    """The live configuration as a site file (`xephang site export`, GET /admin/site/export);
    the whole site, so not for a supervisor scoped to some units."""
    _may_read(actor)
    if actor.units and not actor.is_admin:
        raise UseCaseError("scope_whole_site", 403)
    with ctx.db.read() as conn:
        return dump_site(site_rows.load_site_rows(conn))


def _find(doc: Doc, kind: str, code: Any) -> dict[str, Any] | None:
    key = "number" if kind == "counter" else "code"
    for row in doc[_list(kind)]:
        if str(row[key]) == str(code):
            return row
    return None


def _list(kind: str) -> str:
    return {"zone": "zones", "unit": "units", "service": "services", "counter": "counters",
            "category": "categories", "reason": "reasons", "hours": "hours"}[kind]


# ---- field checks --------------------------------------------------------------------------


def _text(data: dict[str, Any], field: str, limit: int = 160) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise _bad("field_required", field)
    if len(value.strip()) > limit:
        raise _bad("field_too_long", field, limit=limit)
    return value.strip()


def _whole(data: dict[str, Any], field: str, low: int = 0, high: int = 10**9,
           optional: bool = False) -> int | None:
    value = data.get(field)
    if optional and (value is None or value == ""):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _bad("not_whole_number", field, low=low, high=high)
    return value


def _flag(data: dict[str, Any], field: str, default: bool) -> bool:
    value = data.get(field, default)
    if not isinstance(value, bool):
        raise _bad("bad_value", field)
    return value


def _new_code(doc: Doc, kind: str, data: dict[str, Any]) -> str:
    code = data.get("code")
    if not isinstance(code, str) or not CODE.match(code.strip()):
        raise _bad("bad_code", "code")
    code = code.strip()
    if _find(doc, kind, code) is not None:
        raise _bad("duplicate_code", "code", value=code)
    return code


def _ref(doc: Doc, kind: str, field: str, code: Any) -> dict[str, Any]:
    """An active row another row refers to (unknown or retired: refused on `field`)."""
    row = _find(doc, kind, code) if code not in (None, "") else None
    if row is None:
        raise _bad("unknown_reference", field, value=code or "")
    if row.get("retired"):
        raise _bad("retired_reference", field, value=code)
    return row


def _periods(text: Any, field: str) -> list[list[str]]:
    """Periods typed as "07:30-11:30, 13:00-17:00" (or a list of such), checked and sorted."""
    items = text if isinstance(text, list) else str(text or "").replace(";", ",").split(",")
    out: list[list[str]] = []
    for item in items:
        item = item.strip() if isinstance(item, str) else item
        if not item:
            continue
        try:
            a, b = (item.split("-") if isinstance(item, str) else item)
            start, end = time.fromisoformat(str(a).strip()), time.fromisoformat(str(b).strip())
        except ValueError:
            raise _bad("bad_period", field, text=str(item)) from None
        if not start < end:
            raise _bad("period_backwards", field, text=str(item))
        out.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
    out.sort()
    for (_, ends), (starts, _) in zip(out, out[1:]):
        if starts < ends:
            raise _bad("periods_overlap", field)
    return out


# ---- the records, validated ----------------------------------------------------------------


def _zone(doc: Doc, old: dict[str, Any] | None, data: dict[str, Any]) -> dict[str, Any]:
    code = old["code"] if old else _new_code(doc, "zone", data)
    return {"code": code, "name": _text(data, "name", 60), "name_en": _text(data, "name_en", 60),
            "floor": _whole(data, "floor", 0, 50)}


def _unit(doc: Doc, old: dict[str, Any] | None, data: dict[str, Any]) -> dict[str, Any]:
    code = old["code"] if old else _new_code(doc, "unit", data)
    kind = data.get("kind") or "department"
    if kind not in UNIT_KINDS:
        raise _bad("bad_value", "kind")
    short = _text(data, "short", 6)
    color = data.get("color") or "#1d4ed8"
    if not isinstance(color, str) or not COLOR.match(color):
        raise _bad("bad_color", "color")
    return {"code": code, "name": _text(data, "name"), "name_en": _text(data, "name_en"),
            "kind": kind, "short": short, "color": color}


def _category(doc: Doc, old: dict[str, Any] | None, data: dict[str, Any], kind: str) -> dict[str, Any]:
    code = old["code"] if old else _new_code(doc, kind, data)
    return {"code": code, "name": _text(data, "name", 80), "name_en": _text(data, "name_en", 80)}


def _hours(doc: Doc, old: dict[str, Any] | None, data: dict[str, Any]) -> dict[str, Any]:
    code = old["code"] if old else _new_code(doc, "hours", data)
    given: dict[str, Any] = data["days"] if isinstance(data.get("days"), dict) else {}
    days = {d: _periods(given.get(d, []), f"days.{d}") for d in WEEKDAYS}
    if not any(days.values()):
        raise _bad("empty_hours", "days.mon")
    # Names are optional (a profile read from an older site file has none: its code is shown).
    names = {f: _text(data, f, 80) if str(data.get(f) or "").strip() else "" for f in ("name", "name_en")}
    return {"code": code, **names, "days": days}


def _service(doc: Doc, old: dict[str, Any] | None, data: dict[str, Any],
             today: tuple[dict[str, int], dict[str, int]]) -> dict[str, Any]:
    code = old["code"] if old else _new_code(doc, "service", data)
    opened, issued = today
    kind = data.get("kind") or "submit"
    if kind not in SERVICE_KINDS:
        raise _bad("bad_value", "kind")
    prefix = data.get("prefix") or ""
    if not isinstance(prefix, str) or not PREFIX.match(prefix.strip().upper()):
        raise _bad("bad_prefix", "prefix")
    row: dict[str, Any] = {
        "code": code, "name": _text(data, "name"), "name_en": _text(data, "name_en"),
        "unit": _ref(doc, "unit", "unit", data.get("unit"))["code"],
        "zone": _ref(doc, "zone", "zone", data.get("zone"))["code"], "kind": kind,
        "prefix": prefix.strip().upper(),
        "first_number": _whole(data, "first_number", 0, 999_999),
        "width": _whole(data, "width", 1, 6),
        "last_number": _whole(data, "last_number", 0, 999_999, optional=True),
        "daily_cap": _whole(data, "daily_cap", 0, 100_000),
        "wait_target_min": _whole(data, "wait_target_min", 0, 600),
        "accepts_priority": _flag(data, "accepts_priority", True),
        # issue 10: remote numbers, appointments (kept as they were when a form leaves them out)
        "remote": _flag(data, "remote", bool(old and old.get("remote"))),
        "appointments": _flag(data, "appointments", bool(old and old.get("appointments"))),
    }
    minutes = data.get("service_minutes", old["service_minutes"] if old else 8.0)
    if isinstance(minutes, str):
        try:
            minutes = float(minutes)
        except ValueError:
            raise _bad("not_a_number", "service_minutes") from None
    if not isinstance(minutes, (int, float)) or isinstance(minutes, bool) or not 0 < minutes <= 600:
        raise _bad("not_a_number", "service_minutes")
    row["service_minutes"] = float(minutes)
    if row["last_number"] is not None and row["last_number"] < row["first_number"]:
        raise _bad("last_before_first", "last_number")
    profile = data.get("hours_profile") or None
    row["hours_profile"] = profile and _ref(doc, "hours", "hours_profile", profile)["code"]
    row["hours"] = (_find(doc, "hours", profile) or {}).get("days") if profile else (
        old.get("hours") if old and not old.get("hours_profile") else None)
    for other in doc["services"]:
        if other["code"] != code:
            clash = number_clash(row, other)
            if clash:
                raise _bad("number_overlap" if clash == "overlap" else "number_prefix",
                           "first_number" if clash == "overlap" else "prefix",
                           other=other["code"], prefix=other["prefix"],
                           first=other["first_number"], last=other.get("last_number") or "…")
    given = issued.get(code, 0)
    if old and given:
        for field in ("prefix", "first_number", "width"):
            if row[field] != old[field]:
                raise _bad("numbers_in_use_today", field, issued=given)
        last = row["last_number"]
        if last is not None and last < row["first_number"] + given - 1:
            raise _bad("last_below_issued", "last_number", issued=given,
                       number=row["first_number"] + given - 1)
    counters = data.get("counters", old["counters"] if old else [])
    if not isinstance(counters, list):
        raise _bad("bad_value", "counters")
    numbers: list[int] = []
    for n in counters:
        c = _ref(doc, "counter", "counters", n)
        if c["zone"] != row["zone"]:
            raise _bad("counter_other_zone", "counters", counter=c["number"], zone=c["zone"])
        if c["number"] not in numbers:
            numbers.append(c["number"])
    row["counters"] = numbers
    waiting = opened.get(code, 0)
    if old and waiting and row["zone"] != old["zone"]:
        raise _bad("has_open_tickets", "zone", n=waiting)
    if old and waiting and not numbers:
        raise _bad("has_open_tickets", "counters", n=waiting)
    return row


def _counter(doc: Doc, old: dict[str, Any] | None, data: dict[str, Any],
             today: tuple[dict[str, int], dict[str, int]], state: str) -> dict[str, Any]:
    if old:
        number = old["number"]
    else:
        number = _whole(data, "number", 1, 9999)
        if _find(doc, "counter", number) is not None:
            raise _bad("duplicate_code", "number", value=number)
    zone = _ref(doc, "zone", "zone", data.get("zone"))["code"]
    if old and zone != old["zone"] and state != "closed":
        raise _bad("counter_not_closed", "zone")
    services = data.get("services", old["services"] if old else [])
    if not isinstance(services, list):
        raise _bad("bad_value", "services")
    codes: list[str] = []
    for code in services:
        if old and code in old["services"] and (_find(doc, "service", code) or {}).get("retired"):
            codes.append(code)  # a retired service stays listed (not called): restoring brings it back
            continue
        s = _ref(doc, "service", "services", code)
        if s["zone"] != zone:
            raise _bad("service_other_zone", "services", service=s["code"], zone=s["zone"])
        if s["code"] not in codes:
            codes.append(s["code"])
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 40):
        raise _bad("field_too_long", "name", limit=40)
    row = {"number": number, "name": (name or "").strip() or f"Quầy {number}", "zone": zone,
           "services": codes, "priority": _flag(data, "priority", False)}
    if old:
        _no_stranded(doc, {**old, **row}, today[0], "services")
    return row


def _no_stranded(doc: Doc, counter: dict[str, Any], opened: dict[str, int], field: str) -> None:
    """Refuse a counter change after which a service with open tickets has no counter calling it."""
    for s in doc["services"]:
        waiting = opened.get(s["code"], 0)
        if not waiting or s.get("retired"):
            continue
        callers = [c for c in doc["counters"] if not c.get("retired") and s["code"] in c["services"]
                   and c["number"] != counter["number"]]
        if not callers and (counter.get("retired") or s["code"] not in counter["services"]):
            raise _bad("would_strand", field, service=s["code"], n=waiting)


def _in_use(doc: Doc, kind: str, code: Any) -> str | None:
    """What active thing still uses this one (it cannot be retired before them)."""
    users: list[str] = []
    if kind == "zone":
        users = [s["code"] for s in doc["services"] if s["zone"] == code and not s["retired"]]
        users += [str(c["number"]) for c in doc["counters"] if c["zone"] == code and not c["retired"]]
    elif kind == "unit":
        users = [s["code"] for s in doc["services"] if s["unit"] == code and not s["retired"]]
    elif kind == "hours":
        users = [s["code"] for s in doc["services"]
                 if s.get("hours_profile") == code and not s["retired"]]
    return ", ".join(users[:5]) if users else None


# ---- changes -------------------------------------------------------------------------------


def _write(conn: Any, doc: Doc, kind: str, row: dict[str, Any], old: dict[str, Any] | None,
           position: int | None) -> None:
    """Store one record (and what depends on it) in its table or setting."""
    if kind in ("reason", "hours"):
        row = {**(old or {}), **row}
    if kind == "reason":
        ratings = site_rows.get_setting(conn, "ratings", {}) or {}
        reasons = [r for r in ratings.get("reasons", []) if r["code"] != row["code"]]
        codes = [r["code"] for r in ratings.get("reasons", [])]
        at = codes.index(row["code"]) if row["code"] in codes else len(reasons)
        reasons.insert(at, {k: v for k, v in row.items() if k != "retired" or v})
        site_rows.set_setting(conn, "ratings", {**ratings, "reasons": reasons})
        return
    if kind == "hours":
        profiles = site_rows.get_setting(conn, "hours_profiles", {}) or {}
        profiles[row["code"]] = {"days": row["days"], "retired": bool(row.get("retired")),
                                 **profile_names(row)}
        site_rows.set_setting(conn, "hours_profiles", profiles)
        for s in doc["services"]:  # a service keeps a copy of its profile's hours
            if s.get("hours_profile") == row["code"]:
                site_rows.write_row(conn, "services", {"code": s["code"],
                                                       "hours": site_rows.dumps(row["days"])})
        return
    table = TABLE[kind]
    values = dict(row)
    if kind == "service" and "counters" in values:
        counters = values.pop("counters")
        values["hours"] = site_rows.dumps(values["hours"]) if values.get("hours") else None
        for c in doc["counters"]:  # which counters call it: appended last where newly added
            has = values["code"] in c["services"]
            if has != (c["number"] in counters):
                now = ([*c["services"], values["code"]] if not has
                       else [x for x in c["services"] if x != values["code"]])
                site_rows.write_row(conn, "counters", {"number": c["number"],
                                                       "services": site_rows.dumps(now)})
    if kind == "counter" and "services" in values:
        values["services"] = site_rows.dumps(values["services"])
    for flag in ("retired", "accepts_priority", "priority", "remote", "appointments"):
        if flag in values:
            values[flag] = int(bool(values[flag]))
    if position is not None:
        values["position"] = position
    site_rows.write_row(conn, table, values)


def _apply(ctx: Context, actor: Actor, kind: str, verb: str, code: Any,
           change: Callable[[Any, Doc, dict[str, Any] | None], dict[str, Any]]) -> dict[str, Any]:
    """Validate and write one change, audit it, then apply it live; returns the record."""
    require_admin(actor)
    if kind not in KINDS:
        raise UseCaseError("not_found", 404)
    with ctx.transaction() as (conn, _):
        doc = _document(conn)
        old = _find(doc, kind, code) if code is not None else None
        if code is not None and old is None:
            raise UseCaseError("config_not_found", 404, value=code)
        row = change(conn, doc, old)
        if old and all(old.get(k) == v for k, v in row.items()):
            return old  # nothing changed: no version, no audit entry, no screen redraws
        position = None if old else len(doc[_list(kind)])
        _write(conn, doc, kind, row, old, position)
        version = site_admin.bump_site_version(conn)
        key = row.get("code", row.get("number"))
        before = {k: old.get(k) for k in row} if old else None
        if old:
            before, after = audit.changed(before or {}, row)
        else:
            after = row
        audit.record(conn, ctx, actor, f"{_audit_kind(kind)}.{verb}", f"{_audit_kind(kind)}:{key}",
                     before, after)
        site = Site.from_rows(site_rows.load_site_rows(conn))
    publish_site(ctx, site, version)
    return {**(old or {}), **row}


def _audit_kind(kind: str) -> str:
    return {"category": "priority_category", "reason": "rating_reason",
            "hours": "hours_profile"}.get(kind, kind)


def publish_site(ctx: Context, site: Site, version: int) -> None:
    """Use the new site in this process and tell every screen to refetch what it shows."""
    ctx.adopt_site(site, version)
    announce_site(ctx)


def announce_site(ctx: Context) -> None:
    """Send `site.changed` once for each site this process adopted (by a change made here, by
    another process, or noticed while issuing)."""
    with ctx._site_lock:
        if ctx.announced_version == ctx.site_version:
            return
        ctx.announced_version = site_version = ctx.site_version
        site = ctx.site
    # to this site's screens (issue 9: the same room names serve every site)
    ctx.publish([dataclasses.replace(m, site_id=ctx.site_id)
                 for m in site_changed_messages(site, site_version)])


def _today(conn: Any, ctx: Context) -> tuple[dict[str, int], dict[str, int]]:
    day = service_day(ctx.clock())
    return site_admin.open_tickets_by_service(conn, day), site_admin.issued_by_service(conn, day)


def _validate(conn: Any, ctx: Context, doc: Doc, kind: str, old: dict[str, Any] | None,
              data: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise UseCaseError("bad_request", 400)
    merged = {**(old or {}), **data}
    if kind == "zone":
        return _zone(doc, old, merged)
    if kind == "unit":
        return _unit(doc, old, merged)
    if kind in ("category", "reason"):
        return _category(doc, old, merged, kind)
    if kind == "hours":
        return _hours(doc, old, merged)
    if kind == "service":
        return _service(doc, old, merged, _today(conn, ctx))
    state = site_admin.counter_state(conn, old["number"]) if old else "closed"
    return _counter(doc, old, merged, _today(conn, ctx), state)


def create(ctx: Context, actor: Actor, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Add a zone, unit, service, counter, priority category, rating reason or hours profile."""
    return _apply(ctx, actor, kind, "create", None,
                  lambda conn, doc, old: _validate(conn, ctx, doc, kind, None, data))


def update(ctx: Context, actor: Actor, kind: str, code: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Change some fields of one record (the others keep their values)."""
    def change(conn: Any, doc: Doc, old: dict[str, Any] | None) -> dict[str, Any]:
        if old and old.get("retired"):
            raise UseCaseError("config_retired", 409, value=code)
        return _validate(conn, ctx, doc, kind, old, data)
    return _apply(ctx, actor, kind, "update", code, change)


def retire(ctx: Context, actor: Actor, kind: str, code: Any, retired: bool = True) -> dict[str, Any]:
    """Retire a record (no longer offered; history keeps it), or bring a retired one back."""
    def change(conn: Any, doc: Doc, old: dict[str, Any] | None) -> dict[str, Any]:
        assert old is not None
        key = "number" if kind == "counter" else "code"
        row = {key: old[key], "retired": retired}
        if not retired:
            # Back in use: its references must still be active, and its numbers free.
            _validate(conn, ctx, {**doc, _list(kind): [r for r in doc[_list(kind)] if r is not old]},
                      kind, None, {**old, "code": old.get("code"), "number": old.get("number"),
                                   **({"counters": []} if kind == "service" else {})})
            return row
        users = _in_use(doc, kind, old[key])
        if users:
            raise _bad("still_in_use", "retired", users=users)
        opened, _ = _today(conn, ctx)
        if kind == "service" and opened.get(old["code"]):
            raise _bad("has_open_tickets", "retired", n=opened[old["code"]])
        if kind == "counter":
            if site_admin.counter_state(conn, old["number"]) != "closed":
                raise _bad("counter_not_closed", "retired")
            _no_stranded(doc, {**old, "retired": True}, opened, "retired")
        return row
    return _apply(ctx, actor, kind, "retire" if retired else "restore", code, change)
