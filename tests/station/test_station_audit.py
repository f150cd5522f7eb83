import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from station import audit
from station.db import session_scope
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
