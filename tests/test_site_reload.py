"""`xephang init --reload` on a real database file: what the file no longer has is retired (history
keeps its names, the admin pages can restore it), and a file that would strand today's open
tickets is refused with a clear message and nothing changed."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from server.services import counters, tickets
from server.services.auth import Actor

from server.services.context import Context
from server.store import Database
from server.store import audit as audit_rows
from server.store import site_admin
from tests.support.cli import xephang as run_cli

STAFF = Actor("user", 1, "Giám sát viên", "supervisor")  # a supervisor: issues, cancels, opens

ROOT = Path(__file__).resolve().parent.parent
DEMO = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")


def xephang(*args: str, lang: str = "vi_VN.UTF-8") -> subprocess.CompletedProcess[str]:
    return run_cli(*args, lang=lang)


def without_gtvt(tmp_path: Path) -> Path:
    """The demo site without service XD-GTVT and counters 6 and 7 (which only call it)."""
    text = re.sub(r'\[\[services\]\]\ncode = "XD-GTVT"\n(?:(?!\[\[).*\n)*', "", DEMO)
    for n in (6, 7):
        text = re.sub(rf'\[\[counters\]\]\nnumber = {n}\n(?:(?!\[\[).*\n)*', "", text)
    text = text.replace('"XD-GTVT", ', "")
    assert "XD-GTVT" not in text
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def setup_db(tmp_path: Path) -> tuple[str, Context]:
    db = str(tmp_path / "x.db")
    assert xephang("init", "--db", db, "--no-demo").returncode == 0
    return db, Context.open(Database(Path(db)))


def version(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return site_admin.site_version(conn)


def test_a_reload_retires_what_the_file_no_longer_has_and_history_keeps_its_names(tmp_path: Path) -> None:
    db, ctx = setup_db(tmp_path)
    ticket, _ = tickets.issue_ticket(ctx, STAFF, "XD-GTVT")
    tickets.cancel_ticket(ctx, STAFF, ticket["token"])  # finished: in today's history, not open
    name = ctx.site.services["XD-GTVT"].name
    out = xephang("init", "--db", db, "--site", str(without_gtvt(tmp_path)), "--reload")
    assert out.returncode == 0, out.stderr
    assert "dịch vụ XD-GTVT" in out.stdout and "quầy 6, 7" in out.stdout
    after = Context.open(Database(Path(db)))
    assert "XD-GTVT" not in after.site.services and 6 not in after.site.counters  # not offered
    assert after.site.services["XD-GTVT"].name == name  # history still says what it was
    assert tickets.get_ticket(after, ticket["token"])["service"] == "XD-GTVT"
    with after.db.read() as conn:
        [entry] = [e for e in audit_rows.entries(conn) if e["kind"] == "site.reload"]
    assert "XD-GTVT" in str(entry["after"])
    # The whole file again: the retired rows come back as they were.
    demo = tmp_path / "demo.toml"
    demo.write_text(DEMO, encoding="utf-8")
    assert xephang("init", "--db", db, "--site", str(demo), "--reload").returncode == 0
    again = Context.open(Database(Path(db)))
    assert "XD-GTVT" in again.site.services and 6 in again.site.counters


def test_a_reload_that_would_strand_a_waiting_ticket_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    db, ctx = setup_db(tmp_path)
    tickets.issue_ticket(ctx, STAFF, "XD-GTVT")
    before = version(ctx)
    site = str(without_gtvt(tmp_path))
    out = xephang("init", "--db", db, "--site", site, "--reload")
    assert out.returncode == 1
    assert "dịch vụ XD-GTVT còn 1 số đang chờ" in out.stderr and "Chưa có gì thay đổi" in out.stderr
    en = xephang("init", "--db", db, "--site", site, "--reload", lang="en_US.UTF-8")
    assert en.returncode == 1 and "service XD-GTVT still has 1 tickets" in en.stderr
    assert "Nothing was changed" in en.stderr
    after = Context.open(Database(Path(db)))
    assert "XD-GTVT" in after.site.services and 6 in after.site.counters and version(after) == before


def test_a_reload_that_takes_the_last_caller_of_a_waiting_line_is_refused(tmp_path: Path) -> None:
    db, ctx = setup_db(tmp_path)
    tickets.issue_ticket(ctx, STAFF, "XD-GTVT")
    text = re.sub(r'(\[\[counters\]\]\nnumber = [67]\n(?:(?!\[\[).*\n)*)', lambda m: m.group(1).replace(
        '"XD-GTVT"', '"XD-GPXD"'), DEMO).replace('"XD-GPXD", "XD-CCHN", "XD-GTVT"', '"XD-GPXD", "XD-CCHN"')
    site = tmp_path / "no-caller.toml"
    site.write_text(text, encoding="utf-8")
    out = xephang("init", "--db", db, "--site", str(site), "--reload", lang="en_US.UTF-8")
    assert out.returncode == 1 and "no counter in the file calls it" in out.stderr


def test_a_reload_that_drops_an_open_counter_is_refused(tmp_path: Path) -> None:
    db, ctx = setup_db(tmp_path)
    counters.counter_action(ctx, STAFF, 6, "open", {})
    out = xephang("init", "--db", db, "--site", str(without_gtvt(tmp_path)), "--reload")
    assert out.returncode == 1 and "quầy 6 đang mở" in out.stderr
    assert 6 in Context.open(Database(Path(db))).site.counters
