import hashlib

import pytest

from station.images import ImageStore


def test_same_bytes_stored_twice_are_one_file(tmp_path):
    store = ImageStore(tmp_path)
    key = store.put(b"page one")
    mtime = store.path(key).stat().st_mtime_ns
    assert store.put(b"page one") == key == hashlib.sha256(b"page one").hexdigest()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [tmp_path / key[:2] / key[2:4] / key]
    assert store.path(key).stat().st_mtime_ns == mtime  # not written again
    assert store.get(key) == b"page one"
    assert store.exists(key)


def test_files_are_write_once(tmp_path):
    store = ImageStore(tmp_path)
    path = store.path(store.put(b"x"))
    assert path.stat().st_mode & 0o222 == 0


def test_unknown_key_is_missing(tmp_path):
    store = ImageStore(tmp_path)
    key = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.get(key)


@pytest.mark.parametrize("key", [
    "../../etc/passwd",
    "/etc/passwd",
    "ab/cd/" + "0" * 64,
    "A" * 64,
    "0" * 63,
    "0" * 65,
    "0" * 63 + "\n",
    "",
    None,
])
def test_keys_that_are_not_hashes_are_refused(tmp_path, key):
    store = ImageStore(tmp_path / "store")
    for method in (store.path, store.get, store.exists):
        with pytest.raises(ValueError, match="not an image key"):
            method(key)
    assert not (tmp_path / "store").exists()
