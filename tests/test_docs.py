"""Documentation is checked: every event, API route and CLI command is documented."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from server.cli import parser
from server.realtime import EVENTS
from server.services.screens import events
from server.services.counters import ACTIONS

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_socket_event_is_in_the_contract() -> None:
    documented = set(re.findall(r"^\| `([a-z.]+)` \|", CONTRACT, re.M))
    assert set(EVENTS) <= documented, set(EVENTS) - documented


def test_the_contracts_event_table_is_generated_from_the_event_records() -> None:
    """docs/contract.md's table is what `python -m server.services.screens.events` prints."""
    table = CONTRACT.split("<!-- events:start -->\n", 1)[1].split("\n<!-- events:end -->", 1)[0]
    assert table.strip() == events.contract_table()


def test_every_event_record_has_a_docstring_with_its_messages() -> None:
    for cls in events.EVENT_TYPES:
        doc = cls.__doc__ or ""
        assert cls.name and doc.strip() and " ← " in doc, cls
    assert EVENTS == events.EVENTS and len(set(EVENTS)) == len(EVENTS)


def test_every_api_route_is_in_the_contract(app: Any) -> None:
    missing = []
    for rule in app.url_map.iter_rules():
        path = str(rule.rule)
        if not path.startswith("/api/v1/") or path.endswith("openapi.json"):
            continue
        path = path.replace("<int:number>", "<n>")
        if path.endswith("/<action>"):
            for action in ACTIONS:
                if f"/{action}" not in CONTRACT:
                    missing.append(path.replace("<action>", action))
        elif path not in CONTRACT:
            missing.append(path)
    assert missing == []


def test_every_cli_command_is_in_the_readme() -> None:
    p = parser()
    sub = next(a for a in p._actions if a.__class__.__name__ == "_SubParsersAction")
    commands = []
    for name, sp in sub.choices.items():
        inner = [a for a in sp._actions if a.__class__.__name__ == "_SubParsersAction"]
        commands += [f"xephang {name} {n}" for n in inner[0].choices] if inner else [f"xephang {name}"]
    missing = [c for c in commands if c not in README]
    assert missing == []


def test_the_readme_states_both_commands_and_ci_runs_the_test_one() -> None:
    assert "make run" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()
