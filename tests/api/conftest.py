"""Helpers for the API tests: calls as demo users/devices with clean cookie jars, refusals checked
in both languages, and a demo database copied from one made per session (keeps 100+ tests fast)."""
from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from server.i18n import MESSAGES
from tests.conftest import DEMO_PASSWORD, Demo

# Users the tests act as: logged in once in the template, so their API tokens are in every copy.
USERS = ("quantri", "giamsat", "canbo17", "canbo18", "canbo19", "canbo22")

ROOT = Path(__file__).resolve().parents[2]


class Http:
    """JSON calls as a demo user (bearer API token) or device; anonymous calls carry no cookie."""

    def __init__(self, app: Any, demo: Any, tokens: dict[str, str] | None = None) -> None:
        self.app, self.demo = app, demo
        self._tokens: dict[str, str] = dict(tokens or {})

    def token(self, who: str) -> str:
        """A bearer token for a demo device or user (users log in on a throwaway client)."""
        if who in self.demo.devices:
            return self.demo.token(who)
        if who not in self._tokens:
            r = self.app.test_client().post("/api/v1/auth/login",
                                            json={"username": who, "password": self.demo.password})
            assert r.status_code == 200, r.get_json()
            self._tokens[who] = r.get_json()["token"]
        return self._tokens[who]

    def call(self, method: str, path: str, who: str | None = None, json: Any = None,
             lang: str = "vi", **kw: Any) -> Any:
        """One request on a fresh client, so no session cookie ever authenticates it."""
        headers = {"Accept-Language": lang, **kw.pop("headers", {})}
        if who:
            headers["Authorization"] = f"Bearer {self.token(who)}"
        return self.app.test_client().open(path, method=method, json=json, headers=headers, **kw)

    def ok(self, method: str, path: str, who: str | None = None, json: Any = None,
           status: int = 200) -> Any:
        """The JSON answer of a call that must succeed with `status`."""
        r = self.call(method, path, who, json)
        assert r.status_code == status, (r.status_code, r.get_json())
        return r.get_json()

    def refused(self, method: str, path: str, who: str | None, json: Any, status: int,
                code: str, **kw: Any) -> dict[str, str]:
        """Assert a refusal (same status and code in vi and en); returns the messages by language."""
        messages = {}
        for lang in ("vi", "en"):
            r = self.call(method, path, who, json, lang=lang, **kw)
            assert r.status_code == status, (lang, r.status_code, r.get_data(as_text=True)[:300])
            assert r.is_json, r.get_data(as_text=True)[:300]
            err = r.get_json()["error"]
            assert err["code"] == code, err
            assert err["message"] and "{" not in err["message"], err  # every placeholder filled
            messages[lang] = err["message"]
        assert messages["vi"] != messages["en"]
        # service_closed names the reopening time when there is one: a message of its own
        if code in MESSAGES and "{" not in MESSAGES[code][0] and code != "service_closed":
            assert (messages["vi"], messages["en"]) == MESSAGES[code]
        return messages

    # Domain shortcuts -------------------------------------------------------------------------
    def issue(self, service: str = "TP-LLTP", who: str = "kiosk-A1", priority: str | None = None,
              **body: Any) -> dict[str, Any]:
        """Issue a ticket; must be created (201)."""
        return dict(self.ok("POST", "/api/v1/tickets", who,
                            {"service": service, "priority": priority, **body}, status=201))

    def act(self, counter: int, action: str, who: str, **body: Any) -> dict[str, Any]:
        """A counter action that must succeed; returns {ticket, counter}."""
        return dict(self.ok("POST", f"/api/v1/counters/{counter}/{action}", who, body))

    def ticket(self, token: str) -> dict[str, Any]:
        """A ticket as its public page sees it."""
        return dict(self.ok("GET", f"/api/v1/tickets/{token}"))

    def waiting(self, service: str) -> int:
        """How many wait in a service, as /queue shows it to a supervisor."""
        snap = self.ok("GET", "/api/v1/queue", "giamsat")
        return int(next(s["waiting"] for s in snap["services"] if s["code"] == service))

    def stats(self) -> dict[str, Any]:
        """Today's totals as a supervisor sees them."""
        return dict(self.ok("GET", "/api/v1/stats/today", "giamsat"))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: Any) -> tuple[Path, Demo, dict[str, str]]:
    """One demo database per session (site, accounts, devices, API tokens of USERS)."""
    from server.services.auth import login
    from server.services.context import Context
    from server.setup import initialize
    from server.store import Database
    path = tmp_path_factory.mktemp("demo") / "template.db"
    db = Database(path)
    made = initialize(db, None, demo=True, demo_password=DEMO_PASSWORD)
    assert made is not None
    ctx = Context.open(db)
    tokens = {name: login(ctx, name, DEMO_PASSWORD)[1] for name in USERS}
    db.close()
    return path, Demo(made), tokens


@pytest.fixture
def demo(db_path: Path, demo_template: tuple[Path, Demo, dict[str, str]]) -> Demo:
    """The demo database for one test: a copy of the session's template (overrides the root one)."""
    template, made, _ = demo_template
    if ON_POSTGRESQL:  # db_path already is a copy (CREATE DATABASE … TEMPLATE)
        return made
    with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(db_path)) as dst:
        src.backup(dst)
    return made


# XEPHANG_TEST_STORE=postgresql runs these API tests on PostgreSQL (issue 9): the same template,
# made once in a database of a throwaway cluster, copied per test by CREATE DATABASE … TEMPLATE.
ON_POSTGRESQL = os.environ.get("XEPHANG_TEST_STORE") == "postgresql"
if ON_POSTGRESQL:
    @pytest.fixture(scope="session")
    def demo_template(pg_cluster: Any) -> tuple[Any, Demo, dict[str, str]]:  # noqa: F811
        """One demo PostgreSQL database per session, the template of every test's database."""
        from server.services.auth import login
        from server.services.context import Context
        from server.setup import initialize
        from server.store import Database
        url = pg_cluster.create_database(migrated=False)
        db = Database(url)
        made = initialize(db, None, demo=True, demo_password=DEMO_PASSWORD)
        assert made is not None
        ctx = Context.open(db)
        tokens = {name: login(ctx, name, DEMO_PASSWORD)[1] for name in USERS}
        db.close()
        return url, Demo(made), tokens

    @pytest.fixture
    def db_path(pg_cluster: Any, demo_template: tuple[Any, Demo, dict[str, str]]) -> Any:
        """This test's PostgreSQL database: a copy of the demo template."""
        import psycopg
        name = demo_template[0].split("/")[3].split("?")[0]
        copy = f"{name}_{next(_copies)}"
        with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {copy} TEMPLATE {name}".encode())
        return pg_cluster.url(copy)


_copies = itertools.count(1)


@pytest.fixture
def http(app: Any, demo: Demo, demo_template: tuple[Path, Demo, dict[str, str]]) -> Http:
    """API calls as demo users and devices on the in-process app."""
    return Http(app, demo, demo_template[2])


@pytest.fixture
def site_app(tmp_path: Path, demo: Any, db_path: Path) -> Iterator[Any]:
    """Make an app on the demo database after reloading the demo site with text replacements
    (e.g. {"open_all_hours = true": "open_all_hours = false"}); returns (app, Http)."""
    made: list[Any] = []

    def make(replacements: dict[str, str]) -> tuple[Any, Http]:
        from server.app import create_app
        from server.setup import reload_site
        from server.store import Database
        text = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
        for old, new in replacements.items():
            assert old in text, old
            text = text.replace(old, new)
        path = tmp_path / "site.toml"
        path.write_text(text, encoding="utf-8")
        db = Database(db_path)
        reload_site(db, path)
        db.close()
        app = create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                          "PRINTING": False, "TESTING": True})
        made.append(app)
        return app, Http(app, demo)

    yield make
    from server.app import close_app
    for app in made:
        close_app(app)
