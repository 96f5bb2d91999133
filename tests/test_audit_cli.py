"""`xephang audit` shows the same trail as the API; CLI commands that change things are on it;
officers racing each other in processes leave exactly one entry per action."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from server.services.auth import Actor
from server.services.context import Context
from server.services.counters import counter_action
from server.services.tickets import issue_ticket
from server.store import Database
from server.store import accounts
from server.store import audit as audit_rows
from tests.race_workers import KIOSK, call_until_empty, officer
from tests.test_races import run_processes

ROOT = Path(__file__).resolve().parent.parent


def xephang(*args: str, lang: str = "vi_VN.UTF-8") -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, LANG=lang)
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=60)


def officer_of(db: Database, username: str) -> Actor:
    """The demo officer as the API would see them."""
    with db.read() as conn:
        u = accounts.user_by_name(conn, username)
    assert u is not None
    return Actor("user", u["id"], u["display_name"], u["role"], tuple(u["counters"]))


def test_the_cli_lists_filters_and_exports_the_trail(demo: Any, db_path: Path) -> None:
    db = Database(db_path)
    ctx = Context.open(db)
    for _ in range(2):
        issue_ticket(ctx, KIOSK, "TP-LLTP")
    counter_action(ctx, officer_of(db, "canbo18"), 18, "call-next", {})
    counter_action(ctx, officer_of(db, "canbo19"), 19, "call-next", {})
    out = xephang("audit", "--db", str(db_path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.decode().splitlines()
    assert len(lines) == 2
    assert "Cán bộ quầy 19" in lines[0] and "Gọi số tiếp theo [counter.call_next]" in lines[0]
    assert "Quầy 19" in lines[0] and "Trạng thái quầy: Đã đóng → Đang mở" in lines[0]
    mine = xephang("audit", "--db", str(db_path), "--actor", "canbo18").stdout.decode().splitlines()
    assert len(mine) == 1 and "Cán bộ quầy 18" in mine[0]
    assert xephang("audit", "--db", str(db_path), "--kind", "auth").stdout == b""
    english = xephang("audit", "--db", str(db_path), "--limit", "1", lang="en_US.UTF-8").stdout.decode()
    assert "Call next [counter.call_next]" in english and "--limit 1: more entries" in english
    bad = xephang("audit", "--db", str(db_path), "--since", "2026-02-30")
    assert bad.returncode == 2 and "Ngày không hợp lệ: 2026-02-30" in bad.stderr.decode()
    exported = xephang("audit", "--db", str(db_path), "--csv").stdout
    assert exported.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows[0][0] == "Mã mục" and len(rows) == 3
    assert [r[2] for r in rows[1:]] == ["Cán bộ quầy 19", "Cán bộ quầy 18"]


def test_day_close_backup_and_restore_are_on_the_trail(demo: Any, db_path: Path, tmp_path: Path) -> None:
    db = Database(db_path)
    copy = tmp_path / "copy.db"
    assert xephang("backup", "--db", str(db_path), "--to", str(copy), "--quick-check").returncode == 0
    with db.read() as conn:
        [backup] = audit_rows.entries(conn, kind="database.")
    assert (backup["actor"], backup["address"], backup["target"]) == ("cli:0", "cli", "database")
    assert backup["after"]["to"] == str(copy)
    restored = xephang("restore", "--db", str(db_path), "--from", str(copy))
    assert restored.returncode == 0, restored.stderr
    with Database(db_path).read() as conn:
        kinds = [e["kind"] for e in audit_rows.entries(conn, kind="database.")]
    assert kinds == ["database.restore"]  # the copy was taken before its backup was recorded
    text = xephang("audit", "--db", str(db_path), "--kind", "database").stdout.decode()
    assert "Khôi phục dữ liệu từ bản sao lưu" in text and "Lệnh xephang trên máy chủ (cli:0)" in text


def test_closing_earlier_days_from_the_cli_is_on_the_trail(demo: Any, db_path: Path) -> None:
    from datetime import timedelta

    from server.services.context import now_local
    yesterday = now_local() - timedelta(days=1)
    db = Database(db_path)
    issue_ticket(Context.open(db, clock=lambda: yesterday), KIOSK, "TP-LLTP")
    out = xephang("day", "close", "--db", str(db_path))
    assert out.returncode == 0 and b"closed 1 ticket" in out.stdout
    with db.read() as conn:
        [closed] = audit_rows.entries(conn, kind="day.")
    assert (closed["actor"], closed["address"], closed["after"]) == (
        "cli:0", "cli", {"closed_tickets": 1, "closed_counters": []})
    assert closed["target"] == f"day:{now_local().date()}"


def test_officers_racing_in_processes_leave_one_entry_per_call(demo: Any, db_path: Path) -> None:
    ctx = Context.open(Database(db_path))
    for _ in range(90):
        issue_ticket(ctx, KIOSK, "TP-LLTP")
    counters = [18, 19, 20]
    parts = run_processes(call_until_empty, [(str(db_path), c) for c in counters])
    with Database(db_path).read() as conn:
        calls = audit_rows.entries(conn, kind="counter.call_next", limit=1000)
        numbers = {r[0]: r[1] for r in conn.execute("SELECT id, number FROM tickets")}
    per_process = sorted(sorted(numbers[t] for t in part) for part in parts)  # in finishing order
    per_counter = []
    for counter in counters:
        mine = [e for e in calls if e["target"] == f"counter:{counter}"]
        assert {e["actor"] for e in mine} == {officer(counter).key}
        per_counter.append(sorted(k.split(":", 1)[1] for e in mine for k, v in e["after"].items()
                                  if k.startswith("ticket:") and v.get("status") == "called"))
    assert sorted(per_counter) == per_process
    assert sum(len(p) for p in per_counter) == 90
