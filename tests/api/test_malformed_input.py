"""Malformed input answers 400 bad_request in the caller's language, never a 500, and the log gets
one short line at most (a flood of them does not fill the disk)."""
from __future__ import annotations

import json
from typing import Any

import pytest
import requests

RAW = {"Content-Type": "application/json"}


def raw(http: Any, path: str, text: str, who: str | None = "kiosk-A1") -> dict[str, str]:
    """Send a raw JSON text; must be refused as bad_request in vi and en."""
    return http.refused("POST", path, who, None, 400, "bad_request", data=text.encode("utf-8", "surrogatepass"),
                        headers=RAW)


@pytest.mark.parametrize("text", [
    "[" * 30_000 + "]" * 30_000,                           # deeper than the parser goes, under the body cap
    '{"service": ' + '{"a": ' * 5_000 + "1" + "}" * 5_001,  # RecursionError in the parser
    '{"service": "TP-LLTP", "x": ' + "[" * 40 + "]" * 40 + "}",  # parses, but deeper than any body
])
def test_deeply_nested_json(http: Any, text: str) -> None:
    raw(http, "/api/v1/tickets", text)


@pytest.mark.parametrize("path, who, body", [
    ("/api/v1/tickets", "kiosk-A1", {"service": "\ud800"}),
    ("/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP", "request_id": "r-\udfff"}),
    ("/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP", "priority": "\ud800"}),
    ("/api/v1/auth/login", None, {"username": "canbo17\ud800", "password": "x"}),
    ("/api/v1/auth/login", None, {"username": "canbo17", "password": "\ud800"}),
    ("/api/v1/counters/17/call", "canbo17", {"number": "\ud800"}),
    ("/api/v1/printers/status", "kiosk-A1", {"status": "ok", "detail": "\ud800"}),
    ("/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP", "\ud800": 1}),  # in a key
    ("/api/v1/tickets", "kiosk-A1", {"service": "TP-LLTP", "x": [{"y": ["\ud800"]}]}),
])
def test_a_lone_surrogate_in_any_string(http: Any, path: str, who: str | None, body: Any) -> None:
    # json.dumps writes the lone surrogate as the escape \ud800, as an attacker's client would.
    raw(http, path, json.dumps(body), who)


@pytest.mark.parametrize("value", [2 ** 63, -(2 ** 63) - 1, 10 ** 30])
def test_integers_sqlite_cannot_hold(http: Any, value: int) -> None:
    raw(http, "/api/v1/counters/17/rating", json.dumps({"ticket_id": value, "score": 4, "reasons": []}),
        "counter-17")
    raw(http, "/api/v1/tickets", json.dumps({"service": "TP-LLTP", "request_id": value}))


def test_nan_and_infinity(http: Any) -> None:
    raw(http, "/api/v1/counters/17/rating", '{"ticket_id": NaN, "score": Infinity}', "counter-17")


@pytest.mark.parametrize("path, who, body", [
    ("/api/v1/printers/status", "kiosk-A1", {"status": ["ok"]}),
    ("/api/v1/printers/status", "kiosk-A1", {"status": {"a": 1}}),
])
def test_wrong_types(http: Any, path: str, who: str, body: Any) -> None:
    http.refused("POST", path, who, body, 400, "bad_request")


def test_a_wrong_type_anywhere_is_a_400_never_a_500(http: Any) -> None:
    """Every field of every POST, with values of every wrong type."""
    http.issue()
    posts = {("/api/v1/tickets", "kiosk-A1"): ["service", "priority", "request_id", "print_at"],
             ("/api/v1/auth/login", None): ["username", "password"],
             ("/api/v1/counters/17/call-next", "canbo17"): ["request_id", "service"],
             ("/api/v1/counters/17/call", "canbo17"): ["number", "request_id", "service"],
             ("/api/v1/counters/17/transfer", "canbo17"): ["service", "note", "request_id"],
             ("/api/v1/counters/17/rating", "counter-17"): ["ticket_id", "score", "reasons", "leg"],
             ("/api/v1/printers/status", "kiosk-A1"): ["status", "detail"],
             ("/api/v1/tickets/x/reprint", "giamsat"): ["print_at", "request_id"]}
    for (path, who), fields in posts.items():
        for field in fields:
            for value in (5, 1.5, True, None, [], {}, ["x"], {"a": 1}, "x" * 10_000):
                r = http.call("POST", path, who, {field: value})
                assert r.status_code < 500, (path, field, value, r.get_json())
                assert r.is_json and (r.status_code < 400 or "code" in r.get_json()["error"])


def test_a_malformed_socket_auth_is_refused_quietly(app: Any) -> None:
    from server.realtime import socketio
    for auth in ({"token": "\ud800"}, {"ticket": "\ud800"}, {"token": ["x"]}, {"ticket": 2 ** 70}):
        client = socketio.test_client(app, auth=auth)
        assert not client.is_connected()


def test_two_hundred_malformed_requests_do_not_flood_the_log(live_server: Any) -> None:
    before = live_server.log.stat().st_size
    headers = {"Authorization": f"Bearer {live_server.token('kiosk-A1')}", **RAW}
    status_headers = {"Authorization": f"Bearer {live_server.token('kiosk-A1')}", **RAW}
    bodies = ["[" * 30_000 + "]" * 30_000, '{"service": "\\ud800"}',
              '{"service": "TP-LLTP", "request_id": 99999999999999999999999}']
    session = requests.Session()
    for i in range(200):
        if i % 4 == 3:  # a wrong type that breaks deep inside a use case
            r = session.post(f"{live_server.url}/api/v1/printers/status", data='{"status": []}',
                             headers=status_headers, timeout=10)
        else:
            r = session.post(f"{live_server.url}/api/v1/tickets", data=bodies[i % 4],
                             headers=headers, timeout=10)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request", r.text
    grown = live_server.log.read_bytes()[before:].decode("utf-8", "replace")
    assert "Traceback" not in grown
    assert len(grown.splitlines()) <= 12, grown  # one short line each, a few a minute at most
    assert len(grown) < 3_000
