"""`xephang init --reload`: load a site file over a live database. Rows the file no longer has
are retired, as the admin pages do (history keeps their names); a file that would strand today's
open tickets is refused whole, with nothing changed."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ..site import read_site_file
from ..store import Database
from ..store import audit as audit_rows
from ..store import queue as q
from ..store import site as site_rows
from ..store import site_admin
from .audit import origin
from .auth import CLI
from .context import now_local, service_day, stamp
from .errors import UseCaseError


def stranded(site: dict[str, Any], old: dict[str, Any], opened: dict[str, int],
             counter_states: dict[int, str]) -> UseCaseError | None:
    """Why loading `site` would strand today's open tickets (None: it would not): a service with
    tickets waiting or being served that the file drops, retires, moves to another zone or leaves
    with no counter calling it; a counter open or paused that the file drops or retires."""
    services = {s["code"]: s for s in site["services"] if not s.get("retired")}
    counters = [c for c in site["counters"] if not c.get("retired")]
    old_zone = {s["code"]: s["zone"] for s in old["services"]}
    for code, n in sorted(opened.items()):
        if code not in services:
            return UseCaseError("reload_drops_open_service", 409, service=code, n=n)
        if services[code]["zone"] != old_zone.get(code, services[code]["zone"]):
            return UseCaseError("reload_moves_open_service", 409, service=code, n=n,
                                zone=services[code]["zone"])
        if not any(code in c["services"] for c in counters):
            return UseCaseError("reload_no_counter", 409, service=code, n=n)
    kept = {c["number"] for c in counters}
    for number, state in sorted(counter_states.items()):
        if state != "closed" and number not in kept and any(
                c["number"] == number for c in old["counters"]):
            return UseCaseError("reload_drops_open_counter", 409, counter=number)
    return None


def reload_site(db: Database, site_path: str | Path, now: datetime | None = None) -> dict[str, list[Any]]:
    """Load the site file over the live configuration in one transaction (running servers pick
    up the new version); the keys retired per table. Raises UseCaseError (nothing changed)."""
    site = read_site_file(site_path)
    now = now or now_local()
    with db.write() as conn:
        old = site_rows.load_site_rows(conn)
        opened = site_admin.open_tickets_by_service(conn, service_day(now))
        states = {n: str(r["state"]) for n, r in q.counter_states(conn).items()}
        refused = stranded(site, old, opened, states)
        if refused is not None:
            raise refused
        retired = site_rows.reload_site_rows(conn, site)
        version = site_admin.bump_site_version(conn)
        audit_rows.append(conn, stamp(now), CLI.key, CLI.name, origin.get() or "cli",
                          "site.reload", f"file:{Path(site_path).name}", None,
                          {"site_version": version, "retired": retired} if retired
                          else {"site_version": version})
    return retired
