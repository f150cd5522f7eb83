"""The editor in the browser: logs in and clears five items with the keyboard
alone; the database then holds the five corrections and the document is
released. Scorers and operators are refused the station; anonymous users are
sent to the login page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from capture.demo import BatchSpec, write_batch
from capture.intake import ingest_files, scanner_files
from edit_station.models import EditCorrection, EditDocument, EditItem
from tests.browser.test_operator import log_in
from tests.edit_station.conftest import database, truth_value

FIVE = {"last_name": {"2": ["*"], "3": ["*"]}, "first_name": {"1": ["*"], "2": ["*"]},
        "middle_initial": {"1": ["*"]}}
"""Five multiple marks in one student's name (seed 208 adds no other finding)."""


@pytest.fixture(scope="module")
def five_marks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans") / "five"
    return write_batch(folder, BatchSpec("answer_folder", 1, seed=208, first_lithocode=2080,
                                         effects="none", plan=FIVE))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_editor_clears_five_items_with_the_keyboard(live_server, browser_page, make_user,
                                                       app, five_marks):
    with app.app_context():
        ingest_files(scanner_files([five_marks.folder]), "scanner 1")
    [litho] = five_marks.lithocodes
    page = browser_page
    log_in(page, live_server, make_user("editor"))
    page.goto(f"{live_server}/edit")
    item = page.locator("#item")
    seen = []
    for _ in range(5):
        expect(item).to_be_visible()
        expect(page.locator("#clip")).to_have_js_property("complete", True)
        item_id = int(item.get_attribute("data-item"))
        assert item_id not in seen
        seen.append(item_id)
        with database(app) as session:
            row = session.get(EditItem, item_id)
            value = truth_value(five_marks, litho, row.field, row.key)
        expect(page.locator("#value")).to_be_focused()
        page.keyboard.type(value)
        page.keyboard.press("Enter")
        expect(item).not_to_have_attribute("data-item", str(item_id))
    expect(page.locator("#empty")).to_be_visible()
    with database(app) as session:
        corrections = session.scalars(select(EditCorrection)).all()
        assert sorted(c.item_id for c in corrections) == sorted(seen)
        assert all(c.value_before == "*" and c.value_after != "*" for c in corrections)
        [doc] = session.scalars(select(EditDocument)).all()
        assert doc.status == "released"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_keys_are_listed_and_the_whole_page_is_one_key_away(live_server, browser_page,
                                                                  make_user, app, five_marks):
    with app.app_context():
        ingest_files(scanner_files([five_marks.folder]), "scanner 1")
    page = browser_page
    log_in(page, live_server, make_user("editor"))
    page.goto(f"{live_server}/edit")
    expect(page.locator("#item")).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help")).to_contain_text("Alt+P")
    page.keyboard.press("Alt+p")
    expect(page.locator("#page")).to_have_js_property("complete", True)
    assert page.locator("#page").evaluate("img => img.naturalWidth") > 0
    first = page.locator("#item").get_attribute("data-item")
    page.keyboard.press("Alt+s")
    expect(page.locator("#item")).not_to_have_attribute("data-item", first)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("role", ["scorer", "operator"])
def test_scorers_and_operators_are_refused_the_station(live_server, browser_page, make_user,
                                                       role):
    page = browser_page
    log_in(page, live_server, make_user(role))
    expect(page.get_by_role("navigation", name="Areas")).not_to_contain_text("Edit")
    response = page.goto(f"{live_server}/edit")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text(f"the {role} role may not use this")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_anonymous_user_is_sent_to_login(live_server, browser_page):
    browser_page.goto(f"{live_server}/edit")
    expect(browser_page).to_have_url(f"{live_server}/login?next=/edit")
