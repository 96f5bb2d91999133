"""Site configuration rows: zones, units, services, counters, priority categories, settings."""
from __future__ import annotations

from typing import Any

from .db import dumps, loads, remembered
from .dialect import is_sqlite
from .scope import site_of
from .connection import Connection

CONFIG_TABLES = ("counters", "services", "units", "zones", "priority_categories")


def has_site(conn: Connection) -> bool:
    """Whether a site has been loaded into this database."""
    return conn.execute("SELECT 1 FROM zones WHERE site_id=? LIMIT 1", (site_of(conn),)).fetchone() is not None


def save_site(conn: Connection, site: dict[str, Any]) -> None:
    """Replace the site configuration with `site` (parsed config, see server.siteconfig)."""
    for table in CONFIG_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE site_id=?", (site_of(conn),))
    _write_site(conn, site)


def reload_site_rows(conn: Connection, site: dict[str, Any]) -> dict[str, list[Any]]:
    """Load `site` over the live configuration: rows in it are written, rows history may refer
    to that it no longer has are retired (never deleted; they keep their names), listed after
    the file's. Returns the keys retired by this load, per table."""
    retired: dict[str, list[Any]] = {}
    for table in CONFIG_TABLES:
        key = KEYS[table]
        listed = {row[key] for row in site[table]}
        for n, row in enumerate(conn.execute(f"SELECT {key}, retired FROM {table} WHERE site_id=? ORDER BY position",
                                                       (site_of(conn),))):
            if row[0] in listed:
                continue
            conn.execute(f"UPDATE {table} SET retired=1, position=? WHERE site_id=? AND {key}=?",
                         (len(listed) + n, site_of(conn), row[0]))
            if not row[1]:
                retired.setdefault(table, []).append(row[0])
    _write_site(conn, site)
    return retired


def _write_site(conn: Connection, site: dict[str, Any]) -> None:
    """Write every row of a parsed site file (inserted, or updated in place) and its settings."""
    for i, z in enumerate(site["zones"]):
        write_row(conn, "zones", {"code": z["code"], "name": z["name"],
                                  "name_en": z.get("name_en", z["name"]), "floor": z["floor"],
                                  "position": i, "retired": int(bool(z.get("retired")))})
    for i, u in enumerate(site["units"]):
        write_row(conn, "units", {"code": u["code"], "name": u["name"],
                                  "name_en": u.get("name_en", u["name"]),
                                  "kind": u.get("kind", "department"), "short": u.get("short", u["code"]),
                                  "color": u.get("color", "#1d4ed8"), "position": i,
                                  "retired": int(bool(u.get("retired")))})
    for i, s in enumerate(site["services"]):
        write_row(conn, "services", {
            "code": s["code"], "unit": s["unit"], "zone": s["zone"], "kind": s.get("kind", "submit"),
            "name": s["name"], "name_en": s.get("name_en", s["name"]), "prefix": s.get("prefix", ""),
            "first_number": s.get("first_number", 1), "width": s.get("width", 3),
            "hours": dumps(s["hours"]) if s.get("hours") else None,
            "daily_cap": s.get("daily_cap", 0), "wait_target_min": s.get("wait_target_min", 30),
            "service_minutes": s.get("service_minutes", 8.0), "position": i,
            "last_number": s.get("last_number"), "retired": int(bool(s.get("retired"))),
            "accepts_priority": int(bool(s.get("accepts_priority", True))),
            "hours_profile": s.get("hours_profile"),
            "remote": int(bool(s.get("remote"))), "appointments": int(bool(s.get("appointments"))),
            "appointment_share": s.get("appointment_share")})
    for i, c in enumerate(site["counters"]):
        write_row(conn, "counters", {"number": c["number"], "name": c.get("name") or f"Quầy {c['number']}",
                                     "zone": c["zone"], "services": dumps(c["services"]),
                                     "priority": int(bool(c.get("priority"))), "position": i,
                                     "retired": int(bool(c.get("retired")))})
    for i, p in enumerate(site["priority_categories"]):
        write_row(conn, "priority_categories", {"code": p["code"], "name": p["name"],
                                                "name_en": p.get("name_en", p["name"]), "position": i,
                                                "retired": int(bool(p.get("retired")))})
    for key, value in site["settings"].items():
        set_setting(conn, key, value)


def load_site_rows(conn: Connection) -> dict[str, Any]:
    """All configuration rows, as plain dicts in their configured order."""
    out: dict[str, Any] = {}
    for table in CONFIG_TABLES:
        out[table] = [dict(r) for r in conn.execute(f"SELECT * FROM {table} WHERE site_id=? "
                                                    "ORDER BY position", (site_of(conn),))]
        for row in out[table]:
            row.pop("site_id", None)
    for s in out["services"]:
        s["hours"] = loads(s["hours"])
    for c in out["counters"]:
        c["services"] = loads(c["services"])
        c["priority"] = bool(c["priority"])
    for table in CONFIG_TABLES:
        for row in out[table]:
            row["retired"] = bool(row.get("retired"))
    for s in out["services"]:
        s["accepts_priority"] = bool(s.get("accepts_priority", 1))
        s["remote"], s["appointments"] = bool(s.get("remote")), bool(s.get("appointments"))
    out["settings"] = {r["key"]: loads(r["value"]) for r in conn.execute("SELECT * FROM settings WHERE site_id=?",
                                                                            (site_of(conn),))}
    return out


# The columns an administrator may write, per configuration table (names are never taken from input).
COLUMNS = {
    "zones": ("code", "name", "name_en", "floor", "position", "retired"),
    "units": ("code", "name", "name_en", "kind", "short", "color", "position", "retired"),
    "services": ("code", "unit", "zone", "kind", "name", "name_en", "prefix", "first_number",
                 "width", "hours", "daily_cap", "wait_target_min", "service_minutes", "position",
                 "last_number", "retired", "accepts_priority", "hours_profile", "remote",
                 "appointments", "appointment_share"),
    "counters": ("number", "name", "zone", "services", "priority", "position", "retired"),
    "priority_categories": ("code", "name", "name_en", "position", "retired"),
}
KEYS = {"zones": "code", "units": "code", "services": "code", "counters": "number",
        "priority_categories": "code"}


def write_row(conn: Connection, table: str, row: dict[str, Any]) -> None:
    """Insert or update one configuration row (a new counter also gets its closed state)."""
    cols = [c for c in COLUMNS[table] if c in row]
    key = KEYS[table]
    sets = [c for c in cols if c != key]
    # An update may name only some columns: UPDATE first, INSERT a row that is not there yet.
    cur = conn.execute(f"UPDATE {table} SET {', '.join(f'{c}=?' for c in sets)} WHERE site_id=? AND {key}=?",
                       [*(row[c] for c in sets), site_of(conn), row[key]]) if sets else None
    if cur is None or cur.rowcount == 0:
        conn.execute(f"INSERT INTO {table} (site_id, {', '.join(cols)}) "
                     f"VALUES (?, {', '.join('?' * len(cols))})", [site_of(conn), *(row[c] for c in cols)])
    if table == "counters":
        conn.execute("INSERT INTO counter_state (site_id, number, state) VALUES (?, ?, 'closed') "
                     "ON CONFLICT DO NOTHING",
                     (site_of(conn), row["number"]))


def get_setting(conn: Connection, key: str, default: Any = None) -> Any:
    """One setting's value."""
    row = conn.execute("SELECT value FROM settings WHERE site_id=? AND key=?", (site_of(conn), key)).fetchone()
    return default if row is None else loads(row["value"])


VERSIONS = ("site_version", "calendar_version")


def versions(conn: Connection) -> dict[str, int]:
    """The site's and the calendar's versions (0 when never set), read once per transaction
    state: every use case checks them, some twice."""
    def read() -> dict[str, int]:
        found = {k: 0 for k in VERSIONS}
        for row in conn.execute("SELECT key, value FROM settings WHERE site_id=? AND key IN (?, ?)",
                                (site_of(conn), *VERSIONS)):
            found[row["key"]] = int(row["value"])  # JSON of an integer
        return found
    return remembered(conn, "versions", read)


def delete_setting(conn: Connection, key: str) -> None:
    """Forget one setting, overwriting its bytes in the file (secure_delete) rather than freeing them."""
    if not is_sqlite(conn):  # PostgreSQL: VACUUM reclaims the dead row; no secure_delete
        conn.execute("DELETE FROM settings WHERE site_id=? AND key=?", (site_of(conn), key))
        return
    conn.execute("PRAGMA secure_delete=ON")
    try:
        conn.execute("DELETE FROM settings WHERE site_id=? AND key=?", (site_of(conn), key))
    finally:
        conn.execute("PRAGMA secure_delete=OFF")


def set_setting(conn: Connection, key: str, value: Any) -> None:
    """Store one setting."""
    conn.execute("INSERT INTO settings (site_id, key, value) VALUES (?, ?, ?) "
                 "ON CONFLICT(site_id, key) DO UPDATE SET value=excluded.value",
                 (site_of(conn), key, dumps(value)))


def counter_numbers(conn: Connection) -> set[int]:
    """The numbers of every configured counter."""
    return {int(r[0]) for r in conn.execute("SELECT number FROM counters WHERE site_id=?", (site_of(conn),))}


def zone_exists(conn: Connection, code: str) -> bool:
    """Whether a zone with this code is configured."""
    return conn.execute("SELECT 1 FROM zones WHERE site_id=? AND code=?", (site_of(conn), code)).fetchone() is not None
