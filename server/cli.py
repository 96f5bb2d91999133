"""The `xephang` command: run, init, users, devices, sites, day close, backup, restore, audit."""
from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

DEFAULT_DB = "./var/xephang.db"
# Connection limits of the gevent server (README "Running it as a service"): ~1,000 screens hold
# one connection each, kiosks and officers a few hundred more; headroom for reconnect storms.
MAX_CONNECTIONS = 4000
READ_TIMEOUT_S = 60.0  # well above Engine.IO's 10 s ping, so live screens are never cut
FD_RESERVE = 200  # open files besides client connections: the database, printers, logs
MIN_START_FREE_BYTES = 1024 * 1024
DEFER_ACCEPT_S = 5  # how long the kernel holds a connection that has sent nothing
LISTEN_BACKLOG = 4096  # also how many silent new connections the kernel holds for us


# imported lazily so `run` can patch gevent first; with `args`, the site its --site-code names
def _db(path: str, args: argparse.Namespace | None = None):  # noqa: ANN202
    from .store import Database
    db = Database(path)
    db.migrate()
    return db if args is None else _on_site(db, getattr(args, "site_code", None))


def _on_site(db, code: str | None):  # noqa: ANN001, ANN202 - a Database
    """The database as one site sees it (issue 9): the site named by --site-code, by default the
    only one; site 1 is the database itself (every command behaves as before issue 9)."""
    from .services.errors import UseCaseError
    from .store import sites as site_rows
    from .store.scope import SiteDatabase
    with db.read() as conn:
        sites = site_rows.list_sites(conn)
    if code is None:
        if len(sites) > 1:
            raise SystemExit(_refused(UseCaseError("site_code_needed", 400, n=len(sites))))
        return db
    found = next((s for s in sites if s["code"] == code), None)
    if found is None:
        raise SystemExit(_refused(UseCaseError("site_code_unknown", 404, site=code)))
    return db if int(found["id"]) == 1 else SiteDatabase(db, int(found["id"]))


def _print_setup(made, url: str, devices_file: Path) -> None:  # noqa: ANN001
    print("\n=== xephang: demo site loaded (first run) ===")
    print(f"Demo password for every demo account: {made.password}")
    print("  quantri  (admin)        giamsat  (supervisor)")
    print("  canbo1 … canbo67 (officer of that counter; canbo17 also has counter 18)")
    print("Device pairing links (open on the device once):")
    shown = 0
    for name, kind, zone, counter, token in made.devices:
        if kind in ("kiosk", "display") or name in ("counter-17", "counter-18"):
            print(f"  {name:<12} {kind:<8} {url}/pair?token={token}")
            shown += 1
    print(f"  ({len(made.devices) - shown} more counter displays: every token is in {devices_file})")
    print("=============================================\n", flush=True)


def _data_folder(location: str) -> Path:
    """Where files that belong with the database go: beside a SQLite file; for PostgreSQL (no
    folder of its own) this process's private runtime folder."""
    from .store.location import is_postgres
    if is_postgres(location):
        from printers.runtime import runtime_dir
        return runtime_dir()
    return Path(location).parent


def _write_demo_file(db_path: str, made) -> Path:  # noqa: ANN001
    path = _data_folder(db_path) / "demo-devices.txt"
    lines = [f"demo password: {made.password}"]
    lines += [f"{name}\t{kind}\t{zone or ''}\t{counter or ''}\t{token}"
              for name, kind, zone, counter, token in made.devices]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def _say(code: str, **params: object) -> str:
    """A CLI message in the operator's language (LANG=vi… or en…; Vietnamese by default)."""
    from .i18n import message, pick_lang
    return message(code, pick_lang(os.environ.get("LANG", "").replace("_", "-")), **params)


def _listen(host: str, port: int):  # noqa: ANN202 - a socket.socket
    """The server's listening socket with TCP_NODELAY, bound before anything else starts, so a busy
    port is one clear line rather than a traceback after the start-up work."""
    import socket
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        listener.bind((host, port))
    except OSError:
        listener.close()
        raise
    # A connection that has sent nothing yet stays with the kernel (Linux TCP_DEFER_ACCEPT) until
    # its first byte: thousands of idle ones just opened cost the loop nothing, and a request is
    # accepted at once instead of queueing behind them (bench_stall (d1)). The kernel still hands
    # a silent one over after DEFER_ACCEPT_S, and then the read timeout closes it.
    if hasattr(socket, "TCP_DEFER_ACCEPT"):
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, DEFER_ACCEPT_S)
    listener.listen(LISTEN_BACKLOG)  # the kernel caps it at net.core.somaxconn
    return listener


def _pairing_base(db) -> str:  # noqa: ANN001
    """Where devices reach the server, for links printed outside `run`: the site's public_url,
    else the address the server last served at, else the default port on this machine."""
    from .store import site as site_rows
    with db.read() as conn:
        public = (site_rows.get_setting(conn, "site") or {}).get("public_url")
        served = site_rows.get_setting(conn, "served_url")
    return str(public or served or "http://127.0.0.1:5000").rstrip("/")


def _reachable_url(db, host: str, port: int) -> str:  # noqa: ANN001
    """The address devices use in their pairing links: the site's public_url, else this host.

    Listening on 0.0.0.0 means every interface; a kiosk cannot open http://0.0.0.0/, so name the
    machine's own address instead.
    """
    import socket

    from .store import site as site_rows
    with db.read() as conn:
        public = (site_rows.get_setting(conn, "site") or {}).get("public_url")
    if public:
        return str(public).rstrip("/")
    if host in ("0.0.0.0", "::", ""):
        found: set[str] = set()
        try:
            found = {str(a[4][0]) for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
        except OSError:
            pass
        outside = sorted(a for a in found if not a.startswith("127."))
        if not outside:
            print("note: pairing links use 127.0.0.1; set public_url in [site] of the site file to "
                  "the address kiosks and screens reach this server at", file=sys.stderr)
        host = outside[0] if outside else "127.0.0.1"
    return f"http://{host}:{port}"


def _why_unwritable(exc: BaseException) -> str:
    """One line saying why the database cannot be written (no traceback)."""
    from .store import Busy, StorageFull, StorageReadOnly
    if isinstance(exc, StorageFull) or getattr(exc, "errno", None) == errno.ENOSPC:
        return "the disk is full"
    if isinstance(exc, StorageReadOnly) or getattr(exc, "errno", None) in (errno.EROFS,
                                                                           errno.EACCES, errno.EPERM):
        return "the database or its folder is read-only or not ours to write"
    if isinstance(exc, Busy):
        return "another process holds the database's write lock"
    return str(exc)


def _import_socketio_server_only(message_queue: bool = False) -> None:
    """Import Flask-SocketIO without the Socket.IO *client* libraries it pulls in (requests,
    websocket-client, aiohttp: ~1 s of the server's start-up for clients it never uses), nor the
    Redis client (~0.3 s) unless a message queue is used.
    python-socketio imports them only if it can; they stay importable for later code."""
    names = ("aiohttp", "requests", "websocket") + (() if message_queue else ("redis", "valkey"))
    blocked = [n for n in names if n not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" → ImportError
    try:
        import flask_socketio  # noqa: F401
    finally:
        for name in blocked:
            if sys.modules.get(name) is None:
                del sys.modules[name]


def cmd_run(args: argparse.Namespace) -> int:
    """Start the server (first run on an empty database loads the demo site)."""
    if args.async_mode == "gevent":
        from gevent import monkey
        monkey.patch_all()
    from .store.location import BadLocation, check
    try:  # reached only now: psycopg picks its gevent-friendly wait when imported after the patch
        check(args.db)
    except BadLocation as exc:
        return _refused(exc)
    _import_socketio_server_only(bool(args.message_queue))
    from .app import create_app
    from .realtime import socketio
    from .services import tickets
    from .setup import initialize
    from .store import StoreError
    from .store import site as site_rows
    from .store.backup import hold_server_lock
    from .store.db import free_bytes
    from .store.location import is_postgres
    try:
        # Checked first so a busy port is told before the start-up work; the socket is closed
        # again so connections are refused (not left hanging) while the demo site loads.
        _listen(args.host, args.port).close()
    except OSError:
        print(_say("port_busy", port=args.port, other=args.port + 1), file=sys.stderr)
        return 1
    if args.message_queue and (why := message_queue_problem(args.message_queue)):
        print(_say("message_queue_unreachable", url=args.message_queue, why=why), file=sys.stderr)
        return 2
    from .web.proxies import TRUSTED_PROXIES_ENV, trusted_networks
    try:  # issue 10: a mistyped proxy list would silently limit the whole city as one address
        trusted_networks(os.environ.get(TRUSTED_PROXIES_ENV))
    except ValueError as exc:
        print(_say("trusted_proxies_invalid", entry=str(exc)), file=sys.stderr)
        return 2
    try:
        if not is_postgres(args.db):  # a file store: its folder, its restore lock, its disk
            Path(args.db).parent.mkdir(parents=True, exist_ok=True)
            # Held for the life of the process: `xephang restore` refuses while it is held.
            args.server_lock = hold_server_lock(args.db, lambda: print(
                f"waiting for the restore of {args.db} to finish…", file=sys.stderr, flush=True))
        db = _db(args.db)
        db.probe_write()  # a database we can read but not write would answer 503 to every kiosk
        if not is_postgres(args.db) and free_bytes(Path(args.db).parent) < MIN_START_FREE_BYTES:
            raise OSError(errno.ENOSPC, "no space left on the device")
        made = initialize(db, args.site, demo=True,
                          demo_password=os.environ.get("XEPHANG_DEMO_PASSWORD"))
        url = _reachable_url(db, args.host, args.port)
        with db.write() as conn:  # what `device add` prints in pairing links while this server runs
            site_rows.set_setting(conn, "served_url", url)
        demo_file = _data_folder(args.db) / "demo-devices.txt"
        if made is not None and made.devices:
            _print_setup(made, url, _write_demo_file(args.db, made))
        elif demo_file.exists():
            print(_say("demo_password_where", path=demo_file), flush=True)
        app = create_app({"DB": args.db, "ASYNC_MODE": args.async_mode,
                          "MESSAGE_QUEUE": args.message_queue})
        db.close()  # the app has its own pool: this one's connection would stay open (issue 9 cap)
        ctx = app.extensions["xephang"]
        from .services.context import every_site
        for site_ctx in every_site(ctx):  # issue 9: every site's earlier days
            tickets.close_day(site_ctx, summaries=False)  # summaries: off the event loop, below
    except (StoreError, OSError) as exc:
        print(f"xephang: cannot start: {_why_unwritable(exc)} (database {args.db})", file=sys.stderr)
        return 2

    def close_days_forever(nap) -> None:  # noqa: ANN001 - sleeps, then waits for the lease
        from .services.offload import off_loop
        from .services.reports import summarize_closed_days
        while True:
            try:  # report summaries of closed days (at start-up: all days already past)
                for site_ctx in every_site(ctx):
                    off_loop(summarize_closed_days, site_ctx)
            except Exception as exc:  # keep serving; the next round tries again
                print(f"report summaries failed: {exc}", file=sys.stderr)
            nap(300)
            try:
                for site_ctx in every_site(ctx):
                    tickets.close_day(site_ctx, pause=lambda: socketio.sleep(0.01),
                                      summaries=False)
            except Exception as exc:  # keep serving; the next round tries again
                print(f"day close failed: {exc}", file=sys.stderr)

    # Jobs of the whole deployment run on one process only: the holder of their lease.
    from .services.leases import Lease, run_singleton
    run_singleton(Lease(ctx.db, "day-close"), socketio.start_background_task, socketio.sleep,
                  close_days_forever)
    from .services import closures  # screens learn when a service reopens or closes by itself
    say_error = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    run_singleton(Lease(ctx.db, "open-state-watch"), socketio.start_background_task, socketio.sleep,
                  lambda nap: closures.watch_forever(ctx, nap, say_error))
    from .services import holidays  # this year's and next year's public holidays, by itself:
    holidays.import_every_site(ctx, say_error)  # before serving (first pages see them), hourly
    run_singleton(Lease(ctx.db, "holidays"), socketio.start_background_task, socketio.sleep,
                  lambda nap: holidays.watch_forever(ctx, nap, say_error))
    start_daily_backups(ctx, args)
    from .services import notify  # citizens' SMS (issue 10): sent from the outbox, retried
    run_singleton(Lease(ctx.db, "notify"), socketio.start_background_task, socketio.sleep,
                  lambda nap: notify.run_forever(ctx, nap, say_error))
    # Everything loaded so far lives as long as the process: keep it out of the collector's
    # full passes, which otherwise stall the event loop for tens of ms with many screens.
    import gc
    gc.collect()
    gc.freeze()
    if args.async_mode == "gevent":
        try:
            listener = _listen(args.host, args.port)
        except OSError:  # taken by another program during the start-up
            print(_say("port_busy", port=args.port, other=args.port + 1), file=sys.stderr)
            return 1
        print(f"xephang serving on {url} (database {args.db}, {args.async_mode})", flush=True)
        serve_gevent(app, args.host, args.port, args.access_log, args.max_connections,
                     args.read_timeout, listener)
    else:
        print(f"xephang serving on {url} (database {args.db}, {args.async_mode})", flush=True)
        socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True,
                     log_output=args.access_log)
    return 0


def message_queue_problem(url: str) -> str | None:
    """Why the message queue at `url` cannot be used (None: it answers); imports redis only
    when a message queue is given."""
    from urllib.parse import urlsplit
    if urlsplit(url).scheme not in ("redis", "rediss"):
        return "not a redis:// URL"
    try:
        import redis
    except ImportError:
        return "the redis package is not installed (pip install 'xephang[city]')"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:  # refused, unknown host, auth, wrong db: one line, no traceback
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def start_daily_backups(ctx, args: argparse.Namespace) -> None:  # noqa: ANN001
    """Back the database up every day at the planned time, off the event loop.

    The copy runs in a native thread (gevent's thread pool) and sleeps between its steps, so
    requests keep their share of the disk; the loop only waits for it to end.
    """
    import time as _time

    from .realtime import socketio
    from .services import backups
    from .services.context import now_local
    try:
        plan = backups.plan_from(ctx.site.info, args.db, args.backup_time, args.backup_keep_days,
                                 args.backup_dir)
    except ValueError as exc:
        raise SystemExit(f"backup settings: {exc}") from None
    if plan is None:
        return
    real_sleep = _time.sleep
    run_off_loop = None
    if args.async_mode == "gevent":
        import gevent
        from gevent import monkey
        real_sleep = monkey.get_original("time", "sleep")
        run_off_loop = gevent.get_hub().threadpool.apply

    def take() -> str:
        r = backups.daily_backup(plan, now_local(), pause=lambda: real_sleep(0.005))
        return f"backup {r.path}: {r.size / 1e6:.1f} MB in {r.seconds:.1f} s"

    def backups_forever(nap) -> None:  # noqa: ANN001 - sleeps, then waits for the lease
        while True:
            due = backups.next_run(plan, now_local())
            while (left := (due - now_local()).total_seconds()) > 0:
                nap(min(left, 60))  # re-read the clock: it may be set meanwhile
            try:
                print(run_off_loop(take) if run_off_loop else take(), flush=True)
            except Exception as exc:  # keep serving; tomorrow's backup tries again
                print(f"daily backup failed: {exc}", file=sys.stderr, flush=True)

    print(f"daily backup at {plan.at:%H:%M} into {plan.folder} (kept {plan.keep_days} days)")
    from .services.leases import Lease, run_singleton
    run_singleton(Lease(ctx.db, "daily-backup"), socketio.start_background_task, socketio.sleep,
                  backups_forever)


def _fd_budget(wanted: int) -> int:
    """Raise this process's open-file limit toward the hard limit; the connections it allows."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else max(soft, min(hard, wanted + FD_RESERVE))
    if target != soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return max(16, min(wanted, target - FD_RESERVE))


def serve_gevent(app, host: str, port: int, access_log: bool,  # noqa: ANN001
                 max_connections: int = MAX_CONNECTIONS, read_timeout: float = READ_TIMEOUT_S,
                 listener=None) -> None:  # noqa: ANN001
    """Serve HTTP and WebSocket under gevent on a listener with TCP_NODELAY, with limits.

    gevent's server writes a response's headers and body in separate sends; with Nagle's algorithm
    and delayed ACKs each request then stalled ~40 ms (measured here: 44 ms median for a GET).
    Accepted sockets inherit TCP_NODELAY from the listener on Linux. (Our handler, web/
    gevent_handler.py, now sends a small answer's headers and body together; big ones still go
    in two sends.)

    Limits: at most `max_connections` connections are served at once (more wait in the kernel's
    backlog, so a flood cannot use up the open-file limit), and a connection that sends nothing for
    `read_timeout` seconds (idle keep-alive, half-sent request) is closed. Socket.IO screens are not
    idle: Engine.IO pings every 10 s.
    """
    from gevent import pywsgi
    from gevent.pool import Pool
    from gevent.socket import wait_read

    from .web.gevent_handler import Handler  # small answers in one send

    class LimitedServer(pywsgi.WSGIServer):
        def handle(self, sock, address):  # noqa: ANN001, ANN202
            # A connection costs its handler (buffers, objects) only once it sends something:
            # a flood of idle ones is accepted faster and holds less (bench_stall (d)).
            try:
                wait_read(sock.fileno(), timeout=read_timeout, timeout_exc=TimeoutError)
            except TimeoutError:
                return  # silent for read_timeout: the server closes it
            sock.settimeout(read_timeout)
            super().handle(sock, address)

    allowed = _fd_budget(max_connections)
    if allowed < max_connections:
        print(f"note: open-file limit allows {allowed} connections, not {max_connections}; raise "
              "LimitNOFILE (deploy/xephang.service)", file=sys.stderr)
    if listener is None:
        listener = _listen(host, port)
    LimitedServer(listener, app, handler_class=Handler, spawn=Pool(allowed),
                  log="default" if access_log else None).serve_forever()


def cmd_init(args: argparse.Namespace) -> int:
    """Create the database and load a site (or reload the site config with --reload)."""
    from .setup import initialize, reload_site
    db = _db(args.db, args)
    if args.reload:
        from .services.errors import UseCaseError
        try:
            retired = reload_site(db, args.site)
        except UseCaseError as exc:  # it would strand today's tickets: nothing was changed
            print(_say(exc.code, **exc.params), file=sys.stderr)
            return 1
        print(_say("site_reloaded", path=args.site))
        for table, keys in retired.items():
            print(_say(f"site_reload_retired_{table}", keys=", ".join(map(str, keys))))
        return 0
    # demo accounts are site 1's: usernames are unique in the whole deployment
    made = initialize(db, args.site, demo=not args.no_demo and getattr(db, "site_id", 1) == 1,
                      demo_password=os.environ.get("XEPHANG_DEMO_PASSWORD"))
    from .services.context import Context
    from .services.holidays import import_upcoming_holidays
    for year, days in import_upcoming_holidays(Context.open(db)).items():
        print(_say("holidays_added", year=year, n=len(days)))
    if made is None:
        print(f"{args.db} already has a site (use --reload to replace its config)")
    elif made.devices:
        _print_setup(made, _pairing_base(db), _write_demo_file(args.db, made))
    else:
        print(f"initialized {args.db}")
    return 0


def cmd_site_export(args: argparse.Namespace) -> int:
    """Write the live site configuration as a site file (standard output by default)."""
    from .services.admin.site_config import export_toml
    from .services.auth import CLI
    from .services.context import Context
    db = _db(args.db, args)
    text = export_toml(Context.open(db), CLI)
    if not args.to or args.to == "-":
        sys.stdout.write(text)
        return 0
    tmp = Path(args.to).with_name(f".{Path(args.to).name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, args.to)  # a reader never sees half a file
    print(f"site configuration written to {args.to}", file=sys.stderr)
    return 0
def _refused(exc) -> int:  # noqa: ANN001 - a UseCaseError (or BadLocation: a code and params)
    """Print a refused use case's message (the operator's language, and English) and exit 2."""
    from .i18n import message
    text = _say(exc.code, **exc.params)
    english = message(exc.code, "en", **exc.params)
    print(text if text == english else f"{text} ({english})", file=sys.stderr)
    return 2


# a Context on the database (the site --site-code names), for the admin use cases
def _admin_ctx(db_path: str, args: argparse.Namespace | None = None):  # noqa: ANN202
    from .services.context import Context
    return Context.open(_db(db_path, args))


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create or update a user; the password comes from stdin (same use case as /admin/users)."""
    from .services.admin import users
    from .services.auth import CLI
    from .services.errors import UseCaseError
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else ""
    data = {"role": args.role, "counters": args.counters, "display_name": args.display_name or args.name}
    try:
        if not password:
            raise UseCaseError("password_weak", 400, field="password", n=users.MIN_PASSWORD)
        if getattr(args, "city", False):  # issue 9: a city-level account (site NULL)
            from .services import city
            if args.role not in city.CITY_ROLES:
                raise UseCaseError("role_invalid", 400, field="role")
            ctx = _admin_ctx(args.db)
            users.save_user(ctx, CLI, args.name, data, password)
            city.make_city_account(ctx, CLI, args.name)
        else:
            users.save_user(_admin_ctx(args.db, args), CLI, args.name, data, password)
    except UseCaseError as exc:
        return _refused(exc)
    print(f"user {args.name} ({args.role}) saved")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    """List users."""
    from .services.admin import users
    from .services.auth import CLI
    for u in users.list_users(_admin_ctx(args.db, args), CLI):
        state = "active" if u["active"] else "removed"
        print(f"{u['username']}\t{u['role']}\t{','.join(map(str, u['counters']))}\t"
              f"{u['display_name']}\t{state}")
    return 0


def cmd_device_add(args: argparse.Namespace) -> int:
    """Register a device; prints its pairing link and, on the last line, its token."""
    from .services.admin import devices
    from .services.auth import CLI
    from .services.errors import UseCaseError
    data = {"kind": args.kind, "zone": args.zone, "counter": args.counter, "printer": args.printer,
            "paper": args.paper}
    ctx = _admin_ctx(args.db, args)
    try:
        made = devices.save_device(ctx, CLI, args.name, data, args.url or _pairing_base(ctx.db))
    except UseCaseError as exc:
        return _refused(exc)
    print(f"device {args.name} ({args.kind}) saved")
    print(f"pairing link: {made['pair_url']}")
    print(made["token"])
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    """List devices (tokens are stored hashed and cannot be shown)."""
    from .services.admin import devices
    from .services.auth import CLI
    for d in devices.list_devices(_admin_ctx(args.db, args), CLI):
        state = "active" if d["active"] else "removed"
        print(f"{d['name']}\t{d['kind']}\t{d['zone'] or ''}\t{d['counter'] or ''}\t"
              f"{d['printer'] or ''}\t{state}")
    return 0


def cmd_user_remove(args: argparse.Namespace) -> int:
    """Stop a user from logging in; their API tokens stop working at once."""
    from .services.admin import users
    from .services.auth import CLI
    from .services.errors import UseCaseError
    ctx = _admin_ctx(args.db, args)
    try:
        if not any(u["username"] == args.name and u["active"] for u in users.list_users(ctx, CLI)):
            print(f"no active user {args.name}", file=sys.stderr)
            return 2
        users.set_active(ctx, CLI, args.name, False)
    except UseCaseError as exc:
        return _refused(exc)
    print(f"user {args.name} can no longer log in")
    return 0


def cmd_device_remove(args: argparse.Namespace) -> int:
    """Revoke a device's token; it must be paired again with a new one."""
    from .services.admin import devices
    from .services.auth import CLI
    from .services.errors import UseCaseError
    try:
        devices.revoke_device(_admin_ctx(args.db, args), CLI, args.name)
    except UseCaseError as exc:
        if exc.code == "device_not_found":
            print(f"no active device {args.name}", file=sys.stderr)
            return 2
        return _refused(exc)
    print(f"device {args.name} revoked")
    return 0


def cmd_site_add(args: argparse.Namespace) -> int:
    """Add a site (a ward centre) to this deployment; audited."""
    from .services import sites
    from .services.auth import CLI
    from .services.errors import UseCaseError
    try:
        site = sites.add_site(_admin_ctx(args.db), CLI, args.code, args.name, args.name_en,
                              args.timezone)
    except UseCaseError as exc:
        return _refused(exc)
    print(f"site {site['code']} added (id {site['id']})")
    return 0


def cmd_site_list(args: argparse.Namespace) -> int:
    """List the sites of this deployment."""
    from .services import sites
    from .services.auth import CLI
    for s in sites.list_sites(_admin_ctx(args.db), CLI):
        print(f"{s['id']}\t{s['code']}\t{s['name']}\t{s['name_en']}\t{s['timezone']}")
    return 0


def cmd_day_close(args: argparse.Namespace) -> int:
    """Close tickets of earlier service days still open, as not served, and write the report
    summaries of the days closed."""
    from .services.auth import CLI
    from .services.context import Context
    from .services.tickets import close_day
    ctx = Context.open(_db(args.db, args))
    # In a deployment, screens hear the closed tickets: the running servers' relay sends them.
    ctx.log_messages = bool(args.message_queue)
    n = close_day(ctx, "cli", actor=CLI, summaries=False)
    print(f"closed {n} ticket(s) of earlier days as not served")
    from .services.reports import summarize_closed_days
    print(f"wrote the report summaries of {summarize_closed_days(ctx)} day(s)")
    return 0


def cmd_calendar_import(args: argparse.Namespace) -> int:
    """Add a year's public holidays of Việt Nam (lunar dates computed) to the calendar."""
    from .services import closures
    from .services.auth import CLI
    from .services.context import Context
    from .services.errors import UseCaseError
    from .i18n import message
    try:
        done = closures.import_holidays(Context.open(_db(args.db, args)), CLI, args.year)
    except UseCaseError as exc:
        print(message(exc.code, "en", **exc.params), file=sys.stderr)
        return 2
    for d in done["added"]:
        print(f"{d['date']}  {d['name']}")
    print(f"{len(done['added'])} holiday(s) added, {len(done['skipped'])} date(s) already in the calendar")
    return 0


def cmd_calendar_list(args: argparse.Namespace) -> int:
    """Print a year's calendar: holidays, compensating working days, closures."""
    from .services import closures
    from .services.auth import CLI
    from .services.context import Context
    year = closures.calendar_year(Context.open(_db(args.db, args)), CLI, args.year)
    for d in year["days"]:
        units = f" [{', '.join(d['units'])}]" if d["units"] else ""
        print(f"{d['date']}  {d['kind']:<8} {d['name']}{units}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the database, online and consistent, to a verified file."""
    from .store.backup import BackupError, backup
    from .store.location import is_postgres
    if not is_postgres(args.db) and not Path(args.db).is_file():
        print(f"no database at {args.db}", file=sys.stderr)
        return 2
    try:
        if is_postgres(args.db):  # pg_dump -Fc, checked by pg_restore --list (store/pg_backup.py)
            from .store import pg_backup
            r = pg_backup.backup(args.db, args.to)
        else:
            r = backup(args.db, args.to, full_check=not args.quick_check)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    from .store.location import redact
    print(f"backup of {redact(args.db)} written to {r.path} ({r.size / 1e6:.1f} MB, "
          f"{r.seconds:.1f} s, verified)")
    print(_phone_key_note(args.db))  # issue 10: the key is kept outside the database, by design
    _note("database.backup", args.db, {"to": str(r.path), "size_mb": round(r.size / 1e6, 1)})
    return 0


def _phone_key_note(db_path: str) -> str:
    """Where the phone key (and the VAPID key) are, to keep apart from the backup."""
    from .services import phone_vault
    from .services.notify import push
    if os.environ.get(phone_vault.KEY_ENV, "").strip():
        return _say("backup_phone_key_env", env=phone_vault.KEY_ENV)
    db = _db(db_path)
    return _say("backup_keep_phone_key", path=phone_vault.key_path(db).resolve(),
                vapid=push.key_path(db).resolve())


def _note(kind: str, db_path: str, after: dict) -> None:  # type: ignore[type-arg]
    """Put a CLI command on the audit trail; a database we cannot write only earns a warning
    (the command itself has succeeded)."""
    from .services.audit import record_alone
    from .services.auth import CLI
    from .store import StoreError
    try:
        record_alone(_db(db_path), CLI, kind, "database", None, after)
    except (StoreError, OSError) as exc:
        print(f"note: not recorded on the audit trail: {_why_unwritable(exc)}", file=sys.stderr)


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the database with a backup (refused while a server runs on it)."""
    from .services.context import now_local
    from .store.backup import BackupError, DatabaseInUse, restore
    from .store.location import is_postgres, redact
    try:
        if is_postgres(args.db):  # pg_restore into the same database (store/pg_backup.py)
            from .store import pg_backup
            kept = pg_backup.restore(args.from_, args.db, now_local())
        else:
            kept = restore(args.from_, args.db, now_local())
    except DatabaseInUse as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 3
    except BackupError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 2
    print(f"restored {redact(str(args.db))} from {args.from_}" +
          (f"; the replaced database is kept as {kept}" if kept else ""))
    # On the restored database's own trail: its entries stop at the backup, then say this.
    _note("database.restore", args.db, {"from": str(args.from_), "kept": str(kept) if kept else None})
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Show the audit trail, newest first (or write it all as CSV, UTF-8 with BOM)."""
    from .i18n import message, pick_lang
    from .services import audit_trail
    from .services.auth import CLI
    from .services.context import Context
    from .services.errors import UseCaseError
    lang = pick_lang(os.environ.get("LANG", "").replace("_", "-"))
    ctx = Context.open(_db(args.db, args))
    try:
        filters = audit_trail.parse_filters({
            "actor": audit_trail.actor_key(ctx, args.actor) if args.actor else None,
            "kind": args.kind, "from": args.since, "to": args.until, "limit": str(args.limit)})
    except UseCaseError as exc:
        print(message(exc.code, lang, **exc.params), file=sys.stderr)
        return 2
    if args.csv:
        for chunk in audit_trail.audit_csv(ctx, CLI, filters, lang):
            sys.stdout.buffer.write(chunk.encode("utf-8"))
        sys.stdout.flush()
        return 0
    for line in audit_trail.text_lines(ctx, CLI, filters, lang):
        print(line)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """Simulate service days of a scenario on the real engine; print a table or JSON."""
    import json

    from .i18n import message, pick_lang
    from .simulate.report import text
    from .simulate.runner import simulate
    from .simulate.scenario import Scenario, ScenarioError, read_scenario
    from .simulate.site_source import SiteSource, from_database, from_file
    lang = pick_lang(os.environ.get("LANG", "").replace("_", "-"))

    def load(path: str) -> tuple[Scenario, SiteSource]:
        sc = read_scenario(path)
        if sc.site is not None:
            return sc, from_file(sc.site if Path(sc.site).is_absolute() else sc.base / sc.site)
        db = args.db or os.environ.get("XEPHANG_DB", DEFAULT_DB)
        live = from_database(db) if Path(db).exists() else None
        if live is None or not live.site.services:
            raise ScenarioError("scenario_no_site", path=db)
        return sc, live

    try:
        sc, src = load(args.scenario)
        if args.compare:
            from .simulate.report import compare_text
            other = simulate(*load(args.compare))
            result = simulate(sc, src)
            print(json.dumps({"a": result, "b": other}, ensure_ascii=False, indent=1) if args.json
                  else compare_text(result, other, args.scenario, args.compare))
            return 0
        if args.plan:
            from .simulate.planner import plan_unit
            from .simulate.report import plan_text
            if not 0 < args.within <= 1:
                raise ScenarioError("scenario_bad_number", key="--within", value=str(args.within))
            planned = plan_unit(sc, src, args.plan, args.within)
            print(json.dumps(planned, ensure_ascii=False, indent=1) if args.json else plan_text(planned))
            return 0
        result = simulate(sc, src)
    except ScenarioError as exc:
        print(message(exc.code, lang, **exc.params), file=sys.stderr)
        return 2
    if args.chart:
        from .simulate.chart import queue_svg
        colors = {code: str(u.get("color", "#555")) for code, u in src.site.units.items()}
        Path(args.chart).write_text(queue_svg(result, colors, f"People waiting per unit — {args.scenario}"),
                                    encoding="utf-8")
    if args.csv:
        import csv

        from .simulate.report import csv_rows
        csv.writer(sys.stdout, lineterminator="\n").writerows(csv_rows(result))
        return 0
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else text(result))
    return 0


def cmd_drill(args: argparse.Namespace) -> int:
    """Drive a running server with a scenario's citizens and officers, in accelerated time."""
    import json

    from .i18n import message, pick_lang
    from .simulate.drill import DrillError, Server, drill
    from .simulate.inputs import resolve
    from .simulate.scenario import ScenarioError, read_scenario
    from .simulate.site_source import from_file
    lang = pick_lang(os.environ.get("LANG", "").replace("_", "-"))
    try:
        sc = read_scenario(args.scenario)
        if sc.site is None:
            raise ScenarioError("scenario_missing", key="site")
        src = from_file(sc.site if Path(sc.site).is_absolute() else sc.base / sc.site)
        kiosk = Path(args.kiosk_token_file).read_text(encoding="utf-8").strip()
        officers = {int(n): tok for n, tok in (line.split() for line in Path(args.officer_tokens).read_text(
            encoding="utf-8").splitlines() if line.strip())}
        result = drill(resolve(sc, src), src.site, Server(args.server, kiosk, officers), sc.seed, args.speed)
    except ScenarioError as exc:
        print(message(exc.code, lang, **exc.params), file=sys.stderr)
        return 2
    except (OSError, ValueError, DrillError) as exc:
        print(f"xephang drill: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def cmd_migrate_to(args: argparse.Namespace) -> int:
    """Copy a building's SQLite file into an empty PostgreSQL database (issue 9)."""
    from .store.location import BadLocation, check, is_postgres
    from .store.transfer import TransferError, copy_to_postgres
    if is_postgres(args.db) or not is_postgres(args.to):
        return _refused(TransferError("migrate_to_direction"))
    try:
        check(args.to, reach=True)
    except BadLocation as exc:
        return _refused(exc)
    if args.site_code:  # issue 9: a building's file becomes a new site of the city's database
        return _import_site(args)
    try:
        result = copy_to_postgres(args.db, args.to, batch=args.batch, progress=lambda t, n: print(
            f"  {t}: {n} rows", flush=True) if args.verbose else None)
    except TransferError as exc:
        return _refused(exc)
    from .store.location import redact
    print(f"copied {result.total} rows in {len(result.rows)} tables from {args.db} to "
          f"{redact(args.to)}")
    return 0


def _import_site(args: argparse.Namespace) -> int:
    """migrate-to --site-code: add the SQLite file to a PostgreSQL deployment as a new site."""
    from .services.sites import CODE
    from .store.location import redact
    from .store.site_import import import_site
    from .store.transfer import TransferError
    if not CODE.fullmatch(args.site_code):
        return _refused(TransferError("site_code_bad", site=args.site_code))
    try:
        site_id, result = import_site(args.db, args.to, args.site_code, batch=args.batch,
                                      progress=lambda t, n: print(f"  {t}: {n} rows", flush=True)
                                      if args.verbose else None)
    except TransferError as exc:
        return _refused(exc)
    from .services.audit import record_alone
    from .services.auth import CLI
    from .store import Database
    from .store.scope import SiteDatabase
    target = Database(args.to)
    try:  # the new site's trail starts with its arrival (the file's own trail came with it)
        record_alone(SiteDatabase(target, site_id), CLI, "site.import",  # type: ignore[arg-type]
                     f"site:{args.site_code}", None,
                     {"file": Path(args.db).name, "rows": result.total})
    finally:
        target.close()
    print(f"imported {result.total} rows in {len(result.rows)} tables from {args.db} to "
          f"{redact(args.to)} as site {args.site_code} (id {site_id})")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="xephang", description="Queue system for the HCMC Public "
                                "Administrative Service Center")
    sub = p.add_subparsers(dest="command", required=True)

    def with_db(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--db", default=os.environ.get("XEPHANG_DB", DEFAULT_DB),
                        help=f"database file (default {DEFAULT_DB})")
        sp.add_argument("--message-queue", default=os.environ.get("XEPHANG_MESSAGE_QUEUE") or None,
                        help="redis://host:6379/0: join the processes of one deployment (screens "
                             "hear every process's events); default: none, one process")
        return sp

    def on_site(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--site-code", default=None, metavar="CODE",
                        help="the site this command acts on (see `xephang site list`); default: "
                             "the only site (--site is a site file)")
        return sp

    run = with_db(sub.add_parser("run", help="start the server"))
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=5000)
    run.add_argument("--site", default=None, help="site file for a new database (default: demo)")
    run.add_argument("--async-mode", default="gevent", choices=("gevent", "threading"))
    run.add_argument("--access-log", action="store_true")
    run.add_argument("--max-connections", type=int, default=MAX_CONNECTIONS,
                     help=f"connections served at once (default {MAX_CONNECTIONS})")
    run.add_argument("--read-timeout", type=float, default=READ_TIMEOUT_S,
                     help=f"close a connection silent this many seconds (default {READ_TIMEOUT_S:g})")
    run.add_argument("--backup-time", default=None,
                     help="daily backup time HH:MM or off (default: [site] backup_time, else 18:30)")
    run.add_argument("--backup-keep-days", type=int, default=None,
                     help="days of daily backups kept (default: [site] backup_keep_days, else 14)")
    run.add_argument("--backup-dir", default=None,
                     help="folder of the daily backups (default: [site] backup_dir, else "
                     "backups/ beside the database)")
    run.set_defaults(func=cmd_run)

    init = on_site(with_db(sub.add_parser("init", help="create the database and load the site")))
    init.add_argument("--site", default=None)
    init.add_argument("--reload", action="store_true", help="replace the site config of an existing db")
    init.add_argument("--no-demo", action="store_true", help="no demo accounts and devices")
    init.set_defaults(func=cmd_init)

    user = sub.add_parser("user", help="officers, supervisors, admins").add_subparsers(
        dest="user_command", required=True)
    ua = on_site(with_db(user.add_parser("add")))
    ua.add_argument("name")
    ua.add_argument("--role", required=True)
    ua.add_argument("--counters", default="")
    ua.add_argument("--display-name", default="")
    ua.add_argument("--password-stdin", action="store_true")
    ua.add_argument("--city", action="store_true",
                    help="a city-level account (admin or supervisor): sees every site, acts for "
                         "one with ?site=CODE, reads the city report")
    ua.set_defaults(func=cmd_user_add)
    on_site(with_db(user.add_parser("list"))).set_defaults(func=cmd_user_list)
    ur = on_site(with_db(user.add_parser("remove", help="stop a user from logging in")))
    ur.add_argument("name")
    ur.set_defaults(func=cmd_user_remove)

    device = sub.add_parser("device", help="kiosks, screens, counter tablets").add_subparsers(
        dest="device_command", required=True)
    da = on_site(with_db(device.add_parser("add")))
    da.add_argument("name")
    da.add_argument("--kind", required=True)
    da.add_argument("--zone", default=None)
    da.add_argument("--counter", type=int, default=None)
    da.add_argument("--printer", default=None, help="tcp://host:9100, usb://VID:PID, serial://…, "
                    "file://…, virtual")
    da.add_argument("--paper", default="80mm", choices=("80mm", "58mm"))
    da.add_argument("--url", default=None,
                    help="server URL for the pairing link (default: the site's public_url)")
    da.set_defaults(func=cmd_device_add)
    on_site(with_db(device.add_parser("list"))).set_defaults(func=cmd_device_list)
    dr = on_site(with_db(device.add_parser("remove", help="revoke a device's token")))
    dr.add_argument("name")
    dr.set_defaults(func=cmd_device_remove)

    site = sub.add_parser("site", help="the site configuration").add_subparsers(
        dest="site_command", required=True)
    se = on_site(with_db(site.add_parser("export", help="write the live configuration as a site file")))
    se.add_argument("--to", default=None, help="file to write (default: standard output)")
    se.set_defaults(func=cmd_site_export)
    sa = with_db(site.add_parser("add", help="add a site (a ward centre) to this deployment"))
    sa.add_argument("code", help="the site's code (lowercase letters, digits, hyphens), e.g. "
                    "phuong-thu-duc")
    sa.add_argument("--name", required=True, help="name in Vietnamese")
    sa.add_argument("--name-en", default="", help="name in English (default: the Vietnamese one)")
    sa.add_argument("--timezone", default="Asia/Ho_Chi_Minh")
    sa.set_defaults(func=cmd_site_add)
    with_db(site.add_parser("list", help="list the sites of this deployment")).set_defaults(
        func=cmd_site_list)

    day = sub.add_parser("day", help="service days").add_subparsers(dest="day_command", required=True)
    on_site(with_db(day.add_parser("close"))).set_defaults(func=cmd_day_close)

    cal = sub.add_parser("calendar", help="holidays, working days, closed days").add_subparsers(
        dest="calendar_command", required=True)
    ci = on_site(with_db(cal.add_parser("import-holidays", help="add a year's public holidays (computed)")))
    ci.add_argument("--year", type=int, required=True)
    ci.set_defaults(func=cmd_calendar_import)
    cl = on_site(with_db(cal.add_parser("list", help="print a year's calendar")))
    cl.add_argument("--year", type=int, required=True)
    cl.set_defaults(func=cmd_calendar_list)

    bk = with_db(sub.add_parser("backup", help="copy the database (online) to a verified file"))
    bk.add_argument("--to", required=True, help="the backup file to write")
    bk.add_argument("--quick-check", action="store_true",
                    help="verify with quick_check instead of the full integrity_check")
    bk.set_defaults(func=cmd_backup)
    rs = with_db(sub.add_parser("restore", help="replace the database with a backup "
                                "(the server must be stopped)"))
    rs.add_argument("--from", dest="from_", required=True, help="the backup file")
    rs.set_defaults(func=cmd_restore)
    au = on_site(with_db(sub.add_parser("audit", help="show the audit trail: who changed what, when, from where")))
    au.add_argument("--since", default=None, help="first day, YYYY-MM-DD")
    au.add_argument("--until", default=None, help="last day, YYYY-MM-DD")
    au.add_argument("--actor", default=None, help="a username, device name or key (user:3)")
    au.add_argument("--kind", default=None, help="a kind (counter.call_next) or a group (counter)")
    au.add_argument("--limit", type=int, default=100, help="entries shown (default 100; --csv: all)")
    au.add_argument("--csv", action="store_true", help="write every matching entry as CSV")
    au.set_defaults(func=cmd_audit)

    sim = sub.add_parser("simulate", help="rehearse service days on the real engine (a scenario file)")
    sim.add_argument("--scenario", required=True, help="scenario TOML file (README: Simulating a day)")
    sim.add_argument("--json", action="store_true", help="print the full result as JSON")
    sim.add_argument("--db", default=None, help="the live database, when the scenario names no "
                     f"site file (default $XEPHANG_DB or {DEFAULT_DB})")
    sim.add_argument("--plan", metavar="UNIT", default=None,
                     help="plan the fewest counters per hour for this unit (its code, e.g. NNMT)")
    sim.add_argument("--within", type=float, default=0.9,
                     help="with --plan: share of each hour's tickets called within target (default 0.9)")
    sim.add_argument("--csv", action="store_true", help="print one CSV row per unit and service")
    sim.add_argument("--compare", metavar="OTHER.toml", default=None,
                     help="run a second scenario and print both side by side, per unit")
    sim.add_argument("--chart", metavar="FILE.svg", default=None,
                     help="also write a chart of the people waiting per unit over the day (SVG)")
    sim.set_defaults(func=cmd_simulate)

    dr = sub.add_parser("drill", help="drive a running server with a scenario's citizens and officers")
    dr.add_argument("--server", required=True, help="the server's base URL, e.g. http://127.0.0.1:5000")
    dr.add_argument("--scenario", required=True, help="scenario TOML file naming the server's site file")
    dr.add_argument("--kiosk-token-file", required=True, help="file holding a kiosk device token")
    dr.add_argument("--officer-tokens", required=True,
                    help="file of lines 'COUNTER TOKEN': an officer's token for each counter drilled")
    dr.add_argument("--speed", type=float, default=1.0, help="times faster than real time (default 1)")
    dr.set_defaults(func=cmd_drill)

    mt = with_db(sub.add_parser("migrate-to", help="copy this SQLite file into an empty "
                                "PostgreSQL database (the server must be stopped)"))
    mt.add_argument("--to", required=True, metavar="postgresql://…",
                    help="the PostgreSQL database to fill (migrated here; must hold no data)")
    mt.add_argument("--batch", type=int, default=1000, help="rows per insert batch (default 1000)")
    mt.add_argument("--verbose", action="store_true", help="print the rows copied per table")
    mt.add_argument("--site-code", default=None, metavar="CODE",
                    help="add the file to a deployment that already has data, as a NEW site "
                         "CODE (ids moved past the deployment's; refused if CODE exists)")
    mt.set_defaults(func=cmd_migrate_to)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    if getattr(args, "db", None) is not None:
        from printers.runtime import runtime_dir, use_runtime_dir
        from .store.location import BadLocation, check, is_postgres
        try:  # before anything is created: a typo must not become a folder called "postgresql:"
            check(args.db, reach=args.func not in (cmd_run, cmd_migrate_to))  # run: after the patch
        except BadLocation as exc:
            return _refused(exc)
        try:  # a PostgreSQL store has no folder: XEPHANG_RUNTIME_DIR or the user's state folder
            use_runtime_dir(runtime_dir() if is_postgres(args.db)
                            else Path(args.db).parent / "runtime")  # before anything imports escpos
        except OSError as exc:
            print(f"xephang: cannot start: {_why_unwritable(exc)} (database {args.db})",
                  file=sys.stderr)
            return 2
    from .site import SiteConfigError
    if args.func is not cmd_run:  # `run` patches gevent before importing the services
        from .services.audit import origin
        origin.set("cli")
    try:
        return int(args.func(args))
    except SiteConfigError as exc:
        print(f"site config error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
