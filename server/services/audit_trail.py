"""Reading the audit trail: filters, a supervisor's scope, readable before → after, CSV.

One use case for the API, the /admin/audit page and `xephang audit`.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..i18n import MESSAGES
from ..store import accounts
from ..store import audit as audit_rows
from .audit import target
from .auth import Actor, require_admin_read
from .context import TZ, Context
from .errors import UseCaseError

PAGE = 100
MAX_PAGE = 500
CSV_BATCH = 1000  # entries per read transaction while streaming a CSV
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (Vietnamese intact) only with it
_KIND = re.compile(r"^[a-z_]+(\.[a-z_]*)?$")
# What the page offers before anything of that kind happened (the rest comes from the trail).
KNOWN_KINDS = [k.removeprefix("audit.kind.") for k in MESSAGES if k.startswith("audit.kind.")]


@dataclass(frozen=True)
class Filters:
    """What a reader asked for: person (actor key), kind or group ("counter."), days, page."""

    actor: str | None = None
    kind: str | None = None
    since: str | None = None
    until: str | None = None
    before_id: int | None = None
    limit: int = PAGE
    first_day: str | None = None
    last_day: str | None = None


def _day(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise UseCaseError("audit_bad_date", 400, field=field, value=str(value)[:20])
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UseCaseError("audit_bad_date", 400, field=field, value=value.strip()) from None


def _stamp_of(day: date) -> str:
    """The stored timestamp of a day's first moment (local time), for text comparison."""
    return datetime(day.year, day.month, day.day, tzinfo=TZ).isoformat(timespec="microseconds")


def _whole(value: Any, field: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    text = str(value)
    if not text.isdigit() or not low <= int(text) <= high:
        raise UseCaseError("audit_bad_filter", 400, field=field, name=field)
    return int(text)


def parse_filters(args: dict[str, Any]) -> Filters:
    """Validate filters given as text (query string, CLI options); errors name the field."""
    actor = args.get("actor") or None
    if actor is not None and (not isinstance(actor, str) or len(actor) > 80):
        raise UseCaseError("audit_bad_filter", 400, field="actor", name="actor")
    kind = args.get("kind") or None
    if kind is not None and (not isinstance(kind, str) or len(kind) > 80 or not _KIND.match(kind)):
        raise UseCaseError("audit_bad_filter", 400, field="kind", name="kind")
    if kind is not None and "." not in kind:
        kind += "."  # a group: every kind of that thing
    first, last = _day(args.get("from"), "from"), _day(args.get("to"), "to")
    if first and last and first > last:
        raise UseCaseError("audit_bad_range", 400, field="to")
    return Filters(actor=actor, kind=kind,
                   since=_stamp_of(first) if first else None,
                   until=_stamp_of(last + timedelta(days=1)) if last else None,
                   before_id=_whole(args.get("before_id"), "before_id", 1, 2**62),
                   limit=_whole(args.get("limit"), "limit", 1, MAX_PAGE) or PAGE,
                   first_day=first.isoformat() if first else None,
                   last_day=last.isoformat() if last else None)


def scope_of(ctx: Context, actor: Actor) -> tuple[str, list[str]] | None:
    """What a reader may see: None (everything) for admins and supervisors of every unit; a
    supervisor scoped to units sees her own entries and those about her units, their services,
    the counters serving them and the officers of those counters (their logins, their accounts)."""
    if actor.is_admin:  # the CLI too
        return None
    require_admin_read(actor)
    if not actor.units:
        return None
    site = ctx.site
    services = [code for code, s in site.services.items() if s.unit in actor.units]
    counters = sorted({n for code in services for n in site.counters_of_service(code)})
    with ctx.db.read() as conn:  # her officers: the people working at those counters
        staff = [u["id"] for u in accounts.list_users(conn) if set(u["counters"]) & set(counters)]
    targets = ([target("unit", u) for u in actor.units] + [target("service", s) for s in services]
               + [target("counter", n) for n in counters] + [target("user", i) for i in staff])
    return actor.key, targets


def _name(code: str, lang: str, **params: Any) -> str | None:
    pair = MESSAGES.get(code)
    if pair is None:
        return None
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**params) if params else text


def kind_name(kind: str, lang: str) -> str:
    """A kind in words: its own name, else "<thing>: <verb>", else the code itself."""
    own = _name(f"audit.kind.{kind}", lang)
    if own:
        return own
    thing, _, verb = kind.partition(".")
    thing_name = _name(f"audit.thing.{thing}", lang)
    verb_name = _name(f"audit.verb.{verb}", lang)
    if thing_name:
        return f"{thing_name}: {verb_name or verb}"
    return kind


def group_name(group: str, lang: str) -> str:
    """A group of kinds (the thing they change) in words."""
    return _name(f"audit.thing.{group}", lang) or group


class Names:
    """What codes in the trail stand for (services, units, users, devices), in one language."""

    def __init__(self, ctx: Context, lang: str) -> None:
        self.lang = lang
        self.site = ctx.site
        with ctx.db.read() as conn:
            self.users = {target("user", u["id"]): u["display_name"] for u in accounts.list_users(conn)}
            self.devices = {target("device", d["id"]): d["name"] for d in accounts.list_devices(conn)}

    def service(self, code: Any) -> str:
        svc = self.site.services.get(str(code))
        if svc is None:
            return str(code)
        return (svc.name_en or svc.name) if self.lang == "en" else svc.name

    def unit(self, code: Any) -> str:
        row = self.site.units.get(str(code))
        if row is None:
            return str(code)
        return str(row.get("name_en") or row["name"]) if self.lang == "en" else str(row["name"])

    def actor(self, key: str, stored: str) -> str:
        kind = key.split(":", 1)[0]
        if kind in ("cli", "system", "anonymous"):
            fixed = _name(f"audit.actor.{kind}", self.lang) or stored
            return fixed if kind != "anonymous" or stored in ("", key) else f"{fixed} ({stored})"
        return stored

    def target(self, target: str) -> str:
        kind, _, ident = target.partition(":")
        if kind == "service":
            return self.service(ident)
        if kind == "unit":
            return self.unit(ident)
        if kind in ("user", "device"):
            return self.users.get(target) or self.devices.get(target) or target
        return _name(f"audit.target.{kind}", self.lang, id=ident) or target

    def value(self, field: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return _name(f"audit.value.{str(value).lower()}", self.lang) or str(value)
        if field in ("status", "state") and isinstance(value, str):
            return _name(f"audit.value.{value}", self.lang) or value
        if field in ("role", "scope", "kind") and isinstance(value, str):  # codes, in words
            return _name(f"audit.value.{field}_{value}", self.lang) or value
        if field == "service":
            return self.service(value)
        if field == "services" and isinstance(value, list):
            return ", ".join(self.service(v) for v in value)
        if field == "unit":
            return self.unit(value)
        if field == "units" and isinstance(value, list):
            return ", ".join(self.unit(v) for v in value)
        if isinstance(value, list):
            return ", ".join(self.value(field, v) for v in value)
        if isinstance(value, dict):
            return "; ".join(f"{self.field(k)}: {self.value(k, v)}" for k, v in value.items())
        return str(value)

    def field(self, field: str) -> str:
        thing, _, number = field.partition(":")
        if thing == "ticket" and number:  # a ticket's fields in a counter action, by its number
            return _name("audit.field.ticket_n", self.lang, number=number) or field
        return _name(f"audit.field.{field}", self.lang) or field


def changes(entry: dict[str, Any], names: Names) -> list[dict[str, str]]:
    """An entry's before → after, one line per field (nested fields joined), in words."""
    before = entry["before"] if isinstance(entry["before"], dict) else {}
    after = entry["after"] if isinstance(entry["after"], dict) else {}
    if not isinstance(entry["before"], dict) and entry["before"] is not None:
        before = {"value": entry["before"]}
    if not isinstance(entry["after"], dict) and entry["after"] is not None:
        after = {"value": entry["after"]}
    out = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) or isinstance(new, dict):
            old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
            for sub in dict.fromkeys([*old, *new]):
                out.append({"field": f"{key}.{sub}",
                            "label": f"{names.field(key)} · {names.field(sub)}",
                            "before": names.value(sub, old.get(sub)) if key in before else "",
                            "after": names.value(sub, new.get(sub)) if key in after else ""})
            continue
        out.append({"field": key, "label": names.field(key),
                    "before": names.value(key, old) if key in before else "",
                    "after": names.value(key, new) if key in after else ""})
    return out


def change_text(items: list[dict[str, str]]) -> str:
    """Changes on one line: "Trạng thái quầy: Đã đóng → Đang mở; ..." (CSV and CLI)."""
    return "; ".join(f"{c['label']}: {c['before'] or '—'} → {c['after'] or '—'}" for c in items)


def shown(entry: dict[str, Any], names: Names) -> dict[str, Any]:
    """An entry as the API answers it: the stored fields plus their words."""
    return {"id": entry["id"], "at": entry["at"], "actor": entry["actor"],
            "actor_name": names.actor(entry["actor"], entry["actor_name"]),
            "address": entry["address"], "kind": entry["kind"],
            "kind_name": kind_name(entry["kind"], names.lang), "target": entry["target"],
            "target_name": names.target(entry["target"]), "before": entry["before"],
            "after": entry["after"], "changes": changes(entry, names)}


def _read(ctx: Context, f: Filters, scope: tuple[str, list[str]] | None,
          before_id: int | None, limit: int) -> list[dict[str, Any]]:
    with ctx.db.read() as conn:
        return audit_rows.entries(conn, actor=f.actor, kind=f.kind, since=f.since, until=f.until,
                                  before_id=before_id, limit=limit, scope=scope)


def audit_page(ctx: Context, actor: Actor, f: Filters, lang: str = "vi") -> dict[str, Any]:
    """One page of the trail, newest first; `next_before_id` asks for the page after it."""
    scope = scope_of(ctx, actor)
    rows = _read(ctx, f, scope, f.before_id, f.limit + 1)
    more = len(rows) > f.limit
    rows = rows[:f.limit]
    names = Names(ctx, lang)
    return {"entries": [shown(e, names) for e in rows],
            "next_before_id": rows[-1]["id"] if more and rows else None}


def _local(at: str) -> str:
    return datetime.fromisoformat(at).astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")


CSV_COLUMNS = ("id", "at", "actor_name", "actor", "address", "kind_name", "kind", "target",
               "changes", "before", "after")


def csv_file_name(f: Filters) -> str:
    """The download's file name: the trail and its days."""
    days = "_".join(d for d in (f.first_day, f.last_day) if d) or "all"
    return f"nhat-ky-xephang-{days}.csv"


def audit_csv(ctx: Context, actor: Actor, f: Filters, lang: str = "vi",
              run: Callable[..., Any] | None = None) -> Iterator[str]:
    """The whole filtered trail as CSV text (BOM first), in batches of CSV_BATCH entries, each
    read in its own short read transaction; `run(fn, *args)` runs the reads (off the event loop).
    Permission is checked before the first chunk, so a refusal is an error, not a broken file."""
    scope = scope_of(ctx, actor)
    names = Names(ctx, lang)
    call = run or (lambda fn, *args: fn(*args))

    def chunks() -> Iterator[str]:
        buf = io.StringIO()
        out = csv.writer(buf)
        out.writerow([_name(f"audit.csv.{c}", lang) for c in CSV_COLUMNS])
        yield BOM + buf.getvalue()
        cursor = f.before_id
        while True:
            rows = call(_read, ctx, f, scope, cursor, CSV_BATCH)
            buf.seek(0)
            buf.truncate()
            for e in rows:
                text = change_text(changes(e, names))
                out.writerow([e["id"], _local(e["at"]), names.actor(e["actor"], e["actor_name"]),
                              e["actor"], e["address"], kind_name(e["kind"], lang), e["kind"],
                              names.target(e["target"]), text,
                              "" if e["before"] is None else json.dumps(e["before"], ensure_ascii=False),
                              "" if e["after"] is None else json.dumps(e["after"], ensure_ascii=False)])
            if rows:
                yield buf.getvalue()
            if len(rows) < CSV_BATCH:
                return
            cursor = rows[-1]["id"]

    return chunks()


def filter_options(ctx: Context, actor: Actor, lang: str = "vi") -> dict[str, Any]:
    """What the filters offer: people (users, devices, and others found in the trail) and kinds
    grouped by the thing they change, in words."""
    scope = scope_of(ctx, actor)
    with ctx.db.read() as conn:
        users = accounts.list_users(conn)
        devices = accounts.list_devices(conn)
        present_kinds = audit_rows.kinds(conn)
        present_actors = audit_rows.actors(conn)
    names = Names(ctx, lang)
    people = [{"key": target("user", u["id"]), "name": u["display_name"], "kind": "user",
               "role": u["role"], "counters": u["counters"]} for u in users]
    if scope is not None:  # a department head picks among her own officers (and herself)
        mine = set(scope[1])
        people = [p for p in people if p["key"] == scope[0] or p["key"] in mine]
    else:
        people += [{"key": target("device", d["id"]), "name": d["name"], "kind": "device",
                    "role": d["kind"], "counters": []} for d in devices]
        known = {p["key"] for p in people}
        people += [{"key": key, "name": names.actor(key, name), "kind": key.split(":")[0],
                    "role": "", "counters": []} for key, name in present_actors if key not in known]
    for p in people:
        p.pop("counters")
    groups: dict[str, list[str]] = {}
    for kind in dict.fromkeys(KNOWN_KINDS + present_kinds):
        groups.setdefault(kind.split(".")[0], []).append(kind)
    return {"actors": people,
            "groups": [{"group": g, "name": group_name(g, lang),
                        "kinds": [{"kind": k, "name": kind_name(k, lang)} for k in ks]}
                       for g, ks in groups.items()]}


def actor_key(ctx: Context, text: str) -> str:
    """The actor key a person is filed under: a key as is (user:3), else a username, a device
    name or a display name (the CLI's --actor NAME)."""
    if re.fullmatch(r"[a-z]+:\d+", text):
        return text
    with ctx.db.read() as conn:
        user = accounts.user_by_name(conn, text)
        if user is not None:
            return target("user", user["id"])
        device = accounts.device_by_name(conn, text)
        if device is not None:
            return target("device", device["id"])
        for u in accounts.list_users(conn):
            if u["display_name"] == text:
                return target("user", u["id"])
    return text


def text_lines(ctx: Context, actor: Actor, f: Filters, lang: str = "vi") -> Iterator[str]:
    """The trail as lines of text (the CLI): time, who, from where, what, target, changes."""
    page = audit_page(ctx, actor, f, lang)
    for e in page["entries"]:
        text = change_text(e["changes"])
        yield (f"{_local(e['at'])}  {e['actor_name']} ({e['actor']})  {e['address'] or '-'}  "
               f"{e['kind_name']} [{e['kind']}]  {e['target_name']}" + (f"  {text}" if text else ""))
    if page["next_before_id"] is not None:
        yield f"… (--limit {f.limit}: more entries before #{page['next_before_id']})"
