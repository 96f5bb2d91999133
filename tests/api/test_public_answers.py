"""The HTTP answers public devices and ticket pages get carry no database id of a ticket (ids are
sequential: they would count the day's tickets); staff answers keep them."""
from __future__ import annotations

from typing import Any

from tests.test_public_views import id_like


def ids_of(http: Any, *tickets: dict[str, Any]) -> set[int]:
    """Each ticket's database id, as staff look it up by number."""
    return {http.ok("GET", f"/api/v1/tickets?number={t['number']}", "giamsat")["tickets"][0]["id"]
            for t in tickets}


def test_device_and_ticket_page_answers_hold_no_ticket_id(http: Any) -> None:
    first, second, third = (http.issue("TP-LLTP") for _ in range(3))
    http.act(18, "call-next", "canbo18")
    http.act(18, "park", "canbo18")
    http.act(18, "call-next", "canbo18")   # one ticket at the counter, one parked there
    ids = ids_of(http, first, second, third)
    answers = {
        "queue (board)": http.ok("GET", "/api/v1/queue", "board-A1"),
        "queue (kiosk)": http.ok("GET", "/api/v1/queue?zone=A1", "kiosk-A1"),
        "counter (its display)": http.ok("GET", "/api/v1/counters/18", "counter-18"),
        **{f"ticket page {t['number']}": http.ok("GET", f"/api/v1/tickets/{t['token']}")
           for t in (first, second, third)},
    }
    counter = answers["counter (its display)"]["counter"]
    assert counter["ticket"]["number"] == second["number"]
    assert [t["number"] for t in counter["parked"]] == [first["number"]]
    assert any(c["number"] == first["number"] for c in answers["queue (board)"]["recent_calls"])
    for name, answer in answers.items():
        assert id_like(answer, ids) == [], (name, answer)
    # The check can fail: staff get the same objects with their ids.
    assert id_like(http.ok("GET", "/api/v1/queue", "giamsat"), ids)
    assert id_like(http.ok("GET", "/api/v1/counters/18", "canbo18"), ids)


def test_the_rating_answer_names_the_ticket_by_number_only(http: Any) -> None:
    t = http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    http.act(18, "complete", "canbo18")
    answer = http.ok("POST", "/api/v1/counters/18/rating", "counter-18",
                     {"number": t["number"], "day": t["day"], "score": 4}, status=201)
    assert answer["rating"]["number"] == t["number"]
    assert id_like(answer, ids_of(http, t)) == []
