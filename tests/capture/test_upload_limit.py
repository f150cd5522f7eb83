"""An upload over the request size limit (``MAX_CONTENT_LENGTH``) is refused with 413
and nothing of it is stored; a scanner file over it in a folder is refused unread
(issue 12, point 2)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from capture.intake import ingest_files, scanner_files
from capture.models import CaptureException, Page
from station.db import session_scope
from station.images import image_store
from tests.capture.conftest import row_counts
from tests.capture.files import image_bytes

LIMIT = 200_000


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MAX_CONTENT_LENGTH": LIMIT}


def test_an_upload_over_the_size_limit_is_413_and_nothing_is_stored(ctx, client, login,
                                                                    csrf_headers):
    login(client, "operator")
    big = image_bytes(size=(850, 1100))  # ~935 KB of noise
    small = image_bytes(size=(100, 100))
    assert len(big) > LIMIT > len(small)
    response = client.post("/api/capture/uploads", headers=csrf_headers(client),
                           data={"files": [(io.BytesIO(small), "0001.png"),
                                           (io.BytesIO(big), "0002.png")]},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"] == "upload too large"
    assert "MAX_CONTENT_LENGTH" in response.get_json()["detail"]
    assert set(row_counts().values()) == {0}
    assert not image_store().root.exists() or not any(image_store().root.rglob("*"))
    page = client.post("/capture/upload", data={"files": [(io.BytesIO(big), "0002.png")]},
                       content_type="multipart/form-data")
    assert page.status_code == 413 and "upload too large" in page.get_data(as_text=True)


def test_a_scanner_file_over_the_limit_in_a_folder_is_refused_unread(ctx, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "0001.png").write_bytes(image_bytes(size=(100, 100)))
    (folder / "0002.png").write_bytes(image_bytes(size=(850, 1100)))
    total = ingest_files(scanner_files([folder]), "big")
    assert (total.files, total.new, total.refused) == (2, 1, 1)
    with session_scope() as session:
        [refused] = session.scalars(select(CaptureException).where(
            CaptureException.page_id.is_(None))).all()
        assert list(session.scalars(select(Page.source_name))) == ["0001.png"]
    size = (folder / "0002.png").stat().st_size
    assert (refused.code, refused.reason) == (
        "file", f"0002.png: file too large: {size:,} bytes, over the limit of 200,000 bytes; "
                "nothing was read or stored")
