"""First-run setup: schema, the site, the secret key, and the demo accounts and devices."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from .services.auth import hash_password
from .services.context import now_local, stamp
from .site import DEMO_SITE, read_site_file
from .store import Database, accounts
from .store import site as site_rows


@dataclass
class DemoSetup:
    """What a first run created, to print on the console."""

    password: str
    users: list[tuple[str, str, list[int]]] = field(default_factory=list)  # name, role, counters
    devices: list[tuple[str, str, str | None, int | None, str]] = field(default_factory=list)


SECRET_KEY_ENV = "XEPHANG_SECRET_KEY"


def secret_key_path(db: Database) -> Path:
    """Where the session-signing key is kept: a 0600 file beside the database, never in it
    (PostgreSQL: in the process's private folder; processes on several machines must share
    XEPHANG_SECRET_KEY instead)."""
    if db.kind != "sqlite":
        return db.folder / "xephang.secret_key"
    return db.path.with_name(db.path.stem + ".secret_key")


def _read_or_create_key(path: Path, key: str) -> str:
    """The key in `path`, else write `key` there (0600, atomically: racing processes agree)."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # fails if another process made the file first: theirs wins
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


def secret_key(db: Database) -> str:
    """The session-signing key: $XEPHANG_SECRET_KEY, else the key file beside the database.

    A copy of the database alone must not let anyone forge a session cookie, so a key an older
    version kept in the database is moved out into the file and deleted from the database.
    """
    with db.write() as conn:
        old = site_rows.get_setting(conn, "secret_key")
        from_env = os.environ.get(SECRET_KEY_ENV, "").strip()
        key = from_env or _read_or_create_key(secret_key_path(db), old or secrets.token_urlsafe(48))
        if old:
            site_rows.delete_setting(conn, "secret_key")
    if old:
        db.checkpoint()  # the old page in the write-ahead log still held the key
    return key


def initialize(db: Database, site_path: str | Path | None = None, demo: bool = True,
               demo_password: str | None = None) -> DemoSetup | None:
    """Create the schema and load the site if the database is empty; returns the demo setup made."""
    db.migrate()
    with db.read() as conn:
        if site_rows.has_site(conn):
            return None  # the file is only read for a new database
    site = read_site_file(site_path or DEMO_SITE)
    with db.write() as conn:
        if site_rows.has_site(conn):  # another process loaded it meanwhile
            return None
        site_rows.save_site(conn, site)
        if not demo:
            return DemoSetup(password="")
        made = DemoSetup(password=demo_password or secrets.token_urlsafe(9))
        pw_hash = hash_password(made.password)  # one hash for all demo users: first run stays fast
        now = stamp(now_local())
        people: list[tuple[str, str, str, list[int]]] = [("quantri", "Quản trị viên", "admin", []), ("giamsat", "Giám sát viên", "supervisor", [])]
        for c in site["counters"]:
            n = c["number"]
            people.append((f"canbo{n}", f"Cán bộ quầy {n}", "officer", [n, 18] if n == 17 else [n]))
        for username, display, role, counters in people:
            accounts.add_user(conn, username, display, pw_hash, role, counters, now)
            made.users.append((username, role, counters))
        devices: list[tuple[str, str, str | None, int | None, str | None]] = [
            ("board-lobby", "display", None, None, None)]
        for z in site["zones"]:
            devices.append((f"kiosk-{z['code']}", "kiosk", z["code"], None, "virtual"))
            devices.append((f"board-{z['code']}", "display", z["code"], None, None))
        for c in site["counters"]:
            devices.append((f"counter-{c['number']}", "counter", c["zone"], c["number"], None))
        for name, kind, zone, counter, printer in devices:
            token = secrets.token_urlsafe(24)
            accounts.add_device(conn, name, kind, zone, counter, printer, "80mm", token, now)
            made.devices.append((name, kind, zone, counter, token))
        return made


def reload_site(db: Database, site_path: str | Path) -> dict[str, list[object]]:
    """Load the site file over the live configuration, retiring what it no longer has (see
    services/site_reload.py; refused with a UseCaseError when it would strand today's tickets)."""
    from .services.site_reload import reload_site as load_over
    return load_over(db, site_path)
