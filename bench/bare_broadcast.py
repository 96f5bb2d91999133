"""The floor for bench_fanout.py: a bare Flask-SocketIO app that broadcasts one event to everyone.

Same stack as `xephang run` (gevent, monkey-patched, the same ping settings, served by the very
`serve_gevent` of server/cli.py: pywsgi + gevent-websocket on a TCP_NODELAY listener), no database,
no auth, no rooms: POST /emit with a JSON body sends it as `ticket.called` to every connected
client from inside the request. Run: .venv/bin/python bench/bare_broadcast.py --port 5601
"""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after monkey-patching, as `xephang run` does
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask, jsonify, request  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402


def create_app() -> tuple[Flask, SocketIO]:
    """The bare app and its Socket.IO server."""
    app = Flask(__name__)
    # the same settings server/realtime.py uses, so pings cost the same on both sides
    socketio = SocketIO(app, async_mode="gevent", ping_interval=10, ping_timeout=10)

    @socketio.on("connect")
    def on_connect(auth: Any = None) -> bool:
        return True

    @app.post("/emit")
    def emit() -> Any:
        socketio.emit("ticket.called", request.get_json())
        return jsonify({"ok": True})

    @app.get("/health")
    def health() -> Any:
        return jsonify({"ok": True})

    return app, socketio


def main() -> None:
    """Serve on 127.0.0.1 until killed."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    app, _ = create_app()
    # the server's own listener setup, so both sides differ only in what the app does
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from server.cli import serve_gevent
    serve_gevent(app, "127.0.0.1", args.port, access_log=False)


if __name__ == "__main__":
    main()
