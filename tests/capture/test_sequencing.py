"""Sequencing when reads finish out of scanner order: pages wait for the
first unread one, then one job sequences them all (in chunks along the feed);
the same when a worker takes several reads together."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from capture import intake
from capture.demo import BatchSpec, write_batch
from capture.intake import ingest_files, paths_key, scanner_files
from capture.models import Batch, Document, Feed, Page, PageRead
from capture.reading import READ_TOGETHER, read_pages
from station.db import session_scope

DOCUMENTS = 9
"""37 pages with the header: more than the first chunk and a full second one."""


@pytest.fixture(scope="module")
def long_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans") / "batch"
    return write_batch(folder, BatchSpec("answer_folder", DOCUMENTS, seed=23,
                                         first_lithocode=700, effects="none"))


def test_reads_in_reverse_order_are_sequenced_when_the_first_page_is_read(
        ctx, long_batch, monkeypatch):
    held = []
    monkeypatch.setattr(intake, "enqueue", lambda fn, *ids: held.append((fn, ids)))
    files = scanner_files([long_batch.folder])
    ingest_files(files, paths_key([long_batch.folder]))
    assert len(held) == len(files) == 4 * DOCUMENTS + 1

    for fn, ids in reversed(held[1:]):  # every page but the header, last page first
        fn(*ids)
        with session_scope() as session:
            assert session.scalars(select(Batch)).all() == []
            assert session.scalar(select(Feed.sequenced)) == -1  # nothing sequenced yet
    fn, ids = held[0]
    fn(*ids)  # the header: now every page can be sequenced
    assert_assembled(long_batch, len(files))


def test_reads_taken_together_are_kept_once_and_wait_for_the_first_page(
        ctx, long_batch, monkeypatch):
    held = []
    monkeypatch.setattr(intake, "enqueue", lambda fn, *ids: held.append(ids))
    files = scanner_files([long_batch.folder])
    ingest_files(files, paths_key([long_batch.folder]))
    header, pages = held[0], held[1:]

    for start in reversed(range(0, len(pages), READ_TOGETHER)):  # groups, last group first
        group = pages[start:start + READ_TOGETHER]
        assert read_pages(group) == ["read"] * len(group)
        with session_scope() as session:
            assert session.scalar(select(Feed.sequenced)) == -1
    # the header with a page read before and a page that is not there
    assert read_pages([header, pages[0], (10**6, header[1])]) == [
        "read", "already read", "page 1000000 does not exist"]
    assert_assembled(long_batch, len(files))


def assert_assembled(batch_folder, count: int) -> None:
    """Every page read once, in one closed batch, each in its document."""
    with session_scope() as session:
        [batch] = session.scalars(select(Batch)).all()
        assert (batch.status, batch.documents_found, batch.count_status) == ("closed", DOCUMENTS,
                                                                              "ok")
        assert session.scalar(select(Feed.sequenced)) == count - 1
        assert session.scalar(select(func.count()).select_from(PageRead)) == count
        pages = session.scalars(select(Page).order_by(Page.seq)).all()
        assert {p.status for p in pages} == {"read"}
        assert {p.batch_id for p in pages} == {batch.id}
        documents = {d.id: d for d in session.scalars(select(Document))}
        assert sorted(d.lithocode for d in documents.values()) == sorted(batch_folder.lithocodes)
        assert {d.status for d in documents.values()} == {"complete"}
        for page in pages[1:]:
            assert documents[page.document_id].lithocode == page.lithocode
