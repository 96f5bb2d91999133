"""Issue 9: `xephang migrate-to --site-code CODE` adds a building's SQLite file to a PostgreSQL
deployment that already serves the city centre, as a NEW site: its tickets, numbering, staff and
devices carry on there (ids moved past the deployment's), the centre's data is untouched, and it
is refused when the code exists or a username of the file is taken."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from server.services.auth import hash_password
from server.services.context import now_local, stamp
from server.setup import initialize
from server.store import Database, accounts
from server.store.scope import SiteDatabase
from tests.conftest import DEMO_PASSWORD, Demo
from tests.test_migrate_to import xephang
from tests.test_site_scoping import COUNTER, SERVICE, bearer

WARD = "phuong-ben-thanh"


def make_app(db: Any) -> Any:
    from server.app import create_app
    return create_app({"DB": str(db), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                       "PRINTING": False, "TESTING": True})


def issue(client: Any, kiosk: str, n: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        r = client.post("/api/v1/tickets", json={"service": SERVICE},
                        headers={"Authorization": f"Bearer {kiosk}"})
        assert r.status_code == 201, r.get_json()
        out.append(r.get_json())
    return out


def call_next(client: Any, officer: dict[str, str]) -> dict[str, Any]:
    r = client.post(f"/api/v1/counters/{COUNTER}/call-next", json={}, headers=officer)
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json()["ticket"])


def building(path: Path, usernames: tuple[str, str]) -> str:
    """A building's file: the site file, a kiosk and an officer and admin of its own; tickets
    issued, one called. Its kiosk's token."""
    db = Database(path)
    assert initialize(db, None, demo=False) is not None
    kiosk = secrets.token_urlsafe(24)
    with db.write() as conn:
        now = stamp(now_local())
        accounts.add_device(conn, "kiosk-A1", "kiosk", "A1", None, "virtual", "80mm", kiosk, now)
        pw = hash_password(DEMO_PASSWORD)
        accounts.add_user(conn, usernames[0], "Cán bộ BT", pw, "officer", [COUNTER], now)
        accounts.add_user(conn, usernames[1], "Quản trị BT", pw, "admin", [], now)
    db.close()
    return kiosk


def test_a_building_joins_the_city_database_as_a_new_site(tmp_path: Path, pg_url: str) -> None:
    # the city database already serves the centre: tickets issued and called there
    made = initialize(Database(pg_url), None, demo=True, demo_password=DEMO_PASSWORD)
    assert made is not None
    centre_kiosk = Demo(made).token("kiosk-A1")
    centre_tickets = issue(make_app(pg_url).test_client(), centre_kiosk, 2)
    with Database(pg_url).read() as conn:
        centre_admins = accounts.active_admins(conn)
    # the building, its tickets issued and one called, then the building's server stopped
    file = tmp_path / "ward.db"
    kiosk = building(file, ("bt_canbo18", "bt_quantri"))
    ward = make_app(file)
    wclient = ward.test_client()
    before = issue(wclient, kiosk, 3)
    first = call_next(wclient, bearer(wclient, "bt_canbo18", DEMO_PASSWORD))
    assert first["number"] == before[0]["number"]

    # a file whose usernames are taken in the deployment is refused, nothing changed
    clash = tmp_path / "clash.db"
    building(clash, ("canbo18", "bt2_quantri"))
    r = xephang("migrate-to", "--db", str(clash), "--to", pg_url, "--site-code", "phuong-khac")
    assert r.returncode == 2 and "canbo18" in r.stderr, r.stderr
    r = xephang("migrate-to", "--db", str(file), "--to", pg_url, "--site-code", "hcmc")
    assert r.returncode == 2 and "hcmc" in r.stderr, r.stderr  # the centre's code

    r = xephang("migrate-to", "--db", str(file), "--to", pg_url, "--site-code", WARD)
    assert r.returncode == 0, r.stderr
    assert f"as site {WARD}" in r.stdout
    r = xephang("site", "list", "--db", pg_url)
    assert WARD in r.stdout

    # on the city database: the ward's kiosk, officer, tickets and numbering carry on
    city = make_app(pg_url)
    client = city.test_client()
    officer = bearer(client, "bt_canbo18", DEMO_PASSWORD)
    page = client.get(f"/api/v1/tickets/{before[1]['token']}")
    assert page.status_code == 200 and page.get_json()["number"] == before[1]["number"]
    more = issue(client, kiosk, 1)[0]
    numbers = [t["number"] for t in before] + [more["number"]]
    assert len(set(numbers)) == 4  # the ward's numbering continued, no number twice
    nxt = call_next(client, officer)
    assert nxt["number"] == before[1]["number"]  # the ward's queue goes on where it left off
    # the centre's officer at the same counter number calls the centre's first ticket
    centre = call_next(client, bearer(client, f"canbo{COUNTER}", DEMO_PASSWORD))
    assert centre["token"] == centre_tickets[0]["token"]
    # the centre's last-admin count did not change; the ward has its own admin
    with Database(pg_url).read() as conn:
        assert accounts.active_admins(conn) == centre_admins
    # the ward's history moved with it: its ticket's events, its audit trail with the import
    boss = bearer(client, "bt_quantri", DEMO_PASSWORD)
    trail = client.get("/api/v1/admin/audit?limit=200", headers=boss)
    assert trail.status_code == 200, trail.get_json()
    assert "site.import" in str(trail.get_json())
    centre_trail = client.get("/api/v1/admin/audit?limit=200",
                              headers=bearer(client, "quantri", DEMO_PASSWORD))
    assert centre_trail.status_code == 200 and "site.import" not in str(centre_trail.get_json())
    # the first ticket's steps (issued, called) came with it, their actors moved with the ids
    with Database(file).read() as conn:
        old_id = accounts.device_by_name(conn, "kiosk-A1")["id"]  # type: ignore[index]
    with SiteDatabase(Database(pg_url), 2).read() as conn:
        new_id = accounts.device_by_name(conn, "kiosk-A1")["id"]  # type: ignore[index]
    assert new_id != old_id  # the centre's devices had the file's ids
    history = client.get(f"/api/v1/tickets/{before[0]['token']}/events", headers=boss)
    assert history.status_code == 200, history.get_json()
    steps = history.get_json()["events"]
    assert [e["type"] for e in steps][:2] == ["ticket.issued", "ticket.called"], steps
    assert steps[0]["actor"] == f"device:{new_id}"
