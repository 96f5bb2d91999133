"""Users, their API tokens, and devices (kiosks, screens, counter tablets)."""
from __future__ import annotations

import hashlib
import sqlite3
import time
from datetime import datetime, timezone
from typing import Any

from .db import dumps, loads
from .scope import site_of
from .dialect import is_sqlite
from .connection import Connection


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


def _revoked(conn: Connection, subject: str) -> None:
    """Note a revocation, so every server process closes that subject's live sockets."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    conn.execute("INSERT INTO revocations (subject, at) VALUES (?, ?)", (subject, now))


def add_user(conn: Connection, username: str, display_name: str, password_hash: str,
             role: str, counters: list[int], now: str) -> int:
    """Create a user, or replace the password, role and counters of an existing one.

    Replacing them ends every session of the user: tokens and cookies from the old password stop.
    """
    conn.execute(
        "INSERT INTO users (username, display_name, password_hash, role, counters, created_at, "
        "site_id) VALUES (?,?,?,?,?,?,?) ON CONFLICT(username) DO UPDATE SET display_name=excluded.display_name,"
        " password_hash=excluded.password_hash, role=excluded.role, counters=excluded.counters,"
        " active=1, session_gen=users.session_gen+1",
        (username, display_name, password_hash, role, dumps(counters), now, site_of(conn)))
    row = conn.execute("SELECT id, session_gen FROM users WHERE username=?", (username,)).fetchone()
    if row["session_gen"]:
        conn.execute("DELETE FROM api_tokens WHERE user_id=?", (row["id"],))
        _revoked(conn, f"user:{row['id']}")
    return int(row["id"])


def end_sessions(conn: Connection, user_id: int) -> None:
    """Invalidate every API token and browser session of a user (logout)."""
    conn.execute("UPDATE users SET session_gen=session_gen+1 WHERE id=?", (user_id,))
    conn.execute("DELETE FROM api_tokens WHERE user_id=?", (user_id,))
    _revoked(conn, f"user:{user_id}")


def last_revocation(conn: Connection) -> int:
    """The id of the latest revocation (0 when there was none)."""
    if not is_sqlite(conn):  # the id sequence, which (like sqlite_sequence) never goes back
        row = conn.execute("SELECT pg_sequence_last_value(pg_get_serial_sequence('revocations', "
                           "'id')) AS seq").fetchone()
        return int(row["seq"] or 0)
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name='revocations'").fetchone()
    return int(row["seq"]) if row else 0


def session_generations(conn: Connection, user_ids: list[int],
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


def user_by_name(conn: Connection, username: str) -> dict[str, Any] | None:
    """The active user with this username."""
    return _user(conn.execute("SELECT * FROM users WHERE username=? AND active=1",
                              (username,)).fetchone())


def user_by_id(conn: Connection, user_id: int) -> dict[str, Any] | None:
    """The active user with this id."""
    return _user(conn.execute("SELECT * FROM users WHERE id=? AND active=1", (user_id,)).fetchone())


def list_users(conn: Connection) -> list[dict[str, Any]]:
    """Every user of this site (city-level accounts, site NULL, too)."""
    return [u for u in (_user(r) for r in conn.execute(
        "SELECT * FROM users WHERE site_id=? OR site_id IS NULL ORDER BY id", (site_of(conn),)))
        if u]


def add_api_token(conn: Connection, token: str, user_id: int, now: str) -> None:
    """Remember an API token issued at login."""
    conn.execute("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES (?,?,?)", (token_hash(token), user_id, now))


def user_by_token(conn: Connection, token: str, issued_after: str) -> dict[str, Any] | None:
    """The user an API token belongs to, if the token was issued after `issued_after`."""
    return _user(conn.execute(
        "SELECT u.* FROM api_tokens t JOIN users u ON u.id=t.user_id WHERE t.token_hash=? "
        "AND u.active=1 AND t.created_at > ?", (token_hash(token), issued_after)).fetchone())


def add_device(conn: Connection, name: str, kind: str, zone: str | None,
               counter: int | None, printer: str | None, paper: str, token: str, now: str) -> int:
    """Register a device (or give an existing one a new token and settings: the old one stops)."""
    conn.execute(
        "INSERT INTO devices (name, kind, zone, counter, printer, paper, token_hash, created_at, "
        "site_id) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(site_id, name) DO UPDATE SET kind=excluded.kind,"
        " zone=excluded.zone, counter=excluded.counter, printer=excluded.printer,"
        " paper=excluded.paper, token_hash=excluded.token_hash, active=1,"
        " session_gen=devices.session_gen+1",
        (name, kind, zone, counter, printer, paper, token_hash(token), now, site_of(conn)))
    row = conn.execute("SELECT id, session_gen FROM devices WHERE site_id=? AND name=?",
                       (site_of(conn), name)).fetchone()
    if row["session_gen"]:
        _revoked(conn, f"device:{row['id']}")
    return int(row["id"])


def device_by_token(conn: Connection, token: str) -> dict[str, Any] | None:
    """The active device with this token."""
    row = conn.execute("SELECT * FROM devices WHERE token_hash=? AND active=1",
                       (token_hash(token),)).fetchone()
    return None if row is None else dict(row)


def device_by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    """The active device with this name."""
    row = conn.execute("SELECT * FROM devices WHERE site_id=? AND name=? AND active=1",
                       (site_of(conn), name)).fetchone()
    return None if row is None else dict(row)


def device_by_id(conn: Connection, device_id: int) -> dict[str, Any] | None:
    """One device."""
    row = conn.execute("SELECT * FROM devices WHERE id=? AND site_id=?",
                       (device_id, site_of(conn))).fetchone()
    return None if row is None else dict(row)


def list_devices(conn: Connection) -> list[dict[str, Any]]:
    """Every device of this site."""
    return [dict(r) for r in conn.execute("SELECT * FROM devices WHERE site_id=? ORDER BY id",
                                          (site_of(conn),))]


def deactivate_device(conn: Connection, name: str) -> bool:
    """Revoke a device's token (a lost tablet, a kiosk taken out of service)."""
    row = conn.execute("SELECT id FROM devices WHERE site_id=? AND name=? AND active=1",
                       (site_of(conn), name)).fetchone()
    if row is None:
        return False
    conn.execute("UPDATE devices SET active=0, session_gen=session_gen+1 WHERE id=?", (row["id"],))
    _revoked(conn, f"device:{row['id']}")
    return True


# --- administration of users and devices (issue 8, area a-people) ---

def any_user_by_name(conn: Connection, username: str) -> dict[str, Any] | None:
    """The user with this username, active or disabled."""
    return _user(conn.execute("SELECT * FROM users WHERE username=?", (username,)).fetchone())


def insert_user(conn: Connection, username: str, display_name: str, password_hash: str,
                role: str, counters: list[int], units: list[str], now: str) -> int:
    """Create a user (the caller checked that the username is free)."""
    cur = conn.execute(
        "INSERT INTO users (username, display_name, password_hash, role, counters, units, created_at,"
        " site_id) VALUES (?,?,?,?,?,?,?,?) RETURNING id",
        (username, display_name, password_hash, role, dumps(counters), dumps(units), now,
         site_of(conn)))
    return int(cur.fetchone()[0])


def update_user(conn: Connection, user_id: int, display_name: str, role: str,
                counters: list[int], units: list[str]) -> None:
    """Change a user's name, role, counters and units; a new role or scope ends their sessions
    (their cookie and sockets were granted under the old one)."""
    old = conn.execute("SELECT role, counters, units FROM users WHERE id=?", (user_id,)).fetchone()
    conn.execute("UPDATE users SET display_name=?, role=?, counters=?, units=? WHERE id=?",
                 (display_name, role, dumps(counters), dumps(units), user_id))
    if old is not None and (old["role"], loads(old["counters"]), loads(old["units"])) != (
            role, counters, units):
        end_sessions(conn, user_id)


def set_user_active(conn: Connection, user_id: int, active: bool) -> None:
    """Disable (sessions end at once) or enable a user."""
    conn.execute("UPDATE users SET active=? WHERE id=?", (1 if active else 0, user_id))
    if not active:
        end_sessions(conn, user_id)


def set_password(conn: Connection, user_id: int, password_hash: str) -> None:
    """Replace a user's password; every session of theirs ends."""
    conn.execute("UPDATE users SET password_hash=? WHERE id=?", (password_hash, user_id))
    end_sessions(conn, user_id)


def active_admins(conn: Connection) -> int:
    """How many administrators can log in and administer this site (its own and city-level
    ones: the last of them cannot be removed)."""
    return int(conn.execute("SELECT COUNT(*) FROM users WHERE role='admin' AND active=1 "
                            "AND (site_id=? OR site_id IS NULL)", (site_of(conn),)).fetchone()[0])


def any_device_by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    """The device with this name, active or revoked."""
    row = conn.execute("SELECT * FROM devices WHERE site_id=? AND name=?",
                       (site_of(conn), name)).fetchone()
    return None if row is None else dict(row)


def update_device(conn: Connection, device_id: int, kind: str, zone: str | None,
                  counter: int | None, printer: str | None, paper: str) -> None:
    """Change a device's settings; its live sockets reconnect under the new ones."""
    conn.execute("UPDATE devices SET kind=?, zone=?, counter=?, printer=?, paper=?,"
                 " session_gen=session_gen+1 WHERE id=?",
                 (kind, zone, counter, printer, paper, device_id))
    _revoked(conn, f"device:{device_id}")


def set_device_token(conn: Connection, device_id: int, token: str) -> None:
    """Pair a device again: a new token (the old one stops at once) and the device active."""
    conn.execute("UPDATE devices SET token_hash=?, active=1, session_gen=session_gen+1 WHERE id=?",
                 (token_hash(token), device_id))
    _revoked(conn, f"device:{device_id}")


def device_health(conn: Connection, site_id: int | None = None,
                  since: str | None = None) -> dict[int, dict[str, Any]]:
    """The stored last contact, page and version of each device of a site (default: the
    transaction's) heard from after `since`, an ISO time, if given, by device id."""
    site_id = site_of(conn) if site_id is None else site_id
    return {r["device_id"]: dict(r) for r in conn.execute(
        "SELECT device_id, last_seen, page, version FROM device_health WHERE site_id=? "
        "AND last_seen > ?", (site_id, since or ""))}


def save_device_health(conn: Connection, rows: list[tuple[int, str, str, str]],
                       site_id: int = 1) -> None:
    """Store (device_id, last_seen, page, version) for several devices in one go."""
    conn.executemany(
        "INSERT INTO device_health (device_id, site_id, last_seen, page, version) VALUES (?,?,?,?,?)"
        " ON CONFLICT(device_id) DO UPDATE SET last_seen=CASE WHEN excluded.last_seen > "
        "device_health.last_seen THEN excluded.last_seen ELSE device_health.last_seen END,"
        " page=excluded.page, version=excluded.version",
        [(d, site_id, seen, page, version) for d, seen, page, version in rows])


def unit_codes(conn: Connection) -> set[str]:
    """The codes of every configured unit (a supervisor's scope names some of them)."""
    return {str(r[0]) for r in conn.execute("SELECT code FROM units")}


def write_device_health(path: Any, rows: list[tuple[int, str, str, str]], site_id: int = 1) -> None:
    """Store device contacts on a connection of its own: called in a native thread (off the
    server's event loop), where the pooled connections are not used. `path` may be the Database:
    a PostgreSQL one writes through its own write transaction."""
    if getattr(path, "kind", "sqlite") != "sqlite":
        with path.write(time.monotonic() + 5) as pg_conn:
            save_device_health(pg_conn, rows, site_id)
        return
    path = getattr(path, "path", path)
    conn = sqlite3.connect(str(path), timeout=5, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("BEGIN IMMEDIATE")
        try:
            save_device_health(conn, rows, site_id)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
