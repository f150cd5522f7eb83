"""Responses clipped from capture's writing documents, read through capture's door
(:mod:`capture.documents`).

A complete document of the prompt's ``source`` form gives one response: one image per page of
the ``source`` field's response area, in page order, cut by the mark record's boxes (image
pixels of the scan as decoded), shown upright when the page was fed upside down, stored in
the image store as grayscale PNG. The response keeps its document's id (supervisors may
follow it to the student); nothing of the student, school or lithocode goes to scorers. A
document clipped once is not clipped again.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from capture.documents import CaptureDocument, DocumentGone, batch_documents
from handscore.errors import Code, HandscoreError
from handscore.models import Need, Response, ResponseKind
from handscore.prompts import Prompt
from omr.image_io import decode
from station import audit
from station.images import ImageStore
from station.models import User

COMPLETE = "complete"


def response_clips(document: CaptureDocument, field: str,
                   page_image: Callable[[str], np.ndarray]) -> list[np.ndarray]:
    """The images of ``field``'s areas on the document's pages, in page order;
    ``page_image(sha256)`` gives a stored page as a grayscale array."""
    clips = []
    for page in document.pages:
        boxes = page.record.areas.get(field, ())
        if not boxes:
            continue
        image = page_image(page.image_sha256)
        for x, y, w, h in boxes:
            clip = image[max(y, 0):y + h, max(x, 0):x + w]
            clips.append(np.ascontiguousarray(np.rot90(clip, 2)) if page.rotated else clip)
    return clips


def clip_batch(session: Session, actor: User | str, prompt: Prompt, batch_id: int,
               store: ImageStore) -> int:
    """Add a response for each complete document of the prompt's form in the batch that
    has none yet; returns how many were added."""
    if prompt.source is None:
        raise HandscoreError(Code.BAD_INPUT, f"prompt {prompt.id} has no source form: add "
                                             '"source": {"form": ..., "field": ...}')
    try:
        contents = batch_documents(session, batch_id)
    except DocumentGone as exc:
        raise HandscoreError(Code.NOT_FOUND, str(exc)) from exc
    documents = [d for d in contents.documents
                 if d.form_id == prompt.source["form"] and d.status == COMPLETE]
    done = set(session.scalars(select(Response.document_id).where(
        Response.prompt_id == prompt.id,
        Response.document_id.in_([d.id for d in documents]))))
    added = 0
    for document in documents:
        if document.id in done:
            continue
        clips = response_clips(document, prompt.source["field"],
                               lambda sha: decode(store.get(sha)).pages[0])
        keys = [store.put(cv2.imencode(".png", clip)[1].tobytes()) for clip in clips]
        session.add(Response(prompt_id=prompt.id, kind=ResponseKind.LIVE,
                             document_id=document.id, image_keys=keys, need=Need.FIRST))
        added += 1
    if added:
        audit.record(session, actor, "handscore.clip", f"prompt:{prompt.id}",
                     after={"batch": batch_id, "added": added})
    session.flush()
    return added
