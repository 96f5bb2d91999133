"""A ticket's public token: time-ordered prefix (cheap to index on a year of history), random
rest (unguessable), and every lookup by token still working, for old tokens too."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from server.services.context import now_local
from server.services.ticket_tokens import new_ticket_token
from server.store import Database

URL_SAFE = re.compile(r"[A-Za-z0-9_-]{31}")


def test_tokens_sort_in_time_order_and_stay_random() -> None:
    start = now_local()
    tokens = [new_ticket_token(start + timedelta(milliseconds=i)) for i in range(0, 5000, 7)]
    assert tokens == sorted(tokens)  # byte order, as SQLite compares TEXT
    assert all(URL_SAFE.fullmatch(t) for t in tokens)
    same_ms = {new_ticket_token(start) for _ in range(1000)}
    assert len(same_ms) == 1000  # the time is only the prefix: 144 random bits follow
    assert len({t[7:] for t in same_ms}) == 1000 and len({t[:7] for t in same_ms}) == 1
    a_year_later = new_ticket_token(start + timedelta(days=365))
    assert a_year_later > max(tokens)


def test_issued_tokens_land_together_in_the_index_among_old_random_ones(api: Any,
                                                                       db_path: Path) -> None:
    """Old tickets kept their random tokens; new ones sit next to each other in token order,
    so each issue writes into the same leaf of the index as the one before."""
    old = api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"}).get_json()
    with Database(db_path).write() as conn:
        olds = [secrets.token_urlsafe(18) for _ in range(300)]
        conn.execute("UPDATE tickets SET token=? WHERE token=?", (olds[0], old["token"]))
        first_id = conn.execute("SELECT MAX(id) FROM tickets").fetchone()[0]
        for n, tok in enumerate(olds[1:], start=1):  # more history with random tokens
            conn.execute("INSERT INTO tickets (day, origin_service, seq, number, service, status,"
                         " token, issued_at, queued_at, issued_by) SELECT day, origin_service,"
                         " seq + ?, number, service, 'done', ?, issued_at, queued_at, issued_by"
                         " FROM tickets WHERE id = ?", (1000 + n, tok, first_id))
    new = [api.call("POST", "/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP"}).get_json()
           for _ in range(8)]
    with Database(db_path).read() as conn:
        order = [r[0] for r in conn.execute("SELECT token FROM tickets ORDER BY token")]
    spots = sorted(order.index(t["token"]) for t in new)
    assert spots == list(range(spots[0], spots[0] + len(new)))  # no old token between them
    for t in new:
        assert api.call("GET", f"/api/v1/tickets/{t['token']}").get_json()["number"] == t["number"]
    # A ticket issued before the change keeps working, by the API and the public page's QR.
    again = api.call("GET", f"/api/v1/tickets/{olds[0]}")
    assert again.status_code == 200 and again.get_json()["number"] == old["number"]
    assert api.call("GET", f"/t/{olds[0]}/qr.svg").status_code == 200
    assert api.call("GET", f"/api/v1/tickets/{new[0]['token'][:-1]}x").status_code == 404
