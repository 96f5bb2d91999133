"""Leases: one row per (site, job name) saying which process runs the job and until when.

Taking a lease is one statement in a write transaction: it inserts the row, or takes it over only
if this holder already has it or it has expired. PostgreSQL runs the same INSERT … ON CONFLICT DO
UPDATE … WHERE under a row lock, so the takeover stays atomic there too.
"""
from __future__ import annotations

from typing import Any

from .connection import Connection


def take(conn: Connection, name: str, holder: str, now: float, ttl: float,
         site_id: int = 1) -> bool:
    """Take or renew lease `name` for `holder` until now + ttl; False if another holds it."""
    cur = conn.execute(
        "INSERT INTO leases (site_id, name, holder, expires_at, taken_at) VALUES (?,?,?,?,?) "
        "ON CONFLICT (site_id, name) DO UPDATE SET expires_at=excluded.expires_at, "
        "taken_at=CASE WHEN leases.holder=excluded.holder THEN leases.taken_at "
        "ELSE excluded.taken_at END, holder=excluded.holder "
        "WHERE leases.holder=excluded.holder OR leases.expires_at<=?",
        (site_id, name, holder, now + ttl, now, now))
    return cur.rowcount == 1


def take_from(conn: Connection, name: str, holder: str, dead: str, now: float, ttl: float,
              site_id: int = 1) -> bool:
    """Take lease `name` from holder `dead` (known to have died) before it expires; False if
    `dead` no longer holds it."""
    cur = conn.execute("UPDATE leases SET holder=?, expires_at=?, taken_at=? "
                       "WHERE site_id=? AND name=? AND holder=?",
                       (holder, now + ttl, now, site_id, name, dead))
    return cur.rowcount == 1


def holder_of(conn: Connection, name: str, site_id: int = 1) -> str | None:
    """Who holds or last held lease `name`."""
    row = conn.execute("SELECT holder FROM leases WHERE site_id=? AND name=?",
                       (site_id, name)).fetchone()
    return None if row is None else str(row[0])


def release(conn: Connection, name: str, holder: str, site_id: int = 1) -> bool:
    """Give lease `name` up at once (a process stopping cleanly); False if `holder` had not it."""
    cur = conn.execute("UPDATE leases SET expires_at=0 WHERE site_id=? AND name=? AND holder=?",
                       (site_id, name, holder))
    return cur.rowcount == 1


def holders(conn: Connection, site_id: int = 1) -> list[dict[str, Any]]:
    """Every lease of a site: name, holder, expires_at, taken_at (epoch seconds)."""
    return [dict(r) for r in conn.execute(
        "SELECT name, holder, expires_at, taken_at FROM leases WHERE site_id=? ORDER BY name",
        (site_id,))]
