"""Devices: add a kiosk, board or counter display, edit, revoke, pair again. Audited (no tokens)."""
from __future__ import annotations

import base64
import io
import re
import secrets
from typing import Any

from ...store import accounts
from ...store import queue as q
from ...store import site as site_rows
from .. import audit
from ..auth import DEVICE_KINDS, Actor, device_actor, require_admin, require_admin_read
from ..context import Context, stamp
from ..errors import UseCaseError
from .live import tell_admin_pages
from .scope import unit_scope
from ..printing import is_agent
from ..views import printer_view

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PAPERS = ("80mm", "58mm")
AUDITED = ("name", "kind", "zone", "counter", "printer", "paper", "active")


def _audited(dev: dict[str, Any]) -> dict[str, Any]:
    return {k: (bool(dev[k]) if k == "active" else dev[k]) for k in AUDITED}


def _target(dev: dict[str, Any]) -> str:
    """The audit target of a device: its actor key (as in the entries it makes itself)."""
    return device_actor(dev).key


def view(dev: dict[str, Any]) -> dict[str, Any]:
    """A device as the administration shows it (never its token or hash)."""
    return {"id": dev["id"], "name": dev["name"], "kind": dev["kind"], "zone": dev["zone"],
            "counter": dev["counter"], "printer": dev["printer"], "paper": dev["paper"],
            "active": bool(dev["active"]), "created_at": dev["created_at"]}


def pairing(base_url: str, token: str) -> dict[str, str]:
    """The pairing link of a new token and its QR code (an SVG data URL), to show once."""
    import qrcode
    import qrcode.image.svg
    url = f"{base_url.rstrip('/')}/pair?token={token}"
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return {"pair_url": url,
            "pair_qr": "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()}


def _printer_ok(url: str) -> bool:
    if is_agent(url):
        return True
    from printers.transports import PrinterUrlError, open_printer
    try:
        open_printer(url)  # parses only: nothing is opened until the first print
    except (PrinterUrlError, ValueError):
        return False
    return True


def _opt_str(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UseCaseError("bad_request", 400, field=field)
    return value.strip() or None


def _fields(conn: Any, data: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """Validated kind, zone, counter, printer and paper (from `data`, else the old values)."""
    base = old or {"kind": None, "zone": None, "counter": None, "printer": None, "paper": "80mm"}
    kind = data.get("kind", base["kind"])
    if kind not in DEVICE_KINDS:
        raise UseCaseError("device_kind_invalid", 400, field="kind")
    zone = _opt_str(data.get("zone", base["zone"]), "zone")
    if zone is not None and not site_rows.zone_exists(conn, zone):
        raise UseCaseError("zone_unknown", 400, field="zone", zone=zone)
    counter = data.get("counter", base["counter"])
    if counter == "" or counter is None:
        counter = None
    else:
        try:
            counter = int(counter)
        except (TypeError, ValueError):
            raise UseCaseError("counter_unknown", 400, field="counter", counter=counter) from None
        if counter not in site_rows.counter_numbers(conn):
            raise UseCaseError("counter_unknown", 400, field="counter", counter=counter)
    if kind == "counter" and counter is None:
        raise UseCaseError("device_needs_counter", 400, field="counter")
    printer = _opt_str(data.get("printer", base["printer"]), "printer") if kind == "kiosk" else None
    if printer is not None and not _printer_ok(printer):
        raise UseCaseError("printer_url_invalid", 400, field="printer")
    paper = data.get("paper", base["paper"]) or "80mm"
    if paper not in PAPERS:
        raise UseCaseError("paper_invalid", 400, field="paper")
    return {"kind": kind, "zone": zone, "counter": counter if kind == "counter" else None,
            "printer": printer, "paper": paper}


def _watch_printers(ctx: Context) -> None:
    """Have the server watch the kiosk printers as they are now (a new kiosk's printer shows its
    state at once, a revoked one is no longer polled)."""
    if ctx.printer is not None:
        ctx.printer.devices_changed()


def list_devices(ctx: Context, actor: Actor, health: Any = None) -> list[dict[str, Any]]:
    """Every device with its last contact, page, version and (kiosks) printer state.

    `health`: the server's DeviceHealth (None outside the server: health from the database only).
    A department head sees the devices of her units only (see scope.py).
    """
    require_admin_read(actor)
    scope = unit_scope(ctx, actor)
    with ctx.db.read() as conn:
        devices = [d for d in accounts.list_devices(conn) if scope is None or scope.sees_device(d)]
        stored = accounts.device_health(conn)
        printers = {p["device_id"]: printer_view(p) for p in q.printers(conn)}
    live = health.views() if health is not None else {}
    out = []
    for d in devices:
        v = view(d)
        row = stored.get(d["id"]) or {}
        h = live.get(d["id"]) or {"online": False, "alert": False, "seen_at": row.get("last_seen"),
                                  "page": row.get("page"), "version": row.get("version")}
        v["health"] = h
        v["printer_state"] = printers.get(d["id"])
        out.append(v)
    return out


def _get(conn: Any, name: Any) -> dict[str, Any]:
    dev = accounts.any_device_by_name(conn, name) if isinstance(name, str) else None
    if dev is None:
        raise UseCaseError("device_not_found", 404)
    return dev


def add_device(ctx: Context, actor: Actor, data: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Register a device; answers `{device, token, pair_url, pair_qr}`: the pairing link (and
    its QR code to scan with the device) is shown this once; only the token's hash is kept."""
    require_admin(actor)
    name = data.get("name")
    if not isinstance(name, str) or not NAME.match(name.strip()):
        raise UseCaseError("device_name_invalid", 400, field="name")
    name = name.strip()
    token = secrets.token_urlsafe(24)
    with ctx.transaction() as (conn, out):
        if accounts.any_device_by_name(conn, name) is not None:
            raise UseCaseError("device_name_taken", 400, field="name", name=name)
        f = _fields(conn, data, None)
        device_id = accounts.add_device(conn, name, f["kind"], f["zone"], f["counter"],
                                        f["printer"], f["paper"], token, stamp(ctx.clock()))
        dev = accounts.device_by_id(conn, device_id) or {}
        audit.record(conn, ctx, actor, "device.create", _target(dev), None, _audited(dev))
        tell_admin_pages(out, "devices")
    _watch_printers(ctx)
    return {"device": view(dev), "token": token, **pairing(base_url, token)}


def update_device(ctx: Context, actor: Actor, name: str, data: dict[str, Any]) -> dict[str, Any]:
    """Change a device's kind, zone, counter, printer or paper (it reconnects under them)."""
    require_admin(actor)
    with ctx.transaction() as (conn, out):
        old = _get(conn, name)
        f = _fields(conn, data, old)
        if all(f[k] == old[k] for k in f):
            return {"device": view(old)}
        accounts.update_device(conn, old["id"], f["kind"], f["zone"], f["counter"], f["printer"],
                               f["paper"])
        new = accounts.device_by_id(conn, old["id"]) or {}
        before, after = audit.changed(_audited(old), _audited(new))
        audit.record(conn, ctx, actor, "device.update", _target(old), before, after)
        tell_admin_pages(out, "devices")
    _watch_printers(ctx)
    return {"device": view(new)}


def revoke_device(ctx: Context, actor: Actor, name: str) -> dict[str, Any]:
    """Revoke a device's token: it stops at once and its live screens are disconnected."""
    require_admin(actor)
    with ctx.transaction() as (conn, out):
        dev = _get(conn, name)
        if not dev["active"]:
            raise UseCaseError("device_not_found", 404)
        accounts.deactivate_device(conn, dev["name"])
        audit.record(conn, ctx, actor, "device.revoke", _target(dev),
                     {"active": True}, {"active": False})
        tell_admin_pages(out, "devices")
        new = accounts.device_by_id(conn, dev["id"]) or {}
    _watch_printers(ctx)
    return {"device": view(new)}


def repair_device(ctx: Context, actor: Actor, name: str, base_url: str) -> dict[str, Any]:
    """Pair a device again with a new token (the old one stops; a revoked device comes back).
    Answers like `add_device`: the link and QR code are shown this once."""
    require_admin(actor)
    token = secrets.token_urlsafe(24)
    with ctx.transaction() as (conn, out):
        dev = _get(conn, name)
        accounts.set_device_token(conn, dev["id"], token)
        audit.record(conn, ctx, actor, "device.pair", _target(dev),
                     {"active": bool(dev["active"])}, {"active": True, "new_token": True})
        tell_admin_pages(out, "devices")
        new = accounts.device_by_id(conn, dev["id"]) or {}
    _watch_printers(ctx)
    return {"device": view(new), "token": token, **pairing(base_url, token)}


def save_device(ctx: Context, actor: Actor, name: str, data: dict[str, Any],
                base_url: str) -> dict[str, Any]:
    """Register a device, or give an existing one these settings and a new token: what
    `xephang device add` does."""
    require_admin(actor)
    with ctx.db.read() as conn:
        existing = accounts.any_device_by_name(conn, name)
    if existing is None:
        return add_device(ctx, actor, {**data, "name": name}, base_url)
    update_device(ctx, actor, name, data)
    return repair_device(ctx, actor, name, base_url)
