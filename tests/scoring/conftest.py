"""Reference data sets (``../shared/reference/data`` beside the checkout, or the folder
``SCANSCORE_REFERENCE_DATA`` names) and simulated Rasch responses."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from scoring.psychometrics.simulate import simulate_responses

REFERENCE = Path(os.environ.get("SCANSCORE_REFERENCE_DATA", Path(__file__).resolve().parents[3]
                                / "shared" / "reference" / "data"))
DATA = Path(__file__).parent / "data"


def reference(name: str) -> Path:
    path = REFERENCE / name
    if not path.exists():
        pytest.fail(f"reference data set {path} is missing")
    return path


def load_matrix(name: str) -> tuple[list[str], np.ndarray]:
    path = reference(name)
    header = path.read_text().splitlines()[0].replace('"', "").split(",")
    return header, np.loadtxt(path, delimiter=",", skiprows=1)


def simulate_rasch(n: int, b: np.ndarray, seed: int) -> np.ndarray:
    """int8 responses of ``n`` standard-normal persons to Rasch items ``b``."""
    rng = np.random.default_rng(seed)
    return simulate_responses(rng.standard_normal(n), b, rng)


@pytest.fixture(scope="session")
def lsat6():
    header, data = load_matrix("LSAT6_patterns.csv")
    return header[:5], data[:, :5].astype(np.int8), data[:, 5]


@pytest.fixture(scope="session")
def science():
    header, data = load_matrix("Science_0to3.csv")
    return header, data.astype(np.int8)
