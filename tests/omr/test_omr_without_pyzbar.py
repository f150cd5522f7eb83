"""With pyzbar unloadable (no libzbar0 on the machine), the command line and the web app
start, and barcodes are read with zxing-cpp alone after one warning saying what to install."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

READ_TWO_PAGES = """
import json, logging
logging.basicConfig(level=logging.WARNING, format="WARNING %(message)s")
from omr.read import read_page
from omr.levels import TemplateCache
from tests.omr.omr_synth import draw_blank, make_form, scan
form = make_form()
templates = TemplateCache(lambda f, p: draw_blank(f, p, 300))
coded = scan(draw_blank(form, 1, 300, lithocode="12345670"))
uncoded = scan(draw_blank(form, 1, 300))  # zxing finds nothing: the second decoder is asked
records = [read_page(page, {form.id: form}, name=f"p{i}.png", templates=templates)
           for i, page in enumerate([coded, uncoded, uncoded])]
print(json.dumps([r.lithocode for r in records]))
"""


@pytest.fixture(scope="module")
def without_pyzbar(tmp_path_factory):
    """An environment where ``import pyzbar.pyzbar`` fails as it does without libzbar0."""
    shadow = tmp_path_factory.mktemp("no_zbar") / "pyzbar"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("")
    (shadow / "pyzbar.py").write_text(
        "raise ImportError('Unable to find zbar shared library')\n")
    return {"PYTHONPATH": f"{shadow.parent}:{REPO}", "PATH": "/usr/bin:/bin"}


def _python(code, env, tmp_path):
    return subprocess.run([sys.executable, "-c", code], env={**env, "HOME": str(tmp_path)},
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_the_shadow_really_breaks_pyzbar(without_pyzbar, tmp_path):
    result = _python("import pyzbar.pyzbar", without_pyzbar, tmp_path)
    assert result.returncode != 0 and "Unable to find zbar shared library" in result.stderr


def test_help_and_create_app_work_without_pyzbar(without_pyzbar, tmp_path):
    result = _python("from app import cli; cli(['--help'])", without_pyzbar, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ScanScore" in result.stdout and "serve" in result.stdout
    db = tmp_path / "s.db"
    code = (f"from station import migrate; migrate.upgrade('sqlite:///{db}');"
            f"from app import create_app; app = create_app({{'DATABASE_URL': 'sqlite:///{db}'}});"
            "print(sorted(app.blueprints))")
    result = _python(code, without_pyzbar, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "capture" in result.stdout


def test_reading_goes_on_with_zxing_alone_and_one_warning(without_pyzbar, tmp_path):
    result = _python(READ_TWO_PAGES, without_pyzbar, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["12345670", None, None]
    warnings = [line for line in result.stderr.splitlines() if "pyzbar" in line]
    assert len(warnings) == 1, result.stderr
    assert "libzbar0" in warnings[0] and "zxing-cpp alone" in warnings[0]
