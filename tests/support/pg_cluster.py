"""A throwaway PostgreSQL cluster for tests and benches: initdb + pg_ctl on a private unix-socket
folder and a free port, never the system's service. initdb refuses to run as root, so as root the
cluster belongs to the `postgres` account (runuser); as anyone else, to that user."""
from __future__ import annotations

import atexit
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

TEMPLATE = "xephang_template"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]  # the newest installed major version
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"PostgreSQL's {name} not found: install the Debian package postgresql")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """One private PostgreSQL server; `create_database()` gives a fresh migrated database URL."""

    def __init__(self, durable: bool = False) -> None:
        self.as_root = os.geteuid() == 0
        # As root, in /tmp: the postgres account must reach the folder (a TMPDIR of root's may
        # be closed to it); the folder itself is then handed to that account.
        self.base = Path(tempfile.mkdtemp(prefix="xephang-pg-", dir="/tmp" if self.as_root else None))
        self.data, self.sock = self.base / "data", self.base / "sock"
        self.sock.mkdir()
        if self.as_root:  # initdb will not run as root: the cluster is the postgres account's
            pw = pwd.getpwnam("postgres")
            for p in (self.base, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self.port = _free_port()
        self._names = itertools.count(1)
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        opts = [f"-k {self.sock}", f"-p {self.port}", "-c listen_addresses=''",
                "-c max_connections=300", "-c shared_buffers=32MB"]
        if not durable:  # tests prove logic, not power cuts: skip the disk flushes
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self.opts = " ".join(opts)
        self.start()
        self.template_ready = False
        atexit.register(self.stop)  # also when the run ends without its fixture's teardown

    def start(self) -> None:
        """Start the server (its output goes to a log file, never to our pipes)."""
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"), "-w",
                  "-t", "60", "-o", self.opts, "start")

    def restart(self) -> None:
        """Stop the server (fast: every connection is cut) and start it again."""
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.start()

    def _run(self, *cmd: str) -> None:
        full = (["runuser", "-u", "postgres", "--"] if self.as_root else []) + list(cmd)
        out = subprocess.run(full, capture_output=True, text=True, timeout=120, cwd=self.base)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {out.stderr or out.stdout}")

    def url(self, dbname: str = "postgres") -> str:
        """A libpq URL to a database of this cluster, over its unix socket."""
        return f"postgresql://postgres@/{dbname}?host={quote(str(self.sock))}&port={self.port}"

    def _admin(self, sql: str) -> None:
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.encode())

    def create_database(self, migrated: bool = True) -> str:
        """A new empty database (migrated from a template made once), returned as a URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        if migrated and not self.template_ready:
            from server.store import Database
            self._admin(f"CREATE DATABASE {TEMPLATE}")
            db = Database(self.url(TEMPLATE))
            db.migrate()
            db.close()
            self.template_ready = True
        self._admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {TEMPLATE}" if migrated else ""))
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its files (once)."""
        if not self.base.exists():
            return
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
