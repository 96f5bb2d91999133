"""The sequence rule: how every Socket.IO message is numbered, and how a client tells new from old.

Every message carries `seq`, taken from the event log (the `events` table):
- a call or recall carries its own log event's id × STRIDE, live and in every later snapshot's
  `recent_calls`, so a board knows a call it already announced; a recall is a new log event and so
  has a new seq, and plays again;
- the other messages of one committed change carry the change's last event id × STRIDE + 1, + 2, …;
- a snapshot read now carries the last event id × STRIDE + STRIDE − 1.

So seqs strictly increase in commit order. Two repeats, both harmless because they carry nothing
new: `stats.changed` carries the seq of the moment its totals were read (a second read with no
change between carries the same seq and the same totals), and a change that wrote nothing to the
log (call-next on an empty queue) repeats the seqs of the change before it. The staff and public copies
of one event share its seq, but a client only ever hears one audience (see rooms.py).

The client rule (server/web/static/common/shared.js): apply a message only when its seq is greater
than the seq of the state held; a call is new when its seq is greater than the last call seen; a
snapshot with a smaller seq than the state held means the log was replaced (a restore): start over.
"""
from __future__ import annotations

from ...store import Connection
from ...store import queue as q

# Room for the messages of one change under one log position. A day close sends one message per
# ticket it closes, so this must exceed any day's tickets; ids × STRIDE stay far below 2**53 (exact
# in JavaScript) for billions of log events.
STRIDE = 1_000_000


def snapshot_seq(conn: Connection) -> int:
    """The seq a snapshot read now carries: newer than every message already sent."""
    return q.last_seq(conn) * STRIDE + STRIDE - 1


def call_seq(event_id: int) -> int:
    """The seq of a call or recall: its own log event's."""
    return event_id * STRIDE


class Numbering:
    """Hands out the seqs of one committed change's other messages, in order."""

    def __init__(self, conn: Connection) -> None:
        self.base = q.last_seq(conn) * STRIDE
        self.used = 0

    def next(self) -> int:
        """The next seq of this change."""
        self.used += 1
        if self.used >= STRIDE - 1:
            raise OverflowError("too many messages for one change")  # never reached: see STRIDE
        return self.base + self.used
