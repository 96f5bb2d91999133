"""m290/m291 on a database that already has history (SQLite rebuilds the rekeyed tables): every
row stays, belongs to site 1, and a second site may reuse the codes and numbers of the first."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database as Sqlite

from server.store import Database
from server.store.schema import migrations
from server.store.scope import SiteDatabase


def test_an_upgraded_database_keeps_its_rows_and_opens_its_keys_to_other_sites(
        tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.apply(Sqlite(conn), stop_before="m290_site_keys")
    conn.executescript("""
    INSERT INTO zones (code, name, name_en, floor, position) VALUES ('A1', 'Khu A', 'Zone A', 1, 0);
    INSERT INTO settings (key, value) VALUES ('site_version', '3');
    INSERT INTO sequences (service, day, last_seq) VALUES ('S1', '2026-12-01', 7);
    INSERT INTO tickets (day, origin_service, seq, number, service, status, token, issued_at,
        queued_at, issued_by) VALUES ('2026-12-01', 'S1', 7, '1007', 'S1', 'waiting', 'tok7',
        '2026-12-01T08:00:00.000000+07:00', '2026-12-01T08:00:00.000000+07:00', 'kiosk');
    INSERT INTO legs (ticket_id, leg, service) VALUES (1, 1, 'S1');
    """)
    conn.close()
    db = Database(path)
    db.migrate()
    with db.read() as c:
        assert [tuple(r) for r in c.execute("SELECT site_id, code FROM zones")] == [(1, "A1")]
        assert [tuple(r) for r in c.execute("SELECT site_id, number, token FROM tickets")] == \
            [(1, "1007", "tok7")]
        totals = [tuple(r) for r in c.execute("SELECT site_id, day, issued, waiting FROM day_totals")]
        assert totals == [(1, "2026-12-01", 1, 1)]
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    with SiteDatabase(db, 2).write() as c:  # site 2 reuses the zone code and the ticket's key
        c.execute("INSERT INTO zones (site_id, code, name, name_en, floor, position) "
                  "VALUES (2, 'A1', 'Khu A', 'Zone A', 1, 0)")
        c.execute("INSERT INTO tickets (site_id, day, origin_service, seq, number, service, status, "
                  "token, issued_at, queued_at, issued_by) VALUES (2, '2026-12-01', 'S1', 7, "
                  "'1007', 'S1', 'waiting', 'tok7b', '2026-12-01T08:00:00.000000+07:00', "
                  "'2026-12-01T08:00:00.000000+07:00', 'kiosk')")
    with db.read() as c:
        totals = [tuple(r) for r in c.execute(
            "SELECT site_id, issued FROM day_totals ORDER BY site_id")]
        assert totals == [(1, 1), (2, 1)]
    with pytest.raises(Exception, match="UNIQUE"):  # still unique within one site
        with SiteDatabase(db, 2).write() as c:
            c.execute("INSERT INTO tickets (site_id, day, origin_service, seq, number, service, "
                      "status, token, issued_at, queued_at, issued_by) VALUES (2, '2026-12-01', "
                      "'S1', 7, '1007', 'S1', 'waiting', 'tok7c', 'x', 'x', 'kiosk')")
    db.close()
