"""A building's SQLite file imported as a NEW site of a PostgreSQL deployment (issue 9:
`xephang migrate-to --db FILE --to postgresql://… --site-code CODE`).

Unlike `transfer.copy_to_postgres` (into an empty database), the target already serves other
sites, so nothing of theirs may change: the file's rows are added under a new site id, every
deployment-wide id (tickets, legs, events, users, devices, audit…) is moved past the ids the
target has already used (its sequences are advanced first, so the other sites' new rows never
take one), and every reference to those ids moves with it — `*_id` columns and the actor keys
`user:N` / `device:N` in text columns (events, audit, tickets' issuer, revocations, requests).
JSON inside a text column (an event's data, an audit entry's before/after) keeps the file's ids:
it is history, read as it was written. One PostgreSQL transaction: a failure leaves the target as
it was. Refused when the code exists, when a username of the file is taken in the deployment
(usernames are deployment-wide), or when the file holds several sites.
"""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .transfer import (TransferError, TransferResult, _fk_order, _pg_columns, between, copy_rows,
                       sqlite_tables)

# Not copied: the process's own state (leases, the relay's outbox and position, the health
# probe, the queue's cache version), login failures (transient) and the site list itself.
SKIP = frozenset({"sites", "leases", "outbox", "outbox_position", "health_probe",
                  "queue_version", "login_failures", "_sqlite_migrations"})
# Which table a reference column's id belongs to (foreign keys add to these).
REFERENCES = {"ticket_id": "tickets", "device_id": "devices", "user_id": "users",
              "booking_id": "bookings", "event_id": "events"}
ACTOR_KEY = re.compile(r"(user|device):(\d+)")
ACTOR_TABLES = {"user": "users", "device": "devices"}


def import_site(sqlite_path: str | Path, url: str, code: str, batch: int = 1000,
                progress: Callable[[str, int], None] | None = None) -> tuple[int, TransferResult]:
    """Add the building file at `sqlite_path` to the PostgreSQL deployment at `url` as a new
    site `code`; (its site id, rows copied). The file is checked and migrated first and must not
    be in use (as for copy_to_postgres)."""
    return between(sqlite_path, url, lambda src, dst: _import(src, dst, code, batch, progress))


def _site_info(src: sqlite3.Connection) -> dict[str, Any]:
    import json
    row = src.execute("SELECT value FROM settings WHERE site_id=1 AND key='site'").fetchone()
    info = json.loads(row[0]) if row and row[0] else {}
    return info if isinstance(info, dict) else {}


def _import(src: sqlite3.Connection, dst: Any, code: str, batch: int,
            progress: Callable[[str, int], None] | None) -> tuple[int, TransferResult]:
    raw = dst.raw
    sites = [r[0] for r in src.execute("SELECT id FROM sites ORDER BY id")]
    if sites != [1]:
        raise TransferError("migrate_to_one_site", n=len(sites))
    pg_cols = _pg_columns(raw)
    tables = [t for t in sqlite_tables(src) if t not in SKIP]
    missing = [t for t in tables if t not in pg_cols]
    if missing:
        raise TransferError("migrate_to_schema_differs", what=", ".join(missing))
    order = _fk_order(raw, tables)
    refs = dict(REFERENCES)
    src.execute("BEGIN")  # one snapshot of the source
    dst.begin(lock_ms=30_000)
    try:
        if raw.execute("SELECT 1 FROM sites WHERE code=%s", (code,)).fetchone():
            raise TransferError("site_code_taken", site=code)
        names = [r[0] for r in src.execute("SELECT username FROM users ORDER BY username")]
        taken = sorted(r[0] for r in raw.execute(
            "SELECT username FROM users WHERE username = ANY(%s)", (names,)))
        if taken:
            raise TransferError("migrate_to_users_taken", names=", ".join(taken))
        info = _site_info(src)
        zone = info.get("timezone") or "Asia/Ho_Chi_Minh"
        site_id = int(raw.execute(
            "INSERT INTO sites (code, name, name_en, timezone, created_at) VALUES "
            "(%s, %s, %s, %s, %s) RETURNING id",
            (code, info.get("name") or code, info.get("name_en") or info.get("name") or code,
             zone, datetime.now(ZoneInfo(zone)).isoformat(timespec="microseconds"))).fetchone()[0])
        for t in order:  # also locks them: no other site's insert runs until the commit
            raw.execute(f'ALTER TABLE "{t}" DISABLE TRIGGER USER')
        offsets = {t: _reserve_ids(raw, src, t) for t in order if "id" in pg_cols[t]}
        result = TransferResult()
        for t in order:
            result.rows[t] = _copy_rows(src, raw, t, pg_cols[t], site_id, offsets, refs, batch)
            if progress is not None:
                progress(t, result.rows[t])
        for t in order:
            raw.execute(f'ALTER TABLE "{t}" ENABLE TRIGGER USER')
    except BaseException:
        dst.rollback()
        src.execute("ROLLBACK")
        raise
    dst.commit()
    src.execute("COMMIT")
    return site_id, result


def _reserve_ids(raw: Any, src: sqlite3.Connection, table: str) -> int:
    """Move the table's id sequence past the file's rows; the offset its ids get (0: the id is
    not a sequence's, e.g. a key copied as is)."""
    seq = raw.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    if seq is None:
        return 0
    need = int(src.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()[0])
    used = int(raw.execute(
        f'SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM "{table}"), '
        f"(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {seq}))"
    ).fetchone()[0])
    raw.execute("SELECT setval(%s, %s, true)", (seq, used + need + 1))
    return used


def _copy_rows(src: sqlite3.Connection, raw: Any, table: str, target_cols: list[str], site_id: int,
               offsets: dict[str, int], refs: dict[str, str], batch: int) -> int:
    """Copy one table's rows under the new site, their ids and references moved."""
    info = [(r[1], str(r[2]).upper()) for r in src.execute(f'PRAGMA table_info("{table}")')]
    cols = [c for c, _ in info]
    lost = [c for c in cols if c not in target_cols]
    if lost:
        raise TransferError("migrate_to_schema_differs", what=f"{table}.{', '.join(lost)}")
    unknown = [c for c, kind in info  # a text *_id (a client's request id) is no reference
               if c.endswith("_id") and c != "site_id" and c not in refs and "INT" in kind]
    if unknown:  # an id nobody taught this import to move: refuse rather than mislink
        raise TransferError("migrate_to_schema_differs", what=f"{table}.{', '.join(unknown)}")
    moves: list[Callable[[Any], Any]] = []
    for c in cols:
        if c == "site_id":
            moves.append(lambda v: site_id)
        elif c == "id" and offsets.get(table):
            moves.append(_shift(offsets[table]))
        elif c in refs:
            moves.append(_shift(offsets.get(refs[c], 0)))
        else:
            moves.append(lambda v: _actor_key(v, offsets) if isinstance(v, str) else v)
    return copy_rows(src, raw, table, cols, batch,
                     lambda row: tuple(m(v) for m, v in zip(moves, row)))


def _shift(offset: int) -> Callable[[Any], Any]:
    """An id (or NULL) moved by `offset`."""
    return lambda v: v if v is None else v + offset


def _actor_key(value: str, offsets: dict[str, int]) -> str:
    """`user:N` / `device:N` (a whole value) with the id moved; any other text as it is."""
    found = ACTOR_KEY.fullmatch(value)
    if found is None:
        return value
    return f"{found[1]}:{int(found[2]) + offsets.get(ACTOR_TABLES[found[1]], 0)}"
