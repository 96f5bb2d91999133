"""Shared fixtures: a fresh app on a temp database, a real server process, a real browser."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo-pass-2026"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]
# In-process tests get one private runtime folder (random name, 0700), never a fixed /tmp path;
# each live server keeps its own next to its database.
os.environ["XEPHANG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="xephang-tests-")
os.environ.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)


class Demo:
    """What a demo setup made: users (all with DEMO_PASSWORD) and devices with their tokens."""

    def __init__(self, made: Any) -> None:
        self.password = made.password
        self.users = {name: {"password": made.password, "role": role, "counters": counters}
                      for name, role, counters in made.users}
        self.devices = {name: {"token": token, "kind": kind, "zone": zone, "counter": counter}
                        for name, kind, zone, counter, token in made.devices}

    def token(self, device: str) -> str:
        """A device's bearer token."""
        return str(self.devices[device]["token"])


@pytest.fixture
def db_path(tmp_path: Path, request: Any) -> Path:
    """A fresh database file path (XEPHANG_TEST_STORE=postgresql: a fresh PostgreSQL database)."""
    if os.environ.get("XEPHANG_TEST_STORE") == "postgresql":
        return request.getfixturevalue("pg_url")  # type: ignore[no-any-return]
    return tmp_path / "xephang.db"


@pytest.fixture
def demo(db_path: Path) -> Demo:
    """A database initialized with the demo site, accounts and devices."""
    from server.setup import initialize
    from server.store import Database
    made = initialize(Database(db_path), None, demo=True, demo_password=DEMO_PASSWORD)
    assert made is not None
    return Demo(made)


@pytest.fixture
def app(demo: Demo, db_path: Path) -> Iterator[Any]:
    """The Flask app on the demo database; events are published inside the request."""
    from server.app import close_app, create_app
    app = create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                      "PRINTING": False, "TESTING": True})
    yield app
    close_app(app)  # its revocation watch must not outlive the test's database


@pytest.fixture
def client(app: Any) -> Any:
    """A Flask test client."""
    return app.test_client()


class Api:
    """Small helper for JSON calls with a bearer token and a language."""

    def __init__(self, client: Any, demo: Demo) -> None:
        self.client, self.demo = client, demo
        self._tokens: dict[str, str] = {}

    def login(self, username: str) -> str:
        """An API token for a demo user."""
        if username not in self._tokens:
            r = self.client.post("/api/v1/auth/login",
                                 json={"username": username, "password": self.demo.password})
            assert r.status_code == 200, r.get_json()
            self._tokens[username] = r.get_json()["token"]
        return self._tokens[username]

    def call(self, method: str, path: str, who: str | None = None, json: Any = None,
             lang: str = "vi") -> Any:
        """Call the API as a demo user or device (by name)."""
        headers = {"Accept-Language": lang}
        if who:
            token = self.demo.token(who) if who in self.demo.devices else self.login(who)
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(path, method=method, json=json, headers=headers)


@pytest.fixture
def api(client: Any, demo: Demo) -> Api:
    """JSON API calls as demo users and devices."""
    return Api(client, demo)


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The real server (`xephang run`, gevent) in a subprocess on a fresh database."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db = tmp / "xephang.db"
        self.files = tmp  # where the server writes demo-devices.txt (beside a SQLite file)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tmp / "server.log"
        self.devices: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, str] = {}
        self.extra_args: list[str] = []  # more `xephang run` options (limits, timeouts)

    def env(self) -> dict[str, str]:
        env = dict(os.environ, XEPHANG_DEMO_PASSWORD=DEMO_PASSWORD, PYTHONUNBUFFERED="1")
        return env

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "run", "--db", str(self.db), "--port", str(self.port),
             *self.extra_args],
            cwd=ROOT, env=self.env(), stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60  # a loaded CI machine starts several servers at once
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.url}/api/v1/site", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop(kill=True)  # never leave a half-started server behind
                raise RuntimeError(f"server did not start:\n{self.log.read_text()}")
            time.sleep(0.05)  # polling a starting process: there is no event to await
        if not self.devices:
            self._read_demo()

    def _read_demo(self) -> None:
        lines = (self.files / "demo-devices.txt").read_text(encoding="utf-8").splitlines()
        for line in lines[1:]:
            name, kind, zone, counter, token = line.split("\t")
            self.devices[name] = {"token": token, "kind": kind, "zone": zone or None,
                                  "counter": int(counter) if counter else None}
        from server.setup import initialize  # noqa: F401 - same demo users as the in-process demo
        self.users = {"quantri": {"password": DEMO_PASSWORD, "role": "admin", "counters": []},
                      "giamsat": {"password": DEMO_PASSWORD, "role": "supervisor", "counters": []}}
        for n in range(1, 68):
            self.users[f"canbo{n}"] = {"password": DEMO_PASSWORD, "role": "officer",
                                       "counters": [17, 18] if n == 17 else [n]}

    def stop(self, kill: bool = False) -> None:
        """Stop the server (kill -9 when kill=True)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # never leave a server behind a failing stop
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.proc = None

    def restart(self, kill: bool = False) -> None:
        """Stop and start again on the same port and database."""
        self.stop(kill)
        self.start()

    def token(self, who: str) -> str:
        """A bearer token for a demo device or user."""
        if who in self.devices:
            return str(self.devices[who]["token"])
        if who not in self._tokens:
            r = requests.post(f"{self.url}/api/v1/auth/login",
                              json={"username": who, "password": DEMO_PASSWORD}, timeout=10)
            r.raise_for_status()
            self._tokens[who] = r.json()["token"]
        return self._tokens[who]

    def api(self, method: str, path: str, token: str | None = None, json: Any = None,
            lang: str = "vi", who: str | None = None) -> requests.Response:
        """Call the API with a bearer token (or as a demo user/device by name)."""
        headers = {"Accept-Language": lang}
        if who:
            token = self.token(who)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url + path, json=json, headers=headers, timeout=15)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run `xephang ARGS --db <this db>` and return its output."""
        out = subprocess.run([sys.executable, "-m", "server.cli", *args, "--db", str(self.db)],
                             cwd=ROOT, env=self.env(), input=stdin, capture_output=True,
                             text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        return out.stdout


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server process on a fresh demo database."""
    server = LiveServer(tmp_path)
    server.start()
    yield server
    server.stop()


class WatchedBrowser:
    """The browser, with every page it opens watched for Content-Security-Policy violations."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.violations: list[str] = []

    def _watch(self, page: Any) -> None:
        def console(msg: Any) -> None:
            if msg.type == "error" and "Content Security Policy" in msg.text:
                self.violations.append(f"{page.url}: {msg.text}")
        page.on("console", console)

    def new_context(self, *args: Any, **kwargs: Any) -> Any:
        context = self._browser.new_context(*args, **kwargs)
        context.on("page", self._watch)  # every page of the context, new_page() included
        return context

    def new_page(self, *args: Any, **kwargs: Any) -> Any:
        page = self._browser.new_page(*args, **kwargs)
        self._watch(page)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[WatchedBrowser]:
    """Headless Debian chromium driven by Playwright (never `playwright install`)."""
    from playwright.sync_api import expect, sync_playwright
    # An expect() waits for what the page shows; its 5 s default is too short on a loaded CI
    # machine (a passing check still returns as soon as the page shows it).
    expect.set_options(timeout=15_000)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield WatchedBrowser(b)
        b.close()


@pytest.fixture
def browser(chromium_browser: WatchedBrowser) -> Iterator[Any]:
    """The shared browser; the test fails if a page it opened broke the Content-Security-Policy."""
    chromium_browser.violations.clear()
    yield chromium_browser
    assert not chromium_browser.violations, "CSP violations:\n" + "\n".join(chromium_browser.violations)


@pytest.fixture(scope="session", autouse=True)
def _private_runtime_folder() -> Iterator[None]:
    """Remove the in-process tests' runtime folder at the end."""
    yield
    import shutil
    shutil.rmtree(os.environ["XEPHANG_RUNTIME_DIR"], ignore_errors=True)


# --- issue 9: a throwaway PostgreSQL (tests/support/pg_cluster.py) ---

@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """A private PostgreSQL server for the whole run (initdb + pg_ctl on a socket folder)."""
    from tests.support.pg_cluster import PgCluster
    cluster = PgCluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Any) -> str:
    """A fresh, migrated PostgreSQL database of its own for this test."""
    return str(pg_cluster.create_database())


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: Any, tmp_path: Path) -> Any:
    """The database location on each engine: a SQLite file, then a PostgreSQL URL (a test that
    uses `db_path` runs on both when its module sets `db_path = store_location`)."""
    if request.param == "sqlite":
        return tmp_path / "xephang.db"
    return request.getfixturevalue("pg_url")


class PgLiveServer(LiveServer):
    """The real server (`xephang run --db postgresql://…`) on a fresh PostgreSQL database; its
    files (demo-devices.txt, caches) go to a runtime folder of its own."""

    def __init__(self, tmp: Path, url: str) -> None:
        super().__init__(tmp)
        self.db = url  # type: ignore[assignment]
        self.files = tmp / "runtime"

    def env(self) -> dict[str, str]:
        return dict(super().env(), XEPHANG_RUNTIME_DIR=str(self.files))


@pytest.fixture
def pg_live_server(tmp_path: Path, pg_cluster: Any) -> Iterator[LiveServer]:
    """A real server process on a fresh (empty: the server migrates it) PostgreSQL database."""
    server = PgLiveServer(tmp_path, pg_cluster.create_database(migrated=False))
    server.start()
    yield server
    server.stop()
