"""Closures and the calendar: services or units closed now, holidays, working days, closed days."""
from __future__ import annotations

import sqlite3
from typing import Any

from .db import dumps, loads
from .scope import site_of
from .connection import Connection


def suspensions(conn: Connection, site_id: int | None = None) -> list[dict[str, Any]]:
    """Every stored suspension (expired ones included: the caller compares `until` to its clock)."""
    site_id = site_of(conn) if site_id is None else site_id
    return [dict(r) for r in conn.execute(
        "SELECT scope, code, reason, reason_en, until, at, by FROM suspensions WHERE site_id=? "
        "ORDER BY at", (site_id,))]


def suspension(conn: Connection, scope: str, code: str,
               site_id: int | None = None) -> dict[str, Any] | None:
    """One suspension, or None."""
    site_id = site_of(conn) if site_id is None else site_id
    row = conn.execute("SELECT scope, code, reason, reason_en, until, at, by FROM suspensions "
                       "WHERE site_id=? AND scope=? AND code=?", (site_id, scope, code)).fetchone()
    return dict(row) if row else None


def save_suspension(conn: Connection, row: dict[str, Any],
                    site_id: int | None = None) -> None:
    """Close a service or unit (replacing an earlier closure of the same one)."""
    site_id = site_of(conn) if site_id is None else site_id
    conn.execute("INSERT INTO suspensions (site_id, scope, code, reason, reason_en, "
                 "until, at, by) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (site_id, scope, code) "
                 "DO UPDATE SET reason=excluded.reason, reason_en=excluded.reason_en, "
                 "until=excluded.until, at=excluded.at, by=excluded.by",
                 (site_id, row["scope"], row["code"], row["reason"], row["reason_en"],
                  row["until"], row["at"], row["by"]))


def delete_suspension(conn: Connection, scope: str, code: str,
                      site_id: int | None = None) -> bool:
    """Reopen: forget the suspension; whether there was one."""
    site_id = site_of(conn) if site_id is None else site_id
    cur = conn.execute("DELETE FROM suspensions WHERE site_id=? AND scope=? AND code=?",
                       (site_id, scope, code))
    return cur.rowcount > 0


def _day(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["units"] = loads(out["units"])
    return out


def calendar_days(conn: Connection, first: str, last: str,
                  site_id: int | None = None) -> list[dict[str, Any]]:
    """Calendar rows dated first..last (YYYY-MM-DD, both included), by date."""
    site_id = site_of(conn) if site_id is None else site_id
    return [_day(r) for r in conn.execute(
        "SELECT id, day, kind, name, name_en, units, as_weekday, source FROM calendar_days "
        "WHERE site_id=? AND day BETWEEN ? AND ? ORDER BY day, id", (site_id, first, last))]


def calendar_day(conn: Connection, day_id: int,
                 site_id: int | None = None) -> dict[str, Any] | None:
    """One calendar row by id, or None."""
    site_id = site_of(conn) if site_id is None else site_id
    row = conn.execute("SELECT id, day, kind, name, name_en, units, as_weekday, source "
                       "FROM calendar_days WHERE site_id=? AND id=?", (site_id, day_id)).fetchone()
    return _day(row) if row else None


def rule_on(conn: Connection, day: str,
            site_id: int | None = None) -> dict[str, Any] | None:
    """The holiday or working-day row of a date, or None."""
    site_id = site_of(conn) if site_id is None else site_id
    row = conn.execute("SELECT id, day, kind, name, name_en, units, as_weekday, source "
                       "FROM calendar_days WHERE site_id=? AND day=? AND kind IN ('holiday','working')",
                       (site_id, day)).fetchone()
    return _day(row) if row else None


def add_calendar_day(conn: Connection, row: dict[str, Any],
                     site_id: int | None = None) -> int:
    """Store a calendar row; its id."""
    site_id = site_of(conn) if site_id is None else site_id
    cur = conn.execute(
        "INSERT INTO calendar_days (site_id, day, kind, name, name_en, units, as_weekday, source) "
        "VALUES (?,?,?,?,?,?,?,?) RETURNING id",
        (site_id, row["day"], row["kind"], row["name"], row["name_en"], dumps(row.get("units") or []),
         row.get("as_weekday"), row.get("source", "admin")))
    return int(cur.fetchone()[0])


def delete_calendar_day(conn: Connection, day_id: int, site_id: int | None = None) -> bool:
    """Remove a calendar row; whether there was one."""
    site_id = site_of(conn) if site_id is None else site_id
    return conn.execute("DELETE FROM calendar_days WHERE site_id=? AND id=?",
                        (site_id, day_id)).rowcount > 0


def holiday_years(conn: Connection, site_id: int | None = None) -> set[int]:
    """The years whose public holidays were put in the calendar automatically."""
    site_id = site_of(conn) if site_id is None else site_id
    return {int(r[0]) for r in conn.execute("SELECT year FROM holiday_years WHERE site_id=?",
                                            (site_id,))}


def mark_holiday_year(conn: Connection, year: int, at: str,
                      site_id: int | None = None) -> None:
    """Note that a year's public holidays were put in the calendar (never again automatically)."""
    site_id = site_of(conn) if site_id is None else site_id
    conn.execute("INSERT INTO holiday_years (site_id, year, at) VALUES (?,?,?) "
                 "ON CONFLICT DO NOTHING",
                 (site_id, year, at))


def removed_days(conn: Connection, year: int, site_id: int | None = None) -> set[str]:
    """The dates (YYYY-MM-DD) of a year an admin took out of the calendar (from the audit trail)."""
    site_id = site_of(conn) if site_id is None else site_id
    return {str(r[0]).removeprefix("calendar:") for r in conn.execute(
        "SELECT target FROM audit WHERE site_id=? AND target >= ? AND target < ? "
        "AND kind='calendar.remove'", (site_id, f"calendar:{year}-", f"calendar:{year}.."))}
