"""The PostgreSQL store's bounded pool (issue 9, city morning): at most XEPHANG_PG_POOL connections
per process, a transaction waits for a free one until its deadline then answers busy, nested use
never waits for itself, and idle connections above the floor are closed."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from server.store import Busy
from server.store.pg import PgDatabase
from server.store.pg_pool import cap_from_env

ROOT = Path(__file__).resolve().parent.parent


def backends(url: str) -> int:
    """Connections to this test's database, as PostgreSQL sees them (not counting the asker)."""
    with psycopg.connect(url, autocommit=True) as mon:
        row = mon.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                          " AND pid <> pg_backend_pid()").fetchone()
        return int(row[0]) if row else 0


def until(check: Any, timeout: float = 20.0) -> bool:
    """Await a condition PostgreSQL reaches by itself (a closed connection's backend exits)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.02)
    return bool(check())


def test_more_threads_than_the_cap_all_finish_and_postgresql_never_sees_more(pg_url: str) -> None:
    cap, writers = 3, 12
    db = PgDatabase(pg_url, pool_size=cap)
    holding, release = threading.Event(), threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def hold() -> None:  # holds site 1's lock: the writers below take connections and queue
        with db.write(time.monotonic() + 60) as conn:
            holding.set()
            release.wait(60)
            conn.execute("INSERT INTO settings (key, value) VALUES ('held', '1')")

    def write(i: int) -> None:
        try:
            with db.write(time.monotonic() + 60) as conn:
                seen.append(int(conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                ).fetchone()[0]))
                conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (f"w{i}", str(i)))
            with db.read() as conn:
                assert conn.execute("SELECT value FROM settings WHERE key = ?",
                                    (f"w{i}",)).fetchone()[0] == str(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(30)
    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    # the pool is full (the holder + cap-1 writers waiting for the lock), the others wait for it
    assert until(lambda: db.pool.waiting == writers - (cap - 1))
    assert db.pool.open == cap and backends(pg_url) == cap
    release.set()
    holder.join(60)
    for t in threads:
        t.join(60)
    assert not errors
    assert len(seen) == writers and max(seen) <= cap
    assert db.pool.waited >= writers - cap  # they really waited for a connection
    with db.read() as conn:
        assert conn.execute("SELECT count(*) FROM settings WHERE key LIKE 'w%' OR key = 'held'"
                            ).fetchone()[0] == writers + 1
    assert backends(pg_url) <= cap
    db.close()


def test_a_transaction_that_finds_no_free_connection_answers_busy_and_changes_nothing(
        pg_url: str) -> None:
    db = PgDatabase(pg_url, pool_size=2)
    holding = threading.Barrier(3)
    release = threading.Event()

    def read() -> None:
        with db.read():
            holding.wait(30)
            release.wait(60)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    holding.wait(30)
    try:
        with pytest.raises(Busy) as err:
            with db.write(time.monotonic() + 0.3) as conn:
                conn.execute("INSERT INTO settings (key, value) VALUES ('late', '1')")
        assert err.value.code == "busy"
        assert not release.is_set() and db.pool.open == 2  # busy while both were still held
    finally:
        release.set()
        for t in readers:
            t.join(30)
    with db.read() as conn:  # a connection was released: the next transaction gets it
        assert conn.execute("SELECT count(*) FROM settings WHERE key = 'late'").fetchone()[0] == 0
    assert backends(pg_url) <= 2
    db.close()


def test_a_released_connection_goes_to_the_first_waiter_not_to_a_newcomer(pg_url: str) -> None:
    """Without the queue, the releasing thread (or any newcomer) takes the connection back before
    the woken waiter runs, and a waiter can be passed over until its deadline."""
    db = PgDatabase(pg_url, pool_size=1)
    holding, release, waiter_done = threading.Event(), threading.Event(), threading.Event()
    got: dict[str, Any] = {}

    def holder() -> None:
        with db.read():
            holding.set()
            release.wait(30)
        try:  # straight after its release: the connection is already the waiter's
            db.pool.release(db.pool.acquire(time.monotonic() + 0.3))
            got["newcomer"] = "connection"
        except Busy:
            got["newcomer"] = "busy"

    def waiter() -> None:
        with db.read() as conn:
            got["waiter"] = conn.execute("SELECT 42").fetchone()[0]
            waiter_done.wait(30)

    h = threading.Thread(target=holder)
    h.start()
    assert holding.wait(30)
    w = threading.Thread(target=waiter)
    w.start()
    assert until(lambda: db.pool.waiting == 1)
    release.set()
    h.join(30)
    waiter_done.set()
    w.join(30)
    assert got == {"newcomer": "busy", "waiter": 42}
    db.close()


def test_a_holder_asking_for_a_second_connection_does_not_wait_for_itself(pg_url: str) -> None:
    db = PgDatabase(pg_url, pool_size=1)
    with db.write(time.monotonic() + 1) as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('outer', '1')")
        with db.read() as inner:  # would wait for the outer one, then busy, without the rule
            assert inner.execute("SELECT count(*) FROM settings WHERE key = 'outer'"
                                 ).fetchone()[0] == 0  # its own snapshot: not yet committed
    assert db.pool.nested == 1
    assert db.pool.open == 1 and backends(pg_url) <= 1  # the extra one was closed, not kept
    with db.read() as conn:
        assert conn.execute("SELECT count(*) FROM settings WHERE key = 'outer'").fetchone()[0] == 1
    db.close()


def test_idle_connections_above_the_floor_are_closed_after_the_idle_time(pg_url: str) -> None:
    now = [1000.0]
    db = PgDatabase(pg_url, pool_size=8, pool_floor=1, idle_s=60, clock=lambda: now[0])
    burst = 5
    together = threading.Barrier(burst)

    def read() -> None:
        with db.read() as conn:
            conn.execute("SELECT 1")
            together.wait(30)  # all five open at once: a start-up burst

    threads = [threading.Thread(target=read) for _ in range(burst)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert db.pool.open == burst and backends(pg_url) == burst
    now[0] += 59  # not idle long enough yet: a transaction keeps them
    with db.read() as conn:
        conn.execute("SELECT 1")
    assert db.pool.open == burst
    now[0] += 61
    with db.read() as conn:  # the next transaction closes the long-idle ones, down to the floor
        conn.execute("SELECT 1")
    assert db.pool.open == 1 and db.pool.idle == 1
    assert until(lambda: backends(pg_url) == 1)
    db.close()
    assert until(lambda: backends(pg_url) == 0)


def test_the_cap_comes_from_xephang_pg_pool(monkeypatch: pytest.MonkeyPatch, pg_url: str) -> None:
    monkeypatch.setenv("XEPHANG_PG_POOL", "5")
    assert PgDatabase(pg_url).pool.cap == 5
    monkeypatch.delenv("XEPHANG_PG_POOL")
    assert cap_from_env() == 16
    for bad in ("0", "many", "-3"):
        monkeypatch.setenv("XEPHANG_PG_POOL", bad)
        with pytest.raises(ValueError, match="XEPHANG_PG_POOL"):
            cap_from_env()


@pytest.mark.parametrize("waiter", ["greenlet", "native thread"])
def test_waiting_for_a_connection_under_gevent_blocks_only_the_waiter(pg_url: str,
                                                                       waiter: str) -> None:
    """The loop keeps running while a greenlet, or a native thread of gevent's pool (where
    report summaries run, `off_loop`), waits for the pool: the holder it waits for is released by
    another greenlet, so a frozen loop or a lost cross-thread wake-up would leave the waiter busy."""
    script = f"""
from gevent import monkey; monkey.patch_all()
import gevent, gevent.event
from gevent import get_hub
from server.store import Busy
from server.store.pg import PgDatabase
db = PgDatabase({pg_url!r}, pool_size=1)
holding, go = gevent.event.Event(), gevent.event.Event()
out = {{}}
def holder():
    with db.read() as conn:
        conn.execute("SELECT 1")
        holding.set()
        go.wait(30)
def read():
    try:
        with db.read() as conn:
            return conn.execute("SELECT 42").fetchone()[0]
    except Busy:
        return "busy"
def waiter():
    holding.wait(30)
    out["waiter"] = read() if {waiter == "greenlet"!r} else get_hub().threadpool.apply(read)
def releaser():
    holding.wait(30)
    ticks = 0
    while db.pool.waiting == 0 and ticks < 2000:  # until the waiter is really waiting
        ticks += 1; gevent.sleep(0.001)
    out["waiting"] = db.pool.waiting
    go.set()
gevent.joinall([gevent.spawn(holder), gevent.spawn(waiter), gevent.spawn(releaser)])
print(out["waiter"], out["waiting"])
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["42", "1"]
