"""Writing the site file: the live configuration rows back as TOML that `xephang init --site`
reads to the same state (server/site.py reads it)."""
from __future__ import annotations

import math
import re
from typing import Any

from .site import WEEKDAYS

BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if BARE.match(k) else _str(k)


def _str(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(c if (c >= " " or c == "\t") and c != "\x7f" else "\\u%04x" % ord(c) for c in out)
    return '"' + out + '"'


def value(v: Any) -> str:
    """One TOML value (inline tables for dicts inside lists)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError("not a finite number")
        return repr(v)
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, (list, tuple)):
        if any(isinstance(x, dict) for x in v):  # one table a line, as a person would write it
            return "[\n" + "".join(f"  {value(x)},\n" for x in v) + "]"
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {value(x)}" for k, x in v.items() if x is not None) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _table(header: str, fields: dict[str, Any]) -> list[str]:
    lines = [header]
    lines += [f"{_key(k)} = {value(v)}" for k, v in fields.items() if v is not None]
    return lines + [""]


def _periods(days: dict[str, list[list[str]]]) -> dict[str, list[str]]:
    return {d: [f"{a}-{b}" for a, b in days.get(d, [])] for d in WEEKDAYS if days.get(d)}


def dump_site(rows: dict[str, Any]) -> str:
    """The site file of these configuration rows (server/store/site.py `load_site_rows`)."""
    settings = rows["settings"]
    out = ["# xephang site configuration, written by `xephang site export`.",
           "# Load it with `xephang init --site FILE` (a new database) or add `--reload`.", ""]
    out += _table("[site]", dict(settings.get("site", {})))
    out += _table("[policy]", dict(settings.get("policy", {})))
    profiles = settings.get("hours_profiles", {}) or {}
    for name, p in profiles.items():
        out += _table(f"[hours.{_key(name)}]",
                      {"name": p.get("name") or None, "name_en": p.get("name_en") or None,
                       **_periods(p["days"]), "retired": True if p.get("retired") else None})
    ratings = settings.get("ratings", {}) or {}
    if ratings:
        out += _table("[ratings]", dict(ratings))

    def flag(row: dict[str, Any], key: str = "retired") -> bool | None:
        return True if row.get(key) else None

    for p in rows["priority_categories"]:
        out += _table("[[priority_categories]]", {"code": p["code"], "name": p["name"],
                                                  "name_en": p["name_en"], "retired": flag(p)})
    for z in rows["zones"]:
        out += _table("[[zones]]", {"code": z["code"], "name": z["name"], "name_en": z["name_en"],
                                    "floor": z["floor"], "retired": flag(z)})
    for u in rows["units"]:
        out += _table("[[units]]", {k: u[k] for k in ("code", "name", "name_en", "kind", "short",
                                                      "color")} | {"retired": flag(u)})
    for s in rows["services"]:
        profile = s.get("hours_profile")
        hours: Any = profile if profile else (_periods(s["hours"]) if s.get("hours") else None)
        out += _table("[[services]]", {
            "code": s["code"], "unit": s["unit"], "zone": s["zone"], "kind": s["kind"],
            "name": s["name"], "name_en": s["name_en"], "prefix": s["prefix"] or None,
            "first_number": s["first_number"], "last_number": s.get("last_number"),
            "width": s["width"], "hours": hours, "daily_cap": s["daily_cap"],
            "wait_target_min": s["wait_target_min"], "service_minutes": float(s["service_minutes"]),
            "accepts_priority": False if not s.get("accepts_priority", True) else None,
            "remote": True if s.get("remote") else None,
            "appointments": True if s.get("appointments") else None,
            "appointment_share": s.get("appointment_share"),
            "retired": flag(s)})
    for c in rows["counters"]:
        out += _table("[[counters]]", {"number": c["number"], "zone": c["zone"],
                                       "services": list(c["services"]), "priority": bool(c["priority"]),
                                       "name": c["name"], "retired": flag(c)})
    return "\n".join(out).rstrip("\n") + "\n"
