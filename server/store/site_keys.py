"""Migration m290 (issue 9): `site_id` on the first tables, first in their keys, on both engines.

SQLite cannot change a table's primary key or inline UNIQUE constraint in place, so the tables
whose key changes are rebuilt (the documented 12-step way: new table, copy, drop, rename, with
foreign keys off); their indexes come back with `site_id` first and their triggers unchanged.
Tables whose key does not change (ids that are unique in the deployment) only get the column
(`ADD COLUMN` with a constant default is O(1) in SQLite: no row is rewritten). PostgreSQL changes
keys in place (`ALTER TABLE … DROP CONSTRAINT / ADD PRIMARY KEY`).
"""
from __future__ import annotations

import re
from typing import Any

COLUMN = "site_id INTEGER NOT NULL DEFAULT 1"

# table -> (old key spelled as in the CREATE TABLE text -> replacement, new table-level key)
REKEYED: dict[str, tuple[list[tuple[str, str]], str]] = {
    "settings": ([("key TEXT PRIMARY KEY", "key TEXT NOT NULL")], "PRIMARY KEY (site_id, key)"),
    "zones": ([("code TEXT PRIMARY KEY", "code TEXT NOT NULL")], "PRIMARY KEY (site_id, code)"),
    "units": ([("code TEXT PRIMARY KEY", "code TEXT NOT NULL")], "PRIMARY KEY (site_id, code)"),
    # A unit or zone code is unique only within its site: the single-column references go (the
    # site file loader checks them); a composite reference would order every site load.
    "services": ([("code TEXT PRIMARY KEY", "code TEXT NOT NULL"),
                  (" REFERENCES units(code)", ""), (" REFERENCES zones(code)", "")],
                 "PRIMARY KEY (site_id, code)"),
    "counters": ([("number INTEGER PRIMARY KEY", "number INTEGER NOT NULL"),
                  (" REFERENCES zones(code)", "")], "PRIMARY KEY (site_id, number)"),
    "priority_categories": ([("code TEXT PRIMARY KEY", "code TEXT NOT NULL")],
                            "PRIMARY KEY (site_id, code)"),
    "devices": ([("name TEXT NOT NULL UNIQUE", "name TEXT NOT NULL")], "UNIQUE (site_id, name)"),
    "sequences": ([("PRIMARY KEY (service, day)", "PRIMARY KEY (site_id, service, day)")], ""),
    "tickets": ([("UNIQUE (origin_service, day, seq)", "UNIQUE (site_id, origin_service, day, seq)")],
                ""),
    "counter_state": ([("number INTEGER PRIMARY KEY", "number INTEGER NOT NULL")],
                      "PRIMARY KEY (site_id, number)"),
}

# Rows whose key is a deployment-wide id: the column only. legs and ratings follow their ticket.
ADDED = ["api_tokens", "legs", "ratings", "printers", "events", "requests", "revocations",
         "login_failures"]

# PostgreSQL: the constraint each rekeyed table loses (as pg_get_constraintdef spells it).
_PG_OLD_KEY = {"settings": "PRIMARY KEY (key)", "zones": "PRIMARY KEY (code)",
               "units": "PRIMARY KEY (code)", "services": "PRIMARY KEY (code)",
               "counters": "PRIMARY KEY (number)", "priority_categories": "PRIMARY KEY (code)",
               "devices": "UNIQUE (name)", "sequences": "PRIMARY KEY (service, day)",
               "tickets": "UNIQUE (origin_service, day, seq)",
               "counter_state": "PRIMARY KEY (number)"}


def new_table_sql(table: str, sql: str, temp_name: str) -> str:
    """The CREATE TABLE text of `table` with site_id first and in its key, named `temp_name`."""
    replacements, key = {**REKEYED, **REKEYED_M291}[table]
    for old, new in replacements:
        if old not in sql:
            raise RuntimeError(f"m290: {table} has no {old!r}: {sql}")
        sql = sql.replace(old, new)
    head = re.compile(r"^CREATE TABLE \"?" + table + r"\"?\s*\(")
    sql = head.sub(f'CREATE TABLE "{temp_name}" ({COLUMN}, ', sql, count=1)
    if key:
        sql = sql.rstrip()[:-1].rstrip() + f", {key})"
    return sql


def _index_with_site(sql: str, table: str) -> str:
    """An index on `table` with site_id as its first column (same name, same WHERE)."""
    return re.sub(r"\bON\s+\"?" + table + r"\"?\s*\(", f"ON {table} (site_id, ", sql, count=1)


def _columns(conn: Any, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def sqlite_m290(db: Any) -> None:
    """Rebuild the rekeyed tables, add the column to the others (foreign keys off meanwhile)."""
    conn = db.conn
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        with db.atomic():
            for table in REKEYED:
                if "site_id" not in _columns(conn, table):
                    _rebuild(conn, table)
            for table in ADDED:
                if "site_id" not in _columns(conn, table):
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {COLUMN}")
            if "site_id" not in _columns(conn, "users"):  # NULL: a city-level account
                conn.execute("ALTER TABLE users ADD COLUMN site_id INTEGER DEFAULT 1")
            _calendar_version_per_site(conn)
            bad = conn.execute("PRAGMA foreign_key_check").fetchall()
            if bad:
                raise RuntimeError(f"m290 left foreign keys broken: {bad[:5]}")
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


def _calendar_version_per_site(conn: Any) -> None:
    """m130's triggers bump the `calendar_version` setting of the changed row's site."""
    for table in ("calendar_days", "suspensions"):
        for verb, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            name = f"{table}_{verb.lower()}_version"
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            conn.execute(
                f"CREATE TRIGGER {name} AFTER {verb} ON {table} BEGIN "
                "INSERT INTO settings (site_id, key, value) VALUES "
                f"({row}.site_id, 'calendar_version', CAST(random() AS TEXT)) "
                "ON CONFLICT(site_id, key) DO UPDATE SET value=excluded.value; END;")


def _rebuild(conn: Any, table: str) -> None:
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?",
                          (table,)).fetchone()
    indexes = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL",
        (table,))]
    triggers = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type='trigger' AND tbl_name=?", (table,))]
    temp = f"_m290_{table}"
    conn.execute(new_table_sql(table, sql, temp))
    cols = ",".join(_columns(conn, table))
    conn.execute(f"INSERT INTO {temp} ({cols}) SELECT {cols} FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    # legacy rename: triggers of other tables that name `table` are left as written (they name
    # the final name, which exists again once renamed)
    conn.execute("PRAGMA legacy_alter_table=ON")
    try:
        conn.execute(f"ALTER TABLE {temp} RENAME TO {table}")
    finally:
        conn.execute("PRAGMA legacy_alter_table=OFF")
    for index in indexes:
        conn.execute(_index_with_site(index, table))
    for trigger in triggers:
        conn.execute(trigger)


def postgres_m290(db: Any) -> None:
    """The same keys on PostgreSQL, in place (inside the migration's transaction)."""
    for table, old in _PG_OLD_KEY.items():
        db.execute(f"ALTER TABLE {table} ADD COLUMN {COLUMN}")
        (name,) = db.conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = ?::regclass "
            "AND pg_get_constraintdef(oid) = ?", (table, old)).fetchone()
        # CASCADE: the single-column references to units(code)/zones(code) go with the key
        db.conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name} CASCADE")
        key = "UNIQUE" if old.startswith("UNIQUE") else "PRIMARY KEY"
        cols = old[old.index("(") + 1:-1]
        db.conn.execute(f"ALTER TABLE {table} ADD {key} (site_id, {cols})")
    for table in ADDED:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {COLUMN}")
    db.execute("ALTER TABLE users ADD COLUMN site_id INTEGER DEFAULT 1")
    db.raw("""
    CREATE OR REPLACE FUNCTION calendar_version_bump() RETURNS trigger AS $$
    BEGIN
        INSERT INTO settings (site_id, key, value) VALUES (
            CASE WHEN TG_OP = 'DELETE' THEN OLD.site_id ELSE NEW.site_id END, 'calendar_version',
            CAST(floor(random() * 9e15)::bigint AS TEXT))
        ON CONFLICT (site_id, key) DO UPDATE SET value = excluded.value;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    """)


# --- m291: today's totals per site (the triggers of m030 add each row to its own site's day) ---

REKEYED_M291 = {"day_totals": ([("day TEXT PRIMARY KEY", "day TEXT NOT NULL")],
                               "PRIMARY KEY (site_id, day)")}

_TOTALS_INSERT = re.compile(r"INSERT OR IGNORE INTO day_totals \(day\) VALUES \((.+?)\);")
_TOTALS_WHERE = re.compile(r"WHERE day=(.+?);(\s*(?:END|INSERT|UPDATE))")


def _row_of(day_expr: str) -> str:
    return "NEW" if "NEW." in day_expr else "OLD"


def site_trigger_sql(sql: str) -> str:
    """An m030 trigger (SQLite) whose day_totals row is the changed row's site's."""
    sql = _TOTALS_INSERT.sub(lambda m: "INSERT OR IGNORE INTO day_totals (site_id, day) VALUES "
                             f"({_row_of(m.group(1))}.site_id, {m.group(1)});", sql)
    return _TOTALS_WHERE.sub(lambda m: f"WHERE site_id={_row_of(m.group(1))}.site_id AND "
                             f"day={m.group(1)};{m.group(2)}", sql)


def sqlite_m291(db: Any) -> None:
    """Rebuild day_totals keyed (site_id, day) and point m030's triggers at the row's site
    (legs and ratings carry their ticket's site since m290)."""
    conn = db.conn
    if "site_id" not in _columns(conn, "day_totals"):
        _rebuild(conn, "day_totals")
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' "
                                  "AND name LIKE 'day_totals_%'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
        conn.execute(site_trigger_sql(sql))


def postgres_m291(db: Any) -> None:
    """day_totals keyed (site_id, day); m030's share functions name the row's site."""
    db.execute(f"ALTER TABLE day_totals ADD COLUMN {COLUMN}")
    db.conn.execute("ALTER TABLE day_totals DROP CONSTRAINT day_totals_pkey")
    db.conn.execute("ALTER TABLE day_totals ADD PRIMARY KEY (site_id, day)")
    from .schema_pg import _MINUTES
    wait = _MINUTES.format(a="r.issued_at", b="r.called_at")
    service = ("CASE WHEN r.outcome = 'done' THEN "
               + _MINUTES.format(a="COALESCE(r.started_at, r.called_at)", b="r.finished_at")
               + " END")
    db.raw(f"""
    CREATE OR REPLACE FUNCTION day_totals_ticket_share(r tickets, sign int) RETURNS void AS $$
    DECLARE w double precision := {wait};
    BEGIN
        INSERT INTO day_totals (site_id, day) VALUES (r.site_id, r.day) ON CONFLICT DO NOTHING;
        UPDATE day_totals SET issued = issued + sign,
            waiting = waiting + sign * (r.status = 'waiting')::int,
            served = served + sign * (r.status = 'done')::int,
            no_show = no_show + sign * (r.status = 'no_show')::int,
            wait_n = wait_n + sign * (w IS NOT NULL)::int, wait_sum = wait_sum + sign * COALESCE(w, 0)
        WHERE site_id = r.site_id AND day = r.day;
    END $$ LANGUAGE plpgsql;
    CREATE OR REPLACE FUNCTION day_totals_leg_share(r legs, sign int) RETURNS void AS $$
    DECLARE v double precision := {service};
            d text := (SELECT day FROM tickets WHERE id = r.ticket_id);
    BEGIN
        IF d IS NULL THEN RETURN; END IF;
        INSERT INTO day_totals (site_id, day) VALUES (r.site_id, d) ON CONFLICT DO NOTHING;
        UPDATE day_totals SET service_n = service_n + sign * (v IS NOT NULL)::int,
            service_sum = service_sum + sign * COALESCE(v, 0) WHERE site_id = r.site_id AND day = d;
    END $$ LANGUAGE plpgsql;
    CREATE OR REPLACE FUNCTION day_totals_rating_share(r ratings, sign int) RETURNS void AS $$
    BEGIN
        INSERT INTO day_totals (site_id, day) VALUES (r.site_id, r.day) ON CONFLICT DO NOTHING;
        UPDATE day_totals SET ratings_n = ratings_n + sign, rating_sum = rating_sum + sign * r.score
        WHERE site_id = r.site_id AND day = r.day;
    END $$ LANGUAGE plpgsql;
    """)


# --- m292: a change to a summarized day marks its own site's day (m112's triggers) ---

def sqlite_m292(db: Any) -> None:
    """m112's triggers (SQLite) look up and mark the changed row's site's day, not site 1's."""
    conn = db.conn
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' "
                                  "AND name LIKE 'report_dirty_%'").fetchall():
        row = "OLD" if "OLD." in sql and "NEW." not in sql else "NEW"
        new = sql.replace("site_id = 1 AND", f"site_id = {row}.site_id AND")
        new = new.replace("VALUES (1, ", f"VALUES ({row}.site_id, ")
        if new == sql:  # already per site
            continue
        conn.execute(f"DROP TRIGGER {name}")
        conn.execute(new)


def postgres_m292(db: Any) -> None:
    """m112's trigger functions (PostgreSQL) mark the changed row's site's day."""
    db.raw("""
    CREATE FUNCTION report_mark_site_day(s bigint, d text) RETURNS void AS $$
    BEGIN
        IF d IS NOT NULL AND EXISTS (SELECT 1 FROM report_days WHERE site_id = s AND day = d) THEN
            INSERT INTO report_dirty_days (site_id, day) VALUES (s, d)
            ON CONFLICT (site_id, day) DO UPDATE SET mark = report_dirty_days.mark + 1;
        END IF;
    END $$ LANGUAGE plpgsql;
    CREATE OR REPLACE FUNCTION report_dirty_leg() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM report_mark_site_day(OLD.site_id,
                                         (SELECT day FROM tickets WHERE id = OLD.ticket_id));
        ELSE
            PERFORM report_mark_site_day(NEW.site_id,
                                         (SELECT day FROM tickets WHERE id = NEW.ticket_id));
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE OR REPLACE FUNCTION report_dirty_row() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'ratings') THEN
            PERFORM report_mark_site_day(NEW.site_id, NEW.day);
        ELSE
            PERFORM report_mark_site_day(OLD.site_id, OLD.day);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    """)
