"""Numbers from home and check-in (issue 10): thin handlers over services/remote.py."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from ..api import body, bp
from ..services import remote, remote_cancel
from ..services.screens.views import own_ticket
from ..web.session import base_url, bearer_token, ctx, current_actor


@bp.post("/public/remote-tickets")
def public_remote_ticket() -> Any:
    answer, created = remote.take_remote(ctx(), bearer_token(), body(), request.remote_addr or "",
                                         base_url())
    return jsonify(own_ticket(answer)), 201 if created else 200


@bp.post("/checkin")
def checkin() -> Any:
    data = body()
    actor = current_actor()
    ticket, created = remote.check_in(ctx(), actor, data.get("code"), data.get("request_id"),
                                      base_url())
    return jsonify(ticket if actor.is_staff else own_ticket(ticket)), 201 if created else 200


@bp.get("/appointments/today")
def appointments_today() -> Any:
    return jsonify(remote.today_board(ctx(), current_actor()))


@bp.get("/push/key")
def push_key() -> Any:
    from ..services.notify import push
    return jsonify(public_key=push.public_key(ctx().db))


@bp.post("/tickets/<token>/push")
def ticket_push(token: str) -> Any:
    return jsonify(remote.subscribe_push(ctx(), token, body())), 201


@bp.get("/tickets/<token>/checkin.svg")
def ticket_checkin_qr(token: str) -> Any:
    return Response(remote.checkin_qr(ctx(), token), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=3600"})


@bp.post("/public/remote-tickets/<token>/cancel")
def public_remote_cancel(token: str) -> Any:
    """The owner withdraws her number from home (by the ticket's token)."""
    return jsonify(own_ticket(remote_cancel.cancel_own(ctx(), token, request.remote_addr or "",
                                                base_url())))
