"""Device health: which kiosks, boards and counter displays are online, when each was last heard
from, and the alert when one falls silent while the centre is open by its calendar (and its end
when it returns).

A device is heard from by its Socket.IO presence (connect/disconnect, realtime.py) and by the
heartbeat its page sends every HEARTBEAT_EVERY_S (`POST /api/v1/devices/heartbeat`). State lives
in memory; `last_seen` reaches the database at most every FLUSH_EVERY_S per device, in one batched
write made off the event loop, so a thousand screens cost no write per heartbeat.

A check costs what changed, not how many devices there are: a device is looked at again only when
it reports in or leaves (the `_touched` set) or when a moment it could change by itself comes (a
heap of deadlines: going offline, falling silent for too long); the writes of last contacts are
due from a second heap. Everything that reads the database (the device list, the calendar that
says whether the centre is open) runs off the event loop, on a connection of its own.

Several processes (issue 9): each stores the last contacts of the devices connected to it, a
connected device's at least every third of the silence threshold (so another process never takes
it for silent); the alert check runs on the holder of the `device-health` lease only, which reads
every process's contacts, so one alert per change reaches every supervisor whatever process she is
connected to. Views read the stored contacts too.
"""
from __future__ import annotations

import heapq
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from ..engine.calendar import Calendar
from ..engine.numbering import is_open
from ..store import accounts
from ..store.db import snapshot
from .calendar_state import load as load_calendar
from ..store.scope import DEFAULT_SITE, SiteDatabase, marked
from .context import TZ, Context, Message, for_site, to_site
from .leases import Lease
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
    last_seen: float = 0.0  # epoch seconds of the last contact (a connected device: its disconnect)
    beat: float = 0.0  # the last heartbeat
    page: str = ""
    version: str = ""
    written: float = 0.0  # last_seen as last stored
    written_page: tuple[str, str] = ("", "")
    shown: tuple[bool, bool] | None = None  # (online, alert) as last published
    due: float | None = None  # when its state may next change by itself (in the check heap)
    flush_at: float | None = None  # when its last contact is next due for writing (flush heap)


@dataclass
class Reading:
    """What one round reads from the database, off the event loop."""

    open_now: bool
    devices: list[dict[str, Any]] | None = None  # the device list, when it was due
    stored: dict[int, dict[str, Any]] = field(default_factory=dict)  # last contacts that moved


def silent_after(ctx: Context) -> float:
    """Seconds of silence after which a device raises an alert ([policy] device_silent_s)."""
    value = ctx.site.settings.get("policy", {}).get("device_silent_s", SILENT_AFTER_S)
    try:
        return max(0.5, float(value))
    except (TypeError, ValueError):
        return SILENT_AFTER_S


def site_open(ctx: Context, now: datetime, calendar: Calendar | None = None) -> bool:
    """Whether the centre is open now: some service takes tickets by its hours (or all hours)
    and the calendar (holidays, compensating working days, closed days, suspensions)."""
    site = ctx.site
    return any(is_open(s, now, site.open_all_hours, calendar) for s in site.services.values())


def read_state(ctx: Context, path: Any, now: float, devices: bool,
               contacts: dict[int, str] | None, everything: bool = False) -> Reading:
    """Read whether the centre is open by its calendar, the device list if asked, and the last
    contacts stored lately (`everything`: ever) by any process that differ from `contacts`
    (which it updates), on a connection of its own (called in a native thread)."""
    local = datetime.fromtimestamp(now, TZ)
    site_id = path.site_id if isinstance(path, SiteDatabase) else DEFAULT_SITE
    base = path.db if isinstance(path, SiteDatabase) else path
    # one snapshot for all three, marked with the site (issue 9: its calendar, its devices)
    with snapshot(base) as conn, marked(conn, site_id):
        # calendar_state.load, not its per-connection cache: this connection is new each time
        reading = Reading(site_open(ctx, local, load_calendar(conn, local.date())))
        if devices:
            reading.devices = accounts.list_devices(conn)
        if contacts is not None:
            # A row is written at most ~FLUSH_EVERY_S + a heartbeat after its last contact.
            since = None if everything else _iso(now - 2 * FLUSH_EVERY_S - HEARTBEAT_EVERY_S)
            for d_id, row in accounts.device_health(conn, site_id, since=since).items():
                if contacts.get(d_id) != row["last_seen"]:
                    contacts[d_id] = row["last_seen"]
                    reading.stored[d_id] = row
    return reading


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
        self._contacts: dict[int, str] = {}  # last_seen as last read from the database
        self._reading = threading.Lock()
        self._read_all = False  # every stored contact was read once
        self._touched: set[int] = set()  # devices to look at again in the next check
        self._due: list[tuple[float, int]] = []  # (moment, device): may change by itself then
        self._flush_due: list[tuple[float, int]] = []  # (moment, device): a write may be due
        self._prompt: set[int] = set()  # devices to write at the next flush
        self._open: bool | None = None  # whether the centre was open at the last check
        self._limit = 0.0  # silent_after() at the last check
        self.lease: Lease | None = None  # with the watch: its check runs on the holder only

    # --- what the database says (read off the loop, applied on it) ---

    def _read(self, now: float, contacts: bool = True) -> Reading:
        """Read the calendar state, the device list when due, and (`contacts`) the last contacts
        other processes stored, off the event loop."""
        meta_due = not self._loaded or time.monotonic() - self._loaded_at >= META_EVERY_S
        with self._reading:  # one reader of the stored contacts at a time
            everything = not self._read_all  # the first time: contacts from before a restart
            reading = off_loop(read_state, self.ctx, self.ctx.db, now, meta_due,
                               self._contacts if contacts or everything else None, everything)
            self._read_all = True
        if meta_due:
            self._loaded_at = time.monotonic()
        return reading

    def _apply(self, reading: Reading) -> None:
        """Take in a reading: last contacts stored by any process (a device may be connected to
        another one: heard from there, it is heard from), and the device list (what changed in it
        is looked at again)."""
        with self._lock:
            for d_id, row in reading.stored.items():
                dev = self._devices.setdefault(d_id, _Device())
                seen = datetime.fromisoformat(row["last_seen"]).timestamp()
                if seen > dev.last_seen:
                    dev.last_seen = seen
                    dev.written = max(dev.written, seen)  # already stored: not to write again
                    # Heard from (by another process, or before a restart): online while
                    # that is recent (the same rule as a heartbeat).
                    dev.beat = max(dev.beat, seen)
                    dev.page, dev.version = row["page"], row["version"]
                    dev.written_page = (dev.page, dev.version)
                    self._touched.add(d_id)
            if reading.devices is not None:
                meta = {d["id"]: {"name": d["name"], "kind": d["kind"], "zone": d["zone"],
                                  "counter": d["counter"], "active": bool(d["active"])}
                        for d in reading.devices}
                self._touched.update(i for i in meta.keys() | self._meta.keys()
                                     if meta.get(i) != self._meta.get(i) and i in self._devices)
                self._meta = meta
                self._loaded = True

    def _load(self) -> None:
        """Read the device list now (first use by a page of staff, or after a change)."""
        self._apply(self._read(self.clock()))

    # --- what devices report ---

    def connected(self, sid: str, device_id: int) -> None:
        """A device's socket connected."""
        with self._lock:
            self._sids[sid] = device_id
            dev = self._devices.setdefault(device_id, _Device())
            dev.sockets += 1
            dev.last_seen = self.clock()
            known = device_id in self._meta
            self._dirty = True
            self._touched.add(device_id)
            self._schedule_write(device_id, dev)
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
            self._touched.add(device_id)
            if not dev.sockets:
                self._prompt.add(device_id)  # its last contact is final: write it soon

    def heartbeat(self, device_id: int, page: Any, version: Any) -> dict[str, Any]:
        """A device page says it is alive, which page it shows and which software it runs."""
        with self._lock:
            dev = self._devices.setdefault(device_id, _Device())
            dev.last_seen = dev.beat = self.clock()
            dev.page = page[:PAGE_MAX] if isinstance(page, str) else ""
            # A page sends no version on its first beat: it runs what this server served it.
            dev.version = version[:40] if isinstance(version, str) and version else SERVER_VERSION
            if dev.shown != (True, False):
                self._touched.add(device_id)  # it may be back: say so at the next check
            if (dev.page, dev.version) != dev.written_page:
                self._prompt.add(device_id)
            self._schedule_write(device_id, dev)
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

    def _next_change(self, device_id: int, dev: _Device, state: tuple[bool, bool], limit: float,
                     open_now: bool) -> float | None:
        """The next moment this device's state may change with no news from it (None: none).
        Opening or closing, a new threshold or an edited device list look at every device."""
        if dev.sockets:
            return None  # only its disconnect changes it
        online, alert = state
        moments = []
        if online and dev.beat:
            moments.append(dev.beat + min(limit, 2 * HEARTBEAT_EVERY_S))  # goes offline
        if (not alert and dev.last_seen and open_now
                and self._meta.get(device_id, {}).get("active", False)):
            moments.append(max(dev.last_seen, self.started) + limit)  # falls silent too long
        return min(moments) if moments else None

    def _view(self, device_id: int, dev: _Device, online: bool, alert: bool, now: float) -> dict[str, Any]:
        meta = self._meta.get(device_id, {})
        return {"id": device_id, "name": meta.get("name", ""), "kind": meta.get("kind", ""),
                "zone": meta.get("zone"), "counter": meta.get("counter"), "online": online,
                "alert": alert, "seen_at": _iso(now if dev.sockets else dev.last_seen),
                "page": dev.page, "version": dev.version}

    def views(self) -> dict[int, dict[str, Any]]:
        """Every device heard from: {id: DeviceHealth view} (see docs/contract.md)."""
        now, limit = self.clock(), silent_after(self.ctx)
        # The contacts other processes stored: a device connected to one of them is heard from.
        reading = self._read(now, contacts=True)
        self._apply(reading)
        with self._lock:
            return {i: self._view(i, d, *self._state(i, d, now, limit, reading.open_now), now)
                    for i, d in self._devices.items() if i in self._meta}

    # --- the watch ---

    def check_every(self) -> float:
        """Seconds between two checks: often enough to alert within a quarter of the threshold."""
        return min(5.0, max(0.1, silent_after(self.ctx) / 4))

    def check(self) -> list[Message]:
        """The `device.changed` messages to send: the database is read off the loop, then only
        the devices that reported, left, or reached a deadline are compared with what staff saw."""
        now = self.clock()
        return self.compare(self._read(now), now)

    def compare(self, reading: Reading, now: float) -> list[Message]:
        """Apply a reading and compare the devices that may have changed (the part of a check
        that runs on the event loop)."""
        self._apply(reading)
        limit = silent_after(self.ctx)
        out: list[Message] = []
        with self._lock:
            if reading.open_now != self._open or limit != self._limit:
                self._touched.update(self._devices)  # opening or closing: everyone, once
                self._open, self._limit = reading.open_now, limit
            while self._due and self._due[0][0] <= now:
                moment, device_id = heapq.heappop(self._due)
                dev = self._devices.get(device_id)
                if dev is not None and dev.due == moment:
                    dev.due = None
                    self._touched.add(device_id)
            touched, self._touched = self._touched, set()
            for device_id in touched:
                dev = self._devices.get(device_id)
                if dev is None or device_id not in self._meta:
                    continue
                state = self._state(device_id, dev, now, limit, reading.open_now)
                when = self._next_change(device_id, dev, state, limit, reading.open_now)
                if when is not None and (dev.due is None or when < dev.due):
                    dev.due = when
                    heapq.heappush(self._due, (when, device_id))
                if state != dev.shown:
                    first = dev.shown is None
                    dev.shown = state
                    if first and not state[1] and not state[0]:
                        continue  # offline as before the restart: nothing new to tell
                    out += to_site(self.ctx, DeviceChanged(
                        self._view(device_id, dev, *state, now)).unnumbered())
        return out

    # --- writing last contacts ---

    def _schedule_write(self, device_id: int, dev: _Device) -> None:
        """Put a device in the flush heap if it is not there (called holding the lock)."""
        if dev.flush_at is None:
            dev.flush_at = dev.written + self.flush_every() if dev.written else 0.0
            heapq.heappush(self._flush_due, (dev.flush_at, device_id))

    def due_writes(self, force: bool = False) -> list[tuple[int, str, str, str]]:
        """(device_id, last_seen, page, version) to store: at most every FLUSH_EVERY_S per device,
        at once for a first contact, a disconnect or a new page or version."""
        if not self._loaded:
            self._load()
        now = self.clock()
        rows = []
        with self._lock:
            candidates = set(self._devices) if force else set(self._prompt)
            self._prompt.clear()
            while self._flush_due and self._flush_due[0][0] <= now:
                moment, device_id = heapq.heappop(self._flush_due)
                dev = self._devices.get(device_id)
                if dev is not None and dev.flush_at == moment:
                    dev.flush_at = None
                    candidates.add(device_id)
            for device_id in candidates:
                dev = self._devices[device_id]
                seen = now if dev.sockets else dev.last_seen
                if not seen or device_id not in self._meta:
                    continue
                moved = seen - dev.written
                if (moved > 0 and (force or moved >= self.flush_every() or not dev.sockets)) or (
                        (dev.page, dev.version) != dev.written_page):
                    rows.append((device_id, _iso(seen) or "", dev.page, dev.version))
                    dev.written, dev.written_page = seen, (dev.page, dev.version)
                    # What this process writes it need not read back (only another's news).
                    self._contacts[device_id] = rows[-1][1]
                if dev.sockets or dev.last_seen > dev.written:
                    self._schedule_write(device_id, dev)  # still moving: due again later
        return rows

    def flush_every(self) -> float:
        """Seconds between two writes of a connected device's contact: FLUSH_EVERY_S, or a third
        of a silence threshold under twice that, so the process that checks (perhaps not this
        one) hears of it well before it would call it silent."""
        limit = silent_after(self.ctx)
        return FLUSH_EVERY_S if limit >= 2 * FLUSH_EVERY_S else limit / 3

    def checks_here(self) -> bool:
        """Whether this process runs the alert check (it holds `device-health`, or runs alone)."""
        return self.lease is None or self.lease.held()

    def flush(self, force: bool = False) -> int:
        """Store due last contacts in one write, in a native thread (off the event loop)."""
        rows = self.due_writes(force)
        if rows:
            off_loop(accounts.write_device_health, self.ctx.db, rows, self.ctx.site_id)
        return len(rows)

    def publish_changes(self) -> int:
        """The alert job: check and send the `device.changed` messages; how many. It learns of
        devices connected to other processes from the stored last contacts, so one process per
        deployment may run it (a lease); run in several, each sends the same states (a device's
        whole state, so a repeat changes nothing on a page)."""
        messages = self.check()
        if messages:
            self.ctx.publish(messages)
        return len(messages)

    def watch(self, sleep: Any) -> None:
        """Every check_every() seconds, and within PRESENCE_DELAY_S of a connect or disconnect
        (coalesced, so a reconnect storm of a thousand screens costs a check or two per second,
        not one each): publish_changes(), then flush() (a background task of every process:
        each writes the contacts it heard)."""
        last = self.clock()
        while True:
            sleep(PRESENCE_DELAY_S)
            now = self.clock()
            if not (self._dirty or now - last >= self.check_every()):
                continue
            self._dirty, last = False, now
            try:
                if self.checks_here():  # once per deployment; every process writes contacts
                    self.publish_changes()
                self.flush()
            except Exception:  # a busy database: the next round tries again
                log.exception("device health check failed")

    def start(self, start_task: Any, sleep: Any) -> None:
        """Start the watch once (the first device that reports in starts it)."""
        with self._lock:
            if self._running or not self.watching:
                return
            self._running = True
            self.lease = Lease(self.ctx.db, "device-health", site_id=self.ctx.site_id)
        self.lease.start(start_task, sleep)
        start_task(self.watch, sleep)


class SiteHealth:
    """The server's device health, one DeviceHealth per site (issue 9): a site's devices, its
    calendar, its silence threshold, its `device-health` lease, its supervisors' rooms."""

    def __init__(self, base: Context, watch: bool = True) -> None:
        self.base, self.watch = base, watch  # base: site 1's (the app's) context
        self._sites: dict[int, DeviceHealth] = {}
        self._lock = threading.Lock()

    def of(self, site_id: int | None) -> DeviceHealth:
        """The device health of one site (created on first use; None: site 1's)."""
        sid = DEFAULT_SITE if site_id is None else int(site_id)
        with self._lock:
            found = self._sites.get(sid)
            if found is None:
                found = self._sites[sid] = DeviceHealth(for_site(self.base, sid), watch=self.watch)
            return found

    def disconnected(self, sid: str) -> None:
        """A socket left: the site that counted it forgets it."""
        with self._lock:
            sites = list(self._sites.values())
        for health in sites:
            health.disconnected(sid)
