"""Tables in NHS England's published layouts, and CSV text that is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import re
import unicodedata

import numpy as np
import pandas as pd

from . import catalogue as cat
from ._cells import arrow_matches, by_distinct

LEAGUE_LAYOUT = [
    "Quarter", "Region", "Trust_type", "Trust_subtype", "Trust_code", "Trust_name", "Average_score",
    "Likely_range_of_average_score", "Segment", "Trust_in_financial_deficit", "Rank", "Likely_range_of_rank",
]  # fmt: skip

#: Characters that make a spreadsheet read a cell as a formula (OWASP's CSV-injection list, and the full-width and
#: small forms a spreadsheet may fold to them: checked after NFKC, so U+FF1D and U+FE66 count as "=").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Line breaks some program may end a row at. The csv writer quotes a field holding its own line terminator (LF);
#: a field holding any other is written with every text field quoted.
_OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_PLAIN_NUMBER = re.compile(r" *[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)? *", re.ASCII)
_QUOTES = "'\"\u2018\u2019\u201c\u201d\uff02\uff07"


def _number(x: float) -> str:
    """Python's shortest form of a 2-dp number, as NHS England's files write them ('1.2', '1.89')."""
    return repr(float(round(x, 2)))


def _texts(values, fmt) -> np.ndarray:
    """``fmt`` of each number (a float), called once per distinct value (a league table's scores and ranks repeat:
    a few hundred distinct values among thousands of trusts); "" where the value is missing."""
    x = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    return by_distinct(x, lambda v: "" if v != v else fmt(float(v)))  # NaN: the one value unequal to itself


def _ranges(lo, hi, fmt, missing: str) -> list[str]:
    """'lo to hi' of each pair of bounds, each written by ``fmt``; ``missing`` where either is missing."""
    return [f"{a} to {b}" if a and b else missing for a, b in zip(_texts(lo, fmt), _texts(hi, fmt))]


def _range(lo, hi, whole: bool = False) -> list[str]:
    return _ranges(lo, hi, (lambda v: str(int(v))) if whole else _number, "")


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


def range_texts(lo, hi, decimals: int) -> list[str]:
    """:func:`range_text` of each pair of bounds (each distinct bound written once)."""
    return _ranges(lo, hi, lambda v: f"{v:.{decimals}f}", NOT_AVAILABLE)


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
        "Average_score": _texts(ordered["average_score_2dp"], _number),
        "Likely_range_of_average_score": _range(get("score_lo"), get("score_hi")),
        "Segment": _texts(ordered["segment"], "{:.1f}".format),
        "Trust_in_financial_deficit": np.where(ordered["deficit"].astype(bool), "Yes", "No"),
        "Rank": _texts(ordered["rank"], "{:.1f}".format),
        "Likely_range_of_rank": _range(get("rank_lo"), get("rank_hi"), whole=True),
    }).reset_index(drop=True)


def _is_formula(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula.

    True when the first character that is not white space, a control or invisible character or a quote mark is a
    formula start (``= + - @``, or a full-width or small form of one), and when the text begins with a tab, CR or LF
    (OWASP); False for a plain number written as text (``-1.5`` is data, not a formula).
    """
    if not text or text[0].isascii() and text[0].isalnum() or _PLAIN_NUMBER.fullmatch(text):
        return False
    if text[0] in "\t\r\n":
        return True
    for ch in text:
        if ch.isspace() or ch in _QUOTES or unicodedata.category(ch)[0] == "C":
            continue
        return unicodedata.normalize("NFKC", ch) in _FORMULA_START or ch == "\u2212"
    return False


def _all_start_plain(column: pd.Series) -> bool:
    """Whether every value of a text column held by pyarrow starts with an ASCII letter or digit (so none can be a
    formula: see :func:`_is_formula`), checked in one pass of pyarrow's compute functions: about a sixth of the cost
    of looking at each distinct value, which every table drawn on a page pays. False for any other column."""
    return arrow_matches(column, "^[A-Za-z0-9]")


def _strings(frame: pd.DataFrame) -> dict:
    """Each text column's distinct string values (the checks below look at each value once), but for the pyarrow
    columns whose every value starts with a letter or digit (:func:`_all_start_plain`: none can be a formula)."""
    out = {}
    for col in frame.columns:
        column = frame[col]
        if isinstance(column.dtype, pd.CategoricalDtype):
            values = column.cat.categories
        elif column.dtype == object or pd.api.types.is_string_dtype(column):
            if _all_start_plain(column):
                continue
            values = np.asarray(column.dropna().unique(), dtype=object)  # pyarrow's, converted at once
        else:
            continue
        out[col] = [v for v in values if isinstance(v, str)]
    return out


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to every text cell (and column name) a spreadsheet could run as a formula.

    A cell is risky when, after any leading white space, control or invisible characters and quote marks, it starts
    with ``=``, ``+``, ``-`` or ``@`` (or their full-width forms ``＝ ＋ － ＠``), or when it starts with a tab, CR or
    LF, as OWASP's CSV-injection advice lists. Numbers are left alone, in numeric columns and as text (a negative
    number is data, not a formula).

    Parameters
    ----------
    frame : DataFrame
        Any table; text, string and categorical columns are checked, and the column names.

    Returns
    -------
    DataFrame
        A copy with risky cells prefixed, or ``frame`` itself when nothing needs changing (never changed in place).
    """
    return _neutralise(frame, _strings(frame))


def _neutralise(frame: pd.DataFrame, strings: dict) -> pd.DataFrame:
    """:func:`neutralise_formulas` given the frame's :func:`_strings`."""
    out = frame
    for col, values in strings.items():
        risky = {v for v in values if _is_formula(v)}
        if risky:
            if out is frame:
                out = frame.copy()
            out[col] = frame[col].astype(object).map(lambda v, risky=risky: "'" + v if v in risky else v)
    names = ["'" + c if isinstance(c, str) and _is_formula(c) else c for c in frame.columns]
    return out if names == list(frame.columns) else out.set_axis(names, axis=1)


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text that is safe to open in a spreadsheet, for every download and the command line.

    Formulas are neutralised (:func:`neutralise_formulas`); a field holding a line break is always quoted, so a
    spreadsheet cannot start a new row inside it (LF is quoted by the csv writer itself; if any field holds another
    line break, CR among them, every text field is quoted). Rows end in LF.

    Parameters
    ----------
    frame : DataFrame
        The table to write; its index is not written.

    Returns
    -------
    str
        The CSV text, header first.
    """
    strings = _strings(frame)  # the values of the columns that need looking at, for both checks
    # a line break other than LF: in a name, a value looked at, or (one pyarrow pass) a column passed as plain
    breaks = any(_OTHER_LINE_BREAKS.search(c) for c in frame.columns if isinstance(c, str)) or any(
        any(_OTHER_LINE_BREAKS.search(v) for v in strings[col]) if col in strings
        else arrow_matches(frame[col], _OTHER_LINE_BREAKS.pattern, every=False) for col in frame.columns)
    return _neutralise(frame, strings).to_csv(index=False, lineterminator="\n",
                                              quoting=csv.QUOTE_NONNUMERIC if breaks else csv.QUOTE_MINIMAL)
