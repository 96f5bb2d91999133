"""The few SQL fragments that are spelled differently on SQLite and PostgreSQL; every other
query is written once, in the spelling both accept (ON CONFLICT, RETURNING, CASE, COALESCE)."""
from __future__ import annotations

import sqlite3
from typing import Any


def is_sqlite(conn: Any) -> bool:
    """Whether this connection is SQLite's (else the PostgreSQL layer's, store/pg.py)."""
    return isinstance(conn, sqlite3.Connection)


def minutes(conn: Any, start: str, end: str) -> str:
    """SQL for the minutes from `start` to `end` (two ISO-8601 text columns)."""
    if is_sqlite(conn):
        return f"((julianday({end}) - julianday({start})) * 1440)"
    return f"(EXTRACT(EPOCH FROM (({end})::timestamptz - ({start})::timestamptz)) / 60.0)"


def json_field(conn: Any, column: str, key: str) -> str:
    """SQL for one top-level field of a JSON text column, as text."""
    if is_sqlite(conn):
        return f"CAST(json_extract({column}, '$.{key}') AS TEXT)"
    return f"(({column})::jsonb ->> '{key}')"


def json_pairs(conn: Any, column: str, alias: str) -> str:
    """A FROM item with one row (`alias`.key, `alias`.value) per member of a JSON object column
    of numbers; value is numeric on both engines."""
    if is_sqlite(conn):
        return f"json_each({column}) {alias}"
    return (f"LATERAL (SELECT e.key, e.value::numeric AS value "
            f"FROM jsonb_each_text(({column})::jsonb) e) {alias}")
