"""What the site administration reads besides the configuration rows: today's use of each service
and counter (so a change never strands a waiting ticket), and the site's version."""
from __future__ import annotations


from .scope import site_of
from .site import get_setting, set_setting
from .connection import Connection

OPEN = ("waiting", "called", "serving", "parked")


def open_tickets_by_service(conn: Connection, day: str) -> dict[str, int]:
    """Tickets of the day not yet finished, by the service they wait for."""
    return {r[0]: int(r[1]) for r in conn.execute(
        "SELECT service, COUNT(*) FROM tickets WHERE site_id=? AND day=? AND status IN (?,?,?,?) "
        "GROUP BY service", (site_of(conn), day, *OPEN))}


def issued_by_service(conn: Connection, day: str) -> dict[str, int]:
    """How many numbers each service has given out this day."""
    return {r[0]: int(r[1]) for r in conn.execute(
        "SELECT service, last_seq FROM sequences WHERE site_id=? AND day=?", (site_of(conn), day))}


def counter_state(conn: Connection, number: int) -> str:
    """A counter's state (open, paused, closed)."""
    row = conn.execute("SELECT state FROM counter_state WHERE site_id=? AND number=?",
                       (site_of(conn), number)).fetchone()
    return "closed" if row is None else str(row[0])


def site_version(conn: Connection) -> int:
    """The version of the site configuration: every committed change adds one."""
    return int(get_setting(conn, "site_version", 0) or 0)


def bump_site_version(conn: Connection) -> int:
    """Count one more configuration change (inside the change's transaction); the new version."""
    version = site_version(conn) + 1
    set_setting(conn, "site_version", version)
    return version
