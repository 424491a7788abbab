"""Shared test fixtures: NHS England's real files and the engine's answers on them (computed once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

import oversight as nof
from oversight import io

ROOT = Path(__file__).resolve().parent.parent
DATA_FILE = io.DEFAULT_FILES[0]
LEAGUE_FILE = io.DEFAULT_LEAGUE
QUARTERS = ["Q1 2025/26", "Q2 2025/26", "Q3 2025/26", "Q4 2025/26"]


@pytest.fixture(scope="session")
def real_dataset() -> nof.Dataset:
    """The default data: NHS England's Q1-Q4 data file and Q4 league table (61 trusts)."""
    return nof.default_dataset()


@pytest.fixture(scope="session")
def real_assessment(real_dataset) -> nof.Assessment:
    return nof.assess(real_dataset)


@pytest.fixture(scope="session")
def published(real_dataset):
    """NHS England's own summary per trust and quarter, indexed by (quarter, trust_code)."""
    return nof.published_summary(real_dataset).set_index(["quarter", "trust_code"])
