"""The HTTP API under /api/v1: thin handlers that parse, call a use case and answer JSON."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request, send_file, session
from werkzeug.exceptions import HTTPException

from .i18n import message, pick_lang
from .services import agents, counters, queries, requeue, tickets
from .services.screens import snapshots
from .services.auth import login as login_user
from .services.auth import logout as logout_user
from .services.auth import require_login
from .services.errors import UseCaseError
from .services.screens.views import issued_ticket, own_ticket
from .web.input import MALFORMED, json_body, quiet_log
from .web.session import base_url, bearer_token, check_csrf, csrf_token, ctx, current_actor

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def body() -> dict[str, Any]:
    """The JSON object sent with the request ({} when there is none)."""
    return json_body(request)


@bp.before_request
def _guard() -> None:
    check_csrf()


@bp.errorhandler(UseCaseError)
def _use_case_error(exc: UseCaseError) -> Any:
    lang = pick_lang(request.headers.get("Accept-Language"))
    error: dict[str, Any] = {"code": exc.code, "message": message(exc.code, lang, **exc.params)}
    if isinstance(exc.params.get("field"), str):  # a validation error names the input at fault
        error["field"] = exc.params["field"]
    resp = jsonify(error=error)
    if "retry_after" in exc.params:
        resp.headers["Retry-After"] = str(exc.params["retry_after"])
    return resp, exc.status


def _http_error(exc: HTTPException) -> Any:
    if not request.path.startswith(bp.url_prefix or "/api/v1"):
        return exc  # pages keep Flask's own answers
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.code or 400, "bad_request")
    answer, status = _use_case_error(UseCaseError(code, exc.code or 400))
    for name, value in exc.get_headers():  # e.g. Allow on a 405
        if name.lower() != "content-type":
            answer.headers[name] = value
    return answer, status


def _unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    if not request.path.startswith(bp.url_prefix or "/api/v1"):
        raise exc
    if isinstance(exc, MALFORMED):  # a wrong value sent by the caller: 400, one short log line
        quiet_log.note(request.method, request.path, exc)
        return _use_case_error(UseCaseError("bad_request", 400))
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return _use_case_error(UseCaseError("internal_error", 500))


@bp.post("/auth/login")
def login() -> Any:
    data = body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise UseCaseError("bad_credentials", 401)
    actor, token = login_user(ctx(), username, password, request.remote_addr or "")
    session.clear()
    session["user_id"] = actor.id
    session["gen"] = actor.gen  # logout, a new password or removal ends this cookie too
    session.permanent = True
    return jsonify(token=token, csrf_token=csrf_token(), **actor.public())


@bp.post("/auth/logout")
def logout() -> Any:
    logout_user(ctx(), current_actor())
    session.clear()
    return jsonify({})


@bp.get("/me")
def me() -> Any:
    actor = current_actor()
    require_login(actor)
    extra = {"csrf_token": csrf_token()} if actor.kind == "user" and not bearer_token() else {}
    answer = actor.public()
    if actor.kind == "device" and actor.role == "kiosk" and actor.printer:
        answer["device"]["printer_status"] = queries.printer_status_of(ctx(), actor.id)
    return jsonify(**answer, **extra)


@bp.get("/site")
def site() -> Any:
    return jsonify(queries.site_info(ctx()))


@bp.get("/services")
def services() -> Any:
    return jsonify(services=queries.list_services(ctx(), request.args.get("zone") or None))


@bp.post("/tickets")
def issue() -> Any:
    data = body()
    actor = current_actor()
    ticket, created = tickets.issue_ticket(ctx(), actor, data.get("service"),
                                           data.get("priority"), data.get("request_id"), base_url(),
                                           data.get("print_at"))
    return jsonify(ticket if actor.is_staff else issued_ticket(ticket)), 201 if created else 200


@bp.get("/tickets")
def find_tickets() -> Any:
    return jsonify(tickets=tickets.find_tickets(ctx(), current_actor(), request.args.get("service"),
                                                request.args.get("number"), base_url()))


@bp.get("/tickets/<token>")
def ticket(token: str) -> Any:
    found = tickets.get_ticket(ctx(), token, base_url())
    return jsonify(found if current_actor().is_staff else own_ticket(found))  # staff see it whole


@bp.get("/tickets/<token>/events")
def ticket_events(token: str) -> Any:
    return jsonify(events=tickets.ticket_history(ctx(), current_actor(), token))


@bp.get("/tickets/<token>/preview.png")
def preview(token: str) -> Any:
    return send_file(tickets.print_preview(ctx(), current_actor(), token), mimetype="image/png",
                     max_age=0)


@bp.post("/tickets/<token>/reprint")
def reprint(token: str) -> Any:
    return jsonify(tickets.reprint_ticket(ctx(), current_actor(), token, base_url(),
                                          body().get("print_at")))


@bp.post("/tickets/<token>/requeue")
def requeue_ticket(token: str) -> Any:
    return jsonify(requeue.requeue_ticket(ctx(), current_actor(), token, body().get("request_id"),
                                          base_url()))


@bp.get("/counters/<int:number>/missed")
def missed(number: int) -> Any:
    return jsonify(tickets=requeue.missed_tickets(ctx(), current_actor(), number, base_url()))


@bp.get("/queue")
def queue() -> Any:
    actor = current_actor()
    require_login(actor)
    floor = request.args.get("floor")
    if floor is not None and not floor.isdigit():
        raise UseCaseError("bad_request", 400)
    return jsonify(snapshots.queue_snapshot(ctx(), request.args.get("zone") or None,
                                            int(floor) if floor else None, base_url(),
                                            public=not actor.is_staff))


@bp.get("/counters/<int:number>")
def counter(number: int) -> Any:
    return jsonify(counters.counter_detail(ctx(), current_actor(), number, base_url()))


@bp.post("/counters/<int:number>/rating")
def rating(number: int) -> Any:
    result, created = counters.rate(ctx(), current_actor(), number, body())
    return jsonify(result), 201 if created else 200


@bp.post("/counters/<int:number>/<action>")
def counter_action(number: int, action: str) -> Any:
    return jsonify(counters.counter_action(ctx(), current_actor(), number, action, body(),
                                           base_url()))


@bp.get("/stats/today")
def stats() -> Any:
    return jsonify(queries.stats_today(ctx(), current_actor()))


@bp.get("/printers")
def printers() -> Any:
    return jsonify(printers=queries.printer_list(ctx(), current_actor()))


@bp.post("/print-jobs/<job_id>/result")
def print_result(job_id: str) -> Any:
    return jsonify(agents.report_print_result(ctx(), current_actor(), job_id, body(), base_url()))


@bp.post("/printers/status")
def printer_status() -> Any:
    return jsonify(agents.report_printer_status(ctx(), current_actor(), body()))


@bp.get("/openapi.json")
def openapi() -> Any:
    from .openapi import spec
    return jsonify(spec())


def _load_areas() -> None:
    """Import every module of server/api_areas (each adds its routes to `bp`), once."""
    import importlib
    import pkgutil

    from . import api_areas
    for mod in pkgutil.iter_modules(api_areas.__path__):
        importlib.import_module(f"{api_areas.__name__}.{mod.name}")


def init_app(app: Flask) -> None:
    """Register the API; errors under /api/v1 (unknown paths included) answer JSON."""
    _load_areas()
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
