"""Formulas into spreadsheets (issue 8, class 2): every CSV the project writes is safe to open in a spreadsheet.

``oversight.to_csv`` is what the command line prints and what every download of the app sends (``ui.data.csv_bytes``
calls it), so these tests hold it to OWASP's CSV-injection advice: a field holding a line break is quoted, so no
spreadsheet starts a row inside it; a text cell that could run as a formula (after leading white space, control
characters or quotes, or in its full-width form) gets a leading ``'``; numbers stay numbers. Each output is read
back with Python's csv module and, separately, split on every line break.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oversight
from oversight.formats import league_layout

from .conftest import LEAGUE_FILE

#: Every line break some program ends a row at (str.splitlines' list).
LINE_BREAK = re.compile(r"(\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])")
PAYLOAD = "=cmd|' /C calc'!A0"


def spreadsheet_runs(cell: str) -> bool:
    """The test's own reading of OWASP: a cell a spreadsheet may run, unless it is a plain number."""
    if re.fullmatch(r" *[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)? *", cell, re.ASCII):
        return False
    if cell[:1] in ("\t", "\r", "\n"):
        return True
    rest = "".join(ch for ch in cell if not (ch.isspace() or unicodedata.category(ch)[0] == "C" or ch in "'\"‘’“”"))
    return rest[:1] != "" and unicodedata.normalize("NFKC", rest[0]) in "=+-@" and not cell.startswith("'")


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def first_field(line: str) -> str:
    """The first field of a line as a spreadsheet sees it (quoting does not stop a formula, so it is removed)."""
    return line[1:].split('"')[0] if line.startswith('"') else line.split(",")[0]


def record_starts(text: str) -> list[str]:
    """The text after every line break that lies outside quotes: where a spreadsheet starts a row."""
    pieces = LINE_BREAK.split(text)
    starts, inside = [pieces[0]], pieces[0].count('"') % 2 == 1
    for piece in pieces[2::2]:
        if not inside:
            starts.append(piece)
        inside ^= piece.count('"') % 2 == 1
    return starts


RISKY = ["=1+2", "+1+1", "-1+2", "@SUM(A1:A9)", "\t=1", "\r=1", "\n=1", "  =1", " \t+1", "'=1", '"=1', "\u200b=1",
         "\x00=1", "\u3000=1", "＝1+1", "＋1", "－1", "＠SUM(A1)", "﹦1", "\u2212" + "1+2", PAYLOAD,
         "\u00a0" + PAYLOAD]
SAFE = ["-1.5", "+2", "1e3", " -3 ", "0", "RXG", "Kent Community Health NHS Foundation Trust", "a=b", "1+1",
        "5 - 3", ""]


@pytest.mark.parametrize("cell", RISKY, ids=[repr(c) for c in RISKY])
def test_a_formula_is_neutralised_wherever_it_hides(cell):
    rows = read_back(oversight.to_csv(pd.DataFrame({"name": [cell], "value": [1.5]})))
    assert rows == [["name", "value"], ["'" + cell, "1.5"]]
    assert not spreadsheet_runs(rows[1][0])


@pytest.mark.parametrize("cell", SAFE, ids=[repr(c) for c in SAFE])
def test_numbers_and_plain_text_are_left_alone(cell):
    frame = pd.DataFrame({"name": [cell], "number": [-2.5]})
    assert read_back(oversight.to_csv(frame)) == [["name", "number"], [cell, "-2.5"]]


def test_a_carriage_return_inside_a_field_never_starts_a_row():
    cells = ["Kent\r" + PAYLOAD, "Kent\n" + PAYLOAD, "Kent\r\n" + PAYLOAD, "Kent\u2028" + PAYLOAD, "plain"]
    frame = pd.DataFrame({"Trust_name": cells, "Average_score": [1.53, -1.0, 2.0, 3.0, 4.0]})
    text = oversight.to_csv(frame)
    assert read_back(text) == [["Trust_name", "Average_score"], *([c, str(s)] for c, s in zip(cells,
                                                                                                frame["Average_score"]))]
    starts = record_starts(text)
    assert len([s for s in starts if s]) == len(frame) + 1, starts
    assert not any(spreadsheet_runs(first_field(s)) for s in starts)


def test_a_column_name_is_neutralised_too():
    assert read_back(oversight.to_csv(pd.DataFrame({"=HYPERLINK(x)": ["a"]})))[0] == ["'=HYPERLINK(x)"]


def test_the_league_table_layout_is_written_as_nhs_england_writes_it():
    """No quoting or prefixing where nothing is risky: the real league table comes back byte for byte."""
    table = oversight.read_files([LEAGUE_FILE]).league
    frame = table.assign(average_score_2dp=table["average_score"])
    out = oversight.to_csv(league_layout(frame))
    assert out == LEAGUE_FILE.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")


def test_a_category_column_is_neutralised():
    frame = pd.DataFrame({"c": pd.Categorical(["@x", "ok", "@x"])})
    assert [r[0] for r in read_back(oversight.to_csv(frame))[1:]] == ["'@x", "ok", "'@x"]


_ALPHABET = st.sampled_from(list("=+-@'\" \t\r\n,;|aZ09.e") + ["＝", "＋", "－", "＠", "\u200b", "\x00", "\x1f",
                                                              "\u00a0", "\u2028", "\x85", "\u2212", "\u3000"])


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(cells=st.lists(st.text(alphabet=_ALPHABET, max_size=12), min_size=1, max_size=8),
       numbers=st.lists(st.floats(allow_nan=True, allow_infinity=False, width=32), min_size=8, max_size=8))
def test_any_text_comes_back_whole_and_never_runs(cells, numbers):
    frame = pd.DataFrame({"text": cells, "number": numbers[: len(cells)]})
    text = oversight.to_csv(frame)
    rows = read_back(text)
    assert len(rows) == len(cells) + 1 and all(len(r) == 2 for r in rows)
    for original, (written, _) in zip(cells, rows[1:]):
        assert written in (original, "'" + original)
        assert not spreadsheet_runs(written), repr(written)
    assert [float(n) if n else np.nan for _, n in rows[1:]] == pytest.approx(list(frame["number"]), nan_ok=True)
    starts = [s for s in record_starts(text) if s]
    assert len(starts) == len(cells) + 1
    assert not any(spreadsheet_runs(first_field(s)) for s in starts)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(cells=st.lists(st.one_of(st.none(), st.text(alphabet=_ALPHABET, max_size=6)), min_size=1, max_size=8))
def test_the_pyarrow_shortcut_agrees_with_looking_at_every_value(cells):
    """A text column held by pyarrow whose values all start with a letter or digit is passed without looking at each
    value; whatever the values, that column comes out exactly as the same column held as Python objects does."""
    arrow = oversight.neutralise_formulas(pd.DataFrame({"t": pd.array(cells, dtype="str")}))
    python = oversight.neutralise_formulas(pd.DataFrame({"t": pd.Series(cells, dtype=object)}))
    assert [None if pd.isna(v) else v for v in arrow["t"]] == [None if pd.isna(v) else v for v in python["t"]]


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(cells=st.lists(st.one_of(st.none(), st.text(alphabet=_ALPHABET, max_size=6)), min_size=1, max_size=8),
       lead=st.sampled_from(["", "a", "Z9"]))
def test_a_csv_of_pyarrow_text_is_the_csv_of_the_same_text_as_python_objects(cells, lead):
    """``to_csv`` passes a pyarrow column whose values all start with a letter or digit without looking at each value
    for formulas, and asks pyarrow whether any value holds a line break other than LF (then every field is quoted):
    whatever the values (led by a letter or not, CR, NEL and U+2028 inside), the text is what the same column held as
    Python objects gives, where every value is looked at."""
    cells = [None if c is None else lead + c for c in cells]
    arrow = oversight.to_csv(pd.DataFrame({"t": pd.array(cells, dtype="str"), "n": 1.5}))
    python = oversight.to_csv(pd.DataFrame({"t": pd.Series(cells, dtype=object), "n": 1.5}))
    assert arrow == python
