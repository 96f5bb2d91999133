"""Which site a transaction works for (issue 9): the connection carries it, the queries name it.

A per-site `Context` opens its transactions through `SiteDatabase`, which marks each connection
with its site; store functions read it with `site_of(conn)`, so the ~130 store functions and their
callers keep their signatures. A connection nobody marked (CLI commands, background jobs not yet
scoped) works for site 1, the only site of every deployment before issue 9.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DEFAULT_SITE = 1


def site_of(conn: Any) -> int:
    """The site this connection's transaction works for."""
    return int(getattr(conn, "site_id", DEFAULT_SITE))


@contextmanager
def marked(conn: Any, site_id: int) -> Iterator[Any]:
    """Mark a connection with a site for the length of a block (pooled connections are reused)."""
    conn.site_id = site_id
    try:
        yield conn
    finally:
        conn.site_id = DEFAULT_SITE


class SiteDatabase:
    """A Database whose transactions work for one site (everything else is the database's)."""

    def __init__(self, db: Any, site_id: int) -> None:
        self.db, self.site_id = db, int(site_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)

    def __repr__(self) -> str:
        return f"SiteDatabase({self.db!r}, site_id={self.site_id})"

    @contextmanager
    def write(self, deadline: float | None = None) -> Iterator[Any]:
        """A write transaction of this site (see Database.write)."""
        # PostgreSQL takes this site's lock: the writers of one site are serial, sites in parallel
        with self.db.write(deadline, site_id=self.site_id) as conn, marked(conn, self.site_id):
            yield conn

    @contextmanager
    def read(self) -> Iterator[Any]:
        """A read transaction of this site (see Database.read)."""
        with self.db.read() as conn, marked(conn, self.site_id):
            yield conn
