"""The store: the only code that touches SQLite (schema, transactions, rows)."""
from . import accounts, queue, site
from .db import Connection, Database_ as Database, connect, dumps, loads

__all__ = ["Connection", "Database", "accounts", "connect", "dumps", "loads", "queue", "site"]
