import pytest
from omr_synth import draw_blank, make_form

from omr.levels import TemplateCache


@pytest.fixture(scope="session")
def synth_form():
    return make_form()


@pytest.fixture(scope="session")
def synth_templates():
    return TemplateCache(lambda form, page: draw_blank(form, page, 300))
