"""The sites of a deployment (issue 9): id, code, names and time zone. Site 1 is the one the
site file describes; its names and time zone are read from that configuration."""
from __future__ import annotations

from typing import Any

from .site import get_setting
from .connection import Connection

HOME_SITE = 1


def list_sites(conn: Connection) -> list[dict[str, Any]]:
    """Every site, by id (site 1 named as its site file names it)."""
    found = [dict(r) for r in conn.execute(
        "SELECT id, code, name, name_en, timezone, created_at FROM sites ORDER BY id")]
    info = get_setting(conn, "site") or {}
    for row in found:
        if row["id"] == HOME_SITE and info:
            row["name"] = info.get("name") or row["name"]
            row["name_en"] = info.get("name_en") or row["name_en"] or row["name"]
            row["timezone"] = info.get("timezone") or row["timezone"]
    return found


def site_by_code(conn: Connection, code: str) -> dict[str, Any] | None:
    """One site by its code, or None."""
    return next((s for s in list_sites(conn) if s["code"] == code), None)


def add_site(conn: Connection, code: str, name: str, name_en: str, timezone: str,
             at: str) -> int:
    """Add a site; its id."""
    cur = conn.execute("INSERT INTO sites (code, name, name_en, timezone, created_at) "
                       "VALUES (?,?,?,?,?) RETURNING id", (code, name, name_en, timezone, at))
    return int(cur.fetchone()[0])


def site_id_of_code(conn: Connection, code: str) -> int | None:
    """The id of the site with this code, or None (a public page names its site by code)."""
    row = conn.execute("SELECT id FROM sites WHERE code=?", (code,)).fetchone()
    return None if row is None else int(row[0])
