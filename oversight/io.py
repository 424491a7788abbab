"""Read NHS England's NOF CSV files (and our upload template) into tidy, validated frames.

Three kinds of file are recognised from their header:

* the **data file** (one row per trust x metric x quarter, ``Metric_ID`` and ``Value`` columns);
* the **league-table file** (one row per trust, ``Average_score`` and ``Likely_range_of_rank`` columns);
* our **template** (one row per trust and metric, ``metric`` and ``value`` or ``score`` columns).

Bytes go in, a :class:`Dataset` comes out; anything unusable raises :class:`~oversight.problems.InputError` with
one :class:`~oversight.problems.Problem` per fault, naming the file, the row or column and the fix.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import catalogue as cat
from .problems import InputError, Problem

MAX_FILE_MB = 50  # matches server.maxUploadSize in .streamlit/config.toml
MAX_FIELD_CHARS = 2_000

DATA_COLUMNS = {
    "Quarter": "quarter",
    "Region": "region",
    "Trust_type": "trust_type",
    "Trust_subtype": "trust_subtype",
    "Trust_code": "trust_code",
    "Trust_name": "trust_name",
    "Domain": "domain",
    "Sub-domain": "subdomain",
    "Metric_ID": "metric_id",
    "Metric_description": "metric_description",
    "Reporting_date": "reporting_date",
    "Units": "units",
    "Value": "value",
    "Median_value": "median",
    "Lower_quartile": "lower_quartile",
    "Upper_quartile": "upper_quartile",
    "Rank": "rank",
}
DATA_REQUIRED = ("Trust_type", "Trust_code", "Metric_ID", "Value")
DATA_NUMERIC = ("Value", "Median_value", "Lower_quartile", "Upper_quartile", "Rank")

LEAGUE_COLUMNS = {
    "Quarter": "quarter",
    "Region": "region",
    "Trust_type": "trust_type",
    "Trust_subtype": "trust_subtype",
    "Trust_code": "trust_code",
    "Trust_name": "trust_name",
    "Average_score": "average_score",
    "Likely_range_of_average_score": "score_range",
    "Segment": "segment",
    "Trust_in_financial_deficit": "deficit",
    "Rank": "rank",
    "Likely_range_of_rank": "rank_range",
}
LEAGUE_REQUIRED = ("Trust_type", "Trust_code", "Average_score")
LEAGUE_NUMERIC = ("Average_score", "Segment", "Rank")

TEMPLATE_COLUMNS = {
    "quarter": "quarter",
    "trust_code": "trust_code",
    "trust_name": "trust_name",
    "trust_type": "trust_type",
    "metric": "metric",
    "value": "value",
    "score": "score",
    "deficit": "deficit",
}
TEMPLATE_REQUIRED = ("trust_code", "trust_type", "metric")
TEMPLATE_NUMERIC = ("value", "score")  # template column names are also its internal names
TEMPLATE_QUARTER = "Uploaded"

METRIC_FRAME_COLUMNS = list(DATA_COLUMNS.values()) + ["source", "row"]
LEAGUE_FRAME_COLUMNS = [
    "quarter", "region", "trust_type", "trust_subtype", "trust_code", "trust_name", "average_score",
    "score_lo", "score_hi", "segment", "deficit", "rank", "rank_lo", "rank_hi", "source", "row",
]  # fmt: skip

_YES = {"yes", "y", "true", "1", "1.0"}
_NO = {"no", "n", "false", "0", "0.0", ""}


@dataclass(frozen=True)
class FileSummary:
    """What one file held."""

    name: str
    kind: str  # "data", "league" or "template"
    rows: int
    quarters: tuple[str, ...]
    trust_types: tuple[str, ...]
    trusts: int

    def describe(self) -> str:
        kinds = {"data": "NOF data file", "league": "NOF league table", "template": "template file"}
        return (
            f"{self.name}: {kinds[self.kind]}, {self.rows:,} rows, {self.trusts} trusts, "
            f"{', '.join(self.quarters)}; {', '.join(self.trust_types)}"
        )


@dataclass(frozen=True)
class Dataset:
    """Everything read from one or more files.

    ``metrics`` has one row per trust x metric x quarter (columns ``METRIC_FRAME_COLUMNS``); ``league`` has one row
    per trust x quarter from league-table files (``LEAGUE_FRAME_COLUMNS``). Either may be empty.
    """

    metrics: pd.DataFrame
    league: pd.DataFrame
    files: tuple[FileSummary, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def quarters(self) -> list[str]:
        return cat.quarter_order([*self.metrics["quarter"].unique(), *self.league["quarter"].unique()])

    @property
    def trust_types(self) -> list[str]:
        present = {*self.metrics["trust_type"].unique(), *self.league["trust_type"].unique()}
        return [t for t in cat.TRUST_TYPES if t in present]

    def only(self, quarters) -> Dataset:
        """The same data cut to some quarters (the command line scores only the quarter it prints)."""
        quarters = set(quarters)
        return dataclasses.replace(self, metrics=self.metrics[self.metrics["quarter"].isin(quarters)],
                                   league=self.league[self.league["quarter"].isin(quarters)])


# ----------------------------------------------------------------------------------------------------------------
# Bytes -> text -> raw string table


def _decode(name: str, data: bytes) -> tuple[str, list[Problem]]:
    """Decode bytes to text, refusing what is clearly not a CSV."""
    if len(data) > MAX_FILE_MB * 1024 * 1024:
        size = len(data) / 1024 / 1024
        raise InputError([Problem(name, f"the file is {size:,.0f} MB, over the {MAX_FILE_MB} MB limit.",
                                  "Split it by trust type or quarter and load the parts together.")])
    if data[:4] == b"PK\x03\x04":
        raise InputError([Problem(name, "this is an Excel workbook (or another zip file), not a CSV.",
                                  "Open it in Excel and use File > Save As > 'CSV UTF-8 (comma delimited)'.")])
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError([Problem(name, "this is an old-style Excel (.xls) workbook, not a CSV.",
                                  "Open it in Excel and use File > Save As > 'CSV UTF-8 (comma delimited)'.")])
    warnings = []
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError([Problem(name, "the file starts as UTF-16 text but is damaged or cut short.",
                                      "Save it again as 'CSV UTF-8' from a spreadsheet.")]) from None
        warnings.append(Problem(name, "the file is UTF-16 text; it was read as such.",
                                "Nothing to do; 'CSV UTF-8' is the usual format.", severity="warning"))
    else:
        if b"\x00" in data[:65536]:
            raise InputError([Problem(name, "the file holds binary data (NUL bytes), so it is not a CSV text file.",
                                      "Upload the CSV file itself (NHS England's file or our template).")])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            text = data.decode("cp1252", errors="replace")
            warnings.append(Problem(
                name, f"the file is not UTF-8 (first odd byte on row {line}); it was read as Windows-1252.",
                "Check names with accents look right; save as 'CSV UTF-8' to be sure.", severity="warning"))
    if not text.strip():
        raise InputError([Problem(name, "the file is empty.", "Choose the CSV file that holds the data.")])
    return text, warnings


def _sniff_separator(name: str, text: str) -> tuple[str, list[Problem]]:
    header = text[: text.find("\n")] if "\n" in text else text
    counts = {sep: header.count(sep) for sep in [",", ";", "\t", "|"]}
    sep = max(counts, key=counts.get)
    if counts[sep] == 0 or sep == ",":
        return ",", []
    label = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}[sep]
    return sep, [Problem(name, f"columns are separated by {label}, not commas; the file was read that way.",
                         "Nothing to do.", severity="warning")]


def _table(name: str, data: bytes) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse CSV bytes to a frame of stripped strings with a ``row`` column (spreadsheet row numbers)."""
    text, warnings = _decode(name, data)
    sep, more = _sniff_separator(name, text)
    warnings += more
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True,
                            engine="c", skip_blank_lines=False)
    except pd.errors.ParserError as err:
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep), [])
        if detect_kind(header) is None:
            raise InputError([_not_nof(name, header)]) from None
        quote = re.search(r"EOF inside string starting at row (\d+)", str(err))
        if quote:
            raise InputError([Problem(name, "a quote opened on this row is never closed, so the rest of the file "
                                      "runs into one field.", "Close the quote on that row (or remove it).",
                                      row=int(quote.group(1)) + 1)]) from None
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if match:
            expected, line, saw = match.groups()
            raise InputError([Problem(name, f"this row has {saw} fields but the header has {expected}.",
                                      "Check for a stray comma or an unclosed quote on that row.",
                                      row=int(line))]) from None
        raise InputError([Problem(name, f"the CSV could not be parsed ({err}).",
                                  "Save the file again as 'CSV UTF-8' from a spreadsheet.")]) from None
    except (csv.Error, pd.errors.EmptyDataError, UnicodeError, ValueError) as err:
        raise InputError([Problem(name, f"the CSV could not be parsed ({err}).",
                                  "Save the file again as 'CSV UTF-8' from a spreadsheet.")]) from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame = frame.fillna("")
    if re.search(r"[ \t](?:[,;|\t\r\n\"]|$)", text):  # some field ends in spaces (leading ones are skipped on read)
        frame = frame.apply(lambda col: col.str.strip())
    frame["row"] = np.arange(2, len(frame) + 2)  # spreadsheet row numbers: blank lines are counted, then dropped
    frame = frame[(frame.drop(columns="row") != "").any(axis=1)]
    too_long = []
    for col in frame.columns[:-1]:
        lengths = frame[col].str.len()
        if (lengths > MAX_FIELD_CHARS).any():
            first = int(lengths.to_numpy().argmax())
            cell = frame[col].iloc[first]
            if "\n" in cell:
                too_long.append(Problem(name, f"a field runs over {cell.count(chr(10)) + 1:,} lines: a quote opened "
                                        "on this row is probably never closed.", "Close the quote on that row.",
                                        row=int(frame["row"].iloc[first]), column=col))
            else:
                too_long.append(Problem(name, f"a field is {len(cell):,} characters long (the limit is "
                                        f"{MAX_FIELD_CHARS:,}).", "Check the file is the right one and not "
                                        "corrupted.", row=int(frame["row"].iloc[first]), column=col))
    if too_long:
        raise InputError(too_long)
    return frame, warnings


def _key(column: str) -> str:
    return re.sub(r"[\s_\-]+", "_", column.strip().lower())


def _match_columns(name: str, frame: pd.DataFrame, expected: dict[str, str], required) -> tuple[dict, list[Problem]]:
    """Map the file's columns onto ``expected`` names, tolerant of case, spaces and hyphens."""
    have = {_key(c): c for c in frame.columns if c != "row"}
    mapping, problems = {}, []
    for canonical in expected:
        found = have.get(_key(canonical))
        if found is not None:
            mapping[found] = expected[canonical]
        elif canonical in required:
            unused = [c for c in frame.columns if c != "row" and _key(c) not in {_key(e) for e in expected}]
            close = difflib.get_close_matches(canonical.lower(), [c.lower() for c in unused], n=1, cutoff=0.6)
            hint = ""
            if close:
                original = next(c for c in unused if c.lower() == close[0])
                hint = f" The file has a column '{original}': if that is it, rename it to '{canonical}'."
            problems.append(Problem(name, f"the required column '{canonical}' is missing.",
                                    f"Add a '{canonical}' column.{hint}", column=canonical))
    return mapping, problems


def detect_kind(columns) -> str | None:
    """``"data"``, ``"league"``, ``"template"`` or None, from a file's column names."""
    keys = {_key(c) for c in columns}
    if "metric_id" in keys:
        return "data"
    if "average_score" in keys or "likely_range_of_rank" in keys:
        return "league"
    if "metric" in keys and ({"value", "score"} & keys):
        return "template"
    return None


def _cell_problems(name: str, frame: pd.DataFrame, bad: pd.Series, column: str, message, fix: str,
                   problems: list[Problem], limit: int = 10) -> None:
    """One problem for each of the first ``limit`` rows where ``bad`` holds; ``message(row)`` words it from the row."""
    for idx in np.flatnonzero(bad.to_numpy())[:limit]:
        row = frame.iloc[idx]
        problems.append(Problem(name, message(row), fix, row=int(row["row"]), column=column))


def _numbers(name: str, frame: pd.DataFrame, columns, problems: list[Problem]) -> pd.DataFrame:
    """Convert text columns to numbers, reporting each cell that is not a number."""
    out = frame.copy()
    for col in columns:
        if col not in out:
            continue
        text = out[col].str.replace(",", "", regex=False)
        values = pd.to_numeric(text, errors="coerce").astype(float)
        bad = (values.isna() & (text != "")) | (values.notna() & ~np.isfinite(values.fillna(0)))
        values = values.where(~bad)
        if bad.any():
            for idx in np.flatnonzero(bad.to_numpy())[:20]:
                cell = out[col].iloc[idx]
                shown = f"'{cell[:40]}'" if cell else "a blank"
                problems.append(Problem(name, f"{shown} is not a number.",
                                        "Write a plain number such as 12.5 (no % sign or text); leave it blank if "
                                        "there is no value.", row=int(out["row"].iloc[idx]), column=col))
            if bad.sum() > 20:
                problems.append(Problem(name, f"{int(bad.sum()) - 20} more cells in this column are not numbers.",
                                        "Fix the rows above and check the rest of the column.", column=col))
        out[col] = values.astype(float)
    return out


def _trust_types(name: str, frame: pd.DataFrame, column: str, problems: list[Problem]) -> pd.Series:
    canonical = frame[column].map({t: cat.canonical_trust_type(t) for t in frame[column].unique()})
    bad = canonical.isna()
    for value, rows in frame.loc[bad].groupby(column)["row"]:
        text = " ".join(value.split())
        shown = f"'{text[:40]}{'...' if len(text) > 40 else ''}'" if value else "a blank trust type"
        problems.append(Problem(name, f"{shown} is not a NOF trust type (first on row {rows.iloc[0]}, "
                                f"{len(rows)} rows).", f"Use one of: {', '.join(cat.TRUST_TYPES)}.",
                                row=int(rows.iloc[0]), column=column))
    return canonical


def _blank_codes(name: str, frame: pd.DataFrame, column: str, problems: list[Problem]):
    blank = frame[column] == ""
    if blank.any():
        rows = frame.loc[blank, "row"].tolist()
        listed = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
        problems.append(Problem(name, f"{len(rows)} rows have no trust code (rows {listed}).",
                                "Fill in the trust's ODS code (for example RYY) or delete those rows.",
                                row=rows[0], column=column))


def _assign_quarter(name: str, frame: pd.DataFrame, problems: list[Problem], fallback: str | None) -> pd.Series:
    """Canonical quarter labels; a file without a Quarter column takes ``fallback`` (or is refused)."""
    if (frame["quarter"] == "").all():
        if fallback is None:
            where = " and no quarter could be read from Reporting_date" if "reporting_date" in frame else ""
            problems.append(Problem(name, f"the file has no Quarter column{where}.",
                                    "Add a Quarter column such as 'Q1 2025/26' (or pass --quarter on the command "
                                    "line).", column="Quarter"))
        return pd.Series(fallback, index=frame.index, dtype=object)
    labels = {q: cat.normalise_quarter(q) for q in frame["quarter"].unique()}
    if fallback == TEMPLATE_QUARTER:  # our template may use any label for a scenario
        labels = {q: label or q for q, label in labels.items()}
    quarters = frame["quarter"].map(labels)
    unreadable = quarters.isna() & (frame["quarter"] != "")
    for text, rows in frame.loc[unreadable].groupby("quarter")["row"]:
        problems.append(Problem(name, f"'{text[:40]}' is not a quarter ({len(rows)} rows).",
                                "Write quarters like 'Q4 2025/26'.", row=int(rows.iloc[0]), column="Quarter"))
    quarters = quarters.fillna("")
    blank = quarters == ""
    if blank.any():
        problems.append(Problem(name, f"{int(blank.sum())} rows have no quarter.",
                                "Fill in the Quarter column, such as 'Q4 2025/26'.",
                                row=int(frame.loc[blank, "row"].iloc[0]), column="Quarter"))
    return quarters


def _infer_quarter(frame: pd.DataFrame) -> str | None:
    """A Q1-style file without a Quarter column: the quarter most rows' Reporting_date names."""
    if "reporting_date" not in frame:
        return None
    labels = frame["reporting_date"].map({d: cat.normalise_quarter(d) for d in frame["reporting_date"].unique()})
    labels = labels.dropna()
    return labels.mode().iloc[0] if len(labels) else None


def _duplicates(name: str, frame: pd.DataFrame, keys: list[str], value_cols: list[str], problems: list[Problem]):
    """Refuse rows that repeat a key with different values; drop exact repeats with a warning."""
    dup = frame.duplicated(keys, keep=False)
    if not dup.any():
        return frame
    groups = frame.loc[dup].groupby(keys, sort=False, dropna=False)
    conflicting = 0
    for key, grp in groups:
        vals = grp[value_cols].astype(str).drop_duplicates()
        if len(vals) > 1:
            conflicting += 1
            if conflicting <= 10:
                key_text = " / ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
                rows = ", ".join(map(str, grp["row"].tolist()))
                problems.append(Problem(name, f"{key_text} appears on rows {rows} with different values.",
                                        "Keep one row for each and delete the others.", row=int(grp["row"].iloc[0])))
    if conflicting > 10:
        problems.append(Problem(name, f"{conflicting - 10} more repeated rows have different values.",
                                "Keep one row for each and delete the others."))
    repeats = int(frame.duplicated(keys + value_cols).sum())
    if repeats:
        problems.append(Problem(name, f"{repeats} rows were exact repeats of earlier rows and were ignored.",
                                "Nothing to do.", severity="warning"))
    return frame.drop_duplicates(keys + value_cols)


# ----------------------------------------------------------------------------------------------------------------
# The three readers


def _common(name: str, raw: pd.DataFrame, columns: dict[str, str], required, numeric
            ) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """What every reader does first: find the columns (refusing missing required ones), name them internally, add
    absent optional ones blank, read numbers, check trust types and trust codes. Returns the frame, the same frame
    as the file's text (before numbers were read) and the problems."""
    problems: list[Problem] = []
    mapping, missing = _match_columns(name, raw, columns, required)
    if missing:
        raise InputError(missing)
    frame = raw.rename(columns=mapping)[[*mapping.values(), "row"]]
    for col in columns.values():
        if col not in frame:
            frame[col] = ""
    raw_text = frame.copy()
    frame = _numbers(name, frame, [columns[c] for c in numeric], problems)
    frame["trust_type"] = _trust_types(name, frame, "trust_type", problems)
    _blank_codes(name, frame, "trust_code", problems)
    return frame, raw_text, problems


def _read_data(name: str, raw: pd.DataFrame, quarter: str | None) -> tuple[pd.DataFrame, list[Problem]]:
    frame, text, problems = _common(name, raw, DATA_COLUMNS, DATA_REQUIRED, DATA_NUMERIC)
    raw_value = text["value"].str.strip()
    frame["metric_id"] = frame["metric_id"].str.upper()
    bad_id = ~frame["metric_id"].str.fullmatch(r"OF\d{4}")
    _cell_problems(name, frame, bad_id, "Metric_ID", lambda r: f"'{r['metric_id'][:40]}' is not a NOF metric ID.",
                   "Metric IDs look like OF0057 (raw value) or OF1057 (score).", problems)
    no_quarter = (frame["quarter"] == "").all()
    fallback = quarter or (_infer_quarter(frame) if no_quarter else None)
    frame["quarter"] = _assign_quarter(name, frame, problems, fallback)
    _check_ranges(name, frame, problems)
    blank = (raw_value == "") & ~bad_id
    if blank.any():
        problems.append(Problem(name, f"{int(blank.sum())} rows have no Value and were ignored (first on row "
                                f"{int(frame.loc[blank, 'row'].iloc[0])}).", "Nothing to do if the metric was not "
                                "reported.", severity="warning"))
        frame = frame.loc[~blank]
    frame = _duplicates(name, frame, ["quarter", "trust_code", "metric_id"], ["value"], problems)
    frame["source"] = name
    return frame[METRIC_FRAME_COLUMNS], problems


def _check_ranges(name: str, frame: pd.DataFrame, problems: list[Problem]):
    """Scores lie in 1..4, segments in 1..5, flags are 0 or 1."""
    ident = frame["metric_id"]
    rules = [
        (ident.str.fullmatch(r"OF(1\d{3}|40\d{2}|5002)"), 1, 4, "a score", "Scores run from 1 (best) to 4."),
        (ident.str.fullmatch(r"OF(41\d{2}|5000|5003|5005)"), 1, 5, "a segment", "Segments are whole numbers 1 to 5."),
        (ident.isin(["OF5004", "OF5007"]), 0, 1, "a flag", "Flags are 1 (yes) or 0 (no)."),
    ]
    for mask, lo, hi, what, fix in rules:
        allowed = frame["value"].between(lo, hi) if what == "a score" else frame["value"].isin(range(lo, hi + 1))
        bad = mask.fillna(False) & frame["value"].notna() & ~allowed
        for idx in np.flatnonzero(bad.to_numpy())[:10]:
            value = frame["value"].iloc[idx]
            why = f"outside {lo} to {hi}" if not lo <= value <= hi else f"not a whole number from {lo} to {hi}"
            problems.append(Problem(name, f"{frame['metric_id'].iloc[idx]} is {what} but its Value is {value:g}, "
                                    f"{why}.", fix,
                                    row=int(frame["row"].iloc[idx]), column="Value"))
        if bad.sum() > 10:
            problems.append(Problem(name, f"{int(bad.sum()) - 10} more values are outside {lo} to {hi}.", fix,
                                    column="Value"))


def _parse_range(text: pd.Series, rows: pd.Series, name: str, column: str, problems: list[Problem]
                 ) -> tuple[pd.Series, pd.Series]:
    parts = text.str.extract(r"^\s*(-?[\d.]+)\s*(?:to|-|–)\s*(-?[\d.]+)\s*$")
    lo, hi = pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce")
    bad = (text != "") & (lo.isna() | hi.isna())
    if bad.any():
        idx = np.flatnonzero(bad.to_numpy())[0]
        problems.append(Problem(name, f"'{text.iloc[idx][:40]}' is not a range like '1.2 to 1.89' "
                                f"({int(bad.sum())} such rows).", "Write ranges as 'low to high'.",
                                row=int(rows.iloc[idx]), column=column))
    return lo.astype(float), hi.astype(float)


def _flag(series: pd.Series, rows: pd.Series, name: str, column: str, problems: list[Problem]) -> pd.Series:
    low = series.str.lower()
    bad = ~low.isin(_YES | _NO)
    if bad.any():
        idx = np.flatnonzero(bad.to_numpy())[0]
        problems.append(Problem(name, f"'{series.iloc[idx][:40]}' is not Yes or No ({int(bad.sum())} such rows).",
                                "Write Yes or No.", row=int(rows.iloc[idx]), column=column))
    return low.isin(_YES)


def _read_league(name: str, raw: pd.DataFrame, quarter: str | None) -> tuple[pd.DataFrame, list[Problem]]:
    frame, _, problems = _common(name, raw, LEAGUE_COLUMNS, LEAGUE_REQUIRED, LEAGUE_NUMERIC)
    frame["quarter"] = _assign_quarter(name, frame, problems, quarter)
    frame["score_lo"], frame["score_hi"] = _parse_range(frame["score_range"], frame["row"], name,
                                                        "Likely_range_of_average_score", problems)
    frame["rank_lo"], frame["rank_hi"] = _parse_range(frame["rank_range"], frame["row"], name,
                                                      "Likely_range_of_rank", problems)
    frame["deficit"] = _flag(frame["deficit"], frame["row"], name, "Trust_in_financial_deficit", problems)
    _cell_problems(name, frame, frame["average_score"].notna() & ~frame["average_score"].between(1, 4),
                   "Average_score", lambda r: f"the average score {r['average_score']:g} is outside 1 to 4.",
                   "Average scores run from 1 (best) to 4.", problems)
    _cell_problems(name, frame, frame["segment"].notna() & ~frame["segment"].isin([1, 2, 3, 4, 5]), "Segment",
                   lambda r: f"the segment {r['segment']:g} is not 1 to 5.",
                   "Segments are whole numbers 1 to 5, or blank to have them worked out.", problems)
    blank = frame["average_score"].isna()
    if blank.any():
        problems.append(Problem(name, f"{int(blank.sum())} trusts have no Average_score.",
                                "Fill in each trust's average score.", row=int(frame.loc[blank, "row"].iloc[0]),
                                column="Average_score"))
    frame = _duplicates(name, frame, ["quarter", "trust_code"], ["average_score", "segment", "deficit"], problems)
    frame["source"] = name
    return frame[LEAGUE_FRAME_COLUMNS], problems


def _read_template(name: str, raw: pd.DataFrame, quarter: str | None) -> tuple[pd.DataFrame, list[Problem]]:
    """Our template -> rows in the data-file layout (raw values as OF0xxx, scores as OF1xxx, deficit as OF5004)."""
    frame, _, problems = _common(name, raw, TEMPLATE_COLUMNS, TEMPLATE_REQUIRED, TEMPLATE_NUMERIC)
    frame["quarter"] = _assign_quarter(name, frame, problems, quarter or TEMPLATE_QUARTER)
    by_short = {m.short.lower(): m.id for m in cat.CATALOGUE.values()}
    ids = frame["metric"].str.upper().str.replace(r"^OF[01](\d{3})$", r"OF1\1", regex=True)
    ids = ids.where(ids.str.fullmatch(r"OF1\d{3}"), frame["metric"].str.lower().map(by_short))
    _cell_problems(name, frame, ids.isna(), "metric", lambda r: f"'{r['metric'][:40]}' is not a metric we know.",
                   "Use a NOF metric ID such as OF0057 or a name from the template's example.", problems)
    neither = frame["value"].isna() & frame["score"].isna()
    if neither.any():
        problems.append(Problem(name, f"{int(neither.sum())} rows have neither a value nor a score.",
                                "Give each row a raw value, a score from 1 to 4, or both.",
                                row=int(frame.loc[neither, "row"].iloc[0]), column="value"))
    scorable = ids.map(lambda m: isinstance(m, str) and cat.scorable_from_values(m))
    unscorable = frame["value"].notna() & frame["score"].isna() & ids.notna() & ~scorable.astype(bool)
    for metric, rows in frame.loc[unscorable].groupby("metric")["row"]:
        problems.append(Problem(name, f"{metric} has raw values but no scores, and it cannot be scored from values "
                                "(whether higher or lower is better is not known, or it is published as a score "
                                f"only) ({len(rows)} rows).", "Give its score (1 best to 4) in the score column.",
                                row=int(rows.iloc[0]), column="score"))
    _cell_problems(name, frame, frame["score"].notna() & ~frame["score"].between(1, 4), "score",
                   lambda r: f"the score {r['score']:g} is outside 1 to 4.", "Scores run from 1 (best) to 4.", problems)
    frame["metric_id"] = ids
    frame = _duplicates(name, frame, ["quarter", "trust_code", "metric_id"], ["value", "score"], problems)
    deficit = _flag(frame["deficit"], frame["row"], name, "deficit", problems)
    base = frame.assign(region="", trust_subtype="", domain="", subdomain="", metric_description="",
                        reporting_date="", units="", median=np.nan, lower_quartile=np.nan, upper_quartile=np.nan,
                        rank=np.nan, source=name)
    base["trust_name"] = base["trust_name"].where(base["trust_name"] != "", base["trust_code"])
    scores = base[base["score"].notna()].assign(value=lambda f: f["score"])
    values = base[base["value"].notna()].assign(metric_id=lambda f: "OF0" + f["metric_id"].str[3:])
    flags = base.assign(deficit=deficit).drop_duplicates(["quarter", "trust_code"])
    flags = flags.assign(metric_id="OF5004", value=flags["deficit"].astype(float))
    out = pd.concat([scores, values, flags], ignore_index=True)
    out["units"] = np.where(out["metric_id"].str.startswith("OF1"), "score", "")
    return out[METRIC_FRAME_COLUMNS], problems


def summarise(name: str, kind: str, frame: pd.DataFrame) -> FileSummary:
    """What a file read by :func:`read_file` holds."""
    return FileSummary(name, kind, len(frame), tuple(cat.quarter_order(frame["quarter"].unique())),
                       tuple(t for t in cat.TRUST_TYPES if t in set(frame["trust_type"].unique())),
                       frame["trust_code"].nunique())


def _not_nof(name: str, columns) -> Problem:
    shown = ", ".join(str(c)[:40] for c in list(columns)[:6] if c != "row")
    return Problem(name, f"this does not look like a NOF file or our template (its columns start {shown}).",
                   "Upload NHS England's NOF data or league-table CSV, or fill in the template from the Upload page "
                   "(columns trust_code, trust_name, trust_type, metric, value or score, deficit).")


def _file_column_names(problems: list[Problem], columns, expected: dict[str, str]) -> list[Problem]:
    """Name columns in problems as the file's own header does (the readers work with internal names)."""
    have = {_key(c): c for c in columns if c != "row"}
    names = {}
    for canonical, internal in expected.items():
        original = have.get(_key(canonical))
        if original is not None:
            names[internal] = names[canonical] = original
    return [dataclasses.replace(p, column=names.get(p.column, p.column)) for p in problems]


_EXPECTED = {"data": DATA_COLUMNS, "league": LEAGUE_COLUMNS, "template": TEMPLATE_COLUMNS}
_READERS = {"data": _read_data, "league": _read_league, "template": _read_template}


def read_file(name: str, data: bytes, quarter: str | None = None, *, validate: bool = True
              ) -> tuple[str, pd.DataFrame, list[Problem]]:
    """Read one file's bytes; returns (kind, tidy frame, warnings) or raises InputError.

    ``quarter`` labels a file that has no Quarter column (otherwise it is read from Reporting_date). ``validate``
    also checks the result against the pandera schema (:mod:`oversight.schemas`). The reader's own checks already
    refuse everything the schema would (the fuzz tests hold it to that), so the command line skips the schema to
    stay quick; the app and ``python -m oversight validate`` keep it.
    """
    raw, warnings = _table(name, data)
    if len(raw) == 0:
        raise InputError([Problem(name, "the file has a header row but no data rows.",
                                  "Choose the file that holds the data.")])
    kind = detect_kind(raw.columns)
    if kind is None:
        raise InputError([_not_nof(name, raw.columns)])
    frame, problems = _READERS[kind](name, raw, quarter)
    problems = warnings + _file_column_names(problems, raw.columns, _EXPECTED[kind])
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    if validate:
        from .schemas import validate_frame

        frame = validate_frame(kind, frame, name)
    return kind, frame, problems


def read_files(files, quarter: str | None = None, *, validate: bool = True) -> Dataset:
    """Read several files (``(name, bytes)`` pairs or paths) into one national :class:`Dataset`.

    Files of different trust types combine; the same trust, metric and quarter in two files with different values
    is refused. Every problem in every file is collected before raising.
    """
    metrics, leagues, summaries, warnings, errors = [], [], [], [], []
    for item in files:
        name, data = (Path(item).name, Path(item).read_bytes()) if isinstance(item, (str, Path)) else item
        try:
            kind, frame, problems = read_file(name, data, quarter, validate=validate)
        except InputError as err:
            errors += err.problems
            continue
        warnings += problems
        (leagues if kind == "league" else metrics).append(frame)
        summaries.append(summarise(name, kind, frame))
    if errors:
        raise InputError(errors + warnings)
    metric_frame = _combine(metrics, METRIC_FRAME_COLUMNS, ["quarter", "trust_code", "metric_id"], ["value"], errors)
    league_frame = _combine(leagues, LEAGUE_FRAME_COLUMNS, ["quarter", "trust_code"], ["average_score"], errors)
    if errors:
        raise InputError(errors + warnings)
    return Dataset(metric_frame, league_frame, tuple(summaries), tuple(warnings))


_NUMERIC = {"value", "median", "lower_quartile", "upper_quartile", "rank", "average_score", "score_lo", "score_hi",
            "segment", "rank_lo", "rank_hi"}


def empty_frame(columns) -> pd.DataFrame:
    """An empty frame with the given columns typed as the readers type them (for a dataset without a kind)."""
    dtypes = {c: float for c in _NUMERIC} | {"row": "int64", "deficit": bool}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "str")) for c in columns})


def _combine(frames, columns, keys, values, problems) -> pd.DataFrame:
    if not frames:
        return empty_frame(columns)
    combined = pd.concat(frames, ignore_index=True)
    if len(frames) > 1:
        dup = combined.duplicated(keys, keep=False)
        clash = combined.loc[dup].groupby(keys)[values[0]].nunique() > 1
        for key in clash[clash].index[:10]:
            rows = combined.set_index(keys).loc[key]
            problems.append(Problem(" and ".join(sorted(set(rows["source"]))),
                                    f"{' / '.join(map(str, key))} has different values in these files.",
                                    "Load one version of each file."))
        combined = combined.drop_duplicates(keys)
    return combined.reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------------
# The data the app and the command line open on

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ACUTE_DATA = DATA_DIR / "nof_2025_26" / "nhs-oversight-framework-acute-trust-data.csv"
MHC_DATA = DATA_DIR / "nof_2025_26" / "nhs-oversight-framework-mental-health-and-community-trust-data.csv"
DEFAULT_LEAGUE = DATA_DIR / "nof_2025_26" / "nhs-oversight-framework-mental-health-and-community-trust-league-table.csv"
#: The data files the app and the command line open on: everything real we hold.
DEFAULT_FILES = (ACUTE_DATA, MHC_DATA)
TRUST_LIST = DATA_DIR / "ods" / "nhs_trusts_by_nof_type.csv"
ODS_ETR = DATA_DIR / "ods" / "etr.csv"


def default_dataset() -> Dataset:
    """NHS England's real NOF 2025/26 files: the 134 acute trusts (Q1 data), the 61 mental health and community
    trusts (Q1 to Q4 data) and their published Q4 league table."""
    return read_files([*DEFAULT_FILES, DEFAULT_LEAGUE])


def trust_register() -> pd.DataFrame:
    """The 205 NOF trusts with ODS open and close dates (closures are how mergers show up)."""
    frame = pd.read_csv(TRUST_LIST, dtype=str, keep_default_na=False)
    for col in ("open_date", "close_date"):
        frame[col] = pd.to_datetime(frame[col], format="%Y%m%d", errors="coerce")
    return frame


TEMPLATE_HELP = (
    "One row per trust and metric. Columns: quarter (optional, such as 'Q4 2025/26'), trust_code, trust_name, "
    "trust_type (Acute trust; Mental health and community trust; Ambulance trust), metric (a NOF metric ID such as "
    "OF0057 or OF1057, or its short name), value (the raw value) and/or score (1 best to 4 worst), and deficit "
    "(Yes/No, the financial override flag). A metric with a value but no score is scored among the uploaded trusts."
)


def template_example(dataset: Dataset, trusts: int = 6, quarter: str | None = None) -> pd.DataFrame:
    """A filled-in template: the first ``trusts`` trusts of ``dataset`` in ``quarter`` (default the latest), every
    metric with its raw value and published score, and each trust's deficit flag."""
    from .scoring import metric_scores

    quarter = quarter or dataset.quarters[-1]
    scores = metric_scores(dataset.metrics[dataset.metrics["quarter"] == quarter], deround=False)
    codes = sorted(scores["trust_code"].unique())[:trusts]
    rows = scores[scores["trust_code"].isin(codes) & scores["counted"]]
    flags = dataset.metrics[(dataset.metrics["metric_id"] == "OF5004") & (dataset.metrics["quarter"] == quarter)]
    deficit = flags.set_index("trust_code")["value"].reindex(rows["trust_code"]).fillna(0).to_numpy()
    return pd.DataFrame({
        "quarter": rows["quarter"].to_numpy(),
        "trust_code": rows["trust_code"].to_numpy(),
        "trust_name": rows["trust_name"].to_numpy(),
        "trust_type": rows["trust_type"].to_numpy(),
        "metric": rows["metric_id"].to_numpy(),
        "value": rows["value"].to_numpy(),
        "score": rows["score_published"].round(2).to_numpy(),
        "deficit": np.where(deficit == 1, "Yes", "No"),
    })
