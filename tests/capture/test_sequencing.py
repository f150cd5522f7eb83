"""Sequencing when reads finish out of scanner order: pages wait for the
first unread one, then one job sequences them all (in chunks along the feed)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from capture import intake
from capture.demo import BatchSpec, write_batch
from capture.intake import ingest_files, paths_key, scanner_files
from capture.models import Batch, Document, Feed, Page
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

    with session_scope() as session:
        [batch] = session.scalars(select(Batch)).all()
        assert (batch.status, batch.documents_found, batch.count_status) == ("closed", DOCUMENTS,
                                                                              "ok")
        assert session.scalar(select(Feed.sequenced)) == len(files) - 1
        pages = session.scalars(select(Page).order_by(Page.seq)).all()
        assert {p.status for p in pages} == {"read"}
        assert {p.batch_id for p in pages} == {batch.id}
        documents = {d.id: d for d in session.scalars(select(Document))}
        assert sorted(d.lithocode for d in documents.values()) == sorted(long_batch.lithocodes)
        assert {d.status for d in documents.values()} == {"complete"}
        for page in pages[1:]:
            assert documents[page.document_id].lithocode == page.lithocode
