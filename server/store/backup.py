"""Online backups and safe restores of the database file, and the lock a running server holds.

A backup copies the database with SQLite's backup API in steps of `pages` pages, all inside ONE
read transaction held on the source: the copy is the database as of that moment (WAL mode lets
writers go on meanwhile) and, since the snapshot never changes, other connections' commits do not
restart the copy. (Without that transaction, as the sqlite3 shell's `.backup` does, every commit by
another connection between two steps restarts it: under steady writes it never finishes;
bench/bench_backup.py measures both, and VACUUM INTO.) The result is checked, then renamed into
place: a backup file is either complete and verified, or absent.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .db import connect

PAGES_PER_STEP = 1024  # 4 MB at the default page size: a few ms of copying per step


class BackupError(Exception):
    """A backup or restore could not be made; the message says why."""


class DatabaseInUse(BackupError):
    """A server has the database open."""


@dataclass(frozen=True)
class BackupResult:
    """A finished, verified backup."""

    path: Path
    size: int
    seconds: float
    steps: int


def lock_path(db_path: str | Path) -> Path:
    """The lock file beside the database that a running server holds."""
    p = Path(db_path)
    return p.with_name(p.name + ".lock")


def hold_server_lock(db_path: str | Path, waiting: Callable[[], None] | None = None) -> int:
    """Take the server's (shared) lock for the life of the process; returns its descriptor.

    Waits while a restore holds the lock exclusively (`waiting` is called first). The kernel
    drops the lock when the process ends, however it ends (kill -9 included): it never goes stale.
    """
    fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        if waiting is not None:
            waiting()
        fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


@contextmanager
def exclusive(db_path: str | Path) -> Iterator[None]:
    """Hold the database exclusively (no server running, none can start); else DatabaseInUse."""
    fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(f"a server is running on {db_path}: stop it first") from None
        yield
    finally:
        os.close(fd)


def check(path: str | Path, full: bool = False) -> None:
    """Raise BackupError unless the file is a sound SQLite database (quick_check, or
    integrity_check with `full`)."""
    if not Path(path).is_file():
        raise BackupError(f"{path}: no such file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute(
                "PRAGMA integrity_check" if full else "PRAGMA quick_check")]
            conn.execute("SELECT COUNT(*) FROM tickets").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a usable xephang database ({exc})") from None
    if rows != ["ok"]:
        raise BackupError(f"{path}: damaged: {'; '.join(rows[:5])}")


def publish(tmp: Path, dest: Path) -> None:
    """Put a finished, checked backup in place: private (0600, as the database itself), on disk,
    then renamed in one step so `dest` is never a half-written file."""
    os.chmod(tmp, 0o600)
    _fsync(tmp)
    os.replace(tmp, dest)
    _fsync(dest.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(db_path: str | Path, dest: str | Path, pages: int = PAGES_PER_STEP,
           pause: Callable[[], None] | None = None, full_check: bool = False) -> BackupResult:
    """Copy the live database to `dest`, consistent as of the start, verified, written atomically.

    `pause` runs between steps (the server sleeps there, leaving the disk to requests).
    """
    dest = Path(dest)
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    started = time.monotonic()
    steps = 0
    src = connect(db_path)
    try:
        tmp.unlink(missing_ok=True)
        dst = sqlite3.connect(tmp)
        try:
            # Pin one snapshot for the whole copy (see the module docstring).
            src.execute("BEGIN")
            src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()

            def step(status: int, remaining: int, total: int) -> None:
                nonlocal steps
                steps += 1
                if pause is not None and remaining:
                    pause()
            src.backup(dst, pages=pages, progress=step)
            src.execute("COMMIT")
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
        check(tmp, full=full_check)
        publish(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    return BackupResult(dest, dest.stat().st_size, time.monotonic() - started, steps)


def restore(backup_path: str | Path, db_path: str | Path, now: datetime) -> Path | None:
    """Replace the database with a verified backup; returns where the replaced database was
    kept (None if there was none). Refuses (DatabaseInUse) while a server runs on it.

    The old database moves aside *with* its -wal and -shm: a WAL left next to the restored file
    would be replayed into it and corrupt it.
    """
    src, db = Path(backup_path), Path(db_path)
    check(src, full=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(db):
        aside = db.with_name(f"{db.name}.replaced-{now.strftime('%Y%m%d-%H%M%S')}")
        kept = None
        if db.exists():
            _checkpoint(db)
            os.replace(db, aside)
            kept = aside
        for suffix in ("-wal", "-shm", "-journal"):
            leftover = db.with_name(db.name + suffix)
            if leftover.exists():
                os.replace(leftover, aside.with_name(aside.name + suffix))
        tmp = db.with_name(f".{db.name}.restoring-{os.getpid()}")
        try:
            with open(src, "rb") as fin, open(tmp, "wb") as fout:
                while chunk := fin.read(1 << 20):
                    fout.write(chunk)
                fout.flush()
                os.fsync(fout.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, db)
            _fsync(db.parent)
        finally:
            tmp.unlink(missing_ok=True)
        conn = connect(db)  # back to WAL mode, as the server runs it
        conn.close()
        check(db)
    return kept


def _checkpoint(db: Path) -> None:
    """Fold a leftover WAL into the database being replaced, so the copy kept aside is whole.

    If that fails (the old file is damaged), the WAL is kept aside beside it, untouched.
    """
    try:
        conn = sqlite3.connect(db)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        pass


def prune(folder: str | Path, keep_days: int, today: datetime) -> list[Path]:
    """Delete the daily backups (xephang-YYYY-MM-DD.db, or .dump for PostgreSQL) older than
    `keep_days`; returns them."""
    gone = []
    found = [f for ext in ("db", "dump") for f in Path(folder).glob(f"xephang-????-??-??.{ext}")]
    for f in sorted(found):
        try:
            day = datetime.strptime(f.stem[len("xephang-"):], "%Y-%m-%d").date()
        except ValueError:
            continue
        if (today.date() - day).days >= keep_days:
            f.unlink(missing_ok=True)
            gone.append(f)
    return gone
