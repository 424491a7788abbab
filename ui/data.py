"""The engine behind st.cache_data: every page asks here, nothing recomputes what the engine returns.

Datasets are identified by a key string ("default", or "upload:<sha256 of the files>", or a what-if key built on
either), so cached functions hash a short string instead of a whole dataset. The dataset itself is passed in an
argument whose name starts with "_", which Streamlit leaves out of the cache key.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

import oversight as nof

DEFAULT_KEY = "default"
DEFAULT_LABEL = "NHS England NOF 2025/26, mental health and community trusts"
SOURCE = ("Source: NHS England, NHS Oversight Framework 2025/26 CSV files (Open Government Licence v3.0), "
          "as loaded in this session.")


@st.cache_data(show_spinner="Loading NHS England's files...")
def default_dataset() -> nof.Dataset:
    return nof.default_dataset()


def files_key(files) -> str:
    """A key for a set of uploaded files: the SHA-256 of their names and bytes."""
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode())
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return "upload:" + digest.hexdigest()[:16]


@st.cache_data(show_spinner="Reading your files...", max_entries=32)
def read_upload(key: str, _files: tuple) -> nof.Dataset:
    """Read uploaded files (cached by their content key). Raises :class:`oversight.InputError`."""
    return nof.read_files(list(_files))


@st.cache_data(show_spinner="Scoring...", max_entries=64)
def assess(key: str, method: nof.Method, _dataset: nof.Dataset) -> nof.Assessment:
    """The engine's assessment. Data other than the default borrows the cut points bracketed from the default files'
    published segments for quarters it has none of its own for (an upload of six trusts is banded as the official
    table was)."""
    reference = None if key == DEFAULT_KEY else default_dataset()
    return nof.assess(_dataset, method, reference)


@st.cache_data(show_spinner="Scoring your edits...", max_entries=64)
def assess_edited(key: str, method: nof.Method, _dataset: nof.Dataset, _edits: pd.DataFrame) -> nof.Assessment:
    """The assessment with what-if edits to some trust's metrics (``key`` names the dataset and the edits)."""
    reference = None if key.split("|")[0] == DEFAULT_KEY else default_dataset()
    return nof.assess(_dataset, method, reference, edits=_edits)


@st.cache_data(show_spinner="Working out likely ranges...", max_entries=64)
def ranges(key: str, method: nof.Method, quarters: tuple[str, ...], _assessment: nof.Assessment) -> pd.DataFrame:
    """Likely ranges (engine defaults: exact score ranges, 5,000 seeded replicates for ranks) for ``quarters``."""
    return nof.likely_ranges(_assessment, list(quarters))


@st.cache_data(max_entries=64)
def improvement(key: str, method: nof.Method, quarter: str, _assessment: nof.Assessment) -> pd.DataFrame:
    return nof.improvement_plan(_assessment, quarter)


@st.cache_data(max_entries=64)
def league(key: str, method: nof.Method, quarter: str, _assessment: nof.Assessment) -> pd.DataFrame:
    """The AMR league table of a quarter (every trust type) with likely ranges and what moving up would take."""
    return nof.league_table(_assessment, quarter, ranges(key, method, (quarter,), _assessment))


@st.cache_data(max_entries=64)
def changes(key: str, method: nof.Method, _assessment: nof.Assessment, _ranges: pd.DataFrame) -> pd.DataFrame:
    return nof.segment_changes(_assessment, _ranges)


@st.cache_data(max_entries=64)
def hidden_problems(key: str, method: nof.Method, quarter: str, _assessment, _ranges) -> pd.DataFrame:
    return nof.hidden_problems(_assessment, _ranges, quarter)


@st.cache_data(max_entries=64)
def volatility(key: str, method: nof.Method, _assessment, _ranges) -> pd.DataFrame:
    from oversight import insights

    return insights.volatility(_assessment, _ranges)


@st.cache_data(max_entries=256)
def metric_spread(key: str, method: nof.Method, quarter: str, trust: str, _assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.metric_spread(_assessment, quarter, trust)


@st.cache_data
def template_example() -> pd.DataFrame:
    """A filled-in template built from the default data (six trusts, Q4)."""
    from oversight.io import template_example as build

    return build(default_dataset())


@st.cache_data
def trust_register() -> pd.DataFrame:
    return nof.trust_register()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for download, with spreadsheet formulas neutralised."""
    return nof.to_csv(frame).encode("utf-8")
