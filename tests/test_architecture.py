"""The roads between rooms (shared/design/architecture.md): imports go one way."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(folder: str) -> dict[str, set[str]]:
    """Every module imported by each file of a folder (relative imports resolved to absolute)."""
    out: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        pkg = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = pkg.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                names.add(base)
        out[str(path.relative_to(ROOT))] = names
    return out


def offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{f} imports {m}" for f, mods in imports_of(folder).items() for m in mods
            if any(m == x or m.startswith(x + ".") for x in forbidden)]


def test_the_engine_is_pure() -> None:
    bad = offenders("server/engine", ("flask", "flask_socketio", "socketio", "sqlite3",
                                      "sqlite_utils", "escpos", "server.store", "server.services",
                                      "server.api", "server.web", "server.realtime", "printers"))
    assert bad == []


@pytest.mark.parametrize("folder", ["server/services", "server/store", "printers"])
def test_inner_rooms_do_not_import_the_web(folder: str) -> None:
    bad = offenders(folder, ("flask", "flask_socketio", "server.api", "server.web",
                             "server.realtime", "server.cli"))
    assert bad == []


def test_only_the_store_touches_sqlite() -> None:
    users = [f for f, mods in imports_of("server").items()
             if mods & {"sqlite3", "sqlite_utils"} and not f.startswith("server/store/")]
    # Use-case modules may name sqlite3.Connection in type hints only via the store's connections.
    assert all(f.startswith("server/services/") for f in users), users


def test_printers_do_not_know_the_server() -> None:
    assert offenders("printers", ("server", "sqlite3", "sqlite_utils")) == []
