"""Who is asking, and what each role may do."""
from __future__ import annotations

import math
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from ..store import accounts
from ..store import queue as q
from . import audit
from .context import Context, stamp
from .errors import UseCaseError
from .hashing import check_low
from .offload import off_loop

ROLES = ("officer", "supervisor", "admin")
TOKEN_HOURS = 14
# Throttling, never a lock-out: wrong passwords slow down the same username *at the same address*
# (after PAIR_FREE of them) and the same address for any username (after ADDRESS_FREE, a stranger
# trying many names), each wait doubling up to MAX_WAIT_S. A stranger's mistakes elsewhere never
# stop an officer at their own counter; guessing one password still takes months.
WINDOW_MINUTES = 15
PAIR_FREE = 5
ADDRESS_FREE = 20
MAX_WAIT_S = 15 * 60
# scrypt costs ~140 ms of CPU: it runs in a thread, at most LOGIN_SLOTS at once (one core stays
# free for the event loop), and no more than LOGIN_QUEUE logins wait for a slot; more answer
# 503 `login_busy` at once.
LOGIN_SLOTS = max(1, (os.cpu_count() or 2) - 1)
LOGIN_QUEUE = 16
LOGIN_WAIT_S = 5.0
DEVICE_KINDS = ("kiosk", "display", "counter")
# A real hash to compare against when the username is unknown, so timing does not reveal users.
# Made at the first login, not at import: scrypt costs ~140 ms of the server's start-up.
_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """The hash an unknown username's password is checked against (made once)."""
    if not _DUMMY_HASH:  # scrypt, off the event loop like every password check
        made = str(off_loop(generate_password_hash, "not-a-password"))
        if not _DUMMY_HASH:  # another login may have made it meanwhile
            _DUMMY_HASH.append(made)
    return _DUMMY_HASH[0]


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
    units: tuple[str, ...] = ()  # a supervisor scoped to some units (a department head); () = all
    site_id: int | None = 1  # the site it belongs to (issue 9); None: a city-level account

    @property
    def key(self) -> str:
        """A stable key for idempotency and the audit trail, e.g. 'user:3'."""
        return f"{self.kind}:{self.id}"

    @property
    def is_staff(self) -> bool:
        """An officer, supervisor or admin."""
        return self.kind == "user" and self.role in ROLES

    @property
    def is_admin(self) -> bool:
        """An administrator: changes the site, users and devices."""
        return self.kind in ("user", "cli") and self.role == "admin"

    def sees_unit(self, unit: str) -> bool:
        """Whether this supervisor's scope covers a unit (admins and unscoped supervisors: all)."""
        return self.is_admin or not self.units or unit in self.units

    @property
    def is_supervisor(self) -> bool:
        """A supervisor or admin."""
        return self.kind == "user" and self.role in ("supervisor", "admin")

    def public(self) -> dict[str, Any]:
        """What /me shows about the caller."""
        if self.kind == "user":
            city = {"city": True} if self.site_id is None else {}  # issue 9: city level
            return {"user": {"id": self.id, "name": self.name, "role": self.role,
                             "counters": list(self.counters), "units": list(self.units), **city}}
        if self.kind == "device":
            return {"device": {"id": self.id, "name": self.name, "kind": self.role,
                               "zone": self.zone, "counter": self.counters[0] if self.counters else None,
                               "printer": self.printer}}
        return {}


ANONYMOUS = Actor("anonymous")
# Whoever runs the xephang command on the server (it can already read the database file).
CLI = Actor("cli", 0, "xephang (CLI)", "admin")
# The server's own timers (day close): signs their audit entries.
SYSTEM = Actor("system", 0, "xephang (hệ thống)")


def user_actor(user: dict[str, Any]) -> Actor:
    """An Actor for a user row."""
    return Actor("user", user["id"], user["display_name"], user["role"], tuple(user["counters"]),
                 gen=user["session_gen"], units=tuple(user.get("units") or ()),
                 site_id=user.get("site_id", 1))


def device_actor(dev: dict[str, Any]) -> Actor:
    """An Actor for a device row."""
    counters = (dev["counter"],) if dev["counter"] is not None else ()
    return Actor("device", dev["id"], dev["name"], dev["kind"], counters, dev["zone"],
                 dev["printer"], dev["paper"], dev["session_gen"], site_id=dev.get("site_id", 1))


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return generate_password_hash(password)


class _LoginGate:
    """Runs password checks off the event loop, a few at a time, refusing a pile-up."""

    def __init__(self) -> None:
        self._slots = threading.BoundedSemaphore(LOGIN_SLOTS)
        self._waiting = 0
        self._count = threading.Lock()

    def check(self, stored_hash: str, password: str) -> bool:
        """Whether the password matches; raises login_busy when too many logins are waiting."""
        with self._count:
            if self._waiting >= LOGIN_QUEUE:
                raise UseCaseError("login_busy", 503, retry_after=2)
            self._waiting += 1
        try:
            if not self._slots.acquire(timeout=LOGIN_WAIT_S):
                raise UseCaseError("login_busy", 503, retry_after=2)
        finally:
            with self._count:
                self._waiting -= 1
        try:
            # In a low-priority process: a login flood must not take the CPU from issuing.
            return bool(check_low(check_password_hash, stored_hash, password))
        finally:
            self._slots.release()


_GATE = _LoginGate()


def _backoff(failures: int, free: int) -> float:
    """Seconds to wait after the last failure: none for the first `free`, then 1, 2, 4 ... s."""
    return 0.0 if failures < free else float(min(2 ** (failures - free), MAX_WAIT_S))


def login(ctx: Context, username: str, password: str, address: str = "") -> tuple[Actor, str]:
    """Check a username and password (from a client address); return the user and a new API token."""
    now = ctx.clock()
    name = username[:64]
    since = stamp(now - timedelta(minutes=WINDOW_MINUTES))
    with ctx.db.read() as conn:
        user = accounts.user_by_name(conn, username)
        pair, pair_last, addr, addr_last = q.login_failures(conn, name, address, since)
    wait = 0.0
    for failures, free, last in ((pair, PAIR_FREE, pair_last), (addr, ADDRESS_FREE, addr_last)):
        if last is not None:
            elapsed = (now - datetime.fromisoformat(last)).total_seconds()
            wait = max(wait, _backoff(failures, free) - elapsed)
    if wait > 0:
        raise UseCaseError("too_many_attempts", 429, minutes=math.ceil(wait / 60),
                           retry_after=math.ceil(wait))
    ok = _GATE.check(user["password_hash"] if user else _dummy_hash(), password)
    with ctx.transaction() as (conn, _):
        # The audit trail keeps every login attempt: who, when, from where, and whether it worked
        # (the username typed, never the password).
        who = user_actor(user) if user else Actor("anonymous", 0, name)
        about = audit.target("user", user["id"]) if user else audit.target("username", name)
        where = audit.origin.set(address or audit.origin.get())
        try:
            audit.record(conn, ctx, who, "auth.login" if user and ok else "auth.failed", about,
                         None, {"username": name})
        finally:
            audit.origin.reset(where)
        if user is None or not ok:
            failed = True
            q.add_login_failure(conn, name, address, stamp(now),
                                stamp(now - timedelta(days=1)))
        else:
            failed = False
            q.clear_login_failures(conn, name, address)
            api_token = secrets.token_urlsafe(32)
            accounts.add_api_token(conn, api_token, user["id"], stamp(now))
    if failed or user is None:
        raise UseCaseError("bad_credentials", 401)
    return user_actor(user), api_token


def logout(ctx: Context, actor: Actor) -> None:
    """End every session of the user: all their API tokens and browser cookies stop working."""
    if actor.kind == "user":
        with ctx.transaction() as (conn, _):
            accounts.end_sessions(conn, actor.id)
            audit.record(conn, ctx, actor, "auth.logout", audit.target("user", actor.id))


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


def require_admin(actor: Actor) -> None:
    """Only administrators change the site, users and devices."""
    require_login(actor)
    if not actor.is_admin:
        raise UseCaseError("admin_only", 403)


def require_admin_read(actor: Actor) -> None:
    """Administrators, and supervisors who see the administration read-only."""
    require_login(actor)
    if not (actor.is_supervisor or actor.is_admin):  # is_admin: the CLI too
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
