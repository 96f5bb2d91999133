"""Issue 10, a burst for one slot: refusals of a full slot and retries are answered without the
write lock (another process holding it does not delay them), yet a cancellation made by another
process frees the place for the very next booking."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.api.test_bookings import SLOTS, Citizen, free_of, gateway, working_days  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def _full_slot(app: Any, http: Any, gateway: Any, day: str, start: str) -> list[Any]:
    """The citizens who filled the TP-HT slot at `start`, then one more who did not get in."""
    capacity = next(s["capacity"] for s in http.ok("GET", f"{SLOTS}?service=TP-HT&date={day}")
                    ["slots"] if s["start"] == start)
    people = [Citizen(app, http, gateway, f"09123460{n:02d}") for n in range(capacity + 1)]
    for n, p in enumerate(people[:capacity]):
        assert p.book("TP-HT", day, start, request_id=f"r{n}").status_code == 201
    return people


def test_a_full_slot_and_a_retry_are_answered_while_another_process_holds_the_write_lock(
        app: Any, http: Any, gateway: Any) -> None:
    day = working_days(1)[0]
    people = _full_slot(app, http, gateway, day, "09:00")
    first = people[0].book("TP-HT", day, "09:00", request_id="r0").get_json()
    holder = sqlite3.connect(app.config["DB"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's writer, holding the lock
    try:
        t0 = time.monotonic()
        r = people[-1].book("TP-HT", day, "09:00")
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "slot_full"
        again = people[0].book("TP-HT", day, "09:00", request_id="r0")
        assert again.status_code == 200 and again.get_json() == first
        # A write would have waited BUSY_WAIT_S (3 s) and answered 503 busy.
        assert time.monotonic() - t0 < 2.5
        r = people[-1].book("TP-HT", day, "10:00")  # a free slot does need the lock: busy
        assert r.status_code == 503 and r.get_json()["error"]["code"] == "busy"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert free_of(http, "TP-HT", day, "09:00") == 0


CANCEL = """
import sys
from server.services import remote_cancel
from server.services.context import Context
from server.store import Database
ctx = Context.open(Database(sys.argv[1]))
print(remote_cancel.cancel_booking(ctx, sys.argv[2], "203.0.113.9", "http://x")["status"])
"""


def test_a_cancellation_by_another_process_frees_the_slot_at_once(app: Any, http: Any,
                                                                 gateway: Any) -> None:
    day = working_days(1)[0]
    people = _full_slot(app, http, gateway, day, "09:30")
    late = people[-1]
    assert late.book("TP-HT", day, "09:30").get_json()["error"]["code"] == "slot_full"
    token = people[0].book("TP-HT", day, "09:30", request_id="r0").get_json()["token"]
    done = subprocess.run([sys.executable, "-c", CANCEL, app.config["DB"], token], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "cancelled", done.stderr
    r = late.book("TP-HT", day, "09:30")
    assert r.status_code == 201, r.get_json()
    r = people[1].book("TP-HT", day, "09:30", request_id="other")  # full again
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "slot_full"
    assert free_of(http, "TP-HT", day, "09:30") == 0


def test_refusals_are_not_counted_against_the_address(app: Any, http: Any, gateway: Any,
                                                      ) -> None:
    """As before the read-first path: a refused booking commits nothing, its rate hit neither."""
    day = working_days(1)[0]
    people = _full_slot(app, http, gateway, day, "10:30")
    with sqlite3.connect(app.config["DB"]) as conn:
        before = conn.execute("SELECT COALESCE(SUM(hits), 0) FROM public_rate").fetchone()[0]
    for _ in range(5):
        assert people[-1].book("TP-HT", day, "10:30").status_code == 409
    with sqlite3.connect(app.config["DB"]) as conn:
        after = conn.execute("SELECT COALESCE(SUM(hits), 0) FROM public_rate").fetchone()[0]
    assert after == before
