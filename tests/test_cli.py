"""The xephang command: init, users, devices, day close — and clear errors for bad input."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from tests.support.cli import xephang

ROOT = Path(__file__).resolve().parent.parent


def test_init_then_user_and_device_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    out = xephang("init", "--db", db)
    assert out.returncode == 0 and "quantri" in out.stdout
    assert "already has a site" in xephang("init", "--db", db).stdout
    ok = xephang("user", "add", "lan", "--role", "officer", "--counters", "12,13",
                 "--password-stdin", "--db", db, stdin="mat-khau-du-dai\n")
    assert ok.returncode == 0, ok.stderr
    assert "lan\tofficer\t12,13" in xephang("user", "list", "--db", db).stdout
    bad = xephang("user", "add", "x", "--role", "chief", "--password-stdin", "--db", db, stdin="x" * 9)
    assert bad.returncode == 2 and "role must be one of" in bad.stderr
    short = xephang("user", "add", "x", "--role", "officer", "--password-stdin", "--db", db, stdin="abc")
    assert short.returncode == 2 and "at least 8" in short.stderr
    unknown = xephang("user", "add", "x", "--role", "officer", "--counters", "99",
                      "--password-stdin", "--db", db, stdin="mat-khau-du-dai")
    assert unknown.returncode == 2 and "unknown counter" in unknown.stderr
    dev = xephang("device", "add", "kiosk-cua-chinh", "--kind", "kiosk", "--zone", "A1",
                  "--printer", "tcp://127.0.0.1:9100", "--db", db)
    assert dev.returncode == 0
    token = dev.stdout.strip().splitlines()[-1]
    assert len(token) >= 30 and f"/pair?token={token}" in dev.stdout
    assert "kiosk-cua-chinh\tkiosk\tA1" in xephang("device", "list", "--db", db).stdout
    assert xephang("device", "add", "x", "--kind", "kiosk", "--zone", "Z9", "--db", db).returncode == 2
    assert xephang("device", "add", "x", "--kind", "counter", "--db", db).returncode == 2
    assert "closed 0 ticket" in xephang("day", "close", "--db", db).stdout


def test_a_broken_site_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text((ROOT / "config" / "site.toml").read_text(encoding="utf-8").replace(
        'unit = "TP"\nzone = "A1"', 'unit = "NOPE"\nzone = "A1"', 1), encoding="utf-8")
    out = xephang("init", "--db", str(tmp_path / "x.db"), "--site", str(site))
    assert out.returncode == 2 and "unknown unit 'NOPE'" in out.stderr


def test_device_token_from_the_cli_works_against_the_live_server(live_server) -> None:  # noqa: ANN001
    out = live_server.cli("device", "add", "kiosk-moi", "--kind", "kiosk", "--zone", "B")
    token = out.strip().splitlines()[-1]
    r = requests.post(f"{live_server.url}/api/v1/tickets", json={"service": "NNMT-DD"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 201 and r.json()["zone"] == "B"


def test_removing_a_user_or_a_device_revokes_access_at_once(live_server) -> None:  # noqa: ANN001
    token = live_server.token("canbo18")
    assert live_server.api("GET", "/api/v1/me", token=token).status_code == 200
    assert "can no longer log in" in live_server.cli("user", "remove", "canbo18")
    assert live_server.api("GET", "/api/v1/me", token=token).status_code == 401
    again = requests.post(f"{live_server.url}/api/v1/auth/login", timeout=10,
                          json={"username": "canbo18", "password": live_server.users["canbo18"]["password"]})
    assert again.status_code == 401
    kiosk = live_server.token("kiosk-A1")
    assert "revoked" in live_server.cli("device", "remove", "kiosk-A1")
    r = requests.post(f"{live_server.url}/api/v1/tickets", json={"service": "TP-LLTP"},
                      headers={"Authorization": f"Bearer {kiosk}"}, timeout=10)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert "canbo18\tofficer\t18\tCán bộ quầy 18\tremoved" in live_server.cli("user", "list")
    assert "kiosk-A1\tkiosk\tA1\t\tvirtual\tremoved" in live_server.cli("device", "list")


def start_server(tmp_path: Path, db: Path, port: int, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    """`xephang run` on a port, as `make run` starts it; returns it once it answers."""
    import os
    import time
    from tests.conftest import DEMO_PASSWORD
    log = tmp_path / f"{name}.log"
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "run", "--db", str(db), "--port", str(port)],
                            cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            env=dict(os.environ, XEPHANG_DEMO_PASSWORD=DEMO_PASSWORD, PYTHONUNBUFFERED="1"))
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/site", timeout=1).status_code == 200:
                return proc, log
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)  # polling a starting process: there is no event to await


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=15)


def test_pairing_links_name_the_port_the_server_runs_on(tmp_path: Path) -> None:
    from tests.conftest import free_port
    db = tmp_path / "x.db"
    port = free_port()
    proc, log = start_server(tmp_path, db, port, "first")
    try:
        first = log.read_text()
        links = [line for line in first.splitlines() if "/pair?token=" in line]
        assert links and all(f"http://127.0.0.1:{port}/pair?token=" in line for line in links)
        # A device added while it runs gets a link to the same server, not to port 5000.
        dev = xephang("device", "add", "kiosk-moi", "--kind", "kiosk", "--zone", "B", "--db", str(db))
        assert dev.returncode == 0, dev.stderr
        assert f"pairing link: http://127.0.0.1:{port}/pair?token=" in dev.stdout
    finally:
        stop(proc)
    # The second start prints no password but says where it is (the demo accounts file).
    again = free_port()
    proc, log = start_server(tmp_path, db, again, "second")
    try:
        second = log.read_text()
        demo_file = tmp_path / "demo-devices.txt"
        assert f"{demo_file}" in second and "quantri" in second
        assert "demo-pass-2026" not in second
        assert demo_file.read_text(encoding="utf-8").splitlines()[0] == "demo password: demo-pass-2026"
        assert f"xephang serving on http://127.0.0.1:{again}" in second
    finally:
        stop(proc)


def test_a_busy_port_is_one_clear_line_and_a_failure(tmp_path: Path) -> None:
    import os
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        for lang, expected in (("vi_VN.UTF-8", f"cổng {port} đang được chương trình khác dùng"),
                               ("en_US.UTF-8", f"port {port} is already in use")):
            out = subprocess.run([sys.executable, "-m", "server.cli", "run", "--db", str(tmp_path / "x.db"),
                                  "--port", str(port)], cwd=ROOT, capture_output=True, text=True,
                                 timeout=60, env=dict(os.environ, LANG=lang))
            assert out.returncode == 1
            assert "Traceback" not in out.stderr and out.stdout == ""
            assert len(out.stderr.strip().splitlines()) == 1, out.stderr
            assert expected in out.stderr and f"--port {port + 1}" in out.stderr


def test_user_and_device_commands_use_the_admin_use_cases_and_are_audited(tmp_path: Path) -> None:
    """`xephang user …` / `device …` run the same use cases as /admin: same checks, same audit."""
    from server.store import Database
    from server.store import audit as audit_rows
    db = str(tmp_path / "x.db")
    assert xephang("init", "--db", db).returncode == 0
    weak = xephang("user", "add", "lan", "--role", "officer", "--counters", "12",
                   "--password-stdin", "--db", db, stdin="12345678\n")
    assert weak.returncode == 2 and "not only digits" in weak.stderr
    sup = xephang("user", "add", "lan", "--role", "officer", "--password-stdin", "--db", db,
                  stdin="mat-khau-du-dai\n")
    assert sup.returncode == 2 and "An officer needs at least one counter" in sup.stderr
    assert xephang("user", "add", "lan", "--role", "officer", "--counters", "12",
                   "--password-stdin", "--db", db, stdin="mat-khau-du-dai\n").returncode == 0
    assert xephang("user", "remove", "lan", "--db", db).returncode == 0
    last = xephang("user", "remove", "quantri", "--db", db)
    assert last.returncode == 2 and "At least one active administrator must remain" in last.stderr
    assert xephang("device", "add", "board-x", "--kind", "display", "--db", db).returncode == 0
    assert xephang("device", "remove", "board-x", "--db", db).returncode == 0
    with Database(db).read() as conn:
        entries = audit_rows.entries(conn)
    assert [(e["kind"], e["actor"], e["address"]) for e in reversed(entries)
            if e["kind"] != "calendar.auto_import"] == [  # init adds the holidays by itself
        ("user.create", "cli:0", "cli"), ("user.disable", "cli:0", "cli"),
        ("device.create", "cli:0", "cli"), ("device.revoke", "cli:0", "cli")]
    assert "mat-khau-du-dai" not in str(entries)
