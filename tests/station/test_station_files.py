"""Files read without following links: the image store gives back only what it wrote."""

from __future__ import annotations

import os

import pytest

from station.files import FileTooLarge, NotRegularFile, read_regular
from station.images import ImageStore


def test_a_regular_file_is_read_and_anything_else_refused_unread(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_bytes(b"key")
    folder = tmp_path / "scans"
    (folder / "day1").mkdir(parents=True)
    (folder / "day1" / "0001.tif").write_bytes(b"scan")
    (folder / "link.tif").symlink_to(secret)
    (folder / "up").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(folder / "pipe.tif")
    assert read_regular(folder, "day1/0001.tif") == b"scan"
    for name, kind in (("link.tif", "a symbolic link"), ("up/secret_key", "a symbolic link"),
                       ("pipe.tif", "a named pipe"), ("day1", "a folder")):
        with pytest.raises(NotRegularFile, match=f"not a regular file: {kind}"):
            read_regular(folder, name)
    with pytest.raises(FileTooLarge, match="4 bytes, over the limit of 3 bytes"):
        read_regular(folder, "day1/0001.tif", max_bytes=3)
    with pytest.raises(FileNotFoundError):
        read_regular(folder, "missing.tif")


def test_the_store_refuses_a_link_planted_in_it(tmp_path):
    store = ImageStore(tmp_path / "store")
    key = store.put(b"page")
    secret = tmp_path / "secret_key"
    secret.write_bytes(b"key")
    path = store.path(key)
    path.unlink()
    path.symlink_to(secret)
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError, match="symbolic link"):
        store.get(key)
    assert store.put(b"page") == key and store.get(key) == b"page"  # the link replaced


def test_the_store_refuses_a_file_that_no_longer_matches_its_key(tmp_path):
    store = ImageStore(tmp_path)
    key = store.put(b"page")
    store.path(key).chmod(0o644)
    store.path(key).write_bytes(b"another page")
    assert store.get(key) == b"another page"  # the read jobs' fast path
    with pytest.raises(FileNotFoundError, match="does not match its key"):
        store.get(key, verify=True)
