"""Where the database lives: a SQLite file path or a PostgreSQL URL, checked before anything is made."""
from __future__ import annotations

import os
import re
from pathlib import Path

PG_SCHEMES = ("postgresql://", "postgres://")  # both are libpq's own spellings
# Anything that starts like a URL scheme ("mysql:", "postgresql:/x", "sqlite://") is a typo or an
# engine we do not have, never a file name: a file called "postgresql:" is what this check prevents.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
CONNECT_TIMEOUT_S = 5


class BadLocation(Exception):
    """The --db location cannot be used by either engine: `code` and `params` name why (the
    command line says it in the operator's language, server/i18n.py `db_location_*`)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code}: {params}")
        self.code, self.params = code, params


def is_postgres(location: str | os.PathLike[str]) -> bool:
    """True when `location` is a PostgreSQL URL."""
    return str(location).startswith(PG_SCHEMES)


def check(location: str | os.PathLike[str], reach: bool = True) -> str:
    """The engine ("sqlite"/"postgresql") for `location`, or BadLocation; creates nothing.

    A file path must be writable where it is (or its nearest existing folder must be); a
    PostgreSQL URL must answer within CONNECT_TIMEOUT_S when `reach` is set.
    """
    text = str(location)
    if engine(text) == "postgresql":
        if reach:
            _reach_postgres(text)
        return "postgresql"
    _check_file(Path(text))
    return "sqlite"


def engine(location: str | os.PathLike[str]) -> str:
    """"postgresql" for a PostgreSQL URL, "sqlite" for a file path; BadLocation for anything that
    looks like a URL of another kind (a typo such as `postgresql:/x`) or is empty."""
    text = str(location)
    if not text.strip():
        raise BadLocation("db_location_empty")
    if is_postgres(text):
        return "postgresql"
    if _SCHEME.match(text):
        raise BadLocation("db_location_not_url", location=text)
    return "sqlite"


def _check_file(path: Path) -> None:
    """The file, or the folders it would be created in, must be ours to write."""
    if path.is_dir():
        raise BadLocation("db_location_is_folder", path=str(path))
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise BadLocation("db_location_file_not_ours", path=str(path))
        folder = path.parent
    else:
        folder = path.parent
        while not folder.exists():
            if folder.parent == folder:
                break
            folder = folder.parent
        if folder.exists() and not folder.is_dir():
            raise BadLocation("db_location_parent_is_file", path=str(path), folder=str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadLocation("db_location_folder_readonly", path=str(path), folder=str(folder))
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            raise BadLocation("db_location_folder_readonly", path=str(path), folder=str(folder))
    except OSError:
        pass


def redact(url: str) -> str:
    """The URL with its password hidden (for messages and logs)."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def _reach_postgres(url: str) -> None:
    try:
        import psycopg
    except ImportError:
        raise BadLocation("db_postgresql_no_driver") from None
    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True).close()
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or ["no answer"])[0]
        raise BadLocation("db_postgresql_unreachable", url=redact(url), why=first) from None
