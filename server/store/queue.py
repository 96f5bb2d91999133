"""Tickets, legs, counters' state, ratings and printers: the rows of the live queue."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from .db import dumps, loads, remembered
from .dialect import json_field, minutes
from .scope import site_of
from .connection import Connection


def _in(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def next_seq(conn: Connection, service: str, day: str) -> int:
    """Take the next sequence number of a service's day (atomic inside the write transaction)."""
    row = conn.execute(
        "INSERT INTO sequences (site_id, service, day, last_seq) VALUES (?, ?, ?, 1) "
        "ON CONFLICT(site_id, service, day) DO UPDATE SET last_seq = sequences.last_seq + 1 "
        "RETURNING last_seq", (site_of(conn), service, day)).fetchone()
    return int(row[0])


def issued_count(conn: Connection, service: str, day: str) -> int:
    """How many tickets a service has issued this day."""
    row = conn.execute("SELECT last_seq FROM sequences WHERE site_id=? AND service=? AND day=?",
                       (site_of(conn), service, day)).fetchone()
    return 0 if row is None else int(row[0])


def insert_ticket(conn: Connection, ticket: dict[str, Any]) -> int:
    """Insert a new ticket row and return its id."""
    ticket = {**ticket, "site_id": site_of(conn)}
    cols = list(ticket)
    cur = conn.execute(f"INSERT INTO tickets ({','.join(cols)}) VALUES ({_in(cols)}) RETURNING id",
                       [ticket[c] for c in cols])
    return int(cur.fetchone()[0])


def get_ticket(conn: Connection, ticket_id: int) -> dict[str, Any] | None:
    """One ticket by id."""
    row = conn.execute("SELECT * FROM tickets WHERE id=? AND site_id=?", (ticket_id, site_of(conn))).fetchone()
    return None if row is None else dict(row)


def ticket_by_token(conn: Connection, token: str) -> dict[str, Any] | None:
    """One ticket by its public token."""
    row = conn.execute("SELECT * FROM tickets WHERE token=? AND site_id=?", (token, site_of(conn))).fetchone()
    return None if row is None else dict(row)


def tickets_by_number(conn: Connection, day: str, number: str,
                      services: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The day's tickets printed with this number (optionally only in these services)."""
    sql = "SELECT * FROM tickets WHERE site_id=? AND day=? AND number=?"
    args: list[Any] = [site_of(conn), day, number]
    if services is not None:
        sql += f" AND service IN ({_in(services)})"
        args += list(services)
    return [dict(r) for r in conn.execute(sql + " ORDER BY id", args)]


def waiting(conn: Connection, day: str, services: Sequence[str],
            priority_services: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The head (oldest) waiting ticket of each service and class (walk-in, priority citizen,
    checked-in appointment) in `services`, plus the priority citizens' heads of
    `priority_services` (a priority counter's zone: its appointments are not priority citizens).

    Call-next only ever picks a head: within a service and class the order is by issue time.
    """
    sql = ("SELECT id, service, priority, queued_at, number FROM (SELECT id, service, priority, "
           "queued_at, number, ROW_NUMBER() OVER (PARTITION BY service, CASE WHEN priority IS NULL "
           "THEN 0 WHEN priority = 'appointment' THEN 2 ELSE 1 END "
           "ORDER BY queued_at, id) AS n FROM tickets "
           "WHERE site_id=? AND day=? AND status='waiting' AND service IN ({}) {}) heads WHERE n = 1")
    rows = [dict(r) for r in conn.execute(sql.format(_in(services), ""),
                                          [site_of(conn), day, *services])] \
        if services else []
    extra = [s for s in priority_services if s not in set(services)]
    if extra:
        rows += [dict(r) for r in conn.execute(
            sql.format(_in(extra), "AND priority IS NOT NULL AND priority <> 'appointment'"),
            [site_of(conn), day, *extra])]
    return rows


def next_waiting(conn: Connection, day: str, services: Sequence[str],
                 limit: int) -> list[dict[str, Any]]:
    """The next waiting tickets of these services by issue time."""
    if not services:
        return []
    return [dict(r) for r in conn.execute(
        f"SELECT * FROM tickets WHERE site_id=? AND day=? AND status='waiting' AND service IN "
        f"({_in(services)}) ORDER BY priority IS NULL, queued_at, id LIMIT ?",
        [site_of(conn), day, *services, limit])]


def update_ticket(conn: Connection, ticket_id: int, expect_status: str,
                  **fields: Any) -> bool:
    """Change a ticket only if it is still in `expect_status` (compare-and-set)."""
    sets = ",".join(f"{k}=?" for k in fields)
    cur = conn.execute(f"UPDATE tickets SET {sets} WHERE id=? AND status=? AND site_id=?",
                       [*fields.values(), ticket_id, expect_status, site_of(conn)])
    return cur.rowcount == 1


def at_counter(conn: Connection, counter: int, statuses: Iterable[str]) -> list[dict[str, Any]]:
    """Tickets held at a counter in these statuses, oldest call first."""
    st = list(statuses)
    return [dict(r) for r in conn.execute(
        f"SELECT * FROM tickets WHERE site_id=? AND counter=? AND status IN ({_in(st)}) "
        "ORDER BY called_at, id", [site_of(conn), counter, *st])]


def open_leg(conn: Connection, ticket_id: int, leg: int, service: str) -> None:
    """Start recording a leg (one visit to one service)."""
    conn.execute("INSERT INTO legs (ticket_id, leg, service, site_id) VALUES (?,?,?,?) "
                 "ON CONFLICT DO NOTHING", (ticket_id, leg, service, site_of(conn)))


def update_leg(conn: Connection, ticket_id: int, leg: int, **fields: Any) -> None:
    """Record times and outcome of a leg."""
    sets = ",".join(f"{k}=?" for k in fields)
    conn.execute(f"UPDATE legs SET {sets} WHERE ticket_id=? AND leg=?",
                 [*fields.values(), ticket_id, leg])


def recent_service_minutes(conn: Connection, service: str, limit: int = 30) -> list[float]:
    """Durations (minutes) of the latest completed services of a service (read once per
    transaction state: a ticket's and its service's estimate both need them)."""
    return list(remembered(conn, ("recent_service_minutes", service, limit), lambda: [
        float(r[0]) for r in conn.execute(
            f"SELECT {minutes(conn, 'COALESCE(started_at, called_at)', 'finished_at')} "
            "FROM legs WHERE site_id=? AND service=? AND outcome='done' AND finished_at IS NOT NULL "
            "ORDER BY finished_at DESC LIMIT ?", (site_of(conn), service, limit))]))


def queue_counts(conn: Connection, day: str,
                 services: Sequence[str] | None = None) -> dict[str, tuple[int, str | None]]:
    """Per service (all, or these): waiting count and the oldest waiting ticket's queue time."""
    if services is None:
        return {r[0]: (int(r[1]), r[2]) for r in conn.execute(
            "SELECT service, COUNT(*), MIN(queued_at) FROM tickets WHERE site_id=? AND day=? "
            "AND status='waiting' GROUP BY service", (site_of(conn), day))}
    out: dict[str, tuple[int, str | None]] = {}
    for code in services:
        row = conn.execute("SELECT COUNT(*), MIN(queued_at) FROM tickets WHERE site_id=? AND day=? "
                           "AND status='waiting' AND service=?", (site_of(conn), day, code)).fetchone()
        out[code] = (int(row[0]), row[1])
    return out


def open_counter_count(conn: Connection, numbers: Sequence[int]) -> int:
    """How many of these counters are open."""
    work = counter_work(conn)
    return sum(1 for n in set(numbers) if n in work and work[n][0] == "open")


def counter_states(conn: Connection) -> dict[int, dict[str, Any]]:
    """Every counter's working state."""
    return {int(r["number"]): dict(r) for r in conn.execute("SELECT * FROM counter_state WHERE site_id=?",
                                                                   (site_of(conn),))}


def counter_work(conn: Connection) -> dict[int, tuple[str, int]]:
    """Every counter's (state, run of priority calls), read once per transaction state: the
    estimates of one change all need it (shared: read-only)."""
    return remembered(conn, "counter_work", lambda: {
        int(r[0]): (str(r[1]), int(r[2] or 0))
        for r in conn.execute("SELECT number, state, priority_streak FROM counter_state WHERE site_id=?",
                              (site_of(conn),))})


def counter_state(conn: Connection, number: int) -> dict[str, Any]:
    """One counter's working state."""
    row = conn.execute("SELECT * FROM counter_state WHERE site_id=? AND number=?",
                       (site_of(conn), number)).fetchone()
    return dict(row) if row else {"number": number, "state": "closed", "officer": None,
                                  "since": None, "priority_streak": 0}


def set_counter_state(conn: Connection, number: int, **fields: Any) -> None:
    """Change a counter's working state."""
    sets = ",".join(f"{k}=?" for k in fields)
    conn.execute(f"UPDATE counter_state SET {sets} WHERE site_id=? AND number=?",
                 [*fields.values(), site_of(conn), number])


def recent_calls(conn: Connection, day: str, limit: int = 20) -> list[dict[str, Any]]:
    """The latest call and recall events of the day, newest first."""
    return [dict(r) for r in conn.execute(
        "SELECT id, at, type, ticket_id, counter, service, data FROM events WHERE site_id=? AND day=? "
        "AND type IN ('ticket.called','ticket.recalled','ticket.unparked') ORDER BY id DESC LIMIT ?",
        (site_of(conn), day, limit))]


def open_tickets_before(conn: Connection, day: str) -> list[dict[str, Any]]:
    """Tickets of earlier days that are still open (through the partial index tickets_open, so
    past days whose tickets are all closed are never read)."""
    return [dict(r) for r in conn.execute(
        f"SELECT * FROM tickets WHERE site_id=? AND day < ? AND {OPEN_TICKET}", (site_of(conn), day))]


# The condition of the partial index tickets_open, word for word (SQLite matches it as written).
OPEN_TICKET = "status IN ('waiting','called','serving','parked')"


def pending_prints_of(conn: Connection, device_id: int, day: str) -> list[dict[str, Any]]:
    """A kiosk's tickets of the day not printed yet."""
    return [dict(r) for r in conn.execute(
        "SELECT * FROM tickets WHERE site_id=? AND device_id=? AND day=? "
        "AND print_status='pending' ORDER BY id", (site_of(conn), device_id, day))]


def add_rating(conn: Connection, ticket_id: int, leg: int, day: str, counter: int,
               score: int, reasons: list[str], at: str) -> bool:
    """Store a rating; False if this leg was already rated."""
    cur = conn.execute("INSERT INTO ratings (ticket_id, leg, day, counter, score, reasons, at, site_id)"
                       " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                       (ticket_id, leg, day, counter, score, dumps(reasons), at, site_of(conn)))
    return cur.rowcount == 1


def latest_ratings(conn: Connection, day: str, limit: int = 12) -> list[dict[str, Any]]:
    """The day's latest ratings, newest first, with the ticket's number (floor view)."""
    return [{"ticket_id": r["ticket_id"], "number": r["number"], "leg": r["leg"],
             "counter": r["counter"], "score": r["score"], "reasons": loads(r["reasons"]),
             "at": r["at"]}
            for r in conn.execute(
                "SELECT r.*, t.number FROM ratings r JOIN tickets t ON t.id=r.ticket_id "
                "WHERE r.site_id=? AND r.day=? ORDER BY r.at DESC, r.id DESC LIMIT ?",
                (site_of(conn), day, limit))]


def transfer_notes(conn: Connection, ticket_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """For tickets that came by transfer: the note, counter and service of the leg before."""
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        return {}
    return {r["ticket_id"]: {"note": r["note"], "from_counter": r["counter"],
                             "from_service": r["service"]}
            for r in conn.execute(
                "SELECT l.ticket_id, l.note, l.counter, l.service FROM legs l "
                "JOIN tickets t ON t.id=l.ticket_id AND l.leg=t.leg-1 "
                f"WHERE l.outcome='transferred' AND l.ticket_id IN ({_in(ids)})", ids)}


def day_stats(conn: Connection, day: str) -> dict[str, Any]:
    """A day's totals: issued, waiting, served, no-shows, average wait, service time and rating.

    Read from day_totals, which triggers keep up to date in every change's own transaction
    (one row instead of the whole day: see m030 in schema.py).
    """
    r = conn.execute("SELECT * FROM day_totals WHERE site_id=? AND day=?",
                     (site_of(conn), day)).fetchone()
    t = dict(r) if r else {}
    return _stats(t.get("issued", 0), t.get("waiting", 0), t.get("served", 0),
                  t.get("no_show", 0), _avg(t, "wait"), _avg(t, "service"),
                  t.get("ratings_n", 0), t["rating_sum"] / t["ratings_n"] if t.get("ratings_n") else None)


def _avg(totals: dict[str, Any], name: str) -> float | None:
    n = totals.get(f"{name}_n", 0)
    return totals[f"{name}_sum"] / n if n else None


def _stats(issued: int, waiting: int, served: int, no_show: int, wait: float | None,
           service: float | None, ratings: int, rating: float | None) -> dict[str, Any]:
    return {"issued": int(issued or 0), "waiting": int(waiting or 0), "served": int(served or 0),
            "no_show": int(no_show or 0),
            "avg_wait_min": round(wait, 1) if wait is not None else None,
            "avg_service_min": round(service, 1) if service is not None else None,
            "ratings_count": int(ratings or 0),
            "avg_rating": round(rating, 2) if rating is not None else None}


def day_stats_counted(conn: Connection, day: str) -> dict[str, Any]:
    """A day's totals counted from the rows themselves (checks day_totals; never on a timer)."""
    t = conn.execute(
        "SELECT COUNT(*), COUNT(CASE WHEN status='waiting' THEN 1 END), "
        "COUNT(CASE WHEN status='done' THEN 1 END), COUNT(CASE WHEN status='no_show' THEN 1 END) "
        "FROM tickets WHERE site_id=? AND day=?", (site_of(conn), day)).fetchone()
    w = conn.execute(
        f"SELECT AVG({minutes(conn, 'issued_at', 'called_at')}) FROM tickets "
        "WHERE site_id=? AND day=? AND called_at IS NOT NULL", (site_of(conn), day)).fetchone()
    s = conn.execute(
        f"SELECT AVG({minutes(conn, 'COALESCE(l.started_at, l.called_at)', 'l.finished_at')})"
        " FROM legs l JOIN tickets t ON t.id=l.ticket_id WHERE t.site_id=? AND t.day=? "
        "AND l.outcome='done'", (site_of(conn), day)).fetchone()
    r = conn.execute("SELECT COUNT(*), AVG(score) FROM ratings WHERE site_id=? AND day=?",
                     (site_of(conn), day)).fetchone()
    return _stats(t[0], t[1], t[2], t[3], w[0], s[0], r[0], r[1])


def set_printer(conn: Connection, device_id: int, url: str, status: str, detail: str,
                at: str) -> bool:
    """Record a printer's status; True if it changed."""
    old = conn.execute("SELECT status, detail FROM printers WHERE device_id=?", (device_id,)).fetchone()
    if old is not None and old["status"] == status and old["detail"] == detail:
        return False
    conn.execute("INSERT INTO printers (device_id, url, status, detail, at) VALUES (?,?,?,?,?) "
                 "ON CONFLICT(device_id) DO UPDATE SET "
                 "url=excluded.url, status=excluded.status, detail=excluded.detail, at=excluded.at",
                 (device_id, url, status, detail, at))
    return True


def printers(conn: Connection) -> list[dict[str, Any]]:
    """Every kiosk with a printer, with the printer's last known status (unknown before any)."""
    return [dict(r) for r in conn.execute(
        "SELECT d.id AS device_id, COALESCE(p.url, d.printer) AS url, "
        "COALESCE(p.status, 'unknown') AS status, COALESCE(p.detail, '') AS detail, p.at, "
        "d.name AS device_name, d.zone FROM devices d LEFT JOIN printers p ON p.device_id=d.id "
        "WHERE d.site_id=? AND d.kind='kiosk' AND d.active=1 AND d.printer IS NOT NULL "
        "ORDER BY d.name", (site_of(conn),))]


def append_event(conn: Connection, at: str, day: str, type_: str, actor: str,
                 ticket_id: int | None, counter: int | None, service: str | None,
                 data: dict[str, Any]) -> int:
    """Append to the event log; returns the event's seq."""
    cur = conn.execute("INSERT INTO events (at, day, type, actor, ticket_id, counter, service, data, "
                       "site_id) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
                       (at, day, type_, actor, ticket_id, counter, service, dumps(data),
                        site_of(conn)))
    return int(cur.fetchone()[0])


def print_job_sent(conn: Connection, ticket_id: int, job_id: str, device_id: int) -> bool:
    """Whether this print job of the ticket was sent to this kiosk's agent."""
    return conn.execute(
        "SELECT 1 FROM events WHERE ticket_id=? AND type='print.sent' "
        f"AND {json_field(conn, 'data', 'job_id')}=? AND {json_field(conn, 'data', 'device')}=?",
        (ticket_id, str(job_id), str(device_id))).fetchone() is not None


def last_print_job(conn: Connection, ticket_id: int, device_id: int) -> str | None:
    """The job id last sent to this kiosk's agent for the ticket."""
    row = conn.execute(
        f"SELECT {json_field(conn, 'data', 'job_id')} FROM events WHERE ticket_id=? "
        f"AND type='print.sent' AND {json_field(conn, 'data', 'device')}=? ORDER BY id DESC LIMIT 1",
        (ticket_id, str(device_id))).fetchone()
    return None if row is None else str(row[0])


def login_failures(conn: Connection, username: str, address: str,
                   since: str) -> tuple[int, str | None, int, str | None]:
    """Wrong passwords since a moment: (count, last) for this username at this address, then
    (count, last) from this address for any username."""
    pair = conn.execute("SELECT COUNT(*), MAX(at) FROM login_failures WHERE username=? AND address=? "
                        "AND at > ?", (username, address, since)).fetchone()
    addr = conn.execute("SELECT COUNT(*), MAX(at) FROM login_failures WHERE address=? AND at > ?",
                        (address, since)).fetchone()
    return int(pair[0]), pair[1], int(addr[0]), addr[1]


def add_login_failure(conn: Connection, username: str, address: str, at: str,
                      forget_before: str) -> None:
    """Remember a wrong password; rows older than `forget_before` go (the audit log keeps them)."""
    conn.execute("DELETE FROM login_failures WHERE at < ?", (forget_before,))
    conn.execute("INSERT INTO login_failures (username, address, at) VALUES (?,?,?)",
                 (username, address, at))


def clear_login_failures(conn: Connection, username: str, address: str) -> None:
    """A right password from this address: its earlier mistakes no longer count."""
    conn.execute("DELETE FROM login_failures WHERE username=? AND address=?", (username, address))


def last_seq(conn: Connection) -> int:
    """The event log's last position in this site (through events_site, m360). Per site: on
    PostgreSQL sites write in parallel, and another site's later event committed first must not
    put a snapshot's seq past a call of this site still being committed."""
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM events WHERE site_id=?",
                            (site_of(conn),)).fetchone()[0])


def events_of_ticket(conn: Connection, ticket_id: int) -> list[dict[str, Any]]:
    """A ticket's history."""
    out = []
    for r in conn.execute("SELECT * FROM events WHERE site_id=? AND ticket_id=? ORDER BY id",
                          (site_of(conn), ticket_id)):
        e = dict(r)
        e["data"] = loads(e["data"])
        out.append(e)
    return out


def find_request(conn: Connection, actor: str, request_id: str) -> dict[str, Any] | None:
    """The stored answer to an earlier request with this id from this caller."""
    row = conn.execute("SELECT * FROM requests WHERE actor=? AND request_id=?",
                       (actor, request_id)).fetchone()
    if row is None:
        return None
    out = dict(row)
    out["response"] = loads(out["response"])
    return out


def save_request(conn: Connection, actor: str, request_id: str, action: str, status: int,
                 response: Any, at: str) -> None:
    """Remember the answer to a request so a repeat returns it unchanged."""
    conn.execute("INSERT INTO requests (actor, request_id, action, status, response, at) "
                 "VALUES (?,?,?,?,?,?)",
                 (actor, request_id, action, status, dumps(response), at))


def purge_requests(conn: Connection, before: str, limit: int) -> int:
    """Forget up to `limit` stored answers older than `before` (no retry comes that late)."""
    return conn.execute(
        "DELETE FROM requests WHERE (actor, request_id) IN "
        "(SELECT actor, request_id FROM requests WHERE at < ? LIMIT ?)",
        (before, limit)).rowcount


def requeue_ticket(conn: Connection, ticket_id: int, leg: int, at: str) -> bool:
    """Put a missed (no-show) ticket back in line once: compare-and-set on status and requeued_at."""
    cur = conn.execute(
        "UPDATE tickets SET status='waiting', counter=NULL, recalls=0, leg=?, called_at=NULL, "
        "started_at=NULL, finished_at=NULL, requeued_at=? "
        "WHERE id=? AND status='no_show' AND requeued_at IS NULL AND site_id=?",
        (leg, at, ticket_id, site_of(conn)))
    return cur.rowcount == 1


def missed_at_counter(conn: Connection, day: str, counter: int,
                      limit: int = 5) -> list[dict[str, Any]]:
    """The latest tickets marked no-show at a counter this day, newest first."""
    return [dict(r) for r in conn.execute(
        "SELECT * FROM tickets WHERE site_id=? AND day=? AND counter=? AND status='no_show' "
        "ORDER BY finished_at DESC, id DESC LIMIT ?", (site_of(conn), day, counter, limit))]


# --- reads and writes that lived outside the store before (issue 7, "SQL only in the store") ---

def get_event(conn: Connection, event_id: int) -> dict[str, Any] | None:
    """One event of this site's log by id."""
    row = conn.execute("SELECT * FROM events WHERE site_id=? AND id=?",
                       (site_of(conn), event_id)).fetchone()
    return None if row is None else dict(row)


def set_print_status(conn: Connection, ticket_id: int, status: str, detail: str) -> None:
    """Note whether a ticket printed."""
    conn.execute("UPDATE tickets SET print_status=?, print_detail=? WHERE id=?",
                 (status, detail, ticket_id))


def last_finished_leg(conn: Connection, ticket_id: int, counter: int) -> dict[str, Any] | None:
    """The latest leg of a ticket finished (done or transferred) at this counter: what a rating rates."""
    row = conn.execute("SELECT * FROM legs WHERE ticket_id=? AND counter=? AND outcome IN "
                       "('done','transferred') ORDER BY leg DESC LIMIT 1",
                       (ticket_id, counter)).fetchone()
    return None if row is None else dict(row)


# A line's class (engine.ahead: 0 walk-in, 1 priority citizen, 2 appointment) in SQL. The index
# tickets_waiting_lines (m120) holds `priority IS NOT NULL`: a walk-in line is read from the
# index alone; the few priority and appointment tickets are told apart by their row.
_WALK_IN = "(priority IS NOT NULL)=?"
_PRIORITY = "(priority IS NOT NULL)=? AND (priority='appointment')=?"


def _class_is(kind: int) -> tuple[str, list[int]]:
    return (_WALK_IN, [0]) if kind == 0 else (_PRIORITY, [1, int(kind == 2)])


def waiting_before(conn: Connection, day: str, service: str, kind: int,
                   queued_at: str, ticket_id: int) -> int:
    """How many waiting tickets of one line (service and class) were queued before this one."""
    cls, cls_args = _class_is(kind)
    return int(conn.execute(
        "SELECT COUNT(*) FROM tickets WHERE status='waiting' AND site_id=? AND day=? AND service=? "
        f"AND {cls} AND (queued_at < ? OR (queued_at = ? AND id < ?))",
        (site_of(conn), day, service, *cls_args, queued_at, queued_at, ticket_id)).fetchone()[0])


class LineRead(NamedTuple):
    """Which tickets of one line (service and class) to read: the first `limit`, and with
    `upto` = (queued_at, id) only those queued up to that ticket."""

    service: str
    priority: int  # the line's class: 0 walk-in, 1 priority citizen, 2 appointment
    limit: int
    upto: tuple[str, int] | None = None


def waiting_lines(conn: Connection, day: str,
                  lines: Sequence[LineRead]) -> dict[tuple[str, int], list[tuple[int, str]]]:
    """The waiting tickets of several lines in one statement, each line's as (id, queued_at),
    oldest first (see LineRead)."""
    if not lines:
        return {}
    parts, args = [], []
    for i, line in enumerate(lines):
        # One text per number of lines (no bound: one past every stamp), so SQLite prepares it once.
        cls, cls_args = _class_is(line.priority)  # one text per pattern of classes: a handful
        parts.append(f"SELECT * FROM (SELECT {i}, id, queued_at FROM tickets WHERE status='waiting' "
                     f"AND site_id=? AND day=? AND service=? AND {cls} AND (queued_at < ? "
                     f"OR (queued_at = ? AND id <= ?)) ORDER BY queued_at, id LIMIT ?) line{i}")
        upto = line.upto or ("~", 0)
        args += [site_of(conn), day, line.service, *cls_args, upto[0], upto[0], upto[1],
                 line.limit]
    found: list[list[tuple[str, int]]] = [[] for _ in lines]
    for r in conn.execute(" UNION ALL ".join(parts), args):
        found[r[0]].append((r[2], r[1]))
    # Each line comes out in its own order; sorting (already sorted: linear) makes it certain.
    return {(line.service, line.priority): [(i, at) for at, i in sorted(rows)]
            for line, rows in zip(lines, found)}


def queue_version(conn: Connection) -> tuple[int, int | None, int | None] | None:
    """(version of the waiting queue, the version before it, the ticket whose issue moved it or
    None), see m200_queue_version; None without that row. Read once per transaction state."""
    row = remembered(conn, "queue_version", lambda: conn.execute(
        "SELECT version, previous, inserted FROM queue_version WHERE id=1").fetchone())
    return (int(row[0]), row[1], row[2]) if row is not None else None
# --- issue 9: site scoping (branch b-sites) ---

def site_of_ticket(conn: Connection, token: str) -> int | None:
    """The site of the ticket with this public token, in the whole deployment (a phone opening
    its ticket page has no site until the token names one)."""
    row = conn.execute("SELECT site_id FROM tickets WHERE token=?", (token,)).fetchone()
    return None if row is None else int(row[0])


def sites_of_tickets(conn: Connection, ticket_ids: Sequence[int]) -> dict[int, int]:
    """The site of each of these tickets, by id (work that outlives its request: print outcomes)."""
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        return {}
    return {int(r[0]): int(r[1]) for r in conn.execute(
        f"SELECT id, site_id FROM tickets WHERE id IN ({_in(ids)})", ids)}


def site_of_device(conn: Connection, device_id: int) -> int | None:
    """The site a device belongs to (a printer's status, polled for every kiosk)."""
    row = conn.execute("SELECT site_id FROM devices WHERE id=?", (device_id,)).fetchone()
    return None if row is None else int(row[0])
