"""The gevent request handler of `xephang run`: geventwebsocket's, sending a small response in one
write.

gevent writes a response's status line and headers in one send and its body in another: two system
calls (and, without TCP_NODELAY, a delayed-ACK stall) for every JSON answer. Under a burst of
bookings the sends were a sixth of the server's time (bench/bench_booking.py --profile). A body
up to SMALL_BODY bytes now goes out with its headers; bigger and chunked ones as before.
"""
from __future__ import annotations

from geventwebsocket.handler import WebSocketHandler

SMALL_BODY = 16 * 1024


class Handler(WebSocketHandler):  # type: ignore[misc]
    """WebSocketHandler whose first write sends the headers and a small body together."""

    def _write_with_headers(self, data: bytes) -> None:
        self.headers_sent = True
        self.finalize_headers()  # decides chunking: only then is it known
        # gevent's own header block (status and headers are latin-1 bytes by now)
        towrite = bytearray(b"HTTP/1.1 ")
        towrite += self.status
        towrite += b"\r\n"
        for header, value in self.response_headers:
            towrite += header
            towrite += b": "
            towrite += value
            towrite += b"\r\n"
        towrite += b"\r\n"
        if data and len(data) <= SMALL_BODY and not self.response_use_chunked:
            towrite += data
            self._sendall(towrite)
            return
        self._sendall(towrite)  # as gevent does: the headers, then the body as it is written
        self._write(data)
