"""PostgreSQL behind the same surface as the SQLite store: the store's queries run unchanged.

A thin layer, not an ORM: `?` placeholders become `%s` (once per statement, cached), rows index by
position and by name like sqlite3.Row, integers are sent untyped so PostgreSQL reads them the way
SQLite does (`active = 1`, `(priority IS NOT NULL) = 0`), and booleans and numerics come back as
SQLite gives them (0/1, int or float). Writers take the site's advisory lock first, which is what
`BEGIN IMMEDIATE` gives on SQLite: one writer of a site at a time, so every read-then-write use
case stays serial without retry loops (and sites will write in parallel once every query names
its site; until then all writes are site 1's).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format

from .db import BUSY_WAIT_S, Busy, Database_, StorageFull, StorageReadOnly, StoreError
from .location import CONNECT_TIMEOUT_S, redact
from .pg_pool import DEFAULT_FLOOR, DEFAULT_IDLE_S, BoundedPool, cap_from_env

SITE_ID = 1  # the site of a write nobody named (CLI commands, deployment jobs): site 1's lock
# A process frozen or cut off inside a write transaction holds its site's lock until its
# connection dies (for a lost machine: hours of TCP keepalive); PostgreSQL ends a transaction left
# idle this long, so the other processes' writers, who wait up to BUSY_WAIT_S, get the lock in time
# (tests/test_message_queue_live.py freezes the relay holder, often inside its position write).
IDLE_IN_TRANSACTION_MS = 2000
# Under gevent, psycopg waits through the patched select when it is imported after the patch
# (`xephang run` patches first): a query then blocks only its greenlet (tests/test_store_pg.py).


class Row(tuple):  # type: ignore[type-arg]
    """A result row, by position and by column name (the store uses both, as with sqlite3.Row)."""

    _names: dict[str, int]
    _keys: list[str]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key.lower()])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        """Column names in order (dict(row) works as with sqlite3.Row)."""
        return self._keys


def _row_factory(cursor: Any) -> Any:
    desc = cursor.description
    if desc is None:
        return tuple
    keys = [d.name for d in desc]
    names = {k.lower(): i for i, k in reversed(list(enumerate(keys)))}  # first of a name wins

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row._names, row._keys = names, keys
        return row
    return make


class _UntypedIntDumper(Dumper):
    """Integers as untyped literals: PostgreSQL infers their type from where they are used, as
    SQLite does (an INTEGER 0/1 flag, a boolean expression, a bigint id)."""

    oid = 0
    format = Format.TEXT

    def dump(self, obj: Any) -> bytes:
        return str(int(obj)).encode()


class _NumericLoader(Loader):
    """NUMERIC as SQLite answers: SUM of integers is an int, AVG and fractions a float (not
    Decimal, which JSON cannot carry)."""

    def load(self, data: Any) -> int | float:
        text = bytes(data)
        try:
            return int(text)
        except ValueError:  # a fraction, NaN, Infinity
            return float(text)


class _IntBoolLoader(Loader):
    """Booleans read back as 1/0, as SQLite answers `x IS NOT NULL`."""

    def load(self, data: Any) -> int:
        return 1 if bytes(data) == b"t" else 0


@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """The statement with `?` as `%s` and a literal `%` doubled (outside quotes only for `?`)."""
    out = []
    quote = ""
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""
            out.append("%%" if ch == "%" else ch)
            continue
        if ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


class Cursor:
    """What `execute` returns: fetchone/fetchall/iteration and rowcount, as a sqlite3 cursor."""

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self._cur = cur
        self.rowcount = cur.rowcount

    def fetchone(self) -> Any:
        """The next row, or None."""
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list[Any]:
        """Every remaining row."""
        return self._cur.fetchall() if self._cur.description else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgConnection:
    """One psycopg connection with sqlite3.Connection's small surface the store uses."""

    def __init__(self, url: str) -> None:
        self.raw = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                                   row_factory=_row_factory)
        self.raw.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}".encode())
        self.raw.adapters.register_dumper(int, _UntypedIntDumper)
        self.raw.adapters.register_dumper(bool, _UntypedIntDumper)
        self.raw.adapters.register_loader("numeric", _NumericLoader)
        self.raw.adapters.register_loader("bool", _IntBoolLoader)
        self.memo: dict[object, object] = {}
        self.total_changes = 0  # moves with every write statement: the memo key of `remembered`
        self.in_transaction = False

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Cursor:
        """Run one statement with `?` placeholders."""
        if isinstance(params, dict):
            raise TypeError("named parameters are not used by the store")
        cur = self.raw.cursor()
        if params:
            cur.execute(translate(sql), tuple(params))  # type: ignore[arg-type]
        else:  # no parameters: psycopg sends the text as it is (a literal % stays single)
            cur.execute(sql.encode())  # type: ignore[call-overload]
        if cur.description is None or cur.statusmessage and not cur.statusmessage.startswith(
                "SELECT"):
            self.total_changes += 1
        return Cursor(cur)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Cursor:
        """Run one statement once per parameter row."""
        cur = self.raw.cursor()
        cur.executemany(translate(sql), [tuple(r) for r in rows])
        self.total_changes += 1
        return Cursor(cur)

    def executescript(self, script: str) -> None:
        """Run several statements without parameters (migrations)."""
        self.raw.execute(script.encode())  # type: ignore[call-overload]
        self.total_changes += 1

    def begin(self, lock_ms: int | None = None, site_id: int = SITE_ID) -> None:
        """Start a transaction: a read snapshot, or (`lock_ms` given) a write transaction that
        first takes the site's lock, waiting at most lock_ms (like BEGIN IMMEDIATE). One round
        trip: the statements go together in one simple query."""
        self.memo = {}
        self.in_transaction = True  # from here on, a failure leaves something to roll back
        if lock_ms is None:
            self.raw.execute(b"BEGIN ISOLATION LEVEL REPEATABLE READ")
        else:
            self.raw.execute(f"BEGIN; SET LOCAL lock_timeout = {lock_ms}; "
                             f"SELECT pg_advisory_xact_lock({int(site_id)}); "
                             "SET LOCAL lock_timeout = 0".encode())

    def commit(self) -> None:
        """Commit the open transaction."""
        self.in_transaction = False
        self.raw.execute("COMMIT")

    def rollback(self) -> None:
        """Roll the open transaction back."""
        self.in_transaction = False
        self.raw.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection."""
        self.raw.close()


def storage_error(exc: BaseException) -> StoreError | None:
    """The typed store error for a PostgreSQL failure (same codes as SQLite's), or None."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, (pg_errors.LockNotAvailable, pg_errors.QueryCanceled,
                        pg_errors.SerializationFailure, pg_errors.DeadlockDetected)):
        return Busy(str(exc))
    if isinstance(exc, (pg_errors.DiskFull, pg_errors.OutOfMemory,
                        pg_errors.ProgramLimitExceeded)):
        return StorageFull(str(exc))
    if isinstance(exc, (pg_errors.ReadOnlySqlTransaction, pg_errors.InsufficientPrivilege)):
        return StorageReadOnly(str(exc))
    if isinstance(exc, psycopg.OperationalError):  # server gone, connection lost, refused
        return StoreError(str(exc))
    return None


class PgDatabase(Database_):
    """A pool of connections to one PostgreSQL database, with read and write transactions."""

    kind = "postgresql"

    def __init__(self, url: str, pool_size: int | None = None, pool_floor: int = DEFAULT_FLOOR,
                 idle_s: float = DEFAULT_IDLE_S, clock: Callable[[], float] = time.monotonic) -> None:
        """A pool of at most `pool_size` connections (XEPHANG_PG_POOL by default)."""
        from printers.runtime import runtime_dir
        self.url = self.location = url
        self.path = None  # type: ignore[assignment]  # file-only code checks `kind` first
        self.folder = runtime_dir()  # no folder of its own: this process's private one
        self.pool: BoundedPool[PgConnection] = BoundedPool(
            self._connect, PgConnection.close, pool_size or cap_from_env(), pool_floor, idle_s, clock)

    def __repr__(self) -> str:
        return f"PgDatabase({redact(self.url)!r})"

    def _connect(self) -> PgConnection:
        try:
            return PgConnection(self.url)
        except psycopg.Error as exc:
            raise (storage_error(exc) or StoreError(str(exc))) from None

    def migrate(self) -> None:
        """Create or upgrade the schema (one process at a time: an advisory lock)."""
        from .migrate import apply_postgres
        conn = self._connect()
        try:
            apply_postgres(conn)
        except psycopg.Error as exc:
            raise (storage_error(exc) or exc) from None
        finally:
            conn.close()

    def _acquire(self, deadline: float | None = None) -> PgConnection:  # type: ignore[override]
        """A pooled connection, waiting for one until `deadline` (BUSY_WAIT_S), then Busy."""
        return self.pool.acquire(deadline if deadline is not None
                                 else time.monotonic() + BUSY_WAIT_S)

    def _begin(self, lock_ms: int | None, site_id: int = SITE_ID,
               deadline: float | None = None) -> PgConnection:
        """A pooled connection with a transaction begun (see PgConnection.begin); a pooled one the
        server closed meanwhile (a PostgreSQL restart, an idle timeout) is replaced, once, in
        the same slot of the pool. `lock_ms` counts from when a connection was free."""
        conn = self._acquire(deadline)
        if lock_ms is not None and deadline is not None:
            lock_ms = max(1, int((deadline - time.monotonic()) * 1000))
        try:
            conn.begin(lock_ms, site_id)
            return conn
        except psycopg.Error:
            if not (conn.raw.broken or conn.raw.closed):  # the server answered: e.g. lock timeout
                self._release(conn)
                raise
            conn.close()
        except BaseException:
            self._release(conn)
            raise
        try:
            conn = self._connect()
        except BaseException:
            self.pool.discard()
            raise
        try:
            conn.begin(lock_ms, site_id)
        except BaseException:
            self._release(conn)
            raise
        return conn

    def _release(self, conn: PgConnection) -> None:  # type: ignore[override]
        conn.memo = {}
        if conn.raw.closed or conn.raw.broken:
            conn.close()
            self.pool.discard()
            return
        if conn.in_transaction or conn.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                conn.rollback()
            except psycopg.Error:
                conn.close()
                self.pool.discard()
                return
        self.pool.release(conn)

    @contextmanager
    def write(self, deadline: float | None = None, site_id: int = SITE_ID) -> Iterator[Any]:
        """A write transaction, serialised with the site's other writers (all processes).

        Waits for the site's lock until `deadline` (time.monotonic(); BUSY_WAIT_S from now by
        default), then raises Busy; other storage failures raise the same errors as SQLite's.
        """
        left = (deadline if deadline is not None else time.monotonic() + BUSY_WAIT_S) \
            - time.monotonic()
        if left <= 0:
            raise Busy("no time left to wait for the write lock")
        try:
            conn = self._begin(lock_ms=max(1, int(left * 1000)), site_id=site_id,
                               deadline=time.monotonic() + left)
        except psycopg.Error as exc:
            raise (storage_error(exc) or exc) from None
        try:
            try:
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.rollback()
                    raise
                conn.commit()
            except psycopg.Error as exc:
                raise (storage_error(exc) or exc) from None
        finally:
            self._release(conn)

    @contextmanager
    def read(self) -> Iterator[Any]:
        """A read transaction: one consistent snapshot of the database."""
        try:
            conn = self._begin(lock_ms=None)
        except psycopg.Error as exc:
            raise (storage_error(exc) or exc) from None
        try:
            try:
                try:
                    yield conn
                finally:
                    if conn.in_transaction:
                        conn.commit()
            except psycopg.Error as exc:
                raise (storage_error(exc) or exc) from None
        finally:
            self._release(conn)

    def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL checkpoints by itself (the WAL checkpoint is SQLite's)."""

    def close(self) -> None:
        """Close every pooled connection."""
        self.pool.close()

