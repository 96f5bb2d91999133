"""A ticket's public token: unguessable, and cheap to index on a year of history."""
from __future__ import annotations

import secrets
from datetime import datetime

# 64 URL-safe characters in byte order, so a fixed-width number written with them sorts like
# the number (SQLite compares TEXT byte by byte).
_SORTED = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_PREFIX_WIDTH = 7  # 64**7 ms ≈ 139 years after 1970


def _ordered(n: int) -> str:
    """n as _PREFIX_WIDTH sorted characters."""
    out = []
    for _ in range(_PREFIX_WIDTH):
        n, r = divmod(n, 64)
        out.append(_SORTED[r])
    return "".join(reversed(out))


def new_ticket_token(now: datetime) -> str:
    """A new public token: the issue time (ms, 7 characters that sort in time order), then 18
    random bytes (144 bits, what makes it unguessable, as before the prefix).

    Why the prefix: the token is UNIQUE, so it has an index. With only random characters every
    issue wrote into a random leaf of that index: on a year of history (1.25 M tickets) that is
    a page no earlier commit of the day had touched, one more page for every checkpoint to copy
    back (bench/bench_issue_pages.py: 1.58 distinct pages an issue instead of 0.45 on an empty
    database). Time-ordered tokens all land on the same few leaves, as on an empty database.
    Lookups are unchanged (by the index), and tokens issued before keep working."""
    return _ordered(int(now.timestamp() * 1000)) + secrets.token_urlsafe(18)
