"""Private files: escpos' cache never in a fixed /tmp folder, the signing key out of the database,
the database 0600 in a 0700 folder."""
from __future__ import annotations

import os
import pickle
import platform
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import socketio

from tests.conftest import ROOT, LiveServer


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class Planted:
    """A pickle that leaves a mark when something loads it."""

    def __init__(self, mark: Path) -> None:
        self.mark = mark

    def __reduce__(self) -> Any:
        return (Path.touch, (self.mark,))


def test_escpos_cache_is_private_and_a_pickle_planted_in_tmp_is_never_loaded(tmp_path: Path) -> None:
    fake_tmp = tmp_path / "tmp"  # what /tmp is for this server: TMPDIR
    fake_tmp.mkdir()
    planted = fake_tmp / "xephang-escpos"  # the fixed folder older versions used
    planted.mkdir()
    mark = tmp_path / "pickle-was-loaded"
    (planted / f"{platform.python_version()}.capabilities.pickle").write_bytes(
        pickle.dumps(Planted(mark)))
    data = tmp_path / "data"
    data.mkdir()
    server = LiveServer(data)
    base_env = server.env
    server.env = lambda: {**base_env(), "TMPDIR": str(fake_tmp)}  # type: ignore[method-assign]
    server.start()
    try:
        printed = threading.Event()
        kiosk = socketio.Client(reconnection=False)
        kiosk.on("ticket.changed", lambda p: p["ticket"]["print"]["status"] == "printed" and printed.set())
        kiosk.connect(server.url, auth={"token": server.token("kiosk-A1")}, transports=["websocket"])
        try:
            r = server.api("POST", "/api/v1/tickets", who="kiosk-A1", json={"service": "TP-LLTP"})
            assert r.status_code == 201
            assert printed.wait(30), "the kiosk's virtual printer never printed"
        finally:
            kiosk.disconnect()
    finally:
        server.stop()
    runtime = data / "runtime"
    assert mode(runtime) == 0o700 and mode(runtime / "escpos") == 0o700
    assert list((runtime / "escpos").glob("*.capabilities.pickle")), "the cache is in the private folder"
    assert not mark.exists(), "a pickle planted in the temp folder was loaded"
    assert sorted(p.name for p in fake_tmp.iterdir()) == ["xephang-escpos"], "nothing new in /tmp"
    assert sorted(p.name for p in planted.iterdir()) == [f"{platform.python_version()}.capabilities.pickle"]


def test_importing_escpos_leaves_logging_and_tmp_alone(tmp_path: Path) -> None:
    fake_tmp = tmp_path / "tmp"
    fake_tmp.mkdir()
    code = ("import logging; from printers.ticket import ticket_bytes; from printers.commands import "
            "TicketCommands; TicketCommands(); print(len(logging.getLogger().handlers))")
    env = {k: v for k, v in os.environ.items() if k != "XEPHANG_RUNTIME_DIR"}
    env.update(TMPDIR=str(fake_tmp), XDG_STATE_HOME=str(tmp_path / "state"))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    assert out.stdout.strip() == "0", "python-escpos' logging.basicConfig() was not kept out"
    assert list(fake_tmp.iterdir()) == []
    cache = tmp_path / "state" / "xephang" / "escpos"
    assert mode(cache) == 0o700 and list(cache.glob("*.capabilities.pickle"))


def test_kiosk_agent_keeps_its_cache_in_its_data_dir(tmp_path: Path) -> None:
    code = ("import sys; from kiosk import agent; a = agent.parse_args(sys.argv[1:]); "
            "from printers.runtime import use_runtime_dir; use_runtime_dir(a.data_dir); "
            "from printers.commands import TicketCommands; TicketCommands()")
    subprocess.run([sys.executable, "-c", code, "--server", "http://127.0.0.1:9", "--token", "T",
                    "--printer", "virtual", "--data-dir", str(tmp_path / "agent")], cwd=ROOT,
                   capture_output=True, timeout=60, check=True)
    assert mode(tmp_path / "agent") == 0o700
    assert list((tmp_path / "agent" / "escpos").glob("*.capabilities.pickle"))


def test_new_database_is_0600_in_a_0700_folder_and_holds_no_signing_key(tmp_path: Path) -> None:
    from server.app import create_app
    db = tmp_path / "new" / "xephang.db"
    app = create_app({"DB": str(db), "ASYNC_MODE": "threading", "PRINTING": False})
    try:
        assert app.test_client().get("/api/v1/site").status_code == 200
        assert mode(db.parent) == 0o700
        for part in (db, db.with_name("xephang.db-wal"), db.with_name("xephang.db-shm")):
            assert mode(part) == 0o600, part
        key_file = db.with_name("xephang.secret_key")
        assert mode(key_file) == 0o600
        assert app.secret_key == key_file.read_text().strip()
        app.extensions["xephang"].db.checkpoint()
        assert app.secret_key.encode() not in db.read_bytes()
    finally:
        app.extensions["xephang"].db.close()


def test_a_key_kept_in_the_database_moves_to_the_key_file(tmp_path: Path) -> None:
    from server.app import create_app
    from server.setup import initialize
    from server.store import Database
    from server.store import site as site_rows
    db_path = tmp_path / "xephang.db"
    db = Database(db_path)
    initialize(db, None, demo=False)
    old_key = "an-old-key-from-the-database-" + "x" * 40
    with db.write() as conn:  # as older versions kept it
        site_rows.set_setting(conn, "secret_key", old_key)
    db.checkpoint()
    db.close()
    assert old_key.encode() in db_path.read_bytes()
    app = create_app({"DB": str(db_path), "ASYNC_MODE": "threading", "PRINTING": False})
    try:
        assert app.secret_key == old_key, "existing cookies keep working after the upgrade"
        assert (tmp_path / "xephang.secret_key").read_text().strip() == old_key
        with app.extensions["xephang"].db.read() as conn:
            assert site_rows.get_setting(conn, "secret_key") is None
        for part in tmp_path.glob("xephang.db*"):
            assert old_key.encode() not in part.read_bytes(), part
    finally:
        app.extensions["xephang"].db.close()


def test_signing_key_from_the_environment(tmp_path: Path, monkeypatch: Any) -> None:
    from server.app import create_app
    monkeypatch.setenv("XEPHANG_SECRET_KEY", "k" * 64)
    app = create_app({"DB": str(tmp_path / "xephang.db"), "ASYNC_MODE": "threading",
                      "PRINTING": False})
    try:
        assert app.secret_key == "k" * 64
        assert not (tmp_path / "xephang.secret_key").exists()
    finally:
        app.extensions["xephang"].db.close()


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    from server.setup import initialize
    from server.store import Database
    db_path = tmp_path / "xephang.db"
    initialize(Database(db_path), None, demo=False)
    code = "import sys; from server.store import Database; from server.setup import secret_key; " \
           "print(secret_key(Database(sys.argv[1])))"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db_path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True) for _ in range(6)]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and "" not in keys
    assert keys == {(tmp_path / "xephang.secret_key").read_text().strip()}
