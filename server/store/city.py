"""City-level reads over every site of the deployment (issue 9): one grouped query per table,
never a query per site, and the city-level accounts (users whose site is NULL)."""
from __future__ import annotations

from typing import Any

from .connection import Connection


def _by_site(conn: Connection, sql: str, args: tuple[Any, ...] = ()) -> dict[int, int]:
    return {int(r[0]): int(r[1]) for r in conn.execute(sql, args)}


def site_counts(conn: Connection, day: str) -> dict[int, dict[str, int]]:
    """Per site id: active counters, devices and users, and the day's tickets issued, waiting
    and served (from day_totals, which triggers keep per site: one row per site, not a scan)."""
    counters = _by_site(conn, "SELECT site_id, COUNT(*) FROM counters WHERE retired=0 "
                              "GROUP BY site_id")
    devices = _by_site(conn, "SELECT site_id, COUNT(*) FROM devices WHERE active=1 "
                             "GROUP BY site_id")
    users = _by_site(conn, "SELECT site_id, COUNT(*) FROM users WHERE active=1 "
                           "AND site_id IS NOT NULL GROUP BY site_id")
    today = {int(r["site_id"]): r for r in conn.execute(
        "SELECT site_id, issued, waiting, served FROM day_totals WHERE day=?", (day,))}
    ids = set(counters) | set(devices) | set(users) | set(today)
    return {sid: {"counters": counters.get(sid, 0), "devices": devices.get(sid, 0),
                  "users": users.get(sid, 0),
                  "issued": int(today[sid]["issued"]) if sid in today else 0,
                  "waiting": int(today[sid]["waiting"]) if sid in today else 0,
                  "served": int(today[sid]["served"]) if sid in today else 0} for sid in ids}


def make_city_level(conn: Connection, username: str) -> bool:
    """Make an account city-level (site NULL: it may act for any site); True if it changed."""
    cur = conn.execute("UPDATE users SET site_id=NULL WHERE username=? AND site_id IS NOT NULL",
                       (username,))
    return bool(cur.rowcount)


def site_of_user(conn: Connection, username: str) -> tuple[bool, int | None]:
    """(found, site id) of an account by username; site None = city level."""
    row = conn.execute("SELECT site_id FROM users WHERE username=?", (username,)).fetchone()
    if row is None:
        return False, None
    return True, None if row["site_id"] is None else int(row["site_id"])
