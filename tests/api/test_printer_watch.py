"""A kiosk added from the administration with a network printer has its printer watched at once
(its state is known before its first ticket), and a revoked kiosk's printer is no longer polled.
Real fake TCP printers (tests/support/fake_printer.py), the real print worker."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Http
from tests.support.fake_printer import FakePrinter
from tests.support.printing_app import Published
from tests.support.printing_app import printing_app as app_printing

DEVICES = "/api/v1/admin/devices"


@pytest.fixture
def printing_app(demo: Any, db_path: Path, demo_template: Any) -> Iterator[tuple[Any, Http, Published]]:
    """The app with its print worker and printer poll running; every published message recorded."""
    with app_printing(db_path) as (app, published):
        yield app, Http(app, demo, demo_template[2]), published


def printer_state(published: Published, device_id: int, status: str) -> dict[str, Any]:
    """Await `printer.changed` for this kiosk with this status; its printer view."""
    m = published.wait_for(lambda m: m.name == "printer.changed"
                           and m.payload["printer"]["device"] == device_id
                           and m.payload["printer"]["status"] == status)
    return dict(m.payload["printer"])


def listed(http: Http, name: str) -> dict[str, Any]:
    return next(d for d in http.ok("GET", DEVICES, "quantri")["devices"] if d["name"] == name)


def test_a_new_kiosks_printer_is_watched_at_once_and_dropped_when_revoked(
        printing_app: tuple[Any, Http, Published]) -> None:
    _, http, published = printing_app
    with FakePrinter("near_end") as first, FakePrinter("ok") as second:
        made = http.ok("POST", DEVICES, "quantri", {"name": "kiosk-sanh-c", "kind": "kiosk", "zone": "A1",
                                                    "printer": first.url}, 201)["device"]
        # No ticket printed yet: the state comes from watching the printer, not from a print.
        assert printer_state(published, made["id"], "near_end")["url"] == first.url
        assert listed(http, "kiosk-sanh-c")["printer_state"]["status"] == "near_end"
        assert first.printed() == []

        http.ok("POST", f"{DEVICES}/kiosk-sanh-c/revoke", "quantri", {})
        first.set_status("out")
        # A kiosk added after the revoke: once its printer is read, a round has run without
        # the revoked one; every later round too.
        other = http.ok("POST", DEVICES, "quantri", {"name": "kiosk-sanh-d", "kind": "kiosk", "zone": "A1",
                                                     "printer": second.url}, 201)["device"]
        printer_state(published, other["id"], "ok")
        queries = len(first.queries)
        second.set_status("near_end")
        http.ok("PATCH", f"{DEVICES}/kiosk-sanh-d", "quantri", {"paper": "58mm"})  # wakes the poll
        printer_state(published, other["id"], "near_end")
        assert len(first.queries) == queries
        assert listed(http, "kiosk-sanh-c")["printer_state"] is None  # revoked: no printer shown


def test_a_kiosk_moved_to_another_printer_shows_that_printers_state(
        printing_app: tuple[Any, Http, Published]) -> None:
    _, http, published = printing_app
    with FakePrinter("ok") as first, FakePrinter("out") as second:
        made = http.ok("POST", DEVICES, "quantri", {"name": "kiosk-sanh-c", "kind": "kiosk", "zone": "A1",
                                                    "printer": first.url}, 201)["device"]
        printer_state(published, made["id"], "ok")
        http.ok("PATCH", f"{DEVICES}/kiosk-sanh-c", "quantri", {"printer": second.url})
        assert printer_state(published, made["id"], "out")["url"] == second.url
        assert listed(http, "kiosk-sanh-c")["printer_state"]["status"] == "out"
