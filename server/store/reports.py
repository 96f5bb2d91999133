"""Reports: the rows a day's summary is computed from, and the daily summaries themselves."""
from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

CELL_COLUMNS = ("day", "dim", "key", "service", "unit", "zone", "priority", "channel", "issued",
                "priority_n", "served", "no_show", "transferred", "cancelled", "not_served",
                "waited", "within_target", "r1", "r2", "r3", "r4", "reasons", "wait_hist",
                "service_hist")
COUNTER_EVENTS = ("counter.opened", "counter.closed", "counter.paused", "counter.resumed")


def legs_of_day(conn: sqlite3.Connection, day: str) -> list[dict[str, Any]]:
    """Every visit (leg) of the day's tickets with what its report needs: the ticket's issue time,
    priority, issuer and requeue time, and how the leg before it ended."""
    return [dict(r) for r in conn.execute(
        "SELECT l.ticket_id, l.leg, l.service, l.counter, l.officer, l.called_at, l.started_at, "
        "l.finished_at, l.outcome, t.issued_at, t.priority, t.issued_by, t.requeued_at, "
        "p.outcome AS prev_outcome, p.finished_at AS prev_finished "
        "FROM tickets t JOIN legs l ON l.ticket_id = t.id "
        "LEFT JOIN legs p ON p.ticket_id = l.ticket_id AND p.leg = l.leg - 1 "
        "WHERE t.day = ?", (day,))]


def ratings_of_day(conn: sqlite3.Connection, day: str) -> list[dict[str, Any]]:
    """The day's ratings: ticket, leg, score and reasons (JSON text)."""
    return [dict(r) for r in conn.execute(
        "SELECT ticket_id, leg, score, reasons FROM ratings WHERE day = ?", (day,))]


def counter_events_of_day(conn: sqlite3.Connection, day: str) -> list[dict[str, Any]]:
    """The day's counter openings, closings, pauses and resumptions, in order."""
    return [dict(r) for r in conn.execute(
        f"SELECT at, type, counter FROM events WHERE day = ? AND type IN "
        f"({','.join('?' * len(COUNTER_EVENTS))}) ORDER BY id", (day, *COUNTER_EVENTS))]


def days_to_summarize(conn: sqlite3.Connection, site_id: int, before: str) -> list[str]:
    """Days before `before` that have tickets but no summary yet (day_totals has one row a day)."""
    return [r[0] for r in conn.execute(
        "SELECT day FROM day_totals WHERE day < ? AND issued > 0 AND day NOT IN "
        "(SELECT day FROM report_days WHERE site_id = ?) ORDER BY day", (before, site_id))]


def save_day(conn: sqlite3.Connection, site_id: int, day: str, cells: Sequence[dict[str, Any]],
             counters: Sequence[dict[str, Any]], at: str) -> None:
    """Replace a day's summary (cells and counters' open slots) and mark the day summarized."""
    conn.execute("DELETE FROM report_cells WHERE site_id = ? AND day = ?", (site_id, day))
    conn.execute("DELETE FROM report_counter_days WHERE site_id = ? AND day = ?", (site_id, day))
    cols = ("site_id", *CELL_COLUMNS)
    conn.executemany(
        f"INSERT INTO report_cells ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
        [(site_id, *(c[k] for k in CELL_COLUMNS)) for c in cells])
    conn.executemany(
        "INSERT INTO report_counter_days (site_id, day, counter, zone, slots) VALUES (?,?,?,?,?)",
        [(site_id, day, c["counter"], c["zone"], c["slots"]) for c in counters])
    conn.execute("INSERT INTO report_days (site_id, day, computed_at) VALUES (?,?,?) "
                 "ON CONFLICT(site_id, day) DO UPDATE SET computed_at = excluded.computed_at",
                 (site_id, day, at))


def summarized_days(conn: sqlite3.Connection, site_id: int, first: str, last: str) -> list[str]:
    """The days between first and last (inclusive) that have a summary."""
    return [r[0] for r in conn.execute(
        "SELECT day FROM report_days WHERE site_id = ? AND day BETWEEN ? AND ? ORDER BY day",
        (site_id, first, last))]


def cells(conn: sqlite3.Connection, site_id: int, dim: str, first: str, last: str,
          units: Sequence[str] | None = None, zone: str | None = None,
          priority: str | None = None, channel: str | None = None) -> list[dict[str, Any]]:
    """Summary cells of one projection over a range of days, filtered. `priority`: 'yes' (any
    category), 'no', or a category code."""
    sql = ("SELECT day, key, service, unit, zone, priority, channel, issued, priority_n, served, "
           "no_show, transferred, cancelled, not_served, waited, within_target, r1, r2, r3, r4, "
           "reasons, wait_hist, service_hist FROM report_cells "
           "WHERE site_id = ? AND dim = ? AND day BETWEEN ? AND ?")
    args: list[Any] = [site_id, dim, first, last]
    if units is not None:
        sql += f" AND unit IN ({','.join('?' * len(units))})"
        args += list(units)
    if zone is not None:
        sql += " AND zone = ?"
        args.append(zone)
    if priority == "yes":
        sql += " AND priority != ''"
    elif priority == "no":
        sql += " AND priority = ''"
    elif priority is not None:
        sql += " AND priority = ?"
        args.append(priority)
    if channel is not None:
        sql += " AND channel = ?"
        args.append(channel)
    return [dict(r) for r in conn.execute(sql, args)]


def counter_days(conn: sqlite3.Connection, site_id: int, first: str,
                 last: str) -> list[dict[str, Any]]:
    """Each counter's open 15-minute slots, day by day, over a range of days."""
    return [dict(r) for r in conn.execute(
        "SELECT day, counter, zone, slots FROM report_counter_days "
        "WHERE site_id = ? AND day BETWEEN ? AND ?", (site_id, first, last))]
