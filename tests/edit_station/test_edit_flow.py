"""A real batch whose documents each break a default rule, through the edit
station over its JSON API, on SQLite and PostgreSQL: every rule's item with its
box, problem and resolution; editors key the right values (double keying by a
second editor); post-edit releases the documents; the supervisor accepts the
blank document; the clean records come out right; completeness lists the school."""

from __future__ import annotations

import json

from sqlalchemy import select

from capture.documents import batch_documents
from capture.formset import known_forms
from capture.models import Batch, PageRead
from edit_station.clean import clean_document
from edit_station.completeness import school_gaps
from edit_station.models import EditCorrection, EditDocument, EditItem
from edit_station.values import union
from station.models import AuditEntry
from tests.edit_station.conftest import (
    FORM,
    PLANTED,
    claim,
    database,
    submit,
    truth_value,
    waiting_items,
)


def right_value(truth, item: dict) -> str:
    """What a careful editor keys for an item, from the deck's truth."""
    form = known_forms()[FORM]
    if item["kind"] == "lithocode":
        return truth.lithocodes[9]
    if item["kind"] == "date":
        return "0228" + item["value"].split("/")[2]
    if item["kind"] == "field":
        keys = form.fields[item["field"]].keys
        return "".join(truth_value(truth, item["lithocode"], item["field"], k) or " "
                       for k in keys).rstrip()
    return truth_value(truth, item["lithocode"], item["field"], item["key"])


def test_each_rule_makes_its_item_with_its_box_problem_and_resolution(ingested, app):
    truth = ingested
    form = known_forms()[FORM]
    resolutions = {r["id"]: r["resolution"].strip() for r in form.edit_rules}
    items = {(i.lithocode, i.rule, i.field, i.key): i for i in waiting_items(app)}
    with database(app) as session:
        contents = batch_documents(session, session.scalar(select(Batch.id)))
    records = {d.lithocode: {n: r for p in d.pages for n, r in p.record.fields.items()}
               for d in contents.documents}
    for index, (rule, field, key) in PLANTED.items():
        litho = truth.lithocodes[index]
        item = items[(litho, rule, field, key)]
        assert item.resolution == resolutions[rule]
        if field is None:
            assert item.problem.startswith("no mark was read")
            continue
        reads = records[litho][field]
        chosen = [reads[key]] if key else ([reads[k] for k in reads] if rule != "birth_date_range"
                                           else [r for n in ("birth_month", "birth_day",
                                                             "birth_year")
                                                 for r in records[litho][n].values()])
        boxes = [list(r.box) for r in chosen] + [list(r.write_in) for r in chosen if r.write_in]
        assert item.clip["box"] == union(boxes), rule
        label = form.fields[field].label.split("·")[0].strip()
        assert label in item.problem or rule == "birth_date_range", (rule, item.problem)
    assert items[(truth.lithocodes[9], "page_missing", None, None)].problem.startswith(
        "a page of the document is missing")
    [loose] = [i for i in waiting_items(app) if i.rule == "lithocode_unreadable"]
    assert loose.document_id is None and loose.clip["box"]


def test_editors_clear_the_queue_and_documents_are_released(ingested, client, app, login,
                                                            csrf_headers):
    truth = ingested
    editors = []
    for _ in range(2):
        c = app.test_client()
        login(c, "editor")
        editors.append((c, csrf_headers(c)))
    supervisor = app.test_client()
    login(supervisor, "supervisor")
    sup_headers = csrf_headers(supervisor)
    with database(app) as session:
        records_before = {r.page_id: json.dumps(r.record, sort_keys=True)
                          for r in session.scalars(select(PageRead))}

    (a, a_headers), (b, b_headers) = editors
    broke_once = False
    for _ in range(200):
        item = claim(a, a_headers)
        if item is None:
            break
        if item["kind"] == "document":
            submit(a, a_headers, item["id"], {"action": "help", "reason": "blank folder?"})
            continue
        if item["rule"] == "name_multiple" and not broke_once:
            broke_once = True   # a wrong correction: the blank breaks another rule
            submit(a, a_headers, item["id"], {"value": ""})
            new = [i for i in waiting_items(app) if i.document_id == item["document_id"]
                   and (i.rule, i.field, i.key) == ("name_blank_start", "first_name", "2")]
            assert len(new) == 1
            continue
        value = right_value(truth, item)
        outcome = submit(a, a_headers, item["id"], {"value": value})
        if item["double_key"]:
            assert outcome["status"] == "second_key"
            second = claim(b, b_headers)
            while second["id"] != item["id"]:   # the second editor skips to it
                submit(b, b_headers, second["id"], {"action": "skip"})
                second = claim(b, b_headers)
            assert second["second_keying"]
            assert "keyings" not in second
            outcome = submit(b, b_headers, second["id"], {"value": value})
        assert outcome["status"] == "done", item
        assert item["id"] not in {i.id for i in waiting_items(app)}

    blank = claim(supervisor, sup_headers, queue="supervisor")
    assert blank["rule"] == "blank_document"
    submit(supervisor, sup_headers, blank["id"], {"action": "accept"}, status=400)
    submit(supervisor, sup_headers, blank["id"],
           {"action": "accept", "reason": "student absent; folder returned blank"})
    assert waiting_items(app) == []

    with database(app) as session:
        docs = session.scalars(select(EditDocument)).all()
        assert len(docs) == len(PLANTED)
        assert {d.status for d in docs} == {"released"}
        records_after = {r.page_id: json.dumps(r.record, sort_keys=True)
                         for r in session.scalars(select(PageRead))}
        assert records_after == records_before
        corrections = session.scalars(select(EditCorrection)).all()
        audited = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "edit.correction")).all()
        assert {c.item_id for c in corrections} == {a.after["item"] for a in audited}
        ssid = [c for c in corrections if c.rule == "ssid_multiple"]
        assert ssid and all(c.verified_by and c.verified_by != c.actor for c in ssid)

        first_name = next(d for d in docs if d.lithocode == truth.lithocodes[1])
        record = clean_document(session, first_name.document_id).to_json()
        assert record["status"] == "released"
        meant = truth_value(truth, truth.lithocodes[1], "first_name", "2")
        assert record["fields"]["first_name"]["2"] == {"value": meant, "source": "keyed"}
        assert record["fields"]["first_name"]["1"]["source"] == "read"
        gaps = {(g.field, g.missing, g.documents) for g in school_gaps(session)}
        assert ("ethnicity", 1, len(PLANTED)) in gaps
    response = supervisor.get(f"/api/edit/documents/{first_name.document_id}")
    assert response.get_json() == record
    csv = supervisor.get("/edit/completeness.csv").get_data(as_text=True)
    assert "ethnicity" in csv.splitlines()[1] or "ethnicity" in csv
    [batch] = supervisor.get("/api/edit/queue").get_json()["batches"]
    assert batch["released"] == len(PLANTED) and batch["ready"]
    response = supervisor.post(f"/api/edit/batches/{batch['batch_id']}/release", json={},
                               headers=sup_headers)
    assert response.status_code == 200


def test_items_json_names(ingested, app, client, login, csrf_headers):
    login(client, "editor")
    item = claim(client, csrf_headers(client))
    for name in ("id", "document_id", "lithocode", "batch_id", "rule", "field", "key", "value",
                 "problem", "resolution", "clip_url", "levels"):
        assert name in item
    again = client.get(f"/api/edit/items/{item['id']}").get_json()
    assert again["id"] == item["id"]
    with database(app) as session:
        held = session.get(EditItem, item["id"])
        assert held.claimed_by is not None
