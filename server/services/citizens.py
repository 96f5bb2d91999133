"""Citizens' phone identity (issue 10): a one-time code by SMS, a short-lived citizen token, the
policy's limits, and the erasure of phone data after the retention days."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from ..i18n import LANGS, message
from ..store import Connection
from ..store import citizens as rows
from . import notify
from .context import Context, service_day, stamp
from .errors import UseCaseError
from .phone_vault import normalise_phone, vault_for

TOKEN_PREFIX = "cz-"  # tells a citizen's bearer token from a device's or an officer's

# Policy settings ([policy] in the site file) and their defaults.
DEFAULTS: dict[str, float] = {
    "otp_minutes": 5,  # a code is good this long
    "otp_attempts": 5,  # wrong tries before the code is dropped
    "otp_per_phone_hour": 3,  # codes sent to one phone per hour
    "verify_per_address_hour": 20,  # code requests from one address per hour
    "public_per_address_hour": 120,  # bookings, cancels, moves and confirms per address per hour
    "citizen_token_minutes": 120,
    "daily_per_phone": 2,  # remote numbers or appointments per phone per day
    "no_show_limit": 3,  # no-shows in 30 days that get a phone refused...
    "no_show_block_days": 14,  # ...for this many days
    "phone_retention_days": 30,  # phone data is erased this long after its last use
}


def policy(ctx: Context, name: str) -> float:
    """A citizen-side policy setting (the site's [policy], else its default)."""
    value = ctx.site.settings.get("policy", {}).get(name, DEFAULTS[name])
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else DEFAULTS[name]


def limit_error(reason: str, retry_after: int | None = None, **params: Any) -> UseCaseError:
    """429 limit_reached, the reason said in every language."""
    why = {lang: message(f"limit.{reason}", lang, **params) for lang in LANGS}
    extra: dict[str, Any] = {"retry_after": retry_after} if retry_after else {}
    return UseCaseError("limit_reached", 429, why=why, reason=reason, **extra)


def _address_key(ctx: Context, address: str) -> str:
    return vault_for(ctx.db).lookup(f"address:{address}")[:24]  # the address kept hashed, a day


def check_rate(conn: Connection, ctx: Context, bucket: str, address: str, setting: str,
               now: datetime, count: bool = True) -> None:
    """Count a request from `address` in this hour's window; refuse it past the policy's limit
    (`count=False`: the same answer without counting, for a read transaction's early refusal)."""
    key, window = f"{bucket}:{_address_key(ctx, address)}", now.strftime("%Y-%m-%dT%H")
    hits = rows.hit_rate(conn, key, window) if count else rows.rate_hits(conn, key, window) + 1
    if hits > policy(ctx, setting):
        raise limit_error("address", retry_after=(60 - now.minute) * 60)


def request_code(ctx: Context, phone_raw: object, consent: object, address: str) -> dict[str, Any]:
    """Send a one-time code to a phone (consent to keep it for the policy's days is required)."""
    phone = normalise_phone(phone_raw)
    if consent is not True:
        raise UseCaseError("consent_required", 400, field="consent")
    vault = vault_for(ctx.db)
    phone_hash = vault.lookup(phone)
    now = ctx.clock()
    minutes = int(policy(ctx, "otp_minutes"))
    code = f"{secrets.randbelow(10 ** 6):06d}"
    with ctx.transaction() as (conn, _out):
        check_rate(conn, ctx, "verify", address, "verify_per_address_hour", now)
        sent = rows.hit_rate(conn, f"otp:{phone_hash}", now.strftime("%Y-%m-%dT%H"))
        if sent > policy(ctx, "otp_per_phone_hour"):
            raise limit_error("codes", retry_after=(60 - now.minute) * 60)
        rows.save_code(conn, phone_hash, vault.code_hash(phone_hash, code), stamp(now),
                       stamp(now + timedelta(minutes=minutes)))
        rows.save_phone(conn, phone_hash, vault.seal(phone), stamp(now))
        text = (f"Mã xác minh Xếp hàng: {code}. Hiệu lực {minutes} phút. Không chia sẻ mã này "
                f"cho ai. / Your code: {code}")
        notify.enqueue_sms(conn, ctx, phone, text, "verify", now)
    return {"sent": True, "expires_in": minutes * 60}


def confirm_code(ctx: Context, phone_raw: object, code: object, address: str) -> dict[str, Any]:
    """Trade a phone's one-time code for a citizen token (Authorization: Bearer)."""
    phone = normalise_phone(phone_raw)
    if not isinstance(code, str) or not re.fullmatch(r"\d{6}", code.strip()):
        raise UseCaseError("bad_code", 400, field="code")
    vault = vault_for(ctx.db)
    phone_hash = vault.lookup(phone)
    now = ctx.clock()
    refusal: UseCaseError | None = None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=policy(ctx, "citizen_token_minutes"))
    with ctx.transaction() as (conn, _out):
        check_rate(conn, ctx, "public", address, "public_per_address_hour", now)
        found = rows.code_row(conn, phone_hash)
        if found is None or found["expires_at"] <= stamp(now):
            raise UseCaseError("code_expired", 400, field="code")
        if not hmac.compare_digest(found["code_hash"], vault.code_hash(phone_hash, code.strip())):
            # Counted in a committed transaction: the refusal is raised after it.
            left = int(policy(ctx, "otp_attempts")) - found["attempts"] - 1
            if left <= 0:
                rows.drop_code(conn, phone_hash)
                refusal = limit_error("attempts")
            else:
                rows.code_attempt(conn, phone_hash)
                refusal = UseCaseError("bad_code", 400, field="code", left=left)
        else:
            rows.drop_code(conn, phone_hash)
            rows.add_token(conn, _token_hash(token), phone_hash, stamp(expires))
            rows.touch_phone(conn, phone_hash, stamp(now))
    if refusal is not None:
        raise refusal
    return {"token": token, "expires_at": stamp(expires)}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def citizen_of(conn: Connection, ctx: Context, token: str | None) -> str:
    """The phone hash behind a citizen token; 401 when there is none or it expired."""
    if not token or not token.startswith(TOKEN_PREFIX):
        raise UseCaseError("citizen_unverified", 401)
    found = rows.token_phone(conn, _token_hash(token), stamp(ctx.clock()))
    if found is None:
        raise UseCaseError("citizen_unverified", 401)
    return found


def close_day(ctx: Context) -> dict[str, int]:
    """The day-close part of the citizen side: past bookings never checked in become no-shows
    (a phone with too many is refused for a while), and phone data past the retention days is
    erased."""
    now = ctx.clock()
    today = service_day(now)
    since = (now - timedelta(days=30)).date().isoformat()
    with ctx.transaction() as (conn, _out):
        for phone_hash in set(rows.mark_no_shows(conn, today, stamp(now))):
            if rows.phone_no_shows(conn, phone_hash, since) >= policy(ctx, "no_show_limit"):
                until = now + timedelta(days=policy(ctx, "no_show_block_days"))
                rows.block_phone(conn, phone_hash, stamp(until))
        keep = timedelta(days=policy(ctx, "phone_retention_days"))
        return rows.erase_citizen_data(conn, stamp(now - keep), (now - keep).date().isoformat(),
                                       stamp(now))
