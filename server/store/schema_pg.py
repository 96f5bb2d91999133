"""PostgreSQL's spelling of the migrations whose SQLite text is more than tables and indexes
(triggers, date functions). schema.py calls these when `dialect(db) == "postgresql"`; the tables
they create are the same, so the store's queries are the same on both engines.

A PostgreSQL database is always migrated from empty (`xephang migrate-to` copies rows in after),
so the back-fills the SQLite migrations run on existing data are not needed here.
"""
from __future__ import annotations

from typing import Any

_MINUTES = "EXTRACT(EPOCH FROM (({b})::timestamptz - ({a})::timestamptz)) / 60.0"


def m030_day_totals(db: Any, indexes: str, table: str) -> None:
    """Today's totals kept by triggers (see schema.m030): the same figures as SQLite's."""
    db.executescript(indexes + table)
    wait = _MINUTES.format(a="r.issued_at", b="r.called_at")
    service = ("CASE WHEN r.outcome = 'done' THEN "
               + _MINUTES.format(a="COALESCE(r.started_at, r.called_at)", b="r.finished_at")
               + " END")
    db.raw(f"""
    CREATE FUNCTION day_totals_ticket_share(r tickets, sign int) RETURNS void AS $$
    DECLARE w double precision := {wait};
    BEGIN
        INSERT INTO day_totals (day) VALUES (r.day) ON CONFLICT DO NOTHING;
        UPDATE day_totals SET issued = issued + sign,
            waiting = waiting + sign * (r.status = 'waiting')::int,
            served = served + sign * (r.status = 'done')::int,
            no_show = no_show + sign * (r.status = 'no_show')::int,
            wait_n = wait_n + sign * (w IS NOT NULL)::int, wait_sum = wait_sum + sign * COALESCE(w, 0)
        WHERE day = r.day;
    END $$ LANGUAGE plpgsql;
    CREATE FUNCTION day_totals_ticket() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM day_totals_ticket_share(OLD, -1); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM day_totals_ticket_share(NEW, 1); END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER day_totals_ticket_in AFTER INSERT OR DELETE ON tickets
        FOR EACH ROW EXECUTE FUNCTION day_totals_ticket();
    CREATE TRIGGER day_totals_ticket_up AFTER UPDATE OF day, status, issued_at, called_at ON tickets
        FOR EACH ROW WHEN (OLD.day IS DISTINCT FROM NEW.day OR OLD.status IS DISTINCT FROM NEW.status
            OR OLD.issued_at IS DISTINCT FROM NEW.issued_at
            OR OLD.called_at IS DISTINCT FROM NEW.called_at)
        EXECUTE FUNCTION day_totals_ticket();

    CREATE FUNCTION day_totals_leg_share(r legs, sign int) RETURNS void AS $$
    DECLARE v double precision := {service};
            d text := (SELECT day FROM tickets WHERE id = r.ticket_id);
    BEGIN
        IF d IS NULL THEN RETURN; END IF;
        INSERT INTO day_totals (day) VALUES (d) ON CONFLICT DO NOTHING;
        UPDATE day_totals SET service_n = service_n + sign * (v IS NOT NULL)::int,
            service_sum = service_sum + sign * COALESCE(v, 0) WHERE day = d;
    END $$ LANGUAGE plpgsql;
    CREATE FUNCTION day_totals_leg() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM day_totals_leg_share(OLD, -1); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM day_totals_leg_share(NEW, 1); END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER day_totals_leg_in AFTER INSERT ON legs FOR EACH ROW
        WHEN (NEW.outcome = 'done') EXECUTE FUNCTION day_totals_leg();
    CREATE TRIGGER day_totals_leg_up AFTER UPDATE ON legs FOR EACH ROW
        WHEN (OLD.outcome = 'done' OR NEW.outcome = 'done') EXECUTE FUNCTION day_totals_leg();
    CREATE TRIGGER day_totals_leg_out AFTER DELETE ON legs FOR EACH ROW
        WHEN (OLD.outcome = 'done') EXECUTE FUNCTION day_totals_leg();

    CREATE FUNCTION day_totals_rating_share(r ratings, sign int) RETURNS void AS $$
    BEGIN
        INSERT INTO day_totals (day) VALUES (r.day) ON CONFLICT DO NOTHING;
        UPDATE day_totals SET ratings_n = ratings_n + sign, rating_sum = rating_sum + sign * r.score
        WHERE day = r.day;
    END $$ LANGUAGE plpgsql;
    CREATE FUNCTION day_totals_rating() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM day_totals_rating_share(OLD, -1); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM day_totals_rating_share(NEW, 1); END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER day_totals_rating_in AFTER INSERT OR DELETE ON ratings
        FOR EACH ROW EXECUTE FUNCTION day_totals_rating();
    CREATE TRIGGER day_totals_rating_up AFTER UPDATE OF day, score ON ratings
        FOR EACH ROW EXECUTE FUNCTION day_totals_rating();
    """)


def m060_audit(db: Any, tables: str) -> None:
    """The audit trail, append-only: a trigger refuses any edit or delete."""
    db.executescript(tables)
    db.raw("""
    CREATE FUNCTION audit_refuse() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'the audit trail cannot be changed'; END $$ LANGUAGE plpgsql;
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW
        EXECUTE FUNCTION audit_refuse();
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW
        EXECUTE FUNCTION audit_refuse();
    """)


def m112_report_dirty_days(db: Any, table: str) -> None:
    """A change to a summarized day marks it (see schema.m112), by triggers."""
    db.executescript(table)
    db.raw("""
    CREATE FUNCTION report_mark_day(d text) RETURNS void AS $$
    BEGIN
        IF d IS NOT NULL AND EXISTS (SELECT 1 FROM report_days WHERE site_id = 1 AND day = d) THEN
            INSERT INTO report_dirty_days (site_id, day) VALUES (1, d)
            ON CONFLICT (site_id, day) DO UPDATE SET mark = report_dirty_days.mark + 1;
        END IF;
    END $$ LANGUAGE plpgsql;
    CREATE FUNCTION report_dirty_leg() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM report_mark_day((SELECT day FROM tickets WHERE id = OLD.ticket_id));
        ELSE
            PERFORM report_mark_day((SELECT day FROM tickets WHERE id = NEW.ticket_id));
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE FUNCTION report_dirty_row() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'ratings') THEN
            PERFORM report_mark_day(NEW.day);
        ELSE
            PERFORM report_mark_day(OLD.day);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER report_dirty_legs AFTER INSERT OR UPDATE OR DELETE ON legs
        FOR EACH ROW EXECUTE FUNCTION report_dirty_leg();
    CREATE TRIGGER report_dirty_ticket_up AFTER UPDATE OF day, service, priority, issued_at,
        issued_by, requeued_at ON tickets FOR EACH ROW EXECUTE FUNCTION report_dirty_row();
    CREATE TRIGGER report_dirty_ratings AFTER INSERT OR UPDATE OR DELETE ON ratings
        FOR EACH ROW EXECUTE FUNCTION report_dirty_row();
    CREATE TRIGGER report_dirty_event_in AFTER INSERT ON events FOR EACH ROW
        WHEN (NEW.type IN ('counter.opened', 'counter.closed', 'counter.paused', 'counter.resumed'))
        EXECUTE FUNCTION report_dirty_row();
    """)


def m130_calendar_version(db: Any) -> None:
    """The calendar_version setting, moved by triggers on every calendar or suspension change."""
    db.raw("""
    INSERT INTO settings (key, value) VALUES ('calendar_version', CAST(floor(random() * 9e15)::bigint AS TEXT))
        ON CONFLICT DO NOTHING;
    CREATE FUNCTION calendar_version_bump() RETURNS trigger AS $$
    BEGIN
        INSERT INTO settings (key, value) VALUES ('calendar_version', CAST(floor(random() * 9e15)::bigint AS TEXT))
        ON CONFLICT (key) DO UPDATE SET value = excluded.value;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER calendar_days_version AFTER INSERT OR UPDATE OR DELETE ON calendar_days
        FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();
    CREATE TRIGGER suspensions_version AFTER INSERT OR UPDATE OR DELETE ON suspensions
        FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();
    """)


def m171_sites(db: Any, table: str) -> None:
    """The sites table and site 1 (created now, in the site's local time)."""
    db.execute(table)
    db.raw("INSERT INTO sites (id, code, name, name_en, created_at) VALUES (1, 'hcmc', '', '', "
           "to_char(now() AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD\"T\"HH24:MI:SS'))")


def m200_queue_version(db: Any) -> None:
    """The queue_version row, moved by triggers on every change that can reorder the queue (an
    issued ticket also records its id, as on SQLite)."""
    db.raw("""
    CREATE TABLE queue_version (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL,
        previous BIGINT, inserted BIGINT, site_id BIGINT NOT NULL DEFAULT 1);
    INSERT INTO queue_version (id, version) VALUES (1, floor(random() * 9e15)::bigint);
    CREATE FUNCTION queue_version_bump() RETURNS trigger AS $$
    BEGIN
        UPDATE queue_version SET previous = version, version = floor(random() * 9e15)::bigint,
            inserted = NULL WHERE id = 1;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE FUNCTION queue_version_issued() RETURNS trigger AS $$
    BEGIN
        UPDATE queue_version SET previous = version, version = floor(random() * 9e15)::bigint,
            inserted = NEW.id WHERE id = 1;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER queue_version_ticket_in AFTER INSERT ON tickets
        FOR EACH ROW EXECUTE FUNCTION queue_version_issued();
    CREATE TRIGGER queue_version_ticket_out AFTER DELETE ON tickets
        FOR EACH ROW EXECUTE FUNCTION queue_version_bump();
    CREATE TRIGGER queue_version_ticket_up AFTER UPDATE OF day, service, priority, status, queued_at
        ON tickets FOR EACH ROW EXECUTE FUNCTION queue_version_bump();
    CREATE TRIGGER queue_version_counter AFTER INSERT OR DELETE ON counter_state
        FOR EACH ROW EXECUTE FUNCTION queue_version_bump();
    CREATE TRIGGER queue_version_counter_up AFTER UPDATE OF number, state, priority_streak
        ON counter_state FOR EACH ROW EXECUTE FUNCTION queue_version_bump();
    """)
