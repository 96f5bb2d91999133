"""`--db` takes a SQLite file or a PostgreSQL URL; a location neither engine can use is one clear
line and exit code 2 from every command, and nothing is created (issue 9)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [["init"], ["user", "list"], ["device", "list"], ["site", "list"], ["day", "close"],
            ["audit"], ["backup", "--to", "b.db"], ["run", "--port", "0"]]


def xephang(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_STATE_HOME": str(cwd / "state")}
    env.pop("XEPHANG_DB", None)
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def unanswering_postgres() -> str:
    import socket
    with socket.socket() as s:  # a port nobody listens on once this socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://xephang@127.0.0.1:{port}/xephang"


@pytest.mark.parametrize("location,says", [
    ("postgresql:/x", "not a database location"),
    ("postgresql:x", "not a database location"),
    ("mysql://u@h/db", "not a database location"),
    ("sqlite:///x.db", "not a database location"),
    ("PG", None),  # a PostgreSQL that does not answer (filled in below)
    ("afile/x.db", "is a file, not a folder"),
])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
def test_an_unusable_location_is_one_line_and_exit_2_and_creates_nothing(
        tmp_path: Path, location: str, says: str | None, command: list[str]) -> None:
    (tmp_path / "afile").write_text("not a folder")
    if location == "PG":
        location, says = unanswering_postgres(), "cannot be used: connection failed"
    before = sorted(p.name for p in tmp_path.iterdir())
    out = xephang(tmp_path, *command, "--db", location)
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in out.stderr, out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no "postgresql:" folder


def test_the_password_of_an_unanswering_url_is_not_printed(tmp_path: Path) -> None:
    url = unanswering_postgres().replace("xephang@", "xephang:s3cret-pw@")
    out = xephang(tmp_path, "user", "list", "--db", url)
    assert out.returncode == 2 and "s3cret-pw" not in out.stderr and "***" in out.stderr


def test_a_read_only_folder_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes anywhere: a read-only file system is the case then
        location = "/proc/sys/xephang/x.db"
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        location = str(ro / "x.db")
    out = xephang(tmp_path, "init", "--db", location)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "read-only" in out.stderr or "not ours to write" in out.stderr
    assert not Path(location).exists()


def test_init_and_commands_work_on_postgresql(tmp_path: Path, pg_cluster: Any) -> None:
    url = pg_cluster.create_database(migrated=False)
    out = xephang(tmp_path, "init", "--db", url)
    assert out.returncode == 0, out.stderr
    assert "quantri" in out.stdout
    assert "already has a site" in xephang(tmp_path, "init", "--db", url).stdout
    users = xephang(tmp_path, "user", "list", "--db", url)
    assert users.returncode == 0 and "quantri\tadmin" in users.stdout, users.stderr
    assert not any(p.name.startswith("postgres") for p in tmp_path.iterdir())
    backup = xephang(tmp_path, "backup", "--to", "b.dump", "--db", url)  # pg_dump (c-city)
    assert backup.returncode == 0 and "verified" in backup.stdout, backup.stderr
    assert (tmp_path / "b.dump").stat().st_size > 0


def test_xephang_db_in_the_environment_is_checked_the_same(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XEPHANG_DB": "postgresql:/typo"}
    out = subprocess.run([sys.executable, "-m", "server.cli", "user", "list"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "not a database location" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_operator_reads_it_in_vietnamese_first_then_english(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANG": "vi_VN.UTF-8"}
    out = subprocess.run([sys.executable, "-m", "server.cli", "user", "list", "--db", "mysql://x"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith("mysql://x không phải nơi lưu dữ liệu")
    assert "(not a database location: mysql://x" in out.stderr
