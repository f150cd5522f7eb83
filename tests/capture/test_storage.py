"""How mark records are stored."""

import pytest
from alembic import command
from sqlalchemy import text

from station import migrate
from station.db import get_engine


def _record_compression(url: str) -> str:
    with get_engine(url).connect() as connection:
        return connection.scalar(text(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'page_read'::regclass AND attname = 'record'"))


def test_mark_records_are_lz4_compressed_on_postgresql_and_the_migration_goes_back(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("TOAST compression is PostgreSQL's")
    assert _record_compression(db_url) == "l"
    command.downgrade(migrate.alembic_config(db_url), "0101_capture")
    assert _record_compression(db_url) == "p"
    migrate.upgrade(db_url)
    assert _record_compression(db_url) == "l"
