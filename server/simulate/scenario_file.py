"""A scenario written back as the TOML file `xephang simulate --scenario` reads (the page's
download, and the file its jobs run), so a run from the page can be repeated from the command line."""
from __future__ import annotations

import json
from typing import Any


def to_toml(data: dict[str, Any]) -> str:
    """A scenario as a TOML file `xephang simulate --scenario` reads (plain values, tables last)."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list) and all(not isinstance(x, dict) for x in v):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise ValueError(f"cannot write {v!r}")

    def key(k: str) -> str:
        return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else json.dumps(k)

    lines: list[str] = []

    def table(path: list[str], d: dict[str, Any]) -> None:
        plain = {k: v for k, v in d.items() if not isinstance(v, dict)
                 and not (isinstance(v, list) and v and all(isinstance(x, dict) for x in v))}
        if path and plain:
            lines.append("\n[" + ".".join(key(p) for p in path) + "]")
        lines.extend(f"{key(k)} = {value(v)}" for k, v in plain.items())
        for k, v in d.items():
            if isinstance(v, dict):
                table(path + [k], v)
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                for row in v:
                    lines.append("\n[[" + ".".join(key(p) for p in path + [k]) + "]]")
                    lines.extend(f"{key(a)} = {value(b)}" for a, b in row.items())
    table([], data)
    return "\n".join(lines).lstrip() + "\n"
