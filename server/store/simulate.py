"""What the simulator reads from history: served durations and arrivals by service and time of day."""
from __future__ import annotations

from .connection import Connection

from .dialect import minutes
from .scope import site_of



def served_minutes(conn: Connection, service: str, limit: int = 2000) -> list[float]:
    """Durations (minutes, start or call to finish) of the latest completed legs of a service."""
    took = minutes(conn, "COALESCE(started_at, called_at)", "finished_at")  # both engines
    return [float(r[0]) for r in conn.execute(
        f"SELECT {took} "
        "FROM legs WHERE site_id=? AND service=? AND outcome='done' AND finished_at IS NOT NULL "
        "AND COALESCE(started_at, called_at) IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
        (site_of(conn), service, limit)) if r[0] is not None and r[0] > 0]


def issued_by_service(conn: Connection) -> dict[str, int]:
    """How many tickets each service has issued over all recorded days (its first leg)."""
    return {str(r[0]): int(r[1]) for r in conn.execute(
        "SELECT origin_service, COUNT(*) FROM tickets WHERE site_id=? GROUP BY origin_service",
        (site_of(conn),))}


def issued_by_quarter(conn: Connection) -> tuple[int, dict[str, dict[int, int]]]:
    """Recorded days, and tickets issued per service and local quarter-hour of the day (0-95)."""
    site = site_of(conn)
    days = int(conn.execute("SELECT COUNT(DISTINCT day) FROM tickets WHERE site_id=?",
                            (site,)).fetchone()[0])
    bins: dict[str, dict[int, int]] = {}
    for code, quarter, n in conn.execute(
            "SELECT origin_service, (CAST(substr(issued_at, 12, 2) AS INTEGER) * 60 + "
            "CAST(substr(issued_at, 15, 2) AS INTEGER)) / 15, COUNT(*) FROM tickets "
            "WHERE site_id=? GROUP BY 1, 2", (site,)):
        bins.setdefault(str(code), {})[int(quarter)] = int(n)
    return days, bins


def recorded_day(conn: Connection, day: str) -> list[dict[str, object]]:
    """A day's tickets in issue order: issue time, first service, priority, and their first leg
    (when called, how long it took, its outcome)."""
    return [dict(r) for r in conn.execute(
        "SELECT t.issued_at, t.origin_service AS service, t.priority IS NOT NULL AS priority, "
        "l.called_at, l.outcome, l.counter, "
        f"{minutes(conn, 'COALESCE(l.started_at, l.called_at)', 'l.finished_at')} AS minutes "
        "FROM tickets t LEFT JOIN legs l ON l.ticket_id = t.id AND l.leg = 1 "
        "WHERE t.site_id = ? AND t.day = ? ORDER BY t.issued_at, t.id", (site_of(conn), day))]
