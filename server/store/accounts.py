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
    user["units"] = loads(user.get("units") or "[]")
    return user


def _revoked(conn: sqlite3.Connection, subject: str) -> None:
    """Note a revocation, so every server process closes that subject's live sockets."""
    conn.execute("INSERT INTO revocations (subject, at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ'))",
                 (subject,))


def add_user(conn: sqlite3.Connection, username: str, display_name: str, password_hash: str,
             role: str, counters: list[int], now: str) -> int:
    """Create a user, or replace the password, role and counters of an existing one.

    Replacing them ends every session of the user: tokens and cookies from the old password stop.
    """
    conn.execute(
        "INSERT INTO users (username, display_name, password_hash, role, counters, created_at) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT(username) DO UPDATE SET display_name=excluded.display_name,"
        " password_hash=excluded.password_hash, role=excluded.role, counters=excluded.counters,"
        " active=1, session_gen=session_gen+1",
        (username, display_name, password_hash, role, dumps(counters), now))
    row = conn.execute("SELECT id, session_gen FROM users WHERE username=?", (username,)).fetchone()
    if row["session_gen"]:
        conn.execute("DELETE FROM api_tokens WHERE user_id=?", (row["id"],))
        _revoked(conn, f"user:{row['id']}")
    return int(row["id"])


def end_sessions(conn: sqlite3.Connection, user_id: int) -> None:
    """Invalidate every API token and browser session of a user (logout)."""
    conn.execute("UPDATE users SET session_gen=session_gen+1 WHERE id=?", (user_id,))
    conn.execute("DELETE FROM api_tokens WHERE user_id=?", (user_id,))
    _revoked(conn, f"user:{user_id}")


def last_revocation(conn: sqlite3.Connection) -> int:
    """The id of the latest revocation (0 when there was none)."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name='revocations'").fetchone()
    return int(row["seq"]) if row else 0


def session_generations(conn: sqlite3.Connection, user_ids: list[int],
                        device_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """The current session generation of each of these users and devices that is still active."""
    def gens(table: str, ids: list[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for start in range(0, len(ids), 500):  # stay under SQLite's limit of bound parameters
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update((r["id"], r["session_gen"]) for r in conn.execute(
                f"SELECT id, session_gen FROM {table} WHERE active=1 AND id IN ({marks})", chunk))
        return found
    return gens("users", sorted(set(user_ids))), gens("devices", sorted(set(device_ids)))


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


def user_by_token(conn: sqlite3.Connection, token: str, issued_after: str) -> dict[str, Any] | None:
    """The user an API token belongs to, if the token was issued after `issued_after`."""
    return _user(conn.execute(
        "SELECT u.* FROM api_tokens t JOIN users u ON u.id=t.user_id WHERE t.token_hash=? "
        "AND u.active=1 AND t.created_at > ?", (token_hash(token), issued_after)).fetchone())


def add_device(conn: sqlite3.Connection, name: str, kind: str, zone: str | None,
               counter: int | None, printer: str | None, paper: str, token: str, now: str) -> int:
    """Register a device (or give an existing one a new token and settings: the old one stops)."""
    conn.execute(
        "INSERT INTO devices (name, kind, zone, counter, printer, paper, token_hash, created_at) "
        "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET kind=excluded.kind,"
        " zone=excluded.zone, counter=excluded.counter, printer=excluded.printer,"
        " paper=excluded.paper, token_hash=excluded.token_hash, active=1,"
        " session_gen=session_gen+1",
        (name, kind, zone, counter, printer, paper, token_hash(token), now))
    row = conn.execute("SELECT id, session_gen FROM devices WHERE name=?", (name,)).fetchone()
    if row["session_gen"]:
        _revoked(conn, f"device:{row['id']}")
    return int(row["id"])


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
    end_sessions(conn, row["id"])
    return True


def deactivate_device(conn: sqlite3.Connection, name: str) -> bool:
    """Revoke a device's token (a lost tablet, a kiosk taken out of service)."""
    row = conn.execute("SELECT id FROM devices WHERE name=? AND active=1", (name,)).fetchone()
    if row is None:
        return False
    conn.execute("UPDATE devices SET active=0, session_gen=session_gen+1 WHERE id=?", (row["id"],))
    _revoked(conn, f"device:{row['id']}")
    return True
