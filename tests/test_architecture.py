"""The roads between rooms (shared/design/architecture.md): imports go one way."""
from __future__ import annotations

import ast
import re
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
    # Code above the store names a connection as server.store.Connection.
    assert users == []


SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|WITH)\b")


def sql_outside_the_store() -> list[str]:
    """Every `.execute(`-style call or SQL string literal in server/ outside server/store."""
    found = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        if rel.startswith("server/store/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany",
                                                                   "executescript"):
                found.append(f"{rel}:{node.lineno} .{node.attr}(")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and SQL.match(node.value):
                found.append(f"{rel}:{node.lineno} {node.value[:40]!r}")
    return found


def test_sql_lives_only_in_the_store() -> None:
    assert sql_outside_the_store() == []


def module_graph() -> dict[str, set[str]]:
    """server module → the server modules it imports (at any depth of the file, lazy ones too)."""
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for p in (ROOT / "server").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        is_pkg = path.name == "__init__.py"
        pkg = module if is_pkg else module.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                # `from pkg import mod` imports pkg.mod when it is a module, else a name of pkg
                deps |= {f"{base}.{a.name}" if f"{base}.{a.name}" in files else base
                         for a in node.names}
        graph[module] = {d for d in deps if d in files and d != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of a module graph (one path per cycle found, by depth-first search)."""
    found, state, stack = [], {}, []

    def visit(m: str) -> None:
        state[m] = "open"
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == "open":
                found.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_server_modules_import_no_circle() -> None:
    assert cycles(module_graph()) == []


def test_printers_do_not_know_the_server() -> None:
    assert offenders("printers", ("server", "sqlite3", "sqlite_utils")) == []


ROOM = re.compile(r"^(lobby|staff|zone:|counter:|ticket:|device:|staff:)")


def test_room_names_are_made_only_in_rooms_py() -> None:
    found = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        # The store and the engine never address rooms ('device:3' there is an actor's key).
        if rel == "server/services/screens/rooms.py" or rel.startswith(("server/store/", "server/engine/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and ROOM.match(node.value) \
                    and (node.value in ("lobby", "staff") or node.value.endswith(":")):
                found.append(f"{rel}:{node.lineno} {node.value!r}")
    assert found == []


def test_the_browser_keeps_one_copy_of_the_sequence_rule_and_shared_helpers() -> None:
    """The sequence rule and the helpers every page shares live in common/shared.js only."""
    shared = re.compile(r"function (localName|syncClock|nowMs|SeqGate|CallLog)\b|SeqGate\.prototype"
                        r"|clockOffsetMs|lastCallSeq|_seen\b")
    copies = [f"{p.relative_to(ROOT)}: {m.group(0)}"
              for folder in ("kiosk", "counter_display", "server/web/static")
              for p in sorted((ROOT / folder).rglob("*.js")) if "vendor" not in p.parts
              and p.name != "shared.js"
              for m in shared.finditer(p.read_text(encoding="utf-8"))]
    assert copies == []
