"""Which sessions are still valid: the revocation watch of live sockets asks here."""
from __future__ import annotations

from ..store import accounts
from .context import Context


def last_revocation(ctx: Context) -> int:
    """The id of the latest revocation (logout, new password, removal) in any process."""
    with ctx.db.read() as conn:
        return accounts.last_revocation(conn)


def current_generations(ctx: Context, user_ids: list[int],
                        device_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """The session generation of each still-active user and device among these."""
    with ctx.db.read() as conn:
        return accounts.session_generations(conn, user_ids, device_ids)
