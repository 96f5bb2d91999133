"""The calendar as the engine sees it, read from the store for a moment (engine/calendar.py)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ..engine.calendar import Calendar, DayOff, Suspension
from ..engine.numbering import LOOK_AHEAD_DAYS
from ..i18n import LANGS, message
from ..store import Connection
from ..store import calendar as rows
from ..store import site as site_rows
from ..store.scope import site_of
from .context import TZ

# The calendar last read, by its site, version (moved by triggers on every change, in any
# process) and the day: kept across transactions, read again only when the version or day moves.
_last: dict[tuple[int, int, date], Calendar] = {}


def calendar_at(conn: Connection, now: datetime) -> Calendar:
    """The days off, working days and suspensions that matter from `now` on (read in `conn`)."""
    key = (site_of(conn), site_rows.versions(conn)["calendar_version"], now.astimezone(TZ).date())
    found = _last.get(key)
    if found is None:
        found = load(conn, key[2])
        for old in [k for k in _last if k[0] == key[0]]:  # one calendar kept per site
            del _last[old]
        _last[key] = found
    return found


def load(conn: Connection, today: date) -> Calendar:
    """Read the calendar from `today` to LOOK_AHEAD_DAYS ahead and the stored suspensions."""
    last = today + timedelta(days=LOOK_AHEAD_DAYS + 1)
    days_off, working = [], {}
    for r in rows.calendar_days(conn, today.isoformat(), last.isoformat()):
        day = date.fromisoformat(r["day"])
        if r["kind"] == "working":
            working[day] = int(r["as_weekday"])
        else:
            days_off.append(DayOff(day, r["kind"], r["name"], r["name_en"], frozenset(r["units"] or [])))
    suspended = [Suspension(s["scope"], s["code"], s["reason"], s["reason_en"],
                            datetime.fromisoformat(s["until"]) if s["until"] else None)
                 for s in rows.suspensions(conn)]
    return Calendar(days_off, working, suspended)


def hhmm_date(at: datetime) -> tuple[str, str]:
    """A moment as the pages say it: ("14:00", "03/12")."""
    local = at.astimezone(TZ)
    return local.strftime("%H:%M"), local.strftime("%d/%m")


def closed_texts(code: str, reason: str, reason_en: str) -> dict[str, str]:
    """Why a service is closed, in every language: "Tạm ngưng tiếp nhận: mất điện"."""
    why = {"vi": reason, "en": reason_en or reason}
    return {lang: message(f"closed.{code}", lang, reason=why) for lang in LANGS}


def refusal_params(params: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The message parameters of a refusal by the calendar (engine IssueRefused params): the
    reason and the reopening time, each per language."""
    out = {k: v for k, v in params.items() if k not in ("opens", "reason", "reason_en")}
    out["reason"] = {"vi": params["reason"], "en": params.get("reason_en") or params["reason"]}
    out["reopen"] = {"vi": "", "en": ""}
    opens = params.get("opens")
    if isinstance(opens, datetime):
        time, day = hhmm_date(opens)
        key = "reopens.today" if opens.astimezone(TZ).date() == now.astimezone(TZ).date() else "reopens.day"
        out["reopen"] = {lang: " " + message(key, lang, time=time, date=day) for lang in LANGS}
    return out
