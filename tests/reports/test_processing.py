"""Header reconciliation and exceptions against known capture rows; each page's CSV has
the rows it shows; the PDFs carry the numbers; only supervisors and admins see them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from capture.models import Batch, CaptureException, Document, Feed, Page
from reports import processing
from reports.reading import ReportsWrite, read_only
from station.db import session_scope
from tests.reports.test_mark_discrimination_outputs import pdf_text

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def capture_rows(app):
    """Batch 1 declares 3 and has 3 documents, batch 2 declares 5 and has 4, batch 3's
    count did not read; exceptions: two open on batch 2 (5 h and 2 h old), one resolved
    after 1.5 h."""
    with app.app_context(), session_scope() as session:
        feed = Feed(key="feed-1", source="ingest")
        session.add(feed)
        session.flush()
        batches = []
        for k, (declared, documents) in enumerate([(3, 3), (5, 4), (None, 2)]):
            header = Page(image_sha256=f"{k:064d}", feed_id=feed.id, seq=k * 10,
                          source_name=f"h{k}.tif")
            session.add(header)
            session.flush()
            batch = Batch(header_page_id=header.id, batch_code=f"B{k + 1}",
                          district_code="D1", school_code="S1", grade="05",
                          declared_count=declared)
            session.add(batch)
            session.flush()
            batches.append(batch.id)
            session.add_all(Document(batch_id=batch.id, lithocode=f"{k}{d:06d}",
                                     form_id="demo", pages_expected=1)
                            for d in range(documents))
        session.add_all([
            CaptureException(key="e1", batch_id=batches[1], code="count_mismatch",
                             reason="5 declared, 4 found", created_at=NOW - timedelta(hours=5)),
            CaptureException(key="e2", batch_id=batches[1], code="count_mismatch",
                             reason="again", created_at=NOW - timedelta(hours=2)),
            CaptureException(key="e3", batch_id=batches[0], code="unreadable_page",
                             reason="blank", state="resolved", resolution="rescan",
                             created_at=NOW - timedelta(hours=3),
                             resolved_at=NOW - timedelta(hours=1.5))])
    return batches


def test_header_reconciliation_mismatches_first(app, capture_rows):
    with app.app_context(), read_only() as session:
        table = processing.header_reconciliation(session)
    assert [(r[1], r[5], r[6], r[7], r[8]) for r in table.rows] == [
        ("B2", 5, 4, -1, "mismatch"), ("B3", None, 2, None, "no count"),
        ("B1", 3, 3, 0, "matches")]


def test_exceptions_by_batch_code_and_age(app, capture_rows):
    with app.app_context(), read_only() as session:
        table = processing.exceptions(session, NOW)
    rows = {(r[1], r[2]): r for r in table.rows}
    assert rows[("count_mismatch", "open")][3:] == (2, pytest.approx(5.0), None)
    assert rows[("unreadable_page", "resolved")][3:] == (1, None, pytest.approx(1.5))
    assert table.rows[0][2] == "open"


def test_the_read_only_session_never_writes(app):
    with app.app_context(), read_only() as session:
        session.add(Feed(key="x", source="ingest"))
        with pytest.raises(ReportsWrite):
            session.flush()


def rows_shown(html: str, table: str) -> int:
    section = html.split(f'id="{table}"', 1)[1].split("</section>", 1)[0]
    return len(re.findall(r"<tr><td>", section))


@pytest.mark.parametrize(("url", "table", "rows", "number"), [
    ("/reports/header-reconciliation", "batches", 3, "mismatch"),
    ("/reports/exceptions", "exceptions", 2, "count_mismatch")])
def test_pages_csv_and_pdf(client, login, capture_rows, url, table, rows, number):
    login(client, "supervisor")
    html = client.get(url).get_data(as_text=True)
    assert "<svg" in html and rows_shown(html, table) == rows
    download = client.get(f"{url}?format=csv&table={table}")
    assert len(list(csv.reader(io.StringIO(download.get_data(as_text=True))))) == rows + 1
    assert number in pdf_text(client.get(f"{url}?format=pdf").data)
    assert client.get(f"{url}?format=docx").status_code == 400


@pytest.mark.parametrize("role", ["editor", "scorer"])
@pytest.mark.parametrize("url", ["/reports/header-reconciliation", "/reports/exceptions"])
def test_editors_and_scorers_are_refused(client, login, role, url):
    login(client, role)
    assert client.get(url).status_code == 403
