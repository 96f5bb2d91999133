"""Appointments (issue 10): the free slots of a service on a working day, and booking, cancelling
and moving one, under the policy's per-phone limits. A slot is never overbooked: the count and the
insert happen in one write transaction (BEGIN IMMEDIATE excludes every other writer, in any
process)."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from ..engine import slots as engine
from ..store import Connection
from ..store import citizens as rows
from ..store import queue as q
from . import notify
from .calendar_state import calendar_at
from .changes import Changes
from .citizens import check_rate, citizen_of, limit_error, policy
from .context import TZ, Context, stamp
from .errors import UseCaseError
from .offload import off_loop
from .phone_vault import vault_for
from .screens.events import BookingChanged

CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B: read aloud or typed
CODE_LENGTH = 6
BOOKING_DEFAULTS = {"slot_minutes": 30, "appointment_share": 0.25, "booking_days_ahead": 14}


def _setting(ctx: Context, name: str) -> float:
    value = ctx.site.settings.get("policy", {}).get(name, BOOKING_DEFAULTS[name])
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
    return float(value) if ok else float(BOOKING_DEFAULTS[name])


def _service(ctx: Context, code: object) -> str:
    if not isinstance(code, str) or code not in ctx.site.services:
        raise UseCaseError("unknown_service", 404, service=str(code)[:40], field="service")
    if not ctx.site.service_rows.get(code, {}).get("appointments"):
        raise UseCaseError("service_not_bookable", 400, field="service")
    return code


def _day(ctx: Context, text: object, now: datetime) -> date:
    try:
        day = date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        day = None
    today = now.astimezone(TZ).date()
    if day is None or not today <= day <= today + timedelta(days=_setting(ctx, "booking_days_ahead")):
        raise UseCaseError("bad_day", 400, field="date")
    return day


def _share(ctx: Context, service: str) -> float:
    own = ctx.site.service_rows.get(service, {}).get("appointment_share")
    share = own if isinstance(own, (int, float)) and not isinstance(own, bool) else \
        _setting(ctx, "appointment_share")
    return min(max(float(share), 0.0), 1.0)


# The last day grids cut (engine.day_slots is pure): a burst of bookings for one day cuts it once.
# Keyed by everything the grid depends on; the calendar by identity (calendar_at keeps one object
# per calendar version), held in the value so the identity cannot be reused.
_grids: dict[tuple[Any, ...], tuple[Any, list[engine.Slot]]] = {}
GRIDS_KEPT = 64


def _day_grid(svc: Any, day: date, length: int, capacity: int, calendar: Any) -> list[engine.Slot]:
    key = (id(svc), day, length, capacity, id(calendar))
    found = _grids.get(key)
    if found is not None and found[0][0] is svc and found[0][1] is calendar:
        return found[1]
    grid = engine.day_slots(svc, day, TZ, length, capacity, calendar)
    if len(_grids) >= GRIDS_KEPT:
        _grids.clear()
    _grids[key] = ((svc, calendar), grid)
    return grid


def _slots(conn: Connection, ctx: Context, service: str, day: date,
           now: datetime) -> list[engine.Slot]:
    """The service's slots on a day still ahead of `now`, with their capacity."""
    svc = ctx.site.services[service]
    minutes = engine.typical_minutes(q.recent_service_minutes(conn, service), svc.service_minutes)
    length = int(_setting(ctx, "slot_minutes"))
    capacity = engine.slot_capacity(engine.counter_share(service, list(ctx.site.counters.values())),
                                    minutes, length, _share(ctx, service))
    return [s for s in _day_grid(svc, day, length, capacity, calendar_at(conn, now))
            if s.start > now]


def free_slots(ctx: Context, service: object, day_text: object) -> dict[str, Any]:
    """GET /public/slots: every slot of a service on a day with its capacity and free places."""
    code = _service(ctx, service)
    now = ctx.clock()
    day = _day(ctx, day_text, now)
    with ctx.db.read() as conn:
        found = _slots(conn, ctx, code, day, now)
        taken = rows.slot_counts(conn, code, day.isoformat())
    return {"service": code, "date": day.isoformat(), "slots": [
        {"start": engine.hhmm(s.start), "end": engine.hhmm(s.end), "capacity": s.capacity,
         "free": max(0, s.capacity - taken.get(engine.hhmm(s.start), 0))} for s in found]}


def _pick_slot(conn: Connection, ctx: Context, service: str, day: date, start: object,
               now: datetime, moving: dict[str, Any] | None = None) -> engine.Slot:
    """The slot starting at `start`, refused when unknown or full (a booking being moved within
    it does not count against it)."""
    slot = next((s for s in _slots(conn, ctx, service, day, now) if engine.hhmm(s.start) == start),
                None)
    if slot is None:
        raise UseCaseError("unknown_slot", 400, start=str(start)[:8], field="start")
    taken = rows.slot_counts(conn, service, day.isoformat()).get(engine.hhmm(slot.start), 0)
    if moving and (moving["day"], moving["start"]) == (day.isoformat(), engine.hhmm(slot.start)):
        taken -= 1
    if taken >= slot.capacity:
        raise UseCaseError("slot_full", 409, start=engine.hhmm(slot.start))
    return slot


def _check_phone(conn: Connection, ctx: Context, phone_hash: str, day: date, now: datetime,
                 moving: dict[str, Any] | None = None) -> None:
    """The per-phone rules: not blocked for no-shows, at most N bookings that day."""
    phone = rows.phone_row(conn, phone_hash)
    blocked = phone and phone.get("blocked_until")
    if blocked and blocked > stamp(now):
        until = datetime.fromisoformat(blocked)
        raise limit_error("no_shows", n=int(policy(ctx, "no_show_limit")),
                          date=until.strftime("%d/%m/%Y"))
    limit = int(policy(ctx, "daily_per_phone"))
    count = rows.phone_bookings_on(conn, phone_hash, day.isoformat())
    if moving and moving["day"] == day.isoformat():
        count -= 1
    if count >= limit:
        raise limit_error("daily", n=limit)


def _new_code(conn: Connection) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not rows.code_taken(conn, code):
            return code


def booking_view(ctx: Context, b: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A booking as its owner sees it (never the phone number)."""
    svc = ctx.site.services.get(b["service"])
    return {"code": b["code"], "token": b["token"], "kind": b["kind"], "status": b["status"],
            "service": b["service"], "service_name": svc.name if svc else b["service"],
            "service_name_en": svc.name_en if svc else b["service"],
            "date": b["day"], "start": b["start"], "end": b["end"],
            "qr_url": f"{base_url}/api/v1/public/bookings/{b['token']}/qr.svg",
            "url": f"{base_url}/dat-lich/b/{b['token']}"}


def booking_changed(b: dict[str, Any], change: str) -> BookingChanged:
    """The staff event of a booking's change: counts-level facts only (no phone, token or code)."""
    return BookingChanged(change, {
        "kind": b["kind"], "service": b["service"], "day": b["day"], "start": b["start"],
        "end": b.get("end") or "", "status": b["status"], "checked_in": bool(b.get("checked_in_at"))})


def _published(ctx: Context, conn: Connection, out: Any, now: datetime, b: dict[str, Any],
               change: str) -> None:
    """Publish a booking's change to staff through the one publisher (Changes)."""
    Changes(extra=[booking_changed(b, change)]).emit(ctx, conn, out, now, "")


def _sms_text(ctx: Context, b: dict[str, Any], verb: str) -> str:
    svc = ctx.site.services[b["service"]]
    day = date.fromisoformat(b["day"]).strftime("%d/%m/%Y")
    return f"{verb} {svc.name}: {b['start']} ngày {day}. Mã check-in: {b['code']}."


def _book_checks(conn: Connection, ctx: Context, token: str | None, request_id: str | None,
                 address: str, service: str, day: date, start: object, now: datetime,
                 count: bool) -> dict[str, Any] | tuple[str, str, engine.Slot]:
    """A booking's checks in their order: the stored answer of a retried request, else (phone
    hash, request key, slot) once the token, the address rate (counted only when `count`: in the
    write transaction), the phone's limits and the slot's free places allow it."""
    phone_hash = citizen_of(conn, ctx, token)
    actor_key = f"citizen:{phone_hash[:32]}"
    if request_id:
        prev = q.find_request(conn, actor_key, request_id)
        if prev is not None:
            if prev["action"] != "booking.create":
                raise UseCaseError("request_id_reused", 409)
            return dict(prev["response"])
    check_rate(conn, ctx, "public", address, "public_per_address_hour", now, count=count)
    _check_phone(conn, ctx, phone_hash, day, now)
    return phone_hash, actor_key, _pick_slot(conn, ctx, service, day, start, now)


def book(ctx: Context, token: str | None, data: dict[str, Any], address: str,
         base_url: str) -> tuple[dict[str, Any], bool]:
    """POST /public/bookings: book a slot for the verified phone; (booking, created)."""
    service = _service(ctx, data.get("service"))
    now = ctx.clock()
    day = _day(ctx, data.get("date"), now)
    request_id = data.get("request_id")
    if request_id is not None and (not isinstance(request_id, str) or not 0 < len(request_id) <= 64):
        raise UseCaseError("bad_request_id", 400, max=64)
    # Most requests of a burst for a popular slot are refused (slot full, limits) or are retries:
    # those are answered from a read transaction, which takes no write lock (other processes'
    # bookings are not held up) and commits nothing. Only a booking that passes every check there
    # takes the write lock, where every check is made again: no slot is ever overbooked.
    with ctx.db.read() as conn:
        passed = _book_checks(conn, ctx, token, request_id, address, service, day,
                              data.get("start"), now, count=False)
    if isinstance(passed, dict):
        return passed, False
    with ctx.transaction() as (conn, out):
        passed = _book_checks(conn, ctx, token, request_id, address, service, day,
                              data.get("start"), now, count=True)
        if isinstance(passed, dict):
            return passed, False
        phone_hash, actor_key, slot = passed
        b: dict[str, Any] = {
            "kind": "appointment", "code": _new_code(conn), "token": secrets.token_urlsafe(18),
            "service": service, "day": day.isoformat(), "start": engine.hhmm(slot.start),
            "end": engine.hhmm(slot.end), "phone_hash": phone_hash, "status": "booked",
            "created_at": stamp(now), "changed_at": stamp(now)}
        b["id"] = rows.add_booking(conn, b)
        rows.touch_phone(conn, phone_hash, stamp(now))
        q.append_event(conn, stamp(now), b["day"], "booking.created", "citizen", None, None,
                       service, {"booking": b["id"], "start": b["start"]})
        phone = vault_for(ctx.db).open(rows.phone_row(conn, phone_hash)["phone_enc"])  # type: ignore[index]
        notify.enqueue_sms(conn, ctx, phone, _sms_text(ctx, b, "Đã đặt lịch"), "booking", now)
        answer = booking_view(ctx, b, base_url)
        _published(ctx, conn, out, now, b, "created")
        if request_id:
            q.save_request(conn, actor_key, request_id, "booking.create", 201, answer, stamp(now))
    return answer, True


def _owned(conn: Connection, token: object) -> dict[str, Any]:
    found = rows.booking_by_token(conn, token) if isinstance(token, str) else None
    if found is None:
        raise UseCaseError("booking_not_found", 404)
    return found


def get_booking(ctx: Context, token: str, base_url: str) -> dict[str, Any]:
    """GET /public/bookings/<token>: the booking (its token is the owner's key)."""
    with ctx.db.read() as conn:
        return booking_view(ctx, _owned(conn, token), base_url)


def cancel(ctx: Context, token: str, address: str, base_url: str) -> dict[str, Any]:
    """Cancel an appointment, freeing its slot (a repeat answers the cancelled booking; numbers
    from home: remote_cancel.py)."""
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        check_rate(conn, ctx, "public", address, "public_per_address_hour", now)
        b = _owned(conn, token)
        if b["status"] == "cancelled":
            return booking_view(ctx, b, base_url)
        if b["status"] != "booked" or b.get("checked_in_at") or b["kind"] != "appointment":
            raise UseCaseError("booking_not_active", 409)
        rows.update_booking(conn, b["id"], status="cancelled", changed_at=stamp(now))
        q.append_event(conn, stamp(now), b["day"], "booking.cancelled", "citizen", None, None,
                       b["service"], {"booking": b["id"], "start": b["start"]})
        b["status"] = "cancelled"
        _published(ctx, conn, out, now, b, "cancelled")
    return booking_view(ctx, b, base_url)


def move(ctx: Context, token: str, data: dict[str, Any], address: str,
         base_url: str) -> dict[str, Any]:
    """POST /public/bookings/<token>/move {date, start}: another slot of the same service."""
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        check_rate(conn, ctx, "public", address, "public_per_address_hour", now)
        b = _owned(conn, token)
        if b["status"] != "booked" or b.get("checked_in_at") or b["kind"] != "appointment":
            raise UseCaseError("booking_not_active", 409)
        day = _day(ctx, data.get("date"), now)
        if b["phone_hash"]:
            _check_phone(conn, ctx, b["phone_hash"], day, now, moving=b)
        slot = _pick_slot(conn, ctx, b["service"], day, data.get("start"), now, moving=b)
        old = {"date": b["day"], "start": b["start"]}
        b.update(day=day.isoformat(), start=engine.hhmm(slot.start), end=engine.hhmm(slot.end))
        rows.update_booking(conn, b["id"], day=b["day"], start=b["start"], end=b["end"],
                            changed_at=stamp(now))
        q.append_event(conn, stamp(now), b["day"], "booking.moved", "citizen", None, None,
                       b["service"], {"booking": b["id"], "start": b["start"], "from": old})
        _published(ctx, conn, out, now, b, "moved")
    return booking_view(ctx, b, base_url)


def qr_svg(ctx: Context, token: str) -> str:
    """The booking's QR code (it holds the check-in code, which a kiosk scanner types) as SVG,
    drawn off the event loop (pure-Python drawing takes milliseconds)."""
    with ctx.db.read() as conn:
        b = _owned(conn, token)
    return off_loop(_draw_qr, b["code"])


def _draw_qr(text: str) -> str:
    import io

    import qrcode
    import qrcode.image.svg
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode("utf-8")
