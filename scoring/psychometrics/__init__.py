"""Psychometrics from sufficient statistics: item analysis, reliability, Rasch and partial
credit calibration by conditional maximum likelihood, linking, IRT true-score equating and
classification consistency. Pure numpy/scipy; formulas and defaults in docs/psychometrics.md.

Modules: :mod:`.stats` (the one pass over the responses), :mod:`.esf` (elementary symmetric
functions), :mod:`.cml` (Rasch/PCM calibration), :mod:`.persons` (raw score to theta),
:mod:`.fit`, :mod:`.items`, :mod:`.reliability`, :mod:`.irt` (item response functions),
:mod:`.linking`, :mod:`.equating`, :mod:`.classification`, :mod:`.files` (CSV input).
"""
