from dataclasses import replace

from omr.levels import TemplateCache
from tests.omr.omr_synth import draw_blank, make_form


def test_templates_are_built_once_per_page_definition():
    calls = []

    def render(form, page):
        calls.append(page)
        return draw_blank(form, page)

    cache = TemplateCache(render)
    first = make_form()
    template = cache.get(first, first.page(1))
    again = make_form()
    assert cache.get(again, again.page(1)) is template and len(calls) == 1
    changed = replace(again, pages=(replace(again.page(1), width_in=8.4),))
    assert cache.get(changed, changed.page(1)) is not template and len(calls) == 2
