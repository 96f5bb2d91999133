"""Users, devices and device health under /api/v1 (issue 8, area a-people): thin handlers over
server/services/admin (users.py, devices.py) and the server's DeviceHealth."""
from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from ..api import body, bp
from ..services.admin import devices, users
from ..services.auth import require_login
from ..services.device_health import DeviceHealth
from ..services.errors import UseCaseError
from ..web.session import base_url, ctx, current_actor


def _health() -> DeviceHealth:
    """The device health of the site the request acts for (issue 9: the actor's, or the one a
    city-level account names with `?site=`)."""
    registry = current_app.extensions["xephang.health"]
    return registry.of(ctx().site_id)  # type: ignore[no-any-return]


@bp.get("/admin/users")
def admin_users() -> Any:
    return jsonify(users=users.list_users(ctx(), current_actor()))


@bp.post("/admin/users")
def admin_user_create() -> Any:
    return jsonify(users.create_user(ctx(), current_actor(), body())), 201


@bp.patch("/admin/users/<username>")
def admin_user_update(username: str) -> Any:
    return jsonify(users.update_user(ctx(), current_actor(), username, body()))


@bp.post("/admin/users/<username>/disable")
def admin_user_disable(username: str) -> Any:
    return jsonify(users.set_active(ctx(), current_actor(), username, False))


@bp.post("/admin/users/<username>/enable")
def admin_user_enable(username: str) -> Any:
    return jsonify(users.set_active(ctx(), current_actor(), username, True))


@bp.post("/admin/users/<username>/password")
def admin_user_password(username: str) -> Any:
    given = body().get("password")
    return jsonify(users.reset_password(ctx(), current_actor(), username,
                                        given if isinstance(given, str) and given else None))


@bp.get("/admin/devices")
def admin_devices() -> Any:
    return jsonify(devices=devices.list_devices(ctx(), current_actor(), _health()))


@bp.post("/admin/devices")
def admin_device_create() -> Any:
    answer = devices.add_device(ctx(), current_actor(), body(), base_url())
    _health().devices_changed()
    return jsonify(answer), 201


@bp.patch("/admin/devices/<name>")
def admin_device_update(name: str) -> Any:
    answer = devices.update_device(ctx(), current_actor(), name, body())
    _health().devices_changed()
    return jsonify(answer)


@bp.post("/admin/devices/<name>/revoke")
def admin_device_revoke(name: str) -> Any:
    answer = devices.revoke_device(ctx(), current_actor(), name)
    _health().devices_changed()
    return jsonify(answer)


@bp.post("/admin/devices/<name>/pair")
def admin_device_pair(name: str) -> Any:
    answer = devices.repair_device(ctx(), current_actor(), name, base_url())
    _health().devices_changed()
    return jsonify(answer)


@bp.post("/devices/heartbeat")
def device_heartbeat() -> Any:
    actor = current_actor()
    require_login(actor)
    if actor.kind != "device":
        raise UseCaseError("forbidden", 403)
    from ..realtime import socketio
    _health().start(socketio.start_background_task, socketio.sleep)
    data = body()
    return jsonify(_health().heartbeat(actor.id, data.get("page"), data.get("version")))
