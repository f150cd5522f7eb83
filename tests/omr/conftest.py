import pytest

from omr.levels import TemplateCache
from tests.omr.omr_synth import draw_blank, make_form


@pytest.fixture(scope="session")
def synth_form():
    return make_form()


@pytest.fixture(scope="session")
def synth_templates():
    return TemplateCache(lambda form, page: draw_blank(form, page, 300))
