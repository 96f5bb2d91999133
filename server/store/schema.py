"""The database schema, as sqlite-utils migrations applied in order."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from . import schema_pg

migrations = Migrations("xephang")


def dialect(db: Database) -> str:
    """"sqlite" or "postgresql": the engine a migration runs on (see store/migrate.py)."""
    return str(getattr(db, "dialect", "sqlite"))


@migrations()
def m001_initial(db: Database) -> None:
    """Site config, accounts, devices, tickets, legs, ratings, the event log and idempotency keys."""
    db.executescript("""
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE zones (code TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL,
        floor INTEGER NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE units (code TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL,
        kind TEXT NOT NULL, short TEXT NOT NULL, color TEXT NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE services (code TEXT PRIMARY KEY, unit TEXT NOT NULL REFERENCES units(code),
        zone TEXT NOT NULL REFERENCES zones(code), kind TEXT NOT NULL, name TEXT NOT NULL,
        name_en TEXT NOT NULL, prefix TEXT NOT NULL, first_number INTEGER NOT NULL,
        width INTEGER NOT NULL, hours TEXT, daily_cap INTEGER NOT NULL,
        wait_target_min INTEGER NOT NULL, service_minutes REAL NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE counters (number INTEGER PRIMARY KEY, name TEXT NOT NULL,
        zone TEXT NOT NULL REFERENCES zones(code), services TEXT NOT NULL,
        priority INTEGER NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE priority_categories (code TEXT PRIMARY KEY, name TEXT NOT NULL,
        name_en TEXT NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL, password_hash TEXT NOT NULL, role TEXT NOT NULL,
        counters TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL);
    CREATE TABLE api_tokens (token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL);
    CREATE TABLE devices (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
        zone TEXT, counter INTEGER, printer TEXT, paper TEXT NOT NULL DEFAULT '80mm',
        token_hash TEXT NOT NULL UNIQUE, active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL);
    CREATE TABLE sequences (service TEXT NOT NULL, day TEXT NOT NULL, last_seq INTEGER NOT NULL,
        PRIMARY KEY (service, day));
    CREATE TABLE tickets (id INTEGER PRIMARY KEY, day TEXT NOT NULL, origin_service TEXT NOT NULL,
        seq INTEGER NOT NULL, number TEXT NOT NULL, service TEXT NOT NULL, priority TEXT,
        status TEXT NOT NULL, token TEXT NOT NULL UNIQUE, issued_at TEXT NOT NULL,
        queued_at TEXT NOT NULL, called_at TEXT, started_at TEXT, finished_at TEXT,
        counter INTEGER, recalls INTEGER NOT NULL DEFAULT 0, leg INTEGER NOT NULL DEFAULT 1,
        issued_by TEXT NOT NULL, device_id INTEGER, print_status TEXT NOT NULL DEFAULT 'none',
        print_detail TEXT NOT NULL DEFAULT '',
        UNIQUE (origin_service, day, seq));
    CREATE INDEX tickets_queue ON tickets (day, status, service, queued_at);
    CREATE INDEX tickets_counter ON tickets (counter, status);
    CREATE TABLE legs (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        leg INTEGER NOT NULL, service TEXT NOT NULL, counter INTEGER, officer TEXT,
        called_at TEXT, started_at TEXT, finished_at TEXT, outcome TEXT, note TEXT NOT NULL DEFAULT '',
        UNIQUE (ticket_id, leg));
    CREATE INDEX legs_done ON legs (service, finished_at);
    CREATE TABLE ratings (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        leg INTEGER NOT NULL, day TEXT NOT NULL, counter INTEGER NOT NULL, score INTEGER NOT NULL,
        reasons TEXT NOT NULL, at TEXT NOT NULL, UNIQUE (ticket_id, leg));
    CREATE TABLE counter_state (number INTEGER PRIMARY KEY, state TEXT NOT NULL,
        officer TEXT, since TEXT, priority_streak INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE printers (device_id INTEGER PRIMARY KEY, url TEXT NOT NULL, status TEXT NOT NULL,
        detail TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, day TEXT NOT NULL,
        type TEXT NOT NULL, actor TEXT NOT NULL, ticket_id INTEGER, counter INTEGER, service TEXT,
        data TEXT NOT NULL);
    CREATE INDEX events_ticket ON events (ticket_id);
    CREATE INDEX events_day ON events (day, type);
    CREATE TABLE requests (actor TEXT NOT NULL, request_id TEXT NOT NULL, action TEXT NOT NULL,
        status INTEGER NOT NULL, response TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (actor, request_id));
    """)


@migrations()
def m010_health_probe(db: Database) -> None:
    """One row that start-up and /readyz rewrite to prove the database can be written."""
    db.execute("CREATE TABLE health_probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL, "
               "n INTEGER NOT NULL DEFAULT 0)")


@migrations()
def m011_login_failures(db: Database) -> None:
    """Wrong passwords by username and address, for throttling that a stranger cannot turn into
    a lock-out of someone else (rows older than a day are purged as new ones come)."""
    db.executescript("""
    CREATE TABLE login_failures (id INTEGER PRIMARY KEY, username TEXT NOT NULL,
        address TEXT NOT NULL, at TEXT NOT NULL);
    CREATE INDEX login_failures_user ON login_failures (username, address, at);
    CREATE INDEX login_failures_address ON login_failures (address, at);
    CREATE INDEX login_failures_at ON login_failures (at);
    """)


# Today's totals kept by triggers in the same transaction as every change (tickets, legs, ratings):
# the stats the floor sees every 2 s read one row instead of aggregating the day (278 ms on a
# 50,000-ticket day; bench/bench_history.py). `_contribution` is one row's share of a day's totals.
_TICKET_SHARE = ("issued=issued{s}1, waiting=waiting{s}({r}.status='waiting'), "
                 "served=served{s}({r}.status='done'), no_show=no_show{s}({r}.status='no_show'), "
                 "wait_n=wait_n{s}({w} IS NOT NULL), wait_sum=wait_sum{s}COALESCE({w}, 0)")
_WAIT = "((julianday({r}.called_at) - julianday({r}.issued_at)) * 1440)"
_SERVICE = ("(CASE WHEN {r}.outcome='done' THEN (julianday({r}.finished_at) - "
            "julianday(COALESCE({r}.started_at, {r}.called_at))) * 1440 END)")
_LEG_SHARE = ("service_n=service_n{s}({v} IS NOT NULL), service_sum=service_sum{s}COALESCE({v}, 0)")
_RATING_SHARE = "ratings_n=ratings_n{s}1, rating_sum=rating_sum{s}{r}.score"


def _apply(table_share: str, row: str, sign: str, day: str, **fmt: str) -> str:
    """SQL that adds (sign '+') or takes away ('-') one row's share of its day's totals."""
    share = table_share.format(s=sign, r=row, **{k: v.format(r=row) for k, v in fmt.items()})
    return (f"INSERT OR IGNORE INTO day_totals (day) VALUES ({day});\n"
            f"UPDATE day_totals SET {share} WHERE day={day};")


@migrations()
def m030_history_indexes_and_day_totals(db: Database) -> None:
    """Indexes so nothing on a request path or timer reads past days, expiring idempotency
    records (those already too old to serve a retry go now, in one go, before their index is
    built), and today's running totals maintained by triggers."""
    leg_day = "(SELECT day FROM tickets WHERE id={r}.ticket_id)"
    t_new = _apply(_TICKET_SHARE, "NEW", "+", "NEW.day", w=_WAIT)
    t_old = _apply(_TICKET_SHARE, "OLD", "-", "OLD.day", w=_WAIT)
    l_new = _apply(_LEG_SHARE, "NEW", "+", leg_day.format(r="NEW"), v=_SERVICE)
    l_old = _apply(_LEG_SHARE, "OLD", "-", leg_day.format(r="OLD"), v=_SERVICE)
    r_new = _apply(_RATING_SHARE, "NEW", "+", "NEW.day")
    r_old = _apply(_RATING_SHARE, "OLD", "-", "OLD.day")
    if dialect(db) == "postgresql":
        return schema_pg.m030_day_totals(db, """
    CREATE INDEX ratings_day ON ratings (day);
    CREATE INDEX tickets_open ON tickets (day) WHERE status IN ('waiting','called','serving','parked');
    CREATE INDEX tickets_print_pending ON tickets (device_id) WHERE print_status='pending';
    CREATE INDEX tickets_number ON tickets (day, number);
    CREATE INDEX requests_at ON requests (at);""", """
    CREATE TABLE day_totals (day TEXT PRIMARY KEY, issued INTEGER NOT NULL DEFAULT 0,
        waiting INTEGER NOT NULL DEFAULT 0, served INTEGER NOT NULL DEFAULT 0,
        no_show INTEGER NOT NULL DEFAULT 0, wait_n INTEGER NOT NULL DEFAULT 0,
        wait_sum REAL NOT NULL DEFAULT 0, service_n INTEGER NOT NULL DEFAULT 0,
        service_sum REAL NOT NULL DEFAULT 0, ratings_n INTEGER NOT NULL DEFAULT 0,
        rating_sum REAL NOT NULL DEFAULT 0);""")
    db.executescript(f"""
    CREATE INDEX ratings_day ON ratings (day);
    CREATE INDEX tickets_open ON tickets (day)
        WHERE status IN ('waiting','called','serving','parked');
    CREATE INDEX tickets_print_pending ON tickets (device_id) WHERE print_status='pending';
    CREATE INDEX tickets_number ON tickets (day, number);
    DELETE FROM requests WHERE at < strftime('%Y-%m-%dT%H:%M:%f', 'now', '-2 days');
    CREATE INDEX requests_at ON requests (at);
    CREATE TABLE day_totals (day TEXT PRIMARY KEY, issued INTEGER NOT NULL DEFAULT 0,
        waiting INTEGER NOT NULL DEFAULT 0, served INTEGER NOT NULL DEFAULT 0,
        no_show INTEGER NOT NULL DEFAULT 0, wait_n INTEGER NOT NULL DEFAULT 0,
        wait_sum REAL NOT NULL DEFAULT 0, service_n INTEGER NOT NULL DEFAULT 0,
        service_sum REAL NOT NULL DEFAULT 0, ratings_n INTEGER NOT NULL DEFAULT 0,
        rating_sum REAL NOT NULL DEFAULT 0);
    CREATE TRIGGER day_totals_ticket_in AFTER INSERT ON tickets BEGIN
        {t_new}
    END;
    CREATE TRIGGER day_totals_ticket_up AFTER UPDATE OF day, status, issued_at, called_at ON tickets
    WHEN OLD.day IS NOT NEW.day OR OLD.status IS NOT NEW.status
        OR OLD.issued_at IS NOT NEW.issued_at OR OLD.called_at IS NOT NEW.called_at BEGIN
        {t_old}
        {t_new}
    END;
    CREATE TRIGGER day_totals_ticket_out AFTER DELETE ON tickets BEGIN
        {t_old}
    END;
    CREATE TRIGGER day_totals_leg_in AFTER INSERT ON legs WHEN NEW.outcome='done' BEGIN
        {l_new}
    END;
    CREATE TRIGGER day_totals_leg_up AFTER UPDATE ON legs
    WHEN OLD.outcome='done' OR NEW.outcome='done' BEGIN
        {l_old}
        {l_new}
    END;
    CREATE TRIGGER day_totals_leg_out AFTER DELETE ON legs WHEN OLD.outcome='done' BEGIN
        {l_old}
    END;
    CREATE TRIGGER day_totals_rating_in AFTER INSERT ON ratings BEGIN
        {r_new}
    END;
    CREATE TRIGGER day_totals_rating_up AFTER UPDATE OF day, score ON ratings BEGIN
        {r_old}
        {r_new}
    END;
    CREATE TRIGGER day_totals_rating_out AFTER DELETE ON ratings BEGIN
        {r_old}
    END;
    INSERT INTO day_totals (day, issued, waiting, served, no_show, wait_n, wait_sum)
        SELECT day, COUNT(*), TOTAL(status='waiting'), TOTAL(status='done'), TOTAL(status='no_show'),
               COUNT(w), TOTAL(w)
        FROM (SELECT day, status, {_WAIT.format(r='tickets')} AS w FROM tickets) GROUP BY day;
    INSERT OR IGNORE INTO day_totals (day) SELECT DISTINCT day FROM ratings;
    UPDATE day_totals SET service_n = x.n, service_sum = x.s
        FROM (SELECT t.day AS day, COUNT(v) AS n, TOTAL(v) AS s
              FROM (SELECT ticket_id, {_SERVICE.format(r='legs')} AS v FROM legs) l
              JOIN tickets t ON t.id = l.ticket_id GROUP BY t.day) x
        WHERE day_totals.day = x.day;
    UPDATE day_totals SET ratings_n = x.n, rating_sum = x.s
        FROM (SELECT day, COUNT(*) AS n, TOTAL(score) AS s FROM ratings GROUP BY day) x
        WHERE day_totals.day = x.day;
    """)


@migrations()
def m020_session_generations(db: Database) -> None:
    """Per-user and per-device session generations, and the log of revocations live sockets follow."""
    db.executescript("""
    ALTER TABLE users ADD COLUMN session_gen INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE devices ADD COLUMN session_gen INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE revocations (id INTEGER PRIMARY KEY AUTOINCREMENT, subject TEXT NOT NULL,
        at TEXT NOT NULL);
    """)


@migrations()
def m050_number_ranges(db: Database) -> None:
    """A service's number range ends at last_number (NULL: as many as its width allows)."""
    db.execute("ALTER TABLE services ADD COLUMN last_number INTEGER")


@migrations()
def m051_requeue(db: Database) -> None:
    """When a missed ticket was put back in line (once per ticket)."""
    db.execute("ALTER TABLE tickets ADD COLUMN requeued_at TEXT")


@migrations()
def m060_audit_and_scopes(db: Database) -> None:
    """The audit trail (append-only: triggers refuse any edit or delete) and a supervisor's units.

    New tables carry `site_id` (1 = the only site today) so one deployment can serve many sites.
    """
    tables = """
    CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, site_id INTEGER NOT NULL DEFAULT 1,
        at TEXT NOT NULL, actor TEXT NOT NULL, actor_name TEXT NOT NULL, address TEXT NOT NULL,
        kind TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT);
    CREATE INDEX audit_at ON audit (site_id, at);
    CREATE INDEX audit_actor ON audit (site_id, actor, at);
    CREATE INDEX audit_kind ON audit (site_id, kind, at);
    ALTER TABLE users ADD COLUMN units TEXT NOT NULL DEFAULT '[]';"""
    if dialect(db) == "postgresql":
        return schema_pg.m060_audit(db, tables)
    db.executescript(tables + """
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;
    """)


@migrations()
def m120_waiting_lines(db: Database) -> None:
    """Waiting tickets by line (service and class) in call order: "people ahead" reads a line's
    first tickets and counts those before a ticket without visiting the rest of the queue."""
    db.execute("CREATE INDEX tickets_waiting_lines ON tickets "
               "(day, service, (priority IS NOT NULL), queued_at) WHERE status='waiting'")


@migrations()
def m070_site_admin(db: Database) -> None:
    """Site configuration edited live: rows history refers to are retired, never deleted; a
    service keeps the name of its hours profile and says whether it accepts priority tickets."""
    db.executescript("""
    ALTER TABLE zones ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE units ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE services ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE services ADD COLUMN accepts_priority INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE services ADD COLUMN hours_profile TEXT;
    ALTER TABLE counters ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE priority_categories ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
    """)


@migrations()
def m080_closures_and_calendar(db: Database) -> None:
    """Services or units closed now (one row each while closed; reopening deletes it, the audit
    trail keeps the history) and the calendar: holidays, compensating working days, closures."""
    db.executescript("""
    CREATE TABLE suspensions (site_id INTEGER NOT NULL DEFAULT 1, scope TEXT NOT NULL,
        code TEXT NOT NULL, reason TEXT NOT NULL, reason_en TEXT NOT NULL, until TEXT,
        at TEXT NOT NULL, by TEXT NOT NULL, PRIMARY KEY (site_id, scope, code));
    CREATE TABLE calendar_days (id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL DEFAULT 1,
        day TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, name_en TEXT NOT NULL,
        units TEXT NOT NULL DEFAULT '[]', as_weekday INTEGER, source TEXT NOT NULL DEFAULT 'admin');
    CREATE INDEX calendar_days_day ON calendar_days (site_id, day);
    CREATE UNIQUE INDEX calendar_days_one_rule ON calendar_days (site_id, day)
        WHERE kind IN ('holiday', 'working');
    """)


@migrations()
def m090_device_health(db: Database) -> None:
    """When each device was last heard from (written at most every 30 s per device, in batches),
    and the page and software version it reported in its last heartbeat."""
    db.executescript("""
    CREATE TABLE device_health (device_id INTEGER PRIMARY KEY REFERENCES devices(id),
        site_id INTEGER NOT NULL DEFAULT 1, last_seen TEXT NOT NULL,
        page TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '');
    """)


@migrations()
def m100_audit_by_target(db: Database) -> None:
    """The audit trail by what it touched: a department head's units (their services and
    counters) are read target by target, newest first, however long the trail."""
    db.execute("CREATE INDEX audit_target ON audit (site_id, target, at)")


# --- issue 8: reports (area a-reports, migrations m110–m119) ---

# A report cell's figures, the same in the daily summaries and the monthly roll-ups.
_REPORT_CELL_COLUMNS = """        dim TEXT NOT NULL, key TEXT NOT NULL, service TEXT NOT NULL, unit TEXT NOT NULL,
        zone TEXT NOT NULL, priority TEXT NOT NULL, channel TEXT NOT NULL,
        visits INTEGER NOT NULL DEFAULT 0,
        issued INTEGER NOT NULL DEFAULT 0, priority_n INTEGER NOT NULL DEFAULT 0,
        served INTEGER NOT NULL DEFAULT 0, no_show INTEGER NOT NULL DEFAULT 0,
        transferred INTEGER NOT NULL DEFAULT 0, cancelled INTEGER NOT NULL DEFAULT 0,
        not_served INTEGER NOT NULL DEFAULT 0, waited INTEGER NOT NULL DEFAULT 0,
        within_target INTEGER NOT NULL DEFAULT 0, r1 INTEGER NOT NULL DEFAULT 0,
        r2 INTEGER NOT NULL DEFAULT 0, r3 INTEGER NOT NULL DEFAULT 0, r4 INTEGER NOT NULL DEFAULT 0,
        reasons TEXT NOT NULL DEFAULT '{}', wait_hist TEXT NOT NULL DEFAULT '{}',
        service_hist TEXT NOT NULL DEFAULT '{}',
"""


@migrations()
def m110_report_summaries(db: Database) -> None:
    """Daily report summaries, written once a service day is closed, so a month or a year of
    reports reads a few rows per day instead of every ticket.

    report_cells: one row per day, projection (`dim`: service, counter, officer, hour, slot),
    its key, and the filters a report may apply (service → unit and zone, priority, channel), with
    the counts and the per-minute histograms of waiting and service time (JSON {minute: count}),
    which add up exactly across days. report_counter_days: for each counter of a day, which
    15-minute slots it was open in (96 characters '0'/'1'). report_days: the days summarized.
    """
    db.executescript("""
    CREATE TABLE report_cells (site_id INTEGER NOT NULL DEFAULT 1, day TEXT NOT NULL,
""" + _REPORT_CELL_COLUMNS + """        PRIMARY KEY (site_id, dim, day, key, service, priority, channel)) WITHOUT ROWID;
    CREATE TABLE report_counter_days (site_id INTEGER NOT NULL DEFAULT 1, day TEXT NOT NULL,
        counter INTEGER NOT NULL, zone TEXT NOT NULL, slots TEXT NOT NULL,
        PRIMARY KEY (site_id, day, counter)) WITHOUT ROWID;
    CREATE TABLE report_days (site_id INTEGER NOT NULL DEFAULT 1, day TEXT NOT NULL,
        computed_at TEXT NOT NULL, PRIMARY KEY (site_id, day));
    """)


@migrations()
def m111_report_months(db: Database) -> None:
    """Monthly roll-ups of the daily report summaries (same columns, `month` for `day`), written
    once a month is over, so a year's report reads twelve months instead of 250 days."""
    db.executescript("""
    CREATE TABLE report_month_cells (site_id INTEGER NOT NULL DEFAULT 1, month TEXT NOT NULL,
""" + _REPORT_CELL_COLUMNS + """        PRIMARY KEY (site_id, dim, month, key, service, priority, channel)) WITHOUT ROWID;
    CREATE TABLE report_months (site_id INTEGER NOT NULL DEFAULT 1, month TEXT NOT NULL,
        computed_at TEXT NOT NULL, PRIMARY KEY (site_id, month));
    """)


# --- issue 9 groundwork: leases and sites (branch i9-lease, migrations m170–m179) ---

@migrations()
def m170_leases(db: Database) -> None:
    """Leases: which process runs each once-per-deployment job (day close, the open-state watch,
    the daily backup) and until when (epoch seconds); a holder that stops renewing is replaced."""
    db.execute("""CREATE TABLE leases (site_id INTEGER NOT NULL DEFAULT 1, name TEXT NOT NULL,
        holder TEXT NOT NULL, expires_at REAL NOT NULL, taken_at REAL NOT NULL,
        PRIMARY KEY (site_id, name))""")


@migrations()
def m171_sites(db: Database) -> None:
    """The sites one deployment serves (the city centre, ward centres); the existing one is id 1,
    which the site_id of issue 8's tables defaults to (the first tables have no site_id yet).
    Its names come from the site file's [site]."""
    table = """CREATE TABLE sites (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL, name_en TEXT NOT NULL,
        timezone TEXT NOT NULL DEFAULT 'Asia/Ho_Chi_Minh', created_at TEXT NOT NULL)"""
    if dialect(db) == "postgresql":
        return schema_pg.m171_sites(db, table)
    db.execute("""CREATE TABLE sites (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL, name_en TEXT NOT NULL,
        timezone TEXT NOT NULL DEFAULT 'Asia/Ho_Chi_Minh', created_at TEXT NOT NULL)""")
    db.execute("INSERT INTO sites (id, code, name, name_en, created_at) "
               "VALUES (1, 'hcmc', '', '', strftime('%Y-%m-%dT%H:%M:%S', 'now', '+7 hours'))")
# --- issue 8: device health, automatic holidays (area a-health, migrations m160–m169) ---

@migrations()
def m160_holiday_years(db: Database) -> None:
    """The years whose public holidays the server has put in the calendar by itself: each year
    once, so a holiday an admin removed or moved afterwards is never brought back."""
    db.execute("CREATE TABLE holiday_years (site_id INTEGER NOT NULL DEFAULT 1, year INTEGER NOT NULL, "
               "at TEXT NOT NULL, PRIMARY KEY (site_id, year))")


@migrations()
def m161_job_state(db: Database) -> None:
    """What a background job last did, shared by every server process on the database, so a job
    that runs in each of them acts once per change (e.g. the calendar watch's published states)."""
    db.execute("CREATE TABLE job_state (site_id INTEGER NOT NULL DEFAULT 1, job TEXT NOT NULL, "
               "value TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (site_id, job))")


@migrations()
def m112_report_dirty_days(db: Database) -> None:
    """Summarized days that changed after their summary was written (a late rating, a ticket the
    day close settled after a restart, a counter closed past midnight): the change marks its day
    in the same transaction, by triggers, so reports read that day from its rows until the next
    round re-summarizes it (and re-rolls its month). `mark` counts the changes, so a summary
    written from an older snapshot does not clear a newer change's mark."""
    summarized = ("EXISTS (SELECT 1 FROM report_days WHERE site_id = 1 AND day = {day})")
    mark = ("INSERT INTO report_dirty_days (site_id, day) VALUES (1, {day}) "
            "ON CONFLICT (site_id, day) DO UPDATE SET mark = mark + 1;")
    ticket_day = "(SELECT day FROM tickets WHERE id = {row}.ticket_id)"
    script = """
    CREATE TABLE report_dirty_days (site_id INTEGER NOT NULL DEFAULT 1, day TEXT NOT NULL,
        mark INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (site_id, day)) WITHOUT ROWID;
    """
    if dialect(db) == "postgresql":
        return schema_pg.m112_report_dirty_days(db, script)
    for name, when, row, day in (
            ("leg_in", "AFTER INSERT ON legs", "NEW", ticket_day),
            ("leg_up", "AFTER UPDATE ON legs", "NEW", ticket_day),
            ("leg_out", "AFTER DELETE ON legs", "OLD", ticket_day),
            ("ticket_up", "AFTER UPDATE OF day, service, priority, issued_at, issued_by, "
                          "requeued_at ON tickets", "OLD", "{row}.day"),
            ("rating_in", "AFTER INSERT ON ratings", "NEW", "{row}.day"),
            ("rating_up", "AFTER UPDATE ON ratings", "NEW", "{row}.day"),
            ("rating_out", "AFTER DELETE ON ratings", "OLD", "{row}.day"),
            ("event_in", "AFTER INSERT ON events", "NEW", "{row}.day")):
        d = day.format(row=row)
        cond = summarized.format(day=d)
        if name == "event_in":  # only counters opening and closing count (their open slots)
            cond = f"NEW.type IN ('counter.opened', 'counter.closed', 'counter.paused', " \
                   f"'counter.resumed') AND {cond}"
        script += (f"CREATE TRIGGER report_dirty_{name} {when} WHEN {cond} BEGIN\n"
                   f"    {mark.format(day=d)}\nEND;\n")
    db.executescript(script)


@migrations()
def m113_report_month_groups(db: Database) -> None:
    """Each month's roll-up added up once more by what a report groups on (`col`: the unit or the
    key of a projection `dim`), over every service, priority and channel: a year's report without
    filters reads a dozen rows per group instead of every cell of twelve months. Written with the
    roll-up (report_months)."""
    counts = _REPORT_CELL_COLUMNS[_REPORT_CELL_COLUMNS.index("visits INTEGER"):]
    db.executescript("""
    CREATE TABLE report_month_groups (site_id INTEGER NOT NULL DEFAULT 1, month TEXT NOT NULL,
        dim TEXT NOT NULL, col TEXT NOT NULL, gk TEXT NOT NULL,
        """ + counts + """        PRIMARY KEY (site_id, dim, col, month, gk)) WITHOUT ROWID;
    DELETE FROM report_months;  -- rolled up again (with their groups) by the next round
    """)


@migrations()
def m130_calendar_version(db: Database) -> None:
    """A `calendar_version` setting that every change to the calendar or the suspensions moves
    (triggers, so no writer and no process can forget it): every process keeps the calendar it
    read until the version moves, instead of reading it again in every transaction. A random
    value, not a counter: a database restored from a backup never repeats the version of other
    rows."""
    if dialect(db) == "postgresql":
        return schema_pg.m130_calendar_version(db)
    script = ["INSERT OR IGNORE INTO settings (key, value) "
              "VALUES ('calendar_version', CAST(random() AS TEXT));"]
    for table in ("calendar_days", "suspensions"):
        for verb in ("INSERT", "UPDATE", "DELETE"):
            script.append(
                f"CREATE TRIGGER {table}_{verb.lower()}_version AFTER {verb} ON {table} BEGIN "
                "INSERT INTO settings (key, value) VALUES ('calendar_version', "
                "CAST(random() AS TEXT)) ON CONFLICT(key) DO UPDATE SET value=excluded.value; END;")
    db.executescript("\n".join(script))


@migrations()
def m250_citizen_booking(db: Database) -> None:
    """Issue 10, first half: the notification outbox, citizens' phones (encrypted, with a keyed
    hash for look-ups: services/phone_vault.py), one-time codes, citizen tokens, per-address rate
    windows and appointments (bookings); services say whether they take remote numbers and
    appointments and the share of their capacity kept for appointments."""
    db.executescript("""
    ALTER TABLE services ADD COLUMN remote INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE services ADD COLUMN appointments INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE services ADD COLUMN appointment_share REAL;
    CREATE TABLE notify_outbox (id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL DEFAULT 1,
        channel TEXT NOT NULL, kind TEXT NOT NULL, payload BLOB, created_at TEXT NOT NULL,
        next_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'pending', last_error TEXT NOT NULL DEFAULT '',
        sent_at TEXT);
    CREATE INDEX notify_outbox_due ON notify_outbox (site_id, next_at) WHERE status = 'pending';
    CREATE TABLE citizen_phones (site_id INTEGER NOT NULL DEFAULT 1, phone_hash TEXT NOT NULL,
        phone_enc BLOB NOT NULL, consent_at TEXT NOT NULL, last_used TEXT NOT NULL,
        blocked_until TEXT, PRIMARY KEY (site_id, phone_hash)) WITHOUT ROWID;
    CREATE TABLE citizen_codes (site_id INTEGER NOT NULL DEFAULT 1, phone_hash TEXT NOT NULL,
        code_hash TEXT NOT NULL, sent_at TEXT NOT NULL, expires_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (site_id, phone_hash)) WITHOUT ROWID;
    CREATE TABLE citizen_tokens (token_hash TEXT PRIMARY KEY, site_id INTEGER NOT NULL DEFAULT 1,
        phone_hash TEXT NOT NULL, expires_at TEXT NOT NULL);
    CREATE TABLE public_rate (site_id INTEGER NOT NULL DEFAULT 1, bucket TEXT NOT NULL,
        period TEXT NOT NULL, hits INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (site_id, bucket, period)) WITHOUT ROWID;
    CREATE TABLE bookings (id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL DEFAULT 1,
        kind TEXT NOT NULL DEFAULT 'appointment', code TEXT NOT NULL, token TEXT NOT NULL UNIQUE,
        service TEXT NOT NULL, day TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
        phone_hash TEXT, status TEXT NOT NULL DEFAULT 'booked', created_at TEXT NOT NULL,
        changed_at TEXT NOT NULL, ticket_id INTEGER REFERENCES tickets(id), checked_in_at TEXT,
        UNIQUE (site_id, code));
    -- live bookings by slot (capacity) and by day (the day close's no-shows)
    CREATE INDEX bookings_live ON bookings (site_id, day, service, start) WHERE status = 'booked';
    CREATE INDEX bookings_phone ON bookings (site_id, phone_hash, day);
    -- bookings still linked to a phone, by day (erased after the retention days)
    CREATE INDEX bookings_linked ON bookings (day) WHERE phone_hash IS NOT NULL;
    CREATE INDEX notify_outbox_age ON notify_outbox (created_at);
    CREATE INDEX citizen_phones_used ON citizen_phones (last_used);
    CREATE INDEX citizen_tokens_expiry ON citizen_tokens (expires_at);
    """)


# --- issue 9: the outbox relay (branch a-redis, migrations m230–m239) ---

@migrations()
def m230_outbox(db: Database) -> None:
    """The outbox: with a message queue (Redis), the numbered Socket.IO messages of each committed
    change are written in its transaction and sent by one relay per deployment, in commit order;
    `outbox_position` is how far the relay has sent (moved only by the lease holder, never back)."""
    db.executescript("""
    CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,
        site_id INTEGER NOT NULL DEFAULT 1, at REAL NOT NULL, messages TEXT NOT NULL);
    CREATE TABLE outbox_position (site_id INTEGER NOT NULL DEFAULT 1, name TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (site_id, name));
    """)


@migrations()
def m260_remote_tickets(db: Database) -> None:
    """Issue 10, second half: a ticket's channel (NULL: kiosk or desk, told apart by its issuer;
    'remote', 'appointment'), the calls that decide a remote ticket's turn, bookings by ticket."""
    db.executescript("""
    ALTER TABLE tickets ADD COLUMN channel TEXT;
    -- called tickets by their place in the line: when a remote ticket's turn came
    CREATE INDEX tickets_called_place ON tickets (day, service, queued_at)
        WHERE called_at IS NOT NULL;
    CREATE INDEX bookings_ticket ON bookings (ticket_id) WHERE ticket_id IS NOT NULL;
    -- remote tickets not checked in (few): the day close expires those of past days
    CREATE INDEX tickets_away ON tickets (day) WHERE status = 'away';
    """)


@migrations()
def m261_push_subscriptions(db: Database) -> None:
    """Issue 10: Web Push subscriptions of ticket pages (the browser's endpoint and keys; no
    personal data), with whether the "N people ahead" notice was queued."""
    db.executescript("""
    CREATE TABLE push_subscriptions (id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL DEFAULT 1,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id), day TEXT NOT NULL, endpoint TEXT NOT NULL,
        p256dh TEXT NOT NULL, auth TEXT NOT NULL, ahead INTEGER NOT NULL DEFAULT 3,
        warned INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
        UNIQUE (ticket_id, endpoint));
    CREATE INDEX push_unwarned ON push_subscriptions (site_id, ticket_id) WHERE warned = 0;
    CREATE INDEX push_day ON push_subscriptions (day);
    """)


@migrations()
def m200_queue_version(db: Database) -> None:
    """A `queue_version` row that every change able to reorder the waiting tickets moves
    (triggers: a ticket issued, called, transferred, requeued, cancelled, removed; a counter
    opened, closed or its run of priority calls). It keeps the last version before it and the
    ticket whose issue moved it, so a process that kept the call order's replay at the version
    before adds that one ticket instead of replaying (issue 11). Random values, as
    `calendar_version`: a rolled-back or restored database never repeats a version."""
    if dialect(db) == "postgresql":
        return schema_pg.m200_queue_version(db)
    bump = ("UPDATE queue_version SET previous=version, version=random(), inserted={inserted} "
            "WHERE id=1;")
    db.executescript(f"""
    CREATE TABLE queue_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL,
        previous INTEGER, inserted INTEGER, site_id INTEGER NOT NULL DEFAULT 1);
    INSERT INTO queue_version (id, version) VALUES (1, random());
    CREATE TRIGGER queue_version_ticket_in AFTER INSERT ON tickets BEGIN
        {bump.format(inserted="NEW.id")} END;
    CREATE TRIGGER queue_version_ticket_up AFTER UPDATE OF day, service, priority, status, queued_at
        ON tickets BEGIN {bump.format(inserted="NULL")} END;
    CREATE TRIGGER queue_version_ticket_out AFTER DELETE ON tickets BEGIN
        {bump.format(inserted="NULL")} END;
    CREATE TRIGGER queue_version_counter_in AFTER INSERT ON counter_state BEGIN
        {bump.format(inserted="NULL")} END;
    CREATE TRIGGER queue_version_counter_up AFTER UPDATE OF number, state, priority_streak
        ON counter_state BEGIN {bump.format(inserted="NULL")} END;
    CREATE TRIGGER queue_version_counter_out AFTER DELETE ON counter_state BEGIN
        {bump.format(inserted="NULL")} END;
    """)


# --- issue 9: once-per-deployment print jobs (branch b-jobs, migrations m280–m289) ---

@migrations()
def m280_print_jobs(db: Database) -> None:
    """Print jobs for the printers the server drives, written with the ticket: which process
    (lease holder) owns each and how far it got, so a survivor prints a dead process's jobs that
    never reached the printer and reports lost those that might have, never printing twice.
    A ticket's first print is unique (a reprint is a new job with `reprint` 1)."""
    db.executescript("""
    CREATE TABLE print_jobs (id INTEGER PRIMARY KEY AUTOINCREMENT,
        site_id INTEGER NOT NULL DEFAULT 1, ticket_id INTEGER NOT NULL, device_id INTEGER NOT NULL,
        reprint INTEGER NOT NULL DEFAULT 0, payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued', holder TEXT, created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL);
    CREATE UNIQUE INDEX print_jobs_first ON print_jobs (ticket_id) WHERE reprint=0;
    CREATE INDEX print_jobs_state ON print_jobs (site_id, state, id);
    """)


# --- issue 9: site scoping (branch b-sites, migrations m290–m299) ---

@migrations(transactional=False)  # foreign keys must be off while tables are rebuilt (SQLite)
def m290_site_keys(db: Database) -> None:
    """`site_id` on the first tables and first in their keys (zones/units/services by code,
    counters by number, sequences, tickets' numbering, settings, devices' names, counter state);
    see store/site_keys.py. users.site_id NULL = a city-level account."""
    from . import site_keys
    if dialect(db) == "postgresql":
        return site_keys.postgres_m290(db)
    site_keys.sqlite_m290(db)


@migrations()
def m291_day_totals_per_site(db: Database) -> None:
    """Today's totals per site: day_totals keyed (site_id, day), its triggers add each ticket,
    leg and rating to its own site's row (see store/site_keys.py)."""
    from . import site_keys
    if dialect(db) == "postgresql":
        return site_keys.postgres_m291(db)
    site_keys.sqlite_m291(db)


@migrations()
def m292_report_marks_per_site(db: Database) -> None:
    """A change to a summarized day marks its own site's day (m112's triggers named site 1)."""
    from . import site_keys
    if dialect(db) == "postgresql":
        return site_keys.postgres_m292(db)
    site_keys.sqlite_m292(db)


# --- issue 10 loose ends: the keys kept outside the database (branch e-book, m340–m344) ---

@migrations()
def m340_key_checks(db: Database) -> None:
    """A check value of each key kept outside the database (the phone key): an HMAC of a constant,
    so a database restored without its key, or with another one, is told at start rather than
    sealed over with a new key. Database-wide (site 1): one key serves every site."""
    db.executescript("""
    CREATE TABLE key_checks (site_id INTEGER NOT NULL DEFAULT 1, name TEXT NOT NULL,
        check_value TEXT NOT NULL, set_at TEXT NOT NULL, PRIMARY KEY (site_id, name));
    """)


# --- issue 9: the last one-site assumptions (branch e-citizens, migrations m360–m364) ---

@migrations()
def m360_events_by_site(db: Database) -> None:
    """The event log's last position per site (`queue.last_seq`, the seqs of snapshots) found
    through an index: without it a ward with few events scans the whole log backwards."""
    db.execute("CREATE INDEX IF NOT EXISTS events_site ON events (site_id, id)")
