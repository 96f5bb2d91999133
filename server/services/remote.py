"""Numbers from home and check-in (issue 10, second half).

A remote number is issued now (next number of its service, unique like all) in status `away`: it
keeps its issue time as its place but is not called until its owner checks in at a kiosk or with
a guide (then it is `waiting` at that place). When its turn passed it is held aside for the
policy's minutes, then expires (engine/remote.py decides). An appointment gets its ticket at
check-in, inside its window, in the priority class `appointment`: called ahead of walk-ins of its
service under the same ratio and aging rules as priority tickets.
"""
from __future__ import annotations

import os
import re
import secrets
from datetime import datetime, time, timedelta
from typing import Any

from ..engine import model
from ..engine import remote as engine
from ..engine.ahead import class_of_priority
from ..engine.model import Status
from ..engine.numbering import IssueRefused, check_can_issue
from ..store import Connection
from ..store import citizens as rows
from ..store import queue as q
from ..store import remote as store
from . import notify
from .auth import Actor, require_admin_read, require_issuer
from .bookings import _check_phone, _new_code, booking_changed
from .calendar_state import calendar_at, refusal_params
from .changes import Changes
from .citizens import check_rate, citizen_of
from .context import TZ, Context, parse_stamp, service_day, stamp
from .errors import UseCaseError
from .phone_vault import usable, vault_for
from .screens.events import Event
from .views import ticket_view

APPOINTMENT = model.APPOINTMENT  # the priority class of a checked-in appointment's ticket
RULE_DEFAULTS = {"remote_expire_min": 30.0, "checkin_early_min": 30.0, "checkin_late_min": 15.0,
                 "travel_min": 30.0}


def rules(ctx: Context) -> engine.RemoteRules:
    """The site's remote/check-in policy ([policy] in the site file, else the defaults)."""
    pol = ctx.site.settings.get("policy", {})

    def num(name: str) -> float:
        v = pol.get(name, RULE_DEFAULTS[name])
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
        return float(v) if ok else RULE_DEFAULTS[name]
    return engine.RemoteRules(num("remote_expire_min"), num("checkin_early_min"),
                              num("checkin_late_min"), num("travel_min"))


def _day_end(day: str) -> datetime:
    return datetime.combine(datetime.fromisoformat(day).date() + timedelta(days=1), time(0), TZ)


def remote_info(conn: Connection, ctx: Context, t: dict[str, Any], view: dict[str, Any],
                now: datetime) -> dict[str, Any]:
    """What the owner of a remote ticket sees beyond the ticket: held aside or not, until when,
    when to leave home, whether checked in."""
    if t["status"] == Status.CANCELLED.value:  # withdrawn before or after check-in
        b = store.booking_of_ticket(conn, int(t["id"]))
        return {"checked_in": bool(b and b["checked_in_at"]), "state": t["status"]}
    if t["status"] != Status.AWAY.value:
        return {"checked_in": t["status"] != Status.EXPIRED.value, "state": t["status"]}
    turn = store.turn_at(conn, t["day"], t["service"], t["queued_at"])
    state, expires = engine.remote_state(parse_stamp(turn) if turn else None, now,
                                         _day_end(t["day"]), rules(ctx))
    leave = engine.leave_home_at(now, int(view["estimated_wait_min"][0]), rules(ctx))
    b = store.booking_of_ticket(conn, int(t["id"]))
    return {"checked_in": False, "state": state, "code": b["code"] if b else None,
            "expires_at": expires.isoformat(timespec="seconds") if state == engine.HELD else None,
            "leave_at": leave.astimezone(TZ).strftime("%H:%M"),
            "leave_now": leave <= now + timedelta(minutes=1)}


def with_remote(conn: Connection, ctx: Context, t: dict[str, Any], base_url: str,
                now: datetime) -> dict[str, Any]:
    """ticket_view plus, for a remote or appointment ticket, `remote`."""
    view = ticket_view(conn, ctx.site, t, base_url, now)
    if t.get("channel"):
        view["remote"] = remote_info(conn, ctx, t, view, now)
        if view["remote"]["state"] == engine.EXPIRED:
            view["status"] = Status.EXPIRED.value
    return view


def _request_id(value: Any) -> str | None:
    """An optional request_id (the rule of services/tickets.py, which imports this module)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise UseCaseError("bad_request_id", 400, max=64)
    return value


def _earlier(conn: Connection, actor_key: str, request_id: str | None, action: str) -> Any:
    """The stored answer to a repeated request, checked in the transaction that would change."""
    prev = q.find_request(conn, actor_key, request_id) if request_id else None
    if prev is not None and prev["action"] != action:
        raise UseCaseError("request_id_reused", 409)
    return None if prev is None else prev["response"]


def _remote_service(ctx: Context, code: object) -> str:
    if not isinstance(code, str) or code not in ctx.site.services:
        raise UseCaseError("unknown_service", 404, service=str(code)[:40], field="service")
    if not ctx.site.service_rows.get(code, {}).get("remote"):
        raise UseCaseError("service_not_remote", 400, field="service")
    return code


def _refusal(refused: IssueRefused, now: datetime) -> UseCaseError:
    params = refusal_params(refused.params, now) if "reason" in refused.params else refused.params
    return UseCaseError(refused.code, 409, **params)


def _new_ticket(conn: Connection, ctx: Context, service: str, now: datetime, actor_key: str,
                status: str, channel: str, priority: str | None,
                device_id: int | None, printing: bool, queued_at: datetime | None = None) -> int:
    """Take the service's next number (refused when closed or full) and insert the ticket."""
    svc = ctx.site.services[service]
    day = service_day(now)
    try:
        check_can_issue(svc, now, q.issued_count(conn, service, day), ctx.site.open_all_hours,
                        calendar_at(conn, now))
    except IssueRefused as refused:
        raise _refusal(refused, now) from None
    seq = q.next_seq(conn, service, day)
    at = stamp(now)
    row = {"day": day, "origin_service": service, "seq": seq, "number": svc.number.label(seq),
           "service": service, "priority": priority, "status": status,
           "token": secrets.token_urlsafe(18), "issued_at": at,
           "queued_at": stamp(queued_at) if queued_at else at,
           "issued_by": actor_key, "device_id": device_id,
           "print_status": "pending" if printing else "none", "channel": channel}
    ticket_id = q.insert_ticket(conn, row)
    q.open_leg(conn, ticket_id, 1, service)
    q.append_event(conn, at, day, "ticket.issued", actor_key.split(":")[0], ticket_id, None,
                   service, {"number": row["number"], "priority": priority, "channel": channel})
    return ticket_id


def _sms(conn: Connection, ctx: Context, phone_hash: str | None, text: str, kind: str,
         now: datetime) -> None:
    phone = rows.phone_row(conn, phone_hash) if phone_hash else None
    if phone is not None and usable(ctx.db):  # no phone key: no SMS, the call goes on
        notify.enqueue_sms(conn, ctx, vault_for(ctx.db).open(phone["phone_enc"]), text, kind, now)


def take_remote(ctx: Context, token: str | None, data: dict[str, Any], address: str,
                base_url: str) -> tuple[dict[str, Any], bool]:
    """POST /public/remote-tickets {service}: today's next number for the verified phone, to be
    checked in at the building; (ticket with its check-in `code`, created)."""
    service = _remote_service(ctx, data.get("service"))
    request_id = _request_id(data.get("request_id"))
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        phone_hash = citizen_of(conn, ctx, token)
        actor_key = f"citizen:{phone_hash[:32]}"
        prev = _earlier(conn, actor_key, request_id, "remote.create")
        if prev is not None:
            return dict(prev), False
        check_rate(conn, ctx, "public", address, "public_per_address_hour", now)
        _check_phone(conn, ctx, phone_hash, now.astimezone(TZ).date(), now)
        ticket_id = _new_ticket(conn, ctx, service, now, actor_key, Status.AWAY.value, "remote",
                                None, None, False)
        t = q.get_ticket(conn, ticket_id) or {}
        code = _new_code(conn)
        b = {"kind": "remote", "code": code, "token": secrets.token_urlsafe(18), "service": service,
             "day": t["day"], "start": now.astimezone(TZ).strftime("%H:%M"), "end": "",
             "phone_hash": phone_hash, "status": "booked", "created_at": stamp(now),
             "changed_at": stamp(now), "ticket_id": ticket_id}
        rows.add_booking(conn, b)
        rows.touch_phone(conn, phone_hash, stamp(now))
        answer = with_remote(conn, ctx, t, base_url, now)
        answer["code"] = code
        _sms(conn, ctx, phone_hash, f"Số thứ tự {t['number']} ({ctx.site.services[service].name})."
             f" Mã check-in: {code}. Theo dõi: {answer['status_url']}", "remote", now)
        Changes(services=[service], extra=[booking_changed(b, "created")]).emit(
            ctx, conn, out, now, base_url)
        if request_id:
            q.save_request(conn, actor_key, request_id, "remote.create", 201, answer, stamp(now))
    return answer, True


_NOT_CODE = re.compile(r"[^A-Z0-9]")


def _clean_code(code: object) -> str:
    """The code as typed or scanned: case, spaces and dashes do not matter."""
    text = _NOT_CODE.sub("", code.upper()) if isinstance(code, str) else ""
    if not 4 <= len(text) <= 12:
        raise UseCaseError("unknown_code", 404, field="code")
    return text


def check_in(ctx: Context, actor: Actor, code: object, request_id: Any = None,
             base_url: str = "") -> tuple[dict[str, Any], bool]:
    """POST /checkin {code} (a kiosk or staff): a remote number takes its place in the line, an
    appointment gets its ticket (printed at the kiosk). (ticket, created)."""
    text = _clean_code(code)
    request_id = _request_id(request_id)
    now = ctx.clock()
    with ctx.transaction() as (conn, out):
        prev = _earlier(conn, actor.key, request_id, "checkin")
        if prev is not None:
            return with_remote(conn, ctx, q.get_ticket(conn, prev["id"]) or {}, base_url, now), False
        b = store.booking_by_code(conn, text)
        if b is None:
            raise UseCaseError("unknown_code", 404, field="code")
        require_issuer(actor, ctx.site.services[b["service"]].zone)
        if b["checked_in_at"]:
            t = q.get_ticket(conn, b["ticket_id"]) or {}
            raise UseCaseError("already_checked_in", 409, number=t.get("number", ""))
        if b["status"] != "booked":
            raise UseCaseError("booking_not_active", 409)
        today = service_day(now)
        if b["day"] != today:
            raise UseCaseError("too_early" if b["day"] > today else "too_late", 409,
                               time=b["start"], date=_ddmm(b["day"]))
        if b["kind"] == "remote":
            ticket_id = _check_in_remote(conn, ctx, actor, b, now)
        else:
            ticket_id = _check_in_appointment(conn, ctx, actor, b, now)
        at = stamp(now)
        rows.update_booking(conn, b["id"], checked_in_at=at, changed_at=at, ticket_id=ticket_id)
        t = q.get_ticket(conn, ticket_id) or {}
        q.append_event(conn, at, t["day"], "ticket.checked_in", actor.key, ticket_id, None,
                       t["service"], {"channel": t["channel"], "booking": b["id"]})
        b.update(checked_in_at=at)
        Changes(tickets=[ticket_id], services=[t["service"]],
                extra=[booking_changed(b, "checked_in")]).emit(ctx, conn, out, now, base_url)
        ticket = with_remote(conn, ctx, t, base_url, now)
        if request_id:
            q.save_request(conn, actor.key, request_id, "checkin", 200, {"id": ticket_id}, at)
        kiosk = actor if actor.kind == "device" else None
        if t["print_status"] == "pending" and kiosk is not None and ctx.printer is not None:
            out.after_commit.append(lambda: ctx.printer.print_ticket(kiosk, ticket))
    return ticket, True


def iso_hhmm(text: str | None) -> str:
    """A stored timestamp's local HH:MM."""
    return parse_stamp(text).astimezone(TZ).strftime("%H:%M") if text else ""


def _ddmm(day: str) -> str:
    return datetime.fromisoformat(day).strftime("%d/%m/%Y")


def _printing(ctx: Context, actor: Actor) -> bool:
    """Whether a check-in by this caller prints its ticket (a kiosk with a printer)."""
    return actor.kind == "device" and bool(actor.printer) and ctx.printer is not None


def _check_in_remote(conn: Connection, ctx: Context, actor: Actor, b: dict[str, Any],
                     now: datetime) -> int:
    t = q.get_ticket(conn, b["ticket_id"])
    if t is not None and t["status"] == Status.EXPIRED.value:
        raise UseCaseError("too_late", 409, time=iso_hhmm(t["finished_at"]), date=_ddmm(t["day"]))
    if t is None or t["status"] != Status.AWAY.value:
        raise UseCaseError("booking_not_active", 409)
    turn = store.turn_at(conn, t["day"], t["service"], t["queued_at"])
    state, expires = engine.remote_state(parse_stamp(turn) if turn else None, now,
                                         _day_end(t["day"]), rules(ctx))
    if state == engine.EXPIRED:
        raise UseCaseError("too_late", 409, time=expires.astimezone(TZ).strftime("%H:%M"),
                           date=_ddmm(t["day"]))
    # Its place is its issue time (queued_at is kept): a held ticket is the oldest of its line.
    # Checked in at a kiosk with a printer, it gets its paper there like any ticket.
    printed = {"device_id": actor.id, "print_status": "pending"} if _printing(ctx, actor) else {}
    if not q.update_ticket(conn, t["id"], Status.AWAY.value, status=Status.WAITING.value,
                           **printed):
        raise UseCaseError("already_checked_in", 409, number=t["number"])
    return int(t["id"])


def _check_in_appointment(conn: Connection, ctx: Context, actor: Actor, b: dict[str, Any],
                          now: datetime) -> int:
    start = datetime.combine(datetime.fromisoformat(b["day"]).date(),
                             time.fromisoformat(b["start"]), TZ)
    refusal = engine.checkin_refusal(start, now, rules(ctx))
    if refusal is not None:
        r = rules(ctx)
        edge = start - timedelta(minutes=r.early_min) if refusal == "too_early" else \
            start + timedelta(minutes=r.late_min)
        raise UseCaseError(refusal, 409, time=edge.strftime("%H:%M"), date=_ddmm(b["day"]))
    # Early: its place is its slot's start (the call order skips it until then unless the
    # counter has no one else: counters.call_next).
    return _new_ticket(conn, ctx, b["service"], now, actor.key, Status.WAITING.value, "appointment",
                       APPOINTMENT, actor.id if actor.kind == "device" else None,
                       _printing(ctx, actor), max(now, start))


def on_called(conn: Connection, ctx: Context, row: dict[str, Any], counter: int,
              now: datetime) -> None:
    """A ticket was called: the owner of a remote or appointment ticket gets an SMS, subscribed
    ticket pages a push, and pages of the service now few enough ahead their "N ahead" push. All
    through the outbox, sent after the call by the worker: a slow gateway never holds a call."""
    if row.get("channel"):
        b = store.booking_of_ticket(conn, int(row["id"]))
        if b is not None:
            _sms(conn, ctx, b["phone_hash"], f"Mời số {row['number']} đến quầy {counter}.",
                 "called", now)
    for sub in store.pushes_of_ticket(conn, int(row["id"])):
        notify.enqueue_push(conn, ctx, sub, {"type": "called", "number": row["number"],
                                             "counter": counter}, "called", now)
    _expire_due(conn, ctx, row["day"], row["service"], now)
    for sub in store.pushes_to_warn(conn, row["day"], row["service"]):
        ahead = q.waiting_before(conn, sub["day"], sub["service"],
                                 class_of_priority(sub["priority"]), sub["queued_at"],
                                 int(sub["ticket_id"]))
        if ahead <= sub["ahead"]:
            notify.enqueue_push(conn, ctx, sub, {"type": "ahead", "number": sub["number"],
                                                 "ahead": ahead}, "ahead", now)
            store.push_warned(conn, int(sub["id"]))


PUSH_AHEAD = 3  # "N people ahead" notice by default
MAX_PUSH_PER_TICKET = 5  # browsers per ticket: a ticket's token cannot fan pushes out


def subscribe_push(ctx: Context, token: object, data: dict[str, Any]) -> dict[str, Any]:
    """POST /tickets/<token>/push {subscription: {endpoint, keys: {p256dh, auth}}, ahead?}: the
    ticket page's browser gets a push when `ahead` people are ahead and when called."""
    sub = data.get("subscription")
    keys = sub.get("keys") if isinstance(sub, dict) else None
    endpoint = sub.get("endpoint") if isinstance(sub, dict) else None
    # Push services are HTTPS; plain http only where the operator allows it (a test's own
    # push service): the server must not become a way to POST to any address.
    schemes = ("https://", "http://") if os.environ.get("XEPHANG_PUSH_HTTP_OK") else ("https://",)
    if not (isinstance(endpoint, str) and endpoint.startswith(schemes)) \
            or len(endpoint) > 1000 or not isinstance(keys, dict) \
            or not all(isinstance(keys.get(k), str) and 0 < len(keys[k]) < 200
                       for k in ("p256dh", "auth")):
        raise UseCaseError("bad_subscription", 400, field="subscription")
    ahead = data.get("ahead", PUSH_AHEAD)
    if not isinstance(ahead, int) or isinstance(ahead, bool) or not 0 <= ahead <= 50:
        raise UseCaseError("bad_subscription", 400, field="ahead")
    now = ctx.clock()
    with ctx.transaction() as (conn, _out):
        t = q.ticket_by_token(conn, token) if isinstance(token, str) else None
        if t is None:
            raise UseCaseError("ticket_not_found", 404)
        subs = store.pushes_of_ticket(conn, int(t["id"]))
        if len(subs) >= MAX_PUSH_PER_TICKET and endpoint not in {x["endpoint"] for x in subs}:
            raise UseCaseError("too_many_subscriptions", 409, n=MAX_PUSH_PER_TICKET)
        store.save_push(conn, int(t["id"]), t["day"], endpoint, keys["p256dh"], keys["auth"],
                        ahead, stamp(now))
    return {"subscribed": True, "ahead": ahead}


def close_day(ctx: Context) -> int:
    """Remote tickets of past days never checked in expire (their bookings become no-shows in
    the citizens' day close); returns how many."""
    now = ctx.clock()
    with ctx.transaction() as (conn, _out):
        store.forget_pushes_before(conn, service_day(now))
        away = store.away_before(conn, service_day(now))
        for t in away:
            _expire(conn, t, now)
    return len(away)


def _expire(conn: Connection, t: dict[str, Any], now: datetime) -> None:
    q.update_ticket(conn, t["id"], Status.AWAY.value, status=Status.EXPIRED.value,
                    finished_at=stamp(now))
    q.update_leg(conn, t["id"], t["leg"], outcome="expired", finished_at=stamp(now))
    q.append_event(conn, stamp(now), t["day"], "ticket.expired", "system", t["id"], None,
                   t["service"], {})


def _expire_due(conn: Connection, ctx: Context, day: str, service: str, now: datetime) -> None:
    """Store `expired` on the service's remote tickets whose hold ran out (the ticket page says so
    already; this keeps the staff's counts right). Runs with each call of the service."""
    for t in store.away_of(conn, day, service):
        turn = store.turn_at(conn, t["day"], t["service"], t["queued_at"])
        state, _ = engine.remote_state(parse_stamp(turn) if turn else None, now,
                                       _day_end(t["day"]), rules(ctx))
        if state == engine.EXPIRED:
            _expire(conn, t, now)


def away_counts(conn: Connection, day: str, services: list[str]) -> dict[str, int]:
    """Per service: numbers from home not checked in yet (the officer console shows them)."""
    return store.away_counts(conn, day, services)


def today_board(ctx: Context, actor: Actor) -> dict[str, Any]:
    """GET /appointments/today (supervisors): today's appointments per service and slot (booked,
    checked in, no-shows: not checked in once the late window closed) and the numbers from home
    by outcome. Counts only: no phone, no code."""
    require_admin_read(actor)
    from .admin.scope import unit_scope
    scope = unit_scope(ctx, actor)  # a department head: her units' services only
    mine = None if scope is None else sorted(scope.services)
    now = ctx.clock()
    day = service_day(now)
    late = timedelta(minutes=rules(ctx).late_min)
    with ctx.db.read() as conn:
        slots = store.appointments_of_day(conn, day)
        channels = store.channel_counts(conn, day, mine)
    out = []
    for r in slots:
        if mine is not None and r["service"] not in mine:
            continue
        svc = ctx.site.services.get(r["service"])
        start = datetime.combine(datetime.fromisoformat(day).date(), time.fromisoformat(r["start"]), TZ)
        missed = r["booked"] - r["checked_in"] if now > start + late else 0
        out.append({"service": r["service"], "service_name": svc.name if svc else r["service"],
                    "service_name_en": svc.name_en if svc else r["service"],
                    "start": r["start"], "end": r["end"], "booked": r["booked"],
                    "checked_in": r["checked_in"], "no_show": max(missed, r["no_show"])})
    # `sms`: ok, or why no SMS can be sent (phone_key_missing / phone_key_mismatch): the floor says so
    return {"day": day, "appointments": out, "channels": channels,
            "sms": vault_for(ctx.db).problem or "ok"}


def checkin_qr(ctx: Context, token: object) -> str:
    """The QR of a remote number's check-in code (what a kiosk's scanner reads from the ticket
    page), as SVG, drawn off the event loop; by the ticket's token (its owner's key)."""
    from .bookings import _draw_qr
    from .offload import off_loop
    with ctx.db.read() as conn:
        t = q.ticket_by_token(conn, token) if isinstance(token, str) else None
        b = store.booking_of_ticket(conn, int(t["id"])) if t is not None else None
    if b is None or t is None or t["status"] != Status.AWAY.value:
        raise UseCaseError("ticket_not_found", 404)
    return str(off_loop(_draw_qr, b["code"]))


def booking_follows(conn: Connection, ticket_id: int, now: datetime) -> list[Event]:
    """A ticket issued for a booking was cancelled: its booking is cancelled too (it no longer
    counts against the phone's daily limit, nor as a no-show); the staff event of that change."""
    b = store.booking_of_ticket(conn, ticket_id)
    if b is None or b["status"] == "cancelled":
        return []
    rows.update_booking(conn, b["id"], status="cancelled", changed_at=stamp(now))
    b["status"] = "cancelled"
    return [booking_changed(b, "cancelled")]

