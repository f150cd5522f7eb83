"""Item fit mean squares from the score-group tables, no second pass over the responses.

With the ML ability theta_r of each raw score r (persons with 0 or perfect scores left
out), the expected score E_ri and variance W_ri of item i depend on r only, so

    sum over persons with score r of (x - E_ri)^2 = SS_ri - 2 E_ri S_ri + n_r E_ri^2

(S_ri, SS_ri: sums of the item scores and of their squares in the group). Outfit is the
mean of the squared standardised residuals, infit the information-weighted mean square:

    outfit_i = sum_r [..] / W_ri / sum_r n_r      infit_i = sum_r [..] / sum_r n_r W_ri
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.psychometrics.cml import Booklets, Calibration, as_booklets, without
from scoring.psychometrics.irt import category_probabilities
from scoring.psychometrics.persons import calibration_bank, score_table


@dataclass(frozen=True)
class ItemFit:
    items: tuple[str, ...]
    infit: np.ndarray
    outfit: np.ndarray


def item_fit(stats: Booklets, calibration: Calibration) -> ItemFit:
    """Infit and outfit mean squares of the calibrated items (expected value 1), summed
    over the booklets (each with the raw-to-theta table of its own items)."""
    bank = calibration_bank(calibration)
    index = {name: i for i, name in enumerate(calibration.items)}
    residual, information, persons = (np.zeros(len(index)) for _ in range(3))
    standardised = np.zeros(len(index))
    for booklet in as_booklets(stats):
        work = without(booklet, dict(calibration.set_aside))
        if not work.items:
            continue
        rows = [index[name] for name in work.items]
        sub = bank.subset(work.items)
        p = category_probabilities(sub, score_table(sub).theta[1:-1])
        k = np.arange(p.shape[2])
        expected = p @ k
        variance = p @ (k * k) - expected**2
        n_r = work.score_counts[1:-1, None]
        sums, squares = work.score_item_sums[1:-1], work.score_item_squares[1:-1]
        squared = squares - 2 * expected * sums + n_r * expected**2
        np.add.at(residual, rows, squared.sum(axis=0))
        np.add.at(standardised, rows, (squared / variance).sum(axis=0))
        np.add.at(information, rows, (n_r * variance).sum(axis=0))
        np.add.at(persons, rows, n_r.sum())
    return ItemFit(calibration.items, residual / information, standardised / persons)
