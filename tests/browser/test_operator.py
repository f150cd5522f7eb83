"""The operator in the browser: uploads a small batch, reads the upload's
summary and watches the batch complete; a rescan into an unknown batch is
refused with the files still chosen; a demo document shows what was read
over its pages; an editor is refused the operator's screens."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from capture.demo import MULTIGRID_FORM, BatchSpec, demo_specs, write_batch
from capture.formset import known_forms
from capture.intake import ingest_files, scanner_files


@pytest.fixture(scope="module")
def small_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans") / "upload"
    write_batch(folder, BatchSpec("answer_folder", 1, seed=41, first_lithocode=4100,
                                  effects="none"))
    return scanner_files([folder])


def log_in(page, base_url, user):
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_operator_uploads_a_batch_and_watches_it_complete(live_server, browser_page, make_user,
                                                          small_batch):
    page = browser_page
    log_in(page, live_server, make_user("operator"))
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Upload").click()
    page.get_by_label("Files").set_input_files([str(p) for p in small_batch])
    page.get_by_role("button", name="Upload").click()
    summary = page.get_by_role("region", name="Upload summary")
    expect(summary).to_contain_text(f"{len(small_batch)} taken")
    summary.get_by_role("link", name="Watch them on the batches page").click()
    expect(page).to_have_url(f"{live_server}/capture")
    row = page.locator("#batches tbody tr").first
    expect(row.locator("td").nth(4)).to_have_text("closed")
    expect(row.locator("td").nth(6)).to_have_text(str(len(small_batch)))   # read
    expect(row.locator("td").nth(9)).to_have_text("1")                     # documents complete
    expect(row.locator("td").nth(11)).to_have_text("ok")                   # header count
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Batch")
    expect(page.locator("img.thumb").first).to_have_js_property("complete", True)
    assert page.locator("img.thumb").first.evaluate("img => img.naturalWidth") > 0
    expect(page.get_by_text("complete", exact=True)).to_be_visible()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_editor_is_refused_the_operator_screens(live_server, browser_page, make_user):
    page = browser_page
    log_in(page, live_server, make_user("editor"))
    expect(page.get_by_role("navigation", name="Areas")).not_to_contain_text("Batches")
    response = page.goto(f"{live_server}/capture")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("the editor role may not use this")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_upload_summary_names_each_problem_file(live_server, browser_page, make_user,
                                                    small_batch, tmp_path):
    page = browser_page
    log_in(page, live_server, make_user("operator"))
    page.goto(f"{live_server}/capture/upload")
    text_file = tmp_path / "notes.tif"
    text_file.write_text("a text file named .tif\n")
    chosen = [str(small_batch[0]), str(text_file)]
    page.get_by_label("Files").set_input_files(chosen)
    page.get_by_label("Into batch (rescans only)").fill("999")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text("There is no batch 999")
    assert page.get_by_label("Files").evaluate("input => input.files.length") == 2
    expect(page.get_by_role("region", name="Upload summary")).to_have_count(0)

    page.get_by_label("Into batch (rescans only)").fill("")
    page.get_by_role("button", name="Upload").click()
    summary = page.get_by_role("region", name="Upload summary")
    expect(summary).to_contain_text("2 files, 2 pages: 2 taken, 0 already received, "
                                    "1 with a problem")
    problem = summary.get_by_role("row").filter(has_text="notes.tif")
    expect(problem).to_contain_text("file")
    expect(problem).to_contain_text("not")   # the reader's reason, whatever its words

    page.get_by_label("Files").set_input_files(chosen[:1])
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("region", name="Upload summary")).to_contain_text(
        "1 files, 1 pages: 0 taken, 1 already received")


@pytest.fixture(scope="module")
def multigrid_batch(tmp_path_factory):
    """The demo's end-of-course batch: its first student double-grids a letter of
    the last name and changes answers."""
    [spec] = [s for s in demo_specs(known_forms()) if s.form_id == MULTIGRID_FORM]
    folder = tmp_path_factory.mktemp("scans") / "eoc"
    write_batch(folder, spec)
    return folder


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_document_view_draws_a_multigrid_and_a_changed_answer(
        app, live_server, browser_page, make_user, multigrid_batch):
    with app.app_context():
        ingest_files(scanner_files([multigrid_batch]), "demo eoc")
    page = browser_page
    log_in(page, live_server, make_user("editor"))
    first = json.loads((multigrid_batch / "truth.json").read_text())["documents"][0]
    page.goto(f"{live_server}/capture/documents?lithocode={first['lithocode']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first["lithocode"])

    front = page.get_by_role("region", name="Page 1")
    name_row = front.locator("table.flagged tr.multiple").filter(has_text="last_name")
    expect(name_row).to_contain_text("multiple")
    drawn = front.locator('svg g.key.multiple[data-field="last_name"][data-key="2"]')
    expect(drawn).to_have_count(1)
    expect(drawn.locator("title").first).to_contain_text("levels")
    expect(page.locator("#demographics")).to_contain_text("*")

    changed = next((k, v) for p in first["pages"] if p["page"] == 2
                   for k, v in p["fields"]["items"].items() if v.get("changed"))
    back = page.get_by_role("region", name="Page 2")
    row = back.locator("table.flagged tr.changed").filter(has=page.get_by_role(
        "cell", name=changed[0], exact=True))
    expect(row).to_contain_text(f"changed {changed[1]['changed']['from']} → "
                                f"{changed[1]['changed']['to']}")
    mark = back.locator(f'svg g.key.changed[data-field="items"][data-key="{changed[0]}"]')
    expect(mark).to_have_count(1)
    expect(mark.locator("rect.bubble.erased")).to_have_count(1)
    image = back.locator("svg image")
    assert image.evaluate("i => i.getBBox().width") > 0
    expect(page.locator("#history")).to_contain_text("received")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_operator_discards_several_exceptions_at_once(live_server, browser_page, make_user,
                                                          tmp_path):
    page = browser_page
    log_in(page, live_server, make_user("operator"))
    junk = []
    for n in range(3):
        junk.append(tmp_path / f"junk{n}.tif")
        junk[-1].write_text(f"not a scan {n}\n")
    page.goto(f"{live_server}/capture/upload")
    page.get_by_label("Files").set_input_files([str(p) for p in junk])
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("region", name="Upload summary")).to_contain_text("3 with a problem")

    page.goto(f"{live_server}/capture/exceptions")
    expect(page.locator("#exceptions-total")).to_contain_text("3 open exceptions")
    page.get_by_label("Choose every exception shown").check()
    expect(page.locator("#chosen-count")).to_have_text("3 chosen")
    page.get_by_label("Choose exception", exact=False).first.uncheck()
    expect(page.locator("#chosen-count")).to_have_text("2 chosen")
    page.get_by_label("Action for the chosen exceptions").select_option("discard")
    page.get_by_label("Reason for the chosen exceptions").fill("test sheets")
    page.get_by_role("button", name="Resolve chosen").click()
    expect(page.locator("#exceptions-total")).to_contain_text("1 open exceptions")
    page.goto(f"{live_server}/capture/exceptions?state=resolved")
    expect(page.locator("#exceptions tbody tr")).to_have_count(2)
    expect(page.locator("#exceptions")).to_contain_text("discard: test sheets")
