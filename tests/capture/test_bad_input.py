"""Bad input in one feed (BENCHMARKS.md, "Reliability"): each bad file or page
is an exception with its reason, an upside-down page is read turned, a
duplicated lithocode and a header count that disagrees are flagged, and the
rest of the batch goes on to its documents."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from capture.demo import BatchSpec, write_batch
from capture.formset import known_forms
from capture.intake import ingest_files, paths_key, scanner_files
from capture.models import Batch, CaptureException, Document, DocumentCondition, Page
from sample_sheets.deck import generate_deck
from station.db import session_scope
from tests.capture.files import image_bytes, pdf_bytes

FORM = "answer_folder"


def jpeg(gray: np.ndarray, dpi: int = 300) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, "JPEG", quality=90, dpi=(dpi, dpi))
    return buffer.getvalue()


def write_document(folder, prefix: str, seed: int, lithocode: int) -> None:
    deck = generate_deck(known_forms()[FORM], 1, seed=seed, effects="none",
                         first_lithocode=lithocode, image_format="jpg")
    for n, page in enumerate(next(deck.documents()).pages, 1):
        (folder / f"{prefix}_{n}.jpg").write_bytes(page.data())


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory):
    from sample_sheets.render import render_page

    folder = tmp_path_factory.mktemp("scans") / "bad"
    truth = write_batch(folder, BatchSpec(FORM, 2, seed=31, first_lithocode=800, effects="none",
                                          declared=4))
    upright = Image.open(folder / "0001.jpg")
    upright.rotate(180).save(folder / "0001.jpg", "JPEG", quality=92, dpi=(300, 300))
    write_document(folder, "0000_a_stray", 32, 900)     # fed before the header
    write_document(folder, "0100_duplicate", 33, 800)  # a second document printed as 800
    unknown = dataclasses.replace(known_forms()[FORM], form_code=1000)
    bad = {
        "0200_blank.jpg": jpeg(np.full((3300, 2550), 250, np.uint8)),
        "0201_unknown_form.jpg": jpeg(render_page(unknown, 2, dpi=300)),
        "0202_72dpi.png": image_bytes(size=(612, 792), dpi=(72, 72)),
        "0203_empty.tif": b"",
        "0204_text.tif": b"a text file named .tif\n",
        "0205_truncated.tif": image_bytes("TIFF", dpi=(300, 300), mode="1",
                                          compression="group4")[:2000],
        "0206_no_images.pdf": pdf_bytes(False),
    }
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")
    bad["0207_bomb.png"] = bomb.getvalue()
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    return truth


def test_bad_input_is_excepted_and_the_batch_goes_on(ctx, bad_batch):
    folder = bad_batch.folder
    total = ingest_files(scanner_files([folder]), paths_key([folder]))
    assert (total.files, total.pages) == (25, 25)
    with session_scope() as session:
        found = {(p.source_name if p else None, e.code): e.reason for e, p in session.execute(
            select(CaptureException, Page).outerjoin(Page, Page.id == CaptureException.page_id))}
        [batch] = session.scalars(select(Batch)).all()
        turned = session.scalars(select(Page).where(Page.source_name == "0001.jpg")).one()
        documents = {d.lithocode: d for d in session.scalars(select(Document))}
        conditions = {(c.document_id, c.code) for c in session.scalars(select(DocumentCondition))}
    assert set(found) == {
        *((f"0000_a_stray_{n}.jpg", "no_header") for n in range(1, 5)), ("0200_blank.jpg", "blank"),
        ("0201_unknown_form.jpg", "unknown_form"), ("0202_72dpi.png", "resolution"),
        ("0203_empty.tif", "file"), ("0204_text.tif", "file"), ("0205_truncated.tif", "file"),
        ("0206_no_images.pdf", "file"), ("0207_bomb.png", "file"), (None, "count_mismatch")}
    assert found[("0203_empty.tif", "file")] == "empty file"
    assert "too large" in found[("0207_bomb.png", "file")]
    # the duplicate is a third paper document: counted, and flagged
    assert found[(None, "count_mismatch")] == "the header declares 4 documents, 3 found"
    assert (turned.status, turned.rotated, turned.page_number) == ("read", True, 1)
    assert (batch.declared_count, batch.documents_found, batch.count_status) == (4, 3, "mismatch")
    assert sorted(documents) == bad_batch.lithocodes
    assert (documents[bad_batch.lithocodes[0]].id, "duplicate_lithocode") in conditions
    assert documents[bad_batch.lithocodes[1]].status == "complete"
