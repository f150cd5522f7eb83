"""capture.documents, the door other areas read capture through: a real batch
in, its documents out with pages, records and conditions; a rescan request
lands in the exception queue; a keyed lithocode joins its page to its document."""

from __future__ import annotations

import cv2
import pytest
from sqlalchemy import select

from capture.demo import BatchSpec, write_batch
from capture.documents import (
    RESCAN_CODE,
    DocumentGone,
    batch_documents,
    batch_is_assembled,
    capture_document,
    document_fingerprint,
    key_lithocode,
    request_rescan,
)
from capture.intake import ingest_files, scanner_files
from capture.models import Batch, CaptureException
from station.db import session_scope

DPI = 300


@pytest.fixture(scope="module")
def batch_folder(tmp_path_factory):
    """Two answer folders; page 3 of the second has its lithocode bars painted out."""
    folder = tmp_path_factory.mktemp("scans") / "batch"
    truth = write_batch(folder, BatchSpec("answer_folder", 2, seed=61, first_lithocode=6100,
                                          effects="none", image_format="png"))
    page = folder / "0007.png"
    image = cv2.imread(str(page), cv2.IMREAD_GRAYSCALE)
    x, y, w, h = (int(v * DPI) for v in (4.7, 0.2, 1.85, 0.4))
    image[y:y + h, x:x + w] = 255
    cv2.imwrite(str(page), image)
    return folder, truth


def test_documents_with_pages_records_and_conditions(ctx, batch_folder):
    folder, truth = batch_folder
    first, second = truth.lithocodes
    ingest_files(scanner_files([folder]), "scanner 1")
    with session_scope() as session:
        batch_id = session.scalar(select(Batch.id))
        assert batch_is_assembled(session, batch_id)
        contents = batch_documents(session, batch_id)
        assert contents.batch.school_code == "0061".zfill(len(contents.batch.school_code))
        docs = {d.lithocode: d for d in contents.documents}
        assert set(docs) == {first, second}
        assert [p.page_number for p in docs[first].pages] == [1, 2, 3, 4]
        assert docs[first].conditions == () and docs[first].status == "complete"
        assert [p.page_number for p in docs[second].pages] == [1, 2, 4]
        assert {c.code for c in docs[second].conditions} == {"missing_page"}
        [loose] = contents.loose_pages
        assert loose.page.page_number == 3 and loose.page.record.lithocode is None
        assert [c.code for c in loose.conditions] == ["lithocode_unread"]
        expected = truth.documents[0]["pages"][0]["fields"]["last_name"]
        read = docs[first].pages[0].record.fields["last_name"]
        assert {k: r.value for k, r in read.items()} == {k: v["value"]
                                                         for k, v in expected.items()}
        one = capture_document(session, docs[first].id)
        assert one == docs[first]
        assert document_fingerprint(session, one.id) == one.fingerprint
        with pytest.raises(DocumentGone, match="document 999999 does not exist"):
            capture_document(session, 999999)

    with session_scope() as session, pytest.raises(ValueError, match="check digit"):
        key_lithocode(session, loose.page.page_id, second[:-1] + str((int(second[-1]) + 1) % 10),
                      "editor")
    with session_scope() as session:
        key_lithocode(session, loose.page.page_id, second, "editor")
    with session_scope() as session:
        doc = capture_document(session, docs[second].id)
        assert [p.page_number for p in doc.pages] == [1, 2, 3, 4]
        assert doc.conditions == () and doc.status == "complete"
        assert doc.fingerprint != docs[second].fingerprint
        assert batch_documents(session, batch_id).loose_pages == ()
        with pytest.raises(DocumentGone, match="no longer waiting"):
            key_lithocode(session, loose.page.page_id, second, "editor")


def test_rescan_request_opens_an_exception_per_page(ctx, batch_folder):
    folder, truth = batch_folder
    ingest_files(scanner_files([folder]), "scanner 1")
    with session_scope() as session:
        doc = batch_documents(session, session.scalar(select(Batch.id))).documents[0]
        assert request_rescan(session, doc.id, "smudged page 2", "editor") == 4
        request_rescan(session, doc.id, "smudged page 2", "editor")
    with session_scope() as session:
        opened = session.scalars(select(CaptureException).where(
            CaptureException.code == RESCAN_CODE)).all()
        assert sorted(e.page_id for e in opened) == sorted(p.page_id for p in doc.pages)
        assert all(e.state == "open" and "smudged page 2" in e.reason for e in opened)
