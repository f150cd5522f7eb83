"""Responses clipped from capture's writing documents (a real generated batch, read by the
reader, through capture's door): one image per page of the response area, in order, no
identity in what a scorer gets; clipping again adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from capture.demo import BatchSpec, write_batch
from capture.documents import batch_documents
from capture.intake import ingest_files, scanner_files
from handscore.clips import clip_batch, response_clips
from handscore.models import Response
from handscore.routing import next_read
from handscore.views import read_json
from station.db import session_scope
from station.images import image_store

SOURCE = {"form": "writing_document", "field": "response"}


@pytest.fixture(scope="module")
def writing_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans") / "writing"
    truth = write_batch(folder, BatchSpec("writing_document", 2, seed=17, first_lithocode=1700,
                                          effects="none", image_format="png"))
    return folder, truth


def test_complete_documents_become_responses_of_their_pages(ctx, make_prompt, writing_batch,
                                                            scorer):
    folder, truth = writing_batch
    prompt = make_prompt(source=SOURCE, validity_rate=0)
    ingest_files(scanner_files([folder]), "scanner 1")
    with session_scope() as session:
        [batch_id] = {d.batch.id for d in _documents(session)}
        assert clip_batch(session, "test", prompt, batch_id, image_store()) == 2
        assert clip_batch(session, "test", prompt, batch_id, image_store()) == 0
        responses = session.scalars(select(Response).order_by(Response.id)).all()
        documents = {d.id: d for d in _documents(session)}
    assert len(responses) == 2
    for response in responses:
        document = documents[response.document_id]
        assert len(response.image_keys) == 3  # pages 2, 3 and 4 of the response area
        clips = [cv2.imdecode(np.frombuffer(image_store().get(k), np.uint8),
                              cv2.IMREAD_GRAYSCALE) for k in response.image_keys]
        boxes = [box for page in document.pages for box in page.record.areas.get("response", ())]
        assert [c.shape for c in clips] == [(h, w) for _, _, w, h in boxes]
        assert all(c.mean() > 150 for c in clips)  # paper, not a black crop
    reader = scorer(prompt)
    with ctx.test_request_context(), session_scope() as session:
        read = next_read(session, prompt, reader, datetime.now(UTC))
        shown = str(read_json(read, prompt, session.get(Response, read.response_id)))
    assert "/api/handscore/reads/" in shown
    for document in documents.values():
        assert document.lithocode not in shown
        assert document.batch.school_code and document.batch.school_code not in shown


def _documents(session):
    return batch_documents(session, 1).documents


def test_clips_follow_page_order_and_turn_upside_down_pages(ctx):
    class Page:
        def __init__(self, sha, rotated, boxes):
            self.image_sha256, self.rotated = sha, rotated
            self.record = type("R", (), {"areas": {"response": boxes}})()

    image = np.arange(100 * 100, dtype=np.uint16).reshape(100, 100).astype(np.uint8)
    document = type("D", (), {"pages": (Page("a", False, ((10, 20, 5, 4),)),
                                        Page("b", True, ((0, 0, 3, 2),)),
                                        Page("c", False, ()))})()
    first, second = response_clips(document, "response", lambda sha: image)
    assert (first == image[20:24, 10:15]).all()
    assert (second == np.rot90(image[0:2, 0:3], 2)).all()
