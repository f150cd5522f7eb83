"""Pages that come back: a page fed before its header, reassigned to its batch
by the operator, and a missing page rescanned into its closed batch; both
complete their documents."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from capture.demo import BatchSpec, write_batch
from capture.exceptions import resolve
from capture.intake import ingest_files, scanner_files
from capture.models import Batch, CaptureException, Document, DocumentCondition
from station.db import session_scope


@pytest.fixture(scope="module")
def split_batch(tmp_path_factory):
    """A batch whose document 1 lacks page 2 (kept aside) and whose document 2's
    page 3 was fed before the header."""
    root = tmp_path_factory.mktemp("scans")
    truth = write_batch(root / "batch", BatchSpec("answer_folder", 2, seed=51,
                                                  first_lithocode=5100, effects="none"))
    (root / "batch" / "0002.jpg").rename(root / "rescan.jpg")
    (root / "batch" / "0007.jpg").rename(root / "batch" / "0000_a_early.jpg")
    return root, truth


def conditions() -> set[tuple[str, str]]:
    with session_scope() as session:
        return {(d.lithocode, c.code) for c, d in session.execute(
            select(DocumentCondition, Document).join(Document))}


def test_reassigned_and_rescanned_pages_complete_their_documents(ctx, split_batch):
    root, truth = split_batch
    first, second = truth.lithocodes
    ingest_files(scanner_files([root / "batch"]), "scanner 1")
    assert conditions() == {(first, "missing_page"), (second, "missing_page")}
    with session_scope() as session:
        batch = session.scalars(select(Batch)).one()
        early = session.scalars(select(CaptureException)).one()
        assert early.code == "no_header" and batch.count_status == "ok"
        resolve(session, early.id, "reassign", "tester", batch_id=batch.id)
    assert conditions() == {(first, "missing_page")}
    ingest_files([root / "rescan.jpg"], "rescans", batch_id=batch.id)
    assert conditions() == set()
    with session_scope() as session:
        assert {d.status for d in session.scalars(select(Document))} == {"complete"}
