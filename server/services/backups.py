"""The running server's daily backup: when, where, how many days are kept."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..store import backup as store_backup
from ..store.location import is_postgres
from .context import TZ

DEFAULT_TIME = "18:30"  # after closing hours (17:00; Saturday mornings only)
DEFAULT_KEEP_DAYS = 14


@dataclass(frozen=True)
class BackupPlan:
    """Where and when the server backs the database up each day."""

    db_path: Path | str  # a file, or a PostgreSQL URL (kept as text)
    folder: Path
    at: time
    keep_days: int


def plan_from(site_info: dict[str, Any], db_path: str | Path, at: str | None = None,
              keep_days: int | None = None, folder: str | None = None) -> BackupPlan | None:
    """The plan from `[site]` (backup_time, backup_keep_days, backup_dir), overridden by the
    command line's values when given; None when backup_time is "off"."""
    when = str(at or site_info.get("backup_time") or DEFAULT_TIME).strip()
    if when.lower() == "off":
        return None
    try:
        hh, mm = (int(x) for x in when.split(":"))
        clock = time(hh, mm)
    except ValueError:
        raise ValueError(f"backup time must be HH:MM or off, not {when!r}") from None
    keep = int(keep_days if keep_days is not None else site_info.get("backup_keep_days")
               or DEFAULT_KEEP_DAYS)
    if keep < 1:
        raise ValueError("backup_keep_days must be at least 1")
    where = folder or site_info.get("backup_dir") or ""
    if is_postgres(db_path):  # no folder of its own: the runtime folder (XEPHANG_RUNTIME_DIR)
        from printers.runtime import runtime_dir
        return BackupPlan(str(db_path), Path(where) if where else runtime_dir() / "backups",
                          clock, keep)
    db = Path(db_path)
    return BackupPlan(db, Path(where) if where else db.parent / "backups", clock, keep)


def next_run(plan: BackupPlan, now: datetime) -> datetime:
    """The next moment the daily backup is due (today at plan.at, or tomorrow)."""
    local = now.astimezone(TZ)
    due = datetime.combine(local.date(), plan.at, tzinfo=TZ)
    return due if due > local else due + timedelta(days=1)


def daily_backup(plan: BackupPlan, now: datetime,
                 pause: Callable[[], None] | None = None) -> store_backup.BackupResult:
    """Take today's backup into the folder (xephang-YYYY-MM-DD.db) and drop the expired ones."""
    day = now.astimezone(TZ)
    if is_postgres(plan.db_path):  # pg_dump -Fc: xephang-YYYY-MM-DD.dump
        from ..store import pg_backup
        result = pg_backup.backup(str(plan.db_path),
                                  plan.folder / f"xephang-{day.date().isoformat()}.dump")
    else:
        result = store_backup.backup(plan.db_path,
                                     plan.folder / f"xephang-{day.date().isoformat()}.db",
                                     pause=pause)
    store_backup.prune(plan.folder, plan.keep_days, day)
    return result
