"""station.upsert.insert_once: a row written once by its unique key, on SQLite
and PostgreSQL alike."""

from sqlalchemy import func, select

from station.db import session_scope
from station.models import User
from station.upsert import insert_once


def test_a_row_is_inserted_once_and_the_second_insert_says_so(db_url):
    values = {"username": "ada", "password_hash": "x", "role": "operator"}
    with session_scope(db_url) as session:
        first = insert_once(session, User, ("username",), **values)
        again = insert_once(session, User, ("username",), **{**values, "role": "admin"})
    assert isinstance(first, int) and again is None
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
        assert session.get(User, first).role == "operator"  # the first row is kept as it was
