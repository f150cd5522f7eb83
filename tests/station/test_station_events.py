"""station.events: an announcement enqueues its listening jobs after the commit,
once per transaction; a rollback announces nothing."""

from __future__ import annotations

import pytest

from station import events
from station.db import session_scope
from tests.station.station_test_jobs import do_work, runs


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_jobs_run_after_the_commit_once_and_not_after_a_rollback(app):
    events.listen("test announced", do_work)
    events.listen("test announced", do_work)    # listening twice is listening once
    with app.app_context():
        with session_scope() as session:
            events.announce_after_commit(session, "test announced", "tag-a")
            events.announce_after_commit(session, "test announced", "tag-a")
            assert runs(session, "tag-a") == 0       # nothing before the commit
        with pytest.raises(RuntimeError), session_scope() as session:
            events.announce_after_commit(session, "test announced", "tag-b")
            raise RuntimeError("the change fails")
        with session_scope() as session:
            assert runs(session, "tag-a") == 1
            assert runs(session, "tag-b") == 0
