"""Issue 9: the citizen side per site. A ward's booking page (/dat-lich?site=CODE) lists the ward's
services and books the ward's slots; its phone verification, tokens, limits and SMS texts are the
ward's; the city centre's slots and limits are untouched. The background jobs (SMS outbox, public
holidays) work for every site. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.services import holidays, notify
from server.services.context import for_site
from server.services.notify.gateways import HttpGateway
from server.store import Database
from server.store import calendar as calendar_rows
from server.store import site as site_rows
from server.store.scope import SiteDatabase
from tests.support.fake_sms import FakeSmsGateway
from tests.test_site_scoping import SERVICE, add_site_b, db_path  # noqa: F401 (the fixture)

SITE_B, WARD = 2, "phuong-ben-thanh"
B_NAME = "Lý lịch tư pháp (phường Bến Thành)"


def next_weekday() -> str:
    d = date.today() + timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d.isoformat()


def make_ward(db_path: Path, password: str) -> None:
    """Site B from the same site file, its booking service renamed and at most 1 booking a day."""
    add_site_b(db_path, password)
    with SiteDatabase(Database(db_path), SITE_B).write() as conn:
        conn.execute("UPDATE services SET name=? WHERE site_id=? AND code=?",
                     (B_NAME, SITE_B, SERVICE))
        policy = dict(site_rows.get_setting(conn, "policy") or {})
        site_rows.set_setting(conn, "policy", {**policy, "daily_per_phone": 1})


def make_app(db: Any) -> Any:
    from server.app import create_app
    return create_app({"DB": str(db), "ASYNC_MODE": "threading", "SYNC_PUBLISH": True,
                       "PRINTING": False, "TESTING": True})


def site_q(site: str | None) -> str:
    return f"site={site}" if site else ""


def with_site(path: str, site: str | None) -> str:
    return path if not site else path + ("&" if "?" in path else "?") + site_q(site)


def verify(client: Any, ctx: Any, gateway: Any, phone: str, site: str | None) -> str:
    """A phone verified at one site (its code read at the fake SMS gateway); its citizen token."""
    r = client.post(with_site("/api/v1/public/verify", site),
                    json={"phone": phone, "consent": True})
    assert r.status_code == 202, r.get_json()
    notify.deliver_due(ctx, HttpGateway(gateway.url))
    code = gateway.code_for("+84" + phone[1:])
    r = client.post(with_site("/api/v1/public/verify/confirm", site),
                    json={"phone": phone, "code": code})
    assert r.status_code == 200, r.get_json()
    return str(r.get_json()["token"])


def free_of(client: Any, site: str | None, day: str, start: str) -> int:
    r = client.get(with_site(f"/api/v1/public/slots?service={SERVICE}&date={day}", site))
    assert r.status_code == 200, r.get_json()
    return int(next(s["free"] for s in r.get_json()["slots"] if s["start"] == start))


def book(client: Any, token: str, site: str | None, day: str, start: str) -> Any:
    return client.post(with_site("/api/v1/public/bookings", site),
                       json={"service": SERVICE, "date": day, "start": start},
                       headers={"Authorization": f"Bearer {token}"})


def test_a_wards_booking_page_books_the_wards_slots_with_its_own_limits_and_texts(
        demo: Any, db_path: Path) -> None:
    make_ward(db_path, demo.password)
    app = make_app(db_path)
    base = app.extensions["xephang"]
    ward = for_site(base, SITE_B)
    client = app.test_client()
    day = next_weekday()

    # the ward's page names its site for its script; an unknown site is a clear 404
    page = client.get(f"/dat-lich?site={WARD}")
    assert page.status_code == 200 and f'data-site="{WARD}"' in page.get_data(as_text=True)
    missing = client.get("/dat-lich?site=phuong-khong-co")
    assert missing.status_code == 404
    assert "Không có điểm phục vụ mã phuong-khong-co" in missing.get_data(as_text=True)
    r = client.get("/api/v1/services?site=phuong-khong-co")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "site_code_unknown"
    # the ward's services are the ward's (the same codes, its own names)
    names = {s["code"]: s["name"] for s in client.get(f"/api/v1/services?site={WARD}")
             .get_json()["services"]}
    assert names[SERVICE] == B_NAME
    home = {s["code"]: s["name"] for s in client.get("/api/v1/services").get_json()["services"]}
    assert home[SERVICE] != B_NAME

    with FakeSmsGateway() as gateway:
        # the verification code of the ward is in the ward's outbox, not the centre's
        r = client.post(f"/api/v1/public/verify?site={WARD}",
                        json={"phone": "0912345678", "consent": True})
        assert r.status_code == 202, r.get_json()
        assert notify.deliver_due(base, HttpGateway(gateway.url)) == 0
        assert notify.deliver_due(ward, HttpGateway(gateway.url)) == 1
        code = gateway.code_for("+84912345678")
        r = client.post(f"/api/v1/public/verify/confirm?site={WARD}",
                        json={"phone": "0912345678", "code": code})
        assert r.status_code == 200, r.get_json()
        b_token = r.get_json()["token"]

        home_free, ward_free = free_of(client, None, day, "08:00"), free_of(client, WARD, day, "08:00")
        # a ward's citizen token is no token at the centre: the phone verifies there too
        r = book(client, b_token, None, day, "08:00")
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "citizen_unverified"
        r = book(client, b_token, WARD, day, "08:00")
        assert r.status_code == 201, r.get_json()
        booking = r.get_json()
        assert free_of(client, WARD, day, "08:00") == ward_free - 1
        assert free_of(client, None, day, "08:00") == home_free  # the centre's slot untouched
        # the ward's confirmation SMS, with the ward's service name
        assert notify.deliver_due(ward, HttpGateway(gateway.url)) == 1
        text = gateway.texts_for("+84912345678")[-1]
        assert B_NAME in text and booking["code"] in text

        # the ward allows 1 booking a day per phone; the centre its own 2, counted apart
        r = book(client, b_token, WARD, day, "09:00")
        assert r.status_code == 429 and r.get_json()["error"]["code"] == "limit_reached"
        a_token = verify(client, base, gateway, "0912345678", None)
        for start in ("08:00", "09:00"):
            r = book(client, a_token, None, day, start)
            assert r.status_code == 201, r.get_json()
        r = book(client, a_token, None, day, "10:00")
        assert r.status_code == 429 and r.get_json()["error"]["code"] == "limit_reached"
        assert free_of(client, WARD, day, "09:00") == free_of(client, None, day, "10:00")

    # the booking's own URLs find its site by its token; another site's name does not
    token = booking["token"]
    assert booking["service_name"] == B_NAME
    assert client.get(f"/api/v1/public/bookings/{token}").get_json()["service_name"] == B_NAME
    assert client.get(f"/api/v1/public/bookings/{token}?site={WARD}").status_code == 200
    assert client.get(f"/api/v1/public/bookings/{token}?site=hcmc").status_code == 404
    page = client.get(f"/dat-lich/b/{token}")
    assert page.status_code == 200 and f'data-site="{WARD}"' in page.get_data(as_text=True)
    r = client.delete(f"/api/v1/public/bookings/{token}")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert free_of(client, WARD, day, "08:00") == ward_free


class Stop(Exception):
    """Ends a job's endless loop after one round."""


def test_the_sms_worker_and_the_holidays_job_work_for_every_site(demo: Any, db_path: Path) -> None:
    make_ward(db_path, demo.password)
    app = make_app(db_path)
    base = app.extensions["xephang"]
    client = app.test_client()
    with FakeSmsGateway() as gateway:
        for phone, site in (("0911111111", None), ("0922222222", WARD)):
            r = client.post(with_site("/api/v1/public/verify", site),
                            json={"phone": phone, "consent": True})
            assert r.status_code == 202, r.get_json()

        def one_round(_seconds: float) -> None:
            raise Stop

        errors: list[str] = []
        with pytest.raises(Stop):
            notify.run_forever(base, one_round, errors.append, HttpGateway(gateway.url))
        assert errors == []
        assert gateway.code_for("+84911111111") and gateway.code_for("+84922222222")

    # the ward's calendar gets its public holidays from the server's job too
    with SiteDatabase(Database(db_path), SITE_B).read() as conn:
        before = calendar_rows.holiday_years(conn)
    holidays.import_every_site(base, errors.append)
    assert errors == []
    this_year = base.clock().year
    for site in (1, SITE_B):
        with SiteDatabase(Database(db_path), site).read() as conn:
            assert {this_year, this_year + 1} <= calendar_rows.holiday_years(conn)
    assert this_year not in before  # it was the job that added them


def test_lists_and_counts_of_one_site_hold_only_its_rows(demo: Any, db_path: Path) -> None:
    """The site editor's open tickets and numbers given out, the simulator's history, the last
    admin check, the event log's position and a ticket's history: each site's own."""
    from server.store import accounts, site_admin
    from server.store import queue as queue_rows
    from server.store import simulate as history_rows
    b = add_site_b(db_path, demo.password)
    app = make_app(db_path)
    client = app.test_client()
    kiosk_a = {"Authorization": f"Bearer {demo.token('kiosk-A1')}"}
    issued = []
    for _ in range(2):
        r = client.post("/api/v1/tickets", json={"service": SERVICE}, headers=kiosk_a)
        assert r.status_code == 201, r.get_json()
        issued.append(r.get_json())
    r = client.post("/api/v1/tickets", json={"service": SERVICE},
                    headers={"Authorization": f"Bearer {b['kiosk']}"})
    assert r.status_code == 201, r.get_json()
    db = Database(db_path)
    site_a, site_b = SiteDatabase(db, 1), SiteDatabase(db, SITE_B)
    day = issued[0]["issued_at"][:10] if "issued_at" in issued[0] else None
    with site_a.read() as conn:
        a_id = queue_rows.ticket_by_token(conn, issued[0]["token"])
        assert a_id is not None
        day = a_id["day"]
        assert site_admin.open_tickets_by_service(conn, day) == {SERVICE: 2}
        assert site_admin.issued_by_service(conn, day) == {SERVICE: 2}
        assert history_rows.issued_by_service(conn)[SERVICE] == 2
        a_events = queue_rows.events_of_ticket(conn, a_id["id"])
        assert a_events
        a_last = queue_rows.last_seq(conn)
        admins_a = accounts.active_admins(conn)
    with site_b.read() as conn:
        assert site_admin.open_tickets_by_service(conn, day) == {SERVICE: 1}
        assert site_admin.issued_by_service(conn, day) == {SERVICE: 1}
        assert history_rows.issued_by_service(conn)[SERVICE] == 1
        assert [t["service"] for t in history_rows.recorded_day(conn, day)] == [SERVICE]
        assert queue_rows.events_of_ticket(conn, a_id["id"]) == []  # A's ticket: none of B's
        assert queue_rows.get_event(conn, a_events[0]["id"]) is None
        b_last = queue_rows.last_seq(conn)
        assert accounts.active_admins(conn) == 1  # b_quantri: A's admins do not count for B
    assert b_last > a_last  # B issued last; A's position is A's last event, not B's
    assert admins_a >= 1
    with site_a.read() as conn:
        assert queue_rows.last_seq(conn) == a_last
    db.close()


def test_a_wards_admin_edits_the_ward_without_the_centres_tickets_or_counters_in_the_way(
        demo: Any, db_path: Path) -> None:
    """The site editor's safety checks (open tickets of a service, an open counter) count the
    editor's own site: the centre's waiting ticket and open counter 18 do not stop the ward's
    admin, and still stop the centre's."""
    from tests.test_site_scoping import COUNTER, bearer
    add_site_b(db_path, demo.password)
    app = make_app(db_path)
    client = app.test_client()
    r = client.post("/api/v1/tickets", json={"service": SERVICE},
                    headers={"Authorization": f"Bearer {demo.token('kiosk-A1')}"})
    assert r.status_code == 201, r.get_json()
    officer_a = bearer(client, f"canbo{COUNTER}", demo.password)
    r = client.post(f"/api/v1/counters/{COUNTER}/open", json={}, headers=officer_a)
    assert r.status_code == 200, r.get_json()
    admin_a = bearer(client, "quantri", demo.password)
    admin_b = bearer(client, "b_quantri", demo.password)
    base = "/api/v1/admin/site"
    r = client.post(f"{base}/service/{SERVICE}/retire", json={}, headers=admin_a)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "has_open_tickets"
    r = client.post(f"{base}/counter/{COUNTER}/retire", json={}, headers=admin_a)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "counter_not_closed"
    r = client.post(f"{base}/counter/{COUNTER}/retire", json={}, headers=admin_b)
    assert r.status_code == 200, r.get_json()
    r = client.post(f"{base}/service/{SERVICE}/retire", json={}, headers=admin_b)
    assert r.status_code == 200, r.get_json()
    phone = app.test_client()  # no staff session cookie: a citizen's phone
    ward = {s["code"] for s in phone.get(f"/api/v1/services?site={WARD}").get_json()["services"]}
    centre = {s["code"] for s in phone.get("/api/v1/services").get_json()["services"]}
    assert SERVICE in centre and SERVICE not in ward


def test_reloading_a_wards_file_is_not_stopped_by_the_centres_waiting_tickets(
        demo: Any, db_path: Path, tmp_path: Path) -> None:
    """`init --reload --site-code WARD`: a ward's file that leaves its TP-LLTP with no counter
    loads while the centre has a ticket waiting at TP-LLTP (the strand check counts the ward's
    tickets), and is refused once the ward has one; the centre's counters stay as they were."""
    from server.services.errors import UseCaseError
    from server.setup import reload_site
    from server.store import site as site_store
    from tests.conftest import ROOT
    b = add_site_b(db_path, demo.password)
    text = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
    ward_file = tmp_path / "ward.toml"
    ward_file.write_text(text.replace('services = ["TP-LLTP", ', "services = [")
                         .replace('services = ["TP-LLTP"]', 'services = ["TP-QT"]'),
                         encoding="utf-8")
    client = make_app(db_path).test_client()
    r = client.post("/api/v1/tickets", json={"service": SERVICE},
                    headers={"Authorization": f"Bearer {demo.token('kiosk-A1')}"})
    assert r.status_code == 201, r.get_json()
    db = Database(db_path)
    ward = SiteDatabase(db, SITE_B)
    reload_site(ward, ward_file)  # the centre's waiting ticket is not the ward's
    with ward.read() as conn:
        ward_counters = {c["number"]: c["services"] for c in site_store.load_site_rows(conn)["counters"]}
    with db.read() as conn:
        centre_counters = {c["number"]: c["services"]
                           for c in site_store.load_site_rows(conn)["counters"]}
    assert SERVICE not in str(ward_counters[18]) and SERVICE in str(centre_counters[18])
    # once the ward has a waiting TP-LLTP ticket, a file stranding it is refused
    ward_file.write_text(text, encoding="utf-8")
    reload_site(ward, ward_file)
    r = client.post("/api/v1/tickets", json={"service": SERVICE},  # the ward's own kiosk
                    headers={"Authorization": f"Bearer {b['kiosk']}"})
    assert r.status_code == 201, r.get_json()
    ward_file.write_text(text.replace('services = ["TP-LLTP", ', "services = [")
                         .replace('services = ["TP-LLTP"]', 'services = ["TP-QT"]'),
                         encoding="utf-8")
    with pytest.raises(UseCaseError) as refused:
        reload_site(ward, ward_file)
    assert refused.value.code == "reload_no_counter"
    db.close()
