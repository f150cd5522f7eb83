"""Bad files at intake: each is stored and becomes an exception with its
reason; the rest of the feed goes on; feeding again adds nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from capture.intake import ingest_files, paths_key, scanner_files
from capture.models import CaptureException, Page
from station.db import session_scope
from tests.capture.conftest import row_counts
from tests.capture.files import image_bytes, pdf_bytes


def bad_folder(root: Path) -> Path:
    folder = root / "scans"
    folder.mkdir()
    (folder / "01-empty.tif").write_bytes(b"")
    (folder / "02-text.tif").write_text("not a scan\n")
    (folder / "03-no-images.pdf").write_bytes(pdf_bytes(False))
    (folder / "04-72dpi.png").write_bytes(image_bytes(size=(612, 792), dpi=(72, 72)))
    (folder / "05-truncated.tif").write_bytes(
        image_bytes("TIFF", frames=2, mode="1", compression="group4")[:3000])
    (folder / "notes.txt").write_text("ignored: not a scan file name\n")
    return folder


def test_bad_files_become_exceptions_once(ctx, tmp_path):
    folder = bad_folder(tmp_path)
    files = scanner_files([folder])
    assert [f.name for f in files][-1] == "05-truncated.tif" and len(files) == 5
    first = ingest_files(files, paths_key([folder]))
    assert (first.files, first.pages, first.new, first.problems) == (5, 5, 5, 5)
    with session_scope() as session:
        reasons = dict(session.execute(
            select(Page.source_name, CaptureException.reason)
            .join(CaptureException, CaptureException.page_id == Page.id)).all())
        assert {p.status for p in session.scalars(select(Page))} == {"exception"}
    assert reasons["01-empty.tif"] == "empty file"
    assert "not a readable image" in reasons["02-text.tif"]
    assert "no scanned page image" in reasons["03-no-images.pdf"]
    assert "72 dpi" in reasons["04-72dpi.png"]
    assert reasons["05-truncated.tif"]
    before = row_counts()
    again = ingest_files(files, paths_key([folder]))
    assert (again.pages, again.new) == (5, 0)
    assert row_counts() == before
