"""The outbox: committed Socket.IO messages waiting for the relay, and the relay's position."""
from __future__ import annotations

from typing import Any

from .db import dumps, loads
from .connection import Connection


def append(conn: Connection, messages: list[dict[str, Any]], at: float,
           site_id: int = 1) -> int:
    """Log one committed change's messages (inside its transaction); returns the row's id."""
    cur = conn.execute("INSERT INTO outbox (site_id, at, messages) VALUES (?,?,?) RETURNING id",
                       (site_id, at, dumps(messages)))
    return int(cur.fetchone()[0])


def after(conn: Connection, position: int, limit: int,
          site_id: int = 1) -> list[tuple[int, list[dict[str, Any]]]]:
    """The logged changes after `position`, in commit order: (id, messages)."""
    rows = conn.execute("SELECT id, messages FROM outbox WHERE site_id=? AND id>? ORDER BY id "
                        "LIMIT ?", (site_id, position, limit)).fetchall()
    return [(int(r[0]), loads(r[1])) for r in rows]  # type: ignore[misc]


def last_id(conn: Connection, site_id: int = 1) -> int:
    """The id of the last logged change (0: none)."""
    row = conn.execute("SELECT COALESCE(MAX(id), 0) FROM outbox WHERE site_id=?",
                       (site_id,)).fetchone()
    return int(row[0])


def position(conn: Connection, name: str, site_id: int = 1) -> int:
    """How far relay `name` has sent (0: nothing yet)."""
    row = conn.execute("SELECT position FROM outbox_position WHERE site_id=? AND name=?",
                       (site_id, name)).fetchone()
    return 0 if row is None else int(row[0])


def advance(conn: Connection, name: str, to: int, holder: str, now: float,
            site_id: int = 1) -> bool:
    """Move relay `name`'s position forward to `to`, only while `holder` holds the lease of the
    same name (fencing: a frozen former holder cannot move it, nor can anyone move it back);
    False when refused."""
    conn.execute("INSERT INTO outbox_position (site_id, name, position) VALUES (?,?,0) "
                 "ON CONFLICT (site_id, name) DO NOTHING", (site_id, name))
    cur = conn.execute(
        "UPDATE outbox_position SET position=? WHERE site_id=? AND name=? AND position<=? AND "
        "EXISTS (SELECT 1 FROM leases WHERE site_id=? AND name=? AND holder=? AND expires_at>?)",
        (to, site_id, name, to, site_id, name, holder, now))
    return cur.rowcount == 1


def prune(conn: Connection, below: int, site_id: int = 1) -> int:
    """Forget logged changes with ids below `below` (sent long ago); how many."""
    return conn.execute("DELETE FROM outbox WHERE site_id=? AND id<?", (site_id, below)).rowcount
