"""The database: declarative ``Base``, engines, and sessions for requests, jobs and the CLI.

One engine per URL per process. SQLite (the embedded default) runs in WAL mode with foreign
keys on and a busy timeout, so that the web server, the CLI and in-process jobs can share one
file. Web views use :func:`db_session` (one session per request, closed at teardown); jobs and
commands use :func:`session_scope`. Commit before you enqueue a job that reads what you wrote.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from flask import Flask, g
from sqlalchemy import CheckConstraint, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session

from station.config import PRIVATE_FILE, PRIVATE_FOLDER, current_settings
from station.errors import DatabaseUnreachable
from station.urls import redact_url

SQLITE_BUSY_TIMEOUT_MS = 30_000

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The base of every model of every area; constraint names follow one convention so
    that migrations can name them on SQLite and PostgreSQL alike."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """The CHECK constraint keeping ``column`` to ``values`` (a status enum's
    members, say), named ``ck_<table>_<column>`` by the naming convention."""
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def normalize_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` mean the psycopg 3 driver, the one installed."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def redact(url: str) -> str:
    """The database URL with its password hidden, for messages and logs."""
    return redact_url(normalize_url(url))


def get_engine(url: str | None = None) -> Engine:
    """The process's engine for ``url`` (default: the current settings' database)."""
    url = normalize_url(url or current_settings().database_url)
    with _engines_lock:
        if url not in _engines:
            _engines[url] = _create_engine(url)
        return _engines[url]


def dispose_engine(url: str) -> None:
    """Close the pooled connections of ``url`` and forget its engine."""
    with _engines_lock:
        engine = _engines.pop(normalize_url(url), None)
    if engine is not None:
        engine.dispose()


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url, pool_pre_ping=True, connect_args={"connect_timeout": 5}
        )
    if parsed.database and parsed.database != ":memory:":
        _create_private_file(Path(parsed.database))
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _create_private_file(path: Path) -> None:
    """Create the SQLite file (and its folder) readable by its owner alone when it does not
    exist; SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def check_reachable(engine: Engine) -> None:
    """Raise :class:`DatabaseUnreachable` naming the database when it does not answer."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        url = redact(engine.url.render_as_string(hide_password=False))
        raise DatabaseUnreachable(
            f"cannot reach the database at {url}: {reason} (check DATABASE_URL)"
        ) from exc


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session for a job or a command: committed when the block ends, rolled back when it
    raises. Objects keep their loaded values after the commit."""
    session = Session(get_engine(url), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def db_session() -> Session:
    """The current request's session (created on first use, closed at teardown)."""
    if "db" not in g:
        g.db = Session(get_engine())
    return g.db


def _close_request_session(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close_request_session)
