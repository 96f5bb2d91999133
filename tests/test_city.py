"""Issue 9, the city level: a city-level admin (users.site_id NULL) lists the sites, acts for a
site she names with `?site=CODE` (users, devices), and reads the city report; a ward's admin can
name no other site and reads no city report. SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from server.i18n import message
from server.services.auth import CLI
from server.services.context import Context, now_local, service_day
from server.store import Database, accounts
from server.store import audit as audit_rows
from server.store.scope import SiteDatabase
from tests.test_site_scoping import SERVICE, add_site_b, bearer
from tests.test_sites import xephang

WARD = "phuong-ben-thanh"
FIGURES = ("issued", "served", "no_show", "not_served", "wait_p50_min", "wait_p90_min",
           "wait_max_min", "within_target", "satisfaction", "visits", "waited")


@pytest.fixture
def db_path(store_location: Any) -> Any:
    """SQLite file, then PostgreSQL."""
    return store_location


def add_city_admin(db_path: Any, password: str, role: str = "admin") -> None:
    """A city-level account made as `xephang user add --city` makes it (same use cases)."""
    from server.services import city
    from server.services.admin import users
    db = Database(db_path)
    ctx = Context.open(db)
    users.save_user(ctx, CLI, "thanhpho", {"role": role, "counters": ""}, password)
    city.make_city_account(ctx, CLI, "thanhpho")
    db.close()


@pytest.fixture
def city(demo: Any, db_path: Any) -> Any:
    """The demo centre (site 1), ward B, a city admin; the app and its test client."""
    b = add_site_b(db_path, demo.password)
    add_city_admin(db_path, demo.password)
    from server.app import create_app
    app = create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                      "PRINTING": False, "TESTING": True})
    app.b_tokens = b  # type: ignore[attr-defined]
    yield app
    app.extensions["xephang"].db.close()


def error_of(r: Any) -> dict[str, Any]:
    body = r.get_json()
    assert body and "error" in body, (r.status_code, body)
    return dict(body["error"])


def test_a_city_admin_makes_a_ward_officer_who_calls_only_at_the_wards_counters(
        city: Any, demo: Any, db_path: Any) -> None:
    client = city.test_client()
    boss = bearer(client, "thanhpho", demo.password)
    me = client.get("/api/v1/me", headers=boss).get_json()
    assert me["user"]["city"] is True and me["user"]["role"] == "admin"

    # the sites, with their people and devices counted
    r = client.get("/api/v1/admin/sites", headers=boss)
    assert r.status_code == 200, r.get_json()
    sites = {s["code"]: s for s in r.get_json()["sites"]}
    assert set(sites) == {"hcmc", WARD}
    assert (sites[WARD]["devices"], sites[WARD]["users"]) == (2, 3)
    assert sites["hcmc"]["devices"] > 2 and sites["hcmc"]["counters"] == sites[WARD]["counters"] > 0

    # an officer of ward B, made by the city admin naming the ward
    r = client.post(f"/api/v1/admin/users?site={WARD}", headers=boss, json={
        "username": "b_moi", "display_name": "Cán bộ mới", "role": "officer", "counters": [18],
        "password": demo.password})
    assert r.status_code == 201, r.get_json()
    made_id = r.get_json()["user"]["id"]
    listed = client.get(f"/api/v1/admin/users?site={WARD}", headers=boss).get_json()["users"]
    assert "b_moi" in [u["username"] for u in listed]
    home = client.get("/api/v1/admin/users", headers=boss).get_json()["users"]
    assert "b_moi" not in [u["username"] for u in home]  # without ?site: the home site
    sites = {s["code"]: s for s in client.get("/api/v1/admin/sites", headers=boss).get_json()["sites"]}
    assert sites[WARD]["users"] == 4
    # the audit entry is in ward B's trail, signed by the city admin; none in the centre's
    base = city.extensions["xephang"]
    with SiteDatabase(base.db, 2).read() as conn:
        ward_entries = audit_rows.entries(conn, kind="user.create")
    with base.db.read() as conn:
        home_entries = audit_rows.entries(conn, kind="user.create")
    assert [e["target"] for e in ward_entries] == [f"user:{made_id}"]
    assert ward_entries[0]["actor_name"] and "user:" in ward_entries[0]["actor"]
    assert f"user:{made_id}" not in [e["target"] for e in home_entries]

    # a ticket waits in each site; the new officer's call-next at 18 gets B's, never A's older one
    kiosk_a = {"Authorization": f"Bearer {demo.token('kiosk-A1')}"}
    kiosk_b = {"Authorization": f"Bearer {city.b_tokens['kiosk']}"}
    a1 = client.post("/api/v1/tickets", json={"service": SERVICE}, headers=kiosk_a).get_json()
    b1 = client.post("/api/v1/tickets", json={"service": SERVICE}, headers=kiosk_b).get_json()
    officer = bearer(client, "b_moi", demo.password)
    r = client.post("/api/v1/counters/18/call-next", json={}, headers=officer)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["ticket"]["token"] == b1["token"] != a1["token"]
    r = client.post("/api/v1/counters/17/call-next", json={}, headers=officer)
    assert r.status_code == 403 and error_of(r)["code"] == "not_your_counter"

    # a device of ward B, made by the city admin: in B's list, not in the centre's
    r = client.post(f"/api/v1/admin/devices?site={WARD}", headers=boss,
                    json={"name": "board-2", "kind": "display"})
    assert r.status_code == 201, r.get_json()
    token = r.get_json()["token"]
    assert r.get_json()["device"]["name"] == "board-2"
    names_b = [d["name"] for d in client.get(f"/api/v1/admin/devices?site={WARD}",
                                             headers=boss).get_json()["devices"]]
    names_a = [d["name"] for d in client.get("/api/v1/admin/devices", headers=boss).get_json()["devices"]]
    assert "board-2" in names_b and "board-2" not in names_a
    with base.db.read() as conn:
        assert accounts.device_by_token(conn, token)["site_id"] == 2

    # and disables the officer: no more login
    r = client.post(f"/api/v1/admin/users/b_moi/disable?site={WARD}", headers=boss, json={})
    assert r.status_code == 200 and r.get_json()["user"]["active"] is False
    r = client.post("/api/v1/auth/login", json={"username": "b_moi", "password": demo.password})
    assert r.status_code == 401
    # an unknown site: its own error
    r = client.get("/api/v1/admin/users?site=nowhere", headers=boss)
    assert r.status_code == 404 and error_of(r)["code"] == "site_code_unknown"


def test_a_ward_admin_names_no_other_site_and_reads_no_city_report(city: Any, demo: Any) -> None:
    client = city.test_client()
    ward = bearer(client, "b_quantri", demo.password)
    ward_boss = bearer(client, "b_giamsat", demo.password)
    home = bearer(client, "quantri", demo.password)
    r = client.post("/api/v1/admin/users?site=hcmc", headers={**ward, "Accept-Language": "vi"},
                    json={"username": "lan_sang", "role": "officer", "counters": [18],
                          "password": demo.password})
    assert r.status_code == 403 and error_of(r)["code"] == "site_not_yours"
    assert "điểm phục vụ" in error_of(r)["message"]
    r = client.post("/api/v1/admin/devices?site=hcmc", headers={**ward, "Accept-Language": "en"},
                    json={"name": "kiosk-x", "kind": "kiosk"})
    assert r.status_code == 403 and error_of(r)["code"] == "site_not_yours"
    assert error_of(r)["message"] == "You can act only for your own site, not for site hcmc."
    # a site that does not exist answers the same (no telling which sites exist)
    r = client.get("/api/v1/admin/users?site=nowhere", headers=ward)
    assert r.status_code == 403 and error_of(r)["code"] == "site_not_yours"
    # nor B's supervisor, nor a department head of the centre (a supervisor scoped to a unit)
    r = client.get("/api/v1/admin/users?site=hcmc", headers=ward_boss)
    assert r.status_code == 403 and error_of(r)["code"] == "site_not_yours"
    r = client.post("/api/v1/admin/users", headers=bearer(client, "quantri", demo.password), json={
        "username": "hoa", "role": "supervisor", "units": ["TP"], "password": demo.password})
    assert r.status_code == 201, r.get_json()
    head = bearer(client, "hoa", demo.password)
    for url in (f"/api/v1/admin/devices?site={WARD}",
                f"/api/v1/reports?from={service_day(now_local())}&to={service_day(now_local())}"
                f"&site={WARD}"):
        r = client.get(url, headers=head)
        assert r.status_code == 403 and error_of(r)["code"] == "site_not_yours", url
    # the centre's admin cannot name the ward either
    r = client.get(f"/api/v1/admin/devices?site={WARD}", headers=home)
    assert r.status_code == 403 and error_of(r)["code"] == "site_not_yours"
    # nothing was made
    with city.extensions["xephang"].db.read() as conn:
        assert accounts.any_user_by_name(conn, "lan_sang") is None
    # a username names one account in the deployment: B's admin cannot reach the centre's officer
    r = client.post("/api/v1/admin/users/canbo18/disable", headers=ward, json={})
    assert r.status_code == 404 and error_of(r)["code"] == "user_not_found"
    r = client.patch("/api/v1/admin/users/thanhpho", headers=ward, json={"display_name": "x"})
    assert r.status_code == 404 and error_of(r)["code"] == "user_not_found"  # a city account
    with city.extensions["xephang"].db.read() as conn:
        assert accounts.any_user_by_name(conn, "canbo18")["active"] == 1
    # the citizens' public endpoints are not staff requests: a staff cookie does not refuse them
    r = client.get(f"/api/v1/public/slots?service={SERVICE}&site=hcmc", headers=ward)
    assert (r.get_json().get("error") or {}).get("code") != "site_not_yours", r.get_json()
    # naming its own site is allowed (the same as not naming it)
    r = client.get(f"/api/v1/admin/users?site={WARD}", headers=ward)
    assert r.status_code == 200 and "b_canbo18" in [u["username"] for u in r.get_json()["users"]]
    # no city views for a site's admin or supervisor
    today = service_day(now_local())
    for who in (ward, ward_boss, home):
        for url in ("/api/v1/admin/sites", f"/api/v1/reports/city?from={today}&to={today}"):
            r = client.get(url, headers={**who, "Accept-Language": "en"})
            assert r.status_code == 403 and error_of(r)["code"] == "city_only", url


def test_the_city_report_equals_each_sites_own_report(city: Any, demo: Any) -> None:
    client = city.test_client()
    boss = bearer(client, "thanhpho", demo.password)
    site_admins = {"hcmc": bearer(client, "quantri", demo.password),
                   WARD: bearer(client, "b_quantri", demo.password)}
    officers = {"hcmc": bearer(client, "canbo18", demo.password),
                WARD: bearer(client, "b_canbo18", demo.password)}
    kiosks = {"hcmc": {"Authorization": f"Bearer {demo.token('kiosk-A1')}"},
              WARD: {"Authorization": f"Bearer {city.b_tokens['kiosk']}"}}
    base = city.extensions["xephang"]
    real_clock = base.clock
    minutes = [0]
    base.clock = lambda: real_clock() + timedelta(minutes=minutes[0])
    for code, n, served, missed in (("hcmc", 5, 3, 1), (WARD, 3, 1, 1)):
        for _ in range(n):
            r = client.post("/api/v1/tickets", json={"service": SERVICE}, headers=kiosks[code])
            assert r.status_code == 201, r.get_json()
        for i in range(served + missed):
            minutes[0] += 7  # waits differ, so percentiles mean something
            r = client.post("/api/v1/counters/18/call-next", json={}, headers=officers[code])
            assert r.status_code == 200, r.get_json()
            action = "complete" if i < served else "no-show"
            r = client.post(f"/api/v1/counters/18/{action}", json={}, headers=officers[code])
            assert r.status_code == 200, r.get_json()
    today = service_day(base.clock())

    def compare(first: str, last: str) -> dict[str, Any]:
        r = client.get(f"/api/v1/reports/city?from={first}&to={last}", headers=boss)
        assert r.status_code == 200, r.get_json()
        answer = r.get_json()
        rows = {row["key"]: row for row in answer["rows"]}
        assert list(rows) == ["hcmc", WARD]
        for code in rows:
            own = client.get(f"/api/v1/reports?from={first}&to={last}",
                             headers=site_admins[code]).get_json()["totals"]
            acting = client.get(f"/api/v1/reports?from={first}&to={last}&site={code}",
                                headers=boss).get_json()["totals"]
            assert own == acting
            for f in FIGURES:
                assert rows[code][f] == own[f], (code, f, rows[code][f], own[f])
        for f in ("issued", "served", "no_show", "not_served", "visits"):
            assert answer["totals"][f] == sum(row[f] for row in rows.values()), f
        return answer

    answer = compare(today, today)
    rows = {row["key"]: row for row in answer["rows"]}
    assert (rows["hcmc"]["issued"], rows["hcmc"]["served"], rows["hcmc"]["no_show"]) == (5, 3, 1)
    assert (rows[WARD]["issued"], rows[WARD]["served"], rows[WARD]["no_show"]) == (3, 1, 1)
    assert rows["hcmc"]["wait_avg_min"] is not None and answer["totals"]["wait_p90_min"] >= 7

    # the next day: yesterday is closed and summarized in every site; read from the summaries
    from server.services import reports
    from server.services.context import every_site
    from server.services.tickets import close_day
    minutes[0] += 24 * 60
    for site in every_site(base):
        close_day(site)
        reports.summarize_closed_days(site)
    tomorrow = service_day(base.clock())
    boss = bearer(client, "thanhpho", demo.password)  # a staff token lasts one working day
    site_admins = {"hcmc": bearer(client, "quantri", demo.password),
                   WARD: bearer(client, "b_quantri", demo.password)}
    r = client.post("/api/v1/tickets", json={"service": SERVICE}, headers=kiosks[WARD])
    assert r.status_code == 201, r.get_json()
    answer = compare(today, tomorrow)
    rows = {row["key"]: row for row in answer["rows"]}
    assert (rows["hcmc"]["not_served"], rows[WARD]["not_served"], rows[WARD]["issued"]) == (1, 1, 4)

    # the CSV: a heading, a line per site, the city's totals last (vi, with BOM)
    r = client.get(f"/api/v1/reports/city?from={today}&to={tomorrow}&format=csv", headers=boss)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.data.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:])))
    assert lines[0][:3] == ["Mã điểm", "Điểm phục vụ", message("report_col_issued", "vi")]
    assert [line[0] for line in lines[1:]] == ["hcmc", WARD, ""]
    assert lines[-1][1] == "Tổng cộng" and int(lines[-1][2]) == answer["totals"]["issued"] == 9
    r = client.get(f"/api/v1/reports/city?from={today}&to={tomorrow}&format=xlsx", headers=boss)
    assert r.status_code == 400 and error_of(r)["code"] == "report_bad_format"
    r = client.get(f"/api/v1/reports/city?from={tomorrow}&to={today}", headers=boss)
    assert r.status_code == 400 and error_of(r)["code"] == "report_bad_range"
    base.clock = real_clock


def test_user_add_city_makes_a_city_level_account(tmp_path: Path) -> None:
    db = str(tmp_path / "city.db")
    assert xephang("init", "--db", db, "--no-demo").returncode == 0
    assert xephang("site", "add", "ben-thanh", "--name", "Phường Bến Thành", "--db", db).returncode == 0
    import subprocess
    import sys
    from tests.test_sites import ROOT
    made = subprocess.run([sys.executable, "-m", "server.cli", "user", "add", "thanhpho", "--role",
                           "admin", "--city", "--password-stdin", "--db", db], cwd=ROOT,
                          input="Thanh-pho-2026\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr  # several sites, yet no --site-code needed
    officer = subprocess.run([sys.executable, "-m", "server.cli", "user", "add", "ai", "--role",
                              "officer", "--city", "--password-stdin", "--db", db], cwd=ROOT,
                             input="Thanh-pho-2026\n", capture_output=True, text=True, timeout=60)
    assert officer.returncode != 0  # an officer works at one site's counters
    database = Database(db)
    with database.read() as conn:
        user = accounts.any_user_by_name(conn, "thanhpho")
        assert user is not None and user["site_id"] is None and user["role"] == "admin"
        assert accounts.any_user_by_name(conn, "ai") is None
        kinds = [e["kind"] for e in audit_rows.entries(conn, kind="user.")]
    assert "user.city" in kinds and "user.create" in kinds
    database.close()


def test_a_city_admins_page_acting_for_a_ward_hears_the_wards_changes(city: Any, demo: Any) -> None:
    """The live link of a page opened with ?site=CODE joins that site's rooms (auth.site): the
    ward's admin.changed reaches it, the centre's does not; a ward admin naming the centre is
    refused."""
    from server.realtime import socketio
    web = city.test_client()
    assert web.post("/api/v1/auth/login", json={"username": "thanhpho",
                                                 "password": demo.password}).status_code == 200
    acting = socketio.test_client(city, flask_test_client=web, auth={"site": WARD})
    home = socketio.test_client(city, flask_test_client=web)
    assert acting.is_connected() and home.is_connected()
    acting.get_received()
    home.get_received()
    ward_admin = bearer(web, "b_quantri", demo.password)
    r = web.post("/api/v1/admin/users", headers=ward_admin, json={
        "username": "b_an", "role": "officer", "counters": [18], "password": demo.password})
    assert r.status_code == 201, r.get_json()
    heard = [m["args"][0] for m in acting.get_received() if m["name"] == "admin.changed"]
    assert {"area": "users"}.items() <= heard[0].items(), heard
    assert not [m for m in home.get_received() if m["name"] == "admin.changed"]
    r = web.post("/api/v1/admin/users", headers=bearer(web, "quantri", demo.password), json={
        "username": "a_an", "role": "officer", "counters": [18], "password": demo.password})
    assert r.status_code == 201, r.get_json()
    assert not [m for m in acting.get_received() if m["name"] == "admin.changed"]
    assert [m for m in home.get_received() if m["name"] == "admin.changed"]
    acting.disconnect()
    home.disconnect()
    ward_web = city.test_client()
    assert ward_web.post("/api/v1/auth/login", json={"username": "b_quantri",
                                                      "password": demo.password}).status_code == 200
    refused = socketio.test_client(city, flask_test_client=ward_web, auth={"site": "hcmc"})
    assert not refused.is_connected()


def test_a_city_supervisor_reads_every_site_and_changes_nothing(city: Any, demo: Any,
                                                                db_path: Any) -> None:
    from server.services import city as city_service
    from server.services.admin import users
    db = Database(db_path)
    ctx = Context.open(db)
    users.save_user(ctx, CLI, "giamsat_tp", {"role": "supervisor", "counters": ""}, demo.password)
    city_service.make_city_account(ctx, CLI, "giamsat_tp")
    db.close()
    client = city.test_client()
    boss = bearer(client, "giamsat_tp", demo.password)
    today = service_day(now_local())
    assert client.get("/api/v1/admin/sites", headers=boss).status_code == 200
    r = client.get(f"/api/v1/reports/city?from={today}&to={today}", headers=boss)
    assert r.status_code == 200 and len(r.get_json()["rows"]) == 2
    r = client.get(f"/api/v1/admin/users?site={WARD}", headers=boss)
    assert r.status_code == 200 and "b_canbo18" in [u["username"] for u in r.get_json()["users"]]
    r = client.post(f"/api/v1/admin/users?site={WARD}", headers=boss, json={
        "username": "b_x", "role": "officer", "counters": [18], "password": demo.password})
    assert r.status_code == 403 and error_of(r)["code"] == "admin_only"
