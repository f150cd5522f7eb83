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
    assert reasons["02-text.tif"] == "not an image: starts with text (11 bytes)"
    assert "no scanned page image" in reasons["03-no-images.pdf"]
    assert "72 dpi" in reasons["04-72dpi.png"]
    assert reasons["05-truncated.tif"] == "truncated TIFF: 3,000 bytes, frame 1 incomplete"
    before = row_counts()
    again = ingest_files(files, paths_key([folder]))
    assert (again.pages, again.new) == (5, 0)
    assert row_counts() == before


def test_a_file_that_cannot_be_opened_is_left_and_counted_the_rest_is_taken(ctx, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    good = [folder / f"{n:02d}.png" for n in (1, 3)]
    for n, path in enumerate(good):
        path.write_bytes(image_bytes(size=(850 + n, 1100)))  # two different pages
    gone = folder / "02.png"  # listed, then deleted by the scanner before it was read
    seen = []
    total = ingest_files([good[0], gone, good[1]], paths_key([folder]),
                         on_file=lambda path, counted: seen.append((path.name, counted.new,
                                                                     counted.unopened)))
    assert (total.files, total.pages, total.new, total.unopened) == (2, 2, 2, 1)
    assert seen == [("01.png", 1, 0), ("02.png", 0, 1), ("03.png", 1, 0)]
    with session_scope() as session:
        assert sorted(session.scalars(select(Page.source_name))) == ["01.png", "03.png"]
