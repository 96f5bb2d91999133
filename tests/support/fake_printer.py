"""A fake ESC/POS network printer: a threaded TCP server on 127.0.0.1 that records bytes and
answers real-time status queries (DLE EOT n) the way an Epson TM printer does."""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from typing import Callable

# (DLE EOT 1 reply, DLE EOT 4 reply) for each state. An Epson printer with no paper also
# reports itself offline on DLE EOT 1, hence 0x1A there.
STATUS_BYTES: dict[str, tuple[int, int]] = {
    "ok": (0x12, 0x12),
    "near_end": (0x12, 0x1E),
    "out": (0x1A, 0x72),
    "offline": (0x1A, 0x12),
}


def refused_url() -> str:
    """Return a tcp:// URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


class _StreamScanner:
    """Finds DLE EOT n in the byte stream, skipping raster and QR payloads where those
    bytes are image data, not commands (a real printer parses the stream the same way)."""

    def __init__(self, on_query: Callable[[int], None],
                 on_cut: Callable[[int], None] = lambda end: None) -> None:
        self.on_query = on_query
        self.on_cut = on_cut  # called with the offset just past a cut, counted from the first byte
        self.pending = b""
        self.skip = 0
        self.position = 0  # offset of `pending`'s first byte in the connection's stream

    def feed(self, chunk: bytes) -> None:
        data = self.pending + chunk
        base = self.position
        self.pending = b""
        i = 0
        while i < len(data):
            if self.skip:
                step = min(self.skip, len(data) - i)
                self.skip -= step
                i += step
                continue
            head = data[i:i + 8]
            if head[:1] == b"\x10":
                if len(head) < 3:
                    break
                if head[1] == 0x04:
                    self.on_query(head[2])
                    i += 3
                    continue
            elif head[:3] == b"\x1dv0":
                if len(head) < 8:
                    break
                self.skip = (head[4] | head[5] << 8) * (head[6] | head[7] << 8)
                i += 8
                continue
            elif head[:2] == b"\x1d(":
                if len(head) < 5:
                    break
                self.skip = head[3] | head[4] << 8
                i += 5
                continue
            elif head[:2] == b"\x1dV":  # GS V m, or GS V m n for the feed-and-cut modes
                if len(head) < 3 or (head[2] in (65, 66, 97, 98, 103, 104) and len(head) < 4):
                    break
                i += 4 if head[2] in (65, 66, 97, 98, 103, 104) else 3
                self.on_cut(base + i)
                continue
            i += 1
        self.pending = data[i:]
        self.position = base + i


class FakePrinter:
    """Records what a client sends and answers status queries with the configured state.

    `status`: "ok", "near_end", "out" or "offline"; `answer=False` makes it never answer
    status queries; `chunk_delay` seconds are spent per `chunk_size` bytes read (slow printer);
    `port` picks the port (0 = ephemeral).
    """

    def __init__(self, status: str = "ok", *, answer: bool = True, chunk_delay: float = 0.0,
                 chunk_size: int = 256, port: int = 0) -> None:
        self.online_byte, self.paper_byte = STATUS_BYTES[status]
        self.answer = answer
        self.chunk_delay = chunk_delay
        self.chunk_size = chunk_size
        self._bind_port = port
        self.jobs: list[bytearray] = []  # bytes per connection, in order
        self.cuts: list[list[int]] = []  # per connection: offsets just past each cut
        self.queries: list[int] = []
        self.connections = 0
        self._live: set[socket.socket] = set()  # connections open now
        self._reset: set[socket.socket] = set()  # dropped by restart(): closed with a RST
        self._changed = threading.Condition()
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None

    # -- configuration -----------------------------------------------------------------------
    def set_status(self, status: str) -> None:
        """Change what the printer reports from now on."""
        self.online_byte, self.paper_byte = STATUS_BYTES[status]

    def restart(self, reset: bool = True) -> None:
        """Power-cycle: every open connection is gone (a RST as a restarted printer answers an
        old connection, or with `reset=False` a clean close); new ones are served as before."""
        with self._changed:
            live = list(self._live)
            if reset:
                self._reset.update(live)
        for conn in live:
            try:
                if reset:  # close() after SO_LINGER 0 sends a RST; SHUT_RD only wakes the reader
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.shutdown(socket.SHUT_RD if reset else socket.SHUT_RDWR)
            except OSError:
                pass
        self.wait_until(lambda p: not (p._live & set(live)))

    @property
    def live(self) -> int:
        """How many connections are open now."""
        with self._changed:
            return len(self._live)

    @property
    def port(self) -> int:
        """The TCP port the printer listens on."""
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The printer URL to hand to open_printer / PrintJob."""
        return f"tcp://127.0.0.1:{self.port}"

    # -- what was received ---------------------------------------------------------------------
    @property
    def received(self) -> bytes:
        """Every byte received over every connection, in order."""
        with self._changed:
            return b"".join(bytes(job) for job in self.jobs)

    def printed(self) -> list[bytes]:
        """The print jobs received, in order: each connection's bytes cut after every paper cut
        (a kept-open connection carries many tickets), keeping pieces with more than status
        queries."""
        with self._changed:
            pieces = []
            for job, cuts in zip(self.jobs, self.cuts):
                start = 0
                for end in [*cuts, len(job)]:
                    pieces.append(bytes(job[start:end]))
                    start = end
        return [p for p in pieces if p.replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"")]

    def wait_until(self, predicate: Callable[["FakePrinter"], bool], timeout: float = 5.0) -> bool:
        """Block until `predicate(self)` holds (re-checked on every received chunk)."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    def wait_for_bytes(self, count: int, timeout: float = 5.0) -> bytes:
        """Block until at least `count` bytes arrived; return everything received."""
        self.wait_until(lambda p: sum(len(j) for j in p.jobs) >= count, timeout)
        return self.received

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "FakePrinter":
        """Listen on an ephemeral port of 127.0.0.1 in a background thread."""
        printer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                printer._serve(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        server = socketserver.ThreadingTCPServer(("127.0.0.1", self._bind_port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                                        name="fake-printer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> "FakePrinter":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one connection ------------------------------------------------------------------------
    def _serve(self, conn: socket.socket) -> None:
        with self._changed:
            self.connections += 1
            self._live.add(conn)
            job = bytearray()
            self.jobs.append(job)
            cuts: list[int] = []
            self.cuts.append(cuts)
            self._changed.notify_all()

        def on_query(n: int) -> None:
            with self._changed:
                self.queries.append(n)
            if not self.answer:
                return
            reply = {1: self.online_byte, 4: self.paper_byte}.get(n, 0x12)
            try:
                conn.sendall(bytes((reply,)))
            except OSError:
                pass

        def on_cut(end: int) -> None:
            with self._changed:
                cuts.append(end)

        scanner = _StreamScanner(on_query, on_cut)
        while True:
            try:
                chunk = conn.recv(self.chunk_size)
            except OSError:
                break
            if not chunk:
                break
            if self.chunk_delay:
                time.sleep(self.chunk_delay)  # the simulated print head speed
            with self._changed:
                job.extend(chunk)
            scanner.feed(chunk)
            with self._changed:
                self._changed.notify_all()
        with self._changed:
            if conn in self._reset:
                self._reset.discard(conn)
                conn.close()  # SO_LINGER 0: the peer gets a RST
            self._live.discard(conn)
            self._changed.notify_all()
