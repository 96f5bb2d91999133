"""Several real server processes (`xephang run --message-queue`) on one database (a SQLite file or
a PostgreSQL database), joined by one throwaway redis-server: the deployment of the multi-process
live tests (issue 9)."""
from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import LiveServer, PgLiveServer
from tests.support.redis_server import redis_server


@contextmanager
def joined_servers(tmp_path: Path, names: str, extra_args: Sequence[str] = (),
                   prepare: Callable[[Path], None] | None = None,
                   pg_url: str | None = None) -> Iterator[list[LiveServer]]:
    """Start one server per letter of `names` (log: server-<letter>.log) on tmp_path's database
    (or on the PostgreSQL database `pg_url`, each process with its own runtime folder, as on its
    own machine), all on one new Redis; `prepare(db)` first runs on the demo database a first
    start made (SQLite only). Every server is stopped after (a frozen one is woken first so that
    it can be stopped)."""
    with redis_server(tmp_path) as url:
        if prepare is not None:
            first = LiveServer(tmp_path)
            first.start()  # creates the database with the demo site, accounts and devices
            first.stop()
            prepare(first.db)
        servers: list[LiveServer] = []
        try:
            for name in names:
                if pg_url is None:
                    s = LiveServer(tmp_path)
                else:
                    (tmp_path / name).mkdir()
                    s = PgLiveServer(tmp_path / name, pg_url)
                    if servers:  # the first one loaded the demo: the same devices and users
                        s.devices, s.users = servers[0].devices, servers[0].users
                s.log = tmp_path / f"server-{name}.log"
                s.extra_args = [*extra_args, "--message-queue", url]
                s.start()
                servers.append(s)
            yield servers
        finally:
            for s in servers:
                if s.proc is not None and s.proc.poll() is None:
                    s.proc.send_signal(signal.SIGCONT)  # a SIGSTOPped process ignores SIGTERM
                s.stop()
