import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from app import cli
from station import audit, migrate
from station.db import dispose_engine, session_scope
from station.models import AuditEntry


def test_record_keeps_who_what_when_before_after(db_url):
    with session_scope(db_url) as session:
        audit.record(session, "alice", "edit.correct", "page:7",
                     before={"grade": "0*"}, after={"grade": "05"})
    with session_scope(db_url) as session:
        entry = session.scalars(select(AuditEntry)).one()
        assert (entry.actor, entry.action, entry.target) == ("alice", "edit.correct", "page:7")
        assert entry.before == {"grade": "0*"} and entry.after == {"grade": "05"}
        assert entry.at is not None


@pytest.mark.parametrize("statement", [
    update(AuditEntry).values(actor="mallory"),
    delete(AuditEntry),
])
def test_audit_log_refuses_update_and_delete(db_url, statement):
    with session_scope(db_url) as session:
        audit.record(session, "alice", "user.create", "user:1")
    with pytest.raises(DBAPIError, match="append-only"), session_scope(db_url) as session:
        session.execute(statement)
    with session_scope(db_url) as session:
        assert session.scalars(select(AuditEntry.actor)).all() == ["alice"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_audit_log_refuses_truncate_on_postgresql(db_url):
    with pytest.raises(DBAPIError, match="append-only"), session_scope(db_url) as session:
        session.execute(text("TRUNCATE audit_log"))


BEFORE_THE_CHAIN = "0105_intake"
"""The revision before 0104_station_security, which chains the audit log."""

REPLACE = {
    "sqlite": "INSERT OR REPLACE INTO audit_log (id, at, actor, action, target, hash) "
              "VALUES (1, '2026-01-01 00:00:00.000000', 'mallory', 'user.create', 'user:1', '')",
    "postgresql": "INSERT INTO audit_log (id, at, actor, action, target, hash) "
                  "VALUES (1, now(), 'mallory', 'user.create', 'user:1', '') "
                  "ON CONFLICT (id) DO UPDATE SET actor = EXCLUDED.actor",
}
FORGED = ("INSERT INTO audit_log (id, at, actor, action, target, hash) "
          "VALUES (99, '2026-01-01 00:00:00+00', 'mallory', 'user.create', 'user:9', '')")


def _dialect(url):
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _three_entries(db_url):
    with session_scope(db_url) as session:
        for actor in ("alice", "bob", "carol"):
            audit.record(session, actor, "user.update", "user:1", before={"role": "scorer"},
                         after={"role": "editor", "note": "réglé", "n": [0.1, 2.0, 1e16],
                                "ok": True, "none": None})


@pytest.mark.parametrize("statement", ["replace", "forged"])
def test_audit_log_refuses_a_rewriting_or_forged_insert(db_url, statement):
    _three_entries(db_url)
    sql = REPLACE[_dialect(db_url)] if statement == "replace" else FORGED
    with pytest.raises(DBAPIError, match="append-only"), session_scope(db_url) as session:
        session.execute(text(sql))
    with session_scope(db_url) as session:
        assert session.scalars(select(AuditEntry.actor).order_by(AuditEntry.id)).all() == [
            "alice", "bob", "carol"]
        assert audit.verify(session).problems == ()


def test_audit_head_moves_forward_only(db_url):
    _three_entries(db_url)
    for statement in ("UPDATE audit_head SET last_id = 1", "DELETE FROM audit_head"):
        with pytest.raises(DBAPIError, match="forward"), session_scope(db_url) as session:
            session.execute(text(statement))


def _verify(db_url, tmp_path):
    return CliRunner().invoke(cli, ["audit", "verify"], env={
        "DATABASE_URL": db_url, "SCANSCORE_VAR": str(tmp_path / "var")})


def _behind_the_triggers(db_url, statement):
    """Run ``statement`` as someone who lifted the triggers (the database's owner)."""
    lift, restore = {
        "sqlite": ("DROP TRIGGER audit_log_no_{event}",
                   "CREATE TRIGGER audit_log_no_{event} BEFORE {EVENT} ON audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"),
        "postgresql": ("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
                       "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"),
    }[_dialect(db_url)]
    event = statement.split()[0].lower()
    with session_scope(db_url) as session:
        session.execute(text(lift.format(event=event)))
        session.execute(text(statement))
        session.execute(text(restore.format(event=event, EVENT=event.upper())))


def test_audit_verify_passes_an_intact_log(db_url, tmp_path):
    _three_entries(db_url)
    result = _verify(db_url, tmp_path)
    assert result.exit_code == 0, result.output
    assert "is intact: 3 entries" in result.output


@pytest.mark.parametrize("statement, found", [
    ("UPDATE audit_log SET actor = 'mallory' WHERE id = 2", "entry 2 ("),
    ("UPDATE audit_log SET after = NULL WHERE id = 1", "entry 1 ("),
    ("DELETE FROM audit_log WHERE id = 2", "entry 3 ("),
    ("DELETE FROM audit_log WHERE id = 3", "the newest entry is 2 but the head row names "
                                           "entry 3"),
])
def test_audit_verify_catches_a_change_behind_the_triggers(db_url, tmp_path, statement, found):
    _three_entries(db_url)
    _behind_the_triggers(db_url, statement)
    result = _verify(db_url, tmp_path)
    assert result.exit_code == 1
    assert found in result.output and "is NOT intact" in result.output


def test_audit_verify_names_a_dropped_trigger(db_url, tmp_path):
    _three_entries(db_url)
    drop = {"sqlite": "DROP TRIGGER audit_log_no_delete",
            "postgresql": "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"}
    with session_scope(db_url) as session:
        session.execute(text(drop[_dialect(db_url)]))
    result = _verify(db_url, tmp_path)
    assert result.exit_code == 1
    assert "is missing: the log is not protected" in result.output


def test_writers_at_once_make_one_chain(db_url):
    def write(n):
        for i in range(8):
            with session_scope(db_url) as session:
                audit.record(session, f"writer{n}", "test.write", f"item:{i}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    with session_scope(db_url) as session:
        verdict = audit.verify(session)
        ids = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    assert verdict.problems == () and verdict.entries == 32
    assert ids == list(range(1, 33))


def test_entries_written_before_the_chain_are_chained_by_the_migration(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, BEFORE_THE_CHAIN)
    with session_scope(url) as session:
        for actor in ("alice", "bob"):
            session.execute(text(
                "INSERT INTO audit_log (at, actor, action, target, after) VALUES "
                "('2026-11-30 08:00:00.000000', :actor, 'user.create', 'user:1', "
                "'{\"role\": \"admin\"}')"), {"actor": actor})
    migrate.upgrade(url)
    _record_one_more_and_check_the_chain(url, entries=3)
    dispose_engine(url)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_app_role_of_the_two_role_setup_cannot_rewrite_the_log(db_url, tmp_path):
    role = f"scanscore_app_{uuid.uuid4().hex[:8]}"
    result = CliRunner().invoke(cli, ["db", "grants", role])
    assert result.exit_code == 0, result.output
    with session_scope(db_url) as session:
        session.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
        for statement in result.output.split(";\n")[:-1]:
            session.execute(text(statement))
    try:
        def as_app(statement=None):
            with session_scope(db_url) as session:
                session.execute(text(f'SET LOCAL ROLE "{role}"'))
                if statement is None:
                    audit.record(session, "alice", "user.update", "user:1")
                    session.execute(text("UPDATE users SET active = active"))
                else:
                    session.execute(text(statement))

        as_app()
        as_app()
        for statement in ("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
                          "DROP TRIGGER audit_log_no_change ON audit_log",
                          "UPDATE audit_log SET actor = 'mallory'",
                          "TRUNCATE audit_log", "DELETE FROM audit_head"):
            with pytest.raises(DBAPIError, match="must be owner|permission denied"):
                as_app(statement)
        with session_scope(db_url) as session:
            assert audit.verify(session).entries == 2
    finally:
        with session_scope(db_url) as session:
            session.execute(text(f'DROP OWNED BY "{role}"'))
            session.execute(text(f'DROP ROLE "{role}"'))


def test_the_migration_goes_back_and_forth_keeping_the_entries(db_url):
    _three_entries(db_url)
    command.downgrade(migrate.alembic_config(db_url), BEFORE_THE_CHAIN)
    with pytest.raises(DBAPIError, match="append-only"), session_scope(db_url) as session:
        session.execute(text("DELETE FROM audit_log"))
    migrate.upgrade(db_url)
    _record_one_more_and_check_the_chain(db_url, entries=4)


def _record_one_more_and_check_the_chain(url, entries):
    with session_scope(url) as session:
        audit.record(session, "dave", "user.update", "user:1")
    with session_scope(url) as session:
        verdict = audit.verify(session)
        ids = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    assert verdict.problems == () and verdict.entries == entries
    assert ids == list(range(1, entries + 1))
