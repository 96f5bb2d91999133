"""The audit trail: who changed what, when and from where (rows are never edited or deleted)."""
from __future__ import annotations

import sqlite3
from typing import Any

from .db import dumps, loads


def append(conn: sqlite3.Connection, at: str, actor: str, actor_name: str, address: str,
           kind: str, target: str, before: Any, after: Any, site_id: int = 1) -> int:
    """Add one entry; `before`/`after` are JSON-able (None when there was nothing)."""
    cur = conn.execute(
        "INSERT INTO audit (site_id, at, actor, actor_name, address, kind, target, before, after) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        (site_id, at, actor, actor_name, address, kind, target,
         None if before is None else dumps(before), None if after is None else dumps(after)))
    return int(cur.lastrowid or 0)


def entries(conn: sqlite3.Connection, *, site_id: int = 1, actor: str | None = None,
            kind: str | None = None, since: str | None = None, until: str | None = None,
            before_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Entries newest first, filtered by actor key, kind (or kind prefix ending in '.'), time."""
    where, args = ["site_id=?"], [site_id]  # type: list[str], list[Any]
    if actor:
        where.append("actor=?")
        args.append(actor)
    if kind:
        if kind.endswith("."):
            where.append("kind >= ? AND kind < ?")
            args += [kind, kind[:-1] + "/"]
        else:
            where.append("kind=?")
            args.append(kind)
    if since:
        where.append("at >= ?")
        args.append(since)
    if until:
        where.append("at < ?")
        args.append(until)
    if before_id:
        where.append("id < ?")
        args.append(before_id)
    rows = conn.execute(f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
                        (*args, limit))
    out = []
    for r in rows:
        e = dict(r)
        e["before"] = None if e["before"] is None else loads(e["before"])
        e["after"] = None if e["after"] is None else loads(e["after"])
        out.append(e)
    return out
