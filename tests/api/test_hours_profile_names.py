"""An hours profile's names (vi, en): given through the API, listed, audited, written by
`xephang site export` and read back by `xephang init --site`; optional (the code stands in)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from server.setup import initialize
from server.store import Database

ROOT = Path(__file__).resolve().parent.parent.parent
BASE = "/api/v1/admin/site"


def hours(http: Any, code: str) -> dict[str, Any]:
    doc = http.ok("GET", BASE, "giamsat")
    return dict(next(h for h in doc["hours"] if h["code"] == code))


def test_names_are_given_listed_changed_and_checked(http: Any) -> None:
    assert hours(http, "weekdays")["name"] == "Thứ 2 – Thứ 6"  # the demo site file names them
    assert hours(http, "weekdays")["name_en"] == "Mon – Fri"
    http.ok("POST", f"{BASE}/hours", "quantri", {"code": "sang-t7", "name": "Sáng thứ Bảy",
                                                "name_en": "Saturday mornings",
                                                "days": {"sat": "07:30-11:30"}}, status=201)
    assert (hours(http, "sang-t7")["name"], hours(http, "sang-t7")["name_en"]) == \
        ("Sáng thứ Bảy", "Saturday mornings")
    http.ok("PUT", f"{BASE}/hours/sang-t7", "quantri", {"name_en": "Saturday morning"})
    assert hours(http, "sang-t7")["name_en"] == "Saturday morning"
    assert hours(http, "sang-t7")["days"]["sat"] == [["07:30", "11:30"]]
    http.refused("PUT", f"{BASE}/hours/sang-t7", "quantri", {"name": "x" * 81}, 400, "field_too_long")
    http.ok("PUT", f"{BASE}/hours/sang-t7", "quantri", {"name": "", "name_en": ""})
    assert (hours(http, "sang-t7")["name"], hours(http, "sang-t7")["name_en"]) == ("", "")
    http.ok("POST", f"{BASE}/hours", "quantri", {"code": "chieu", "days": {"mon": "13:00-17:00"}},
            status=201)  # no names: the pages show its code
    assert hours(http, "chieu")["name"] == ""


def test_names_go_through_the_site_file(tmp_path: Path) -> None:
    def xephang(*args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    initialize(Database(tmp_path / "a.db"), None, demo=False)
    text = xephang("site", "export", "--db", str(tmp_path / "a.db"))
    assert '[hours.weekdays]\nname = "Thứ 2 – Thứ 6"\nname_en = "Mon – Fri"\n' in text
    (tmp_path / "a.toml").write_text(text, encoding="utf-8")
    xephang("init", "--db", str(tmp_path / "b.db"), "--site", str(tmp_path / "a.toml"), "--no-demo")
    assert xephang("site", "export", "--db", str(tmp_path / "b.db")) == text
