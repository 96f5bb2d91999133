"""Users: create, edit, disable/enable, reset a password. Every change is audited (no passwords)."""
from __future__ import annotations

import re
import secrets
from typing import Any

from ...store import accounts
from ...store import site as site_rows
from ...store.scope import site_of
from .. import audit
from ..auth import ROLES, Actor, hash_password, require_admin, require_admin_read
from ..context import Context, stamp
from ..errors import UseCaseError
from .live import tell_admin_pages
from .scope import unit_scope
from ..offload import off_loop

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 8
COMMON_PASSWORDS = {"12345678", "123456789", "1234567890", "password", "matkhau123", "qwertyui",
                    "abc12345", "11111111", "00000000", "password1", "iloveyou"}
# What the audit keeps of a user: never the password or its hash.
AUDITED = ("username", "display_name", "role", "counters", "units", "active")


def view(user: dict[str, Any]) -> dict[str, Any]:
    """A user as the administration shows it (no hash, no session generation)."""
    return {"id": user["id"], "username": user["username"], "display_name": user["display_name"],
            "role": user["role"], "counters": list(user["counters"]), "units": list(user["units"]),
            "active": bool(user["active"]), "created_at": user["created_at"]}


def _audited(user: dict[str, Any]) -> dict[str, Any]:
    v = view(user)
    return {k: v[k] for k in AUDITED}


def check_password(password: Any, username: str = "") -> str:
    """A password strong enough to keep, else `password_weak` (field `password`)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise UseCaseError("password_weak", 400, field="password", n=MIN_PASSWORD)
    low = password.lower()
    if (low in COMMON_PASSWORDS or len(set(password)) < 3 or password.isdigit()
            or (username and username.lower() in low)):
        raise UseCaseError("password_weak", 400, field="password", n=MIN_PASSWORD)
    return password


def generate_password() -> str:
    """A fresh password to read out once: 12 characters, no look-alikes (0/O, 1/l/I)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw


def _fields(conn: Any, data: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """Validated display name, role, counters and units (from `data`, else the old values)."""
    base = old or {"display_name": "", "role": "officer", "counters": [], "units": []}
    name = data.get("display_name", base["display_name"])
    if not isinstance(name, str) or len(name.strip()) > 80:
        raise UseCaseError("display_name_invalid", 400, field="display_name")
    role = data.get("role", base["role"])
    if role not in ROLES:
        raise UseCaseError("role_invalid", 400, field="role")
    counters = data.get("counters", base["counters"])
    if isinstance(counters, str):  # "12, 13" from a form or the CLI
        try:
            counters = [int(c) for c in counters.split(",") if c.strip()]
        except ValueError:
            raise UseCaseError("counter_unknown", 400, field="counters", counter=counters) from None
    if not isinstance(counters, list) or not all(isinstance(c, int) and not isinstance(c, bool)
                                                 for c in counters):
        raise UseCaseError("counter_unknown", 400, field="counters", counter=counters)
    known = site_rows.counter_numbers(conn)
    for c in counters:
        if c not in known:
            raise UseCaseError("counter_unknown", 400, field="counters", counter=c)
    if role == "officer" and not counters:
        raise UseCaseError("officer_needs_counter", 400, field="counters")
    units = data.get("units", base["units"]) if role == "supervisor" else []
    if isinstance(units, str):
        units = [u.strip() for u in units.split(",") if u.strip()]
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        raise UseCaseError("unit_unknown", 400, field="units", unit=units)
    codes = accounts.unit_codes(conn)
    for u in units:
        if u not in codes:
            raise UseCaseError("unit_unknown", 400, field="units", unit=u)
    return {"display_name": name.strip(), "role": role,
            "counters": list(dict.fromkeys(counters)), "units": list(dict.fromkeys(units))}


def list_users(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    """Every user, disabled ones included (admins; supervisors read-only; a department head:
    the staff of her units, see scope.py)."""
    require_admin_read(actor)
    scope = unit_scope(ctx, actor)
    with ctx.db.read() as conn:
        return [view(u) for u in accounts.list_users(conn) if scope is None or scope.sees_user(u)]


def _get(conn: Any, username: Any, actor: Actor | None = None) -> dict[str, Any]:
    user = accounts.any_user_by_name(conn, username) if isinstance(username, str) else None
    if user is None or not _reaches(conn, user, actor):
        raise UseCaseError("user_not_found", 404)
    return user


def _reaches(conn: Any, user: dict[str, Any], actor: Actor | None) -> bool:
    """Issue 9: an admin changes the users of the site she acts for (usernames are unique in the
    deployment, so a name alone could reach another site's); a city-level account (site NULL)
    only from the city level or the command line."""
    if user.get("site_id") is None:
        return actor is None or actor.kind == "cli" or actor.site_id is None
    return int(user["site_id"]) == site_of(conn)


def create_user(ctx: Context, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Create a user with the password given, or a generated one shown once.

    Answers `{user, password}` (`password` only when it was generated: the admin reads it out once;
    only its hash is stored).
    """
    require_admin(actor)
    username = data.get("username")
    if not isinstance(username, str) or not USERNAME.match(username.strip()):
        raise UseCaseError("username_invalid", 400, field="username")
    username = username.strip()
    with ctx.db.read() as conn:  # checked first so a refused form costs no password hashing
        if accounts.any_user_by_name(conn, username) is not None:
            raise UseCaseError("username_taken", 400, field="username", username=username)
        fields = _fields(conn, data, None)
    given = data.get("password")
    password = check_password(given, username) if given else generate_password()
    hashed = off_loop(hash_password, password)
    with ctx.transaction() as (conn, out):
        if accounts.any_user_by_name(conn, username) is not None:  # created meanwhile
            raise UseCaseError("username_taken", 400, field="username", username=username)
        fields = _fields(conn, data, None)
        user_id = accounts.insert_user(conn, username, fields["display_name"] or username, hashed,
                                       fields["role"], fields["counters"], fields["units"],
                                       stamp(ctx.clock()))
        user = accounts.user_by_id(conn, user_id) or {}
        audit.record(conn, ctx, actor, "user.create", f"user:{user_id}", None, _audited(user))
        tell_admin_pages(out, "users")
    return {"user": view(user), "password": None if given else password}


def update_user(ctx: Context, actor: Actor, username: str, data: dict[str, Any]) -> dict[str, Any]:
    """Change a user's display name, role, counters and (a supervisor's) units.

    A changed role, counters or units ends the user's sessions: they log in again under the new ones.
    """
    require_admin(actor)
    with ctx.transaction() as (conn, out):
        old = _get(conn, username, actor)
        fields = _fields(conn, data, old)
        if old["role"] == "admin" and fields["role"] != "admin" and old["active"]:
            if old["id"] == actor.id and actor.kind == "user":
                raise UseCaseError("cannot_demote_self", 400, field="role")
            if accounts.active_admins(conn) <= 1:
                raise UseCaseError("last_admin", 400, field="role")
        accounts.update_user(conn, old["id"], fields["display_name"] or old["username"],
                             fields["role"], fields["counters"], fields["units"])
        new = accounts.any_user_by_name(conn, old["username"]) or {}
        before, after = audit.changed(_audited(old), _audited(new))
        if after:
            audit.record(conn, ctx, actor, "user.update", f"user:{old['id']}", before, after)
            tell_admin_pages(out, "users")
    return {"user": view(new)}


def set_active(ctx: Context, actor: Actor, username: str, active: bool) -> dict[str, Any]:
    """Disable a user (they cannot log in; their sessions and live screens end at once) or enable
    one again. An admin cannot disable herself, nor the last admin."""
    require_admin(actor)
    with ctx.transaction() as (conn, out):
        user = _get(conn, username, actor)
        if bool(user["active"]) == active:
            return {"user": view(user)}
        if not active:
            if actor.kind == "user" and user["id"] == actor.id:
                raise UseCaseError("cannot_disable_self", 400)
            if user["role"] == "admin" and accounts.active_admins(conn) <= 1:
                raise UseCaseError("last_admin", 400)
        accounts.set_user_active(conn, user["id"], active)
        audit.record(conn, ctx, actor, "user.enable" if active else "user.disable",
                     f"user:{user['id']}", {"active": not active}, {"active": active})
        tell_admin_pages(out, "users")
        new = accounts.any_user_by_name(conn, user["username"]) or {}
    return {"user": view(new)}


def reset_password(ctx: Context, actor: Actor, username: str,
                   password: str | None = None) -> dict[str, Any]:
    """Give a user a new password (generated unless given) and end every session of theirs.

    Answers `{user, password}`: a generated password is shown this once and never stored in clear.
    """
    require_admin(actor)
    with ctx.db.read() as conn:
        user = _get(conn, username, actor)
    new = check_password(password, user["username"]) if password else generate_password()
    hashed = off_loop(hash_password, new)
    with ctx.transaction() as (conn, out):
        user = _get(conn, username, actor)
        accounts.set_password(conn, user["id"], hashed)
        audit.record(conn, ctx, actor, "user.reset_password", f"user:{user['id']}", None,
                     {"generated": not password})
        tell_admin_pages(out, "users")
    return {"user": view(user), "password": None if password else new}


def save_user(ctx: Context, actor: Actor, username: str, data: dict[str, Any],
              password: str) -> dict[str, Any]:
    """Create a user, or replace an existing one's settings and password (enabling it again):
    what `xephang user add` does. Replacing ends every session of the user."""
    require_admin(actor)
    if data.get("role") not in ROLES:  # the command's own order: role, password, the rest
        raise UseCaseError("role_invalid", 400, field="role")
    check_password(password, username)
    with ctx.db.read() as conn:
        existing = accounts.any_user_by_name(conn, username)
    if existing is None:
        return create_user(ctx, actor, {**data, "username": username, "password": password})
    with ctx.db.read() as conn:
        _fields(conn, data, existing)
    check_password(password, username)
    if not existing["active"]:
        set_active(ctx, actor, username, True)
    result = update_user(ctx, actor, username, data)
    reset_password(ctx, actor, username, password)
    return result
