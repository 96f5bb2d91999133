"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json)."""
from __future__ import annotations

from typing import Any

COUNTER_ACTIONS = ("open", "close", "call-next", "call", "recall", "start", "complete", "no-show",
                   "park", "unpark", "transfer", "pause", "resume")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {"400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"}}


REPEATED = ("The answer to an earlier request with the same request_id from the same caller, "
            "repeated: nothing changed")
THROTTLED = {"description": "Too many failed logins for this username or address: try again later",
             "headers": {"Retry-After": {"schema": {"type": "integer"},
                                         "description": "seconds to wait"}},
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}


STORAGE_CODES = ["busy", "storage_full", "storage_readonly", "storage_error"]
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}}


def _refusal(description: str, codes: list[str], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A shared error answer whose `error.code` is one of `codes`."""
    schema = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"enum": codes}, "message": {"type": "string"}}}}}
    out: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        out["headers"] = headers
    return out


# Answers any operation can get, whatever it does: the database cannot serve it right now (503,
# nothing changed; retry after Retry-After), or the body is over the cap (413).
UNAVAILABLE = _refusal("The database is busy (another process holds it) or cannot save (disk full, "
                       "read-only, other storage failure): nothing was changed; retry after "
                       "Retry-After seconds", STORAGE_CODES, RETRY_AFTER)
LOGIN_UNAVAILABLE = _refusal("Too many logins are being checked at once (`login_busy`), or the "
                             "database is busy or cannot save: retry after Retry-After seconds",
                             ["login_busy", *STORAGE_CODES], RETRY_AFTER)
TOO_LARGE = _refusal("The request body is over the size cap (64 KB): refused unread, and the "
                     "connection is closed", ["body_too_large"])
NO_DATABASE = {"/openapi.json"}  # answered without touching the database: never 503


def _shared_answers(paths: dict[str, Any]) -> None:
    """Add the 503 and 413 answers to the operations where they can occur."""
    for path, ops in paths.items():
        for method, op in ops.items():
            if path not in NO_DATABASE:
                name = "LoginUnavailable" if path == "/auth/login" else "Unavailable"
                op["responses"]["503"] = {"$ref": f"#/components/responses/{name}"}
            if method in ("post", "put", "patch"):
                op["responses"]["413"] = {"$ref": "#/components/responses/TooLarge"}


def _op(summary: str, response: dict[str, Any], body: dict[str, Any] | None = None,
        status: str = "200", auth: bool = True, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {status: _json(response), **ERRORS}}
    if body is not None:
        op["requestBody"] = {"content": {"application/json": {"schema": body}}}
        if "request_id" in body.get("properties", {}):
            if status == "200":
                op["responses"]["200"] = _json(response, "OK; also the answer to a repeat: " + REPEATED)
            else:
                op["responses"]["200"] = _json(response, REPEATED)
    if not auth:
        op["security"] = []
    if params:
        op["parameters"] = params
    return op


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
RID = {"type": "string", "maxLength": 64, "description": "repeat-safe id of this request"}
NUMBER_PATH = {"name": "number", "in": "path", "required": True, "schema": INT}
TOKEN_PATH = {"name": "token", "in": "path", "required": True, "schema": STR}
ZONE_Q = {"name": "zone", "in": "query", "schema": STR}
PRINTER_STATUSES = ["ok", "near_end", "out", "offline", "unknown"]


def calendar_paths() -> dict[str, Any]:
    """Close now / open now and the calendar (admins change; supervisors read)."""
    closure = _obj({"scope": {"enum": ["service", "unit"]}, "code": STR, "name": STR, "name_en": STR,
                    "reason": STR, "reason_en": STR, "until": {"type": ["string", "null"]},
                    "at": STR, "by": STR})
    day = _obj({"id": INT, "date": STR, "kind": {"enum": ["holiday", "working", "closure"]},
                "name": STR, "name_en": STR, "units": {"type": "array", "items": STR},
                "as_weekday": {"type": ["integer", "null"]}, "source": {"enum": ["admin", "computed"]}})
    scope_path = [{"name": "scope", "in": "path", "required": True, "schema": {"enum": ["service", "unit"]}},
                  {"name": "code", "in": "path", "required": True, "schema": STR}]
    return {
        "/admin/closures": {
            "get": _op("Services and units closed now, and common reasons (admin; supervisor: read, "
                       "own units)", _obj({"closures": {"type": "array", "items": closure},
                                           "reasons": {"type": "array", "items": _obj({"vi": STR, "en": STR})}})),
            "post": _op("Close a service or a whole unit now (admin): kiosks show the reason, issuing "
                        "answers 409 `service_suspended`; `until` (ISO 8601, local time if no offset) "
                        "reopens it by itself. 400 closure_scope / closure_target / reason_required / "
                        "text_too_long / until_not_a_time / until_in_past (with `field`)", closure,
                        _obj({"scope": {"enum": ["service", "unit"]}, "code": STR, "reason": STR,
                              "reason_en": STR, "until": {"type": ["string", "null"]}},
                             ["scope", "code", "reason"]), status="201")},
        "/admin/closures/{scope}/{code}": {"delete": _op(
            "Reopen now (admin); 409 not_closed", _obj({"scope": STR, "code": STR, "open": BOOL}),
            params=scope_path)},
        "/admin/calendar": {
            "get": _op("A year's calendar and the public holidays computed for it (admin, supervisor)",
                       _obj({"year": INT, "days": {"type": "array", "items": day},
                             "holidays": {"type": "array", "items": _obj(
                                 {"date": STR, "name": STR, "name_en": STR, "in_calendar": BOOL})}}),
                       params=[{"name": "year", "in": "query", "schema": INT}]),
            "post": _op("Add a holiday, a compensating working day (a Saturday or Sunday working with "
                        "the hours of `as_weekday`, 0 = Monday) or a closed day (`units`, none: the "
                        "whole centre) (admin). `date`: YYYY-MM-DD or DD/MM/YYYY. 400 date_invalid / "
                        "calendar_kind / name_required / weekday_invalid / working_day_not_weekend / "
                        "unknown_units, 409 day_taken", day,
                        _obj({"date": STR, "kind": {"enum": ["holiday", "working", "closure"]},
                              "name": STR, "name_en": STR, "units": {"type": "array", "items": STR},
                              "as_weekday": {"type": ["integer", "null"]}}, ["date", "kind", "name"]),
                        status="201")},
        "/admin/calendar/{day_id}": {"delete": _op(
            "Remove a day from the calendar (admin); 404 calendar_day_not_found", day,
            params=[{"name": "day_id", "in": "path", "required": True, "schema": INT}])},
        "/admin/calendar/import": {"post": _op(
            "Add a year's public holidays of Việt Nam, lunar dates computed (admin); dates already "
            "in the calendar are skipped", _obj({"year": INT, "added": {"type": "array", "items": day},
                                                 "skipped": {"type": "array", "items": STR}}),
            _obj({"year": INT}, ["year"]), status="201")},
    }


def _audit_paths() -> dict[str, Any]:
    """The audit trail (issue 8, area a-audit): read-only, admins and supervisors."""
    q = [{"name": n, "in": "query", "schema": STR, "description": d} for n, d in (
        ("actor", "who: a key from /admin/audit/filters (user:3, device:5, cli:0, ...)"),
        ("kind", "an exact kind (counter.call_next) or a group (counter)"),
        ("from", "first day, YYYY-MM-DD (local time)"), ("to", "last day, YYYY-MM-DD"),
        ("before_id", "the page after: `next_before_id` of the page before"),
        ("limit", "entries per page, 1-500 (default 100)"),
        ("format", "json (default) or csv: the whole filtered trail as UTF-8 CSV with BOM"),
        ("lang", "vi or en: language of the words (default: Accept-Language)"))]
    change = _obj({"field": STR, "label": STR, "before": STR, "after": STR})
    entry = _obj({"id": INT, "at": STR, "actor": STR, "actor_name": STR, "address": STR,
                  "kind": STR, "kind_name": STR, "target": STR, "target_name": STR,
                  "before": {}, "after": {}, "changes": {"type": "array", "items": change}})
    page = _op("The audit trail, newest first (admins; a supervisor scoped to units sees her own "
               "entries and those about her units). 400 audit_bad_date / audit_bad_range / "
               "audit_bad_filter name the `field`", _obj(
                   {"entries": {"type": "array", "items": entry},
                    "next_before_id": {"type": ["integer", "null"]}}), params=q)
    page["responses"]["200"]["content"]["text/csv"] = {"schema": STR}
    named = _obj({"kind": STR, "name": STR})
    options = _op("What the audit filters offer: people, and kinds grouped by the thing changed",
                  _obj({"actors": {"type": "array", "items": _obj(
                      {"key": STR, "name": STR, "kind": STR, "role": STR})},
                        "groups": {"type": "array", "items": _obj(
                            {"group": STR, "name": STR, "kinds": {"type": "array", "items": named}})}}),
                  params=q[-1:])
    return {"/admin/audit": {"get": page}, "/admin/audit/filters": {"get": options}}


def _report_op() -> dict[str, Any]:
    """GET /reports: a report as JSON, CSV or XLSX (docs/contract.md, "Reports")."""
    num = {"type": ["number", "null"]}
    minutes = {"type": ["integer", "null"], "description": "whole minutes, nearest-rank percentile"}
    row = _obj({"key": STR, "label": STR, "label_en": STR, "visits": INT, "issued": INT, "served": INT,
                "no_show": INT, "transferred": INT, "cancelled": INT, "not_served": INT,
                "priority_share": num, "waited": INT, "wait_p50_min": minutes,
                "wait_p90_min": minutes, "wait_max_min": minutes, "service_p50_min": minutes,
                "service_p90_min": minutes, "within_target": num,
                "ratings": _obj({s: INT for s in ("1", "2", "3", "4")}), "ratings_n": INT,
                "satisfaction": num, "reasons": {"type": "object", "additionalProperties": INT}},
               ["key", "issued", "served", "no_show", "transferred", "cancelled", "wait_p50_min",
                "wait_p90_min", "service_p50_min", "within_target", "ratings", "satisfaction"])
    report = _obj({"from": STR, "to": STR, "group": STR, "filters": _obj({}),
                   "units": {"type": ["array", "null"], "items": STR},
                   "rows": {"type": "array", "items": row}, "totals": row,
                   "charts": _obj({"days": INT, "arrivals": {"type": "array"},
                                   "wait_by_hour": {"type": "array"},
                                   "satisfaction_by_day": {"type": "array"}})},
                  ["rows", "totals"])

    def q(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": required, "schema": schema}
    day = {"type": "string", "format": "date"}
    op = _op("A report over a range of days (supervisors and admins; a supervisor scoped to "
             "units sees only hers): counts, waiting and service time percentiles, share within "
             "the wait target, priority share, ratings. Past days read daily summaries", report,
             params=[q("from", day, True), q("to", day, True),
                     q("group", {"enum": ["unit", "service", "counter", "officer", "hour",
                                          "weekday"]}),
                     q("format", {"enum": ["json", "csv", "xlsx"]}), q("zone", STR),
                     q("priority", {"type": "string", "description": "yes, no or a category"}),
                     q("channel", {"enum": ["kiosk", "assisted", "remote", "appointment"]}), q("unit", STR),
                     q("lang", {"enum": ["vi", "en"]}), q("charts", {"enum": ["0", "1"]})])
    op["responses"]["200"]["content"].update({
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
            {"schema": {"type": "string", "format": "binary"}}})
    return op


def spec() -> dict[str, Any]:
    """The OpenAPI document."""
    counter_result = _obj({"ticket": {"oneOf": [_ref("Ticket"), {"type": "null"}]},
                           "counter": _ref("Counter")})
    paths: dict[str, Any] = {
        "/auth/login": {"post": _op("Log in: session cookie and API token", _obj(
            {"token": STR, "csrf_token": STR, "user": _ref("User")}),
            _obj({"username": STR, "password": STR}, ["username", "password"]), auth=False)},
        "/auth/logout": {"post": _op("Log out: every API token and session cookie of the user "
                                     "stops working, their live sockets close", _obj({}))},
        "/me": {"get": _op("The caller: user or device", _obj(
            {"user": _ref("User"), "device": _ref("Device"), "csrf_token": STR}))},
        "/site": {"get": _op("Site configuration: zones, units, services, priority categories",
                             _obj({}), auth=False)},
        "/services": {"get": _op("Services with live counts", _obj(
            {"services": {"type": "array", "items": _ref("Service")}}), auth=False, params=[ZONE_Q])},
        "/tickets": {"post": _op("Issue a ticket (kiosk device or staff; a device gets it without `id`); "
                                 "200 on a repeated request_id",
                                 _ref("Ticket"), _obj({"service": STR, "priority": {"type": ["string", "null"]},
                                                       "request_id": RID, "print_at": STR}, ["service"]),
                                 status="201"),
                     "get": _op("Today's tickets with a number (staff)", _obj(
                         {"tickets": {"type": "array", "items": _ref("Ticket")}}),
                         params=[{"name": "number", "in": "query", "required": True, "schema": STR},
                                 {"name": "service", "in": "query", "schema": STR}])},
        "/tickets/{token}": {"get": _op("A ticket by its public token", _ref("PublicTicket"),
                                        auth=False, params=[TOKEN_PATH])},
        "/tickets/{token}/events": {"get": _op("A ticket's history (staff)", _obj(
            {"events": {"type": "array", "items": _obj({"type": STR, "at": STR, "actor": STR})}}),
            params=[TOKEN_PATH])},
        "/tickets/{token}/preview.png": {"get": {
            "summary": "The ticket as the virtual printer printed it (staff)", "parameters": [TOKEN_PATH],
            "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, **ERRORS}}},
        "/tickets/{token}/reprint": {"post": _op("Print a ticket again (staff)", _ref("Ticket"),
                                                 _obj({"print_at": STR}), params=[TOKEN_PATH])},
        "/tickets/{token}/requeue": {"post": _op(
            "Put a missed (no-show) ticket back in line at its original place, once per ticket: "
            "staff any time that day, the ticket's holder (no login) within [policy] requeue_minutes. "
            "409 already_requeued / ticket_not_missed / requeue_too_late", _ref("Ticket"),
            _obj({"request_id": RID}), auth=False, params=[TOKEN_PATH])},
        "/tickets/{token}/cancel": {"post": _op(
            "Withdraw a waiting or parked ticket, or a number from home not checked in (`away`: its "
            "booking is cancelled too) (staff); 409 invalid_transition otherwise",
            _ref("Ticket"), _obj({"request_id": RID}), params=[TOKEN_PATH])},
        "/reports": {"get": _report_op()},
        "/counters/{number}/missed": {"get": _op(
            "The latest tickets marked no-show at this counter today (officer of the counter or supervisor)",
            _obj({"tickets": {"type": "array", "items": _ref("Ticket")}}), params=[NUMBER_PATH])},
        "/queue": {"get": _op("Snapshot: services, counters, recent calls (devices: public views, no officer or tokens)", _obj(
            {"seq": INT, "day": STR, "now": STR,
             "services": {"type": "array", "items": _ref("Service")},
             "counters": {"type": "array", "items": _ref("Counter")},
             "recent_calls": {"type": "array", "items": _ref("Call")}}),
            params=[ZONE_Q, {"name": "floor", "in": "query", "schema": INT}])},
        "/counters/{number}": {"get": _op("A counter with its next tickets (its counter device: public views)", _obj(
            {"counter": _ref("Counter"), "waiting": {"type": "array", "items": _ref("Ticket")},
             "services": {"type": "array", "items": _ref("Service")}}), params=[NUMBER_PATH])},
        "/counters/{number}/rating": {"post": _op(
            "The citizen's rating of the leg just finished (counter device). The ticket is named by "
            "its printed number and day (today if absent); `ticket_id` is still accepted from "
            "older pages. The answer carries no database id",
            _obj({"rating": _obj({"number": STR, "leg": INT, "counter": INT, "score": INT,
                                  "reasons": {"type": "array", "items": STR}, "at": STR})}),
            _obj({"number": STR, "day": {"type": "string", "description": "YYYY-MM-DD"},
                  "ticket_id": {"type": "integer", "deprecated": True},
                  "score": {"type": "integer", "minimum": 1, "maximum": 4},
                  "reasons": {"type": "array", "items": STR}, "request_id": RID},
                 ["score"]), status="201", params=[NUMBER_PATH])},
        "/stats/today": {"get": _op("Today's totals (staff)", _ref("Stats"))},
        "/printers": {"get": _op("Kiosk printers' status (staff)", _obj(
            {"printers": {"type": "array", "items": _ref("Printer")}}))},
        "/openapi.json": {"get": _op("This OpenAPI document", _obj({}), auth=False)},
        "/print-jobs/{job_id}/result": {"post": _op(
            "A kiosk agent reports a print job's outcome; the ticket is named by the job's "
            "`ticket_ref` (`ticket_id` from older agents)", _ref("PublicTicket"),
            _obj({"ticket_ref": STR, "ticket_id": {"type": "integer", "deprecated": True},
                  "status": {"enum": ["printed", "failed"]},
                  "printer_status": {"enum": PRINTER_STATUSES}, "detail": STR, "attempts": INT},
                 ["status"]),
            params=[{"name": "job_id", "in": "path", "required": True, "schema": STR}])},
        "/printers/status": {"post": _op(
            "A kiosk agent reports its printer's status", _obj({"status": STR, "detail": STR}),
            _obj({"status": {"enum": PRINTER_STATUSES}, "detail": STR}, ["status"]))},
    }
    paths.update(calendar_paths())
    bodies = {"call": _obj({"number": STR, "service": STR, "request_id": RID}, ["number"]),
              "unpark": _obj({"number": STR, "request_id": RID}, ["number"]),
              "transfer": _obj({"service": STR, "note": STR, "request_id": RID}, ["service"])}
    for action in COUNTER_ACTIONS:
        body = bodies.get(action, _obj({"number": STR, "request_id": RID}))
        paths[f"/counters/{{number}}/{action}"] = {"post": _op(
            f"Counter action: {action} (officer of the counter or supervisor)", counter_result, body,
            params=[NUMBER_PATH])}
    paths.update(_audit_paths())
    ticket_props: dict[str, Any] = {k: STR for k in ("number", "day", "service", "service_name", "unit", "unit_name",
                                     "zone", "zone_name", "status", "issued_at", "token", "status_url")}
    ticket_props.update(id=INT, floor=INT, ahead=INT, recalls=INT, leg=INT,
                        counters={"type": "array", "items": INT},
                        counter={"type": ["integer", "null"]}, priority={"type": ["string", "null"]},
                        estimated_wait_min={"type": "array", "items": INT, "minItems": 2, "maxItems": 2},
                        estimated_wait_text=_obj({"vi": STR, "en": STR}), requeued=BOOL,
                        print=_obj({"status": STR, "detail": STR}))
    paths.update(admin_site_paths())
    paths["/auth/login"]["post"]["responses"]["429"] = THROTTLED
    paths.update(_people_paths())  # issue 8, area a-people
    paths.update(_citizen_paths())  # issue 10, area a-book
    paths.update(_simulation_paths())  # issue 12, area b-simpage
    paths.update(_remote_paths())  # issue 10, area b-remote
    _site_param(paths)  # issue 9, area e-citizens
    paths.update(_city_paths(paths))  # issue 9, branch e-city
    _shared_answers(paths)
    public_props = {k: v for k, v in ticket_props.items() if k != "id"}
    ticket_props["channel"] = {"enum": ["kiosk", "assisted", "remote", "appointment"],
                               "description": "how the ticket came (issue 10); not on public views"}
    error_body = _obj({"error": _obj({"code": STR, "message": STR,
                                      "field": {"type": "string", "description":
                                                "the input field at fault (validation errors)"}},
                                     ["code", "message"])})
    return {
        "openapi": "3.1.0",
        "info": {"title": "xephang API", "version": "1",
                 "description": "Queue tickets, counters and screens. Errors: "
                                "{\"error\": {\"code\", \"message\"}}; messages follow Accept-Language "
                                "(vi, en). Events: see docs/contract.md."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"}},
            "responses": {"Error": _json(error_body, "Refused"), "Unavailable": UNAVAILABLE,
                          "LoginUnavailable": LOGIN_UNAVAILABLE, "TooLarge": TOO_LARGE},
            "schemas": {
                "ErrorBody": error_body,
                "Ticket": _obj(ticket_props, ["id", "number", "service", "status", "token"]),
                "PublicTicket": _obj(public_props, ["number", "service", "status", "token"]),
                "Counter": _obj({"number": INT, "name": STR, "zone": STR, "floor": INT,
                                 "services": {"type": "array", "items": STR}, "priority": BOOL,
                                 "state": {"enum": ["closed", "open", "paused"]},
                                 "officer": {"type": ["string", "null"]},
                                 "ticket": {"oneOf": [_ref("Ticket"), {"type": "null"}]},
                                 "parked": {"type": "array", "items": _ref("Ticket")}}),
                "Service": _obj({"code": STR, "name": STR, "unit": STR, "zone": STR, "kind": STR,
                                 "open": BOOL, "full": BOOL,
                                 "closed_reason": {"enum": [None, "service_closed", "service_suspended",
                                                            "holiday", "day_closed"]},
                                 "closed_text": {"oneOf": [_obj({"vi": STR, "en": STR}), {"type": "null"}]},
                                 "opens_at": {"type": ["string", "null"]}, "waiting": INT, "longest_wait_min": {"type": "number"},
                                 "estimated_wait_min": {"type": "array", "items": INT},
                                 "wait_target_min": INT,
                                 "remote": {"type": "boolean", "description": "takes remote numbers"},
                                 "appointments": {"type": "boolean",
                                                  "description": "takes appointments"}}),
                "Call": _obj({"number": STR, "counter": INT, "zone": STR, "service": STR,
                              "recall": BOOL, "at": STR,
                              "ticket_id": {"type": "integer", "description": "staff only"}}),
                "User": _obj({"id": INT, "name": STR, "role": STR,
                              "counters": {"type": "array", "items": INT}}),
                "Device": _obj({"id": INT, "name": STR, "kind": STR, "zone": {"type": ["string", "null"]},
                                "counter": {"type": ["integer", "null"]}}),
                "Stats": _obj({"issued": INT, "waiting": INT, "served": INT, "no_show": INT,
                               "ratings_count": INT}),
                "Printer": _obj({"device": INT, "device_name": STR, "url": STR, "status": STR}),
            },
        },
    }


# Site administration (area a-config): /admin/site, see docs/contract.md "Site administration".
SITE_KINDS = ["service", "counter", "zone", "unit", "hours", "category", "reason"]


def admin_site_paths() -> dict[str, Any]:
    """The site configuration routes: read (admins, supervisors), change (admins)."""
    kind = {"name": "kind", "in": "path", "required": True, "schema": {"enum": SITE_KINDS}}
    code = {"name": "code", "in": "path", "required": True, "schema": STR,
            "description": "the record's code (a counter: its number)"}
    record = {"type": "object", "description": "a service, counter, zone, unit, hours profile, "
              "priority category or rating reason (fields: docs/contract.md)",
              "additionalProperties": True}
    lists = {k: {"type": "array", "items": record} for k in
             ("zones", "units", "services", "counters", "categories", "reasons", "hours")}
    return {
        "/admin/site": {"get": _op("The whole site configuration, retired records included "
                                   "(admins; supervisors read-only; one scoped to units sees only "
                                   "their services and counters)",
                                   _obj({**lists, "service_kinds": {"type": "array", "items": STR},
                                         "version": INT}))},
        "/admin/site/export": {"get": {
            "summary": "The live configuration as a site file (TOML), as `xephang site export` "
                       "(not for a supervisor scoped to units: 403 `scope_whole_site`)",
            "responses": {"200": {"description": "the site file",
                                  "content": {"application/toml": {"schema": STR}}}, **ERRORS}}},
        "/admin/site/{kind}": {"post": _op(
            "Create a record (admins); a refusal names the input at fault in `error.field`",
            record, record, status="201", params=[kind])},
        "/admin/site/{kind}/{code}": {"put": _op(
            "Change some fields of a record (admins); 409 `config_retired` for a retired one",
            record, record, params=[kind, code])},
        "/admin/site/{kind}/{code}/retire": {"post": _op(
            "Retire a record (admins): no longer offered, issued or called; history keeps it",
            record, _obj({}), params=[kind, code])},
        "/admin/site/{kind}/{code}/restore": {"post": _op(
            "Bring a retired record back (admins)", record, _obj({}), params=[kind, code])},
    }


def _people_paths() -> dict[str, Any]:
    """Users, devices and device health (issue 8, area a-people)."""
    arr = {"type": "array"}
    user = _obj({"id": INT, "username": STR, "display_name": STR,
                 "role": {"enum": ["officer", "supervisor", "admin"]},
                 "counters": {**arr, "items": INT}, "units": {**arr, "items": STR},
                 "active": BOOL, "created_at": STR})
    user_body = _obj({"username": STR, "display_name": STR, "role": {"enum": ["officer", "supervisor", "admin"]},
                      "counters": {**arr, "items": INT}, "units": {**arr, "items": STR},
                      "password": {"type": "string", "description": "empty: one is generated"}})
    secret = {"type": ["string", "null"], "description": "a generated password, shown this once"}
    health = _obj({"id": INT, "name": STR, "kind": STR, "zone": {"type": ["string", "null"]},
                   "counter": {"type": ["integer", "null"]}, "online": BOOL, "alert": BOOL,
                   "seen_at": {"type": ["string", "null"]}, "page": STR, "version": STR})
    device = _obj({"id": INT, "name": STR, "kind": {"enum": ["kiosk", "display", "counter"]},
                   "zone": {"type": ["string", "null"]}, "counter": {"type": ["integer", "null"]},
                   "printer": {"type": ["string", "null"]}, "paper": STR, "active": BOOL,
                   "created_at": STR})
    listed = {**device, "properties": {**device["properties"], "health": health,
                                       "printer_state": {"oneOf": [_ref("Printer"), {"type": "null"}]}}}
    device_body = _obj({"name": STR, "kind": {"enum": ["kiosk", "display", "counter"]},
                        "zone": {"type": ["string", "null"]}, "counter": {"type": ["integer", "null"]},
                        "printer": {"type": ["string", "null"]}, "paper": {"enum": ["80mm", "58mm"]}})
    paired = _obj({"device": device, "token": STR, "pair_url": STR,
                   "pair_qr": {"type": "string", "description": "the pairing link as a QR code "
                               "(data:image/svg+xml;base64,…), shown this once"}})
    username = [{"name": "username", "in": "path", "required": True, "schema": STR}]
    name = [{"name": "name", "in": "path", "required": True, "schema": STR}]
    one_user = _obj({"user": user})
    return {
        "/admin/users": {
            "get": _op("Every user (admin; supervisors read-only)", _obj({"users": {**arr, "items": user}})),
            "post": _op("Create a user (admin); 400 with `field`: username_taken, username_invalid, "
                        "counter_unknown, officer_needs_counter, unit_unknown, role_invalid, password_weak",
                        _obj({"user": user, "password": secret}), user_body, status="201")},
        "/admin/users/{username}": {"patch": _op(
            "Edit a user's display name, role, counters, units (admin); a new role or scope ends "
            "their sessions; 400 last_admin / cannot_demote_self", one_user, user_body, params=username)},
        "/admin/users/{username}/disable": {"post": _op(
            "Disable a user: no login, every session and live socket ends (admin); 400 "
            "cannot_disable_self / last_admin", one_user, _obj({}), params=username)},
        "/admin/users/{username}/enable": {"post": _op("Enable a user again (admin)", one_user,
                                                        _obj({}), params=username)},
        "/admin/users/{username}/password": {"post": _op(
            "Reset a password (admin): the given one, or a generated one answered once; every "
            "session of the user ends", _obj({"user": user, "password": secret}),
            _obj({"password": STR}), params=username)},
        "/admin/devices": {
            "get": _op("Every device with its health (online, seen_at, page, version, alert) "
                       "and a kiosk's printer state (admin; supervisors read-only)",
                       _obj({"devices": {**arr, "items": listed}})),
            "post": _op("Add a device (admin): answers its pairing link and QR code, once; 400 with "
                        "`field`: device_name_taken, device_name_invalid, device_kind_invalid, "
                        "zone_unknown, counter_unknown, device_needs_counter, printer_url_invalid, "
                        "paper_invalid", paired, device_body, status="201")},
        "/admin/devices/{name}": {"patch": _op("Edit a device's settings (admin); it reconnects "
                                               "under them", _obj({"device": device}), device_body,
                                               params=name)},
        "/admin/devices/{name}/revoke": {"post": _op(
            "Revoke a device (admin): its token stops and its sockets close at once",
            _obj({"device": device}), _obj({}), params=name)},
        "/admin/devices/{name}/pair": {"post": _op(
            "Pair a device again with a new token (admin): the old one stops; answers the link "
            "and QR code once", paired, _obj({}), params=name)},
        "/devices/heartbeat": {"post": _op(
            "A device page reports in (kiosk, board, counter display; every `every_s` seconds): "
            "its page and version (none on the first beat: the server's is answered and kept)",
            _obj({"every_s": {"type": "number"}, "version": STR}),
            _obj({"page": STR, "version": {"type": ["string", "null"]}}))},
    }


# Citizens (issue 10, area a-book): phone verification, appointment slots and bookings.
LIMITED = {"description": "`limit_reached`: a policy limit (requests per address, codes per phone, "
                          "wrong codes, bookings per phone per day, too many no-shows); the "
                          "message says which",
           "headers": RETRY_AFTER,
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}


SITE_PARAM = {"name": "site", "in": "query", "required": False, "schema": STR,
              "description": "the site's code (a ward's public page: /dat-lich?site=CODE); "
                             "without it, the site of the ticket or booking the path's token "
                             "names, else site 1; an unknown code answers 404 "
                             "site_code_unknown; ignored for devices and staff (their own site)"}


def _site_param(paths: dict[str, Any]) -> None:
    """Issue 9: the anonymous citizen calls name their site by `?site=CODE`."""
    for path, methods in paths.items():
        if path.startswith("/public/") or path in ("/services", "/site"):
            for op in methods.values():
                op.setdefault("parameters", []).append(SITE_PARAM)


def _citizen_paths() -> dict[str, Any]:
    """/public/verify, /public/slots, /public/bookings (see services/citizens.py, bookings.py)."""
    hhmm = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}
    day = {"type": "string", "format": "date"}
    booking = _obj({"code": {"type": "string", "description": "short check-in code (6 letters "
                                                              "and digits; the QR holds it)"},
                    "token": {"type": "string", "description": "the booking's secret: its "
                                                               "confirmation page, cancel, move"},
                    "kind": {"enum": ["appointment"]},
                    "status": {"enum": ["booked", "cancelled", "checked_in", "no_show"]},
                    "service": STR, "service_name": STR, "service_name_en": STR, "date": day,
                    "start": hhmm, "end": hhmm, "qr_url": STR, "url": STR},
                   ["code", "token", "status", "service", "date", "start", "end", "qr_url"])
    token = {"name": "token", "in": "path", "required": True, "schema": STR}
    ops = {
        "/public/verify": {"post": _op(
            "Send a one-time code by SMS to a phone (Vietnamese mobile, 0… or +84…); `consent` "
            "(true) agrees that the centre keeps the number for the policy's days",
            _obj({"sent": BOOL, "expires_in": INT}),
            _obj({"phone": STR, "consent": BOOL}, ["phone", "consent"]), status="202", auth=False)},
        "/public/verify/confirm": {"post": _op(
            "Trade the code for a citizen token (limited time), sent as Authorization: Bearer",
            _obj({"token": STR, "expires_at": STR}), _obj({"phone": STR, "code": STR},
                                                          ["phone", "code"]), auth=False)},
        "/public/slots": {"get": _op(
            "A service's appointment slots on a working day, with capacity and free places",
            _obj({"service": STR, "date": day, "slots": {"type": "array", "items": _obj(
                {"start": hhmm, "end": hhmm, "capacity": INT, "free": INT})}}), auth=False,
            params=[{"name": "service", "in": "query", "required": True, "schema": STR},
                    {"name": "date", "in": "query", "required": True, "schema": day}])},
        "/public/bookings": {"post": _op(
            "Book a slot for the verified phone (citizen token); 409 slot_full, 429 "
            "limit_reached; 200 on a repeated request_id", booking,
            _obj({"service": STR, "date": day, "start": hhmm, "request_id": RID},
                 ["service", "date", "start"]), status="201")},
        "/public/bookings/{token}": {
            "get": _op("A booking by its secret token", booking, auth=False, params=[token]),
            "delete": _op("Cancel a booking (a repeat answers the cancelled booking)", booking,
                          auth=False, params=[token])},
        "/public/bookings/{token}/move": {"post": _op(
            "Move a booking to another slot of its service", booking,
            _obj({"date": day, "start": hhmm}, ["date", "start"]), auth=False, params=[token])},
        "/public/bookings/{token}/qr.svg": {"get": {
            "summary": "The booking's QR code (holds the check-in code) as SVG", "security": [],
            "parameters": [token],
            "responses": {"200": {"description": "SVG", "content": {"image/svg+xml": {}}},
                          **ERRORS, "503": {"$ref": "#/components/responses/Unavailable"}}}},
    }
    for path, methods in ops.items():
        for op in methods.values():
            if path != "/public/slots" and "qr" not in path:
                op["responses"]["429"] = LIMITED
    return ops


def _simulation_paths() -> dict[str, Any]:
    """POST /simulations starts a job (`xephang simulate` in its own process); GET polls it."""
    metric = _obj({"value": {"type": ["number", "null"]},
                   "ci95": {"type": "array", "items": {"type": ["number", "null"]}}})
    group = {"type": "object", "additionalProperties": True, "properties": {
        m: metric for m in ("wait_mean_min", "wait_p50_min", "wait_p90_min", "wait_max_min",
                            "p_wait_over_target", "served", "issued", "utilization")} | {
        "last_served_at": {"type": ["string", "null"]},
        "queue_by_15min": {"type": "array", "items": {"type": "number"}}}}
    result = _obj({"scenario": _obj({}), "assumptions": {"type": "array", "items": STR},
                   "services": {"type": "object", "additionalProperties": group},
                   "units": {"type": "object", "additionalProperties": group}})
    bottlenecks = {"type": "array", "items": _obj({"unit": STR, "p_wait_over_target": {"type": "number"}})}
    job = _obj({"id": STR, "kind": {"enum": ["simulate", "plan"]},
                "status": {"enum": ["running", "done", "failed"]}, "elapsed_s": {"type": "number"},
                "result": result, "bottlenecks": bottlenecks, "compare": result,
                "compare_bottlenecks": bottlenecks,
                "plan": _obj({"unit": STR, "hours": {"type": "array", "items": _obj({})},
                              "borrowing": _obj({})}),
                "error": _obj({"code": STR, "message": STR})}, ["id", "kind", "status"])
    scenario = {"type": "object", "additionalProperties": True, "description":
                "the scenario file's keys as JSON (README: Simulating a day), no `site`", "properties": {
                    "kind": {"enum": ["simulate", "plan"]}, "unit": STR,
                    "within": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                    "compare": {"type": "object"}, "more_counters": INT,
                    "replications": {"type": "integer", "minimum": 1, "maximum": 30},
                    "days": {"type": "integer", "minimum": 1, "maximum": 5}, "seed": INT,
                    "hours": {"type": "array", "items": STR},
                    "counters": {"type": "array", "items": INT}, "arrivals": {"type": "object"}}}
    start = _op("Start a simulation, comparison or plan on the live site (supervisors, admins; a "
                "department head plans only her units). 429 simulation_busy: too many running",
                job, scenario, status="202")
    start["responses"]["429"] = _refusal("Too many simulations are running: retry after Retry-After "
                                         "seconds", ["simulation_busy"], RETRY_AFTER)
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": STR}
    fmt = {"name": "format", "in": "query", "schema": {"enum": ["json", "csv", "toml", "svg"]}}
    which = {"name": "scenario", "in": "query", "schema": {"enum": ["a", "b"]}}
    poll = _op("A simulation job: running, done (its result, the caller's units only) or failed; "
               "?format=csv|toml|svg downloads its table, scenario file or chart", job,
               params=[job_id, fmt, which])
    poll["responses"]["200"]["content"].update({"text/csv": {}, "application/toml": {},
                                                "image/svg+xml": {}})
    stop = _op("Stop a running simulation job (its starter, admins); a finished one is answered as it is",
               job, params=[job_id])
    return {"/simulations": {"post": start}, "/simulations/{job_id}": {"get": poll, "delete": stop}}


def _remote_paths() -> dict[str, Any]:
    """/public/remote-tickets and /checkin (see services/remote.py)."""
    remote = _obj({"checked_in": BOOL, "state": {"enum": ["away", "held", "expired", "waiting",
                                                          "called", "serving", "parked", "done",
                                                          "no_show", "cancelled", "not_served"]},
                   "expires_at": {"type": ["string", "null"]},
                   "leave_at": {"type": "string", "description": "HH:MM: when to leave home"},
                   "leave_now": BOOL, "code": {"type": ["string", "null"]}})
    ticket = {"allOf": [_ref("Ticket"), _obj({
        "channel": {"enum": ["kiosk", "assisted", "remote", "appointment"]}, "remote": remote})]}
    taken = {"allOf": [ticket, _obj({"code": {"type": "string",
                                              "description": "6-character check-in code"}})]}
    ops = {
        "/public/remote-tickets": {"post": _op(
            "Take today's next number of a service from home (citizen token; shares the "
            "per-phone daily limit with bookings); it is `away` (never called) until checked in; "
            "429 limit_reached", taken, _obj({"service": STR, "request_id": RID}, ["service"]),
            status="201")},
        "/checkin": {"post": _op(
            "Check in a remote number or an appointment by its code (kiosk device or staff): the "
            "remote number waits at its place, the appointment gets its ticket; 404 unknown_code, "
            "409 too_early / too_late / already_checked_in / booking_not_active", ticket,
            _obj({"code": STR, "request_id": RID}, ["code"]), status="201")},
    }
    ops["/appointments/today"] = {"get": _op(
        "Today's appointments per service and slot (booked, checked in, no-shows) and tickets "
        "per channel (supervisors; the floor view)",
        _obj({"day": STR, "appointments": {"type": "array", "items": _obj({
            "service": STR, "service_name": STR, "service_name_en": STR, "start": STR, "end": STR,
            "booked": INT, "checked_in": INT, "no_show": INT})},
            "channels": {"type": "object", "additionalProperties": _obj(
                {"issued": INT, "checked_in": INT, "expired": INT})},
            "sms": {"enum": ["ok", "phone_key_missing", "phone_key_mismatch"]}}))}
    ops["/push/key"] = {"get": _op(
        "The VAPID application server key a ticket page subscribes with (base64url P-256)",
        _obj({"public_key": STR}), auth=False)}
    ops["/tickets/{token}/push"] = {"post": _op(
        "Subscribe a ticket page's browser to Web Push: a push when `ahead` (default 3) people "
        "are ahead and when called; 400 bad_subscription, 409 too_many_subscriptions (5 a ticket)", _obj({"subscribed": BOOL, "ahead": INT}),
        _obj({"subscription": _obj({"endpoint": STR, "keys": _obj({"p256dh": STR, "auth": STR})}),
              "ahead": INT}, ["subscription"]), status="201", auth=False,
        params=[{"name": "token", "in": "path", "required": True, "schema": STR}])}
    ops["/tickets/{token}/checkin.svg"] = {"get": {
        "summary": "A number from home not checked in yet: its check-in code as a QR (SVG)",
        "security": [], "parameters": [{"name": "token", "in": "path", "required": True,
                                        "schema": STR}],
        "responses": {"200": {"description": "SVG", "content": {"image/svg+xml": {}}},
                      **ERRORS}}}
    ops["/public/remote-tickets"]["post"]["responses"]["429"] = LIMITED
    ops["/public/remote-tickets/{token}/cancel"] = {"post": _op(
        "The owner withdraws her number from home before it is called (by the ticket's token; "
        "its booking is cancelled too and no longer counts against the daily limit); a repeat "
        "answers the cancelled ticket; 404 ticket_not_found (also a walk-in ticket), 409 "
        "invalid_transition", ticket, auth=False,
        params=[{"name": "token", "in": "path", "required": True, "schema": STR}])}
    return ops


# The city level (issue 9, branch e-city): services/city.py, api_areas/city.py.
SITE_PARAM = {"name": "site", "in": "query", "required": False, "schema": STR,
              "description": "the code of the site to act for: any site for a city-level "
                             "account, only your own otherwise (403 site_not_yours; 404 "
                             "site_code_unknown for a city-level account)"}


def _city_paths(paths: dict[str, Any]) -> dict[str, Any]:
    """/admin/sites and /reports/city; the `site` parameter on the users and devices admin API."""
    for path, ops in paths.items():
        if path.startswith(("/admin/users", "/admin/devices")):
            for op in ops.values():
                op["parameters"] = [*op.get("parameters", []), SITE_PARAM]
    site = _obj({"code": STR, "name": STR, "name_en": STR, "counters": INT, "devices": INT,
                 "users": INT, "issued": INT, "waiting": INT, "served": INT})
    num = {"type": ["number", "null"]}
    minutes = {"type": ["integer", "null"], "description": "whole minutes, nearest-rank percentile"}
    row = _obj({"key": STR, "label": STR, "label_en": STR, "issued": INT, "served": INT,
                "no_show": INT, "not_served": INT, "wait_avg_min": num, "wait_p50_min": minutes,
                "wait_p90_min": minutes, "within_target": num, "satisfaction": num},
               ["key", "issued", "served", "no_show", "wait_avg_min", "wait_p90_min"])
    day = {"type": "string", "format": "date"}

    def q(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": required, "schema": schema}
    report = _op("The city report (city-level admins and supervisors; 403 city_only): per site "
                 "(key = its code) tickets issued, served, no-show, waits (average, p50, p90) "
                 "and the city's totals; each site's row equals its own report's totals",
                 _obj({"from": STR, "to": STR, "group": {"enum": ["site"]},
                       "rows": {"type": "array", "items": row}, "totals": row},
                      ["rows", "totals"]),
                 params=[q("from", day, True), q("to", day, True),
                         q("format", {"enum": ["json", "csv"]}), q("lang", {"enum": ["vi", "en"]})])
    report["responses"]["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
    return {
        "/admin/sites": {"get": _op(
            "The sites of the deployment with their active counters, devices and users and "
            "today's tickets issued, waiting and served (city-level accounts; 403 city_only)",
            _obj({"sites": {"type": "array", "items": site}}))},
        "/reports/city": {"get": report},
    }
