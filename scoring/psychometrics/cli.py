"""``scanscore psychometrics``: item analysis, reliability, calibration, linking, equating
and classification on CSV files (formats in :mod:`scoring.psychometrics.files`); tables on
stdout, or JSON with ``--json``."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import click
import numpy as np

from scoring.psychometrics import files
from scoring.psychometrics.classification import livingston_lewis
from scoring.psychometrics.cml import Calibration, calibrate
from scoring.psychometrics.equating import true_score_equating, with_scale
from scoring.psychometrics.errors import PsychometricsError
from scoring.psychometrics.fit import item_fit
from scoring.psychometrics.irt import ItemBank
from scoring.psychometrics.items import item_analysis, option_distribution
from scoring.psychometrics.linking import DIRECTIONS, METHODS, LinkingOptions, drift, link
from scoring.psychometrics.persons import calibration_bank, score_table
from scoring.psychometrics.reliability import binomial_csem, reliability
from scoring.psychometrics.stats import OMIT, SufficientStatistics, gather

MODELS = {"rasch": 1, "pcm": None}
"""``--model``: the maximum score it allows per item (None: any)."""


def _run(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except PsychometricsError as exc:
        raise click.ClickException(str(exc)) from None


def _emit(as_json: bool, document: dict, tables: Sequence[tuple[str, list[str], list]]):
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    for title, headers, rows in tables:
        click.echo(title)
        click.echo(_format_table(headers, rows))
        click.echo()


def _format_table(headers: list[str], rows: list) -> str:
    text = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in text]
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) >= 1 else f"{value:.4f}"
    if isinstance(value, list | tuple):
        return " ".join(_cell(v) for v in value)
    return str(value)


def _strata(max_scores: np.ndarray) -> list[list[int]]:
    """Items grouped by format: choice (0/1) items and each larger maximum score."""
    return [np.flatnonzero(max_scores == m).tolist() for m in np.unique(max_scores)]


def _load(path: str, model: str, freq: str | None, key_path: str | None = None):
    key = files.read_key(key_path) if key_path else None
    data = files.read_responses(path, freq, MODELS[model], key)
    max_scores = _max_scores(data, model)
    stats = gather(data.responses, data.items, max_scores, data.weights,
                   _strata(max_scores))
    return data, stats


def _max_scores(data: files.ResponseFile, model: str) -> np.ndarray:
    if model == "pcm":
        return np.maximum(data.responses.max(axis=0), 1).astype(np.int64)
    return np.ones(len(data.items), dtype=np.int64)


def _load_booklets(path: str, model: str, freq: str | None, column: str):
    """One statistics per booklet; an item empty for every person of a booklet was not in
    that booklet (an omit is an empty cell among answered ones)."""
    data = files.read_responses(path, freq, MODELS[model], booklet_column=column)
    max_scores = _max_scores(data, model)
    out = []
    for booklet in sorted(set(data.booklets.tolist())):
        rows = data.booklets == booklet
        sub = data.responses[rows]
        given = ~(sub == OMIT).all(axis=0)
        weights = None if data.weights is None else data.weights[rows]
        out.append((booklet, gather(np.ascontiguousarray(sub[:, given]),
                                    [n for n, g in zip(data.items, given, strict=True) if g],
                                    max_scores[given], weights)))
    return out


response_argument = click.argument("responses", type=click.Path(dir_okay=False))
model_option = click.option("--model", type=click.Choice(list(MODELS)), default="rasch",
                            show_default=True, help="rasch: 0/1 items; pcm: partial credit "
                            "(items scored 0..max, 0/1 items are Rasch items).")
freq_option = click.option("--freq", "freq", help="Frequency column (default: a column "
                           "named freq, frequency or count, if any).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def response_options(command):
    """The response file argument with --model and --freq."""
    return response_argument(model_option(freq_option(command)))


@click.group("psychometrics")
def psychometrics() -> None:
    """Item analysis, reliability, Rasch/PCM calibration, linking, equating,
    classification (docs/psychometrics.md)."""


@psychometrics.command("items")
@response_options
@click.option("--key", "key_path", type=click.Path(dir_okay=False),
              help="Key file (item,key): the responses are then option letters.")
@json_option
def items_command(responses, model, freq, key_path, as_json):
    """Item analysis: p-values, point-biserials, omit rates, flags, options."""
    data, stats = _run(lambda: _load(responses, model, freq, key_path))
    rows = item_analysis(stats)
    document = {"persons": stats.persons, "items": [
        {"item": r.item, "p": r.p_value, "point_biserial": r.point_biserial,
         "corrected_point_biserial": r.corrected_point_biserial, "omit_rate": r.omit_rate,
         "flags": list(r.flags)} for r in rows]}
    tables = [("Items", ["item", "p", "pbis", "corrected", "omits", "flags"],
               [[r.item, r.p_value, r.point_biserial, r.corrected_point_biserial,
                 r.omit_rate, ", ".join(r.flags)] for r in rows])]
    if data.choices is not None:
        options = option_distribution(data.choices, data.key, data.items)
        letters = ["omit"] + [chr(65 + k) for k in range(options.proportions.shape[1] - 1)]
        for entry, p, mean, keyed in zip(document["items"], options.proportions,
                                         options.mean_scores, options.key, strict=True):
            entry["options"] = {letters[k]: {"proportion": float(p[k]),
                                             "mean_score": float(mean[k])}
                                for k in range(len(letters))}
            entry["key"] = letters[keyed]
        tables.append(("Options (proportion choosing)", ["item", "key", *letters],
                       [[item, letters[k], *map(float, p)] for item, k, p in
                        zip(data.items, options.key, options.proportions, strict=True)]))
    _emit(as_json, document, tables)


@psychometrics.command("reliability")
@response_options
@json_option
def reliability_command(responses, model, freq, as_json):
    """KR-20/alpha, KR-21, stratified alpha, SEM, and the CSEM at each raw score."""
    _, stats = _run(lambda: _load(responses, model, freq))
    result = _run(lambda: reliability(stats))
    try:  # the IRT CSEM needs a calibration of every item; without one the column is empty
        calibration = calibrate(stats)
        irt = (np.zeros(0) if calibration.set_aside
               else score_table(calibration_bank(calibration)).csem_raw)
    except PsychometricsError:
        irt = np.zeros(0)
    binomial = binomial_csem(len(stats.items)) if result.kr21 is not None else None
    csem = [{"raw": r, "binomial": None if binomial is None else float(binomial[r]),
             "irt": float(irt[r]) if r < irt.size else None}
            for r in range(stats.max_score + 1)]
    document = {"persons": stats.persons, "items": result.items, "alpha": result.alpha,
                "kr21": result.kr21, "stratified_alpha": result.stratified_alpha,
                "sem": result.sem, "mean": result.mean, "sd": result.variance**0.5,
                "csem": csem}
    summary = [[k, v] for k, v in document.items() if k != "csem"]
    _emit(as_json, document, [("Reliability", ["statistic", "value"], summary),
                              ("Conditional SEM", ["raw", "binomial", "irt"],
                               [[c["raw"], c["binomial"], c["irt"]] for c in csem])])


def _raw_to_theta(bank: ItemBank) -> list[dict]:
    table = score_table(bank)
    return [{"raw": int(r), "theta": float(t), "se": float(s)}
            for r, t, s in zip(table.raw, table.theta, table.se, strict=True)]


def _calibration_document(stats: SufficientStatistics | list[SufficientStatistics],
                          result: Calibration) -> dict:
    fit = item_fit(stats, result)
    items = []
    for i, name in enumerate(result.items):
        entry: dict[str, Any] = {"item": name}
        if result.max_scores[i] == 1:
            entry.update(b=float(result.thresholds[i][0]), se=float(result.standard_errors[i][0]))
        else:
            entry.update(thresholds=result.thresholds[i].tolist(),
                         se=result.standard_errors[i].tolist())
        entry.update(anchored=result.anchored[i], infit=float(fit.infit[i]),
                     outfit=float(fit.outfit[i]))
        items.append(entry)
    return {"model": "pcm" if (result.max_scores > 1).any() else "rasch",
            "log_likelihood": result.log_likelihood, "iterations": result.iterations,
            "zero_scores": result.zero_scores, "perfect_scores": result.perfect_scores,
            "set_aside": [{"item": n, "reason": why} for n, why in result.set_aside],
            "items": items}


def _anchors(path: str | None, items: Sequence[str]) -> dict[str, np.ndarray]:
    if path is None:
        return {}
    bank = files.read_item_parameters(path)
    files.check_known_items(path, bank, items, "the response file")
    return {name: row[~np.isnan(row)] for name, row in zip(bank.items, bank.thresholds,
                                                           strict=True)}


@psychometrics.command("calibrate")
@response_options
@click.option("--anchor", "anchor_path", type=click.Path(dir_okay=False),
              help="Item-parameter file of anchored items (item, b or d1..).")
@click.option("--booklet", "booklet_column", help="Column of booklet (form) ids: each "
              "booklet is its own test of the items its persons answered.")
@json_option
def calibrate_command(responses, model, freq, anchor_path, booklet_column, as_json):
    """Rasch or partial credit calibration by conditional maximum likelihood."""
    if booklet_column:
        booklets = _run(lambda: _load_booklets(responses, model, freq, booklet_column))
        stats = [b for _, b in booklets]
    else:
        stats = _run(lambda: _load(responses, model, freq))[1]
    known = [n for b in (stats if isinstance(stats, list) else [stats]) for n in b.items]
    anchors = _run(lambda: _anchors(anchor_path, known))
    result = _run(lambda: calibrate(stats, anchors))
    document = _calibration_document(stats, result)
    bank = calibration_bank(result)
    set_aside = dict(result.set_aside)
    if booklet_column:
        document["booklets"] = [
            {"booklet": name, "items": [n for n in b.items if n not in set_aside],
             "persons": _raw_to_theta(bank.subset([n for n in b.items if n not in set_aside]))}
            for name, b in booklets]
        tables_persons = []
    else:
        document["persons"] = _raw_to_theta(bank)
        tables_persons = [("Raw score to theta", ["raw", "theta", "se"],
                           [[p["raw"], p["theta"], p["se"]] for p in document["persons"]])]
    item_rows = [[e["item"], e.get("b", e.get("thresholds")), e["se"], e["infit"],
                  e["outfit"], "anchored" if e["anchored"] else ""] for e in document["items"]]
    notes = [["conditional log-likelihood", result.log_likelihood],
             ["zero scores set aside", result.zero_scores],
             ["perfect scores set aside", result.perfect_scores]]
    notes += [[f"item {n} set aside", why] for n, why in result.set_aside]
    _emit(as_json, document, [
        ("Items", ["item", "b / thresholds", "se", "infit", "outfit", ""], item_rows),
        ("Calibration", ["", "value"], notes), *tables_persons])


def _banks(new: str, old: str, scaling: float) -> tuple[ItemBank, ItemBank]:
    return files.read_item_parameters(new, scaling), files.read_item_parameters(old, scaling)


pars_arguments = [click.argument("new", type=click.Path(dir_okay=False)),
                  click.argument("old", type=click.Path(dir_okay=False))]
d_option = click.option("--D", "scaling", type=float, default=1.0, show_default=True,
                        help="Scaling constant (1.7 for the normal metric).")


def _with_pars(command):
    for decorate in reversed(pars_arguments):
        command = decorate(command)
    return command


def _grid(text: str) -> np.ndarray:
    try:
        low, high, step = (float(v) for v in text.split(":"))
    except ValueError:
        raise click.ClickException(f"--grid {text!r}: give LOW:HIGH:STEP") from None
    if not (low < high and step > 0):
        raise click.ClickException(f"--grid {text!r}: LOW must be below HIGH and STEP > 0")
    return np.arange(low, high + step / 2, step)


@psychometrics.command("link")
@_with_pars
@d_option
@click.option("--method", "methods", multiple=True, type=click.Choice(METHODS),
              help="Methods (default: all four).")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="new-to-old",
              show_default=True, help="Where the characteristic-curve criterion is taken.")
@click.option("--exclude", default="", help="Common items to leave out (drifted), "
              "comma-separated.")
@click.option("--grid", default="-4:4:0.05", show_default=True,
              help="Theta grid LOW:HIGH:STEP of the characteristic-curve criteria.")
@click.option("--normal-weights", is_flag=True, help="Weight the grid by the standard "
              "normal density (default: weights 1, as plink).")
@json_option
def link_command(new, old, scaling, methods, direction, exclude, grid, normal_weights,
                 as_json):
    """Linking constants (theta_old = A theta_new + B) from common items (same names)
    and the drift screen of the common items."""
    new_bank, old_bank = _run(lambda: _banks(new, old, scaling))
    excluded = tuple(n.strip() for n in exclude.split(",") if n.strip())
    theta = _grid(grid)
    options = LinkingOptions(D=scaling, direction=direction, exclude=excluded, theta=theta,
                             weights=np.exp(-theta**2 / 2) if normal_weights else None)
    result = _run(lambda: link(new_bank, old_bank, options, methods or METHODS))
    last = list(result.constants.values())[-1]
    screen = drift(new_bank, old_bank, last, result.common)
    document = {"common": list(result.common), "constants": {
        m: {"A": c.A, "B": c.B} for m, c in result.constants.items()},
        "drift": [{"item": n, "displacement": float(d), "robust_z": float(z),
                   "flagged": bool(f)} for n, d, z, f in zip(
            screen.items, screen.displacement, screen.robust_z, screen.flagged, strict=True)]}
    _emit(as_json, document, [
        ("Linking constants", ["method", "A", "B"],
         [[m, c.A, c.B] for m, c in result.constants.items()]),
        (f"Drift of the common items (after {list(result.constants)[-1]})",
         ["item", "displacement", "robust z", "flagged"],
         [[d["item"], d["displacement"], d["robust_z"], "yes" if d["flagged"] else ""]
          for d in document["drift"]])])


@psychometrics.command("equate")
@_with_pars
@d_option
@click.option("--link", "link_method", type=click.Choice(METHODS),
              help="Link NEW to OLD first through their common items with this method "
              "(default: NEW is already on OLD's scale).")
@click.option("--conversion", type=click.Path(dir_okay=False),
              help="OLD's raw-to-scale table (raw,scale) for the raw-to-scale column.")
@json_option
def equate_command(new, old, scaling, link_method, conversion, as_json):
    """IRT true-score equating: NEW raw scores to OLD equivalents (and scale scores)."""
    new_bank, old_bank = _run(lambda: _banks(new, old, scaling))
    if link_method:
        constants = _run(lambda: link(new_bank, old_bank, LinkingOptions(D=scaling),
                                      [link_method])).constants[link_method]
        new_bank = new_bank.transformed(constants.A, constants.B)
    table = _run(lambda: true_score_equating(new_bank, old_bank))
    if conversion:
        raw, scale = _run(lambda: files.read_conversion(conversion))
        table = _run(lambda: with_scale(table, raw, scale))
    rows = [{"raw": int(r), "theta": t, "equivalent": float(e),
             "scale": None if table.scale is None else float(table.scale[r])}
            for r, t, e in zip(table.raw, table.theta, table.equivalent, strict=True)]
    _emit(as_json, {"table": rows}, [("True-score equating", ["raw", "theta", "equivalent",
                                                              "scale"],
                                      [list(r.values()) for r in rows])])


@psychometrics.command("classification")
@response_options
@click.option("--cuts", required=True, help="Cut scores (raw), comma-separated, increasing.")
@click.option("--reliability", "rel", type=float, help="Reliability (default: alpha).")
@json_option
def classification_command(responses, model, freq, cuts, rel, as_json):
    """Classification accuracy and consistency at the cuts (Livingston-Lewis)."""
    _, stats = _run(lambda: _load(responses, model, freq))
    try:
        cut_values = [float(c) for c in cuts.split(",")]
    except ValueError:
        raise click.ClickException(f"--cuts {cuts!r}: give numbers separated by commas") \
            from None
    rho = rel if rel is not None else _run(lambda: reliability(stats)).alpha
    result = _run(lambda: livingston_lewis(np.arange(stats.max_score + 1), stats.score_counts,
                                           rho, cut_values, 0, stats.max_score))
    document = {"reliability": rho, "effective_length": result.effective_length,
                "beta_model": result.model, "alpha": result.alpha, "beta": result.beta,
                "lower": result.lower, "upper": result.upper, "accuracy": result.accuracy,
                "consistency": result.consistency, "kappa": result.kappa,
                "accuracy_table": result.accuracy_table.tolist(),
                "consistency_table": result.consistency_table.tolist()}
    summary = [[k, v] for k, v in document.items() if not k.endswith("table")]
    _emit(as_json, document, [("Livingston-Lewis", ["statistic", "value"], summary),
                              ("Accuracy (rows: true, columns: observed)",
                               [f"level {j + 1}" for j in range(len(cut_values) + 1)],
                               result.accuracy_table.tolist())])
