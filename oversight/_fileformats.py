"""The three file formats we read, each described once: columns, required, numeric and identifier fields, how a
row is keyed, the reader and the schema.

* :data:`DATA`: NHS England's data file, one row per trust x metric x quarter (``Metric_ID`` and ``Value``);
* :data:`LEAGUE`: NHS England's league table, one row per trust (``Average_score``, ``Likely_range_of_rank``);
* :data:`TEMPLATE`: our upload template, one row per trust and metric (``metric`` and ``value`` or ``score``).

What every format shares happens in :func:`_common`, so each rule lives in one place: columns matched whatever
their case and spacing; numbers read under one rule (:func:`~oversight._cells.read_numbers`); identifier fields
normalised and the normalisation reported (:func:`~oversight._cells.normalise_column`); free text cleaned; trust
types and quarters read strictly. Whether a trust's code, name and type agree across rows and files is checked by
the loader (:mod:`oversight._load`), which sees every file of a load.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import catalogue as cat
from ._cells import (
    by_distinct,
    cell_problems,
    clean_free_text,
    column_key,
    drop_repeats,
    map_unique,
    normalise_column,
    normalise_text,
    quarter_label,
    read_flag,
    read_numbers,
    row_list,
    shown,
    split_range,
)
from .problems import InputError, Problem

if TYPE_CHECKING:
    from ._text import RawTable

TEMPLATE_QUARTER = "Uploaded"

#: Identifier fields of every format: internal name -> (what a warning calls one, upper-cased?).
_TRUST_IDENTIFIERS = {"trust_code": ("trust code", True), "trust_type": ("trust type", False),
                      "quarter": ("quarter", False)}
_TRUST_COLUMNS = {"Quarter": "quarter", "Region": "region", "Trust_type": "trust_type",
                  "Trust_subtype": "trust_subtype", "Trust_code": "trust_code", "Trust_name": "trust_name"}


@dataclass(frozen=True)
class FileFormat:
    """One kind of file: what its columns are called, which are needed, which are numbers or identifiers, how a
    row is keyed, how it is read and which pandera schema checks the result."""

    kind: str  # "data", "league" or "template"
    label: str  # as the validation summary names it
    columns: dict[str, str]  # the file's column name -> internal name
    required: tuple[str, ...]
    numeric: tuple[str, ...]  # file columns read as numbers
    identifiers: dict[str, tuple[str, bool]]  # internal name -> (what one is called, upper-cased?)
    key: tuple[str, ...]  # internal columns that identify a row
    values: tuple[str, ...]  # compared when a key repeats, in one file or across files
    frame_columns: tuple[str, ...]  # the tidy frame it gives
    schema_name: str  # in oversight.schemas (imported when needed: pandera is slow to import)
    read: Callable = field(repr=False)  # (name, RawTable, FileFormat, quarter) -> (frame, problems)
    ranges: dict[str, tuple[str, str]] = field(default_factory=dict)  # 'low to high' text -> two number columns

    @property
    def schema(self):
        from . import schemas

        return getattr(schemas, self.schema_name)

    def numeric_names(self, names) -> set[str]:
        """The names in a header that this format reads as numbers."""
        wanted = {column_key(c) for c in self.numeric}
        return {n for n in names if column_key(n) in wanted}


def detect(names) -> FileFormat | None:
    """The format a header belongs to, or None."""
    keys = {column_key(c) for c in names}
    if "metric_id" in keys:
        return DATA
    if "average_score" in keys or "likely_range_of_rank" in keys:
        return LEAGUE
    if "metric" in keys and ({"value", "score"} & keys):
        return TEMPLATE
    return None


def detect_kind(columns) -> str | None:
    """``"data"``, ``"league"``, ``"template"`` or None, from a file's column names."""
    fmt = detect(columns)
    return fmt.kind if fmt else None


def not_nof(name: str, columns) -> Problem:
    listed = ", ".join(str(c)[:40] for c in list(columns)[:6])
    columns = "(columns trust_code, trust_name, trust_type, metric, value or score, deficit)"
    return Problem(name, f"this does not look like a NOF file or our template (its columns start {listed}).",
                   "Upload NHS England's NOF data or league-table CSV, or fill in the template from the Upload page "
                   + columns + ".",
                   terminal_fix="Give NHS England's NOF data or league-table CSV, or a file in our template's layout "
                   + columns + ".")


# ----------------------------------------------------------------------------------------------------------------
# What every format does


def _match_columns(name: str, names: list[str], fmt: FileFormat) -> tuple[dict[int, str], list[Problem]]:
    """File column positions -> internal names; a missing required column is refused, with a near name offered."""
    position = {column_key(n): i for i, n in enumerate(names)}
    expected = {column_key(c) for c in fmt.columns}
    mapping, problems = {}, []
    for canonical, internal in fmt.columns.items():
        found = position.get(column_key(canonical))
        if found is not None:
            mapping[found] = internal
        elif canonical in fmt.required:
            unused = [n for n in names if column_key(n) not in expected]
            close = difflib.get_close_matches(canonical.lower(), [c.lower() for c in unused], n=1, cutoff=0.6)
            hint = ""
            if close:
                original = next(c for c in unused if c.lower() == close[0])
                hint = f" The file has a column '{original}': if that is it, rename it to '{canonical}'."
            problems.append(Problem(name, f"the required column '{canonical}' is missing.",
                                    f"Add a '{canonical}' column.{hint}", column=canonical))
    return mapping, problems


def _common(name: str, table: RawTable, fmt: FileFormat) -> tuple[pd.DataFrame, list[Problem]]:
    """Columns found and named internally (absent optional ones blank), numbers read, identifiers normalised, free
    text cleaned, trust types read and blank trust codes refused."""
    mapping, missing = _match_columns(name, table.names, fmt)
    if missing:
        raise InputError(missing)
    frame = table.frame[[*mapping, "row"]].rename(columns=mapping)
    text = pd.Series("", index=frame.index, dtype="str")
    for col in fmt.columns.values():
        if col not in frame:
            frame[col] = np.nan if col in {fmt.columns[c] for c in fmt.numeric} else text
    file_name = {internal: table.names[pos] for pos, internal in mapping.items()}
    problems: list[Problem] = []
    for col, (label, upper) in fmt.identifiers.items():
        frame[col] = normalise_column(name, frame, col, label, problems, upper=upper, file_column=file_name.get(col))
    numeric = [fmt.columns[c] for c in fmt.numeric]
    for col in frame.columns:
        if col not in fmt.identifiers and col not in numeric and col != "row":
            frame[col] = clean_free_text(frame[col])
    targets, cells = list(numeric), [(file_name.get(col, col), frame[col]) for col in numeric]
    for source, bounds in fmt.ranges.items():  # 'low to high' text: both bounds are numbers like the others
        label = file_name.get(fmt.columns[source], source)
        cells += [(label, bound) for bound in split_range(frame[fmt.columns[source]], frame["row"], name, label,
                                                          problems)]
        targets += bounds
    for col, series in zip(targets, read_numbers(name, cells, frame["row"], table.sep, problems)):
        frame[col] = series
    frame["trust_type"] = _trust_types(name, frame, problems)
    blank = frame["trust_code"] == ""
    if blank.any():
        rows = frame.loc[blank, "row"]
        problems.append(Problem(name, f"{len(rows)} rows have no trust code (rows {row_list(rows)}).",
                                "Fill in the trust's ODS code (for example RYY) or delete those rows.",
                                row=int(rows.iloc[0]), column="trust_code"))
    return frame, problems


def _trust_types(name: str, frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    canonical = map_unique(frame["trust_type"], cat.canonical_trust_type, dtype="str")[0]
    unknown = canonical.isna()
    # grouping even no rows costs a couple of milliseconds, so only when there is something to report
    for value, rows in frame.loc[unknown].groupby("trust_type")["row"] if unknown.any() else ():
        what = shown(value) if value else "a blank trust type"
        problems.append(Problem(name, f"{what} is not a NOF trust type (first on row {rows.iloc[0]}, "
                                f"{len(rows)} rows).", f"Use one of: {', '.join(cat.TRUST_TYPES)}.",
                                row=int(rows.iloc[0]), column="trust_type"))
    return canonical


def _assign_quarter(name: str, frame: pd.DataFrame, problems: list[Problem], fallback: str | None,
                    scenario: bool = False) -> pd.Series:
    """Canonical quarter labels. A file without a Quarter column is the quarter its Reporting_date names, if it has
    one that names a quarter (NHS England's Q1 acute file), else ``fallback`` (or it is refused). ``fallback`` never
    relabels a file whose dates name its quarter: it once did, and `league --quarter 'Q4 2025/26'` printed NHS
    England's Q1 acute data as Q4. In our template (``scenario``) a label that is not a quarter at all names a
    scenario and is kept."""
    if (frame["quarter"] == "").all():
        label, reason = quarter_label(fallback) if fallback is not None else (None, None)
        dated = _infer_quarter(frame) if "reporting_date" in frame else None
        if dated and (fallback is None or label is not None):  # a given label that is no quarter is refused below
            if fallback is not None and label != dated:
                problems.append(Problem(name, f"the file has no Quarter column and its Reporting_date names {dated}, "
                                        f"so its rows are read as {dated}, not as {label}.",
                                        "Add a Quarter column if the file is for another quarter.", column="Quarter",
                                        severity="warning", with_table=True))
            return pd.Series(dated, index=frame.index, dtype="str")
        if fallback is None:
            where = " and no quarter could be read from Reporting_date" if "reporting_date" in frame else ""
            problems.append(Problem(name, f"the file has no Quarter column{where}.",
                                    "Add a Quarter column such as 'Q1 2025/26'.", column="Quarter",
                                    terminal_fix="Add a Quarter column such as 'Q1 2025/26', or name the quarter "
                                    "with --quarter 'Q1 2025/26'."))
        elif label is None and not (scenario and reason is None):
            problems.append(Problem(name, f"the file has no Quarter column, and the quarter given for it, "
                                    f"{shown(fallback)}, is not a quarter{': ' + reason if reason else ''}.",
                                    "Give a quarter such as 'Q1 2025/26'.", column="Quarter",
                                    terminal_fix="Pass --quarter such as 'Q1 2025/26'."))
        return pd.Series(label or fallback, index=frame.index, dtype="str")
    reasons = {}  # why each text that is not a quarter is not one

    def canonical(text):
        found, reasons[text] = quarter_label(text)
        return text if scenario and found is None and reasons[text] is None else found

    quarters = map_unique(frame["quarter"], canonical, dtype="str")[0]
    unknown = quarters.isna() & (frame["quarter"] != "")
    for text, rows in frame.loc[unknown].groupby("quarter")["row"] if unknown.any() else ():
        why = f": {reasons[text]}" if reasons[text] else ""
        problems.append(Problem(name, f"{shown(text)} is not a quarter{why} ({len(rows)} rows).",
                                "Write quarters like 'Q4 2025/26'.", row=int(rows.iloc[0]), column="Quarter"))
    quarters = quarters.fillna("").astype("str")
    blank = quarters == ""
    if blank.any():
        problems.append(Problem(name, f"{int(blank.sum())} rows have no quarter.",
                                "Fill in the Quarter column, such as 'Q4 2025/26'.",
                                row=int(frame.loc[blank, "row"].iloc[0]), column="Quarter"))
    return quarters


# ----------------------------------------------------------------------------------------------------------------
# The data file


def _infer_quarter(frame: pd.DataFrame) -> str | None:
    """A Q1-style file without a Quarter column: the quarter most rows' Reporting_date names."""
    labels = map_unique(frame["reporting_date"], lambda d: quarter_label(d)[0], dtype=object)[0].dropna()
    return labels.mode().iloc[0] if len(labels) else None


_FAMILIES = [  # metric-ID pattern, lowest, highest, what it is, the fix
    (r"OF(1\d{3}|40\d{2}|5002)", 1, 4, "a score", "Scores run from 1 (best) to 4."),
    (r"OF(41\d{2}|5000|5003|5005)", 1, 5, "a segment", "Segments are whole numbers 1 to 5."),
    (r"OF500[47]", 0, 1, "a flag", "Flags are 1 (yes) or 0 (no)."),
]


def _check_ranges(name: str, frame: pd.DataFrame, problems: list[Problem]) -> None:
    """Scores lie in 1..4, segments are whole numbers 1..5, flags are 0 or 1."""
    # Each distinct metric ID is matched once and the rows follow by their factorize codes (numpy, not a string
    # comparison per row per family).
    codes, uniques = pd.factorize(frame["metric_id"])
    ids = pd.Series(uniques, dtype="str")
    values = frame["value"].to_numpy(dtype=float)
    for pattern, lo, hi, what, fix in _FAMILIES:
        member = ids.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
        if not member.any():
            continue
        in_family = np.where(codes >= 0, member[codes], False)
        allowed = (values >= lo) & (values <= hi) if what == "a score" else np.isin(values, np.arange(lo, hi + 1))
        bad = in_family & ~np.isnan(values) & ~allowed
        value = frame["value"]
        for idx in np.flatnonzero(bad)[:10]:
            v = value.iloc[idx]
            why = f"outside {lo} to {hi}" if not lo <= v <= hi else f"not a whole number from {lo} to {hi}"
            problems.append(Problem(name, f"{frame['metric_id'].iloc[idx]} is {what} but its Value is {v:g}, {why}.",
                                    fix, row=int(frame["row"].iloc[idx]), column="Value"))
        if bad.sum() > 10:
            problems.append(Problem(name, f"{int(bad.sum()) - 10} more values are outside {lo} to {hi}.", fix,
                                    column="Value"))


def _is_metric_id(text) -> bool:
    return isinstance(text, str) and re.fullmatch("OF[0-9]{4}", text) is not None


def _read_data(name: str, table: RawTable, fmt: FileFormat, quarter: str | None):
    frame, problems = _common(name, table, fmt)
    bad_id = pd.Series(~by_distinct(frame["metric_id"], _is_metric_id, bool), index=frame.index)
    cell_problems(name, frame, bad_id, "Metric_ID", lambda r: f"{shown(r['metric_id'])} is not a NOF metric ID.",
                  "Metric IDs look like OF0057 (raw value) or OF1057 (score).", problems)
    frame["quarter"] = _assign_quarter(name, frame, problems, quarter)
    _check_ranges(name, frame, problems)
    blank = frame["value"].isna() & ~bad_id
    if blank.any():
        problems.append(Problem(name, f"{int(blank.sum())} rows have no Value and were ignored (first on row "
                                f"{int(frame.loc[blank, 'row'].iloc[0])}).", "Nothing to do if the metric was not "
                                "reported.", severity="warning"))
        frame = frame.loc[~blank]
    frame = drop_repeats(name, frame, list(fmt.key), list(fmt.values), problems)
    return frame.assign(source=name)[list(fmt.frame_columns)], problems


# ----------------------------------------------------------------------------------------------------------------
# The league table


def _read_league(name: str, table: RawTable, fmt: FileFormat, quarter: str | None):
    frame, problems = _common(name, table, fmt)
    frame["quarter"] = _assign_quarter(name, frame, problems, quarter)
    frame["deficit"] = read_flag(frame["deficit"], frame["row"], name, "Trust_in_financial_deficit", problems)
    cell_problems(name, frame, frame["average_score"].notna() & ~frame["average_score"].between(1, 4),
                  "Average_score", lambda r: f"the average score {r['average_score']:g} is outside 1 to 4.",
                  "Average scores run from 1 (best) to 4.", problems)
    cell_problems(name, frame, frame["segment"].notna() & ~frame["segment"].isin([1, 2, 3, 4, 5]), "Segment",
                  lambda r: f"the segment {r['segment']:g} is not 1 to 5.",
                  "Segments are whole numbers 1 to 5, or blank to have them worked out.", problems)
    blank = frame["average_score"].isna()
    if blank.any():
        problems.append(Problem(name, f"{int(blank.sum())} trusts have no Average_score.",
                                "Fill in each trust's average score.", row=int(frame.loc[blank, "row"].iloc[0]),
                                column="Average_score"))
    frame = drop_repeats(name, frame, list(fmt.key), ["average_score", "segment", "deficit"], problems)
    return frame.assign(source=name)[list(fmt.frame_columns)], problems


# ----------------------------------------------------------------------------------------------------------------
# Our template


def _read_template(name: str, table: RawTable, fmt: FileFormat, quarter: str | None):
    """Our template -> rows in the data-file layout (raw values as OF0xxx, scores as OF1xxx, deficit as OF5004)."""
    frame, problems = _common(name, table, fmt)
    frame["quarter"] = _assign_quarter(name, frame, problems, quarter or TEMPLATE_QUARTER, scenario=True)
    by_short = {normalise_text(m.short).lower(): m.id for m in cat.CATALOGUE.values()}
    ids = frame["metric"].str.upper().str.replace(r"^OF[01](\d{3})$", r"OF1\1", regex=True)
    ids = ids.where(ids.str.fullmatch(r"OF1\d{3}"), frame["metric"].str.lower().map(by_short))
    cell_problems(name, frame, ids.isna(), "metric", lambda r: f"{shown(r['metric'])} is not a metric we know.",
                  "Use a NOF metric ID such as OF0057 or a name from the template's example.", problems)
    neither = frame["value"].isna() & frame["score"].isna()
    if neither.any():
        problems.append(Problem(name, f"{int(neither.sum())} rows have neither a value nor a score.",
                                "Give each row a raw value, a score from 1 to 4, or both.",
                                row=int(frame.loc[neither, "row"].iloc[0]), column="value"))
    scorable = ids.map({m: isinstance(m, str) and cat.scorable_from_values(m) for m in ids.unique()})
    unscorable = frame["value"].notna() & frame["score"].isna() & ids.notna() & ~scorable.astype(bool)
    for metric, rows in frame.loc[unscorable].groupby("metric")["row"]:
        problems.append(Problem(name, f"{metric} has raw values but no scores, and it cannot be scored from values "
                                "(whether higher or lower is better is not known, or it is published as a score "
                                f"only) ({len(rows)} rows).", "Give its score (1 best to 4) in the score column.",
                                row=int(rows.iloc[0]), column="score"))
    cell_problems(name, frame, frame["score"].notna() & ~frame["score"].between(1, 4), "score",
                  lambda r: f"the score {r['score']:g} is outside 1 to 4.", "Scores run from 1 (best) to 4.", problems)
    frame["metric_id"] = ids
    frame = drop_repeats(name, frame, list(fmt.key), list(fmt.values), problems)
    deficit = read_flag(frame["deficit"], frame["row"], name, "deficit", problems)
    given = frame.loc[frame["trust_name"] != ""].drop_duplicates("trust_code")
    named = dict(zip(given["trust_code"], given["trust_name"]))  # a blank name: the code's name on another row
    trust_name = frame["trust_name"].where(frame["trust_name"] != "", frame["trust_code"].map(
        {c: named.get(c, c) for c in frame["trust_code"].unique()}))
    base = frame.assign(region="", trust_subtype="", domain="", subdomain="", metric_description="",
                        reporting_date="", units="", median=np.nan, lower_quartile=np.nan, upper_quartile=np.nan,
                        rank=np.nan, source=name, trust_name=trust_name.astype("str"))
    scores = base[base["score"].notna()].assign(value=lambda f: f["score"])
    values = base[base["value"].notna()].assign(metric_id=lambda f: "OF0" + f["metric_id"].str[3:])
    flags = base.assign(deficit=deficit).drop_duplicates(["quarter", "trust_code"])
    flags = flags.assign(metric_id="OF5004", value=flags["deficit"].astype(float))
    out = pd.concat([scores, values, flags], ignore_index=True)
    out["units"] = np.where(out["metric_id"].str.startswith("OF1"), "score", "")
    return out[list(DATA.frame_columns)], problems


# ----------------------------------------------------------------------------------------------------------------
# The three formats

DATA = FileFormat(
    kind="data", label="NOF data file",
    columns={**_TRUST_COLUMNS, "Domain": "domain", "Sub-domain": "subdomain", "Metric_ID": "metric_id",
             "Metric_description": "metric_description", "Reporting_date": "reporting_date", "Units": "units",
             "Value": "value", "Median_value": "median", "Lower_quartile": "lower_quartile",
             "Upper_quartile": "upper_quartile", "Rank": "rank"},
    required=("Trust_type", "Trust_code", "Metric_ID", "Value"),
    numeric=("Value", "Median_value", "Lower_quartile", "Upper_quartile", "Rank"),
    identifiers={**_TRUST_IDENTIFIERS, "metric_id": ("metric ID", True)},
    key=("quarter", "trust_code", "metric_id"), values=("value",),
    frame_columns=("quarter", "region", "trust_type", "trust_subtype", "trust_code", "trust_name", "domain",
                   "subdomain", "metric_id", "metric_description", "reporting_date", "units", "value", "median",
                   "lower_quartile", "upper_quartile", "rank", "source", "row"),
    schema_name="METRICS", read=_read_data,
)

LEAGUE = FileFormat(
    kind="league", label="NOF league table",
    columns={**_TRUST_COLUMNS, "Average_score": "average_score", "Likely_range_of_average_score": "score_range",
             "Segment": "segment", "Trust_in_financial_deficit": "deficit", "Rank": "rank",
             "Likely_range_of_rank": "rank_range"},
    required=("Trust_type", "Trust_code", "Average_score"),
    numeric=("Average_score", "Segment", "Rank"),
    identifiers={**_TRUST_IDENTIFIERS, "deficit": ("deficit flag", False)},
    key=("quarter", "trust_code"), values=("average_score",),
    frame_columns=("quarter", "region", "trust_type", "trust_subtype", "trust_code", "trust_name", "average_score",
                   "score_lo", "score_hi", "segment", "deficit", "rank", "rank_lo", "rank_hi", "source", "row"),
    schema_name="LEAGUE", read=_read_league,
    ranges={"Likely_range_of_average_score": ("score_lo", "score_hi"), "Likely_range_of_rank": ("rank_lo", "rank_hi")},
)

TEMPLATE = FileFormat(
    kind="template", label="template file",
    columns={"quarter": "quarter", "trust_code": "trust_code", "trust_name": "trust_name", "trust_type": "trust_type",
             "metric": "metric", "value": "value", "score": "score", "deficit": "deficit"},
    required=("trust_code", "trust_type", "metric"),
    numeric=("value", "score"),
    identifiers={**_TRUST_IDENTIFIERS, "metric": ("metric", False), "deficit": ("deficit flag", False)},
    key=("quarter", "trust_code", "metric_id"), values=("value", "score"),
    frame_columns=DATA.frame_columns,
    schema_name="METRICS", read=_read_template,
)

FORMATS = (DATA, LEAGUE, TEMPLATE)


def file_column_names(problems: list[Problem], names: list[str], fmt: FileFormat) -> list[Problem]:
    """Name columns in problems as the file's own header does (the readers work with internal names)."""
    have = {column_key(n): n for n in names}
    renamed = {}
    for canonical, internal in fmt.columns.items():
        original = have.get(column_key(canonical))
        if original is not None:
            renamed[internal] = renamed[canonical] = original
    return [dataclasses.replace(p, column=renamed.get(p.column, p.column)) for p in problems]
