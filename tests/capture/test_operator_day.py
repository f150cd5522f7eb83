"""The operator's day through the API, on generated scans: the exception queue
paged past 500 and filtered, several exceptions resolved in one action,
duplicate lithocodes on both documents and batches, an accepted count, a
batch code fed twice, pages numbered across the batch, feeds named and
counted, and an upload into an unknown batch refused before anything is
stored."""

from __future__ import annotations

import io
import shutil

import pytest
from sqlalchemy import select

from capture.demo import BatchSpec, write_batch, write_header
from capture.exceptions import resolve
from capture.formset import known_forms
from capture.intake import ingest_files, scanner_files
from capture.models import Batch, CaptureException, Document
from station.db import session_scope
from station.models import AuditEntry
from tests.capture.conftest import row_counts

FORM = "eoc_answer_sheet"
"""Two pages a document: the cheapest form to read."""


@pytest.fixture
def operator(client, login):
    return login(client, "operator")


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    """Folders of generated scans, each fed as one scanner run:

    ``short``   a header declaring 2 documents over 1 (a count mismatch);
    ``early``   2 documents whose second document's pages were fed before the header;
    ``twins``   2 documents printed with one lithocode (7000), declared 2;
    ``other``   a batch of 1 document also carrying lithocode 7000;
    ``again``   the header of ``twins`` fed again (another file of the same sheet).
    """
    root = tmp_path_factory.mktemp("scans")
    write_batch(root / "short", BatchSpec(FORM, 1, seed=61, first_lithocode=6100,
                                          effects="none", declared=2))
    write_batch(root / "early", BatchSpec(FORM, 2, seed=62, first_lithocode=6200,
                                          effects="none"))
    for n in (3, 4):
        (root / "early" / f"{n:04d}.jpg").rename(root / "early" / f"0000_a{n}.jpg")
    twins = BatchSpec(FORM, 1, seed=63, first_lithocode=7000, effects="none", declared=2)
    write_batch(root / "twins", twins)
    write_batch(root / "twin", BatchSpec(FORM, 1, seed=64, first_lithocode=7000,
                                         effects="none"))
    for n in (1, 2):
        shutil.copy(root / "twin" / f"{n:04d}.jpg", root / "twins" / f"{n + 2:04d}.jpg")
    write_batch(root / "other", BatchSpec(FORM, 1, seed=65, first_lithocode=7000,
                                          effects="none", image_format="png"))
    write_header(root / "again", BatchSpec(FORM, 2, seed=63, first_lithocode=0,
                                           effects="none", image_format="png"), known_forms())
    return root


def feed(folder, batch_id=None):
    return ingest_files(scanner_files([folder]), f"scanner {folder.name}", batch_id=batch_id)


def upload(client, headers, files, **form):
    data = {"files": [(io.BytesIO(content), name) for name, content in files], **form}
    return client.post("/api/capture/uploads", data=data, headers=headers,
                       content_type="multipart/form-data")


def newest_batch() -> int:
    with session_scope() as session:
        return session.scalars(select(Batch.id).order_by(Batch.id.desc())).first()


def test_the_queue_pages_past_500_by_keyset_and_filters_by_code_and_batch(
        ctx, client, operator, csrf_headers, scans):
    feed(scans / "short")
    short = newest_batch()
    flood = [(f"flood{i:03d}.tif", f"not a scan {i}".encode()) for i in range(530)]
    assert upload(client, csrf_headers(client), flood).status_code == 201

    seen, before, pages = [], None, 0
    while True:
        query = "/api/capture/exceptions" + (f"?before={before}" if before else "")
        body = client.get(query).get_json()
        assert body["total"] == 531 and body["codes"] == {"file": 530, "count_mismatch": 1}
        seen += body["exceptions"]
        pages, before = pages + 1, body["next_before"]
        if before is None:
            break
    assert pages == 6 and len({e["id"] for e in seen}) == 531
    assert [e["id"] for e in seen] == sorted((e["id"] for e in seen), reverse=True)
    assert seen[-1]["code"] == "count_mismatch" and seen[-1]["batch_id"] == short

    only = client.get("/api/capture/exceptions?code=count_mismatch").get_json()
    assert [(e["code"], e["reason"]) for e in only["exceptions"]] == [
        ("count_mismatch", "the header declares 2 documents, 1 found")]
    in_batch = client.get(f"/api/capture/exceptions?batch_id={short}").get_json()
    assert in_batch["total"] == 1 and in_batch["codes"] == {"count_mismatch": 1}
    big = client.get("/api/capture/exceptions?limit=500").get_json()
    assert len(big["exceptions"]) == 500 and big["next_before"] == big["exceptions"][-1]["id"]

    screen = client.get(f"/capture/exceptions?code=file&before={seen[100]['id']}")
    text = screen.get_data(as_text=True)
    assert "<b>530</b> open exceptions of file" in text and "Older exceptions" in text
    for bad, status in (("before=%C2%B2", 422), ("before=99999999999999999999999", 422),
                        ("batch_id=x", 422), ("limit=501", 400), ("limit=0", 400),
                        ("state=lost", 400)):
        response = client.get(f"/api/capture/exceptions?{bad}")
        assert response.status_code == status, bad


def test_several_exceptions_resolved_in_one_action_each_audited(
        ctx, client, operator, csrf_headers, scans):
    feed(scans / "early")
    batch = newest_batch()
    headers = csrf_headers(client)
    listed = client.get("/api/capture/exceptions?code=no_header").get_json()["exceptions"]
    assert len(listed) == 2
    mismatch = client.get("/api/capture/exceptions?code=count_mismatch").get_json()
    assert mismatch["total"] == 1
    ids = [e["id"] for e in listed]

    refused = client.post("/api/capture/exceptions/resolve", headers=headers,
                          json={"ids": ids, "action": "discard"})
    assert refused.status_code == 400 and "none of the chosen" in refused.get_json()["detail"]
    unknown = client.post("/api/capture/exceptions/resolve", headers=headers,
                          json={"ids": [*ids, 999999], "action": "reassign", "batch_id": batch})
    assert unknown.status_code == 404
    assert client.get("/api/capture/exceptions?code=no_header").get_json()["total"] == 2

    done = client.post("/api/capture/exceptions/resolve", headers=headers,
                       json={"ids": ids, "action": "reassign", "batch_id": batch})
    assert done.status_code == 200 and done.get_json()["resolved"] == 2
    assert client.get("/api/capture/exceptions").get_json()["total"] == 0  # recounted: ok
    detail = client.get(f"/api/capture/batches/{batch}").get_json()
    assert (detail["batch"]["count_status"], detail["batch"]["documents_complete"]) == ("ok", 2)
    with session_scope() as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "capture.exception.reassign")).all()
        assert sorted(e.target for e in entries) == sorted(f"capture_exception:{i}" for i in ids)
        assert {(e.actor, e.after["batch_id"]) for e in entries} == {(operator.username, batch)}


def test_bulk_discard_from_the_screen_keeps_the_filter(ctx, client, operator, csrf_headers):
    headers = csrf_headers(client)
    upload(client, headers, [(f"junk{i}.tif", f"junk {i}".encode()) for i in range(8)])
    ids = [e["id"] for e in client.get("/api/capture/exceptions").get_json()["exceptions"]]
    token = headers["X-CSRF-Token"]
    response = client.post("/capture/exceptions/resolve", data={
        "ids": ids[:5], "action": "discard", "note": "test sheets", "csrf_token": token,
        "back": "/capture/exceptions?code=file"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/capture/exceptions?code=file")
    assert client.get("/api/capture/exceptions").get_json()["total"] == 3
    resolved = client.get("/api/capture/exceptions?state=resolved").get_json()["exceptions"]
    assert sorted(e["id"] for e in resolved) == sorted(ids[:5])
    assert {(e["resolution"], e["note"]) for e in resolved} == {("discard", "test sheets")}


def test_duplicate_lithocodes_flag_both_documents_on_both_batches(ctx, client, operator, scans):
    feed(scans / "twins")
    twins = newest_batch()
    row = client.get(f"/api/capture/batches/{twins}").get_json()
    assert (row["batch"]["documents_found"], row["batch"]["count_status"]) == (2, "ok")
    assert (row["batch"]["documents_complete"], row["batch"]["documents_edit"]) == (0, 1)
    assert [(d["lithocode"], d["status"], d["pages_found"]) for d in row["documents"]] == [
        (row["documents"][0]["lithocode"], "edit", 4)]
    assert {c["code"] for c in row["conditions"]} == {"duplicate_lithocode"}

    feed(scans / "other")
    other = newest_batch()
    assert other != twins
    for batch, elsewhere in ((twins, other), (other, twins)):
        detail = client.get(f"/api/capture/batches/{batch}").get_json()
        assert [d["status"] for d in detail["documents"]] == ["edit"]
        assert f"lithocode also in batch {elsewhere}" in {c["detail"] for c in detail["conditions"]}
        assert detail["batch"]["documents_edit"] == 1 and detail["batch"]["conditions"] >= 1
    page = client.get(f"/capture/batches/{twins}").get_data(as_text=True)
    assert "1 in edit" in page and f"lithocode also in batch {other}" in page
    lithocode = row["documents"][0]["lithocode"]
    found = client.get(f"/api/capture/documents?lithocode={lithocode}").get_json()["documents"]
    assert sorted(d["batch_id"] for d in found) == sorted([twins, other])
    assert client.get(f"/capture/documents?lithocode={lithocode}").status_code == 200
    assert "No document carries" in client.get("/capture/documents?lithocode=1").get_data(
        as_text=True)


def test_an_editor_finds_a_document_and_sees_it_as_read(ctx, client, login, scans):
    feed(scans / "short")
    with session_scope() as session:
        doc = session.scalars(select(Document)).one()
        [mismatch] = session.scalars(select(CaptureException)).all()
        resolve(session, mismatch.id, "accept", "supervisor1", note="one student absent")
    login(client, "editor")
    assert client.get("/capture").status_code == 403
    found = client.get(f"/capture/documents?lithocode={doc.lithocode}")
    assert found.status_code == 302 and found.headers["Location"].endswith(
        f"/capture/documents/{doc.id}")
    view = client.get(f"/api/capture/documents/{doc.id}").get_json()
    assert [p["page"] for p in view["pages"]] == [1, 2]
    marks = {(m["field"], m["key"]): m for p in view["pages"] for m in p["marks"]}
    item = marks[("items", "1")]
    assert len(item["box"]) == 4 and set(item["levels"]) == {"A", "B", "C", "D"}
    assert item["title"].startswith("items 1: ") and "levels A " in item["title"]
    labels = [d["label"] for d in view["demographics"]]
    assert "LAST NAME" in labels and "STUDENT ID (SSID)" in labels
    assert [e["what"] for e in view["history"]][:2] == ["received", "received"]
    assert {(e["what"], e["who"]) for e in view["history"]} >= {
        ("read", "reader"), ("capture.exception.accept", "supervisor1")}
    assert client.get(f"/capture/pages/{view['pages'][0]['id']}/page.png").status_code == 200
    assert client.get(f"/capture/pages/{view['pages'][0]['id']}/original").status_code == 403


def test_an_accepted_count_says_who_and_why_and_a_reused_batch_code_is_a_condition(
        ctx, client, operator, csrf_headers, scans):
    feed(scans / "short")
    short = newest_batch()
    [mismatch] = client.get("/api/capture/exceptions").get_json()["exceptions"]
    client.post(f"/api/capture/exceptions/{mismatch['id']}/resolve", headers=csrf_headers(client),
                json={"action": "accept", "note": "one student absent"})
    [row] = [b for b in client.get("/api/capture/batches").get_json()["batches"]
             if b["id"] == short]
    assert row["count_status"] == "accepted"
    assert (row["count_accepted"]["by"], row["count_accepted"]["note"]) == (
        operator.username, "one student absent")
    assert "count accepted by" in client.get(f"/capture/batches/{short}").get_data(as_text=True)

    feed(scans / "twins")
    twins = newest_batch()
    feed(scans / "again")
    again = newest_batch()
    assert again != twins
    for batch, other in ((twins, again), (again, twins)):
        detail = client.get(f"/api/capture/batches/{batch}").get_json()
        assert detail["batch"]["code_reused_by"] == [other]
        assert [c["detail"] for c in detail["conditions"] if c["code"] == "batch_code_reused"] \
            == [f"batch code {detail['batch']['batch_code']} is also used by batch {other}"]
    warning = client.get(f"/capture/batches/{again}").get_data(as_text=True)
    assert "is also used by" in warning and 'role="alert"' in warning


def test_pages_are_numbered_in_scanner_order_with_their_place_in_the_document(
        ctx, client, operator, scans):
    feed(scans / "short")
    detail = client.get(f"/api/capture/batches/{newest_batch()}").get_json()
    assert [p["position"] for p in detail["pages"]] == [1, 2, 3]
    assert [p["in_document"] for p in detail["pages"]] == [None, "1 of 2", "2 of 2"]


def test_feeds_are_named_linked_and_count_only_pages_still_waiting(
        ctx, client, operator, csrf_headers):
    headers = csrf_headers(client)
    upload(client, headers, [("a.tif", b"one"), ("b.tif", b"two")])
    [row] = client.get("/api/capture/batches").get_json()["feeds"]
    assert row["name"].startswith(f"upload by {operator.username}, 20")
    assert (row["unassigned"], row["waiting"]) == (2, 0)
    first = client.get("/api/capture/exceptions").get_json()["exceptions"][0]
    client.post(f"/api/capture/exceptions/{first['id']}/resolve", headers=headers,
                json={"action": "discard", "note": "not ours"})
    [row] = client.get("/api/capture/batches").get_json()["feeds"]
    assert row["unassigned"] == 1
    pages = client.get(f"/api/capture/feeds/{row['id']}").get_json()["pages"]
    assert sorted(p["status"] for p in pages) == ["discarded", "exception"]
    assert row["name"] in client.get(f"/capture/feeds/{row['id']}").get_data(as_text=True)


def test_an_upload_into_an_unknown_batch_is_refused_before_anything_is_stored(
        ctx, client, operator, csrf_headers):
    headers = csrf_headers(client)
    before = row_counts()
    response = upload(client, headers, [("a.tif", b"scan")], batch_id="999")
    assert response.status_code == 422
    assert "there is no batch 999" in response.get_json()["detail"]["batch_id"]
    page = client.post("/capture/upload", headers=headers, content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(b"scan"), "a.tif")], "batch_id": "999"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "there is no batch 999" in text and 'value="999"' in text
    assert row_counts() == before


def test_the_upload_page_summarises_what_was_taken(ctx, client, operator, csrf_headers):
    headers = csrf_headers(client)
    upload(client, headers, [("old.tif", b"seen before")])
    page = client.post("/capture/upload", headers=headers, content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(b"seen before"), "old.tif"),
                                       (io.BytesIO(b""), "empty.tif")]})
    text = page.get_data(as_text=True)
    assert page.status_code == 201
    assert "2 files, 2 pages: <b>1 taken</b>, 1 already received" in text
    assert "empty file" in text


def test_batches_are_searched_and_paged_newest_first(ctx, client, operator, scans):
    feed(scans / "short")
    feed(scans / "early")
    with session_scope() as session:
        ids = list(session.scalars(select(Batch.id).order_by(Batch.id.desc())))
        school = session.get(Batch, ids[0]).school_code
    one = client.get("/api/capture/batches?limit=1").get_json()
    assert (one["total"], [b["id"] for b in one["batches"]]) == (2, ids[:1])
    rest = client.get(f"/api/capture/batches?limit=1&before={one['next_before']}").get_json()
    assert [b["id"] for b in rest["batches"]] == ids[1:] and rest["next_before"] is None
    found = client.get(f"/api/capture/batches?school_code={school}").get_json()
    assert [b["school_code"] for b in found["batches"]] == [school] and found["total"] == 1
    today = one["batches"][0]["created_at"][:10]
    assert client.get(f"/api/capture/batches?date={today}&status=closed").get_json()["total"] == 2
    assert client.get("/api/capture/batches?date=1999-01-01").get_json()["total"] == 0
    assert client.get("/api/capture/batches?date=yesterday").status_code == 400
    assert client.get("/api/capture/batches?batch_code=%25").get_json()["total"] == 0


def test_an_upload_warns_of_a_batch_code_already_used(ctx, client, operator, csrf_headers,
                                                      scans):
    feed(scans / "twins")
    twins = newest_batch()
    header = scans / "again" / "0000_header.png"
    response = upload(client, csrf_headers(client), [(header.name, header.read_bytes())])
    [opened] = response.get_json()["batches"]
    assert opened["code_reused_by"] == [twins] and opened["id"] != twins
    page = client.post("/capture/upload", headers=csrf_headers(client),
                       content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(header.read_bytes()), "again.png")]})
    text = page.get_data(as_text=True)
    assert "Its batch code is also used by" not in text  # nothing new: no batch opened
    assert "<b>0 taken</b>, 1 already received" in text
