"""The citizen's rating on the counter tablet: who, when, once per leg, valid scores."""
from __future__ import annotations

from typing import Any

import pytest

RATE = "/api/v1/counters/{}/rating"


def served_at(http: Any, counter: int = 18, officer: str = "canbo18") -> dict[str, Any]:
    """A ticket called and completed at a counter."""
    t = http.issue("TP-LLTP")
    http.act(counter, "call-next", officer)
    http.act(counter, "complete", officer)
    return t


def test_counter_tablet_rates_the_finished_service_and_stats_show_it(http: Any) -> None:
    t = served_at(http)
    rating = http.ok("POST", RATE.format(18), "counter-18",
                     {"number": t["number"], "score": 2, "reasons": ["wait", "guidance"]},
                     status=201)["rating"]
    assert (rating["number"], rating["counter"], rating["score"],
            rating["reasons"], rating["leg"]) == ("1001", 18, 2, ["wait", "guidance"], 1)
    assert "ticket_id" not in rating  # the tablet is a public device: no database id
    stats = http.stats()
    assert (stats["ratings_count"], stats["avg_rating"]) == (1, 2)


def test_rating_twice_is_refused(http: Any) -> None:
    t = served_at(http)
    http.ok("POST", RATE.format(18), "counter-18", {"number": t["number"], "score": 4}, status=201)
    msgs = http.refused("POST", RATE.format(18), "counter-18", {"number": t["number"], "score": 1},
                        409, "already_rated")
    assert msgs == {"vi": "Lượt phục vụ này đã được đánh giá. Cảm ơn bạn!",
                    "en": "This service was already rated. Thank you!"}
    assert http.stats()["avg_rating"] == 4


def test_each_leg_of_a_transferred_ticket_is_rated_once(http: Any) -> None:
    t = http.issue("TP-QT")
    http.act(22, "call-next", "canbo22")
    http.act(22, "transfer", "canbo22", service="TP-LLTP")
    http.ok("POST", RATE.format(22), "counter-22", {"number": t["number"], "score": 3}, status=201)
    http.act(18, "call-next", "canbo18")
    http.refused("POST", RATE.format(18), "counter-18", {"number": t["number"], "score": 4}, 409,
                 "nothing_to_rate")
    http.act(18, "complete", "canbo18")
    second = http.ok("POST", RATE.format(18), "counter-18", {"number": t["number"], "score": 4},
                     status=201)["rating"]
    assert second["leg"] == 2
    http.refused("POST", RATE.format(22), "counter-22", {"number": t["number"], "score": 3}, 409,
                 "already_rated")
    assert http.stats()["ratings_count"] == 2


def test_only_after_the_service_is_complete(http: Any) -> None:
    t = http.issue("TP-LLTP")
    body = {"number": t["number"], "score": 4}
    msgs = http.refused("POST", RATE.format(18), "counter-18", body, 409, "nothing_to_rate")
    assert msgs["en"] == "There is no finished service to rate."
    http.act(18, "call-next", "canbo18")
    http.refused("POST", RATE.format(18), "counter-18", body, 409, "nothing_to_rate")
    http.act(18, "start", "canbo18")
    http.refused("POST", RATE.format(18), "counter-18", body, 409, "nothing_to_rate")
    http.act(18, "complete", "canbo18")
    http.ok("POST", RATE.format(18), "counter-18", body, status=201)


def test_no_show_cannot_be_rated(http: Any) -> None:
    t = http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    http.act(18, "no-show", "canbo18")
    http.refused("POST", RATE.format(18), "counter-18", {"number": t["number"], "score": 1}, 409,
                 "nothing_to_rate")


def test_only_the_counters_own_tablet_rates(http: Any) -> None:
    t = served_at(http)
    for who in ("counter-19", "canbo18", "giamsat", "kiosk-A1", "board-A1"):
        http.refused("POST", RATE.format(18), who, {"number": t["number"], "score": 4}, 403,
                     "forbidden")
    assert http.stats()["ratings_count"] == 0


def test_anonymous_and_unknown_counter(http: Any) -> None:
    http.refused("POST", RATE.format(18), None, {"ticket_id": 1, "score": 4}, 401, "unauthorized")
    http.refused("POST", RATE.format(99), "counter-18", {"ticket_id": 1, "score": 4}, 404,
                 "unknown_counter")


def test_a_ticket_served_elsewhere_cannot_be_rated_here(http: Any) -> None:
    t = served_at(http, 19, "canbo19")
    http.refused("POST", RATE.format(18), "counter-18", {"number": t["number"], "score": 4}, 409,
                 "nothing_to_rate")


def test_score_must_be_1_to_4(http: Any) -> None:
    t = served_at(http)
    for score in (0, 5, -1, "4", 3.5, None, True):
        msgs = http.refused("POST", RATE.format(18), "counter-18",
                            {"number": t["number"], "score": score}, 400, "bad_score")
        assert msgs == {"vi": "Mức đánh giá phải từ 1 đến 4.", "en": "The score must be 1 to 4."}
    assert http.stats()["ratings_count"] == 0


def test_reasons_must_be_known_codes(http: Any) -> None:
    t = served_at(http)
    for reasons in (["rude"], "wait", [1], ["wait", None]):
        msgs = http.refused("POST", RATE.format(18), "counter-18",
                            {"number": t["number"], "score": 1, "reasons": reasons}, 400,
                            "bad_reasons")
        assert msgs["en"] == "Unknown rating reason."
    assert http.stats()["ratings_count"] == 0


def test_repeated_rating_request_id_answers_the_first_rating_with_200(http: Any) -> None:
    t = served_at(http)
    body = {"number": t["number"], "score": 4, "request_id": "tablet-18-1"}
    first = http.ok("POST", RATE.format(18), "counter-18", body, status=201)
    again = http.call("POST", RATE.format(18), "counter-18", body)
    assert again.get_json() == first
    assert http.stats()["ratings_count"] == 1
    assert again.status_code == 200


def test_a_staff_snapshot_carries_todays_latest_ratings_and_a_screens_does_not(http: Any, app: Any) -> None:
    from server.realtime import socketio
    first, second = served_at(http), served_at(http)
    http.ok("POST", RATE.format(18), "counter-18",
            {"number": first["number"], "score": 1, "reasons": ["wait"]}, status=201)
    http.ok("POST", RATE.format(18), "counter-18", {"number": second["number"], "score": 4}, status=201)
    web = app.test_client()
    assert web.post("/api/v1/auth/login", json={"username": "giamsat",
                                                 "password": http.demo.password}).status_code == 200
    staff = socketio.test_client(app, flask_test_client=web)
    snap = staff.get_received()[0]["args"][0]
    assert [(r["number"], r["counter"], r["score"], r["reasons"]) for r in snap["ratings"]] == [
        (second["number"], 18, 4, []), (first["number"], 18, 1, ["wait"])]
    assert snap["ratings"][0]["at"].endswith("+07:00")
    board = socketio.test_client(app, auth={"token": http.demo.token("board-A1")})
    assert "ratings" not in board.get_received()[0]["args"][0]


def test_the_tablet_rates_by_printed_number_once_per_leg(http: Any) -> None:
    """The counter display knows no database id: it names the ticket by day and number."""
    t = http.issue("TP-QT")
    http.act(22, "call-next", "canbo22")
    http.act(22, "transfer", "canbo22", service="TP-LLTP")
    first = http.ok("POST", RATE.format(22), "counter-22",
                    {"number": t["number"], "day": t["day"], "score": 3}, status=201)["rating"]
    assert (first["number"], first["leg"], first["counter"]) == (t["number"], 1, 22)
    http.refused("POST", RATE.format(22), "counter-22", {"number": t["number"], "score": 1}, 409,
                 "already_rated")
    http.act(18, "call-next", "canbo18")
    http.refused("POST", RATE.format(18), "counter-18", {"number": t["number"], "score": 4}, 409,
                 "nothing_to_rate")
    http.act(18, "complete", "canbo18")
    second = http.ok("POST", RATE.format(18), "counter-18", {"number": t["number"], "score": 4},
                     status=201)["rating"]
    assert second["leg"] == 2 and "ticket_id" not in second
    assert http.stats()["ratings_count"] == 2


def test_a_number_not_served_here_or_on_another_day_cannot_be_rated(http: Any) -> None:
    here, elsewhere = served_at(http), served_at(http, 19, "canbo19")
    for body in ({"number": elsewhere["number"]}, {"number": "9999"},
                 {"number": here["number"], "day": "2020-01-01"}):
        http.refused("POST", RATE.format(18), "counter-18", {**body, "score": 4}, 409,
                     "nothing_to_rate")
    for body in ({"number": 1001}, {"number": ""}, {"number": here["number"], "day": 20}, {}):
        http.refused("POST", RATE.format(18), "counter-18", {**body, "score": 4}, 404,
                     "ticket_not_found")
    assert http.stats()["ratings_count"] == 0


def test_a_repeated_rating_by_number_answers_the_first_with_200(http: Any) -> None:
    t = served_at(http)
    body = {"number": t["number"], "day": t["day"], "score": 2,
            "request_id": f"rating-{t['day']}:{t['number']}:1"}
    first = http.ok("POST", RATE.format(18), "counter-18", body, status=201)
    again = http.call("POST", RATE.format(18), "counter-18", body)
    assert (again.status_code, again.get_json()) == (200, first)
    assert http.stats()["ratings_count"] == 1


def test_an_older_tablet_page_may_still_rate_by_ticket_id(http: Any) -> None:
    t = served_at(http)
    ticket_id = http.ok("GET", f"/api/v1/tickets?number={t['number']}", "giamsat")["tickets"][0]["id"]
    rating = http.ok("POST", RATE.format(18), "counter-18", {"ticket_id": ticket_id, "score": 3},
                     status=201)["rating"]
    assert (rating["number"], rating["leg"]) == (t["number"], 1) and "ticket_id" not in rating
    http.refused("POST", RATE.format(18), "counter-18", {"number": t["number"], "score": 1}, 409,
                 "already_rated")
