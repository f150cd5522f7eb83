"""A generated batch in, documents out, on SQLite and PostgreSQL: header sheet,
documents with their pages shuffled, in-process reading; and feeding it again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from capture import reading
from capture.demo import BatchSpec, write_batch
from capture.intake import ingest_files, paths_key, scanner_files
from capture.models import Batch, Document, DocumentCondition, Page, PageRead
from station.db import session_scope
from tests.capture.conftest import row_counts

FORM = "answer_folder"


@pytest.fixture(scope="session")
def shuffled_batch(tmp_path_factory):
    """A header declaring 3 documents and 3 answer folders, pages shuffled."""
    folder = tmp_path_factory.mktemp("scans") / "batch"
    return write_batch(folder, BatchSpec(FORM, 3, seed=11, first_lithocode=500, effects="none",
                                         shuffle=True))


def ingest(folder):
    return ingest_files(scanner_files([folder]), paths_key([folder]))


def test_shuffled_batch_becomes_its_documents(ctx, shuffled_batch):
    total = ingest(shuffled_batch.folder)
    assert (total.pages, total.new, total.problems) == (13, 13, 0)
    with session_scope() as session:
        [batch] = session.scalars(select(Batch)).all()
        assert (batch.status, batch.declared_count, batch.documents_found,
                batch.count_status) == ("closed", 3, 3, "ok")
        header = shuffled_batch.header["fields"]
        assert batch.school_code == "".join(k["value"] for k in header["school_code"].values())
        documents = session.scalars(select(Document)).all()
        assert sorted(d.lithocode for d in documents) == sorted(shuffled_batch.lithocodes)
        assert {d.status for d in documents} == {"complete"}
        assert session.scalars(select(DocumentCondition)).all() == []
        reads = session.execute(select(Page, PageRead).join(PageRead)).all()
        assert {p.status for p, _ in reads} == {"read"}
        truth = {(d["lithocode"], p["page"]): p for d in shuffled_batch.documents
                 for p in d["pages"]}
        for page, read in reads:
            if page.id == batch.header_page_id:
                continue
            assert page.document_id == next(d.id for d in documents
                                            if d.lithocode == page.lithocode)
            expected = truth[(page.lithocode, page.page_number)]["fields"]
            for name, keys in expected.items():
                values = {k: v["value"] for k, v in read.record["fields"][name].items()}
                assert values == {k: v["value"] for k, v in keys.items()}, name


def test_feeding_again_and_running_a_read_twice_add_nothing(ctx, shuffled_batch):
    ingest(shuffled_batch.folder)
    before = row_counts()
    again = ingest(shuffled_batch.folder)
    assert (again.pages, again.new) == (13, 0)
    with session_scope() as session:
        page_id = session.scalars(select(Page.id)).first()
    assert reading.read_pages([page_id]) == ["already read"]
    assert row_counts() == before
