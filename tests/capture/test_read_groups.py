"""A read job of a group of pages: one bad page becomes an exception, the
other pages of its group are read all the same."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from capture import reading
from capture.demo import BatchSpec, write_batch
from capture.intake import ingest_files, paths_key, scanner_files
from capture.models import CaptureException, Page, PageRead
from capture.reading import read_pages
from station.db import session_scope
from station.images import image_store


@pytest.fixture(scope="module")
def two_documents(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans") / "two"
    return write_batch(folder, BatchSpec("answer_folder", 2, seed=31, first_lithocode=800,
                                         effects="none"))


def first_group(monkeypatch, folder) -> list[int]:
    """Feed ``folder`` with its read jobs held back; the first job's pages."""
    held = []
    monkeypatch.setattr(reading, "enqueue", lambda fn, group, job_id=None: held.append(group))
    ingest_files(scanner_files([folder]), paths_key([folder]))
    assert len(held[0]) == reading.READ_TOGETHER == 8
    return held[0]


def outcome(page_id: int) -> tuple[str, str | None, list[str]]:
    """A page's status, its record's status and its exceptions' codes."""
    with session_scope() as session:
        page = session.get(Page, page_id)
        read = session.get(PageRead, page_id)
        codes = session.scalars(select(CaptureException.code)
                                .where(CaptureException.page_id == page_id))
        return page.status, read.status if read else None, list(codes)


def test_one_unreadable_page_in_eight_is_an_exception_and_seven_are_read(
        ctx, two_documents, monkeypatch):
    group = first_group(monkeypatch, two_documents.folder)
    bad = group[3]
    with session_scope() as session:
        path = image_store().path(session.get(Page, bad).image_sha256)
    path.write_bytes(path.read_bytes()[:200])  # the stored image truncated on disk

    outcomes = read_pages(group)

    assert outcomes == ["read"] * 3 + ["exception"] + ["read"] * 4
    assert [outcome(p) for p in group if p != bad] == [("read", "ok", [])] * 7
    assert outcome(bad) == ("exception", "exception", ["file"])


def test_a_page_whose_record_cannot_be_kept_does_not_fail_its_group(
        ctx, two_documents, monkeypatch):
    group = first_group(monkeypatch, two_documents.folder)
    with session_scope() as session:
        bad_sha = session.get(Page, group[5]).image_sha256
    problem_of = reading.record_problem

    def fails_on_one_page(record):
        if record.image == bad_sha and record.status == "ok":
            raise ValueError("this record cannot be kept")
        return problem_of(record)

    monkeypatch.setattr(reading, "record_problem", fails_on_one_page)
    outcomes = read_pages(group)

    assert outcomes == ["read"] * 5 + ["exception"] + ["read"] * 2
    assert [outcome(p) for p in group if p != group[5]] == [("read", "ok", [])] * 7
    assert outcome(group[5]) == ("exception", "exception", ["reader"])
    with session_scope() as session:
        assert "this record cannot be kept" in session.get(PageRead, group[5]).reason
    assert read_pages(group) == ["already read"] * 8  # run again: nothing new
