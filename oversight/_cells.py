"""Cell rules shared by every file format: one normalisation for identifiers, one rule for numbers.

**Identifiers** (trust codes, metric IDs, trust types, quarters, flags and column names) go through
:func:`normalise_text`: Unicode NFKC (full-width letters and digits become plain ones, a no-break space a space),
every invisible or control character removed (Unicode category C: byte-order marks, zero-width spaces, NUL, ...),
runs of white space made one space, the ends stripped; codes are upper-cased. So ``rxg``, ``RXG\\u200b`` and
``\\ufeffRXG`` are one trust, never three. A cell the normalisation changed (beyond plain spaces at its ends, and
beyond letter case where case does not matter) is reported in a warning, so the change is visible. Free text (names,
descriptions) loses invisible characters and extra spaces but keeps its letters as written.

**Numbers** are digits with an optional sign, one decimal mark and an optional exponent (``12.5``, ``-0.3``,
``1e3``). A comma can never silently multiply a number by 1,000:

* in a file separated by semicolons, tabs or vertical bars (as spreadsheets save CSV where the comma is the decimal
  mark) whose numbers never use a decimal point, ``7,07`` is read as 7.07, with a warning;
* elsewhere a comma is read only as a thousands separator, and only where that is unambiguous: groups of three
  digits followed by a decimal point (``1,234.5``) or more than one group (``1,234,567``), with a warning;
* anything else with a comma (``0,5`` or ``1,234`` in a comma-separated file, a decimal comma in a file whose other
  numbers use a point) is refused, naming the cell and what to write instead.

``inf``, ``nan`` and numbers too large for a float are refused as not numbers.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from . import _limits
from . import catalogue as cat
from .problems import Problem

# ----------------------------------------------------------------------------------------------------------------
# Text


def normalise_text(text: str, *, compatibility: bool = True) -> str:
    """``text`` with invisible and control characters removed and white space tidied.

    Parameters
    ----------
    text : str
        One cell or column name.
    compatibility : bool
        Also apply Unicode NFKC (full-width and other look-alike forms become the plain character). Right for
        identifiers; free text such as names keeps its characters as written.

    Returns
    -------
    str
        The text without Unicode category C characters (BOM, zero-width space, NUL, other controls), every run of
        white space (no-break spaces, tabs, line breaks included) one space, and no space at either end.
    """
    if text.isascii() and text.isprintable():  # the usual case: only plain spaces can need tidying
        return " ".join(text.split()) if "  " in text or text[:1] == " " or text[-1:] == " " else text
    if compatibility:
        text = unicodedata.normalize("NFKC", text)
    kept = []
    for ch in text:
        kind = unicodedata.category(ch)
        if ch in "\t\n\r\x0b\x0c" or kind in ("Zs", "Zl", "Zp"):
            kept.append(" ")
        elif kind[0] != "C":  # other controls (NUL, the separators U+001C to U+001F) and format characters go
            kept.append(ch)
    return " ".join("".join(kept).split())


def column_key(column: str) -> str:
    """How a column name is matched: normalised, lower case, runs of spaces, underscores and hyphens one ``_``."""
    return re.sub(r"[\s_\-]+", "_", normalise_text(str(column)).lower())


def shown(text: str, limit: int = 40) -> str:
    """A cell as a message quotes it: cut short, invisible characters visible (``'RXG\\u200b'``)."""
    cut = text[:limit] + ("..." if len(text) > limit else "")
    return repr(cut) if not (cut.isascii() and cut.isprintable()) or "'" in cut else f"'{cut}'"


def map_unique(series: pd.Series, fn, dtype=None) -> tuple[pd.Series, dict]:
    """``fn`` applied to each distinct value once (the series is returned as it was when nothing changes).

    Returns the mapped series (``dtype``, default the series' own) and the mapping {value: fn(value)}."""
    codes, uniques = pd.factorize(series)
    uniques = np.asarray(uniques, dtype=object)  # a pyarrow array converted at once, not value by value
    mapped = [fn(value) for value in uniques]
    mapping = dict(zip(uniques, mapped))
    if dtype is None and all(k == v for k, v in mapping.items()):
        return series, mapping
    # the distinct results made into the column's type once, then taken for every row (missing where it was)
    values = pd.array(mapped, dtype=dtype or series.dtype).take(codes, allow_fill=True)
    return pd.Series(values, index=series.index), mapping


#: Printable ASCII words one space apart (or nothing): text :func:`normalise_text` returns as it is; and the same
#: without a lower-case letter, which ``str.upper`` leaves as it is too. In RE2's syntax, for pyarrow.
_TIDY = "^(?:[!-~]+(?: [!-~]+)*)?$"
_TIDY_UPPER = "^(?:[!-`{-~]+(?: [!-`{-~]+)*)?$"


def arrow_text(series: pd.Series):
    """A text column's values as one pyarrow array when pyarrow holds them (pandas' default for text, and what the
    reader makes), else None: for the one-pass checks that pyarrow's compute functions make of such a column."""
    if not hasattr(series.array, "__arrow_array__"):
        return None
    import pyarrow as pa

    values = pa.array(series.array)
    return values if pa.types.is_string(values.type) or pa.types.is_large_string(values.type) else None


def arrow_matches(series: pd.Series, pattern: str, every: bool = True) -> bool:
    """Whether every value (``every``) or any value of a text column held by pyarrow matches ``pattern`` (RE2's
    syntax), by pyarrow's regex over the column's distinct values (a hash pass finds them several times as quick as
    the regex reads every row: a file's names and codes repeat on every metric's row). False for any other column
    and for one with no value to look at: the callers then take their slow path, which looks at each distinct
    value."""
    values = arrow_text(series)
    if values is None:
        return False
    import pyarrow.compute as pc

    found = pc.match_substring_regex(pc.unique(values), pattern)
    return bool((pc.all if every else pc.any)(found).as_py())


def filled(column: pd.Series) -> np.ndarray:
    """Whether each cell of a text column holds something (neither missing nor empty); read from the lengths of
    pyarrow's text where it holds the column, without comparing any text."""
    values = arrow_text(column)
    if values is None:
        return (column.notna() & (column != "")).to_numpy(bool)
    import pyarrow.compute as pc

    return pc.fill_null(pc.greater(pc.binary_length(values), 0), False).to_numpy(zero_copy_only=False)


def key_codes(*columns: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's combination of values of ``columns`` as a whole number, numbered from 0 in the order the
    combinations first appear, and the first row of each (as ``drop_duplicates`` keeps it): a key for pairing rows
    without building a MultiIndex of text."""
    code = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    for column in columns:
        part, distinct = pd.factorize(column, use_na_sentinel=False)
        code = code * len(distinct) + part
    code, combinations = pd.factorize(code)
    first = np.empty(len(combinations), dtype=np.intp)
    first[code[::-1]] = np.arange(len(code) - 1, -1, -1)  # written last to first: the first row of each stays
    return code, first


def matching_rows(wanted: list[pd.Series], table: list[pd.Series]) -> np.ndarray:
    """For each row of the ``wanted`` key columns, the first row of the ``table`` key columns (the same number, in
    the same order) with the same values, or -1 where there is none: a reindex or ``isin`` by several columns
    without a MultiIndex of text."""
    rows = len(table[0])
    code, first = key_codes(*(pd.concat([t, w], ignore_index=True) for t, w in zip(table, wanted)))
    at = first[code[rows:]]  # the first row of each key in table, then wanted: in table if it is before ``rows``
    return np.where(at < rows, at, -1)


def by_distinct(column: pd.Series, fn, dtype=object) -> np.ndarray:
    """``fn`` of each row's value (missing ones included) as an array, called once for each distinct value and
    spread to the rows by their factorize codes: a few dozen metric IDs among tens of thousands of rows cost a few
    dozen calls, not a pass per row (:func:`map_unique` is the same for a column, with the mapping)."""
    code, distinct = pd.factorize(column, use_na_sentinel=False)
    return np.asarray([fn(v) for v in distinct], dtype=dtype)[code]


def clean_free_text(series: pd.Series) -> pd.Series:
    """Names, descriptions and other free text: invisible characters and extra spaces removed, letters kept."""
    if arrow_matches(series, _TIDY):  # every value already tidy: nothing to normalise
        return series
    return map_unique(series, lambda v: normalise_text(v, compatibility=False))[0]


def normalise_column(name: str, frame: pd.DataFrame, column: str, label: str, problems: list[Problem], *,
                     upper: bool = False, file_column: str | None = None) -> pd.Series:
    """One identifier column normalised (:func:`normalise_text`, upper-cased if ``upper``), with one warning that
    counts the cells it changed beyond plain spaces at their ends."""
    if arrow_matches(frame[column], _TIDY_UPPER if upper else _TIDY):  # every value already tidy
        return frame[column]
    fix = str.upper if upper else (lambda v: v)
    series, mapping = map_unique(frame[column], lambda v: fix(normalise_text(v)))
    changed = [raw for raw, clean in mapping.items() if raw.strip(" ") != clean]
    if changed:
        hit = frame[column].isin(changed)
        first = int(np.flatnonzero(hit.to_numpy())[0])
        raw = frame[column].iloc[first]
        what = "invisible characters, unusual spaces or lower-case letters" if upper else \
            "invisible characters or unusual spaces"
        problems.append(Problem(
            name, f"{int(hit.sum())} {label}s had {what} (first on row "
            f"{int(frame['row'].iloc[first])}: {shown(raw)} read as {shown(mapping[raw])}); each was read as the "
            "cleaned value.", f"Nothing to do if they are the same {label}s; retype those cells to be sure.",
            row=int(frame["row"].iloc[first]), column=file_column or column, severity="warning"))
    return series


# ----------------------------------------------------------------------------------------------------------------
# Numbers

_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+", re.ASCII)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII)
SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
NOT_A_NUMBER_FIX = ("Write a plain number such as 12.5 (no % sign or text); leave it blank if there is no value.")


def _shape(text: str) -> str:
    """``blank``, ``plain``, ``comma`` (one comma, no point: ``0,5``, also ``1,234``), ``grouped`` (an unambiguous
    thousands separator: ``1,234.5``, ``1,234,567``) or ``bad``."""
    if text == "":
        return "blank"
    if _PLAIN.fullmatch(text):
        return "plain"
    if _DECIMAL_COMMA.fullmatch(text):
        return "comma"
    if _GROUPED.fullmatch(text) and ("." in text or text.count(",") > 1):
        return "grouped"
    return "bad"


def too_long(cell: str) -> tuple[str, str] | None:
    """The problem (message, fix) with a field that runs over lines or past the length limit, or None.

    A quote that is never closed swallows the rest of the file into one field: that is what such a field means."""
    if "\n" in cell:
        return (f"a field runs over {cell.count(chr(10)) + 1:,} lines: a quote opened on this row is probably never "
                "closed.", "Close the quote on that row.")
    if len(cell) > _limits.MAX_FIELD_CHARS:
        return (f"a field is {len(cell):,} characters long (the limit is {_limits.MAX_FIELD_CHARS:,}).",
                "Check the file is the right one and not corrupted.")
    return None


def read_numbers(name: str, cells: list[tuple[str, pd.Series]], rows: pd.Series, sep: str,
                 problems: list[Problem]) -> list[pd.Series]:
    """Text cells -> floats under the module's rule, reporting every cell that is not a number.

    Parameters
    ----------
    name : str
        The file's name, for problems.
    cells : list of (str, Series)
        The file's numeric columns (and the bounds of its ranges), each with the column name the file uses. A float
        series (already read by the fast reader) is passed through.
    rows : Series
        Spreadsheet row numbers, aligned with every series.
    sep : str
        The file's field separator: a decimal comma is only possible when it is not a comma.
    problems : list of Problem
        Problems and warnings are appended here.

    Returns
    -------
    list of Series
        One float64 series per entry of ``cells``, NaN where the cell was blank or refused.
    """
    texts = [(col, s) for col, s in cells if not pd.api.types.is_float_dtype(s)]
    seen: dict[str, tuple[str, str]] = {}  # raw cell -> (normalised, shape), over every column
    for _, s in texts:
        for raw in s.unique():
            if raw not in seen:
                clean = normalise_text(raw)
                seen[raw] = (clean, _shape(clean))
    point = next((raw for raw, (clean, kind) in seen.items()
                  if kind == "grouped" or (kind == "plain" and "." in clean)), None)
    decimal_comma = sep != "," and point is None and any(kind == "comma" for _, kind in seen.values())
    values: dict[str, float] = {}
    refused: dict[str, tuple[str, str]] = {}  # raw cell -> (message, fix)
    for raw, (clean, kind) in seen.items():
        value = np.nan
        if kind == "plain":
            value = float(clean)
        elif kind == "comma" and decimal_comma:
            value = float(clean.replace(",", "."))
        elif kind == "grouped" and not decimal_comma:
            value = float(clean.replace(",", ""))
        elif kind == "comma" and sep == ",":
            dotted, plain = clean.replace(",", "."), clean.replace(",", "")
            either = f"{dotted} if the comma is a decimal mark or {plain} if it separates thousands" \
                if _GROUPED.fullmatch(clean) else dotted
            refused[raw] = (f"{shown(raw)} has a comma in it: in a comma-separated file a comma cannot be a decimal "
                            "mark, and it is not a clear thousands separator.",
                            f"Write {either}: a point for decimals and no thousands separators.")
        elif kind == "comma":
            refused[raw] = (f"{shown(raw)} uses a decimal comma but other numbers in this file use a decimal point "
                            f"(such as {shown(point)}).",
                            f"Use one decimal mark throughout the file: write {clean.replace(',', '.')}.")
        elif kind == "grouped":
            refused[raw] = (f"{shown(raw)} has commas between groups of digits, but this file uses decimal commas.",
                            "Write it without thousands separators.")
        if kind != "blank" and raw not in refused and not np.isfinite(value):
            refused[raw] = too_long(raw) or (f"{shown(raw)} is not a number.", NOT_A_NUMBER_FIX)
        values[raw] = value
    read_as: dict[str, list[tuple[str, pd.Series, list[str]]]] = {"comma": [], "grouped": [], "cleaned": []}
    out = []
    for col, s in cells:
        if pd.api.types.is_float_dtype(s):
            out.append(s)
            continue
        out.append(s.map(values).astype("float64"))
        bad = s.isin(list(refused)) if refused else None
        if bad is not None and bad.any():
            for idx in np.flatnonzero(bad.to_numpy())[:20]:
                message, fix = refused[s.iloc[idx]]
                problems.append(Problem(name, message, fix, row=int(rows.iloc[idx]), column=col))
            if bad.sum() > 20:
                problems.append(Problem(name, f"{int(bad.sum()) - 20} more cells in this column are not numbers.",
                                        "Fix the rows above and check the rest of the column.", column=col))
        how: dict[str, list[str]] = {"comma": [], "grouped": [], "cleaned": []}
        for raw in s.unique():
            clean, kind = seen[raw]
            if raw in refused:
                continue
            if kind in ("comma", "grouped"):
                how[kind].append(raw)
            elif clean != raw.strip(" "):
                how["cleaned"].append(raw)
        for kind, raws in how.items():
            if raws:
                read_as[kind].append((col, s, raws))
    _report_read_as(name, rows, values, read_as, sep, problems)
    return out


def _report_read_as(name, rows, values, read_as, sep, problems) -> None:
    """One warning per way a number was read that is not plain: decimal commas, thousands separators, cleaning."""
    words = {
        "comma": ("numbers were written with a decimal comma",
                  f"the file is separated by {SEPARATOR_NAMES.get(sep, 'another character')}, as spreadsheets save CSV "
                  "where a comma is the decimal mark", "Nothing to do if {value} is right."),
        "grouped": ("numbers have thousands separators", "the commas between groups of three digits were dropped",
                    "Nothing to do if {value} is right."),
        "cleaned": ("numbers had invisible characters or unusual spaces", "those were removed",
                    "Nothing to do if {value} is right; retype those cells to be sure."),
    }
    for kind, found in read_as.items():
        if not found:
            continue
        hits = [(col, s.isin(raws).to_numpy()) for col, s, raws in found]
        col, first = hits[0]
        idx = int(np.flatnonzero(first)[0])
        raw = found[0][1].iloc[idx]
        head, why, fix = words[kind]
        value = f"{values[raw]:g}"
        problems.append(Problem(name, f"{sum(int(h.sum()) for _, h in hits)} {head} (first on row "
                                f"{int(rows.iloc[idx])}: {shown(raw)} read as {value}); {why}.",
                                fix.format(value=value), row=int(rows.iloc[idx]), column=col, severity="warning"))


# ----------------------------------------------------------------------------------------------------------------
# Quarters, trust types, flags and ranges

_QUARTER_YEARS = re.compile(r"Q[1-4]\s+(\d{4})\s*/\s*(\d{2})", re.IGNORECASE)


def quarter_label(text: str) -> tuple[str | None, str | None]:
    """A quarter label read strictly.

    Parameters
    ----------
    text : str
        Such as ``"Q4 2025/26"`` or ``"q4 2025 / 26"``.

    Returns
    -------
    (label, reason) : tuple
        ``("Q4 2025/26", None)``; ``(None, reason)`` when it looks like a quarter but the years do not follow each
        other (``Q4 2025/99``); ``(None, None)`` when it is not a quarter at all.
    """
    clean = normalise_text(text)
    years = _QUARTER_YEARS.fullmatch(clean)
    if years and int(years.group(2)) != (int(years.group(1)) + 1) % 100:
        first = int(years.group(1))
        return None, (f"the second year must follow the first ({first}/{(first + 1) % 100:02d}, not "
                      f"{first}/{years.group(2)})")
    return cat.normalise_quarter(clean), None


def canonical_trust_type(text: str) -> str | None:
    """NHS England's peer-group name for any spelling of it (or the app's codes), after normalisation."""
    return cat.canonical_trust_type(normalise_text(text))


_YES = {"yes", "y", "true", "1", "1.0"}
_NO = {"no", "n", "false", "0", "0.0", ""}


def read_flag(series: pd.Series, rows: pd.Series, name: str, column: str, problems: list[Problem]) -> pd.Series:
    """Yes/No cells (already normalised) -> bool, refusing anything else."""
    low = series.str.lower()
    bad = ~low.isin(_YES | _NO)
    if bad.any():
        idx = np.flatnonzero(bad.to_numpy())[0]
        problems.append(Problem(name, f"{shown(series.iloc[idx])} is not Yes or No ({int(bad.sum())} such rows).",
                                "Write Yes or No.", row=int(rows.iloc[idx]), column=column))
    return low.isin(_YES)


def split_range(text: pd.Series, rows: pd.Series, name: str, column: str, problems: list[Problem]
                ) -> tuple[pd.Series, pd.Series]:
    """'1.2 to 1.89' -> the two bounds as text (read as numbers with the file's other numbers)."""
    parts = text.str.extract(r"^\s*(-?[\d.,]+)\s*(?:to|-|–)\s*(-?[\d.,]+)\s*$")
    bad = (text != "") & (parts[0].isna() | parts[1].isna())
    if bad.any():
        idx = np.flatnonzero(bad.to_numpy())[0]
        problems.append(Problem(name, f"{shown(text.iloc[idx])} is not a range like '1.2 to 1.89' "
                                f"({int(bad.sum())} such rows).", "Write ranges as 'low to high'.",
                                row=int(rows.iloc[idx]), column=column))
    return (parts[0].fillna("").astype(text.dtype), parts[1].fillna("").astype(text.dtype))


# ----------------------------------------------------------------------------------------------------------------
# Problems about rows


def cell_problems(name: str, frame: pd.DataFrame, bad: pd.Series, column: str, message, fix: str,
                  problems: list[Problem], limit: int = 10) -> None:
    """One problem for each of the first ``limit`` rows where ``bad`` holds; ``message(row)`` words it from the row."""
    for idx in np.flatnonzero(bad.to_numpy())[:limit]:
        row = frame.iloc[idx]
        problems.append(Problem(name, message(row), fix, row=int(row["row"]), column=column))


def row_list(rows, limit: int = 10) -> str:
    """'2, 3, 4' or '2, 3, ... (25 rows)'."""
    rows = [int(r) for r in rows]
    listed = ", ".join(map(str, rows[:limit]))
    return listed + (f", ... ({len(rows)} rows)" if len(rows) > limit else "")


def drop_repeats(name: str, frame: pd.DataFrame, keys: list[str], value_cols: list[str], problems: list[Problem]):
    """Refuse rows that repeat a key with different values; drop exact repeats with a warning."""
    dup = frame.duplicated(keys, keep=False)
    if not dup.any():
        return frame
    conflicting = 0
    for key, grp in frame.loc[dup].groupby(keys, sort=False, dropna=False):
        if len(grp[value_cols].astype(str).drop_duplicates()) > 1:
            conflicting += 1
            if conflicting <= 10:
                key_text = " / ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
                problems.append(Problem(name, f"{key_text} appears on rows {row_list(grp['row'])} with different "
                                        "values.", "Keep one row for each and delete the others.",
                                        row=int(grp["row"].iloc[0])))
    if conflicting > 10:
        problems.append(Problem(name, f"{conflicting - 10} more repeated rows have different values.",
                                "Keep one row for each and delete the others."))
    repeats = int(frame.duplicated(keys + value_cols).sum())
    if repeats:
        problems.append(Problem(name, f"{repeats} rows were exact repeats of earlier rows and were ignored.",
                                "Nothing to do.", severity="warning"))
    return frame.drop_duplicates(keys + value_cols)
