"""The printed ticket, decoded from its ESC/POS bytes: what the citizen reads on the paper."""

from __future__ import annotations

from typing import Callable

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from printers import ticket as layout
from printers.raster import TextStyle, render_text
from printers.ticket import TicketPrint, format_counters, ticket_bytes, ticket_preview
from tests.support.escpos_decoder import Cut, Feed, Raster, decode

PAPER_DOTS = {"80mm": 576, "58mm": 384}


def ink(image: Image.Image) -> Image.Image:
    """Crop an image (ink = black) to its ink so line images compare regardless of trimming."""
    gray = image.convert("L")
    box = ImageChops.invert(gray).getbbox()
    assert box is not None, "blank line"
    return gray.crop(box).point(lambda v: 0 if v < 128 else 255)


def expected_lines(text: str, style: TextStyle, paper: str = "80mm") -> list[Image.Image]:
    return [ink(im) for im in render_text(text, PAPER_DOTS[paper], style)]


def printed_lines(data: bytes) -> list[Image.Image]:
    return [ink(r.image) for r in decode(data).rasters]


def contains_in_order(haystack: list[Image.Image], needles: list[Image.Image]) -> bool:
    it = iter(haystack)
    return all(any(ImageChops.difference(n, h).getbbox() is None and n.size == h.size for h in it)
               for n in needles)


def test_number_prints_as_big_native_text(ticket: TicketPrint) -> None:
    line = decode(ticket_bytes(ticket)).text("1023")
    assert line is not None
    assert line.width >= 4 and line.height >= 4 and line.bold
    assert line.align == "center"


def test_issue_date_and_time_print_as_text(ticket: TicketPrint) -> None:
    assert decode(ticket_bytes(ticket)).text("25/11/2026 08:01") is not None


def test_qr_code_carries_the_status_url(ticket: TicketPrint) -> None:
    codes = decode(ticket_bytes(ticket)).qr_codes
    assert [c.payload for c in codes] == [ticket.status_url]
    assert codes[0].module >= 4


def test_ticket_ends_with_a_cut(ticket: TicketPrint) -> None:
    elements = [e for e in decode(ticket_bytes(ticket)).elements if not isinstance(e, Feed)]
    assert isinstance(elements[-1], Cut)
    assert len(decode(ticket_bytes(ticket)).cuts) == 1


def test_vietnamese_lines_print_as_rasters_in_reading_order(ticket: TicketPrint) -> None:
    wanted: list[Image.Image] = []
    for text, style in [
        ("Trung tâm Phục vụ hành chính công Thành phố Hồ Chí Minh", layout.CENTER),
        ("Sở Tư pháp – Lý lịch tư pháp", layout.SERVICE),
        ("Quầy 17, 18, 19", layout.COUNTERS),
        ("Khu A1 – Tầng 1", layout.ZONE),
        ("Trước bạn: 5 người · chờ khoảng 10–25 phút", layout.WAIT),
        ("Vui lòng chờ gọi số trên màn hình", layout.INSTRUCTION),
    ]:
        wanted += expected_lines(text, style)
    assert contains_in_order(printed_lines(ticket_bytes(ticket)), wanted)


@pytest.mark.parametrize("paper", ["80mm", "58mm"])
def test_rasters_fit_the_paper_with_tight_lines(ticket: TicketPrint, paper: str) -> None:
    rasters = decode(ticket_bytes(ticket, paper)).rasters
    assert len(rasters) >= 6
    for raster in rasters:
        width, height = raster.size
        assert width <= PAPER_DOTS[paper]
        assert 10 <= height <= 48
        assert raster.ink_box() is not None


def test_priority_category_printed_only_when_given(make_ticket: Callable[..., TicketPrint]) -> None:
    line = expected_lines("Ưu tiên: Người cao tuổi", layout.PRIORITY)
    with_priority = printed_lines(ticket_bytes(make_ticket(priority_name="Người cao tuổi")))
    without = printed_lines(ticket_bytes(make_ticket(priority_name=None)))
    assert contains_in_order(with_priority, line)
    assert not contains_in_order(without, line)


def test_next_in_line_and_short_wait_wording(make_ticket: Callable[..., TicketPrint]) -> None:
    data = ticket_bytes(make_ticket(ahead=0, estimated_wait_min=(0, 0)))
    assert contains_in_order(printed_lines(data), expected_lines(
        "Bạn là người tiếp theo · sắp đến lượt", layout.WAIT))


def test_long_counter_list_prints_as_a_range(make_ticket: Callable[..., TicketPrint]) -> None:
    data = ticket_bytes(make_ticket(counters=tuple(range(40, 48))))
    assert contains_in_order(printed_lines(data), expected_lines("Quầy 40–47", layout.COUNTERS))
    assert format_counters((19, 17, 18)) == "17, 18, 19"
    assert format_counters((1, 2, 3, 5, 7, 8, 9, 10), compact=True) == "1–3, 5, 7–10"


def test_english_ticket_uses_english_labels(ticket: TicketPrint) -> None:
    data = ticket_bytes(ticket, lang="en")
    assert contains_in_order(printed_lines(data), expected_lines("Counter 17, 18, 19", layout.COUNTERS))


def test_ticket_bytes_stay_small_on_80mm(ticket: TicketPrint,
                                         make_ticket: Callable[..., TicketPrint]) -> None:
    assert len(ticket_bytes(ticket, "80mm")) <= 12 * 1024
    assert len(ticket_bytes(make_ticket(priority_name="Người khuyết tật"), "80mm")) <= 12 * 1024


@pytest.mark.parametrize("paper", ["80mm", "58mm"])
def test_preview_is_the_paper_with_a_readable_qr(ticket: TicketPrint, paper: str) -> None:
    preview = ticket_preview(ticket, paper)
    assert preview.width == PAPER_DOTS[paper]
    assert [r.text for r in zxingcpp.read_barcodes(preview)] == [ticket.status_url]


def test_non_ascii_number_falls_back_to_raster(make_ticket: Callable[..., TicketPrint]) -> None:
    decoded = decode(ticket_bytes(make_ticket(number="Đ12")))
    assert [t.height for t in decoded.texts] == [1]  # only the date is native text
    assert contains_in_order([ink(r.image) for r in decoded.rasters],
                             expected_lines("Đ12", layout.NUMBER_FALLBACK))


def test_unknown_paper_is_refused(ticket: TicketPrint) -> None:
    with pytest.raises(ValueError):
        ticket_bytes(ticket, "110mm")


VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
words = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper(), min_size=1, max_size=14)
names = st.lists(words, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit=names, service=names, number=st.from_regex(r"[A-Z]?[0-9]{1,4}", fullmatch=True),
       counters=st.lists(st.integers(1, 67), max_size=10).map(tuple),
       paper=st.sampled_from(["80mm", "58mm"]))
def test_any_names_print_within_the_paper(make_ticket: Callable[..., TicketPrint], unit: str,
                                         service: str, number: str, counters: tuple[int, ...],
                                         paper: str) -> None:
    data = ticket_bytes(make_ticket(unit_name=unit, service_name=service, number=number,
                                    counters=counters), paper)
    decoded = decode(data)
    assert decoded.text(number) is not None
    assert [q.payload for q in decoded.qr_codes] == ["http://127.0.0.1:5000/t/Zq3x9LkP0aBcDeFgHiJkLmNo"]
    assert all(isinstance(r, Raster) and r.size[0] <= PAPER_DOTS[paper] for r in decoded.rasters)
    assert len(decoded.cuts) == 1


def test_reused_lines_never_mix_tickets_up(make_ticket: Callable[..., TicketPrint]) -> None:
    # Lines are drawn once and reused: a stream of tickets from two services, each still reads
    # its own service, people ahead and number, and the same ticket gives the same bytes again.
    first = make_ticket(number="1023", ahead=5)
    first_bytes = ticket_bytes(first)
    other = make_ticket(number="2001", unit_name="Sở Xây dựng", service_name="Cấp phép xây dựng",
                        ahead=7, estimated_wait_min=(20, 30))
    other_lines = printed_lines(ticket_bytes(other))
    assert contains_in_order(other_lines, expected_lines("Sở Xây dựng – Cấp phép xây dựng",
                                                         layout.SERVICE)
                             + expected_lines("Trước bạn: 7 người · chờ khoảng 20–30 phút",
                                              layout.WAIT))
    assert not contains_in_order(other_lines, expected_lines("Sở Tư pháp – Lý lịch tư pháp",
                                                             layout.SERVICE))
    assert decode(ticket_bytes(other)).text("2001") is not None
    assert ticket_bytes(first) == first_bytes
    assert decode(ticket_bytes(make_ticket(number="1024", ahead=6))).text("1024") is not None
