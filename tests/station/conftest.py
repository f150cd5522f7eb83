import pytest

from station.config import NAMES


@pytest.fixture
def workstation(monkeypatch, tmp_path):
    """The current folder is a new, empty one, and no ScanScore variable is set: everything
    runs on the embedded defaults under ./var."""
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path
