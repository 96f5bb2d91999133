"""The server's gevent handler sends a small answer (headers and body) in one write, and a big or
chunked one as gevent does; the bytes on the wire are a correct HTTP/1.1 response either way."""
from __future__ import annotations

from typing import Any

import gevent
from gevent import pywsgi, socket

from server.web.gevent_handler import SMALL_BODY, Handler

SENDS: list[bytes] = []


class CountingHandler(Handler):
    def _sendall(self, data: Any) -> None:
        SENDS.append(bytes(data))
        super()._sendall(data)


def _app(environ: dict[str, Any], start_response: Any) -> Any:
    size = int(environ["PATH_INFO"].strip("/") or 0)
    body = b"x" * size
    if environ.get("QUERY_STRING") == "chunked":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (part for part in [body])  # no length known: gevent chunks it
    start_response("409 CONFLICT", [("Content-Type", "application/json"),
                                    ("Content-Length", str(size))])
    return [body]


def _get(port: int, path: str) -> bytes:
    conn = socket.create_connection(("127.0.0.1", port))
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    out = b""
    while chunk := conn.recv(65536):
        out += chunk
    conn.close()
    return out


def test_small_answers_go_in_one_send_and_big_or_chunked_ones_as_before() -> None:
    server = pywsgi.WSGIServer(("127.0.0.1", 0), _app, handler_class=CountingHandler, log=None)
    server.start()
    try:
        port = server.server_port
        SENDS.clear()
        small = gevent.spawn(_get, port, "/40").get(timeout=10)
        assert len(SENDS) == 1
        head, body = small.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 409 CONFLICT\r\n") and b"Content-Length: 40" in head
        assert body == b"x" * 40
        SENDS.clear()
        big = gevent.spawn(_get, port, f"/{SMALL_BODY + 1}").get(timeout=10)
        assert len(SENDS) == 2 and big.endswith(b"\r\n\r\n" + b"x" * (SMALL_BODY + 1))
        SENDS.clear()
        chunked = gevent.spawn(_get, port, "/5?chunked").get(timeout=10)
        assert b"Transfer-Encoding: chunked" in chunked and chunked.endswith(
            b"\r\n\r\n5\r\nxxxxx\r\n0\r\n\r\n")
        SENDS.clear()
        empty = gevent.spawn(_get, port, "/0").get(timeout=10)
        assert b"Content-Length: 0\r\n" in empty and empty.endswith(b"\r\n\r\n")
    finally:
        server.stop()
