"""Rows of numbers from home and check-in (issue 10): bookings by code or ticket, a remote
ticket's turn, and the remote tickets left over from past days."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .connection import Connection
from .scope import site_of


def booking_by_code(conn: Connection, code: str) -> dict[str, Any] | None:
    """A booking (appointment or remote number) by its check-in code."""
    row = conn.execute("SELECT * FROM bookings WHERE site_id=? AND code=?",
                       (site_of(conn), code)).fetchone()
    return None if row is None else dict(row)


def booking_of_ticket(conn: Connection, ticket_id: int) -> dict[str, Any] | None:
    """The booking a ticket was issued for (through bookings_ticket)."""
    row = conn.execute("SELECT * FROM bookings WHERE ticket_id=?", (ticket_id,)).fetchone()
    return None if row is None else dict(row)


def turn_at(conn: Connection, day: str, service: str, queued_at: str) -> str | None:
    """When the first ticket of the service's normal line (a remote number's line) queued after
    this place was called: its turn came then; or None (through tickets_called_place). A later
    priority ticket called first does not pass its turn."""
    row = conn.execute("SELECT MIN(called_at) FROM tickets WHERE site_id=? AND day=? AND service=? "
                       "AND queued_at > ? AND called_at IS NOT NULL AND priority IS NULL",
                       (site_of(conn), day, service, queued_at)).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def away_before(conn: Connection, day: str) -> list[dict[str, Any]]:
    """Remote tickets of earlier days never checked in (through the partial index tickets_away)."""
    return [dict(r) for r in conn.execute(
        "SELECT * FROM tickets WHERE site_id=? AND status='away' AND day < ?", (site_of(conn), day))]


def away_of(conn: Connection, day: str, service: str) -> list[dict[str, Any]]:
    """A service's remote tickets of a day not checked in (through tickets_queue)."""
    return [dict(r) for r in conn.execute(
        "SELECT * FROM tickets WHERE site_id=? AND day=? AND status='away' AND service=?",
        (site_of(conn), day, service))]


def channel_counts(conn: Connection, day: str,
                   services: Sequence[str] | None = None) -> dict[str, dict[str, int]]:
    """Per channel of a day's tickets (of these services only, when given): issued, checked in
    (waiting or further) and expired."""
    out: dict[str, dict[str, int]] = {}
    only = "" if services is None else \
        f" AND service IN ({','.join('?' * len(services))})" if services else " AND 0=1"
    for r in conn.execute(
            "SELECT CASE WHEN channel IS NOT NULL THEN channel WHEN issued_by LIKE 'device:%' "
            "THEN 'kiosk' ELSE 'assisted' END, COUNT(*), "
            "SUM(CASE WHEN status NOT IN ('away','expired') THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN status='expired' THEN 1 ELSE 0 END) FROM tickets "
            f"WHERE site_id=? AND day=?{only} GROUP BY 1", (site_of(conn), day, *(services or ()))):
        out[str(r[0])] = {"issued": int(r[1]), "checked_in": int(r[2] or 0),
                          "expired": int(r[3] or 0)}
    return out


def appointments_of_day(conn: Connection, day: str) -> list[dict[str, Any]]:
    """A day's appointments per service and slot: booked, checked in, no-shows (never phones)."""
    return [dict(r) for r in conn.execute(
        "SELECT service, start, \"end\", COUNT(*) AS booked, "
        "SUM(CASE WHEN checked_in_at IS NOT NULL THEN 1 ELSE 0 END) AS checked_in, "
        "SUM(CASE WHEN status='no_show' THEN 1 ELSE 0 END) AS no_show "
        "FROM bookings WHERE site_id=? AND day=? AND kind='appointment' "
        "AND status IN ('booked','no_show') GROUP BY service, start, \"end\" "
        "ORDER BY start, service",
        (site_of(conn), day))]


def away_counts(conn: Connection, day: str, services: list[str]) -> dict[str, int]:
    """Per service: the day's remote tickets not checked in (through tickets_queue)."""
    if not services:
        return {}
    marks = ",".join("?" * len(services))
    return {str(r[0]): int(r[1]) for r in conn.execute(
        f"SELECT service, COUNT(*) FROM tickets WHERE site_id=? AND day=? AND status='away' "
        f"AND service IN ({marks}) GROUP BY service", [site_of(conn), day, *services])}


# -- Web Push subscriptions of ticket pages ----------------------------------------------------

def save_push(conn: Connection, ticket_id: int, day: str, endpoint: str, p256dh: str,
              auth: str, ahead: int, at: str) -> None:
    """Remember (or renew) a ticket page's push subscription."""
    conn.execute("INSERT INTO push_subscriptions (site_id, ticket_id, day, endpoint, p256dh, auth, "
                 "ahead, created_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(ticket_id, endpoint) DO "
                 "UPDATE SET p256dh=excluded.p256dh, auth=excluded.auth, ahead=excluded.ahead",
                 (site_of(conn), ticket_id, day, endpoint, p256dh, auth, ahead, at))


def pushes_of_ticket(conn: Connection, ticket_id: int) -> list[dict[str, Any]]:
    """A ticket's push subscriptions."""
    return [dict(r) for r in conn.execute(
        "SELECT * FROM push_subscriptions WHERE ticket_id=?", (ticket_id,))]


def pushes_to_warn(conn: Connection, day: str, service: str) -> list[dict[str, Any]]:
    """Subscriptions not warned yet of waiting tickets of a service, with their ticket's line."""
    return [dict(r) for r in conn.execute(
        "SELECT p.*, t.number, t.service, t.priority, t.queued_at, t.day FROM push_subscriptions p "
        "JOIN tickets t ON t.id=p.ticket_id WHERE p.site_id=? AND p.warned=0 AND t.day=? "
        "AND t.service=? AND t.status='waiting'", (site_of(conn), day, service))]


def push_warned(conn: Connection, sub_id: int) -> None:
    """The "N people ahead" notice of this subscription is queued: never again."""
    conn.execute("UPDATE push_subscriptions SET warned=1 WHERE id=?", (sub_id,))


def forget_pushes_before(conn: Connection, day: str) -> int:
    """Subscriptions of tickets of earlier days go (their endpoints serve no one any more)."""
    return conn.execute("DELETE FROM push_subscriptions WHERE site_id=? AND day < ?",
                        (site_of(conn), day)).rowcount
