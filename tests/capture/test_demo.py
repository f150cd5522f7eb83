"""The demo's day brings what a real day brings: a count mismatch, a page fed
before any header, an unreadable file, a lithocode in two batches and a
multigrid last name, each where the operator looks for it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from capture.demo import MULTIGRID_FORM, run_demo
from capture.models import Batch, CaptureException, Document, DocumentCondition, Page, PageRead
from station.db import session_scope


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_demo_has_a_day_of_real_problems(ctx, tmp_path):
    run_demo(tmp_path / "scans")
    with session_scope() as session:
        exceptions = {(e.code, p.source_name if p else None) for e, p in session.execute(
            select(CaptureException, Page).outerjoin(Page, Page.id == CaptureException.page_id)
            .where(CaptureException.state == "open"))}
        duplicates = session.execute(select(Document.lithocode, Document.batch_id).join(
            DocumentCondition, DocumentCondition.document_id == Document.id).where(
            DocumentCondition.code == "duplicate_lithocode")).all()
        multigrid = session.execute(select(PageRead.record).join(Page).where(
            Page.form_id == MULTIGRID_FORM, Page.page_number == 1)).scalars().all()
        batches = session.scalar(select(Batch.id).where(Batch.count_status == "mismatch"))
    assert {code for code, _ in exceptions} >= {"count_mismatch", "no_header", "file"}
    assert ("no_header", "0001.jpg") in exceptions and ("file", "0500_torn.jpg") in exceptions
    assert batches is not None
    assert len({litho for litho, _ in duplicates}) == 1
    assert len({batch for _, batch in duplicates}) == 2
    assert any("multiple" in r["fields"]["last_name"]["2"]["flags"] for r in multigrid)
