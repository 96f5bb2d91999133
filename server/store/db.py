"""Connections and transactions: the one place that opens the SQLite file."""
from __future__ import annotations

import errno
import json
import os
import queue
import sqlite3
import time
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar, cast

from sqlite_utils import Database

# What a transaction hands to the code above the store (type hints only: SQL stays in here).
from .connection import Connection
from .schema import migrations

# FULL: every commit is fsynced, so an acknowledged ticket survives kill -9 *and* a power cut.
# Measured here at ~0.18 ms per commit (NORMAL: ~0.01 ms), far below the issue rate we need.
SYNCHRONOUS = "FULL"
# SQLite's own busy wait sleeps inside the C call, which under gevent freezes the whole server
# (a lock held 15 s by another process froze every request for 10 s). Keep it tiny and wait in
# Python instead, where time.sleep yields to the other requests (gevent patches it).
BUSY_TIMEOUT_MS = 5
BUSY_WAIT_S = 3.0  # after this long waiting for the write lock, answer 503 busy
RETRY_AFTER_S = 2
MIN_FREE_BYTES = 64 * 1024 * 1024  # below this, /readyz says the disk is (nearly) full


class StoreError(Exception):
    """The database cannot do what was asked right now; `code` names why (busy, storage_full...)."""

    code = "storage_error"
    retry_after = 30

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail


class Busy(StoreError):
    """Another process held the write lock longer than BUSY_WAIT_S: nothing was changed."""

    code = "busy"
    retry_after = RETRY_AFTER_S


class StorageFull(StoreError):
    """The disk (or the database's size limit) is full."""

    code = "storage_full"


class StorageReadOnly(StoreError):
    """The database file or its folder cannot be written (read-only file system, permissions)."""

    code = "storage_readonly"


def _looks_readonly(path: Path) -> bool:
    """A read-only file system, or the database, its -wal or its folder not writable by us
    (permissions, or an immutable file, which even root cannot write)."""
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    files = [path.parent] + [f for f in (path, Path(f"{path}-wal")) if f.exists()]
    return not all(os.access(f, os.W_OK) for f in files)


def _disk_full(folder: Path) -> bool:
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def storage_error(exc: BaseException, path: Path) -> StoreError | None:
    """The typed store error for a SQLite or OS failure, or None when it is not about storage."""
    folder = path.parent
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return StorageFull(str(exc))
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return StorageReadOnly(str(exc))
        return None
    if not isinstance(exc, sqlite3.Error):
        return None
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return Busy(str(exc))
    if name.startswith("SQLITE_FULL"):
        return StorageFull(str(exc))
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")):
        return StorageReadOnly(str(exc))
    if name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")):
        # SQLite hides errno: look at the folder to tell a read-only or full disk from others.
        if _looks_readonly(path):
            return StorageReadOnly(str(exc))
        if _disk_full(folder):
            return StorageFull(str(exc))
        return StoreError(str(exc))
    return None


def free_bytes(path: str | Path) -> int:
    """Free space for an unprivileged writer on the file system holding `path`."""
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


T = TypeVar("T")


class MemoConnection(sqlite3.Connection):
    """A connection that remembers reads for the length of one transaction (see `remembered`)."""

    memo: dict[object, object]


def remembered(conn: Connection, key: object, read: Callable[[], T]) -> T:
    """`read()`, done once per transaction and state of this connection's own writes.

    One issue shows the same counters, durations and versions to several views; reading them
    again would only cost statements. The memo is emptied whenever a transaction begins (no other
    connection's commit can be missed) and the key holds `total_changes`, so a write of this
    transaction is seen by the next read. A plain connection (tests, tools) just reads.
    """
    memo = getattr(conn, "memo", None)
    if memo is None:
        return read()
    full = (key, conn.total_changes)
    if full in memo:
        return cast(T, memo[full])
    value = memo[full] = read()
    return value


def _forget(conn: sqlite3.Connection) -> None:
    """Empty the transaction memo: called as a transaction begins."""
    if isinstance(conn, MemoConnection):
        conn.memo = {}


def connect(path: str | Path) -> sqlite3.Connection:
    """Open a connection in WAL mode, autocommit, with a (tiny) busy timeout."""
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False, factory=MemoConnection)
        conn.memo = {}
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
        conn.execute("PRAGMA foreign_keys=ON")
    except (sqlite3.Error, OSError) as exc:
        raise (storage_error(exc, Path(path)) or exc) from None
    return conn


@contextmanager
def snapshot(path: "str | Path | Database_") -> Iterator[sqlite3.Connection]:
    """A read transaction on a connection of its own, closed after: for a native thread (off the
    event loop), where the pooled connections are not used. Given a PostgreSQL store, one of its
    pooled connections (psycopg connections are not tied to the event loop's thread)."""
    if isinstance(path, Database_):
        if path.kind != "sqlite":
            with path.read() as pg_conn:
                yield pg_conn
            return
        path = path.path
    conn = connect(path)
    try:
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")
    finally:
        conn.close()


def begin_immediate(conn: sqlite3.Connection, deadline: float) -> None:
    """Take the write lock, waiting cooperatively (time.sleep yields under gevent) until deadline."""
    pause = 0.002
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            _forget(conn)
            return
        except sqlite3.OperationalError as exc:
            if not str(getattr(exc, "sqlite_errorname", "")).startswith(("SQLITE_BUSY",
                                                                          "SQLITE_LOCKED")):
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise Busy(str(exc)) from None
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.05)
def create_private(path: Path) -> None:
    """Create the database file 0600 (its folder 0700 when this creates it); tighten an old one.

    SQLite gives the -wal and -shm files the mode of the database file, so they follow.
    """
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = part.stat()
            if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
                part.chmod(0o600)
        except FileNotFoundError:
            pass


class Database_:
    """A pool of connections to one database file, with read and write transactions (the
    PostgreSQL store, store/pg.py, has the same surface; store/database.py picks one)."""

    kind = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.folder = self.path.parent  # where files that belong with the database go
        self.location = str(self.path)  # what Database() was given: another pool opens the same
        create_private(self.path)
        self._pool: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()

    def migrate(self) -> None:
        """Create or upgrade the schema."""
        conn = connect(self.path)
        try:
            try:
                begin_immediate(conn, time.monotonic() + 30)  # one process migrates at a time
                conn.execute("COMMIT")
                migrations.apply(Database(conn))
            except (sqlite3.Error, OSError) as exc:
                raise (storage_error(exc, self.path) or exc) from None
        finally:
            conn.close()

    def _acquire(self) -> sqlite3.Connection:
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            return connect(self.path)

    def _release(self, conn: sqlite3.Connection) -> None:
        _forget(conn)  # what this transaction read may be stale for the next user
        if conn.in_transaction:
            try:
                conn.rollback()
            except sqlite3.Error:
                conn.close()
                return
        self._pool.put(conn)

    @contextmanager
    def write(self, deadline: float | None = None,
              site_id: int = 1) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE takes the write lock up front (across processes).

        Waits for the lock until `deadline` (time.monotonic(); BUSY_WAIT_S from now by default),
        then raises Busy; disk full and read-only storage raise StorageFull / StorageReadOnly.
        `site_id` is PostgreSQL's (one lock per site); a SQLite file has one writer for all sites.
        """
        conn = self._acquire()
        try:
            try:
                begin_immediate(conn, deadline if deadline is not None
                                else time.monotonic() + BUSY_WAIT_S)
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise (storage_error(exc, self.path) or exc) from None
        finally:
            self._release(conn)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot of the database."""
        conn = self._acquire()
        try:
            try:
                conn.execute("BEGIN")
                _forget(conn)
                try:
                    yield conn
                finally:
                    conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise (storage_error(exc, self.path) or exc) from None
        finally:
            self._release(conn)

    def probe_write(self, deadline: float | None = None) -> None:
        """A tiny write transaction that really reaches the file (for start-up and /readyz)."""
        with self.write(deadline) as conn:
            conn.execute("INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT(id) "
                         "DO UPDATE SET at=excluded.at, n=health_probe.n+1",
                         (time.strftime("%Y-%m-%dT%H:%M:%S"),))
    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and empty it."""
        conn = self._acquire()
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._release(conn)

    def close(self) -> None:
        """Close every pooled connection."""
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return


def dumps(value: object) -> str:
    """JSON as stored in the database (UTF-8 text, compact)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | None) -> object:
    """Parse JSON stored by dumps."""
    return None if text is None else json.loads(text)
