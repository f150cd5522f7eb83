"""The operator's screens and API: upload, exceptions and their resolution,
roles and CSRF."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from capture.exceptions import resolve
from station.db import session_scope
from station.errors import HTTP_STATUS, NotFound, error_json
from station.models import AuditEntry


@pytest.fixture
def operator(client, login):
    return login(client, "operator")


def upload(client, headers, files):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/api/capture/uploads", data=data, headers=headers,
                       content_type="multipart/form-data")


def test_uploaded_bad_files_are_exceptions_an_operator_resolves(ctx, client, operator,
                                                                 csrf_headers):
    headers = csrf_headers(client)
    response = upload(client, headers, [("b.tif", b"not a scan"), ("a.tif", b"")])
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("files", "pages", "new", "problems")} == {
        "files": 2, "pages": 2, "new": 2, "problems": 2}
    assert [(f["name"], f["new"], [p["code"] for p in f["problems"]]) for f in body["taken"]] == [
        ("a.tif", 1, ["file"]), ("b.tif", 1, ["file"])]
    listed = client.get("/api/capture/exceptions").get_json()["exceptions"]
    assert [e["page"]["source"] for e in listed] == ["b.tif", "a.tif"]
    assert listed[1]["reason"] == "empty file"
    assert listed[1]["actions"] == ["rescan", "reassign", "discard"]
    target = f"/api/capture/exceptions/{listed[1]['id']}/resolve"
    refused = client.post(target, json={"action": "discard"}, headers=headers)
    assert refused.status_code == 400 and refused.get_json()["error"] == "reason required"
    assert client.post(target, json={"action": "discard", "note": "x"}).status_code == 400  # CSRF
    done = client.post(target, json={"action": "discard", "note": "empty file from a test"},
                       headers=headers)
    assert done.status_code == 200
    again = client.post(target, json={"action": "discard", "note": "twice"}, headers=headers)
    assert again.status_code == 409
    resolved = client.get("/api/capture/exceptions?state=resolved").get_json()["exceptions"]
    assert [(e["resolution"], e["resolved_by"]) for e in resolved] == [
        ("discard", operator.username)]
    with session_scope() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "capture.exception.discard")).one()
        assert entry.actor == operator.username
        assert entry.after["note"] == "empty file from a test"


def test_same_upload_twice_adds_nothing(ctx, client, operator, csrf_headers):
    headers = csrf_headers(client)
    first = upload(client, headers, [("a.tif", b"scan?")]).get_json()
    second = upload(client, headers, [("a.tif", b"scan?")]).get_json()
    assert (first["new"], second["new"]) == (1, 0)


def test_reassign_needs_an_existing_batch(ctx, client, operator, csrf_headers):
    headers = csrf_headers(client)
    upload(client, headers, [("a.tif", b"")])
    [exc] = client.get("/api/capture/exceptions").get_json()["exceptions"]
    response = client.post(f"/api/capture/exceptions/{exc['id']}/resolve",
                           json={"action": "reassign", "batch_id": 999}, headers=headers)
    assert response.status_code == 400 and response.get_json()["error"] == "batch required"


def test_screens_render_for_an_operator(ctx, client, operator, csrf_headers):
    upload(client, csrf_headers(client), [("a.tif", b"")])
    for path, words in (("/capture", "Batches"), ("/capture/exceptions", "empty file"),
                        ("/capture/upload", "Upload scans")):
        response = client.get(path)
        assert response.status_code == 200 and words in response.get_data(as_text=True)
    progress = client.get("/api/capture/batches").get_json()
    assert progress["batches"] == []
    assert [(f["source"], f["unassigned"], f["waiting"]) for f in progress["feeds"]] == [
        ("upload", 1, 0)]


def test_an_editor_is_refused_the_operator_screens(ctx, client, login):
    login(client, "editor")
    assert client.get("/capture").status_code == 403
    assert client.get("/api/capture/batches").status_code == 403
    assert client.get("/capture/exceptions").status_code == 403


def test_domain_errors_are_mapped_to_http_in_one_place(ctx, client, operator, csrf_headers):
    """resolve() raises a domain error (no HTTP in capture); the station's one
    mapping answers it with its status and the JSON error shape."""
    with session_scope() as session, pytest.raises(NotFound) as caught:
        resolve(session, 10**6, "rescan", "cli:test")
    assert (caught.value.code, caught.value.error) == ("not_found", "no such exception")
    response = client.post(f"/api/capture/exceptions/{10**6}/resolve", json={"action": "rescan"},
                           headers=csrf_headers(client))
    assert response.status_code == HTTP_STATUS["not_found"] == 404
    assert response.get_json() == error_json("no such exception",
                                             "exception 1000000 does not exist")
