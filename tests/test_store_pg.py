"""The PostgreSQL store (server/store/pg.py) behind the SQLite store's surface: the same rows, the
same write serialisation, the same error codes, and migrations written once for both engines."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from server.store import Busy, Database, StoreError
from server.store.db import Database_, StorageReadOnly
from server.store.location import BadLocation
from server.store.migrate import ddl

ROOT = Path(__file__).resolve().parent.parent


def test_the_factory_picks_the_engine_by_location(tmp_path: Path, pg_url: str) -> None:
    assert Database(tmp_path / "x.db").kind == "sqlite"
    pg = Database(pg_url)
    assert pg.kind == "postgresql" and isinstance(pg, Database_)
    with pytest.raises(BadLocation):
        Database("postgresql:/x")
    assert not (tmp_path / "postgresql:").exists()


def test_rows_read_by_position_and_by_name_as_on_sqlite(pg_url: str, tmp_path: Path) -> None:
    for location in (tmp_path / "x.db", pg_url):
        db = Database(location)
        db.migrate()
        with db.write() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ("a%b?", "50% ?"))
        with db.read() as conn:
            row = conn.execute("SELECT key, value, 1 AS one, (value LIKE '50%') AS flag, "
                               "'?' AS mark FROM settings WHERE key = ?", ("a%b?",)).fetchone()
            assert (row[0], row["value"], row["one"], row["flag"], row["mark"]) == \
                ("a%b?", "50% ?", 1, 1, "?")
            assert dict(row) == {"key": "a%b?", "value": "50% ?", "one": 1, "flag": 1, "mark": "?"}
            assert tuple(row) == ("a%b?", "50% ?", 1, 1, "?")
        db.close()


def test_a_writer_waits_for_the_sites_lock_then_answers_busy(pg_url: str) -> None:
    db = Database(pg_url)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('held', '1')")
            holding.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert holding.wait(30)
        with pytest.raises(Busy) as caught:
            with db.write(time.monotonic() + 0.3) as conn:
                conn.execute("INSERT INTO settings (key, value) VALUES ('second', '1')")
        assert caught.value.code == "busy"
    finally:
        release.set()
        t.join()
    with db.read() as conn:  # the busy writer changed nothing; the holder committed
        assert [r[0] for r in conn.execute("SELECT key FROM settings WHERE key IN "
                                           "('held', 'second')")] == ["held"]


def test_a_read_only_database_answers_storage_readonly(pg_cluster: Any, pg_url: str) -> None:
    import psycopg
    name = pg_url.split("/")[3].split("?")[0]
    with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on".encode())
    db = Database(pg_url)
    with pytest.raises(StorageReadOnly) as caught:
        db.probe_write()
    assert caught.value.code == "storage_readonly"


def test_an_unanswering_server_is_a_storage_error_not_a_crash() -> None:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = Database(f"postgresql://x@127.0.0.1:{port}/x?connect_timeout=2")
    with pytest.raises(StoreError) as caught:
        with db.read():
            pass
    assert caught.value.code == "storage_error"


def test_a_restarted_postgresql_is_reconnected_to(tmp_path: Path) -> None:
    from tests.support.pg_cluster import PgCluster
    cluster = PgCluster()
    try:
        db = Database(cluster.create_database())
        db.probe_write()
        cluster.restart()
        db.probe_write()  # the pooled connection died with the old server: a new one is made
        with db.read() as conn:
            assert conn.execute("SELECT n FROM health_probe").fetchone()[0] == 1
    finally:
        cluster.stop()


def test_migrations_are_recorded_once_and_a_new_one_runs_on_both_engines(
        pg_url: str, tmp_path: Path) -> None:
    from server.store.schema import dialect, migrations

    @migrations()
    def m999_test_only(db: Any) -> None:
        db.execute("CREATE TABLE test_only (id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL "
                   "DEFAULT 1, at REAL NOT NULL, name TEXT NOT NULL) ")
        db.execute("CREATE TABLE test_only_engine (engine TEXT NOT NULL)")
        db.execute("INSERT INTO test_only_engine (engine) VALUES (?)", (dialect(db),))

    try:
        for location, engine in ((tmp_path / "x.db", "sqlite"), (pg_url, "postgresql")):
            db = Database(location)
            db.migrate()
            db.migrate()  # nothing pending: nothing runs twice
            with db.write() as conn:
                new_id = conn.execute("INSERT INTO test_only (at, name) VALUES (?, ?) RETURNING id",
                                      (1.5, "x")).fetchone()[0]
                assert new_id == 1
                assert [r[0] for r in conn.execute("SELECT engine FROM test_only_engine")] == \
                    [engine]
            db.close()
    finally:
        migrations._migrations.remove(next(m for m in migrations._migrations
                                           if m.name == "m999_test_only"))


def test_sqlite_ddl_is_spelled_for_postgresql() -> None:
    assert ddl("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL, "
               "r REAL, k TEXT, PRIMARY KEY (k)) WITHOUT ROWID") == (
        "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT NOT NULL, "
        "r DOUBLE PRECISION, k TEXT, PRIMARY KEY (k))")


def test_day_totals_triggers_count_the_same_on_both_engines(pg_url: str, tmp_path: Path) -> None:
    """The totals kept by triggers (plpgsql on PostgreSQL) equal the counts from the rows."""
    from server.services.context import Context, service_day
    from server.services.counters import counter_action
    from server.services.tickets import issue_ticket
    from server.setup import initialize
    from server.store import queue
    from tests.race_workers import KIOSK, officer
    results = []
    for location in (tmp_path / "x.db", pg_url):
        db = Database(location)
        initialize(db, None, demo=True, demo_password="demo-pass-2026")
        ctx = Context.open(db)
        for i in range(6):
            issue_ticket(ctx, KIOSK, "TP-LLTP", "elderly" if i == 2 else None)
        for action in ("call-next", "start", "complete", "call-next", "no-show", "call-next"):
            counter_action(ctx, officer(18), 18, action, {})
        day = service_day(ctx.clock())
        with db.read() as conn:
            kept, counted = queue.day_stats(conn, day), queue.day_stats_counted(conn, day)
        assert kept == counted
        results.append({k: v for k, v in kept.items() if "avg" not in k})
        db.close()
    assert results[0] == results[1]


def test_queries_on_postgresql_do_not_stall_the_gevent_loop(pg_url: str) -> None:
    """psycopg waits through gevent's patched select: a slow query blocks only its greenlet."""
    script = f"""
from gevent import monkey; monkey.patch_all()
import time, gevent
from server.store import Database
db = Database({pg_url!r})
ticks = []
def ticker():
    for _ in range(20):
        ticks.append(time.monotonic()); gevent.sleep(0.02)
def slow():
    with db.read() as conn:
        conn.execute("SELECT pg_sleep(0.5)")
gevent.joinall([gevent.spawn(slow), gevent.spawn(ticker)])
gaps = [b - a for a, b in zip(ticks, ticks[1:])]
print(max(gaps))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip()) < 0.4  # the ticker kept ticking through the 0.5 s query
