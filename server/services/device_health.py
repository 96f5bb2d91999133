"""Device health: which kiosks, boards and counter displays are online, when each was last heard
from, and the alert when one falls silent during opening hours (and its end when it returns).

A device is heard from by its Socket.IO presence (connect/disconnect, realtime.py) and by the
heartbeat its page sends every HEARTBEAT_EVERY_S (`POST /api/v1/devices/heartbeat`). State lives
in memory; `last_seen` reaches the database at most every FLUSH_EVERY_S per device, in one batched
write made off the event loop, so a thousand screens cost no write per heartbeat.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from typing import Any

from ..engine.numbering import is_open
from ..store import accounts
from .context import TZ, Context, Message
from .offload import off_loop
from .screens.events import DeviceChanged

log = logging.getLogger(__name__)
SILENT_AFTER_S = 60.0  # default of [policy] device_silent_s
HEARTBEAT_EVERY_S = 20.0  # what a device page is told to use
FLUSH_EVERY_S = 30.0
META_EVERY_S = 30.0  # re-read the device list this often (the CLI may add or revoke one)
PRESENCE_DELAY_S = 0.5  # a connect or disconnect reaches staff within about this
PAGE_MAX = 120

try:
    SERVER_VERSION = metadata.version("xephang")
except metadata.PackageNotFoundError:  # running from a checkout that was never installed
    SERVER_VERSION = "dev"


@dataclass
class _Device:
    """What this process knows of one device."""

    sockets: int = 0
    last_seen: float = 0.0  # epoch seconds; 0: never heard from
    beat: float = 0.0  # the last heartbeat
    page: str = ""
    version: str = ""
    written: float = 0.0  # last_seen as last stored
    written_page: tuple[str, str] = ("", "")
    shown: tuple[bool, bool] | None = None  # (online, alert) as last published


def silent_after(ctx: Context) -> float:
    """Seconds of silence after which a device raises an alert ([policy] device_silent_s)."""
    value = ctx.site.settings.get("policy", {}).get("device_silent_s", SILENT_AFTER_S)
    try:
        return max(0.5, float(value))
    except (TypeError, ValueError):
        return SILENT_AFTER_S


def site_open(ctx: Context, now: datetime) -> bool:
    """Whether the centre is open now: some service takes tickets (its hours, or open all hours)."""
    site = ctx.site
    return site.open_all_hours or any(is_open(s, now, False) for s in site.services.values())


def _iso(epoch: float) -> str | None:
    return datetime.fromtimestamp(epoch, TZ).isoformat(timespec="seconds") if epoch else None


class DeviceHealth:
    """The registry of device presence and heartbeats, and the watch that raises alerts."""

    def __init__(self, ctx: Context, clock: Any = time.time, watch: bool = True) -> None:
        self.ctx = ctx
        self.watching = watch  # False: no background watch (in-process tests call check())
        self.clock = clock
        self.started = clock()
        self._lock = threading.Lock()
        self._devices: dict[int, _Device] = {}
        self._sids: dict[str, int] = {}
        self._meta: dict[int, dict[str, Any]] = {}  # id → name, kind, zone, counter, active
        self._loaded = False
        self._running = False
        self._dirty = False  # a presence changed since the last check
        self._loaded_at = 0.0  # time.monotonic() of the last read of the device list

    # --- what devices report ---

    def _load(self) -> None:
        """Read the device list (first use, after a change, and every META_EVERY_S for changes
        made by another process) and, the first time, the stored last contacts."""
        first = self._loaded_at == 0.0
        with self.ctx.db.read() as conn:
            stored = accounts.device_health(conn) if first else {}
            devices = accounts.list_devices(conn)
        self._loaded_at = time.monotonic()
        with self._lock:
            for d_id, row in stored.items():
                dev = self._devices.setdefault(d_id, _Device())
                if not dev.last_seen:
                    seen = datetime.fromisoformat(row["last_seen"]).timestamp()
                    dev.last_seen = dev.written = seen
                    dev.page, dev.version = row["page"], row["version"]
                    dev.written_page = (dev.page, dev.version)
            self._meta = {d["id"]: {"name": d["name"], "kind": d["kind"], "zone": d["zone"],
                                    "counter": d["counter"], "active": bool(d["active"])}
                          for d in devices}
            self._loaded = True

    def connected(self, sid: str, device_id: int) -> None:
        """A device's socket connected."""
        with self._lock:
            self._sids[sid] = device_id
            dev = self._devices.setdefault(device_id, _Device())
            dev.sockets += 1
            dev.last_seen = self.clock()
            known = device_id in self._meta
            self._dirty = True
        if not known:
            self._loaded = False  # a device added since: read the list again

    def disconnected(self, sid: str) -> None:
        """A socket left (only device sockets are counted)."""
        with self._lock:
            device_id = self._sids.pop(sid, None)
            if device_id is None:
                return
            dev = self._devices[device_id]
            dev.sockets = max(0, dev.sockets - 1)
            dev.last_seen = self.clock()
            self._dirty = True

    def heartbeat(self, device_id: int, page: Any, version: Any) -> dict[str, Any]:
        """A device page says it is alive, which page it shows and which software it runs."""
        with self._lock:
            dev = self._devices.setdefault(device_id, _Device())
            dev.last_seen = dev.beat = self.clock()
            dev.page = page[:PAGE_MAX] if isinstance(page, str) else ""
            # A page sends no version on its first beat: it runs what this server served it.
            dev.version = version[:40] if isinstance(version, str) and version else SERVER_VERSION
        return {"every_s": HEARTBEAT_EVERY_S, "version": dev.version}

    def devices_changed(self) -> None:
        """Devices were added, edited or revoked: read their list again on the next check."""
        self._loaded = False

    # --- what staff see ---

    def _state(self, device_id: int, dev: _Device, now: float, limit: float,
               open_now: bool) -> tuple[bool, bool]:
        """(online, alert) of one device now."""
        online = dev.sockets > 0 or (dev.beat > 0 and now - dev.beat < min(limit, 2 * HEARTBEAT_EVERY_S))
        meta = self._meta.get(device_id, {})
        # Silence counts from the last contact, or from this server's start (devices reconnect
        # after a restart); a device never heard from (not yet installed) raises nothing.
        silent = now - max(dev.last_seen, self.started)
        alert = (not online and bool(dev.last_seen) and meta.get("active", False) and open_now
                 and silent > limit)
        return online, alert

    def _view(self, device_id: int, dev: _Device, online: bool, alert: bool, now: float) -> dict[str, Any]:
        meta = self._meta.get(device_id, {})
        return {"id": device_id, "name": meta.get("name", ""), "kind": meta.get("kind", ""),
                "zone": meta.get("zone"), "counter": meta.get("counter"), "online": online,
                "alert": alert, "seen_at": _iso(now if dev.sockets else dev.last_seen),
                "page": dev.page, "version": dev.version}

    def views(self) -> dict[int, dict[str, Any]]:
        """Every device heard from: {id: DeviceHealth view} (see docs/contract.md)."""
        if not self._loaded:
            self._load()
        now, limit = self.clock(), silent_after(self.ctx)
        open_now = site_open(self.ctx, datetime.fromtimestamp(now, TZ))
        with self._lock:
            return {i: self._view(i, d, *self._state(i, d, now, limit, open_now), now)
                    for i, d in self._devices.items() if i in self._meta}

    # --- the watch ---

    def check_every(self) -> float:
        """Seconds between two checks: often enough to alert within a quarter of the threshold."""
        return min(5.0, max(0.1, silent_after(self.ctx) / 4))

    def check(self) -> list[Message]:
        """Compare every device with what staff last saw; the `device.changed` messages to send."""
        if not self._loaded or time.monotonic() - self._loaded_at >= META_EVERY_S:
            self._load()  # the device list may have changed in another process (the CLI)
        now, limit = self.clock(), silent_after(self.ctx)
        open_now = site_open(self.ctx, datetime.fromtimestamp(now, TZ))
        out: list[Message] = []
        with self._lock:
            for device_id, dev in self._devices.items():
                if device_id not in self._meta:
                    continue
                if dev.sockets:
                    dev.last_seen = now
                state = self._state(device_id, dev, now, limit, open_now)
                if state != dev.shown:
                    first = dev.shown is None
                    dev.shown = state
                    if first and not state[1] and not state[0]:
                        continue  # offline as before the restart: nothing new to tell
                    out += DeviceChanged(self._view(device_id, dev, *state, now)).unnumbered()
        return out

    def due_writes(self, force: bool = False) -> list[tuple[int, str, str, str]]:
        """(device_id, last_seen, page, version) to store: at most every FLUSH_EVERY_S per device."""
        if not self._loaded:
            self._load()
        rows = []
        with self._lock:
            for device_id, dev in self._devices.items():
                if not dev.last_seen or device_id not in self._meta:
                    continue
                moved = dev.last_seen - dev.written
                if (moved > 0 and (force or moved >= FLUSH_EVERY_S or not dev.sockets)) or (
                        (dev.page, dev.version) != dev.written_page):
                    rows.append((device_id, _iso(dev.last_seen) or "", dev.page, dev.version))
                    dev.written, dev.written_page = dev.last_seen, (dev.page, dev.version)
        return rows

    def flush(self, force: bool = False) -> int:
        """Store due last contacts in one write, in a native thread (off the event loop)."""
        rows = self.due_writes(force)
        if rows:
            off_loop(accounts.write_device_health, self.ctx.db.path, rows)
        return len(rows)

    def watch(self, sleep: Any) -> None:
        """Check and publish forever (a background task of the server): every check_every()
        seconds, and within PRESENCE_DELAY_S of a connect or disconnect (coalesced, so a
        reconnect storm of a thousand screens costs a check or two per second, not one each)."""
        last = self.clock()
        while True:
            sleep(PRESENCE_DELAY_S)
            now = self.clock()
            if not (self._dirty or now - last >= self.check_every()):
                continue
            self._dirty, last = False, now
            try:
                messages = self.check()
                if messages:
                    self.ctx.publish(messages)
                self.flush()
            except Exception:  # a busy database: the next round tries again
                log.exception("device health check failed")

    def start(self, start_task: Any, sleep: Any) -> None:
        """Start the watch once (the first device that reports in starts it)."""
        with self._lock:
            if self._running or not self.watching:
                return
            self._running = True
        start_task(self.watch, sleep)
