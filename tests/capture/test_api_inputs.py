"""What capture's URLs, query strings and bodies bring is checked before the database
sees it (issue 12, points 3 and 22): a huge or non-numeric id is a 404 or a 422, never a
500, on SQLite and PostgreSQL; a note longer than its column is a 400 naming the limit,
and nothing changes."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from capture.models import CaptureException
from station.db import session_scope
from station.models import AuditEntry

HUGE = "9" * 30


@pytest.fixture
def operator(client, login):
    return login(client, "operator")


def open_exception_id(client, headers) -> int:
    client.post("/api/capture/uploads", data={"files": [(io.BytesIO(b""), "a.tif")]},
                headers=headers, content_type="multipart/form-data")
    [listed] = client.get("/api/capture/exceptions").get_json()["exceptions"]
    return listed["id"]


@pytest.mark.parametrize("path", [
    f"/capture/batches/{HUGE}", f"/api/capture/batches/{HUGE}", "/capture/batches/2147483648",
    f"/capture/pages/{HUGE}/original", f"/capture/pages/{HUGE}/thumb.png",
    "/capture/batches/²", "/api/capture/batches/-1",
])
def test_a_huge_or_odd_id_in_a_url_is_404(ctx, client, operator, path):
    assert client.get(path).status_code == 404


def test_a_huge_id_posted_to_is_404(ctx, client, operator, csrf_headers):
    headers = csrf_headers(client)
    for path in (f"/api/capture/batches/{HUGE}/close",
                 f"/api/capture/exceptions/{HUGE}/resolve"):
        assert client.post(path, json={"action": "rescan"}, headers=headers).status_code == 404


@pytest.mark.parametrize("batch_id", [HUGE, "²", "1e3", "-4", " 12x"])
def test_a_bad_batch_number_in_a_body_is_422_naming_the_field(ctx, client, operator,
                                                              csrf_headers, batch_id):
    headers = csrf_headers(client)
    exception_id = open_exception_id(client, headers)
    response = client.post(f"/api/capture/exceptions/{exception_id}/resolve",
                           json={"action": "reassign", "batch_id": batch_id}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["detail"] == {"batch_id": "a number from 0 to 2,147,483,647"}
    upload = client.post("/api/capture/uploads", headers=headers,
                         data={"files": [(io.BytesIO(b"x"), "b.tif")], "batch_id": batch_id},
                         content_type="multipart/form-data")
    assert upload.status_code == 422


def test_an_odd_before_in_the_audit_query_is_422(ctx, client, login):
    login(client, "admin")
    for before in ("²", HUGE, "x"):
        assert client.get(f"/api/audit?before={before}").status_code == 422
    assert client.get(f"/api/audit?before={2**62}").status_code == 200


def test_an_over_long_note_is_refused_and_nothing_changes(ctx, client, operator,
                                                          csrf_headers):
    headers = csrf_headers(client)
    exception_id = open_exception_id(client, headers)
    target = f"/api/capture/exceptions/{exception_id}/resolve"
    response = client.post(target, json={"action": "discard", "note": "n" * 5_000},
                           headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": "too long",
                                   "detail": {"note": "at most 500 characters (5,000 given)"}}
    page = client.post(f"/capture/exceptions/{exception_id}",
                       data={"action": "discard", "note": "n" * 501, "csrf_token":
                             headers["X-CSRF-Token"]})
    assert page.status_code == 400 and "at most 500 characters" in page.get_data(as_text=True)
    with session_scope() as session:
        assert session.get(CaptureException, exception_id).state == "open"
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.like("capture.exception.%"))) == 0
    fits = client.post(target, json={"action": "discard", "note": "n" * 500}, headers=headers)
    assert fits.status_code == 200
