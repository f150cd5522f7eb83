"""``scanscore deck FORM --count N --out DIR --batch``: a header sheet declaring N
documents, then the documents' pages in feeding order, with truth.json; what
``scanscore ingest DIR`` takes as one batch whose count reconciles."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app import cli
from capture.models import Batch, Document
from tests.edit_station.conftest import database


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_deck_batch_is_ingested_as_one_batch(app, app_config, tmp_path, monkeypatch):
    out = tmp_path / "batch"
    runner = CliRunner()
    made = runner.invoke(cli, ["deck", "answer_folder", "--count", "2", "--out", str(out),
                               "--batch", "--effects", "none", "--format", "jpg", "--seed", "9"])
    assert made.exit_code == 0, made.output
    names = sorted(p.name for p in out.iterdir())
    assert names[0] == "0000_header.jpg" and names[-1] == "truth.json"
    assert names[1:-1] == [f"D000{d}_0{p}.jpg" for d in (1, 2) for p in (1, 2, 3, 4)]
    truth = json.loads((out / "truth.json").read_text())
    assert truth["header"]["header"]["document_count"] == 2
    for name in ("DATABASE_URL", "SCANSCORE_IMAGE_STORE", "SCANSCORE_VAR"):
        monkeypatch.setenv(name, str(app_config[name]))
    ingested = runner.invoke(cli, ["ingest", str(out)])
    assert ingested.exit_code == 0, ingested.output
    with database(app) as session:
        [batch] = session.scalars(select(Batch)).all()
        assert (batch.declared_count, batch.documents_found, batch.count_status) == (2, 2, "ok")
        lithocodes = sorted(session.scalars(select(Document.lithocode)))
        assert lithocodes == sorted(d["lithocode"] for d in truth["documents"])
