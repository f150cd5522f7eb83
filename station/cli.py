"""The station's commands: ``db``, ``users``, ``audit``, ``worker``."""

from __future__ import annotations

import getpass

import click
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import select

from station import audit as audit_log
from station import migrate
from station.accounts import AccountError, create_user
from station.config import load_settings
from station.db import redact, session_scope
from station.models import User
from station.queue import queue_worker, redis_connection, unavailable
from station.roles import ROLES
from station.urls import redact_url


def cli_actor() -> str:
    """The audit log's actor for what is done from the command line."""
    return f"cli:{getpass.getuser()}"


@click.group()
def db() -> None:
    """The database: migrations."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Migrate the database (DATABASE_URL) to the newest schema."""
    url = load_settings().database_url
    migrate.upgrade(url, revision)
    click.echo(f"database at {redact(url)} is at {', '.join(migrate.current_revisions(url))}")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@click.option("--autogenerate", is_flag=True, help="Compare the models with the database.")
def new_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration script into migrations/versions/."""
    migrate.revision(load_settings().database_url, message, autogenerate)


@db.command("grants")
@click.argument("app_role")
def grants(app_role: str) -> None:
    """Print the SQL that gives APP_ROLE, the role the app connects as on PostgreSQL, every
    privilege it needs but none that rewrites the audit log (run it as the owner role)."""
    for statement in migrate.app_role_grants(app_role):
        click.echo(f"{statement};")


@click.group()
def users() -> None:
    """Accounts."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given.")
def users_add(username: str, role: str, password: str) -> None:
    """Add an account with a role."""
    url = load_settings().database_url
    migrate.check_database(url)
    try:
        with session_scope(url) as session:
            create_user(session, cli_actor(), username, password, role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"added user {username} ({role})")


@users.command("list")
def users_list() -> None:
    """List the accounts."""
    url = load_settings().database_url
    migrate.check_database(url)
    with session_scope(url) as session:
        for user in session.scalars(select(User).order_by(User.username)):
            state = "" if user.active else " (inactive)"
            click.echo(f"{user.username}\t{user.role}{state}")


@click.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the audit log's hash chain and check its head row and triggers; exits 1
    naming each entry changed or removed."""
    url = load_settings().database_url
    migrate.check_database(url)
    with session_scope(url) as session:
        verdict = audit_log.verify(session)
    for problem in verdict.problems:
        click.echo(f"audit log: {problem}", err=True)
    if verdict.problems:
        raise click.ClickException(
            f"audit log at {redact(url)} is NOT intact: {len(verdict.problems)} problem(s) "
            f"in {verdict.entries:,} entries")
    click.echo(f"audit log at {redact(url)} is intact: {verdict.entries:,} entries, "
               f"newest hash {verdict.head_hash}")


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--queue", "queue_name", help="Queue to work (default: SCANSCORE_QUEUE).")
def worker(burst: bool, queue_name: str | None) -> None:
    """Work jobs from the RQ queue (needs REDIS_URL); run as many as you like, anywhere
    that sees the same database, Redis and image store.

    Jobs run in the worker's own process, one after another (RQ's SimpleWorker,
    ``station.queue.queue_worker``), so that what a job loads once (the forms, the
    reader's page templates, database connections) serves every later job. A
    worker killed mid-job leaves its job started: RQ's abandoned-job check, run
    by the other workers, retries it."""
    settings = load_settings()
    if settings.redis_url is None:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, jobs run in process and need no worker")
    migrate.check_database(settings.database_url)
    connection = redis_connection(settings.redis_url)
    try:
        connection.ping()
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise unavailable(settings.redis_url, exc) from exc
    name = queue_name or settings.queue_name
    click.echo(f"worker on queue {name} at {redact_url(settings.redis_url)}")
    queue_worker(name, settings.redis_url).work(burst=burst)

