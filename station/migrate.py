"""Alembic migrations: run them, and check at startup that the database is at head.

The migration scripts live in the ``migrations`` package (one chain for all areas); this
module finds them wherever the package is installed, so ``scanscore db upgrade`` works from
any folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from station.db import check_reachable, get_engine, redact
from station.errors import DatabaseNotMigrated

UPGRADE_HINT = "database is not migrated: run `scanscore db upgrade`"
APPEND_ONLY_TABLES = {"audit_log": "UPDATE, DELETE, TRUNCATE", "audit_head": "DELETE, TRUNCATE"}
"""What the application's role may never do to the audit log's tables on PostgreSQL."""


def migrations_dir() -> Path:
    return Path(str(files("migrations")))


def alembic_config(url: str) -> Config:
    """The Alembic configuration for the database at ``url``."""
    config = Config(str(migrations_dir() / "alembic.ini"))
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision``; raises ``DatabaseUnreachable``
    with a clear message when it does not answer."""
    check_reachable(get_engine(url))
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str, autogenerate: bool) -> None:
    """Write a new migration script (compared with the database at ``url`` when
    ``autogenerate``)."""
    if autogenerate:
        check_reachable(get_engine(url))
    command.revision(alembic_config(url), message=message, autogenerate=autogenerate)


def head_revisions() -> set[str]:
    return set(ScriptDirectory(str(migrations_dir())).get_heads())


def current_revisions(url: str) -> set[str]:
    with get_engine(url).connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def check_database(url: str) -> None:
    """Refuse a database that does not answer or is not at the newest migration."""
    check_reachable(get_engine(url))
    current, heads = current_revisions(url), head_revisions()
    if current != heads:
        raise DatabaseNotMigrated(
            f"{UPGRADE_HINT} (the database at {redact(url)} is at "
            f"{', '.join(sorted(current)) or 'no revision'}; this code needs "
            f"{', '.join(sorted(heads))})"
        )


def app_role_grants(role: str) -> list[str]:
    """The SQL (PostgreSQL) a center's owner role runs to let the application's ``role``
    read and write every table except what would rewrite the audit log. The owner role
    runs the migrations and owns the tables; the app role owns nothing, so it can neither
    drop nor disable the audit log's triggers. Run again after each ``db upgrade``."""
    quoted = '"' + role.replace('"', '""') + '"'
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}",
    ]
    statements += [f"REVOKE {privileges} ON {table} FROM {quoted}"
                   for table, privileges in APPEND_ONLY_TABLES.items()]
    return statements
