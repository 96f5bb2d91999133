"""The check values of the keys kept outside the database (m340), and whether the database holds
anything sealed with the phone key. Database-wide: one phone key serves every site."""
from __future__ import annotations

import sqlite3

WHOLE_DATABASE = 1  # the site id the rows are kept under


def check_value(conn: sqlite3.Connection, name: str) -> str | None:
    """The stored check value of a key, or None."""
    row = conn.execute("SELECT check_value FROM key_checks WHERE site_id=? AND name=?",
                       (WHOLE_DATABASE, name)).fetchone()
    return None if row is None else str(row[0])


def record_check(conn: sqlite3.Connection, name: str, value: str, at: str) -> str:
    """Store a key's check value unless one is there (racing processes agree); the stored one."""
    conn.execute("INSERT INTO key_checks (site_id, name, check_value, set_at) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (site_id, name) DO NOTHING", (WHOLE_DATABASE, name, value, at))
    return check_value(conn, name) or value


def sealed_sample(conn: sqlite3.Connection) -> bytes | None:
    """One phone number sealed with the phone key (any site), or None when there is none."""
    row = conn.execute("SELECT phone_enc FROM citizen_phones LIMIT 1").fetchone()
    return None if row is None else bytes(row[0])


def sealed_messages(conn: sqlite3.Connection) -> int:
    """How many messages wait to be sent, sealed with the phone key."""
    return int(conn.execute("SELECT COUNT(*) FROM notify_outbox WHERE status='pending'")
               .fetchone()[0])


def replace_check(conn: sqlite3.Connection, name: str, value: str, at: str) -> None:
    """Store a key's new check value (a key that may change: the Web Push key)."""
    conn.execute("UPDATE key_checks SET check_value=?, set_at=? WHERE site_id=? AND name=?",
                 (value, at, WHOLE_DATABASE, name))
