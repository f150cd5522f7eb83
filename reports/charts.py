"""Server-drawn charts (matplotlib, SVG): no state kept between charts."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

BINS = 30


def distribution_svg(values: np.ndarray, title: str, xlabel: str,
                     lines: dict[str, float]) -> str:
    """A histogram of ``values`` with a vertical line per entry of ``lines`` (label → x)."""
    figure = Figure(figsize=(7, 3.2))
    axes = figure.subplots()
    axes.hist(values, bins=BINS, color="#5b7fa6")
    for (label, x), style in zip(lines.items(), ("--", "-", ":"), strict=False):
        axes.axvline(x, color="#b22222" if style == "-" else "#333333", linestyle=style,
                     label=f"{label} {x:.2f}")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("groups")
    if lines:
        axes.legend()
    figure.tight_layout()
    out = io.StringIO()
    figure.savefig(out, format="svg")
    return out.getvalue()
