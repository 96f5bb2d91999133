"""The database schema, as sqlite-utils migrations applied in order."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("xephang")


@migrations()
def m001_initial(db: Database) -> None:
    """Site config, accounts, devices, tickets, legs, ratings, the event log and idempotency keys."""
    db.executescript("""
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE zones (code TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL,
        floor INTEGER NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE units (code TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL,
        kind TEXT NOT NULL, short TEXT NOT NULL, color TEXT NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE services (code TEXT PRIMARY KEY, unit TEXT NOT NULL REFERENCES units(code),
        zone TEXT NOT NULL REFERENCES zones(code), kind TEXT NOT NULL, name TEXT NOT NULL,
        name_en TEXT NOT NULL, prefix TEXT NOT NULL, first_number INTEGER NOT NULL,
        width INTEGER NOT NULL, hours TEXT, daily_cap INTEGER NOT NULL,
        wait_target_min INTEGER NOT NULL, service_minutes REAL NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE counters (number INTEGER PRIMARY KEY, name TEXT NOT NULL,
        zone TEXT NOT NULL REFERENCES zones(code), services TEXT NOT NULL,
        priority INTEGER NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE priority_categories (code TEXT PRIMARY KEY, name TEXT NOT NULL,
        name_en TEXT NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL, password_hash TEXT NOT NULL, role TEXT NOT NULL,
        counters TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL);
    CREATE TABLE api_tokens (token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL);
    CREATE TABLE devices (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
        zone TEXT, counter INTEGER, printer TEXT, paper TEXT NOT NULL DEFAULT '80mm',
        token_hash TEXT NOT NULL UNIQUE, active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL);
    CREATE TABLE sequences (service TEXT NOT NULL, day TEXT NOT NULL, last_seq INTEGER NOT NULL,
        PRIMARY KEY (service, day));
    CREATE TABLE tickets (id INTEGER PRIMARY KEY, day TEXT NOT NULL, origin_service TEXT NOT NULL,
        seq INTEGER NOT NULL, number TEXT NOT NULL, service TEXT NOT NULL, priority TEXT,
        status TEXT NOT NULL, token TEXT NOT NULL UNIQUE, issued_at TEXT NOT NULL,
        queued_at TEXT NOT NULL, called_at TEXT, started_at TEXT, finished_at TEXT,
        counter INTEGER, recalls INTEGER NOT NULL DEFAULT 0, leg INTEGER NOT NULL DEFAULT 1,
        issued_by TEXT NOT NULL, device_id INTEGER, print_status TEXT NOT NULL DEFAULT 'none',
        print_detail TEXT NOT NULL DEFAULT '',
        UNIQUE (origin_service, day, seq));
    CREATE INDEX tickets_queue ON tickets (day, status, service, queued_at);
    CREATE INDEX tickets_counter ON tickets (counter, status);
    CREATE TABLE legs (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        leg INTEGER NOT NULL, service TEXT NOT NULL, counter INTEGER, officer TEXT,
        called_at TEXT, started_at TEXT, finished_at TEXT, outcome TEXT, note TEXT NOT NULL DEFAULT '',
        UNIQUE (ticket_id, leg));
    CREATE INDEX legs_done ON legs (service, finished_at);
    CREATE TABLE ratings (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        leg INTEGER NOT NULL, day TEXT NOT NULL, counter INTEGER NOT NULL, score INTEGER NOT NULL,
        reasons TEXT NOT NULL, at TEXT NOT NULL, UNIQUE (ticket_id, leg));
    CREATE TABLE counter_state (number INTEGER PRIMARY KEY, state TEXT NOT NULL,
        officer TEXT, since TEXT, priority_streak INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE printers (device_id INTEGER PRIMARY KEY, url TEXT NOT NULL, status TEXT NOT NULL,
        detail TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, day TEXT NOT NULL,
        type TEXT NOT NULL, actor TEXT NOT NULL, ticket_id INTEGER, counter INTEGER, service TEXT,
        data TEXT NOT NULL);
    CREATE INDEX events_ticket ON events (ticket_id);
    CREATE INDEX events_day ON events (day, type);
    CREATE TABLE requests (actor TEXT NOT NULL, request_id TEXT NOT NULL, action TEXT NOT NULL,
        status INTEGER NOT NULL, response TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (actor, request_id));
    """)


@migrations()
def m050_number_ranges(db: Database) -> None:
    """A service's number range ends at last_number (NULL: as many as its width allows)."""
    db.execute("ALTER TABLE services ADD COLUMN last_number INTEGER")


@migrations()
def m051_requeue(db: Database) -> None:
    """When a missed ticket was put back in line (once per ticket)."""
    db.execute("ALTER TABLE tickets ADD COLUMN requeued_at TEXT")
