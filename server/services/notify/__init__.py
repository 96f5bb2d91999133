"""The notification gateway: messages are queued in the outbox inside the transaction that causes
them and sent later by a worker, retried with backoff and recorded; a failed send never blocks or
fails the request that caused it."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ...store import Connection
from ...store import citizens as rows
from ..context import Context, stamp
from ..phone_vault import usable, vault_for
from .gateways import Gateway, SendFailed, gateway_from_env

__all__ = ["Gateway", "SendFailed", "gateway_from_env", "enqueue_sms", "enqueue_push", "deliver_due",
           "run_forever", "retry_delay"]

MAX_ATTEMPTS = 8  # about 10 minutes of retries in all, then the message is given up (recorded)
CLAIM_S = 60  # a claimed message is tried again after this if its sender died mid-send
BATCH = 20


def retry_delay(attempts: int) -> timedelta:
    """How long after its n-th failed attempt a message is tried again: 5 s, 10 s, 20 s… ≤ 5 min."""
    return timedelta(seconds=min(5 * 2 ** (attempts - 1), 300))


def enqueue_sms(conn: Connection, ctx: Context, phone: str, text: str, kind: str,
                now: datetime) -> int:
    """Queue an SMS in the caller's transaction (sealed: the outbox holds no phone in clear)."""
    payload = vault_for(ctx.db).seal(json.dumps({"phone": phone, "text": text}))
    return rows.add_message(conn, "sms", kind, payload, stamp(now))


def deliver_due(ctx: Context, gateway: Gateway, limit: int = BATCH) -> int:
    """Send the messages whose time has come (each claimed first, so two workers never send one
    twice); returns how many were delivered. Never raises for a failed send."""
    vault = vault_for(ctx.db)
    if vault.problem is not None:  # no usable phone key: nothing can be opened; keep them
        return 0
    now = ctx.clock()
    with ctx.db.read() as conn:
        due = rows.due_messages(conn, stamp(now), limit)
    sent = 0
    for msg in due:
        with ctx.db.write() as conn:
            if not rows.claim_message(conn, msg["id"], msg["attempts"],
                                      stamp(now + timedelta(seconds=CLAIM_S))):
                continue
        attempts = msg["attempts"] + 1
        try:
            body: dict[str, Any] = json.loads(vault.open(msg["payload"]))
            if msg["channel"] == "push":  # issue 10: Web Push to a ticket page's browser
                from . import push
                push.send(ctx.db, body)
            else:
                gateway.send(body["phone"], body["text"])
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            error = str(exc) if isinstance(exc, SendFailed) else type(exc).__name__
            retry = None if attempts >= MAX_ATTEMPTS else stamp(ctx.clock() + retry_delay(attempts))
            with ctx.db.write() as conn:
                rows.message_failed(conn, msg["id"], error, retry)
            continue
        with ctx.db.write() as conn:
            rows.message_sent(conn, msg["id"], stamp(ctx.clock()))
        sent += 1
    return sent


def run_forever(ctx: Context, nap: Callable[[float], None], say_error: Callable[[str], None],
                gateway: Gateway | None = None, every: float = 1.0) -> None:
    """The worker: deliver every site's due messages, nap, again (one process holds its lease)."""
    from ..context import for_site
    gateway = gateway or gateway_from_env()
    while True:
        try:
            with ctx.db.read() as conn:  # issue 9: the sites with messages due (a new one too)
                due = rows.sites_with_due_messages(conn, stamp(ctx.clock()))
            for site_id in due:
                deliver_due(for_site(ctx, site_id), gateway)
        except Exception as exc:  # noqa: BLE001 - keep the worker alive; the next round retries
            say_error(f"notifications: {exc}")
        nap(every)


def enqueue_push(conn: Connection, ctx: Context, sub: dict[str, Any], data: dict[str, Any],
                 kind: str, now: datetime) -> int:
    """Queue a Web Push to one subscription in the caller's transaction (sealed like SMS); none
    without a usable phone key (the call it tells of goes on). The message's id, or 0."""
    if not usable(ctx.db):
        return 0
    target = {"endpoint": sub["endpoint"], "keys": {"p256dh": sub["p256dh"], "auth": sub["auth"]}}
    payload = vault_for(ctx.db).seal(json.dumps({"sub": target, "data": data}))
    return rows.add_message(conn, "push", kind, payload, stamp(now))
