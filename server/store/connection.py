"""What the store's functions need of a connection, on either engine: a `sqlite3.Connection`
(SQLite) and a `pg.PgConnection` (PostgreSQL) both have it. Type hints only."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol


class Rows(Protocol):
    """What `execute` returns: its rows (by position and by column name) and its row count."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A connection inside one of the store's transactions (`Database.read`/`write`)."""

    @property
    def total_changes(self) -> int: ...  # moves with every write: a key for remembered reads

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Any = ..., /) -> Rows: ...

    def executemany(self, sql: str, parameters: Any, /) -> Rows: ...
