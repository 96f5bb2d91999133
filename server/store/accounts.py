"""Users, their API tokens, and devices (kiosks, screens, counter tablets)."""
from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

from .db import dumps, loads


def token_hash(token: str) -> str:
    """Tokens are stored only as their SHA-256, so a copied database gives no access."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    user = dict(row)
    user["counters"] = loads(user["counters"])
    return user


def add_user(conn: sqlite3.Connection, username: str, display_name: str, password_hash: str,
             role: str, counters: list[int], now: str) -> int:
    """Create a user, or replace the password, role and counters of an existing one."""
    conn.execute(
        "INSERT INTO users (username, display_name, password_hash, role, counters, created_at) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT(username) DO UPDATE SET display_name=excluded.display_name,"
        " password_hash=excluded.password_hash, role=excluded.role, counters=excluded.counters,"
        " active=1",
        (username, display_name, password_hash, role, dumps(counters), now))
    row = conn.execute("SELECT id FROM users WHERE username=?", (username,)).fetchone()
    return int(row["id"])


def user_by_name(conn: sqlite3.Connection, username: str) -> dict[str, Any] | None:
    """The active user with this username."""
    return _user(conn.execute("SELECT * FROM users WHERE username=? AND active=1",
                              (username,)).fetchone())


def user_by_id(conn: sqlite3.Connection, user_id: int) -> dict[str, Any] | None:
    """The active user with this id."""
    return _user(conn.execute("SELECT * FROM users WHERE id=? AND active=1", (user_id,)).fetchone())


def list_users(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every user."""
    return [u for u in (_user(r) for r in conn.execute("SELECT * FROM users ORDER BY id")) if u]


def add_api_token(conn: sqlite3.Connection, token: str, user_id: int, now: str) -> None:
    """Remember an API token issued at login."""
    conn.execute("INSERT INTO api_tokens VALUES (?,?,?)", (token_hash(token), user_id, now))


def delete_api_token(conn: sqlite3.Connection, token: str) -> None:
    """Forget an API token (logout)."""
    conn.execute("DELETE FROM api_tokens WHERE token_hash=?", (token_hash(token),))


def user_by_token(conn: sqlite3.Connection, token: str, issued_after: str) -> dict[str, Any] | None:
    """The user an API token belongs to, if the token was issued after `issued_after`."""
    return _user(conn.execute(
        "SELECT u.* FROM api_tokens t JOIN users u ON u.id=t.user_id WHERE t.token_hash=? "
        "AND u.active=1 AND t.created_at > ?", (token_hash(token), issued_after)).fetchone())


def add_device(conn: sqlite3.Connection, name: str, kind: str, zone: str | None,
               counter: int | None, printer: str | None, paper: str, token: str, now: str) -> int:
    """Register a device (or give an existing one a new token and settings)."""
    conn.execute(
        "INSERT INTO devices (name, kind, zone, counter, printer, paper, token_hash, created_at) "
        "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET kind=excluded.kind,"
        " zone=excluded.zone, counter=excluded.counter, printer=excluded.printer,"
        " paper=excluded.paper, token_hash=excluded.token_hash, active=1",
        (name, kind, zone, counter, printer, paper, token_hash(token), now))
    return int(conn.execute("SELECT id FROM devices WHERE name=?", (name,)).fetchone()["id"])


def device_by_token(conn: sqlite3.Connection, token: str) -> dict[str, Any] | None:
    """The active device with this token."""
    row = conn.execute("SELECT * FROM devices WHERE token_hash=? AND active=1",
                       (token_hash(token),)).fetchone()
    return None if row is None else dict(row)


def device_by_name(conn: sqlite3.Connection, name: str) -> dict[str, Any] | None:
    """The active device with this name."""
    row = conn.execute("SELECT * FROM devices WHERE name=? AND active=1", (name,)).fetchone()
    return None if row is None else dict(row)


def device_by_id(conn: sqlite3.Connection, device_id: int) -> dict[str, Any] | None:
    """One device."""
    row = conn.execute("SELECT * FROM devices WHERE id=?", (device_id,)).fetchone()
    return None if row is None else dict(row)


def list_devices(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every device."""
    return [dict(r) for r in conn.execute("SELECT * FROM devices ORDER BY id")]


def deactivate_user(conn: sqlite3.Connection, username: str) -> bool:
    """Stop a user from logging in and revoke their API tokens (history is kept)."""
    row = conn.execute("SELECT id FROM users WHERE username=? AND active=1", (username,)).fetchone()
    if row is None:
        return False
    conn.execute("UPDATE users SET active=0 WHERE id=?", (row["id"],))
    conn.execute("DELETE FROM api_tokens WHERE user_id=?", (row["id"],))
    return True


def deactivate_device(conn: sqlite3.Connection, name: str) -> bool:
    """Revoke a device's token (a lost tablet, a kiosk taken out of service)."""
    return conn.execute("UPDATE devices SET active=0 WHERE name=? AND active=1", (name,)).rowcount == 1
