"""Read-only views: /queue, /counters/<n>, /stats/today, /printers, /services, /site."""
from __future__ import annotations

from typing import Any

import pytest

A1_SERVICES = {"TP-LLTP", "TP-QT", "TP-HT", "TP-LSCC", "NV-GPLD", "NV-LDVL", "NV-NCC", "DTTG-TG",
               "KQ-A1"}


def test_queue_needs_a_login_or_device(http: Any) -> None:
    http.refused("GET", "/api/v1/queue", None, None, 401, "unauthorized")
    for who in ("board-lobby", "kiosk-A1", "counter-18", "canbo18", "giamsat"):
        assert http.call("GET", "/api/v1/queue", who).status_code == 200, who


def test_queue_snapshot_and_its_filters(http: Any) -> None:
    http.issue("TP-LLTP")
    http.act(18, "call-next", "canbo18")
    http.issue("TP-LLTP")
    snap = http.ok("GET", "/api/v1/queue", "board-lobby")
    assert {"seq", "day", "now", "services", "counters", "recent_calls"} <= set(snap)
    assert len({c["number"] for c in snap["counters"]}) == 67
    assert snap["now"].endswith("+07:00")
    call = snap["recent_calls"][0]
    assert (call["number"], call["counter"], call["zone"], call["recall"]) == ("1001", 18, "A1", False)

    a1 = http.ok("GET", "/api/v1/queue?zone=A1", "board-A1")
    assert {s["code"] for s in a1["services"]} == A1_SERVICES
    assert {c["zone"] for c in a1["counters"]} == {"A1"}
    lltp = next(s for s in a1["services"] if s["code"] == "TP-LLTP")
    assert (lltp["waiting"], lltp["open"], lltp["floor"]) == (1, True, 1)
    counter18 = next(c for c in a1["counters"] if c["number"] == 18)
    assert counter18["ticket"]["number"] == "1001"

    upstairs = http.ok("GET", "/api/v1/queue?floor=2", "board-lobby")
    assert {s["zone"] for s in upstairs["services"]} == {"B", "B1", "B2"}
    assert upstairs["recent_calls"] == []
    assert http.ok("GET", "/api/v1/queue?zone=A1&floor=2", "board-lobby")["services"] == []


@pytest.mark.parametrize("query", ["floor=abc", "floor=-1", "floor=1.5"])
def test_queue_bad_floor(http: Any, query: str) -> None:
    http.refused("GET", f"/api/v1/queue?{query}", "board-lobby", None, 400, "bad_request")


def test_queue_unknown_zone(http: Any) -> None:
    msgs = http.refused("GET", "/api/v1/queue?zone=Z9", "board-lobby", None, 400, "unknown_zone")
    assert msgs == {"vi": "Không có khu Z9.", "en": "There is no zone Z9."}


@pytest.mark.parametrize("who", ["canbo18", "canbo17", "counter-18", "giamsat", "quantri"])
def test_counter_detail_for_those_who_work_it(http: Any, who: str) -> None:
    for _ in range(11):
        http.issue("TP-LLTP")
    detail = http.ok("GET", "/api/v1/counters/18", who)
    assert detail["counter"]["number"] == 18 and detail["counter"]["services"] == ["TP-LLTP"]
    assert [t["number"] for t in detail["waiting"]] == [str(1001 + i) for i in range(10)]
    assert [s["code"] for s in detail["services"]] == ["TP-LLTP"]
    assert detail["services"][0]["waiting"] == 11


def test_counter_detail_refused_to_another_counters_officer(http: Any) -> None:
    msgs = http.refused("GET", "/api/v1/counters/18", "canbo19", None, 403, "not_your_counter")
    assert msgs["en"] == "You are not assigned to counter 18."


@pytest.mark.parametrize("who", ["counter-19", "kiosk-A1", "board-A1"])
def test_counter_detail_refused_to_devices(http: Any, who: str) -> None:
    msgs = http.refused("GET", "/api/v1/counters/18", who, None, 403, "forbidden")
    assert msgs["en"] == "You are not allowed to do this."


def test_counter_detail_anonymous(http: Any) -> None:
    http.refused("GET", "/api/v1/counters/18", None, None, 401, "unauthorized")


def test_stats_today_for_staff_only(http: Any) -> None:
    http.issue("TP-LLTP")
    http.issue("TP-QT")
    http.act(18, "call-next", "canbo18")
    for who in ("canbo18", "giamsat", "quantri"):
        stats = http.ok("GET", "/api/v1/stats/today", who)
        assert (stats["issued"], stats["waiting"], stats["served"], stats["no_show"]) == (2, 1, 0, 0)
        assert stats["ratings_count"] == 0 and stats["avg_rating"] is None
    for device in ("kiosk-A1", "board-lobby", "counter-18"):
        http.refused("GET", "/api/v1/stats/today", device, None, 403, "forbidden")
    http.refused("GET", "/api/v1/stats/today", None, None, 401, "unauthorized")


def test_printers_for_staff_only(http: Any) -> None:
    assert isinstance(http.ok("GET", "/api/v1/printers", "canbo18")["printers"], list)
    assert isinstance(http.ok("GET", "/api/v1/printers", "giamsat")["printers"], list)
    for device in ("kiosk-A1", "board-lobby", "counter-18"):
        msgs = http.refused("GET", "/api/v1/printers", device, None, 403, "forbidden")
        assert msgs["vi"] == "Bạn không có quyền thực hiện thao tác này."
    http.refused("GET", "/api/v1/printers", None, None, 401, "unauthorized")


def test_services_are_public_with_live_counts_and_a_zone_filter(http: Any) -> None:
    http.issue("TP-LLTP")
    every = http.ok("GET", "/api/v1/services")["services"]
    assert len({s["zone"] for s in every}) == 6
    a1 = http.ok("GET", "/api/v1/services?zone=A1")["services"]
    assert {s["code"] for s in a1} == A1_SERVICES
    lltp = next(s for s in a1 if s["code"] == "TP-LLTP")
    assert (lltp["name"], lltp["name_en"], lltp["unit_name"], lltp["kind"]) == (
        "Lý lịch tư pháp", "Judicial records", "Sở Tư pháp", "submit")
    assert (lltp["waiting"], lltp["open"], lltp["closed_reason"]) == (1, True, None)
    assert lltp["counters"] == [17, 18, 19, 20, 21]
    low, high = lltp["estimated_wait_min"]
    assert 0 <= low < high
    msgs = http.refused("GET", "/api/v1/services?zone=nowhere", None, None, 400, "unknown_zone")
    assert msgs["vi"] == "Không có khu nowhere."


def test_site_is_public_static_config(http: Any) -> None:
    site = http.ok("GET", "/api/v1/site")
    assert {"site", "zones", "units", "services", "priority_categories", "ratings"} <= set(site)
    assert site["site"]["name_en"] == "Ho Chi Minh City Public Administrative Service Center"
    assert "public_url" not in site["site"]
    assert [(z["code"], z["floor"]) for z in site["zones"]] == [
        ("A", 1), ("A1", 1), ("A2", 1), ("B", 2), ("B1", 2), ("B2", 2)]
    assert [s["score"] for s in site["ratings"]["scores"]] == [4, 3, 2, 1]
    assert "elderly" in {p["code"] for p in site["priority_categories"]}
