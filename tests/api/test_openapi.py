"""/api/v1/openapi.json is a valid OpenAPI document that describes every /api/v1 route."""
from __future__ import annotations

import re
from typing import Any

import pytest

from server.services.counters import ACTIONS

PREFIX = "/api/v1"
SKIP_METHODS = {"HEAD", "OPTIONS"}


def spec_of(http: Any) -> dict[str, Any]:
    return dict(http.ok("GET", f"{PREFIX}/openapi.json"))


def flask_routes(app: Any) -> set[tuple[str, str]]:
    """(method, OpenAPI-style path) for every /api/v1 rule; <action> is expanded to each action."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(PREFIX):])
        paths = [path.replace("{action}", a) for a in ACTIONS] if "{action}" in path else [path]
        for method in set(rule.methods or ()) - SKIP_METHODS:
            routes |= {(method.lower(), p) for p in paths}
    return routes


def test_spec_is_valid_openapi(http: Any) -> None:
    from openapi_spec_validator import validate
    spec = spec_of(http)
    validate(spec)
    assert spec["servers"] == [{"url": PREFIX}]


def test_every_api_route_is_in_the_spec(http: Any) -> None:
    spec = spec_of(http)
    described = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    routes = flask_routes(http.app)
    assert ("post", "/counters/{number}/call-next") in routes  # the expansion works
    missing = routes - described - {("get", "/openapi.json")}
    assert not missing, sorted(missing)


def test_the_spec_describes_itself(http: Any) -> None:
    assert "get" in spec_of(http)["paths"].get("/openapi.json", {})


def test_every_spec_path_is_served(http: Any) -> None:
    adapter = http.app.url_map.bind("localhost")
    for path, ops in spec_of(http)["paths"].items():
        concrete = PREFIX + path.replace("{number}", "18").replace("{token}", "abc")
        for method in ops:
            endpoint, _ = adapter.match(concrete, method=method.upper())
            assert endpoint.startswith("api."), (method, path, endpoint)


def test_path_parameters_are_declared(http: Any) -> None:
    for path, ops in spec_of(http)["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, op in ops.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (method, path)


def test_issued_ticket_has_the_fields_the_spec_requires(http: Any) -> None:
    spec = spec_of(http)
    ticket = http.issue("TP-LLTP", who="canbo18")  # staff: the whole Ticket
    schema = spec["components"]["schemas"]["Ticket"]
    assert set(schema["required"]) <= set(ticket)
    assert set(schema["properties"]) <= set(ticket)


def resolve(spec: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """A response object, its $ref followed."""
    ref = answer.get("$ref", "")
    return dict(spec["components"]["responses"][ref.rsplit("/", 1)[1]]) if ref else answer


def codes_of(answer: dict[str, Any]) -> set[str]:
    schema = answer["content"]["application/json"]["schema"]
    return set(schema["properties"]["error"]["properties"]["code"]["enum"])


def test_every_operation_that_uses_the_database_describes_503_with_retry_after(http: Any) -> None:
    spec = spec_of(http)
    storage = {"busy", "storage_full", "storage_readonly", "storage_error"}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if path == "/openapi.json":
                assert "503" not in op["responses"]  # served from memory
                continue
            answer = resolve(spec, op["responses"]["503"])
            assert "Retry-After" in answer["headers"], (method, path)
            expected = storage | ({"login_busy"} if path == "/auth/login" else set())
            assert codes_of(answer) == expected, (method, path)


def test_every_operation_with_a_body_describes_413(http: Any) -> None:
    spec = spec_of(http)
    posts = [(p, op) for p, ops in spec["paths"].items() for m, op in ops.items() if m == "post"]
    assert len(posts) > 10
    for path, op in posts:
        assert codes_of(resolve(spec, op["responses"]["413"])) == {"body_too_large"}, path
    # The real answer is the one described.
    r = http.call("POST", f"{PREFIX}/tickets", "kiosk-A1",
                  data=b'{"service": "' + b"x" * 70_000 + b'"}', headers={"Content-Type": "application/json"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (413, "body_too_large")
