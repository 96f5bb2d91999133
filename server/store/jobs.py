"""What background jobs last did, shared by the server processes on one database."""
from __future__ import annotations

from typing import Any

from .db import dumps, loads
from .connection import Connection


def job_state(conn: Connection, job: str, site_id: int = 1) -> Any:
    """A job's stored state (None: never stored)."""
    row = conn.execute("SELECT value FROM job_state WHERE site_id=? AND job=?",
                       (site_id, job)).fetchone()
    return None if row is None else loads(row[0])


def set_job_state(conn: Connection, job: str, value: Any, at: str, site_id: int = 1) -> None:
    """Store a job's state (inside the caller's write transaction)."""
    conn.execute("INSERT INTO job_state (site_id, job, value, at) VALUES (?,?,?,?) "
                 "ON CONFLICT(site_id, job) DO UPDATE SET value=excluded.value, at=excluded.at",
                 (site_id, job, dumps(value), at))
