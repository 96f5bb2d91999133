"""Sites (issue 9 groundwork): the building's own site is site 1, `xephang site add` / `site list`
add and show ward centres, audited; processes adding one code at once get it once."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from server.services import sites
from server.services.auth import CLI, Actor
from server.services.context import Context
from server.services.errors import UseCaseError
from server.store import Database
from server.store import audit as audit_rows
from tests.lease_workers import add_site
from tests.test_races import run_processes
from tests.support.cli import xephang as run_cli

ROOT = Path(__file__).resolve().parent.parent
WARD = "Trung tâm phục vụ hành chính công phường Thủ Đức"


def xephang(*args: str, lang: str = "en_US.UTF-8") -> subprocess.CompletedProcess[str]:
    return run_cli(*args, lang=lang)


def test_site_add_and_list_from_the_cli(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    assert xephang("init", "--db", db).returncode == 0
    first = xephang("site", "list", "--db", db).stdout.splitlines()
    assert first == ["1\thcmc\tTrung tâm Phục vụ hành chính công Thành phố Hồ Chí Minh\t"
                     "Ho Chi Minh City Public Administrative Service Center\tAsia/Ho_Chi_Minh"]
    out = xephang("site", "add", "phuong-thu-duc", "--name", WARD, "--name-en",
                  "Thu Duc Ward Public Administrative Service Center", "--db", db)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "site phuong-thu-duc added (id 2)"
    listed = xephang("site", "list", "--db", db).stdout.splitlines()
    assert listed[1] == (f"2\tphuong-thu-duc\t{WARD}\tThu Duc Ward Public Administrative Service "
                         "Center\tAsia/Ho_Chi_Minh")
    again = xephang("site", "add", "phuong-thu-duc", "--name", "x", "--db", db, lang="vi_VN.UTF-8")
    assert again.returncode == 2
    assert again.stderr.strip() == ("Đã có điểm phục vụ mã phuong-thu-duc. "
                                    "(A site with code phuong-thu-duc already exists.)")
    bad = xephang("site", "add", "Thu Duc", "--name", "x", "--db", db)
    assert bad.returncode == 2 and "lowercase letters, digits and hyphens" in bad.stderr
    zone = xephang("site", "add", "abc", "--name", "x", "--timezone", "Mars/Base", "--db", db)
    assert zone.returncode == 2 and "Unknown time zone" in zone.stderr
    trail = xephang("audit", "--kind", "site.add", "--db", db, "--site-code", "hcmc").stdout
    assert "site:phuong-thu-duc" in trail and trail.count("site.add") == 1


def test_only_admins_add_sites_and_every_add_is_audited(demo: Any, db_path: Path) -> None:
    ctx = Context.open(Database(db_path))
    officer = Actor("user", 5, "canbo5", "officer", (5,))
    try:
        sites.add_site(ctx, officer, "phuong-an-khanh", "Phường An Khánh")
        raise AssertionError("an officer added a site")
    except UseCaseError as exc:
        assert exc.code == "admin_only"
    added = sites.add_site(ctx, CLI, "phuong-an-khanh", "  Phường   An Khánh ")
    assert added == {"id": 2, "code": "phuong-an-khanh", "name": "Phường An Khánh",
                     "name_en": "Phường An Khánh", "timezone": "Asia/Ho_Chi_Minh"}
    with ctx.db.read() as conn:
        entry = audit_rows.entries(conn, kind="site.add")[0]
    assert entry["target"] == "site:phuong-an-khanh" and entry["after"]["code"] == "phuong-an-khanh"
    assert [s["code"] for s in sites.list_sites(ctx, CLI)] == ["hcmc", "phuong-an-khanh"]


def test_processes_adding_one_site_at_once_add_it_once(tmp_path: Path) -> None:
    db_path = tmp_path / "x.db"
    Database(db_path).migrate()
    got = run_processes(add_site, [(str(db_path), "phuong-sai-gon", f"Sài Gòn {i}") for i in range(4)])
    assert sorted(g[0] for g in got) == ["added"] + ["site_code_taken"] * 3
    ctx = Context.open(Database(db_path))
    assert [s["code"] for s in sites.list_sites(ctx, CLI)] == ["hcmc", "phuong-sai-gon"]
