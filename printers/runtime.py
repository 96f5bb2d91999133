"""Private runtime folders (mode 0700) and the one guarded import of python-escpos.

python-escpos caches its printer capabilities as a pickle and loads it on the next import; in a
folder other local accounts can write (a fixed path under /tmp), anyone could plant a pickle that
runs as xephang. So the cache lives in this process's private runtime folder: the server's is next to
its database, an agent's under the user's state folder (XDG_STATE_HOME), never a fixed /tmp path.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from types import ModuleType

RUNTIME_ENV = "XEPHANG_RUNTIME_DIR"


class UnsafeFolderError(RuntimeError):
    """A runtime folder that another account could write into."""


def private_dir(path: str | Path) -> Path:
    """Create `path` (and its parents) if needed and make sure only this user can enter it."""
    folder = Path(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeFolderError(f"{folder} is not a plain folder")
    if info.st_uid != os.getuid():
        raise UnsafeFolderError(f"{folder} belongs to another account")
    if stat.S_IMODE(info.st_mode) != 0o700:
        folder.chmod(0o700)
    return folder


def default_runtime_dir() -> Path:
    """The runtime folder of a process that was given none: the user's own state folder."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "xephang"


def use_runtime_dir(path: str | Path) -> Path:
    """Make `path` (created 0700) this process's private runtime folder; returns it."""
    folder = private_dir(path)
    os.environ[RUNTIME_ENV] = str(folder)
    return folder


def runtime_dir() -> Path:
    """This process's private runtime folder (created 0700 on first use)."""
    return private_dir(os.environ.get(RUNTIME_ENV) or default_runtime_dir())


def escpos() -> ModuleType:
    """python-escpos' printer module, imported with its cache in the private runtime folder.

    Importing escpos also calls logging.basicConfig() and mkdtemp(); both side effects are kept out:
    the process's logging stays as its entry point set it, and no temp folder is left behind.
    """
    if "escpos.printer" in sys.modules:
        return sys.modules["escpos.printer"]
    cache = private_dir(runtime_dir() / "escpos")
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)  # never one inherited from outside
    scratch = tempfile.mkdtemp(dir=cache)  # escpos calls mkdtemp() even when given its folder
    saved_tempdir, tempfile.tempdir = tempfile.tempdir, scratch
    root = logging.getLogger()
    guard = logging.NullHandler() if not root.handlers else None
    if guard is not None:
        root.addHandler(guard)  # basicConfig() does nothing when the root logger has a handler
    try:
        module = _import_escpos(cache)
    finally:
        tempfile.tempdir = saved_tempdir
        shutil.rmtree(scratch, ignore_errors=True)
        if guard is not None:
            root.removeHandler(guard)
    return module


def _import_escpos(cache: Path) -> ModuleType:
    """Import escpos.printer holding a lock on its cache folder: escpos writes its pickle in
    place (truncate, then dump), so a second process (several servers on one machine, their
    drawing processes) importing meanwhile read a half-written file (EOFError). A pickle left
    half-written by a killed process is removed and the import tried once more."""
    import fcntl
    import pickle
    with open(cache / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        try:
            return importlib.import_module("escpos.printer")
        except (EOFError, pickle.UnpicklingError):
            for name in [n for n in sys.modules if n == "escpos" or n.startswith("escpos.")]:
                del sys.modules[name]
            for stale in cache.glob("*.capabilities.pickle"):
                stale.unlink()
            return importlib.import_module("escpos.printer")
