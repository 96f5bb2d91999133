"""The public citizen API of issue 10 under /api/v1/public: phone verification, appointment slots
and bookings (thin handlers; the rules are in services/citizens.py and services/bookings.py)."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from ..api import body, bp
from ..services import bookings, citizens, remote_cancel
from ..web.session import base_url, bearer_token, ctx


def _address() -> str:
    return request.remote_addr or ""


@bp.post("/public/verify")
def public_verify() -> Any:
    data = body()
    return jsonify(citizens.request_code(ctx(), data.get("phone"), data.get("consent"),
                                         _address())), 202


@bp.post("/public/verify/confirm")
def public_verify_confirm() -> Any:
    data = body()
    return jsonify(citizens.confirm_code(ctx(), data.get("phone"), data.get("code"), _address()))


@bp.get("/public/slots")
def public_slots() -> Any:
    return jsonify(bookings.free_slots(ctx(), request.args.get("service"), request.args.get("date")))


@bp.post("/public/bookings")
def public_book() -> Any:
    answer, created = bookings.book(ctx(), bearer_token(), body(), _address(), base_url())
    return jsonify(answer), 201 if created else 200


@bp.get("/public/bookings/<token>")
def public_booking(token: str) -> Any:
    return jsonify(bookings.get_booking(ctx(), token, base_url()))


@bp.delete("/public/bookings/<token>")
def public_cancel(token: str) -> Any:
    return jsonify(remote_cancel.cancel_booking(ctx(), token, _address(), base_url()))


@bp.post("/public/bookings/<token>/move")
def public_move(token: str) -> Any:
    return jsonify(bookings.move(ctx(), token, body(), _address(), base_url()))


@bp.get("/public/bookings/<token>/qr.svg")
def public_booking_qr(token: str) -> Any:
    return Response(bookings.qr_svg(ctx(), token), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=3600"})
