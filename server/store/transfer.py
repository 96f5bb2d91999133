"""Moving a building's SQLite file into a PostgreSQL database (issue 9: `xephang migrate-to`).

Both sides are first migrated by this code to the same schema version; then every table is copied
by column NAME (the two engines order columns differently), in batches, in ONE PostgreSQL
transaction (a failure leaves the target as it was). The target's user triggers are off during the
copy: derived tables (day totals, report marks, version counters) are copied as they are, not
recomputed, and the audit trail's no-delete guard lets the fresh database's seed rows go. Tables
go in foreign-key order. Identity sequences are then set past the copied ids.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .backup import check, exclusive

T = TypeVar("T")

BATCH_ROWS = 1000
# A target "has data" when any of these has a row (a fresh migrated database has none of them).
DATA_TABLES = ("zones", "users", "devices", "tickets", "audit")
SQLITE_ONLY = ("_sqlite_migrations",)


class TransferError(Exception):
    """The copy was refused; `code` and `params` name why (server/i18n.py `migrate_to_*`)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code}: {params}")
        self.code, self.params = code, params


@dataclass
class TransferResult:
    """What was copied: rows per table."""

    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows copied in all."""
        return sum(self.rows.values())


def sqlite_tables(src: sqlite3.Connection) -> list[str]:
    """The source's own tables (not SQLite's internal ones, not its migration log)."""
    return [r[0] for r in src.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name") if r[0] not in SQLITE_ONLY]


def _pg_columns(raw: Any) -> dict[str, list[str]]:
    cols: dict[str, list[str]] = {}
    for table, col in raw.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"):
        cols.setdefault(table, []).append(col)
    return cols


def _fk_order(raw: Any, tables: list[str]) -> list[str]:
    """`tables` with every referenced table before the tables that reference it."""
    deps: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in raw.execute(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
            "WHERE c.contype = 'f'"):
        if child in deps and parent in deps and child != parent:
            deps[child].add(parent)
    ordered: list[str] = []
    while deps:
        ready = sorted(t for t, d in deps.items() if not d - set(ordered))
        if not ready:  # a cycle: keep the rest as they are (none in the schema today)
            ready = sorted(deps)
        for t in ready:
            ordered.append(t)
            del deps[t]
    return ordered


def target_has_data(raw: Any) -> str | None:
    """The first data table of the target that has a row (None: empty, fit to receive)."""
    for table in DATA_TABLES:
        if raw.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            return table
    return None


def copy_to_postgres(sqlite_path: str | Path, url: str, batch: int = BATCH_ROWS,
                     progress: Callable[[str, int], None] | None = None) -> TransferResult:
    """Copy the SQLite database at `sqlite_path` into the empty PostgreSQL database at `url`.

    Refused (TransferError) while a server runs on the file (the restore lock), when the file is
    not a sound xephang database, or when the target already holds data.
    """
    return between(sqlite_path, url, lambda src, dst: _copy(src, dst, batch, progress))


def between(sqlite_path: str | Path, url: str, work: Callable[[sqlite3.Connection, Any], T]) -> T:
    """Run `work(source, target)` on the checked SQLite file (read-only, no server on it: the
    restore lock) and a connection to the PostgreSQL database, both migrated to this code's
    schema version first."""
    from . import Database
    from .backup import BackupError, DatabaseInUse
    from .pg import PgConnection
    path = Path(sqlite_path)
    try:
        check(path)
    except BackupError as exc:
        raise TransferError("migrate_to_bad_source", path=str(path), why=str(exc)) from None
    try:
        with exclusive(path):  # no server on the file, and none can start during the copy
            source = Database(path)
            source.migrate()  # the same schema version as the target (this code's)
            source.close()
            target = Database(url)
            target.migrate()
            target.close()
            src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            dst = PgConnection(url)
            try:
                return work(src, dst)
            finally:
                src.close()
                dst.close()
    except DatabaseInUse:
        raise TransferError("migrate_to_in_use", path=str(path)) from None


def _copy(src: sqlite3.Connection, dst: Any, batch: int,
          progress: Callable[[str, int], None] | None) -> TransferResult:
    raw = dst.raw
    full = target_has_data(raw)
    if full is not None:
        raise TransferError("migrate_to_not_empty", table=full)
    pg_cols = _pg_columns(raw)
    tables = sqlite_tables(src)
    missing = [t for t in tables if t not in pg_cols]
    if missing:
        raise TransferError("migrate_to_schema_differs", what=", ".join(missing))
    order = _fk_order(raw, tables)
    result = TransferResult()
    src.execute("BEGIN")  # one snapshot of the source for the whole copy
    dst.begin(lock_ms=30_000)
    try:
        for t in order:
            raw.execute(f'ALTER TABLE "{t}" DISABLE TRIGGER USER')
        for t in reversed(order):  # the fresh database's seed rows give way to the file's
            raw.execute(f'DELETE FROM "{t}"')
        for t in order:
            result.rows[t] = _copy_table(src, raw, t, pg_cols[t], batch)
            if progress is not None:
                progress(t, result.rows[t])
        for t in order:
            raw.execute(f'ALTER TABLE "{t}" ENABLE TRIGGER USER')
        from .migrate import _identities_past_rows
        _identities_past_rows(dst)
    except BaseException:
        dst.rollback()
        src.execute("ROLLBACK")
        raise
    dst.commit()
    src.execute("COMMIT")
    return result


def _copy_table(src: sqlite3.Connection, raw: Any, table: str, target_cols: list[str],
                batch: int) -> int:
    """Copy one table by column name in batches of `batch` rows; returns the rows copied."""
    source_cols = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
    lost = [c for c in source_cols if c not in target_cols]
    if lost:
        raise TransferError("migrate_to_schema_differs", what=f"{table}.{', '.join(lost)}")
    return copy_rows(src, raw, table, source_cols, batch)


def copy_rows(src: sqlite3.Connection, raw: Any, table: str, cols: list[str], batch: int,
              change: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None) -> int:
    """Copy `cols` of every row of `table` (each row through `change`, when given) in batches,
    ids kept as they are (OVERRIDING SYSTEM VALUE); returns the rows copied."""
    names = ", ".join(f'"{c}"' for c in cols)
    insert = (f'INSERT INTO "{table}" ({names}) OVERRIDING SYSTEM VALUE VALUES '
              f"({', '.join(['%s'] * len(cols))})")
    cur = src.execute(f'SELECT {names} FROM "{table}"')
    copied = 0
    with raw.cursor() as out:
        while rows := cur.fetchmany(batch):
            out.executemany(insert, rows if change is None else [change(r) for r in rows])
            copied += len(rows)
    return copied
