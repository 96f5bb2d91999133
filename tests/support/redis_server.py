"""A throwaway redis-server (the Debian package) on a free port, no persistence, for tests and
benches of the message queue (issue 9)."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(folder: Path, port: int | None = None) -> Iterator[str]:
    """Start redis-server in `folder` (on `port`, else a free one) and yield its URL
    (redis://127.0.0.1:PORT/0); stopped after."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = port or _free_port()
    log = open(folder / f"redis-{port}.log", "wb")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:  # a starting process: nothing to await but its port
            if proc.poll() is not None:
                raise RuntimeError(f"redis-server exited: {(folder / log.name).read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait(timeout=10)
        log.close()
