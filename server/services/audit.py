"""Recording who did what: every administrative change and staff action goes through `record`."""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from ..store import audit as audit_rows
from .auth import Actor
from .context import Context, stamp

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


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, as (before, after)."""
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
