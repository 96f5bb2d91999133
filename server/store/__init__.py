"""The store: the only code that touches SQLite (schema, transactions, rows)."""
from . import accounts, queue, site
from .db import Busy, Connection, StorageFull, StorageReadOnly, StoreError, connect, dumps, loads
from .db import Database_ as Database

__all__ = ["Busy", "Connection", "Database", "StorageFull", "StorageReadOnly", "StoreError", "accounts",
           "connect", "dumps", "loads", "queue", "site"]
