"""Links are never followed (issue 12, point 1): a symbolic link, a named pipe or a
link to a folder in a hot folder or an ingest folder is an exception "not a regular
file", nothing of what it points at is read, stored or served; the store serves only
images it wrote."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from capture.intake import ingest_files, paths_key, scanner_files
from capture.models import CaptureException, Feed, Page
from capture.watch import HotFolder
from station.db import session_scope
from station.files import NotRegularFile
from station.images import image_store
from station.models import AuditEntry
from tests.capture.conftest import row_counts
from tests.capture.files import image_bytes

SECRET = b"the station's secret session key: 5f0c1e"


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file the scanner folders must never give away (the station's key)."""
    path = tmp_path / "private" / "secret_key"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(SECRET)
    return path


def plant_links(folder: Path, secret: Path) -> None:
    """A scan, and beside it what an intruder would plant."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0001.png").write_bytes(image_bytes())
    (folder / "0100_key.tif").symlink_to(secret)
    (folder / "0101_passwd.png").symlink_to("/etc/passwd")
    (folder / "0102_gone.jpg").symlink_to(folder / "nothing-there.jpg")
    os.mkfifo(folder / "0103_pipe.tif")


def stored_bytes() -> list[bytes]:
    root = image_store().root
    return [p.read_bytes() for p in root.rglob("*") if p.is_file()] if root.exists() else []


def refused() -> dict[str, tuple[str, str]]:
    """Exceptions of files refused unread: by file name, (code, reason)."""
    with session_scope() as session:
        rows = session.scalars(select(CaptureException).where(
            CaptureException.page_id.is_(None), CaptureException.batch_id.is_(None))).all()
        return {e.reason.split(":", 1)[0]: (e.code, e.reason) for e in rows}


PLANTED = ["0100_key.tif", "0101_passwd.png", "0102_gone.jpg", "0103_pipe.tif"]


def assert_nothing_of_the_links_kept(also_refused: tuple[str, ...] = ()) -> None:
    assert not any(SECRET in data or b"root:" in data for data in stored_bytes())
    with session_scope() as session:
        assert list(session.scalars(select(Page.source_name))) == ["0001.png"]
        assert session.scalar(select(Feed.fed_by)).startswith("cli:")
    found = refused()
    assert sorted(found) == sorted([*PLANTED, *also_refused])
    assert {code for code, _ in found.values()} == {"not_regular"}
    assert found["0100_key.tif"][1] == ("0100_key.tif: not a regular file: a symbolic link; "
                                        "nothing was read or stored")
    assert "a named pipe" in found["0103_pipe.tif"][1]


def test_links_in_a_hot_folder_are_refused_and_moved_aside(ctx, tmp_path, secret):
    hot = tmp_path / "hot"
    plant_links(hot, secret)
    old = time.time() - 60
    for path in hot.iterdir():
        os.utime(path, (old, old), follow_symlinks=False)
    taken = HotFolder(hot, hot / "done", settle=1).poll()
    assert taken == 5
    assert_nothing_of_the_links_kept()
    done = hot / "done"
    assert (done / "0100_key.tif").is_symlink() and secret.read_bytes() == SECRET
    assert sorted(p.name for p in hot.iterdir()) == ["done"]
    with session_scope() as session:
        [entry] = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "capture.watch")).all()
        assert entry.after["refused"] == 4 and entry.after["new"] == 1
        assert entry.actor.startswith("cli:")


def test_links_in_an_ingest_folder_are_refused_once(ctx, tmp_path, secret):
    scans = tmp_path / "scans"
    plant_links(scans / "day1", secret)
    (scans / "elsewhere").symlink_to(secret.parent, target_is_directory=True)
    (scans / "loop").symlink_to(scans, target_is_directory=True)  # a link up the tree
    files = scanner_files([scans])
    first = ingest_files(files, paths_key([scans]))
    assert (first.files, first.pages, first.new, first.refused) == (7, 1, 1, 6)
    assert_nothing_of_the_links_kept(("elsewhere", "loop"))
    assert "a symbolic link" in refused()["loop"][1]
    before = row_counts()
    again = ingest_files(scanner_files([scans]), paths_key([scans]))
    assert (again.new, again.refused) == (0, 6)
    assert row_counts() == before


def test_a_link_named_on_the_command_line_is_refused(ctx, tmp_path, secret):
    link = tmp_path / "0100_key.tif"
    link.symlink_to(secret)
    total = ingest_files(scanner_files([link]), "named")
    assert (total.files, total.pages, total.refused) == (1, 0, 1)
    assert refused()["0100_key.tif"][0] == "not_regular"
    assert stored_bytes() == []


def test_the_store_serves_only_images_it_wrote(ctx, client, login, csrf_headers, secret):
    login(client, "operator")
    headers = csrf_headers(client)
    files = {"files": [(io.BytesIO(image_bytes()), "0001.png"),
                       (io.BytesIO(b"Dear operator, hello"), "x.tif")]}
    assert client.post("/api/capture/uploads", data=files, headers=headers,
                       content_type="multipart/form-data").status_code == 201
    with session_scope() as session:
        pages = {p.source_name: (p.id, p.image_sha256) for p in session.scalars(select(Page))}
    image_id, image_key = pages["0001.png"]
    served = client.get(f"/capture/pages/{image_id}/original")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == image_bytes()
    text = client.get(f"/capture/pages/{pages['x.tif'][0]}/original")
    assert text.status_code == 404 and b"Dear operator" not in text.data
    assert "not an image" in text.get_data(as_text=True)
    stored = image_store().path(image_key)  # an intruder swaps the stored file for a link
    stored.unlink()
    stored.symlink_to(secret)
    for view in ("original", "page.png", "thumb.png"):
        response = client.get(f"/capture/pages/{image_id}/{view}")
        assert response.status_code == 404 and SECRET not in response.data


def test_a_stored_file_changed_in_place_is_not_served(ctx, client, login, csrf_headers):
    login(client, "operator")
    client.post("/api/capture/uploads", data={"files": [(io.BytesIO(image_bytes()), "0001.png")]},
                headers=csrf_headers(client), content_type="multipart/form-data")
    with session_scope() as session:
        page_id, key = session.execute(select(Page.id, Page.image_sha256)).one()
    stored = image_store().path(key)
    stored.chmod(0o644)
    stored.write_bytes(image_bytes(size=(851, 1100)))  # another image, under the old key
    assert client.get(f"/capture/pages/{page_id}/original").status_code == 404



def test_a_done_folder_swapped_for_a_link_is_not_followed(ctx, tmp_path, secret):
    hot = tmp_path / "hot"
    hot.mkdir()
    (hot / "0001.png").write_bytes(image_bytes())
    old = time.time() - 60
    os.utime(hot / "0001.png", (old, old))
    (hot / "done").symlink_to(secret.parent, target_is_directory=True)
    with pytest.raises(NotRegularFile, match="a symbolic link"):
        HotFolder(hot, hot / "done", settle=1).poll()
    assert (hot / "0001.png").exists() and sorted(os.listdir(secret.parent)) == ["secret_key"]


def test_a_refused_file_is_listed_and_resolved_like_any_exception(ctx, client, login,
                                                                 csrf_headers, tmp_path, secret):
    link = tmp_path / "0100_key.tif"
    link.symlink_to(secret)
    ingest_files([link], "named")
    login(client, "operator")
    [listed] = client.get("/api/capture/exceptions").get_json()["exceptions"]
    assert (listed["code"], listed["page"], listed["actions"]) == (
        "not_regular", None, ["rescan", "discard"])
    screen = client.get("/capture/exceptions").get_data(as_text=True)
    assert "0100_key.tif: not a regular file: a symbolic link" in screen
    done = client.post(f"/api/capture/exceptions/{listed['id']}/resolve",
                       json={"action": "discard", "note": "a link, not a scan"},
                       headers=csrf_headers(client))
    assert done.status_code == 200
