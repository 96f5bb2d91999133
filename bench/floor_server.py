"""`xephang run`'s gevent server (serve_gevent: its listener, limits and handler) with an application
that does nothing: the floor under bench_booking.py's burst (`bench_booking.py --floor` starts it).
Run: `.venv/bin/python bench/floor_server.py PORT`
"""
from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.cli import serve_gevent  # noqa: E402

BODY = b'{"error":{"code":"slot_full","message":"..."}}'


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Read the request, answer a refusal of the booking's size."""
    environ["wsgi.input"].read()
    start_response("409 CONFLICT", [("Content-Type", "application/json"),
                                    ("Content-Length", str(len(BODY)))])
    return [BODY]


if __name__ == "__main__":
    serve_gevent(app, "127.0.0.1", int(sys.argv[1]), False)
