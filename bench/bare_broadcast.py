"""The floor for bench_fanout.py: a bare Flask-SocketIO app that broadcasts one event to everyone.

Same stack as `xephang run` (gevent, monkey-patched, socketio.run, the same ping settings), no
database, no auth, no rooms: POST /emit with a JSON body sends it as `ticket.called` to every
connected client from inside the request. Run: python bench/bare_broadcast.py --port 5601
"""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after monkey-patching, as `xephang run` does
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
    app, socketio = create_app()
    socketio.run(app, host="127.0.0.1", port=args.port, log_output=False)


if __name__ == "__main__":
    main()
