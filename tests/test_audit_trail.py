"""The audit trail is append-only, and the administration shell admits admins and supervisors."""
from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from server.services import audit
from server.services.auth import CLI
from server.store import audit as audit_rows


def test_entries_are_recorded_with_origin_and_cannot_be_changed(app: Any) -> None:
    ctx = app.extensions["xephang"]
    token = audit.origin.set("10.0.0.7")
    try:
        with ctx.transaction() as (conn, _):
            audit.record(conn, ctx, CLI, "service.update", "service:tp-lltp",
                         *audit.changed({"daily_cap": 700, "name": "A"}, {"daily_cap": 800, "name": "A"}))
    finally:
        audit.origin.reset(token)
    with ctx.db.read() as conn:
        [entry] = audit_rows.entries(conn, kind="service.")
    assert (entry["actor"], entry["address"], entry["target"]) == ("cli:0", "10.0.0.7", "service:tp-lltp")
    assert (entry["before"], entry["after"]) == ({"daily_cap": 700}, {"daily_cap": 800})
    for sql in ("UPDATE audit SET kind='x'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.IntegrityError, match="audit trail cannot be changed"):
            with ctx.db.write() as conn:
                conn.execute(sql)


def test_admin_shell_page_is_served_and_refuses_changes_to_non_admins(api: Any) -> None:
    page = api.client.get("/admin")
    assert page.status_code == 200 and "Quản trị trung tâm" in page.get_data(as_text=True)
    me = api.call("GET", "/api/v1/me", who="giamsat").get_json()
    assert me["user"]["role"] == "supervisor" and me["user"]["units"] == []
