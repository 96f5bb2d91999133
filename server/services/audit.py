"""Recording who did what: every administrative change and staff action goes through `record`."""
from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

from ..store import audit as audit_rows
from .context import Context, now_local, stamp

if TYPE_CHECKING:
    from ..store import Database


class Actor(Protocol):
    """Who signs an entry: a services.auth.Actor (named here, not imported: auth records logins)."""

    @property
    def key(self) -> str: ...  # noqa: D102

    @property
    def name(self) -> str: ...  # noqa: D102

# Where the current request comes from (an IP address, or "cli"); set by the web layer and the CLI
# so use cases need not pass it along.
origin: ContextVar[str] = ContextVar("xephang_origin", default="")


def record(conn: Any, ctx: Context, actor: Actor, kind: str, target: str,
           before: Any = None, after: Any = None) -> None:
    """Write one audit entry inside the caller's transaction (so it commits with the change).

    `kind` names the change ("service.update", "user.disable", ...); `target` what it touched
    ("service:tp-lltp", "user:7"); `before`/`after` the values that changed (None: none).
    """
    audit_rows.append(conn, stamp(ctx.clock()), actor.key, actor.name or actor.key,
                      origin.get() or "", kind, target, before, after)


def record_alone(db: Database, actor: Actor, kind: str, target: str,
                 before: Any = None, after: Any = None) -> None:
    """Write one audit entry in a transaction of its own (CLI commands without a Context)."""
    with db.write() as conn:
        audit_rows.append(conn, stamp(now_local()), actor.key, actor.name or actor.key,
                          origin.get() or "", kind, target, before, after)


def target(thing: str, ident: object) -> str:
    """How an entry names what it touched (or a ticket in before/after): "counter:17"."""
    return f"{thing}:{ident}"


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, as (before, after)."""
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
