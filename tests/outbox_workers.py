"""A process that commits a call and dies before sending anything: `python -m
tests.outbox_workers DB TOKEN COUNTER` calls the next ticket to COUNTER as the officer of TOKEN,
prints its number and exits at once (os._exit). Only the outbox relay of a running server can
tell the screens."""
from __future__ import annotations

import os
import sys

from server.services.auth import actor_for_token
from server.services.context import Context
from server.services.counters import counter_action
from server.store import Database


def main() -> None:
    db, token, counter = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = Context.open(Database(db))
    ctx.log_messages = True  # as a server with a message queue; it never publishes
    actor = actor_for_token(ctx, token)
    assert actor is not None
    answer = counter_action(ctx, actor, counter, "call-next", {})
    print(answer["ticket"]["number"], flush=True)
    os._exit(0)  # no clean shutdown, no relay: the change is only in the database


if __name__ == "__main__":
    main()
