"""Fixtures for the printer tests: a fake network printer and a sample ticket."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

import pytest

from printers.ticket import TicketPrint
from tests.support.fake_printer import FakePrinter

VN = timezone(timedelta(hours=7))


def make_ticket(**changes: object) -> TicketPrint:
    """A ticket as the server would build it for Lý lịch tư pháp in Khu A1."""
    fields: dict[str, object] = dict(
        center_name="Trung tâm Phục vụ hành chính công Thành phố Hồ Chí Minh",
        number="1023", unit_name="Sở Tư pháp", service_name="Lý lịch tư pháp",
        counters=(17, 18, 19), zone_name="Khu A1", floor=1,
        issued_at=datetime(2026, 11, 25, 8, 1, 2, tzinfo=VN), ahead=5,
        estimated_wait_min=(10, 25),
        status_url="http://127.0.0.1:5000/t/Zq3x9LkP0aBcDeFgHiJkLmNo",
        priority_name=None, instruction="Vui lòng chờ gọi số trên màn hình")
    fields.update(changes)
    return TicketPrint(**fields)  # type: ignore[arg-type]


@pytest.fixture
def ticket() -> TicketPrint:
    """The sample ticket (number 1023, counters 17–19, Khu A1, no priority)."""
    return make_ticket()


@pytest.fixture(name="make_ticket")
def make_ticket_fixture() -> Callable[..., TicketPrint]:
    """Build a sample ticket with some fields changed."""
    return make_ticket


@pytest.fixture
def fake_printer() -> Iterator[FakePrinter]:
    """A fake ESC/POS printer on 127.0.0.1 reporting "ok"; tests may set_status() it."""
    with FakePrinter() as printer:
        yield printer
