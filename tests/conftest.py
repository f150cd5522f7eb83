"""Fixtures every area's tests can use.

Services
    ``db_url``        a fresh, migrated database; the tests that use it (directly or through
                      ``app``) run twice: ``[sqlite]`` (a temporary file) and ``[postgresql]``
                      (a database of its own on the PostgreSQL service, dropped afterwards).
    ``redis_url``     the Redis service's URL; pair it with ``queue_name``, unique per test.
    ``redis_app``     the app with its jobs on that queue; ``worker_env`` sets this process's
                      environment to a worker's of ``redis_app`` and returns it (for a
                      ``scanscore worker`` subprocess, or ``rq.SimpleWorker`` in process).
    Under ``CI=true`` a service that does not answer fails the test; elsewhere the test is
    skipped with the reason, so a laptop without services passes on SQLite alone. Point
    them elsewhere with ``SCANSCORE_TEST_POSTGRES`` and ``SCANSCORE_TEST_REDIS``.
    ``service_missing(reason)`` does the same for any other service a test needs.

The web app
    ``app_config``    the mapping given to ``create_app`` (extend it in a fixture override to
                      change a setting, e.g. ``{**app_config, "REDIS_URL": redis_url}``).
    ``app``           ``create_app(app_config)``: migrated database, temporary image store,
                      jobs in process, cheap password hashing.
    ``client``        ``app.test_client()``.
    ``make_user(role, username=None, password=None, active=True) -> TestUser``
                      adds an account (``TestUser(id, username, password, role)``).
    ``login(client, role_or_user) -> TestUser``
                      logs ``client`` in through the login form (a new user of the role when
                      given a role name).
    ``csrf_headers(client) -> dict``
                      ``{"X-CSRF-Token": ...}`` for state-changing API calls of ``client``.

Browser tests (``tests/browser/conftest.py``): ``live_server`` (base URL of the app served
on 127.0.0.1) and ``browser_page`` (a Playwright page in headless Chromium).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import create_engine, text

from app import create_app
from station import migrate
from station.accounts import create_user
from station.csrf import HEADER
from station.db import dispose_engine, session_scope

POSTGRES_URL = os.environ.get(
    "SCANSCORE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SCANSCORE_TEST_REDIS", "redis://127.0.0.1:6379/0")
RUN_ID = uuid.uuid4().hex[:10]
TEST_PASSWORD_HASH = "pbkdf2:sha256:1000"


def service_missing(reason: str) -> None:
    """Fail under CI (services are mandatory there), skip with ``reason`` elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI=true)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(name="service_missing", scope="session")
def service_missing_fixture() -> Callable[[str], None]:
    """:func:`service_missing` for tests of other services (e.g. a browser)."""
    return service_missing


# --- databases ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    dispose_engine(url)  # checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[str]:
    """A migrated template database on the PostgreSQL service; yields its name."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means the service is not usable
        service_missing(f"PostgreSQL at {POSTGRES_URL} does not answer: "
                        f"{str(exc).splitlines()[0]}")
    finally:
        engine.dispose()
    template = f"scanscore_test_{RUN_ID}_template"
    with postgres_database(template) as url:
        migrate.upgrade(url)
        dispose_engine(url)  # a template must have no connections
        yield template


@contextmanager
def postgres_database(name: str, template: str | None = None) -> Iterator[str]:
    """A new database ``name`` (a copy of ``template``) on the service, dropped at the end."""
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    url = re.sub(r"/[^/]*$", f"/{name}", POSTGRES_URL)
    try:
        yield url
    finally:
        dispose_engine(url)
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


_database_numbers = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated database (see the module docstring)."""
    if request.param == "sqlite":
        path = tmp_path / "scanscore.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        yield url
        dispose_engine(url)
        return
    template = request.getfixturevalue("postgres_admin")
    name = f"scanscore_test_{RUN_ID}_{next(_database_numbers)}"
    with postgres_database(name, template) as url:
        yield url


# --- Redis ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis service's URL (see the module docstring)."""
    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        connection.ping()
    except Exception as exc:  # any failure means the service is not usable
        service_missing(f"Redis at {REDIS_URL} does not answer: {exc}")
    finally:
        connection.close()
    return REDIS_URL


@pytest.fixture
def queue_name(redis_url: str) -> Iterator[str]:
    """An RQ queue name of this test alone; its jobs and registries are deleted after."""
    name = f"scanscore-test-{RUN_ID}-{uuid.uuid4().hex[:8]}"
    yield name
    from rq import Queue

    connection = Redis.from_url(redis_url)
    queue = Queue(name, connection=connection)
    registries = (queue.started_job_registry, queue.finished_job_registry,
                  queue.failed_job_registry, queue.deferred_job_registry,
                  queue.scheduled_job_registry)
    job_ids = set(queue.job_ids)
    for registry in registries:
        job_ids.update(registry.get_job_ids())
    for job_id in job_ids:
        connection.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
    queue.delete(delete_jobs=True)
    for registry in registries:
        connection.delete(registry.key)
    connection.close()


@pytest.fixture
def redis_app(app_config: dict[str, object], redis_url: str, queue_name: str) -> Flask:
    """The app with jobs on the RQ queue ``queue_name`` (run them with a worker)."""
    return create_app({**app_config, "REDIS_URL": redis_url, "SCANSCORE_QUEUE": queue_name})


@pytest.fixture
def worker_env(monkeypatch: pytest.MonkeyPatch, app_config: dict[str, object], redis_url: str,
               queue_name: str) -> dict[str, str]:
    """Sets this process's environment to that of a worker of ``redis_app`` (same database,
    image store, Redis and queue) and returns the whole environment, for a subprocess."""
    for name, value in {
        "DATABASE_URL": app_config["DATABASE_URL"], "REDIS_URL": redis_url,
        "SCANSCORE_QUEUE": queue_name, "SCANSCORE_VAR": app_config["SCANSCORE_VAR"],
        "SCANSCORE_IMAGE_STORE": app_config["SCANSCORE_IMAGE_STORE"],
    }.items():
        monkeypatch.setenv(name, str(value))
    return dict(os.environ)


# --- the web app ----------------------------------------------------------------------

@pytest.fixture
def app_config(db_url: str, tmp_path: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "DATABASE_URL": db_url,
        "REDIS_URL": None,
        "SCANSCORE_IMAGE_STORE": str(tmp_path / "images"),
        "SCANSCORE_VAR": str(tmp_path / "var"),
        "SECRET_KEY": "test-secret-key",
        "SCANSCORE_PASSWORD_HASH": TEST_PASSWORD_HASH,
    }


@pytest.fixture
def app(app_config: dict[str, object]) -> Flask:
    return create_app(app_config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass(frozen=True)
class TestUser:
    id: int
    username: str
    password: str
    role: str


_user_numbers = itertools.count(1)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., TestUser]:
    def make(role: str, username: str | None = None, password: str | None = None,
             active: bool = True) -> TestUser:
        username = username or f"{role}{next(_user_numbers)}"
        password = password or f"{username}-password"
        with app.app_context(), session_scope() as session:
            user = create_user(session, "test", username, password, role)
            user.active = active
            session.flush()
            return TestUser(user.id, username, password, role)

    return make


@pytest.fixture
def login(make_user: Callable[..., TestUser]) -> Callable[[FlaskClient, str | TestUser], TestUser]:
    def log_in(client: FlaskClient, who: str | TestUser) -> TestUser:
        user = make_user(who) if isinstance(who, str) else who
        token = client.get("/api/session").get_json()["csrf_token"]
        response = client.post("/login", data={
            "username": user.username, "password": user.password, "csrf_token": token})
        assert response.status_code == 302, f"login of {user.username} failed"
        return user

    return log_in


@pytest.fixture
def csrf_headers() -> Callable[[FlaskClient], dict[str, str]]:
    def headers(client: FlaskClient) -> dict[str, str]:
        return {HEADER: client.get("/api/session").get_json()["csrf_token"]}

    return headers
