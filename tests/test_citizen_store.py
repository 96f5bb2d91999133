"""Issue 10: the citizen tables' hot and day-close statements use their indexes (no table scans as
bookings, phones and messages pile up)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from server.store import Database

STATEMENTS = {
    "slot counts": ("SELECT start, COUNT(*) FROM bookings WHERE site_id=1 AND service=? AND day=? "
                    "AND status='booked' GROUP BY start", ("s", "d"), "bookings_live"),
    "no-shows": ("UPDATE bookings SET status='no_show', changed_at=? WHERE site_id=1 AND day<? "
                 "AND status='booked' RETURNING phone_hash", ("a", "d"), "bookings_live"),
    "phone link erased": ("UPDATE bookings SET phone_hash=NULL WHERE phone_hash IS NOT NULL AND "
                          "day<?", ("d",), "bookings_linked"),
    "per phone per day": ("SELECT COUNT(*) FROM bookings WHERE site_id=1 AND phone_hash=? AND "
                          "day=? AND status IN ('booked', 'checked_in')", ("h", "d"),
                          "bookings_phone"),
    "old messages": ("DELETE FROM notify_outbox WHERE created_at<?", ("a",), "notify_outbox_age"),
    "unused phones": ("DELETE FROM citizen_phones WHERE last_used<?", ("a",),
                      "citizen_phones_used"),
    "due messages": ("SELECT * FROM notify_outbox WHERE site_id=1 AND status='pending' AND "
                     "next_at<=? ORDER BY next_at, id LIMIT 20", ("a",), "notify_outbox_due"),
    "expired tokens": ("DELETE FROM citizen_tokens WHERE expires_at<?", ("a",),
                       "citizen_tokens_expiry"),
}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statement_uses_its_index(tmp_path: Path, name: str) -> None:
    Database(tmp_path / "x.db").migrate()
    sql, args, index = STATEMENTS[name]
    with sqlite3.connect(tmp_path / "x.db") as conn:
        plan = " ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, args))
    assert f"INDEX {index}" in plan and "SCAN" not in plan, plan


@pytest.mark.parametrize("change, complaint", [
    (("daily_per_phone = 2", "daily_per_phone = 0"), "policy.daily_per_phone"),
    (("slot_minutes = 30", 'slot_minutes = "30"'), "policy.slot_minutes"),
    (("appointment_share = 0.4", "appointment_share = 1.5"), "service TP-LLTP: appointment_share"),
    (("appointment_share = 0.25", "appointment_share = -1"), "policy: appointment_share"),
    (('remote = true\nappointments = true\nappointment_share', 'remote = "yes"\nappointments = '
      'true\nappointment_share'), "service TP-LLTP: remote"),
])
def test_the_site_file_refuses_bad_citizen_settings(tmp_path: Path, change: tuple[str, str],
                                                    complaint: str) -> None:
    from server.site import DEMO_SITE, SiteConfigError, read_site_file
    text = DEMO_SITE.read_text(encoding="utf-8")
    assert change[0] in text
    (tmp_path / "site.toml").write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(SiteConfigError, match=complaint):
        read_site_file(tmp_path / "site.toml")
