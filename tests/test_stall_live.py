"""A real server under a bad day: a held database lock, login floods, idle connections, huge bodies,
a read-only or full disk. The event loop keeps answering, and every failure has its own code."""
from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from werkzeug.security import generate_password_hash

from server.i18n import MESSAGES
from tests.conftest import DEMO_PASSWORD, ROOT, LiveServer

ISSUE = "/api/v1/tickets"


def ticket_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0])


class LockHolder:
    """Another process that holds the database's write lock until told to let go."""

    def __init__(self, db: Path) -> None:
        code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
                "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); sys.stdin.readline(); "
                "c.execute('ROLLBACK')")
        self.proc = subprocess.Popen([sys.executable, "-c", code, str(db)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)


def test_a_held_write_lock_leaves_the_loop_free_and_issuing_answers_busy(live_server: LiveServer) -> None:
    token = live_server.token("kiosk-A1")
    before = ticket_count(live_server.db)
    holder = LockHolder(live_server.db)
    try:
        with ThreadPoolExecutor(4) as pool:
            issues = [pool.submit(requests.post, live_server.url + ISSUE, json={"service": "TP-LLTP"},
                                  headers={"Authorization": f"Bearer {token}", "Accept-Language": lang},
                                  timeout=30) for lang in ("vi", "en")]
            # While both kiosks wait for the lock, the loop still answers a health GET and a page.
            assert requests.get(live_server.url + "/healthz", timeout=30).json() == {"status": "ok"}
            page = requests.get(live_server.url + "/kiosk", timeout=30)
            assert page.status_code == 200
            assert not all(f.done() for f in issues), "the GETs waited for the held lock"
            answers = [f.result() for f in issues]
        for r, lang in zip(answers, ("vi", "en")):
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "busy"
            assert r.json()["error"]["message"] == MESSAGES["busy"][0 if lang == "vi" else 1]
            assert int(r.headers["Retry-After"]) >= 1
        ready = requests.get(live_server.url + "/readyz", timeout=30)
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "busy"
        assert ticket_count(live_server.db) == before  # nothing was changed
    finally:
        holder.release()
    r = live_server.api("POST", ISSUE, who="kiosk-A1", json={"service": "TP-LLTP"})
    assert r.status_code == 201
    assert requests.get(live_server.url + "/readyz", timeout=30).status_code == 200


class SourceAddress(HTTPAdapter):
    """Connect from another loopback address (the whole 127/8 is this machine)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    s = requests.Session()
    s.mount("http://", SourceAddress(address))
    return s


def test_a_strangers_wrong_passwords_do_not_stop_the_officer_at_their_counter(
        live_server: LiveServer) -> None:
    stranger = session_from("127.0.0.2")
    login = live_server.url + "/api/v1/auth/login"
    seen = set()
    for i in range(30):
        r = stranger.post(login, json={"username": "canbo18", "password": f"guess-{i}"}, timeout=30)
        seen.add(r.status_code)
    assert seen == {401, 429}  # the stranger is slowed down ...
    r = stranger.post(login, json={"username": "canbo18", "password": DEMO_PASSWORD}, timeout=30)
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_attempts"
    assert int(r.headers["Retry-After"]) >= 1
    # ... the officer, at their own address, logs in with the right password at once.
    officer = session_from("127.0.0.3")
    r = officer.post(login, json={"username": "canbo18", "password": DEMO_PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["name"]


def slow_password(live_server: LiveServer, username: str) -> None:
    """Give a user a deliberately costly scrypt hash (~1 s), so a login is long in flight."""
    slow = generate_password_hash(DEMO_PASSWORD, "scrypt:32768:8:8")
    with sqlite3.connect(live_server.db) as conn:
        conn.execute("UPDATE users SET password_hash=? WHERE username=?", (slow, username))


def test_a_login_flood_does_not_hold_up_other_requests(live_server: LiveServer) -> None:
    slow_password(live_server, "canbo20")
    login = live_server.url + "/api/v1/auth/login"
    with ThreadPoolExecutor(6) as pool:
        logins: list[Future[requests.Response]] = [
            pool.submit(requests.post, login, json={"username": "canbo20", "password": DEMO_PASSWORD},
                        timeout=60) for _ in range(6)]
        r = live_server.api("GET", "/api/v1/services")
        assert r.status_code == 200
        assert requests.get(live_server.url + "/healthz", timeout=30).status_code == 200
        assert not all(f.done() for f in logins), "the requests waited for the logins' hashing"
        answers = [f.result() for f in logins]
    # Every login got an answer: signed in, or (waiting too long for a slot) told to retry.
    assert 200 in {r.status_code for r in answers}
    assert all(r.status_code == 200 or r.json()["error"]["code"] == "login_busy" for r in answers)


def test_logins_beyond_the_waiting_room_are_refused_not_piled_up(live_server: LiveServer) -> None:
    from server.services.auth import LOGIN_QUEUE, LOGIN_SLOTS
    slow_password(live_server, "canbo21")
    n = LOGIN_QUEUE + LOGIN_SLOTS + 10
    with ThreadPoolExecutor(n) as pool:
        answers = list(pool.map(lambda _: requests.post(
            live_server.url + "/api/v1/auth/login", headers={"Accept-Language": "en"},
            json={"username": "canbo21", "password": DEMO_PASSWORD}, timeout=120), range(n)))
    busy = [r for r in answers if r.status_code == 503]
    assert busy and all(r.json()["error"]["code"] == "login_busy" for r in busy)
    assert busy[0].json()["error"]["message"] == MESSAGES["login_busy"][1]
    assert "Retry-After" in busy[0].headers
    assert {r.status_code for r in answers} == {200, 503}


def test_idle_connections_beyond_the_cap_do_not_make_the_server_unreachable(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    server.extra_args = ["--max-connections", "20", "--read-timeout", "2"]
    server.start()
    idle = []
    try:
        for _ in range(60):  # three times the cap, sending nothing
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
        r = requests.get(server.url + "/healthz", timeout=60)
        assert r.status_code == 200
        assert server.api("POST", ISSUE, who="kiosk-A1", json={"service": "TP-LLTP"}).status_code == 201
    finally:
        for s in idle:
            s.close()
        server.stop()


def test_a_100_mb_body_is_refused_without_being_read(live_server: LiveServer) -> None:
    token = live_server.token("kiosk-A1")
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=20) as s:
        s.sendall((f"POST {ISSUE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                   "Accept-Language: en\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {100 * 1024 * 1024}\r\n\r\n").encode() + b"{" + b" " * 4096)
        received = b""
        while chunk := s.recv(65536):  # the server answers and closes without waiting for the rest
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b'"code":"body_too_large"' in body.replace(b" ", b"")
    assert live_server.api("GET", "/healthz").status_code == 200


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A small file system of its own (needs root to mount), unmounted afterwards."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def remount(mnt: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mnt)], check=True)


def chattr(flag: str, *files: Path) -> bool:
    return subprocess.run(["chattr", flag, *map(str, files)], capture_output=True).returncode == 0


def test_a_read_only_database_answers_storage_readonly(live_server: LiveServer) -> None:
    # The file made read-only under the running server (immutable: even root cannot write it).
    files = (live_server.db, Path(f"{live_server.db}-wal"))
    if not chattr("+i", *files):
        pytest.skip("chattr +i needs root on a file system that supports it")
    try:
        for lang, i in (("vi", 0), ("en", 1)):
            r = live_server.api("POST", ISSUE, who="kiosk-A1", json={"service": "TP-LLTP"}, lang=lang)
            assert r.status_code == 503, r.text
            assert r.json()["error"] == {"code": "storage_readonly",
                                         "message": MESSAGES["storage_readonly"][i]}
        ready = requests.get(live_server.url + "/readyz", timeout=30)
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "storage_readonly"
        assert requests.get(live_server.url + "/healthz", timeout=30).status_code == 200
        log = live_server.log.read_text()
        assert log.count("storage failure storage_readonly") == 1 and "Traceback" not in log, log
    finally:
        chattr("-i", *files)
    assert live_server.api("POST", ISSUE, who="kiosk-A1", json={"service": "TP-LLTP"}).status_code == 201


def test_a_full_disk_answers_storage_full_never_a_500(tmp_path: Path, tmpfs: Path) -> None:
    server = LiveServer(tmpfs)
    server.log = tmp_path / "server.log"
    server.start()
    try:
        filler = tmpfs / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
        statuses = []
        for _ in range(2000):  # until the database must grow and cannot
            r = server.api("POST", ISSUE, who="kiosk-A1", json={"service": "TP-LLTP"})
            statuses.append(r.status_code)
            if r.status_code != 201:
                break
        assert statuses[-1] == 503, statuses[-5:]
        assert r.json()["error"]["code"] == "storage_full"
        assert requests.get(server.url + "/readyz", timeout=30).status_code == 503
        filler.unlink()
        assert server.api("POST", ISSUE, who="kiosk-A1", json={"service": "TP-LLTP"}).status_code == 201
    finally:
        server.stop()


def start_on(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", "run", "--db", str(db), "--port", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_start_up_on_a_read_only_location_says_so_in_one_line(tmpfs: Path) -> None:
    remount(tmpfs, "ro")
    try:
        out = start_on(tmpfs / "xephang.db")
    finally:
        remount(tmpfs, "rw")
    assert out.returncode != 0
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    # said before anything is created (the location check of issue 9): one line, vi then en
    assert len(lines) == 1 and "cannot write" in lines[0] and "read-only" in lines[0], out.stderr


def test_start_up_on_a_full_disk_says_so_in_one_line(tmpfs: Path) -> None:
    subprocess.run(["dd", "if=/dev/zero", f"of={tmpfs / 'filler'}", "bs=64k"], capture_output=True)
    out = start_on(tmpfs / "xephang.db")
    assert out.returncode != 0
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot start" in lines[0] and "disk is full" in lines[0], out.stderr


def test_many_public_sockets_from_one_address_are_refused_beyond_the_limit(
        live_server: LiveServer) -> None:
    import socketio as sio_client

    from server.realtime import PublicSockets
    ticket = live_server.api("POST", ISSUE, who="kiosk-A1", json={"service": "TP-LLTP"}).json()
    clients, refused = [], 0
    lock = threading.Lock()
    try:
        for _ in range(PublicSockets.PER_ADDRESS + 3):
            c = sio_client.Client(reconnection=False)
            try:
                c.connect(live_server.url, auth={"ticket": ticket["token"]}, transports=["websocket"],
                          wait_timeout=10)
                clients.append(c)
            except sio_client.exceptions.ConnectionError:
                with lock:
                    refused += 1
        assert len(clients) == PublicSockets.PER_ADDRESS and refused == 3
    finally:
        for c in clients:
            c.disconnect()


def test_a_public_socket_that_leaves_frees_its_place() -> None:
    from server.realtime import PublicSockets
    sockets = PublicSockets()
    sockets.PER_ADDRESS = 2
    assert sockets.admit("a", "10.0.0.1") and sockets.admit("b", "10.0.0.1")
    assert not sockets.admit("c", "10.0.0.1") and sockets.admit("d", "10.0.0.2")
    sockets.leave("a")
    sockets.leave("c")  # refused sockets were never counted
    assert sockets.admit("e", "10.0.0.1") and not sockets.admit("f", "10.0.0.1")
