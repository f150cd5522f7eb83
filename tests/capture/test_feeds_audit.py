"""Who fed what (issue 12, point 7): a feed row only when something new came, with the
user who fed it, and one audit entry per upload or ingest run."""

from __future__ import annotations

import getpass
import io

from sqlalchemy import select

from capture.intake import ingest_files, scanner_files
from capture.models import Feed
from station.db import session_scope
from station.models import AuditEntry
from tests.capture.files import image_bytes


def upload(client, headers, files):
    return client.post("/api/capture/uploads", headers=headers, content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(data), name) for name, data in files]})


def runs(action: str) -> list[AuditEntry]:
    with session_scope() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


def feeds() -> list[tuple[str, str | None]]:
    with session_scope() as session:
        return [tuple(row) for row in session.execute(select(Feed.source, Feed.fed_by)
                                                      .order_by(Feed.id))]


def test_an_upload_of_nothing_new_leaves_no_feed_and_every_upload_is_audited(
        ctx, client, login, csrf_headers):
    operator = login(client, "operator")
    headers = csrf_headers(client)
    files = [("0001.png", image_bytes()), ("0002.tif", b"")]
    assert upload(client, headers, files).get_json()["new"] == 2
    assert upload(client, headers, files).get_json()["new"] == 0
    assert feeds() == [("upload", operator.username)]
    first, second = runs("capture.upload")
    assert (first.actor, second.actor) == (operator.username, operator.username)
    assert first.target.startswith("feed:") and second.target == "feed:none"
    assert (first.after["files"], first.after["new"], first.after["problems"]) == (2, 2, 1)
    assert (second.after["files"], second.after["new"]) == (2, 0)


def test_an_ingest_run_records_the_command_lines_user(ctx, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "0001.png").write_bytes(image_bytes())
    ingest_files(scanner_files([folder]), "scanner 1")
    ingest_files(scanner_files([folder]), "scanner 2")  # the same page under another feed
    assert feeds() == [("ingest", f"cli:{getpass.getuser()}")]
    first, second = runs("capture.ingest")
    assert first.actor == second.actor == f"cli:{getpass.getuser()}"
    assert (first.after["new"], second.after["new"], second.target) == (1, 0, "feed:none")
