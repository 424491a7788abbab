"""Tables in NHS England's published layouts, and CSV text that is safe to open in a spreadsheet."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalogue as cat

LEAGUE_LAYOUT = [
    "Quarter", "Region", "Trust_type", "Trust_subtype", "Trust_code", "Trust_name", "Average_score",
    "Likely_range_of_average_score", "Segment", "Trust_in_financial_deficit", "Rank", "Likely_range_of_rank",
]  # fmt: skip

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _number(x: float) -> str:
    """Python's shortest form of a 2-dp number, as NHS England's files write them ('1.2', '1.89')."""
    return "" if pd.isna(x) else repr(float(round(x, 2)))


def _range(lo, hi, whole: bool = False) -> list[str]:
    fmt = (lambda v: str(int(v))) if whole else _number
    return ["" if pd.isna(a) or pd.isna(b) else f"{fmt(a)} to {fmt(b)}" for a, b in zip(lo, hi)]


NOT_AVAILABLE = "not available"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 52nd."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def value_text(value, units: str, score=None) -> str:
    """A metric's raw value in its own units, as a person writes it: '7.49 %', '6.85 out of 10', '2.4 days',
    '3 cases'; a metric with no raw value says its score instead ('score 2.00')."""
    if value is None or pd.isna(value):
        return "score not given" if score is None or pd.isna(score) else f"score {float(score):.2f}"
    v = float(value)
    number = f"{v:g}" if abs(v) >= 1000 or v == int(v) else f"{v:.2f}".rstrip("0").rstrip(".")
    if units in ("%", "percent"):
        return f"{number} %"
    if units == "count":
        return f"{number} case{'' if v == 1 else 's'}"
    if units == "rate":  # infections: cases against the trust's own threshold
        return f"{number} times its threshold"
    if units in ("", "score"):
        return number
    return f"{number} {units}"


def place_text(rank, peers) -> str:
    """'52nd of 61': a trust's place on one metric among the peers of its type that report it."""
    return f"{ordinal(rank)} of {int(peers)}"


def range_text(lo, hi, decimals: int) -> str:
    """'1.20 to 1.89' or '1 to 11'; 'not available' when a bound is missing."""
    if pd.isna(lo) or pd.isna(hi):
        return NOT_AVAILABLE
    return f"{float(lo):.{decimals}f} to {float(hi):.{decimals}f}"


def league_layout(table: pd.DataFrame) -> pd.DataFrame:
    """An AMR league table in NHS England's 12-column layout.

    ``table`` needs the assessment columns (``quarter``, ``region``, ``trust_type``, ``trust_subtype``,
    ``trust_code``, ``trust_name``, ``average_score_2dp``, ``segment``, ``deficit``, ``rank``) and, optionally,
    ``score_lo``, ``score_hi``, ``rank_lo``, ``rank_hi``. Rows are ordered by trust type (acute, mental health and
    community, ambulance), then rank, then trust name.
    """
    type_order = {t: i for i, t in enumerate(cat.TRUST_TYPES)}
    ordered = table.assign(_t=table["trust_type"].map(type_order)).sort_values(
        ["quarter", "_t", "rank", "trust_name"], kind="stable")
    get = lambda c: ordered[c] if c in ordered else pd.Series(np.nan, index=ordered.index)  # noqa: E731
    return pd.DataFrame({
        "Quarter": ordered["quarter"],
        "Region": ordered["region"],
        "Trust_type": ordered["trust_type"],
        "Trust_subtype": ordered["trust_subtype"],
        "Trust_code": ordered["trust_code"],
        "Trust_name": ordered["trust_name"],
        "Average_score": [_number(x) for x in ordered["average_score_2dp"]],
        "Likely_range_of_average_score": _range(get("score_lo"), get("score_hi")),
        "Segment": [f"{float(s):.1f}" for s in ordered["segment"]],
        "Trust_in_financial_deficit": np.where(ordered["deficit"].astype(bool), "Yes", "No"),
        "Rank": [f"{float(r):.1f}" for r in ordered["rank"]],
        "Likely_range_of_rank": _range(get("rank_lo"), get("rank_hi"), whole=True),
    }).reset_index(drop=True)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to text cells that a spreadsheet would run as a formula (starting =, +, -, @, tab or CR).

    Numbers are left alone (a negative number is data, not a formula); only text columns are changed. Returns
    ``frame`` itself when nothing needs changing.
    """
    out = frame
    for col in frame.columns:
        column = frame[col]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column)):
            continue
        risky = {v for v in column.dropna().unique()
                 if isinstance(v, str) and v.startswith(_FORMULA_START) and not _is_number(v)}
        if risky:
            if out is frame:
                out = frame.copy()
            out[col] = column.astype(object).map(lambda v, risky=risky: "'" + v if v in risky else v)
    return out


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text with formulas neutralised, for every download and the command line."""
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\n")
