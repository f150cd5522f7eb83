"""A scratch PostgreSQL database for a benchmark: made beside the one named, migrated,
and dropped at the end (even when the benchmark fails)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from station import migrate
from station.db import dispose_engine


@contextmanager
def scratch_database(postgres: str, prefix: str, keep: bool = False) -> Iterator[str]:
    """The URL of a new database ``<prefix>_<random>`` on the server of ``postgres``,
    migrated to the newest revision; dropped (connections ended) on leaving, unless
    ``keep`` (then its URL is printed)."""
    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/]*$", f"/{name}", postgres)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        dispose_engine(url)
        if keep:
            print(f"kept the database: {url}")
        else:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
