"""The edit station's fixtures: a generated batch whose documents each break a
default rule (planted through the deck's plan), ingested and read for real."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import cv2
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from capture.demo import BatchSpec, BatchTruth, write_batch
from capture.formset import known_forms
from capture.intake import ingest_files, scanner_files
from edit_station.models import EditItem
from station.db import session_scope

FORM = "answer_folder"
PLANTED = {
    # document index: (rule, field, key) the plan below makes it break
    0: ("name_blank_start", "last_name", "1"),
    1: ("name_multiple", "first_name", "2"),
    2: ("name_gap", "last_name", "4"),
    3: ("birth_date_incomplete", "birth_day", "1"),
    4: ("birth_date_range", "birth_month", None),
    5: ("grade_blank_or_multiple", "grade", "1"),
    6: ("ssid_multiple", "ssid", "3"),
    7: ("ssid_length", "ssid", None),
    8: ("test_version_multiple", "test_version", "1"),
    9: ("item_multiple", "reading", "5"),
    10: ("blank_document", None, None),
}


def defect_plan() -> dict:
    """A deck plan (field → key → value per document) planting PLANTED."""
    form = known_forms()[FORM]
    n = len(PLANTED)
    plan: dict[str, dict[str, list]] = {}

    def put(doc: int, field: str, key: str, value: str) -> None:
        plan.setdefault(field, {}).setdefault(key, [None] * n)[doc] = value

    put(0, "last_name", "1", "")
    put(1, "first_name", "2", "*")
    for k, c in enumerate("MAR TINEZ" + " " * 6, 1):
        put(2, "last_name", str(k), c.strip())
    put(3, "birth_day", "1", "")
    put(4, "birth_month", "1", "02")
    put(4, "birth_day", "1", "3")
    put(4, "birth_day", "2", "0")
    put(5, "grade", "1", "*")
    put(6, "ssid", "3", "*")
    put(7, "ssid", "10", "")
    put(8, "test_version", "1", "*")
    put(9, "reading", "5", "*")
    for fld in form.fields.values():
        for key in fld.keys if fld.bubbles else ():
            put(10, fld.name, key, "")
    return plan


LOOSE_PAGE = "0039.jpg"
"""Page 3 of document 9, its lithocode bars painted out: a loose page (lithocode
unread) and a page missing from document 9."""
DPI = 300


@pytest.fixture(scope="session")
def defect_batch(tmp_path_factory) -> BatchTruth:
    folder = tmp_path_factory.mktemp("scans") / "defects"
    truth = write_batch(folder, BatchSpec(FORM, len(PLANTED), seed=77, first_lithocode=7100,
                                          effects="none", plan=defect_plan()))
    page = folder / LOOSE_PAGE
    image = cv2.imread(str(page), cv2.IMREAD_GRAYSCALE)
    x, y, w, h = (int(v * DPI) for v in (4.7, 0.2, 1.85, 0.4))
    image[y:y + h, x:x + w] = 255
    cv2.imwrite(str(page), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    return truth


@pytest.fixture
def ingested(app: Flask, defect_batch) -> BatchTruth:
    """The defect batch ingested and read (jobs in process: it is in edit).
    Requests of test clients must not run inside an outer app context (they
    would share its ``g``): use :func:`database` for a session."""
    with app.app_context():
        ingest_files(scanner_files([defect_batch.folder]), "scanner 1")
    return defect_batch


@contextmanager
def database(app: Flask) -> Iterator[Session]:
    """A session on the app's database, in an app context of its own."""
    with app.app_context(), session_scope() as session:
        yield session


def waiting_items(app: Flask) -> list[EditItem]:
    with database(app) as session:
        return list(session.scalars(select(EditItem).where(
            EditItem.status.in_(("open", "second_key", "supervisor"))).order_by(EditItem.id)))


def truth_value(truth: BatchTruth, lithocode: str, field: str, key: str) -> str:
    """What the student meant in a key: the letter printed above a multiple
    mark, else the value gridded."""
    doc = next(d for d in truth.documents if d["lithocode"] == lithocode)
    for page in doc["pages"]:
        if field in page["fields"]:
            k = page["fields"][field][key]
            return (k.get("printed") or k["value"]) if k["value"] == "*" else k["value"]
    raise KeyError(field)


def claim(client, headers, holding=(), queue=None):
    body = {"holding": list(holding), **({"queue": queue} if queue else {})}
    response = client.post("/api/edit/next", json=body, headers=headers)
    assert response.status_code in (200, 204), response.get_json()
    return response.get_json() if response.status_code == 200 else None


def submit(client, headers, item_id, body, status=200):
    response = client.post(f"/api/edit/items/{item_id}", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()
