"""The data the app and the command line open on: NHS England's real NOF 2025/26 files, shipped in ``data/``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._load import Dataset, read_files

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ACUTE_DATA = DATA_DIR / "nof_2025_26" / "nhs-oversight-framework-acute-trust-data.csv"
MHC_DATA = DATA_DIR / "nof_2025_26" / "nhs-oversight-framework-mental-health-and-community-trust-data.csv"
DEFAULT_LEAGUE = DATA_DIR / "nof_2025_26" / "nhs-oversight-framework-mental-health-and-community-trust-league-table.csv"
#: The data files the app and the command line open on: everything real we hold.
DEFAULT_FILES = (ACUTE_DATA, MHC_DATA)
TRUST_LIST = DATA_DIR / "ods" / "nhs_trusts_by_nof_type.csv"
ODS_ETR = DATA_DIR / "ods" / "etr.csv"


def default_dataset() -> Dataset:
    """NHS England's real NOF 2025/26 files.

    Returns
    -------
    Dataset
        The 134 acute trusts (Q1 data), the 61 mental health and community trusts (Q1 to Q4 data) and their
        published Q4 league table (``DEFAULT_FILES`` and ``DEFAULT_LEAGUE``).
    """
    return read_files([*DEFAULT_FILES, DEFAULT_LEAGUE])


def trust_register() -> pd.DataFrame:
    """The 205 NOF trusts with ODS open and close dates (closures are how mergers show up).

    Returns
    -------
    DataFrame
        ``ods_code``, ``nof_trust_type`` and the other columns of ``TRUST_LIST``; ``open_date`` and
        ``close_date`` as datetimes (NaT when absent).
    """
    frame = pd.read_csv(TRUST_LIST, dtype=str, keep_default_na=False)
    for col in ("open_date", "close_date"):
        frame[col] = pd.to_datetime(frame[col], format="%Y%m%d", errors="coerce")
    return frame
