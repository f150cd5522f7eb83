"""A supervisor opens each report page from the navigation, sees its chart and downloads
its CSV; an editor and a scorer are refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_operator import log_in
from tests.reports.test_mark_discrimination_outputs import with_changes  # noqa: F401
from tests.reports.test_processing import capture_rows  # noqa: F401 (fixtures)

REPORTS = [("Mark discrimination", "reports/mark-discrimination", "groups"),
           ("Header reconciliation", "reports/header-reconciliation", "batches"),
           ("Exceptions report", "reports/exceptions", "exceptions")]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("with_changes", "capture_rows")
def test_a_supervisor_opens_each_report_sees_its_chart_and_downloads_its_csv(
        live_server, browser_page, make_user, tmp_path):
    page = browser_page
    log_in(page, live_server, make_user("supervisor"))
    for label, path, table in REPORTS:
        page.get_by_role("navigation", name="Areas").get_by_role("link", name=label).click()
        expect(page).to_have_url(f"{live_server}/{path}")
        expect(page.locator("figure.chart svg").first).to_be_visible()
        with page.expect_download() as download:
            page.locator(f"#{table} a.download").click()
        saved = tmp_path / f"{table}.csv"
        download.value.save_as(saved)
        lines = saved.read_text().splitlines()
        shown = page.locator(f"#{table} tbody tr").count()
        assert shown > 0 and len(lines) - 1 == shown


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("role", ["editor", "scorer"])
def test_an_editor_and_a_scorer_are_refused(live_server, browser_page, make_user, role):
    page = browser_page
    log_in(page, live_server, make_user(role))
    for _, path, _ in REPORTS:
        response = page.goto(f"{live_server}/{path}")
        assert response.status == 403
