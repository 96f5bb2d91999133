"""The public citizen API of issue 10 under /api/v1/public: phone verification, appointment slots
and bookings (thin handlers; the rules are in services/citizens.py and services/bookings.py)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request

from ..api import body, bp
from ..services import citizens
from ..web.session import bearer_token, ctx


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
