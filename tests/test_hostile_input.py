"""Silently different rankings (issue 8, class 1): each hostile input is read right and reported, or refused naming
the file, the row or column and the fix.

The classes, each stopped at the mechanism that used to let it through:

* B1 identifiers that differ only by case, surrounding or invisible characters (BOM, zero-width space, no-break
  space, NUL, full-width letters): one normalisation for every identifier field (``oversight._cells``);
* B2 a trust's identity (code, type, name) inconsistent within a load: the load's identity check
  (``oversight._load``);
* B3 a second column whose name matches an expected one once case and spacing are ignored: column names
  (``oversight._text.column_names``);
* B4 decimal commas and thousands separators: the number rule (``oversight._cells.read_numbers``);
* B5 quarter labels whose years do not follow (``Q4 2025/99``): ``oversight._cells.quarter_label``.

Every case is written here from NHS England's real files (or our template filled from them), and goes through the
engine (``read_files``) and the command line (``validate`` and ``league``). An accepted case must give exactly what
the clean file gives, and its warning must say what was done; a refused one must name the file, row or column and
the fix. A hypothesis property then injects random invisible characters, case and spaces into real trust codes and
metric IDs: never a second trust, never a different score.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from functools import cache

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oversight
from oversight.__main__ import main

from .broken_files import TEMPLATE_HEADER, find_row, real_rows, sheet_row, template_rows, to_bytes
from .conftest import DATA_FILE, LEAGUE_FILE

KEY = ["quarter", "trust_code", "metric_id"]
COMPARED = ["quarter", "trust_type", "trust_code", "trust_name", "metric_id", "value", "median", "rank"]
DATA_NAME, LEAGUE_NAME, TEMPLATE_NAME = "data.csv", "league.csv", "template.csv"
ZWSP, BOM, NBSP, NUL = "\u200b", "\ufeff", "\u00a0", "\x00"


@dataclass(frozen=True)
class Hostile:
    id: str
    cls: str  # B1 .. B5
    files: tuple[tuple[str, bytes], ...]  # loaded together
    outcome: str  # "same" (as the clean files give) or "error"
    says: tuple[str, ...]  # words the warning or error must hold (case-insensitive)
    clean: tuple[tuple[str, bytes], ...] = ()  # for "same": the clean files
    rows: tuple[int, ...] = ()  # for "error": rows the problem must name
    column: str | None = None
    fix: str = ""
    ignore: tuple[str, ...] = ()  # columns an accepted case may change (a trust renamed between quarters)

    def __repr__(self) -> str:
        return f"Hostile({self.id!r}, {self.cls}, {self.outcome})"


def _data(header, rows, **kw) -> tuple[tuple[str, bytes], ...]:
    return ((DATA_NAME, to_bytes(header, rows, **kw)),)


def _where(header, rows, **wanted) -> list[int]:
    cols = {k: header.index(k) for k in wanted}
    return [i for i, r in enumerate(rows) if all(r[cols[k]] == v for k, v in wanted.items())]


def _edit(column: str, change, every: int = 1, **wanted):
    """The real data file with ``change(cell, i)`` applied to ``column`` on every ``every``-th matching row;
    returns the file and the spreadsheet rows changed."""
    header, rows = real_rows(DATA_FILE)
    col = header.index(column)
    hits = _where(header, rows, **wanted)[::every]
    for n, i in enumerate(hits):
        rows[i][col] = change(rows[i][col], n)
    return _data(header, rows), tuple(sheet_row(i) for i in hits)


def _template(rows, delimiter=",") -> tuple[tuple[str, bytes], ...]:
    return ((TEMPLATE_NAME, to_bytes(TEMPLATE_HEADER, rows, delimiter=delimiter)),)


def _with_column(name: str, value: str, after: str):
    """The real data file with an extra column ``name`` (every cell ``value``) after ``after``."""
    header, rows = real_rows(DATA_FILE)
    at = header.index(after) + 1
    return _data(header[:at] + [name] + header[at:], [r[:at] + [value] + r[at:] for r in rows])


@cache
def _cases() -> tuple[Hostile, ...]:
    header, rows = real_rows(DATA_FILE)
    clean = _data(header, rows)
    lheader, lrows = real_rows(LEAGUE_FILE)
    with_league = (*clean, (LEAGUE_NAME, to_bytes(lheader, lrows)))
    q4 = {"Quarter": "Q4 2025/26", "Trust_code": "RXG"}
    cases = []

    def add(*args, **kw):
        cases.append(Hostile(*args, **kw))

    # B1: identifiers ---------------------------------------------------------------------------------------------
    files, _ = _edit("Trust_code", lambda c, n: c.lower(), **q4)
    add("codes-in-lower-case", "B1", files, "same", ("trust codes", "lower-case", "'rxg' read as 'RXG'"), clean)
    variants = [lambda c: c + ZWSP, lambda c: BOM + c, lambda c: NBSP + c + " ", lambda c: c[0] + "\u2060" + c[1:]]
    files, _ = _edit("Trust_code", lambda c, n: variants[n % 4](c), Trust_code="RXG")
    add("codes-with-invisible-characters", "B1", files, "same", ("trust codes", "invisible"), clean)
    files, _ = _edit("Trust_code", lambda c, n: c + NUL, Trust_code="RV3")
    add("codes-with-nul", "B1", files, "same", ("trust codes", "invisible", r"\x00"), clean)
    full = str.maketrans({ch: chr(ord(ch) + 0xFEE0) for ch in "OF0123456789"})  # full-width forms
    metric_variants = [str.lower, lambda m: m.translate(full), lambda m: m + ZWSP]
    files, _ = _edit("Metric_ID", lambda m, n: metric_variants[n % 3](m), Metric_ID="OF0082")
    add("metric-ids-in-other-forms", "B1", files, "same", ("metric ids", "invisible"), clean)
    files, _ = _edit("Trust_type", lambda t, n: t.replace(" ", NBSP, 1) + ZWSP, 3, Quarter="Q4 2025/26")
    add("trust-types-with-invisible-characters", "B1", files, "same", ("trust types", "invisible"), clean)
    files, _ = _edit("Quarter", lambda q, n: q.replace(" ", NBSP), 2, Quarter="Q4 2025/26")
    add("quarters-with-no-break-spaces", "B1", files, "same", ("quarters", "unusual spaces"), clean)
    add("column-names-with-invisible-characters", "B1",
        _data([BOM + h if h == "Quarter" else h + ZWSP if h == "Value" else h for h in header], rows), "same",
        ("column name", "invisible"), clean)
    codes = template_rows()
    for i, r in enumerate(codes):
        r[0] = [str.lower, lambda c: c + ZWSP, lambda c: c][i % 3](r[0])
    add("template-codes-in-other-forms", "B1", _template(codes), "same", ("trust codes",), _template(template_rows()))

    # B2: a trust's identity --------------------------------------------------------------------------------------
    files, changed = _edit("Trust_type", lambda t, n: "Acute trust", 1000, **q4)  # the first Q4 row of RXG only
    add("one-code-two-types", "B2", files, "error", ("rxg", "2 trust types", "acute trust"), rows=changed,
        column="Trust_type", fix="one trust type")
    lrows2 = [list(r) for r in lrows]
    i = find_row(lrows2, lheader, Trust_code="RXG")
    lrows2[i][lheader.index("Trust_type")] = "Acute trust"
    add("one-code-two-types-in-two-files", "B2", (*clean, (LEAGUE_NAME, to_bytes(lheader, lrows2))), "error",
        ("rxg", "2 trust types", DATA_NAME, LEAGUE_NAME), rows=(sheet_row(i),), fix="one trust type")
    files, changed = _edit("Trust_name", lambda t, n: "Someone Else NHS Trust", 1000, **q4)
    add("one-code-two-names-in-a-quarter", "B2", files, "error", ("rxg", "2 names", "someone else"), rows=changed,
        column="Trust_name", fix="one name")
    files, _ = _edit("Trust_name", lambda t, n: t.upper() if n % 2 else t, **q4)
    add("names-differing-in-capitals", "B2", files, "same", ("capitals",), clean)
    files, _ = _edit("Trust_name", lambda t, n: "Old Name NHS Trust", Quarter="Q1 2025/26", Trust_code="RXG")
    add("renamed-between-quarters", "B2", files, "same", ("different name", "old name"), clean, ignore=("trust_name",))

    # B3: two columns with one name -------------------------------------------------------------------------------
    add("value-twice-in-other-capitals", "B3", _with_column("VALUE", "1.0", "Value"), "error",
        ("'value'", "'VALUE'", "column M", "column N", "same name"), column="VALUE", fix="delete one")
    add("trust-code-twice-in-other-spacing", "B3", _with_column("trust code", "XXX", "Trust_code"), "error",
        ("'trust_code'", "'trust code'", "same name"), column="trust code", fix="delete one")
    add("value-twice-exactly", "B3", _with_column("Value", "1.0", "Rank"), "error", ("'value'", "same name"),
        column="Value", fix="delete one")

    # B4: decimal commas and thousands separators -------------------------------------------------------------------
    files, changed = _edit("Value", lambda v, n: "0,5", 1000, Quarter="Q4 2025/26", Metric_ID="OF0082")
    add("decimal-comma-in-a-comma-file", "B4", files, "error", ("'0,5'", "comma"), rows=changed, column="Value",
        fix="0.5")
    numeric = [header.index(c) for c in ("Value", "Median_value", "Lower_quartile", "Upper_quartile", "Rank")]
    europe = [[c.replace(".", ",") if j in numeric else c for j, c in enumerate(r)] for r in rows]
    add("decimal-commas-in-a-semicolon-file", "B4", _data(header, europe, delimiter=";"), "same",
        ("decimal comma", "semicolons"), clean)
    trows = template_rows()
    add("decimal-commas-in-a-semicolon-template", "B4",
        _template([[c.replace(".", ",") if j in (4, 5) else c for j, c in enumerate(r)] for r in trows], ";"),
        "same", ("decimal comma",), _template(trows))
    mixed = [list(r) for r in europe]
    mixed[5][numeric[0]] = "2.5"
    first_comma = next(i for i, r in enumerate(mixed) if "," in r[numeric[0]])
    add("decimal-commas-and-points-mixed", "B4", _data(header, mixed, delimiter=";"), "error",
        ("decimal comma", "decimal point", "'2.5'"), rows=(sheet_row(first_comma),), column="Value",
        fix="one decimal mark")
    plain, _ = _edit("Value", lambda v, n: "1234.5", 1000, Quarter="Q4 2025/26", Metric_ID="OF0082")
    grouped, _ = _edit("Value", lambda v, n: "1,234.5", 1000, Quarter="Q4 2025/26", Metric_ID="OF0082")
    add("thousands-separator", "B4", grouped, "same", ("thousands separators", "1234.5"), plain)
    files, changed = _edit("Value", lambda v, n: "1,234", 1000, Quarter="Q4 2025/26", Metric_ID="OF0082")
    add("ambiguous-thousands-separator", "B4", files, "error", ("'1,234'", "comma"), rows=changed, column="Value",
        fix="1.234 if the comma is a decimal mark or 1234")

    # B5: quarter labels -----------------------------------------------------------------------------------------------
    files, changed = _edit("Quarter", lambda q, n: "Q4 2025/99", **q4)
    add("quarter-years-do-not-follow", "B5", files, "error", ("'q4 2025/99'", "second year must follow"),
        rows=changed[:1], column="Quarter", fix="Q4 2025/26")

    assert len({c.id for c in cases}) == len(cases)
    assert with_league  # the league table is broken in its own case above
    return tuple(cases)


CASES = _cases()


def _names_row(text: str, row: int) -> bool:
    return re.search(rf"(?<!\d)(?<!\d,){row}(?!\d|,\d)", text) is not None


def _tidy(dataset: oversight.Dataset, ignore=()) -> pd.DataFrame:
    columns = [c for c in COMPARED if c not in ignore]
    return dataset.metrics[columns].sort_values(KEY).reset_index(drop=True)


@cache
def _read_clean(files) -> oversight.Dataset:
    return oversight.read_files(list(files))


def _listing(problems) -> str:
    return "\n".join(f"  [{p.severity}] {p.text()}" for p in problems)


def test_the_corpus_covers_every_class_and_starts_from_clean_files():
    assert {c.cls for c in CASES} == {"B1", "B2", "B3", "B4", "B5"}
    for case in CASES:
        if case.outcome == "same":
            assert case.files != case.clean, case.id
            assert _read_clean(case.clean).warnings == (), f"{case.id}: the clean files must read without warnings"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_engine_reads_right_or_refuses(case: Hostile):
    try:
        dataset = oversight.read_files(list(case.files))
    except oversight.InputError as err:
        assert case.outcome == "error", f"refused:\n{_listing(err.problems)}"
        matching = [p for p in err.errors if all(w.lower() in p.text().lower() for w in case.says)
                    and case.fix.lower() in p.fix.lower()]
        assert matching, f"no error says {case.says} with fix '{case.fix}':\n{_listing(err.problems)}"
        p = matching[0]
        assert all(name in p.file for name, _ in case.files), p
        if case.column:
            assert (p.column or "").lower() == case.column.lower(), p
        for row in case.rows:
            assert p.row == row or _names_row(p.message, row), f"row {row} not named: {p}"
        return
    assert case.outcome == "same", f"accepted a file that must be refused ({len(dataset.metrics):,} rows)"
    warned = [w for w in dataset.warnings if all(word.lower() in w.text().lower() for word in case.says)]
    assert warned, f"no warning says {case.says}:\n{_listing(dataset.warnings)}"
    assert all(w.fix for w in warned)
    clean = _read_clean(case.clean)
    assert dataset.metrics["trust_code"].nunique() == clean.metrics["trust_code"].nunique()
    pd.testing.assert_frame_equal(_tidy(dataset, case.ignore), _tidy(clean, case.ignore))


def _cli(*args) -> tuple[int, str, str]:
    """``python -m oversight ARGS`` in this process (the same ``main``), its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as stop:  # argparse
            code = stop.code
    return code, out.getvalue(), err.getvalue()


@cache
def _clean_league(folder: str, files) -> str:
    paths = []
    for name, data in files:
        path = f"{folder}/clean-{name}"
        with open(path, "wb") as handle:
            handle.write(data)
        paths.append(path)
    code, out, err = _cli("league", *paths, "--bootstrap", "20")
    assert code == 0, err
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_command_line_reads_right_or_refuses(case: Hostile, tmp_path_factory):
    folder = tmp_path_factory.mktemp(case.id)
    paths = []
    for name, data in case.files:
        paths.append(folder / name)
        paths[-1].write_bytes(data)
    checked, out, err = _cli("validate", *paths)
    code, table, league_err = _cli("league", *paths, "--bootstrap", "20")
    for text in (out + err, table + league_err):
        assert "Traceback" not in text
    if case.outcome == "error":
        assert checked == 2 and code == 2 and table == "", (out, err, league_err)
        for text in (err, league_err):
            lower = text.lower()
            assert all(w.lower() in lower for w in case.says), text
            assert "fix:" in lower and case.fix.lower() in lower, text
            assert all(name in text for name, _ in case.files), text
            if case.column:
                assert f"column {case.column}".lower() in lower, text
            for row in case.rows:
                assert _names_row(text, row), f"row {row} not named:\n{text}"
        return
    assert checked == 0 and code == 0, (err, league_err)
    assert out.count("OK ") == len(case.files)
    assert all(w.lower() in out.lower() for w in case.says), out
    assert table == _clean_league(str(tmp_path_factory.getbasetemp()), case.clean)


# ----------------------------------------------------------------------------------------------------------------
# The property: an identifier's invisible variants never create a second trust

_Q4_HEADER, _Q4_ROWS = real_rows(DATA_FILE)
_Q4_ROWS = [r for r in _Q4_ROWS if r[_Q4_HEADER.index("Quarter")] == "Q4 2025/26"]
_CODES = sorted({r[_Q4_HEADER.index("Trust_code")] for r in _Q4_ROWS})
_METRICS = sorted({r[_Q4_HEADER.index("Metric_ID")] for r in _Q4_ROWS})
_INVISIBLE = [BOM, ZWSP, NUL, "\u2060", "\u200e", "\u00ad", "\x7f", "\x1f"]  # never part of a code
_SPACE = [" ", NBSP, "\u3000", "\u2009", "\u202f"]  # only at either end


@st.composite
def _variant(draw, text: str) -> str:
    """``text`` with random case, invisible characters anywhere, spaces at its ends, some letters full-width."""
    chars = []
    for ch in text:
        ch = draw(st.sampled_from([ch, ch.lower(), chr(ord(ch) + 0xFEE0)]))
        chars.append(draw(st.sampled_from(["", *_INVISIBLE])) + ch)
    ends = st.text(alphabet=st.sampled_from(_SPACE + _INVISIBLE), max_size=3)
    return draw(ends) + "".join(chars) + draw(ends)


@cache
def _clean_q4() -> tuple[pd.DataFrame, pd.DataFrame]:
    dataset = oversight.read_files([("q4.csv", to_bytes(_Q4_HEADER, _Q4_ROWS))])
    return _tidy(dataset), oversight.assess(dataset).trusts


@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), codes=st.lists(st.sampled_from(_CODES), min_size=1, max_size=4, unique=True),
       metrics=st.lists(st.sampled_from(_METRICS), max_size=2, unique=True))
def test_invisible_variants_of_an_identifier_never_create_a_second_trust(data, codes, metrics):
    rows = [list(r) for r in _Q4_ROWS]
    for column, chosen in [(_Q4_HEADER.index("Trust_code"), codes), (_Q4_HEADER.index("Metric_ID"), metrics)]:
        for text in chosen:
            # a few spellings of the identifier, dealt out to its rows in turn (the clean one among them)
            spellings = [text, *data.draw(st.lists(_variant(text), min_size=1, max_size=3))]
            hits = [r for r in rows if r[column] == text]
            for i, r in enumerate(hits):
                r[column] = spellings[i % len(spellings)]
    dataset = oversight.read_files([("q4.csv", to_bytes(_Q4_HEADER, rows))])
    clean_metrics, clean_trusts = _clean_q4()
    assert dataset.metrics["trust_code"].nunique() == len(_CODES)
    pd.testing.assert_frame_equal(_tidy(dataset), clean_metrics)
    pd.testing.assert_frame_equal(oversight.assess(dataset).trusts, clean_trusts)
