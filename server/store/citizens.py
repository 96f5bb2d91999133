"""Rows of the citizen side (issue 10): the notification outbox, phones, one-time codes, citizen
tokens, per-address rate windows and bookings. Phones only ever arrive here encrypted or hashed.

Issue 9: every row is its site's (`site_of(conn)`): a phone verified at one site, its tokens,
limits, no-shows, rate windows and messages are that site's (docs/issue9-design.md §3a)."""
from __future__ import annotations

from typing import Any

from .dialect import is_sqlite
from .scope import site_of
from .connection import Connection

# -- notification outbox ----------------------------------------------------------------------


def add_message(conn: Connection, channel: str, kind: str, payload: bytes, at: str) -> int:
    """Queue one message (its payload sealed by the caller); returns its id."""
    cur = conn.execute("INSERT INTO notify_outbox (site_id, channel, kind, payload, created_at, next_at) "
                       "VALUES (?,?,?,?,?,?) RETURNING id",
                       (site_of(conn), channel, kind, payload, at, at))
    return int(cur.fetchone()[0])


def due_messages(conn: Connection, now: str, limit: int) -> list[dict[str, Any]]:
    """Pending messages whose time has come, oldest first."""
    return [dict(r) for r in conn.execute(
        "SELECT * FROM notify_outbox WHERE site_id=? AND status='pending' AND next_at<=? "
        "ORDER BY next_at, id LIMIT ?", (site_of(conn), now, limit))]


def sites_with_due_messages(conn: Connection, now: str) -> list[int]:
    """The sites with a pending message whose time has come, in the whole deployment (one
    statement for the SMS worker's round, however many sites; through notify_outbox_due)."""
    return [int(r[0]) for r in conn.execute(
        "SELECT DISTINCT site_id FROM notify_outbox WHERE status='pending' AND next_at<=? "
        "ORDER BY site_id", (now,))]


def claim_message(conn: Connection, msg_id: int, attempts: int, until: str) -> bool:
    """Take a message for one attempt (pushing its time to `until`, in case the sender dies);
    False when another worker took it first."""
    cur = conn.execute("UPDATE notify_outbox SET attempts=attempts+1, next_at=? "
                       "WHERE id=? AND status='pending' AND attempts=?", (until, msg_id, attempts))
    return cur.rowcount == 1


def message_sent(conn: Connection, msg_id: int, at: str) -> None:
    """Record a delivered message and forget its payload (the phone number and the text)."""
    conn.execute("UPDATE notify_outbox SET status='sent', sent_at=?, payload=NULL, last_error='' "
                 "WHERE id=?", (at, msg_id))


def message_failed(conn: Connection, msg_id: int, error: str, retry_at: str | None) -> None:
    """Record a failed attempt: retried at `retry_at`, or given up (payload forgotten)."""
    if retry_at is None:
        conn.execute("UPDATE notify_outbox SET status='failed', payload=NULL, last_error=? "
                     "WHERE id=?", (error[:300], msg_id))
    else:
        conn.execute("UPDATE notify_outbox SET next_at=?, last_error=? WHERE id=?",
                     (retry_at, error[:300], msg_id))


def message_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every message's record, newest first (no payload)."""
    return [dict(r) for r in conn.execute(
        "SELECT id, channel, kind, status, attempts, last_error, created_at, sent_at "
        "FROM notify_outbox WHERE site_id=? ORDER BY id DESC", (site_of(conn),))]


# -- phones, codes, tokens --------------------------------------------------------------------


def phone_row(conn: Connection, phone_hash: str) -> dict[str, Any] | None:
    """A known phone's row."""
    row = conn.execute("SELECT * FROM citizen_phones WHERE site_id=? AND phone_hash=?",
                       (site_of(conn), phone_hash)).fetchone()
    return None if row is None else dict(row)


def save_phone(conn: Connection, phone_hash: str, phone_enc: bytes, at: str) -> None:
    """Remember a phone (consent given now) or mark it used now."""
    conn.execute("INSERT INTO citizen_phones (site_id, phone_hash, phone_enc, consent_at, last_used) "
                 "VALUES (?,?,?,?,?) ON CONFLICT (site_id, phone_hash) DO UPDATE SET "
                 "phone_enc=excluded.phone_enc, consent_at=excluded.consent_at, "
                 "last_used=excluded.last_used", (site_of(conn), phone_hash, phone_enc, at, at))


def touch_phone(conn: Connection, phone_hash: str, at: str) -> None:
    """Mark a phone used now (its erasure date moves)."""
    conn.execute("UPDATE citizen_phones SET last_used=? WHERE site_id=? AND phone_hash=?",
                 (at, site_of(conn), phone_hash))


def block_phone(conn: Connection, phone_hash: str, until: str) -> None:
    """Refuse a phone's bookings until `until` (too many no-shows)."""
    conn.execute("UPDATE citizen_phones SET blocked_until=? WHERE site_id=? AND phone_hash=?",
                 (until, site_of(conn), phone_hash))


def code_row(conn: Connection, phone_hash: str) -> dict[str, Any] | None:
    """The phone's current one-time code."""
    row = conn.execute("SELECT * FROM citizen_codes WHERE site_id=? AND phone_hash=?",
                       (site_of(conn), phone_hash)).fetchone()
    return None if row is None else dict(row)


def save_code(conn: Connection, phone_hash: str, code_hash: str, at: str,
              expires: str) -> None:
    """A new one-time code for the phone (replaces the earlier one)."""
    conn.execute("INSERT INTO citizen_codes (site_id, phone_hash, code_hash, sent_at, expires_at) "
                 "VALUES (?,?,?,?,?) ON CONFLICT (site_id, phone_hash) DO UPDATE SET "
                 "code_hash=excluded.code_hash, sent_at=excluded.sent_at, "
                 "expires_at=excluded.expires_at, attempts=0",
                 (site_of(conn), phone_hash, code_hash, at, expires))


def code_attempt(conn: Connection, phone_hash: str) -> None:
    """Count one wrong try of the phone's code."""
    conn.execute("UPDATE citizen_codes SET attempts=attempts+1 WHERE site_id=? AND phone_hash=?",
                 (site_of(conn), phone_hash))


def drop_code(conn: Connection, phone_hash: str) -> None:
    """Forget the phone's code (used, or tried too often)."""
    conn.execute("DELETE FROM citizen_codes WHERE site_id=? AND phone_hash=?",
                 (site_of(conn), phone_hash))


def add_token(conn: Connection, token_hash: str, phone_hash: str, expires: str) -> None:
    """A citizen token for a confirmed phone."""
    conn.execute("INSERT INTO citizen_tokens (site_id, token_hash, phone_hash, expires_at) "
                 "VALUES (?,?,?,?)", (site_of(conn), token_hash, phone_hash, expires))


def token_phone(conn: Connection, token_hash: str, now: str) -> str | None:
    """The phone hash of a citizen token of this site still valid at `now` (another site's token
    is no token here: the phone is verified again there)."""
    row = conn.execute("SELECT phone_hash FROM citizen_tokens WHERE token_hash=? AND site_id=? "
                       "AND expires_at>?", (token_hash, site_of(conn), now)).fetchone()
    return None if row is None else str(row[0])


def hit_rate(conn: Connection, bucket: str, window: str) -> int:
    """Count one request in a rate window; returns the count so far (this one included)."""
    row = conn.execute("INSERT INTO public_rate (site_id, bucket, period, hits) VALUES (?,?,?,1) "
                       "ON CONFLICT (site_id, bucket, period) DO UPDATE SET hits=public_rate.hits+1 "
                       "RETURNING hits", (site_of(conn), bucket, window)).fetchone()
    return int(row[0])


def rate_hits(conn: Connection, bucket: str, window: str) -> int:
    """The requests counted so far in a rate window (none counted by this read)."""
    row = conn.execute("SELECT hits FROM public_rate WHERE site_id=1 AND bucket=? AND period=?",
                       (bucket, window)).fetchone()
    return 0 if row is None else int(row[0])


def erase_citizen_data(conn: Connection, used_before: str, day_before: str,
                       now: str) -> dict[str, int]:
    """Erase what the retention policy no longer allows (secure_delete overwrites the bytes):
    phones unused since `used_before`, the phone link of bookings before `day_before`, expired
    codes, tokens and rate windows, and message records older than `used_before`."""
    sqlite = is_sqlite(conn)  # PostgreSQL: VACUUM reclaims the dead rows; no secure_delete
    site = site_of(conn)  # each site's retention days are its own policy's
    if sqlite:
        conn.execute("PRAGMA secure_delete=ON")
    try:
        out = {
            "phones": conn.execute("DELETE FROM citizen_phones WHERE site_id=? AND last_used<?",
                                   (site, used_before)).rowcount,
            "bookings": conn.execute("UPDATE bookings SET phone_hash=NULL WHERE site_id=? AND "
                                     "phone_hash IS NOT NULL AND day<?",
                                     (site, day_before)).rowcount,
            "codes": conn.execute("DELETE FROM citizen_codes WHERE site_id=? AND expires_at<?",
                                  (site, now)).rowcount,
            "tokens": conn.execute("DELETE FROM citizen_tokens WHERE site_id=? AND expires_at<?",
                                   (site, now)).rowcount,
            "rates": conn.execute("DELETE FROM public_rate WHERE site_id=? AND period<?",
                                  (site, now[:10])).rowcount,
            # records of messages older than the retention (a pending one has given up by then)
            "messages": conn.execute("DELETE FROM notify_outbox WHERE site_id=? AND created_at<?",
                                     (site, used_before)).rowcount,
        }
    finally:
        if sqlite:
            conn.execute("PRAGMA secure_delete=OFF")
    return out


# -- bookings ---------------------------------------------------------------------------------


def slot_counts(conn: Connection, service: str, day: str) -> dict[str, int]:
    """Live bookings per slot start of a service on a day."""
    return {str(r[0]): int(r[1]) for r in conn.execute(
        "SELECT start, COUNT(*) FROM bookings WHERE site_id=? AND service=? AND day=? "
        "AND status='booked' AND kind='appointment' GROUP BY start", (site_of(conn), service, day))}


def phone_bookings_on(conn: Connection, phone_hash: str, day: str) -> int:
    """Live bookings (and remote numbers) of a phone on a day."""
    return int(conn.execute(
        "SELECT COUNT(*) FROM bookings WHERE site_id=? AND phone_hash=? AND day=? "
        "AND status IN ('booked', 'checked_in')", (site_of(conn), phone_hash, day)).fetchone()[0])


def phone_no_shows(conn: Connection, phone_hash: str, since_day: str) -> int:
    """Bookings of a phone since a day that were not checked in."""
    return int(conn.execute(
        "SELECT COUNT(*) FROM bookings WHERE site_id=? AND phone_hash=? AND day>=? "
        "AND status='no_show'", (site_of(conn), phone_hash, since_day)).fetchone()[0])


def add_booking(conn: Connection, row: dict[str, Any]) -> int:
    """Store a booking; returns its id."""
    row = {"site_id": site_of(conn), **row}
    cols = list(row)
    # Names quoted: `end` is a reserved word in PostgreSQL.
    names = ", ".join('"' + c + '"' for c in cols)
    cur = conn.execute(f"INSERT INTO bookings ({names}) VALUES "
                       f"({', '.join('?' * len(cols))}) RETURNING id", [row[c] for c in cols])
    return int(cur.fetchone()[0])


def code_taken(conn: Connection, code: str) -> bool:
    """Whether a booking already has this check-in code."""
    return conn.execute("SELECT 1 FROM bookings WHERE site_id=? AND code=?",
                        (site_of(conn), code)).fetchone() is not None


def booking_by_token(conn: Connection, token: str) -> dict[str, Any] | None:
    """A booking of this site by its secret token."""
    row = conn.execute("SELECT * FROM bookings WHERE site_id=? AND token=?",
                       (site_of(conn), token)).fetchone()
    return None if row is None else dict(row)


def site_of_booking(conn: Connection, token: str) -> int | None:
    """The site of the booking with this secret token, in the whole deployment (its page has no
    site until the token names one)."""
    row = conn.execute("SELECT site_id FROM bookings WHERE token=?", (token,)).fetchone()
    return None if row is None else int(row[0])


def update_booking(conn: Connection, booking_id: int, **values: Any) -> None:
    """Change some columns of a booking (names come from code, never from input)."""
    sets = ", ".join(f'"{k}"=?' for k in values)
    conn.execute(f"UPDATE bookings SET {sets} WHERE id=?", [*values.values(), booking_id])


def mark_no_shows(conn: Connection, before_day: str, at: str) -> list[str]:
    """Bookings of days before `before_day` never checked in become no-shows; returns the
    phone hashes they belong to (one per booking)."""
    return [str(r[0]) for r in conn.execute(
        "UPDATE bookings SET status='no_show', changed_at=? WHERE site_id=? AND day<? "
        "AND status='booked' AND checked_in_at IS NULL RETURNING phone_hash",
        (at, site_of(conn), before_day)) if r[0]]
