"""The operator in the browser: uploads a small batch and watches it complete;
an editor is refused the operator's screens."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from capture.demo import BatchSpec, write_batch
from capture.intake import scanner_files


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
