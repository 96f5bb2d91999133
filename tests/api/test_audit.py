"""The audit trail: every staff action leaves one entry (who, when, from where, before → after);
GET /api/v1/admin/audit filters, pages and exports it; a scoped supervisor sees only her units;
no route changes an entry."""
from __future__ import annotations

import csv
import io
import sqlite3
from typing import Any

import pytest

from server.store import audit as audit_rows

AUDIT = "/api/v1/admin/audit"


def database_dump(db: Any) -> str:
    """Every byte of the database as text: SQLite's dump, or pg_dump of a PostgreSQL one."""
    if db.kind == "sqlite":
        with sqlite3.connect(db.path) as conn:
            return "\n".join(conn.iterdump())
    import subprocess

    from tests.support.pg_cluster import _bin
    return subprocess.run([_bin("pg_dump"), "--dbname", db.location], capture_output=True,
                           text=True, check=True).stdout


def trail(http: Any, kind: str | None = None) -> list[dict[str, Any]]:
    """The stored entries, newest first (straight from the table)."""
    with http.app.extensions["xephang"].db.read() as conn:
        return audit_rows.entries(conn, kind=kind, limit=10_000)


def user_key(http: Any, username: str) -> str:
    me = http.ok("GET", "/api/v1/me", username)
    return f"user:{me['user']['id']}"


def test_an_officers_call_next_records_both_tickets_before_and_after(http: Any) -> None:
    first, second = http.issue("TP-LLTP"), http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    http.act(18, "start", "canbo18")
    http.act(18, "call-next", "canbo18")
    call, start, opened_by_call = trail(http, "counter.")[0], trail(http, "counter.")[1], \
        trail(http, "counter.")[2]
    assert (call["kind"], call["target"], call["actor"]) == (
        "counter.call_next", "counter:18", user_key(http, "canbo18"))
    assert call["actor_name"] == "Cán bộ quầy 18"
    assert call["before"] == {f"ticket:{first['number']}": {"status": "serving"},
                              f"ticket:{second['number']}": {"status": "waiting", "counter": None}}
    assert call["after"] == {f"ticket:{first['number']}": {"status": "done"},
                             f"ticket:{second['number']}": {"status": "called", "counter": 18}}
    assert start["kind"] == "counter.start"
    # The first call opened the closed counter: one entry says both.
    assert opened_by_call["before"] == {"state": "closed",
                                        f"ticket:{first['number']}": {"status": "waiting",
                                                                      "counter": None}}
    assert opened_by_call["after"]["state"] == "open"


def test_every_counter_action_is_recorded_once_and_a_retry_or_a_no_op_is_not(http: Any) -> None:
    t = http.issue("TP-LLTP")
    for action, body in [("open", {}), ("call-next", {"request_id": "r1"}), ("call-next", {"request_id": "r1"}),
                         ("recall", {}), ("park", {}), ("unpark", {"number": t["number"]}),
                         ("start", {}), ("transfer", {"service": "TP-QT", "note": "thiếu giấy tờ"}),
                         ("pause", {}), ("resume", {}),
                         ("call-next", {}),  # nobody waits at 18 now: nothing changes
                         ("close", {})]:
        http.act(18, action, "canbo18", **body)
    http.act(17, "call-next", "canbo17")  # the transferred ticket, called at 17
    http.act(17, "no-show", "canbo17")
    kinds = [e["kind"] for e in reversed(trail(http, "counter."))]
    assert kinds == ["counter.open", "counter.call_next", "counter.recall", "counter.park",
                     "counter.unpark", "counter.start", "counter.transfer", "counter.pause",
                     "counter.resume", "counter.close", "counter.call_next", "counter.no_show"]
    by_kind = {e["kind"]: e for e in trail(http, "counter.")}
    key = f"ticket:{t['number']}"
    assert by_kind["counter.recall"]["after"] == {key: {"recalls": 1}}
    assert by_kind["counter.transfer"]["before"] == {key: {"status": "serving", "service": "TP-LLTP",
                                                           "counter": 18, "recalls": 1}}
    assert by_kind["counter.transfer"]["after"] == {key: {"status": "waiting", "service": "TP-QT",
                                                          "counter": None, "recalls": 0},
                                                    "note": "thiếu giấy tờ"}
    assert (by_kind["counter.pause"]["before"], by_kind["counter.pause"]["after"]) == (
        {"state": "open"}, {"state": "paused"})


def test_staff_issue_and_requeue_are_recorded_but_a_kiosk_and_a_citizen_are_not(http: Any) -> None:
    http.issue("TP-LLTP")  # a kiosk: the citizen's own ticket, not a staff action
    staff = http.issue("TP-LLTP", who="canbo17", priority="elderly")
    [issued] = trail(http, "ticket.")
    assert (issued["kind"], issued["target"], issued["before"]) == ("ticket.issue", "service:TP-LLTP", None)
    assert issued["after"] == {"ticket": staff["number"], "status": "waiting", "priority": "elderly"}
    http.act(17, "call", "canbo17", number=staff["number"])
    http.act(17, "no-show", "canbo17")
    http.ok("POST", f"/api/v1/tickets/{staff['token']}/requeue", "canbo17", {"request_id": "rq-1"})
    again = http.ok("POST", f"/api/v1/tickets/{staff['token']}/requeue", "canbo17", {"request_id": "rq-1"})
    assert again["status"] == "waiting"  # the retry gets the first answer: one entry, not a 409
    requeued = trail(http, "ticket.")[0]
    assert requeued["kind"] == "ticket.requeue"
    assert (requeued["before"], requeued["after"]) == ({f"ticket:{staff['number']}": {"status": "no_show"}},
                                                      {f"ticket:{staff['number']}": {"status": "waiting"}})
    own = http.issue("TP-LLTP")
    http.act(18, "call", "canbo18", number=own["number"])
    http.act(18, "no-show", "canbo18")
    http.ok("POST", f"/api/v1/tickets/{own['token']}/requeue", None, {})  # the citizen's phone
    assert [e["kind"] for e in trail(http, "ticket.")].count("ticket.requeue") == 1


def test_logins_failures_and_logouts_are_recorded_without_the_password(http: Any) -> None:
    web = http.app.test_client()
    secret = "sai-mat-khau-bi-mat"
    for username, password in [("canbo19", secret), ("khong-co-ai", secret),
                               ("canbo19", http.demo.password)]:
        web.post("/api/v1/auth/login", json={"username": username, "password": password},
                 environ_base={"REMOTE_ADDR": "10.1.2.3"})
    me = web.get("/api/v1/me").get_json()
    web.post("/api/v1/auth/logout", headers={"X-CSRF-Token": me["csrf_token"]},
             environ_base={"REMOTE_ADDR": "10.1.2.3"})
    logout, ok, unknown, wrong = trail(http, "auth.")[:4]
    key = f"user:{me['user']['id']}"
    assert [(e["kind"], e["actor"], e["address"]) for e in (wrong, unknown, ok, logout)] == [
        ("auth.failed", key, "10.1.2.3"), ("auth.failed", "anonymous:0", "10.1.2.3"),
        ("auth.login", key, "10.1.2.3"), ("auth.logout", key, "10.1.2.3")]
    assert (unknown["target"], unknown["after"]) == ("username:khong-co-ai", {"username": "khong-co-ai"})
    dump = database_dump(http.app.extensions["xephang"].db)
    assert secret not in dump and http.demo.password not in dump


def test_the_api_filters_by_person_kind_and_day_and_pages(http: Any) -> None:
    for _ in range(3):
        http.issue("TP-LLTP")
    for _ in range(3):
        http.act(18, "call-next", "canbo18")
    http.act(19, "open", "canbo19")
    officer = user_key(http, "canbo18")
    mine = http.ok("GET", f"{AUDIT}?actor={officer}", "quantri")["entries"]
    assert {e["actor"] for e in mine} == {officer}
    assert [e["kind"] for e in mine] == ["counter.call_next"] * 3 + ["auth.login"]
    assert mine[0]["kind_name"] == "Gọi số tiếp theo" and mine[0]["target_name"] == "Quầy 18"
    assert mine[0]["actor_name"] == "Cán bộ quầy 18"
    english = http.call("GET", f"{AUDIT}?actor={officer}&kind=counter.call_next", "quantri",
                        lang="en").get_json()["entries"]
    assert english[0]["kind_name"] == "Call next" and english[0]["target_name"] == "Counter 18"
    labels = {(c["label"], c["before"], c["after"]) for c in english[0]["changes"]}
    assert any(label.endswith("· Status") and (b, a) == ("Serving", "Done") or
               (b, a) == ("Called", "Done") or (b, a) == ("Waiting", "Called")
               for label, b, a in labels), labels
    group = http.ok("GET", f"{AUDIT}?kind=counter", "quantri")["entries"]
    assert {e["kind"] for e in group} == {"counter.call_next", "counter.open"}
    # Paging: two at a time, each page older than the last, none twice, none left out.
    seen, before = [], ""
    while True:
        page = http.ok("GET", f"{AUDIT}?kind=counter&limit=2{before}", "quantri")
        seen += [e["id"] for e in page["entries"]]
        if page["next_before_id"] is None:
            break
        before = f"&before_id={page['next_before_id']}"
    assert seen == [e["id"] for e in group] and len(seen) == 4
    day = http.app.extensions["xephang"].clock().date()
    today = http.ok("GET", f"{AUDIT}?kind=counter&from={day}&to={day}", "quantri")["entries"]
    assert len(today) == 4
    assert http.ok("GET", f"{AUDIT}?kind=counter&to={day.replace(year=day.year - 1)}",
                   "quantri")["entries"] == []


@pytest.mark.parametrize("query, code, field", [
    ("from=2026-13-01", "audit_bad_date", "from"), ("to=01/12/2026", "audit_bad_date", "to"),
    ("from=2026-12-02&to=2026-12-01", "audit_bad_range", "to"),
    ("limit=0", "audit_bad_filter", "limit"), ("before_id=x", "audit_bad_filter", "before_id"),
    ("kind=DROP TABLE", "audit_bad_filter", "kind"), ("format=xml", "audit_bad_filter", "format")])
def test_a_bad_filter_is_refused_with_its_field(http: Any, query: str, code: str, field: str) -> None:
    messages = http.refused("GET", f"{AUDIT}?{query}", "quantri", None, 400, code)
    assert http.call("GET", f"{AUDIT}?{query}", "quantri").get_json()["error"]["field"] == field
    if code == "audit_bad_date":
        assert "2026-12-01" in messages["vi"] and "year-month-day" in messages["en"]


def test_csv_export_is_utf8_with_bom_and_vietnamese_headings(http: Any) -> None:
    http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18", )
    r = http.call("GET", f"{AUDIT}?format=csv&kind=counter", "quantri")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert 'filename="nhat-ky-xephang-all.csv"' in r.headers["Content-Disposition"]
    raw = r.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã mục", "Thời điểm", "Người thực hiện"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["Người thực hiện"] == "Cán bộ quầy 18" and row["Thao tác"] == "Gọi số tiếp theo"
    assert row["Đối tượng"] == "Quầy 18" and "Trạng thái quầy: Đã đóng → Đang mở" in row[
        "Thay đổi (trước → sau)"]
    en = http.call("GET", f"{AUDIT}?format=csv&lang=en", "quantri").get_data().decode("utf-8-sig")
    assert en.startswith("Entry id,Time,Who")


def test_csv_export_streams_a_range_larger_than_one_batch(http: Any, monkeypatch: Any) -> None:
    from server.services import audit, audit_trail
    from server.services.auth import CLI
    monkeypatch.setattr(audit_trail, "CSV_BATCH", 7)
    ctx = http.app.extensions["xephang"]
    with ctx.transaction() as (conn, _):
        for i in range(30):
            audit.record(conn, ctx, CLI, "service.update", "service:TP-LLTP", {"daily_cap": i},
                         {"daily_cap": i + 1})
    r = http.call("GET", f"{AUDIT}?format=csv&kind=service.update", "quantri")
    rows = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"))))[1:]
    assert [int(r[0]) for r in rows] == sorted((int(r[0]) for r in rows), reverse=True)
    assert len(rows) == 30 and len({r[0] for r in rows}) == 30
    assert rows[0][5] == "Dịch vụ: sửa" and "Giới hạn số mỗi ngày: 29 → 30" in rows[0][8]


def test_a_supervisor_scoped_to_one_unit_sees_only_it_and_her_own(http: Any) -> None:
    http.issue("TP-LLTP")
    http.issue("NV-GPLD")
    http.act(18, "call-next", "canbo18")  # counter 18 serves TP-LLTP (unit TP)
    http.ok("POST", "/api/v1/counters/24/call-next", "giamsat", {})  # 24 serves NV-GPLD (unit NV)
    http.act(19, "open", "canbo19")  # TP too
    with http.app.extensions["xephang"].db.write() as conn:
        conn.execute("""UPDATE users SET units='["NV"]' WHERE username='giamsat'""")
    giamsat = user_key(http, "giamsat")
    seen = http.ok("GET", AUDIT, "giamsat")["entries"]
    assert {(e["kind"], e["target"]) for e in seen} >= {("counter.call_next", "counter:24")}
    canbo17 = user_key(http, "canbo17")  # counter 17 (zone A1's priority counter) serves NV too
    assert all(e["actor"] == giamsat or e["target"] in ("counter:24", "counter:17", canbo17)
               for e in seen), seen
    assert ("auth.login", canbo17) in {(e["kind"], e["target"]) for e in seen}  # her officer
    assert not any(e["target"] in ("counter:18", "counter:19") for e in seen)
    csv_text = http.call("GET", f"{AUDIT}?format=csv", "giamsat").get_data().decode("utf-8-sig")
    assert "Quầy 24" in csv_text and "Quầy 18" not in csv_text
    people = {p["key"] for p in http.ok("GET", f"{AUDIT}/filters", "giamsat")["actors"]}
    assert giamsat in people and user_key(http, "canbo18") not in people
    everyone = http.ok("GET", AUDIT, "quantri")["entries"]
    assert {"counter:18", "counter:19", "counter:24"} <= {e["target"] for e in everyone}


def test_only_admins_and_supervisors_read_the_trail(http: Any) -> None:
    for who, status, code in [(None, 401, "unauthorized"), ("canbo18", 403, "forbidden"),
                              ("kiosk-A1", 403, "forbidden")]:
        http.refused("GET", AUDIT, who, None, status, code)
        http.refused("GET", f"{AUDIT}?format=csv", who, None, status, code)
        http.refused("GET", f"{AUDIT}/filters", who, None, status, code)


def test_filters_offer_people_and_kinds_grouped_in_words(http: Any) -> None:
    options = http.ok("GET", f"{AUDIT}/filters", "quantri")
    groups = {g["group"]: g for g in options["groups"]}
    assert groups["counter"]["name"] == "Quầy"
    assert {"kind": "counter.call_next", "name": "Gọi số tiếp theo"} in groups["counter"]["kinds"]
    names = {p["name"] for p in options["actors"]}
    assert {"Cán bộ quầy 18", "kiosk-A1"} <= names


def test_no_route_changes_or_deletes_an_entry(http: Any) -> None:
    http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    before = trail(http)
    app = http.app
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    entry_id = before[0]["id"]
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in (AUDIT, f"{AUDIT}/{entry_id}", f"{AUDIT}/filters"):
            r = http.call(method, path, "quantri", {"kind": "x"})
            assert r.status_code in (404, 405), (method, path, r.status_code)
    assert trail(http) == before


def test_printing_for_someone_at_a_kiosk_and_a_reprint_name_the_kiosk(http: Any) -> None:
    from server.services.auth import device_actor
    from server.store import accounts

    ctx = http.app.extensions["xephang"]
    sent: list[tuple[str, str]] = []

    class Printer:  # the print worker itself is tested elsewhere: only where it was sent counts
        def enqueue(self, conn: Any, kiosk: Any, ticket: dict[str, Any]) -> None:
            return None

        def print_ticket(self, kiosk: Any, ticket: dict[str, Any], job: Any = None) -> None:
            sent.append((kiosk.name, ticket["number"]))

        def reprint(self, actor: Any, ticket: dict[str, Any], target: Any) -> Any:
            with ctx.db.read() as conn:
                kiosk = target or device_actor(accounts.device_by_name(conn, "kiosk-A1"))
            self.print_ticket(kiosk, ticket)
            return kiosk

    ctx.printer = Printer()
    try:
        t = http.issue("TP-LLTP", who="canbo17", print_at="kiosk-A2")
        http.ok("POST", f"/api/v1/tickets/{t['token']}/reprint", "canbo17", {"print_at": "kiosk-A1"})
    finally:
        ctx.printer = None
    reprint, issued = trail(http, "ticket.")
    assert issued["after"]["printer"] == "kiosk-A2"
    assert (reprint["kind"], reprint["after"]) == ("ticket.reprint", {"ticket": t["number"],
                                                                     "printer": "kiosk-A1"})
    assert sent == [("kiosk-A2", t["number"]), ("kiosk-A1", t["number"])]


def test_no_code_of_the_product_updates_or_deletes_the_trail() -> None:
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"(UPDATE|DELETE\s+FROM|REPLACE\s+INTO|DROP\s+TABLE)\s+audit\b", re.I)
    found = [str(p.relative_to(root)) for folder in ("server", "printers", "kiosk", "counter_display")
             for p in (root / folder).rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert found == []
