"""Shared test fixtures: NHS England's real files and the engine's answers on them (computed once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

import oversight as nof
from oversight import io

ROOT = Path(__file__).resolve().parent.parent
DATA_FILE = io.MHC_DATA  # NHS England's mental health and community trust data file, Q1 to Q4
LEAGUE_FILE = io.DEFAULT_LEAGUE  # their Q4 mental health and community league table
ACUTE_FILE = io.ACUTE_DATA  # their acute trust data file, Q1
QUARTERS = ["Q1 2025/26", "Q2 2025/26", "Q3 2025/26", "Q4 2025/26"]


@pytest.fixture(scope="session")
def mhc_dataset() -> nof.Dataset:
    """NHS England's mental health and community files: the Q1-Q4 data file and the Q4 league table (61 trusts)."""
    return nof.read_files([DATA_FILE, LEAGUE_FILE])


@pytest.fixture(scope="session")
def acute_dataset() -> nof.Dataset:
    """NHS England's acute trust data file, Q1 2025/26 (134 trusts)."""
    return nof.read_files([ACUTE_FILE])


@pytest.fixture(scope="session")
def default_data() -> nof.Dataset:
    """The app's default: every real file we hold (acute Q1, mental health and community Q1-Q4 and Q4 league)."""
    return nof.default_dataset()


@pytest.fixture(scope="session")
def mhc_assessment(mhc_dataset) -> nof.Assessment:
    return nof.assess(mhc_dataset)


@pytest.fixture(scope="session")
def published(mhc_dataset):
    """NHS England's own summary per trust and quarter, indexed by (quarter, trust_code)."""
    return nof.published_summary(mhc_dataset).set_index(["quarter", "trust_code"])


@pytest.fixture
def fresh_caches():
    """Empty Streamlit caches before and after a test (for tests that count what the app computes)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
