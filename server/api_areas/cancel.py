"""Withdrawing a ticket: POST /api/v1/tickets/<token>/cancel (staff)."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from ..api import body, bp
from ..services import tickets
from ..web.session import base_url, ctx, current_actor


@bp.post("/tickets/<token>/cancel")
def cancel_ticket(token: str) -> Any:
    return jsonify(tickets.cancel_ticket(ctx(), current_actor(), token, body().get("request_id"),
                                         base_url()))
