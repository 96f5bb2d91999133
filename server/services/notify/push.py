"""Web Push (issue 10): the VAPID key pair kept beside the database like the other keys, and one
encrypted push (RFC 8291, aes128gcm) sent with pywebpush. Pushes are queued in the notification
outbox like SMS, so a slow or failing push service never holds a call."""
from __future__ import annotations

import base64
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ...store import Database
from .gateways import SendFailed

KEY_ENV = "XEPHANG_VAPID_KEY"  # base64url of the raw private key, instead of the key file
CONTACT_ENV = "XEPHANG_VAPID_SUBJECT"  # who runs this server, as push services ask


def key_path(db: Database) -> Path:
    """The VAPID private key file beside the database (0600); PostgreSQL: in the process's private
    folder (processes on several machines must share XEPHANG_VAPID_KEY)."""
    if db.kind != "sqlite":
        return db.folder / "xephang.vapid_key"
    return db.path.with_name(db.path.stem + ".vapid_key")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


@lru_cache(maxsize=8)
def _keys(path: str) -> tuple[str, str]:
    from ...setup import _read_or_create_key
    fresh = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    private = os.environ.get(KEY_ENV, "").strip() or _read_or_create_key(
        Path(path), _b64(fresh.to_bytes(32, "big")))
    value = int.from_bytes(base64.urlsafe_b64decode(private + "=" * (-len(private) % 4)), "big")
    public = ec.derive_private_key(value, ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return private, _b64(public)


def public_key(db: Database) -> str:
    """The application server key a page subscribes with (base64url, uncompressed P-256)."""
    return _keys(str(key_path(db)))[1]


def send(db: Database, message: dict[str, Any]) -> None:
    """Send one queued push {sub: {endpoint, keys}, data}; SendFailed when it did not arrive."""
    from pywebpush import WebPushException, webpush
    from py_vapid import Vapid
    private = _keys(str(key_path(db)))[0]
    subject = os.environ.get(CONTACT_ENV, "mailto:admin@xephang.invalid")
    try:
        webpush(message["sub"], json.dumps(message["data"], ensure_ascii=False),
                vapid_private_key=Vapid.from_raw(private.encode("ascii")),
                vapid_claims={"sub": subject}, timeout=10, ttl=600)
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        raise SendFailed(f"push {status or 'failed'}") from None


def check_at_start(db: Database, now: str) -> bool:
    """At start: whether the Web Push key is the one the database last served (m340 keeps its
    public half). A changed key (a backup restored without `<db>.vapid_key`) is told in one log
    line (vi / en): pages subscribed before get no pushes until they subscribe again. The new
    key is recorded; nothing else depends on it."""
    import logging

    from ...i18n import message
    from ...store import key_checks
    current = public_key(db)
    with db.write() as conn:
        stored = key_checks.record_check(conn, VAPID_CHECK, current, now)
        if stored == current:
            return True
        key_checks.replace_check(conn, VAPID_CHECK, current, now)
    path = key_path(db)
    logging.getLogger(__name__).error("%s / %s", message("vapid_key_changed", "vi", path=path),
                                      message("vapid_key_changed", "en", path=path))
    return False


VAPID_CHECK = "vapid"
