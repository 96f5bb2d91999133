"""Issue 10: Web Push from the ticket page's subscription, sent through the notification outbox to a
fake push service in the test; the test decrypts the real aes128gcm payload with the subscriber's
private key and checks the VAPID signature. (Headless chromium cannot be pointed at a push service
of our own: its service worker is tested with a push delivered over DevTools in the browser test.)"""
from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from server.services import notify
from server.services.notify.gateways import ConsoleGateway
from tests.support.fake_push import FakePushService, unb64


@pytest.fixture
def push_service(monkeypatch: Any) -> Any:
    monkeypatch.setenv("XEPHANG_PUSH_HTTP_OK", "1")
    with FakePushService() as ps:
        yield ps


def deliver(app: Any) -> int:
    return notify.deliver_due(app.extensions["xephang"], ConsoleGateway())


def _vapid_ok(header: str, public_b64: str) -> bool:
    """The VAPID JWT (ES256) verifies with the server's public key."""
    token = header.split("t=")[1].split(",")[0].strip()
    head, claims, sig = token.split(".")
    raw = unb64(sig)
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(public_b64))
    key.verify(signature, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(base64.urlsafe_b64decode(claims + "==="))["aud"].startswith("http://127.0.0.1")


def test_pushes_when_few_are_ahead_and_when_called(app: Any, http: Any, push_service: Any) -> None:
    key = http.ok("GET", "/api/v1/push/key")["public_key"]
    assert len(unb64(key)) == 65  # an uncompressed P-256 point, what pushManager.subscribe takes
    assert http.ok("GET", "/api/v1/push/key")["public_key"] == key  # kept (beside the db)
    ahead = [http.issue("TP-LLTP") for _ in range(5)]
    mine = http.issue("TP-LLTP")
    r = http.call("POST", f"/api/v1/tickets/{mine['token']}/push",
                  json={"subscription": push_service.subscription("me"), "ahead": 2})
    assert r.status_code == 201, r.get_json()
    for expected_left in (4, 3):
        assert http.act(18, "call-next", "canbo18")["ticket"]["number"] == ahead[5 - expected_left - 1]["number"]
        assert deliver(app) == 0  # still more than 2 ahead: nothing queued
    http.act(18, "call-next", "canbo18")  # 2 left ahead
    assert deliver(app) == 1
    [warned] = push_service.messages("me", 1)
    assert warned == {"type": "ahead", "number": mine["number"], "ahead": 2}
    http.act(18, "call-next", "canbo18")
    http.act(18, "call-next", "canbo18")
    assert deliver(app) == 0  # the "ahead" notice comes once
    assert http.act(18, "call-next", "canbo18")["ticket"]["number"] == mine["number"]
    assert deliver(app) == 1
    assert push_service.messages("me", 2)[1] == {"type": "called", "number": mine["number"],
                                                  "counter": 18}
    h = {k.lower(): v for k, v in push_service.headers("me")[0].items()}
    assert h["content-encoding"] == "aes128gcm" and "vapid" in h["authorization"]
    assert _vapid_ok(h["authorization"], key)
    assert f"k={key}" in h["authorization"]


def test_bad_subscriptions_are_refused_in_both_languages(http: Any, monkeypatch: Any) -> None:
    t = http.issue("TP-LLTP")
    path = f"/api/v1/tickets/{t['token']}/push"
    http.refused("POST", path, None, {"subscription": {"endpoint": "http://10.0.0.1/x",
                                                       "keys": {"p256dh": "a", "auth": "b"}}},
                 400, "bad_subscription")  # plain http: not a push service
    http.refused("POST", path, None, {"subscription": "x"}, 400, "bad_subscription")
    monkeypatch.setenv("XEPHANG_PUSH_HTTP_OK", "1")
    for i in range(5):
        ok = http.call("POST", path, json={"subscription": {
            "endpoint": f"https://push.example/{i}", "keys": {"p256dh": "a", "auth": "b"}}})
        assert ok.status_code == 201
    http.refused("POST", path, None, {"subscription": {"endpoint": "https://push.example/6",
                                                       "keys": {"p256dh": "a", "auth": "b"}}},
                 409, "too_many_subscriptions")
    assert http.call("POST", path, json={"subscription": {  # a browser renewing its own: fine
        "endpoint": "https://push.example/0", "keys": {"p256dh": "c", "auth": "d"}}}).status_code == 201
    http.refused("POST", "/api/v1/tickets/nope/push", None,
                 {"subscription": {"endpoint": "https://push.example/x",
                                   "keys": {"p256dh": "a", "auth": "b"}}}, 404, "ticket_not_found")


def test_a_failing_push_service_never_blocks_the_call(app: Any, http: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("XEPHANG_PUSH_HTTP_OK", "1")
    t = http.issue("TP-LLTP")
    dead = {"endpoint": "http://127.0.0.1:9/push/dead", "keys": FakePushService().subscription("x")["keys"]}
    assert http.call("POST", f"/api/v1/tickets/{t['token']}/push",
                     json={"subscription": dead}).status_code == 201
    assert http.act(18, "call-next", "canbo18")["ticket"]["number"] == t["number"]
    assert deliver(app) == 0  # refused: recorded, retried later
    from server.store import citizens as store
    with app.extensions["xephang"].db.read() as conn:
        msg = [m for m in store.message_rows(conn) if m["channel"] == "push"][-1]
    assert msg["status"] == "pending" and msg["attempts"] == 1 and msg["last_error"]


def test_the_vapid_key_is_kept_beside_the_database_for_its_owner_only(app: Any, http: Any) -> None:
    import os
    import stat

    from server.services.notify.push import key_path
    public = http.ok("GET", "/api/v1/push/key")["public_key"]
    db = app.extensions["xephang"].db
    path = key_path(db)
    assert path.parent == db.path.parent and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    private = path.read_text().strip()
    assert private.encode() not in db.path.read_bytes() and private != public
