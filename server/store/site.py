"""Site configuration rows: zones, units, services, counters, priority categories, settings."""
from __future__ import annotations

import sqlite3
from typing import Any

from .db import dumps, loads

CONFIG_TABLES = ("counters", "services", "units", "zones", "priority_categories")


def has_site(conn: sqlite3.Connection) -> bool:
    """Whether a site has been loaded into this database."""
    return conn.execute("SELECT 1 FROM zones LIMIT 1").fetchone() is not None


def save_site(conn: sqlite3.Connection, site: dict[str, Any]) -> None:
    """Replace the site configuration with `site` (parsed config, see server.siteconfig)."""
    for table in CONFIG_TABLES:
        conn.execute(f"DELETE FROM {table}")
    for i, z in enumerate(site["zones"]):
        conn.execute("INSERT INTO zones VALUES (?,?,?,?,?)",
                     (z["code"], z["name"], z.get("name_en", z["name"]), z["floor"], i))
    for i, u in enumerate(site["units"]):
        conn.execute("INSERT INTO units VALUES (?,?,?,?,?,?,?)",
                     (u["code"], u["name"], u.get("name_en", u["name"]), u.get("kind", "department"),
                      u.get("short", u["code"]), u.get("color", "#1d4ed8"), i))
    for i, s in enumerate(site["services"]):
        conn.execute("INSERT INTO services (code, unit, zone, kind, name, name_en, prefix, "
                     "first_number, width, hours, daily_cap, wait_target_min, service_minutes, "
                     "position, last_number) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     (s["code"], s["unit"], s["zone"], s.get("kind", "submit"), s["name"],
                      s.get("name_en", s["name"]), s.get("prefix", ""), s.get("first_number", 1),
                      s.get("width", 3), dumps(s["hours"]) if s.get("hours") else None,
                      s.get("daily_cap", 0), s.get("wait_target_min", 30),
                      s.get("service_minutes", 8.0), i, s.get("last_number")))
    for i, c in enumerate(site["counters"]):
        conn.execute("INSERT INTO counters VALUES (?,?,?,?,?,?)",
                     (c["number"], c.get("name") or f"Quầy {c['number']}", c["zone"],
                      dumps(c["services"]), int(bool(c.get("priority"))), i))
        conn.execute("INSERT OR IGNORE INTO counter_state (number, state) VALUES (?, 'closed')",
                     (c["number"],))
    for i, p in enumerate(site["priority_categories"]):
        conn.execute("INSERT INTO priority_categories VALUES (?,?,?,?)",
                     (p["code"], p["name"], p.get("name_en", p["name"]), i))
    for key, value in site["settings"].items():
        set_setting(conn, key, value)


def load_site_rows(conn: sqlite3.Connection) -> dict[str, Any]:
    """All configuration rows, as plain dicts in their configured order."""
    out: dict[str, Any] = {}
    for table in CONFIG_TABLES:
        out[table] = [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY position")]
    for s in out["services"]:
        s["hours"] = loads(s["hours"])
    for c in out["counters"]:
        c["services"] = loads(c["services"])
        c["priority"] = bool(c["priority"])
    out["settings"] = {r["key"]: loads(r["value"]) for r in conn.execute("SELECT * FROM settings")}
    return out


def get_setting(conn: sqlite3.Connection, key: str, default: Any = None) -> Any:
    """One setting's value."""
    row = conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
    return default if row is None else loads(row["value"])


def delete_setting(conn: sqlite3.Connection, key: str) -> None:
    """Forget one setting, overwriting its bytes in the file (secure_delete) rather than freeing them."""
    conn.execute("PRAGMA secure_delete=ON")
    try:
        conn.execute("DELETE FROM settings WHERE key=?", (key,))
    finally:
        conn.execute("PRAGMA secure_delete=OFF")


def set_setting(conn: sqlite3.Connection, key: str, value: Any) -> None:
    """Store one setting."""
    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, dumps(value)))


def counter_numbers(conn: sqlite3.Connection) -> set[int]:
    """The numbers of every configured counter."""
    return {int(r[0]) for r in conn.execute("SELECT number FROM counters")}


def zone_exists(conn: sqlite3.Connection, code: str) -> bool:
    """Whether a zone with this code is configured."""
    return conn.execute("SELECT 1 FROM zones WHERE code=?", (code,)).fetchone() is not None
