"""The mark discrimination report as a user gets it: the command's JSON, CSV and PDF, and
the page for supervisors and administrators with its chart and downloads."""

from __future__ import annotations

import csv
import io
import json
import re

import pypdfium2
import pytest
from click.testing import CliRunner

from app import cli
from reports.changes import load_changes, save_changes
from reports.mark_discrimination import mark_discrimination, tables
from reports.views import changes_path
from tests.reports.test_mark_discrimination import build


@pytest.fixture(scope="module")
def changes_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("changes") / "changes.npz"
    save_changes(path, [build("MATH"), build("READ")])
    return path


def run(*args):
    return CliRunner().invoke(cli, ["report", "mark-discrimination", *args])


def pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in pdf)


def test_the_file_round_trips(changes_file):
    again = mark_discrimination(load_changes(changes_file))
    direct = mark_discrimination([build("MATH"), build("READ")])
    assert [g.as_json() for g in again.groups] == [g.as_json() for g in direct.groups]
    assert again.responses == direct.responses


def test_json_lists_the_flagged_groups_with_the_seven_columns(changes_file):
    result = run("--changes", str(changes_file), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    groups = {(g["school"], g["test"]): g for g in document["groups"]}
    assert len(groups) == 11
    two = groups[("TWO", "MATH")]
    assert (two["students_with_changes"], two["students"], two["average_changes"],
            two["percent_changed"], two["percent_wrong_to_right"],
            two["percent_right_to_wrong"], two["items"], two["filtered"]) == \
        (6, 10, 4.0, 20.0, 65.0, 0.0, 20, True)
    assert not groups[("HALF", "MATH")]["filtered"]
    assert {r["school"] for r in document["responses"]} == {"TWO", "ONE"}


def test_one_test_and_the_wtr_z_statistic(changes_file):
    result = run("--changes", str(changes_file), "--test", "READ", "--statistic", "wtr-z",
                 "--sd", "3")
    document = json.loads(result.output)
    assert {g["test"] for g in document["groups"]} == {"READ"}
    assert document["statistic"] == "wtr-z" and document["sd"] == 3


def test_csv_holds_the_flagged_groups(changes_file, tmp_path):
    out = tmp_path / "groups.csv"
    assert run("--changes", str(changes_file), "--format", "csv", "--out", str(out)
               ).exit_code == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 11
    assert {r["school"] for r in rows if r["filtered"] == "yes"} == {"TWO", "ONE"}
    responses = run("--changes", str(changes_file), "--format", "csv", "--table",
                    "responses").output
    assert "lithocode" in responses.splitlines()[0] and "name" not in responses


def test_pdf_opens_and_contains_the_numbers(changes_file, tmp_path):
    out = tmp_path / "report.pdf"
    assert run("--changes", str(changes_file), "--format", "pdf", "--out", str(out)
               ).exit_code == 0
    text = pdf_text(out.read_bytes())
    assert "Mark discrimination" in text and "11 groups flagged, 3 on the filtered list" in text
    assert "TWO" in text and "65.00" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--test", "SCIENCE"], "unknown test 'SCIENCE'"),
    (["--sd", "0"], "greater than 0"),
    (["--sd", "-2"], "greater than 0"),
    (["--format", "docx"], "'docx' is not one of"),
])
def test_bad_input_is_refused_with_its_reason(changes_file, args, message):
    result = run("--changes", str(changes_file), *args)
    assert result.exit_code != 0 and message in result.output


def test_a_file_that_is_not_changed_answer_rows(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    result = run("--changes", str(bad))
    assert result.exit_code == 1 and "is not a changed-answer rows file" in result.output


@pytest.fixture
def with_changes(app):
    with app.app_context():
        path = changes_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    save_changes(path, [build("MATH"), build("READ")])
    return path


def page_rows(html: str, table: str) -> int:
    section = html.split(f'id="{table}"', 1)[1].split("</section>", 1)[0]
    return len(re.findall(r"<tr><td>", section))


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_the_page_shows_charts_and_its_csv_has_its_rows(client, login, with_changes, role):
    login(client, role)
    page = client.get("/reports/mark-discrimination")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") == 2 and "flag line" in html
    for table in tables(mark_discrimination([build("MATH"), build("READ")])):
        download = client.get(f"/reports/mark-discrimination?format=csv&table={table.name}")
        assert download.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))[1:]
        assert len(rows) == page_rows(html, table.name) == len(table.rows)
    pdf = client.get("/reports/mark-discrimination?format=pdf")
    assert "11 groups flagged" in pdf_text(pdf.data)


@pytest.mark.parametrize("role", ["editor", "scorer", "operator"])
def test_editors_scorers_and_operators_are_refused(client, login, with_changes, role):
    login(client, role)
    assert client.get("/reports/mark-discrimination").status_code == 403
    assert client.get("/reports/mark-discrimination?format=csv").status_code == 403


@pytest.mark.parametrize("query", ["test=SCIENCE", "sd=0", "format=docx", "sd=two"])
def test_bad_options_on_the_page_are_a_400(client, login, with_changes, query):
    login(client, "supervisor")
    response = client.get(f"/reports/mark-discrimination?{query}")
    assert response.status_code == 400


def test_without_rows_the_page_says_so(client, login):
    login(client, "supervisor")
    html = client.get("/reports/mark-discrimination").get_data(as_text=True)
    assert "No changed-answer rows yet" in html


def test_html_is_one_file_with_its_charts_and_tables(changes_file):
    result = run("--changes", str(changes_file), "--format", "html")
    assert result.exit_code == 0
    assert result.output.count("<svg") == 2
    assert page_rows(result.output, "groups") == 11
