"""The site a scenario runs on: a site TOML file (loaded through a scratch database, so it is read
exactly as `xephang init --site` reads it) or the live database; and the history the live one holds."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..site import Site, read_site_file
from ..store import Database
from ..store import simulate as history_rows
from ..store import site as site_rows


@dataclass
class SiteSource:
    """The loaded site and, from a live database, served durations and issued counts per service."""

    site: Site
    label: str
    served_minutes: dict[str, list[float]] = field(default_factory=dict)
    issued: dict[str, int] = field(default_factory=dict)
    recorded_days: int = 0
    by_quarter: dict[str, dict[int, int]] = field(default_factory=dict)  # service -> quarter -> tickets
    database: str | None = None  # the live database's path (a replay reads its day from it)


def from_file(path: str | Path) -> SiteSource:
    """Load a site TOML file into a scratch database and read it back as the server would."""
    parsed = read_site_file(path)
    with tempfile.TemporaryDirectory(prefix="xephang-sim-") as tmp:
        db = Database(Path(tmp) / "site.db")
        db.migrate()
        with db.write() as conn:
            site_rows.save_site(conn, parsed)
        with db.read() as conn:
            site = Site.from_rows(site_rows.load_site_rows(conn))
        db.close()
    return SiteSource(site, str(path))


def from_database(path: str | Path) -> SiteSource:
    """The live site of a database, with its served durations and issued counts per service."""
    db = Database(path)
    db.migrate()
    try:
        with db.read() as conn:
            site = Site.from_rows(site_rows.load_site_rows(conn))
            served = {code: history_rows.served_minutes(conn, code) for code in site.services}
            issued = history_rows.issued_by_service(conn)
            days, quarters = history_rows.issued_by_quarter(conn)
    finally:
        db.close()
    return SiteSource(site, str(path), {k: v for k, v in served.items() if v}, issued, days, quarters,
                      str(path))


def recorded_day(src: SiteSource, day: str) -> list[dict[str, object]]:
    """The tickets of a recorded day of the live database (empty for a site file)."""
    if src.database is None:
        return []
    db = Database(src.database)
    try:
        with db.read() as conn:
            return history_rows.recorded_day(conn, day)
    finally:
        db.close()
