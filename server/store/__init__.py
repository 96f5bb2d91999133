"""The store: the only code that touches the database, SQLite or PostgreSQL (schema, transactions, rows)."""
from . import accounts, queue, site
from .db import Busy, Connection, StorageFull, StorageReadOnly, StoreError, connect, dumps, loads
from .database import Database

__all__ = ["Busy", "Connection", "Database", "StorageFull", "StorageReadOnly", "StoreError", "accounts",
           "connect", "dumps", "loads", "queue", "site"]
