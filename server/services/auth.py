"""Who is asking, and what each role may do."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from ..store import accounts
from ..store import queue as q
from .context import Context, service_day, stamp
from .errors import UseCaseError

ROLES = ("officer", "supervisor", "admin")
TOKEN_HOURS = 14
# After this many wrong passwords for one username within LOCK_MINUTES, logins are refused for a
# while: guessing a password then takes months, an officer who mistyped waits a few minutes.
MAX_FAILED = 10
LOCK_MINUTES = 10
DEVICE_KINDS = ("kiosk", "display", "counter")
# A real hash to compare against when the username is unknown, so timing does not reveal users.
_DUMMY_HASH = generate_password_hash("not-a-password")


@dataclass(frozen=True)
class Actor:
    """The caller of a use case: a user, a device, or nobody (public pages)."""

    kind: str  # "user", "device" or "anonymous"
    id: int = 0
    name: str = ""
    role: str = ""  # officer/supervisor/admin, or the device kind
    counters: tuple[int, ...] = ()
    zone: str | None = None
    printer: str | None = None
    paper: str = "80mm"
    gen: int = 0  # session generation: logout, a new password or removal moves it on

    @property
    def key(self) -> str:
        """A stable key for idempotency and the audit trail, e.g. 'user:3'."""
        return f"{self.kind}:{self.id}"

    @property
    def is_staff(self) -> bool:
        """An officer, supervisor or admin."""
        return self.kind == "user" and self.role in ROLES

    @property
    def is_supervisor(self) -> bool:
        """A supervisor or admin."""
        return self.kind == "user" and self.role in ("supervisor", "admin")

    def public(self) -> dict[str, Any]:
        """What /me shows about the caller."""
        if self.kind == "user":
            return {"user": {"id": self.id, "name": self.name, "role": self.role,
                             "counters": list(self.counters)}}
        if self.kind == "device":
            return {"device": {"id": self.id, "name": self.name, "kind": self.role,
                               "zone": self.zone, "counter": self.counters[0] if self.counters else None,
                               "printer": self.printer}}
        return {}


ANONYMOUS = Actor("anonymous")


def user_actor(user: dict[str, Any]) -> Actor:
    """An Actor for a user row."""
    return Actor("user", user["id"], user["display_name"], user["role"], tuple(user["counters"]),
                 gen=user["session_gen"])


def device_actor(dev: dict[str, Any]) -> Actor:
    """An Actor for a device row."""
    counters = (dev["counter"],) if dev["counter"] is not None else ()
    return Actor("device", dev["id"], dev["name"], dev["kind"], counters, dev["zone"],
                 dev["printer"], dev["paper"], dev["session_gen"])


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return generate_password_hash(password)


def login(ctx: Context, username: str, password: str) -> tuple[Actor, str]:
    """Check a username and password; return the user and a new API token."""
    now = ctx.clock()
    with ctx.db.read() as conn:
        user = accounts.user_by_name(conn, username)
        since = now - timedelta(minutes=LOCK_MINUTES)  # the window may start yesterday
        failed_recently = q.failed_logins(conn, username[:64], stamp(since),
                                          sorted({service_day(since), service_day(now)}))
    if failed_recently >= MAX_FAILED:
        raise UseCaseError("too_many_attempts", 429, minutes=LOCK_MINUTES)
    ok = check_password_hash(user["password_hash"] if user else _DUMMY_HASH, password)
    with ctx.transaction() as (conn, _):
        # The audit trail keeps every login attempt: who, when, and whether it worked.
        actor_key = f"user:{user['id']}" if user else "anonymous"
        q.append_event(conn, stamp(now), service_day(now), "auth.login" if user and ok
                       else "auth.failed", actor_key, None, None, None, {"username": username[:64]})
        if user is None or not ok:
            failed = True
        else:
            failed = False
            token = secrets.token_urlsafe(32)
            accounts.add_api_token(conn, token, user["id"], stamp(now))
    if failed or user is None:
        raise UseCaseError("bad_credentials", 401)
    return user_actor(user), token


def logout(ctx: Context, actor: Actor) -> None:
    """End every session of the user: all their API tokens and browser cookies stop working."""
    if actor.kind == "user":
        with ctx.transaction() as (conn, _):
            accounts.end_sessions(conn, actor.id)


def actor_for_token(ctx: Context, token: str) -> Actor | None:
    """The device or user a bearer token belongs to."""
    with ctx.db.read() as conn:
        dev = accounts.device_by_token(conn, token)
        if dev is not None:
            return device_actor(dev)
        # An officer's API token lasts one working day (a shift plus overtime).
        cutoff = stamp(ctx.clock() - timedelta(hours=TOKEN_HOURS))
        user = accounts.user_by_token(conn, token, cutoff)
    return None if user is None else user_actor(user)


def actor_for_user_id(ctx: Context, user_id: Any, gen: Any) -> Actor | None:
    """The user of a browser session, if the session is of the user's current generation."""
    if not isinstance(user_id, int) or not isinstance(gen, int):
        return None
    with ctx.db.read() as conn:
        user = accounts.user_by_id(conn, user_id)
    return None if user is None or user["session_gen"] != gen else user_actor(user)


def require_login(actor: Actor) -> None:
    """Refuse anonymous callers."""
    if actor.kind == "anonymous":
        raise UseCaseError("unauthorized", 401)


def require_staff(actor: Actor) -> None:
    """Only officers, supervisors and admins."""
    require_login(actor)
    if not actor.is_staff:
        raise UseCaseError("forbidden", 403)


def require_counter(actor: Actor, counter: int) -> None:
    """Only an officer assigned to this counter, or a supervisor."""
    require_login(actor)
    if actor.is_supervisor or (actor.is_staff and counter in actor.counters):
        return
    if not actor.is_staff:
        raise UseCaseError("forbidden", 403)
    raise UseCaseError("not_your_counter", 403, counter=counter)


def require_issuer(actor: Actor, zone: str) -> None:
    """Kiosks (of the service's zone, when the kiosk has one) and staff may issue tickets."""
    require_login(actor)
    if actor.is_staff:
        return
    if actor.kind == "device" and actor.role == "kiosk":
        if actor.zone and actor.zone != zone:
            raise UseCaseError("service_not_in_zone", 403, zone=actor.zone)
        return
    raise UseCaseError("forbidden", 403)


def require_rater(actor: Actor, counter: int) -> None:
    """Only the counter's own citizen-facing tablet records ratings."""
    require_login(actor)
    if actor.kind == "device" and actor.role == "counter" and counter in actor.counters:
        return
    raise UseCaseError("forbidden", 403)
