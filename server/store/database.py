"""`Database(location)`: the store for a location, SQLite or PostgreSQL, behind one surface."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .db import Database_
from .location import engine


class Database(Database_):
    """The store at `location`: a `postgresql://` URL gives the PostgreSQL store (store/pg.py,
    the same surface), anything else the SQLite file; a location neither can use (a URL typo
    such as `postgresql:/x`) raises BadLocation before anything is created."""

    def __new__(cls, location: str | Path) -> Any:
        if engine(location) == "postgresql":
            from .pg import PgDatabase
            return PgDatabase(str(location))  # not a Database: Python does not init it again
        return super().__new__(cls)
