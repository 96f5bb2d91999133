"""Backups and restores of a PostgreSQL store with pg_dump -Fc / pg_restore (issue 9).

pg_dump reads one snapshot (a repeatable-read transaction): the archive is the database as of its
start, every ticket acknowledged before then included, while servers go on writing. The archive
is checked (pg_restore --list reads it whole), then renamed into place: complete or absent.

A restore is refused while a server uses the database. How that is seen: an unexpired row in
`leases` (every running deployment renews its jobs' leases — printing, day close, the relay —
every TTL/3, so a live server always has one; a killed one's expires within the TTL), or any other
session connected to the database (pg_stat_activity: a server keeps its pooled connections).
During the restore this session holds the migration lock (store/migrate.py MIGRATE_LOCK): a
server starting meanwhile waits in its `migrate()` and then opens the restored database.
The database being replaced is first dumped beside the backup, as SQLite's restore keeps the
replaced file.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path

from .backup import BackupError, BackupResult, DatabaseInUse, publish

TIMEOUT_S = 3600


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the Debian package postgresql-client")
    return found


def _run(*cmd: str) -> str:
    out = subprocess.run(list(cmd), capture_output=True, text=True, timeout=TIMEOUT_S)
    if out.returncode != 0:
        why = (out.stderr or out.stdout).strip().splitlines()
        raise BackupError(f"{Path(cmd[0]).name} failed: {why[-1] if why else out.returncode}")
    return out.stdout


def check_archive(path: str | Path) -> int:
    """Raise BackupError unless `path` is a readable pg_dump archive of a xephang database;
    returns its number of entries."""
    p = Path(path)
    if not p.is_file():
        raise BackupError(f"{path}: no such file")
    listing = _run(_tool("pg_restore"), "--list", str(p))
    if " TABLE public tickets " not in listing and " TABLE DATA public tickets " not in listing:
        raise BackupError(f"{path}: not a xephang database archive")
    return sum(1 for line in listing.splitlines() if line and not line.startswith(";"))


def backup(url: str, dest: str | Path) -> BackupResult:
    """Dump the live database to `dest` (custom format), verified, written atomically."""
    dest = Path(dest)
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    started = time.monotonic()
    try:
        tmp.unlink(missing_ok=True)
        _run(_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-f", str(tmp), url)
        entries = check_archive(tmp)
        publish(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return BackupResult(dest, dest.stat().st_size, time.monotonic() - started, entries)


def users_of(conn: object, now: float) -> list[str]:
    """Who uses the database besides this session: lease holders and other connections."""
    raw = conn.raw  # type: ignore[attr-defined]
    found = [str(r[0]) for r in raw.execute(
        "SELECT DISTINCT holder FROM leases WHERE expires_at > %s ORDER BY 1", (now,))]
    others = raw.execute(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchone()[0]
    if others and not found:
        found.append(f"{others} connection(s)")
    return found


def restore(archive: str | Path, url: str, now: datetime) -> Path | None:
    """Replace the database's content with a verified archive; returns where the replaced
    content was dumped (None if the database held no xephang schema). Refuses (DatabaseInUse)
    while a server uses it."""
    from .migrate import MIGRATE_LOCK
    from .pg import PgConnection
    src = Path(archive)
    check_archive(src)
    conn = PgConnection(url)
    try:
        conn.raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
        row = conn.raw.execute("SELECT to_regclass('leases') IS NOT NULL").fetchone()
        has_schema = bool(row and row[0])
        if has_schema:
            busy = users_of(conn, time.time())
            if busy:
                raise DatabaseInUse(f"servers are using the database ({', '.join(busy)}): "
                                    "stop every server first")
        kept = None
        if has_schema:
            kept = src.with_name(f"replaced-{now.strftime('%Y%m%d-%H%M%S')}.dump")
            backup(url, kept)
        _run(_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", "--exit-on-error", "-d", url, str(src))
        return kept
    finally:
        conn.close()  # ends the session: the migration lock goes with it
