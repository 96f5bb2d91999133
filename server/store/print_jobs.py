"""Print jobs for the printers the server drives: written with the ticket, owned by the process
that holds the site's `printing` lease, fenced so that a ticket reaches a printer at most once.

States: queued (no owner yet) → claimed (an owner will print it) → sending (its bytes may be on
the way to the printer) → done; or lost (its owner died while sending: it may or may not have
printed, so it is reported, not printed again).
"""
from __future__ import annotations

from typing import Any

from .db import dumps, loads
from .connection import Connection

OPEN = ("queued", "claimed", "sending")


def add(conn: Connection, ticket_id: int, device_id: int, payload: dict[str, Any],
        holder: str | None, at: str, reprint: bool = False, site_id: int = 1) -> int:
    """Queue a print job (claimed by `holder` at once when given); returns its id."""
    cur = conn.execute(
        "INSERT INTO print_jobs (site_id, ticket_id, device_id, reprint, payload, state, holder, "
        "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
        (site_id, ticket_id, device_id, int(reprint), dumps(payload),
         "claimed" if holder else "queued", holder, at, at))
    return int(cur.fetchone()[0])


def _rows(conn: Connection, where: str, params: tuple[Any, ...],
          limit: int = 1_000_000) -> list[dict[str, Any]]:
    rows = [dict(r) for r in conn.execute(
        f"SELECT id, ticket_id, device_id, reprint, payload, state, holder, created_at FROM print_jobs "
        f"WHERE {where} ORDER BY id LIMIT ?", (*params, limit))]
    for row in rows:
        row["payload"] = loads(row["payload"])
    return rows


def any_queued(conn: Connection, site_id: int = 1) -> bool:
    """Whether some job waits for the holder (a read: the holder looks often)."""
    return conn.execute("SELECT 1 FROM print_jobs WHERE site_id=? AND state='queued' LIMIT 1",
                        (site_id,)).fetchone() is not None


def claim_queued(conn: Connection, holder: str, at: str, site_id: int = 1,
                 limit: int = 200) -> list[dict[str, Any]]:
    """Claim the queued jobs (oldest first) for `holder`; the ones it got."""
    got = []
    for row in _rows(conn, "site_id=? AND state='queued'", (site_id,), limit):
        cur = conn.execute("UPDATE print_jobs SET state='claimed', holder=?, updated_at=? "
                           "WHERE id=? AND state='queued'", (holder, at, row["id"]))
        if cur.rowcount == 1:
            got.append(row)
    return got


def take_over(conn: Connection, holder: str, at: str,
              site_id: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A new lease holder takes the jobs of the processes that held it before: those they claimed
    but never sent are claimed for `holder` (to print); those they were sending are marked lost
    (to report). Returns (claimed, lost)."""
    claimed = _rows(conn, "site_id=? AND state='claimed' AND holder<>?", (site_id, holder))
    lost = _rows(conn, "site_id=? AND state='sending' AND holder<>?", (site_id, holder))
    for row in claimed:
        conn.execute("UPDATE print_jobs SET holder=?, updated_at=? WHERE id=?",
                     (holder, at, row["id"]))
    for row in lost:
        conn.execute("UPDATE print_jobs SET state='lost', updated_at=? WHERE id=?", (at, row["id"]))
    return claimed, lost


def mark_sending(conn: Connection, job_id: int, holder: str, at: str) -> bool:
    """Note that `holder` starts sending a job to its printer; False if the job is no longer
    its own to send (another holder took it over): then it must not be sent."""
    cur = conn.execute("UPDATE print_jobs SET state='sending', updated_at=? "
                       "WHERE id=? AND holder=? AND state='claimed'", (at, job_id, holder))
    return cur.rowcount == 1


def finish(conn: Connection, job_id: int, at: str) -> None:
    """A job's outcome is recorded (printed or failed)."""
    conn.execute("UPDATE print_jobs SET state='done', updated_at=? WHERE id=? AND state IN "
                 "('claimed','sending','lost')", (at, job_id))  # lost: it printed after all


def requeue(conn: Connection, job_id: int, holder: str, at: str) -> bool:
    """Give a claimed job back (its owner stops before sending it), for the next holder."""
    cur = conn.execute("UPDATE print_jobs SET state='queued', holder=NULL, updated_at=? "
                       "WHERE id=? AND holder=? AND state='claimed'", (at, job_id, holder))
    return cur.rowcount == 1


def orphan_tickets(conn: Connection, site_id: int = 1) -> list[int]:
    """Tickets waiting for a printer the server drives with no print job (left by a server from
    before print jobs were stored): never printed, to be reported."""
    return [int(r[0]) for r in conn.execute(
        "SELECT t.id FROM tickets t JOIN devices d ON d.id=t.device_id "
        "WHERE t.print_status='pending' AND d.printer NOT LIKE 'agent%' AND NOT EXISTS "
        "(SELECT 1 FROM print_jobs j WHERE j.ticket_id=t.id AND j.reprint=0 AND j.site_id=?)",
        (site_id,))]

