"""Handscoring (SPEC §7): responses, prompts and rubrics, routing of first, second,
resolution and validity reads, qualification, final scores, backreads and reader agreement.

- :mod:`handscore.prompts` (the prompt's JSON form and defaults), :mod:`handscore.rules`
  (read values, resolution trigger, final score), :mod:`handscore.quality` (qualifying sets,
  holds) and :mod:`handscore.agreement` (kappa, QWK and the rest, numpy): pure;
- :mod:`handscore.models` (tables), :mod:`handscore.catalog` (prompts stored),
  :mod:`handscore.manifest` (imports), :mod:`handscore.routing` (``next_read``),
  :mod:`handscore.reads` (``submit_read``), :mod:`handscore.standing`,
  :mod:`handscore.supervision`, :mod:`handscore.monitoring` (the agreement report);
- :mod:`handscore.views` (the JSON API), :mod:`handscore.cli`, :mod:`handscore.demo`.
"""
