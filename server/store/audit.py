"""The audit trail: who changed what, when and from where (rows are never edited or deleted)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .db import dumps, loads
from .scope import site_of
from .connection import Connection


def append(conn: Connection, at: str, actor: str, actor_name: str, address: str,
           kind: str, target: str, before: Any, after: Any, site_id: int | None = None) -> int:
    """Add one entry; `before`/`after` are JSON-able (None when there was nothing)."""
    site_id = site_of(conn) if site_id is None else site_id  # issue 9: the transaction's site
    cur = conn.execute(
        "INSERT INTO audit (site_id, at, actor, actor_name, address, kind, target, before, after) "
        "VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
        (site_id, at, actor, actor_name, address, kind, target,
         None if before is None else dumps(before), None if after is None else dumps(after)))
    return int(cur.fetchone()[0])


# More branches than this (kinds × targets) and one walk of the time index filters instead.
MAX_BRANCHES = 300


def entries(conn: Connection, *, site_id: int | None = None, actor: str | None = None,
            kind: str | None = None, since: str | None = None, until: str | None = None,
            before_id: int | None = None, limit: int = 200,
            scope: tuple[str, Sequence[str]] | None = None) -> list[dict[str, Any]]:
    """Entries newest first, filtered by actor key, kind (or kind prefix ending in '.'), time
    [since, until), and paged: only entries older than entry `before_id`.

    `scope` = (actor key, targets): only entries by that actor or about those targets (a
    supervisor scoped to some units). Every index of the table ends with (at, rowid), so each
    branch — one kind of a group, one target of a scope — is read newest first straight off an
    index, at most `limit` rows, and the branches are merged: a page never sorts a long trail.
    """
    site_id = site_of(conn) if site_id is None else site_id
    where, args = ["site_id=?"], [site_id]  # type: list[str], list[Any]
    if actor:
        where.append("actor=?")
        args.append(actor)
    if since:
        where.append("at >= ?")
        args.append(since)
    if until:
        where.append("at < ?")
        args.append(until)
    if before_id:
        row = conn.execute("SELECT at FROM audit WHERE id=?", (before_id,)).fetchone()
        if row is None:
            return []
        where.append("at <= ? AND NOT (at = ? AND id >= ?)")
        args += [row[0], row[0], before_id]
    kinds_in: list[list[tuple[str, list[Any]]]] = []
    if kind and kind.endswith("."):
        group = [k for k in kinds(conn, site_id) if k.startswith(kind)]
        if not group:
            return []
        kinds_in = [[("kind=?", [k]) for k in group]]
    elif kind:
        where.append("kind=?")
        args.append(kind)
    if scope is not None:
        who, targets = scope
        # Disjoint: her own entries, then others' entries about each of her targets.
        kinds_in.append([("actor=?", [who])] + [("target=? AND actor!=?", [t, who]) for t in targets])
    branches: list[tuple[str, list[Any]]] = [("", [])]
    for choices in kinds_in:
        branches = [(f"{a} AND {c}" if a else c, [*x, *y]) for a, x in branches for c, y in choices]
    order = " ORDER BY at DESC, id DESC LIMIT ?"
    base = " AND ".join(where)
    if len(branches) == 1 or len(branches) > MAX_BRANCHES:
        extra = " AND ".join(f"({c})" for c, _ in branches if c) if len(branches) == 1 else \
            "(" + " OR ".join(f"({c})" for c, _ in branches) + ")"
        params = [p for _, y in branches for p in y] if len(branches) > 1 else branches[0][1]
        sql = f"SELECT * FROM audit WHERE {base}" + (f" AND {extra}" if extra else "") + order
        rows = conn.execute(sql, (*args, *params, limit))
    else:
        arms = [f"SELECT * FROM (SELECT * FROM audit WHERE {base} AND {c}{order}) arm{i}"
                for i, (c, _) in enumerate(branches)]
        params = [p for _, y in branches for p in (*args, *y, limit)]
        rows = conn.execute(f"SELECT * FROM ({' UNION ALL '.join(arms)}) arms{order}",
                            (*params, limit))
    out = []
    for r in rows:
        e = dict(r)
        e["before"] = None if e["before"] is None else loads(e["before"])
        e["after"] = None if e["after"] is None else loads(e["after"])
        out.append(e)
    return out


def kinds(conn: Connection, site_id: int | None = None) -> list[str]:
    """Every kind of entry in the trail, one index seek per kind (not a scan of the trail)."""
    site_id = site_of(conn) if site_id is None else site_id
    return [r[0] for r in conn.execute(
        "WITH RECURSIVE k(kind) AS (SELECT MIN(kind) FROM audit WHERE site_id=? UNION ALL "
        "SELECT (SELECT MIN(kind) FROM audit WHERE site_id=? AND kind > k.kind) FROM k "
        "WHERE k.kind IS NOT NULL) SELECT kind FROM k WHERE kind IS NOT NULL", (site_id, site_id))]


def actors(conn: Connection, site_id: int = 1) -> list[tuple[str, str]]:
    """Every (actor key, latest name) in the trail, one index seek per actor."""
    keys = [r[0] for r in conn.execute(
        "WITH RECURSIVE a(actor) AS (SELECT MIN(actor) FROM audit WHERE site_id=? UNION ALL "
        "SELECT (SELECT MIN(actor) FROM audit WHERE site_id=? AND actor > a.actor) FROM a "
        "WHERE a.actor IS NOT NULL) SELECT actor FROM a WHERE actor IS NOT NULL",
        (site_id, site_id))]
    out = []
    for key in keys:
        row = conn.execute("SELECT actor_name FROM audit WHERE site_id=? AND actor=? "
                           "ORDER BY at DESC LIMIT 1", (site_id, key)).fetchone()
        out.append((key, str(row[0])))
    return out
