"""Statuses are enums in Python and CHECK constraints in the database: a
status no query looks for is refused, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from capture.models import (
    Batch,
    BatchStatus,
    CaptureException,
    Document,
    DocumentStatus,
    ExceptionState,
    Feed,
    Page,
    PageStatus,
)
from station import migrate
from station.db import get_engine


def rows(connection) -> dict[str, int]:
    """A feed, a header page, its batch, a document and an exception; their ids."""
    feed = connection.scalar(insert(Feed).values(key="f", source="ingest").returning(Feed.id))
    page = connection.scalar(insert(Page).values(
        image_sha256="a" * 64, feed_id=feed, seq=0, source_name="a.tif",
        status=PageStatus.READ).returning(Page.id))
    batch = connection.scalar(insert(Batch).values(header_page_id=page).returning(Batch.id))
    document = connection.scalar(insert(Document).values(
        batch_id=batch, lithocode="1", form_id="answer_folder", pages_expected=4
    ).returning(Document.id))
    exception = connection.scalar(insert(CaptureException).values(
        key="batch:1:x", batch_id=batch, code="x", reason="x").returning(CaptureException.id))
    return {"page": page, "batch": batch, "document": document, "capture_exception": exception}


COLUMNS = {"page": (Page, Page.status), "batch": (Batch, Batch.status),
           "document": (Document, Document.status),
           "capture_exception": (CaptureException, CaptureException.state)}


@pytest.mark.parametrize("table", COLUMNS)
def test_a_status_that_is_not_one_of_the_enum_is_refused(db_url, table):
    model, column = COLUMNS[table]
    with get_engine(db_url).begin() as connection:
        ids = rows(connection)
    with get_engine(db_url).connect() as connection, pytest.raises(IntegrityError) as caught:
        connection.execute(update(model).where(model.id == ids[table])
                           .values({column.key: "recieved"}))
    assert f"ck_{table}_{column.key}" in str(caught.value)
    with get_engine(db_url).connect() as connection:  # the row kept its status
        assert connection.scalar(select(column)) in {
            PageStatus.READ, BatchStatus.OPEN, DocumentStatus.ASSEMBLING, ExceptionState.OPEN}


def test_the_migration_keeps_the_rows_and_goes_back(db_url):
    config = migrate.alembic_config(db_url)
    command.downgrade(config, "0105_intake")
    with get_engine(db_url).begin() as connection:
        rows(connection)
        connection.execute(update(Page).values(status="recieved"))  # no constraint yet
        connection.execute(update(Page).values(status=PageStatus.RECEIVED))
    migrate.upgrade(db_url)  # the tables are copied on SQLite, rows referring to them kept
    with get_engine(db_url).connect() as connection:
        assert connection.scalar(select(Page.status)) == "received"
        assert connection.scalar(select(Batch.header_page_id)) is not None
        with pytest.raises(IntegrityError):
            connection.execute(update(Batch).values(status="done"))
        if connection.dialect.name == "sqlite":  # off while migrating, on again after
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
