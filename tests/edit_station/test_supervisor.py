"""The supervisor's page and actions: queue depth by batch and rule, the
corrections log and its CSV, reassigning an item, releasing a batch only when
every document is released."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from edit_station.models import EditItem
from tests.edit_station.conftest import claim, database, submit


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_supervisor_watches_reassigns_and_releases(ingested, app, login, csrf_headers):
    editor, supervisor = app.test_client(), app.test_client()
    ed = login(editor, "editor")
    login(supervisor, "supervisor")
    ed_h, sup_h = csrf_headers(editor), csrf_headers(supervisor)
    item = claim(editor, ed_h)
    submit(editor, ed_h, item["id"], {"value": "*" if item["kind"] == "key" else ""},
           status=200 if item["kind"] == "key" else 400)
    page = supervisor.get("/edit/supervisor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Queue depth by batch and rule" in html and "name_multiple" in html
    queue = supervisor.get("/api/edit/queue?rule=name_multiple").get_json()["queue"]
    assert queue and {row["rule"] for row in queue} == {"name_multiple"}
    csv = supervisor.get("/edit/corrections.csv").get_data(as_text=True).splitlines()
    assert csv[0].startswith("id,at,batch_id,document_id,item_id,rule,field,key,before,after")
    log = supervisor.get("/api/edit/corrections?rule=nothing").get_json()["corrections"]
    assert log == []
    with database(app) as session:
        other = session.scalars(select(EditItem).where(
            EditItem.status == "open", EditItem.claimed_by.is_(None))).first().id
    answer = supervisor.post(f"/api/edit/items/{other}/reassign", json={"user": ed.username},
                             headers=sup_h)
    assert answer.status_code == 200
    with database(app) as session:
        assert session.get(EditItem, other).claimed_by == ed.id
    assert supervisor.post(f"/api/edit/items/{other}/reassign", json={"user": "nobody"},
                           headers=sup_h).status_code == 400
    batch_id = item["batch_id"]
    refused = supervisor.post(f"/api/edit/batches/{batch_id}/release", json={}, headers=sup_h)
    assert refused.status_code == 409 and "not released" in refused.get_json()["error"]
    assert editor.post(f"/api/edit/batches/{batch_id}/release", json={},
                       headers=ed_h).status_code == 403
