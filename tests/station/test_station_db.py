import pytest
from sqlalchemy import inspect, text

from app import create_app
from station import migrate
from station.db import get_engine, session_scope
from station.errors import DatabaseNotMigrated, DatabaseUnreachable
from station.models import User

UNREACHABLE = "postgresql://scanscore@127.0.0.1:1/scanscore"


def test_migrated_database_is_at_head(db_url):
    assert migrate.current_revisions(db_url) == migrate.head_revisions()
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert {"users", "audit_log", "alembic_version"} <= tables
    migrate.check_database(db_url)


def test_session_scope_commits_and_rolls_back(db_url):
    with session_scope(db_url) as session:
        session.add(User(username="kept", password_hash="x", role="editor"))
    with pytest.raises(RuntimeError), session_scope(db_url) as session:
        session.add(User(username="dropped", password_hash="x", role="editor"))
        raise RuntimeError("boom")
    with session_scope(db_url) as session:
        assert [u.username for u in session.query(User)] == ["kept"]


def test_unknown_role_is_refused_by_the_database(db_url):
    with pytest.raises(Exception, match="(?i)check"), session_scope(db_url) as session:
        session.add(User(username="x", password_hash="x", role="janitor"))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path}/sub/dir/x.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_app_refuses_an_unmigrated_database(tmp_path):
    with pytest.raises(DatabaseNotMigrated) as caught:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db",
                    "SCANSCORE_VAR": str(tmp_path)})
    assert "database is not migrated: run `scanscore db upgrade`" in str(caught.value)


def test_app_refuses_a_database_that_does_not_answer(tmp_path):
    with pytest.raises(DatabaseUnreachable) as caught:
        create_app({"DATABASE_URL": UNREACHABLE, "SCANSCORE_VAR": str(tmp_path)})
    message = str(caught.value)
    assert message.startswith("cannot reach the database at postgresql+psycopg://scanscore@127")
    assert "DATABASE_URL" in message


def test_upgrade_of_a_database_that_does_not_answer_says_so():
    with pytest.raises(DatabaseUnreachable, match="cannot reach the database"):
        migrate.upgrade(UNREACHABLE)


def test_password_is_hidden_in_messages(tmp_path):
    with pytest.raises(DatabaseUnreachable) as caught:
        migrate.check_database("postgresql://scanscore:s3cret@127.0.0.1:1/scanscore")
    assert "s3cret" not in str(caught.value)
