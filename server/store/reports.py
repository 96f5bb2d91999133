"""Reports: the rows a day's summary is computed from, and the daily summaries themselves."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .dialect import json_pairs
from .scope import site_of
from .connection import Connection

CELL_COLUMNS = ("day", "dim", "key", "service", "unit", "zone", "priority", "channel", "visits",
                "issued",
                "priority_n", "served", "no_show", "transferred", "cancelled", "not_served",
                "waited", "within_target", "r1", "r2", "r3", "r4", "reasons", "wait_hist",
                "service_hist")
COUNTER_EVENTS = ("counter.opened", "counter.closed", "counter.paused", "counter.resumed")


def legs_of_day(conn: Connection, day: str) -> list[dict[str, Any]]:
    """Every visit (leg) of the day's tickets with what its report needs: the ticket's issue time,
    priority, issuer and requeue time, and how the leg before it ended."""
    return [dict(r) for r in conn.execute(
        "SELECT l.ticket_id, l.leg, l.service, l.counter, l.officer, l.called_at, l.started_at, "
        "l.finished_at, l.outcome, t.issued_at, t.priority, t.issued_by, t.requeued_at, t.channel, "
        "p.outcome AS prev_outcome, p.finished_at AS prev_finished "
        "FROM tickets t JOIN legs l ON l.ticket_id = t.id "
        "LEFT JOIN legs p ON p.ticket_id = l.ticket_id AND p.leg = l.leg - 1 "
        "WHERE t.site_id = ? AND t.day = ?", (site_of(conn), day))]


def ratings_of_day(conn: Connection, day: str) -> list[dict[str, Any]]:
    """The day's ratings: ticket, leg, score and reasons (JSON text)."""
    return [dict(r) for r in conn.execute(
        "SELECT ticket_id, leg, score, reasons FROM ratings WHERE site_id = ? AND day = ?",
        (site_of(conn), day))]


def counter_events_of_day(conn: Connection, day: str) -> list[dict[str, Any]]:
    """The day's counter openings, closings, pauses and resumptions, in order."""
    return [dict(r) for r in conn.execute(
        f"SELECT at, type, counter FROM events WHERE site_id = ? AND day = ? AND type IN "
        f"({','.join('?' * len(COUNTER_EVENTS))}) ORDER BY id",
        (site_of(conn), day, *COUNTER_EVENTS))]


def days_to_summarize(conn: Connection, site_id: int, before: str) -> list[str]:
    """Days before `before` that have tickets but no summary yet (day_totals has one row a day),
    or whose summary is out of date (a change marked the day dirty)."""
    return [r[0] for r in conn.execute(
        "SELECT day FROM day_totals WHERE site_id = ? AND day < ? AND issued > 0 AND day NOT IN "
        "(SELECT day FROM report_days WHERE site_id = ?) UNION "
        "SELECT day FROM report_dirty_days WHERE site_id = ? AND day < ? ORDER BY day",
        (site_id, before, site_id, site_id, before))]


def dirty_days(conn: Connection, site_id: int) -> dict[str, int]:
    """Summarized days changed since (day → how many changes marked it)."""
    return {r[0]: int(r[1]) for r in conn.execute(
        "SELECT day, mark FROM report_dirty_days WHERE site_id = ?", (site_id,))}


def save_day(conn: Connection, site_id: int, day: str, cells: Sequence[dict[str, Any]],
             counters: Sequence[dict[str, Any]], at: str, mark: int | None = None) -> None:
    """Replace a day's summary (cells and counters' open slots) and mark the day summarized; a
    dirty mark read with the rows it was computed from is cleared (a newer one stays)."""
    if mark is not None:
        conn.execute("DELETE FROM report_dirty_days WHERE site_id = ? AND day = ? AND mark = ?",
                     (site_id, day, mark))
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
    # Its month's roll-up no longer holds this day as written: rolled up again (not by comparing
    # times, which a clock set back or two writes in one second would fool).
    conn.execute("DELETE FROM report_months WHERE site_id = ? AND month = ?", (site_id, day[:7]))


def summarized_days(conn: Connection, site_id: int, first: str, last: str) -> list[str]:
    """The days between first and last (inclusive) that have a summary."""
    return [r[0] for r in conn.execute(
        "SELECT day FROM report_days WHERE site_id = ? AND day BETWEEN ? AND ? ORDER BY day",
        (site_id, first, last))]


COUNT_SUMS = ("visits", "issued", "priority_n", "served", "no_show", "transferred", "cancelled",
              "not_served", "waited", "within_target", "r1", "r2", "r3", "r4")
TABLES = {"day": ("report_cells", "day"), "month": ("report_month_cells", "month")}
GROUP_COLUMNS = ("unit", "key", "day")


def _where(site_id: int, dim: str, col: str, first: str, last: str,
           units: Sequence[str] | None, zone: str | None, priority: str | None,
           channel: str | None) -> tuple[str, list[Any]]:
    sql = f"site_id = ? AND dim = ? AND {col} BETWEEN ? AND ?"
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
    return sql, args


def aggregate(conn: Connection, site_id: int, level: str, dim: str, group: str,
              first: str, last: str, units: Sequence[str] | None = None,
              zone: str | None = None, priority: str | None = None, channel: str | None = None,
              hists: bool = True) -> tuple[list[dict[str, Any]], list[tuple[str, str, str, int]]]:
    """Summaries of one projection added up by `group` (a column: unit, key or day) over days
    (`level` 'day', first..last 'YYYY-MM-DD') or months ('month', 'YYYY-MM'), filtered
    (`priority`: 'yes' = any category, 'no', or a category code). Returns the summed counts per
    group, and (if `hists`) the merged histograms and reasons as (group, what, minute or reason
    code, count) with what ∈ wait, service, reason — all added up by SQLite, not in Python."""
    if group not in GROUP_COLUMNS or level not in TABLES or (level == "month" and group == "day"):
        raise ValueError(f"cannot group {level} summaries by {group}")
    table, col = TABLES[level]
    where, args = _where(site_id, dim, col, first, last, units, zone, priority, channel)
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNT_SUMS)
    counts = [dict(r) for r in conn.execute(
        f"SELECT {group} AS gk, {sums} FROM {table} WHERE {where} GROUP BY gk", args)]
    parts: list[tuple[str, str, str, int]] = []
    if hists:
        for what, column in (("wait", "wait_hist"), ("service", "service_hist"),
                             ("reason", "reasons")):
            parts += [(str(r[0]), what, str(r[1]), int(r[2])) for r in conn.execute(
                f"SELECT c.{group}, j.key, SUM(j.value) FROM {table} c, {json_pairs(conn, 'c.' + column, 'j')} "
                f"WHERE {where} GROUP BY c.{group}, j.key", args)]
    return counts, parts


def aggregate_groups(conn: Connection, site_id: int, dim: str, group: str, first: str,
                     last: str, hists: bool = True
                     ) -> tuple[list[dict[str, Any]], list[tuple[str, str, str, int]]]:
    """As `aggregate` over whole months first..last ('YYYY-MM') without filters, from the
    roll-ups already added up by group (`group`: unit or key)."""
    where = "site_id = ? AND dim = ? AND col = ? AND month BETWEEN ? AND ?"
    args = [site_id, dim, group, first, last]
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNT_SUMS)
    counts = [dict(r) for r in conn.execute(
        f"SELECT gk, {sums} FROM report_month_groups WHERE {where} GROUP BY gk", args)]
    parts: list[tuple[str, str, str, int]] = []
    if hists:
        for what, column in (("wait", "wait_hist"), ("service", "service_hist"),
                             ("reason", "reasons")):
            parts += [(str(r[0]), what, str(r[1]), int(r[2])) for r in conn.execute(
                f"SELECT c.gk, j.key, SUM(j.value) FROM report_month_groups c, "
                f"{json_pairs(conn, 'c.' + column, 'j')} WHERE {where} GROUP BY c.gk, j.key",
                args)]
    return counts, parts


CELL_KEY = ("dim", "key", "service", "priority", "channel")


def cells_added_up(conn: Connection, site_id: int, dim: str, first: str, last: str
                   ) -> tuple[list[dict[str, Any]], list[tuple[tuple[str, ...], str, str, int]]]:
    """The daily cells of one projection over first..last added up cell by cell (to roll a month
    up), by SQLite: the summed counts per cell (with its unit and zone), and the merged histograms
    and reasons as (cell key, what, minute or reason code, count)."""
    key = ", ".join(CELL_KEY)
    where = "site_id = ? AND dim = ? AND day BETWEEN ? AND ?"
    args = [site_id, dim, first, last]
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNT_SUMS)
    counts = [dict(r) for r in conn.execute(
        f"SELECT {key}, MAX(unit) AS unit, MAX(zone) AS zone, {sums} FROM report_cells "
        f"WHERE {where} GROUP BY {key}", args)]
    parts: list[tuple[tuple[str, ...], str, str, int]] = []
    for what, column in (("wait", "wait_hist"), ("service", "service_hist"), ("reason", "reasons")):
        parts += [(tuple(r[:5]), what, str(r[5]), int(r[6])) for r in conn.execute(
            f"SELECT {', '.join('c.' + k for k in CELL_KEY)}, j.key, SUM(j.value) "
            f"FROM report_cells c, {json_pairs(conn, 'c.' + column, 'j')} WHERE {where} "
            f"GROUP BY {', '.join('c.' + k for k in CELL_KEY)}, j.key", args)]
    return counts, parts


def months_to_roll_up(conn: Connection, site_id: int, before: str) -> list[str]:
    """Months of the summarized days before `before` whose roll-up is missing or older than one
    of its days."""
    return [r[0] for r in conn.execute(
        "SELECT d.m FROM (SELECT substr(day, 1, 7) AS m, MAX(computed_at) AS at FROM report_days "
        "WHERE site_id = ? AND day < ? GROUP BY m) d LEFT JOIN report_months r "
        "ON r.site_id = ? AND r.month = d.m WHERE r.computed_at IS NULL OR r.computed_at < d.at "
        "ORDER BY d.m", (site_id, before, site_id))]


def rolled_up_months(conn: Connection, site_id: int, first: str, last: str) -> set[str]:
    """Months between first and last ('YYYY-MM') whose roll-up is up to date (none of its days
    changed since)."""
    return {r[0] for r in conn.execute(
        "SELECT r.month FROM report_months r WHERE r.site_id = ? AND r.month BETWEEN ? AND ? "
        "AND r.computed_at >= (SELECT MAX(computed_at) FROM report_days d WHERE d.site_id = ? "
        "AND substr(d.day, 1, 7) = r.month) AND NOT EXISTS (SELECT 1 FROM report_dirty_days x "
        "WHERE x.site_id = ? AND substr(x.day, 1, 7) = r.month)",
        (site_id, first, last, site_id, site_id))}


GROUP_FIGURES = CELL_COLUMNS[CELL_COLUMNS.index("visits"):]


def save_month(conn: Connection, site_id: int, month: str, cells: Sequence[dict[str, Any]],
               at: str, groups: Sequence[dict[str, Any]] = ()) -> None:
    """Replace a month's roll-up: its cells, and the same added up by group (dim, col, gk)."""
    conn.execute("DELETE FROM report_month_cells WHERE site_id = ? AND month = ?", (site_id, month))
    conn.execute("DELETE FROM report_month_groups WHERE site_id = ? AND month = ?", (site_id, month))
    cols = ("site_id", "month", *CELL_COLUMNS[1:])
    conn.executemany(
        f"INSERT INTO report_month_cells ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
        [(site_id, month, *(c[k] for k in CELL_COLUMNS[1:])) for c in cells])
    gcols: tuple[str, ...] = ("site_id", "month", "dim", "col", "gk", *GROUP_FIGURES)
    conn.executemany(
        f"INSERT INTO report_month_groups ({','.join(gcols)}) VALUES "
        f"({','.join('?' * len(gcols))})",
        [(site_id, month, *(g[k] for k in gcols[2:])) for g in groups])
    conn.execute("INSERT INTO report_months (site_id, month, computed_at) VALUES (?,?,?) "
                 "ON CONFLICT(site_id, month) DO UPDATE SET computed_at = excluded.computed_at",
                 (site_id, month, at))


def open_counters_by_slot(conn: Connection, site_id: int, first: str, last: str,
                          counters: Sequence[int] | None = None) -> list[int]:
    """For each 15-minute slot of the day, how many counter-days had the counter open in it, over
    a range of days (optionally only these counters)."""
    # Counters keep the same hours day after day: the distinct patterns are few, each counted once.
    sql = "SELECT slots, COUNT(*) FROM report_counter_days WHERE site_id = ? AND day BETWEEN ? AND ?"
    args: list[Any] = [site_id, first, last]
    if counters is not None:
        sql += f" AND counter IN ({','.join('?' * len(counters))})"
        args += list(counters)
    out = [0] * 96
    for slots, n in conn.execute(sql + " GROUP BY slots", args):
        for i, mark in enumerate(slots[:96]):
            if mark == "1":
                out[i] += n
    return out
