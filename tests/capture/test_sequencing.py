"""Sequencing when reads finish out of scanner order: pages wait for the
first unread one, then one job sequences them all (in chunks along the feed);
the same when a worker takes several reads together."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from capture import reading
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


def held_reads(monkeypatch, folder) -> tuple[list[list[int]], int]:
    """Feed ``folder`` with the read jobs held back: their page groups, and the
    pages fed."""
    held = []
    monkeypatch.setattr(reading, "enqueue", lambda fn, group, job_id=None: held.append(group))
    files = scanner_files([folder])
    ingest_files(files, paths_key([folder]))
    return held, len(files)


def test_intake_enqueues_one_read_job_per_group_of_pages_taken_together(
        ctx, long_batch, monkeypatch):
    held, fed = held_reads(monkeypatch, long_batch.folder)
    # files are taken 16 at a time: each take is read in jobs of up to READ_TOGETHER
    assert [len(g) for g in held] == [8, 8, 8, 8, 5]
    assert sum(held, []) == sorted(sum(held, [])) and len(sum(held, [])) == fed


def test_reads_in_reverse_order_are_sequenced_when_the_first_page_is_read(
        ctx, long_batch, monkeypatch):
    held, fed = held_reads(monkeypatch, long_batch.folder)
    header, *pages = sum(held, [])
    for page_id in reversed(pages):  # every page but the header, last page first
        assert read_pages([page_id]) == ["read"]
        with session_scope() as session:
            assert session.scalars(select(Batch)).all() == []
            assert session.scalar(select(Feed.sequenced)) == -1  # nothing sequenced yet
    assert read_pages([header]) == ["read"]  # now every page can be sequenced
    assert_assembled(long_batch, fed)


def test_reads_taken_together_are_kept_once_and_wait_for_the_first_page(
        ctx, long_batch, monkeypatch):
    held, fed = held_reads(monkeypatch, long_batch.folder)
    header, *pages = sum(held, [])
    for start in reversed(range(0, len(pages), READ_TOGETHER)):  # groups, last group first
        group = pages[start:start + READ_TOGETHER]
        assert read_pages(group) == ["read"] * len(group)
        with session_scope() as session:
            assert session.scalar(select(Feed.sequenced)) == -1
    # the header with a page read before and a page that is not there
    assert read_pages([header, pages[0], 10**6]) == [
        "read", "already read", "page 1000000 does not exist"]
    assert_assembled(long_batch, fed)


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
