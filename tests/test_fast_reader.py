"""The reader's fast path (pyarrow, numbers typed as read) gives exactly what the careful path gives, or steps aside.

``oversight._load`` uses the fast table only when it leads to no problem at all; otherwise the careful path reads the
file again and every message is the careful path's. So the contract is: whenever the fast path gives a clean result,
the careful path gives the same frame, byte for byte, and no problem either. It is checked on every real file, on
fictional files from ``tests/synthetic.py``, on both corpora of hostile files (where the fast path must never give a
clean result, as the careful path always has something to say), on random mutations of the real file and on random
number cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight import _limits, _load, _text
from oversight._fileformats import detect
from oversight.problems import InputError

from . import synthetic as syn
from .broken_files import CASES as BROKEN
from .broken_files import real_rows, template_bytes, to_bytes
from .conftest import ACUTE_FILE, DATA_FILE, LEAGUE_FILE
from .test_fuzz_reader import BYTE_OPS, LINE_OPS, SEED_LINES, UTF16_BOMS, mutate
from .test_hostile_input import CASES as HOSTILE


def fast(name: str, data: bytes):
    """The fast path's result, or None when it steps aside (not plain, or any problem)."""
    table = _text.fast_table(data, _load._numeric_names)
    if table is None:
        return None
    try:
        fmt, frame, problems = _load._parse(name, table, None)
    except InputError:
        return None
    return (fmt.kind, frame) if not problems else None


def careful(name: str, data: bytes):
    table = _text.careful_table(name, data, recognised=lambda names: detect(names) is not None)
    fmt, frame, problems = _load._parse(name, table, None)
    return fmt.kind, frame, problems


def assert_identical(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same columns, dtypes, index and values, floats compared bit for bit (so -0.0 is not 0.0)."""
    assert list(got.columns) == list(want.columns)
    assert list(got.dtypes) == list(want.dtypes)
    assert got.index.equals(want.index)
    for col in got.columns:
        a, b = got[col].to_numpy(), want[col].to_numpy()
        if a.dtype.kind in "fib":
            assert a.tobytes() == b.tobytes(), col
        else:
            assert a.tolist() == b.tolist(), col


def assert_same_as_careful(name: str, data: bytes) -> bool:
    """The contract on one input; True when the fast path was taken."""
    result = fast(name, data)
    if result is None:
        return False
    try:
        kind, frame, problems = careful(name, data)
    except InputError as err:
        raise AssertionError(f"the fast path accepted what the careful path refuses: {err}") from None
    assert problems == [], f"the careful path has something to say: {problems}"
    assert kind == result[0]
    assert_identical(result[1], frame)
    return True


FILES = {
    "real MH&C data": lambda: DATA_FILE.read_bytes(),
    "real acute data (no Quarter column)": lambda: ACUTE_FILE.read_bytes(),
    "real league table": lambda: LEAGUE_FILE.read_bytes(),
    "template from the real data": lambda: template_bytes(),
    "fictional acute data": lambda: syn.to_csv_bytes(syn.acute_data(n_trusts=40, quarters=syn.QUARTERS[:2])),
    "fictional ambulance data, no BOM, LF": lambda: syn.to_csv_bytes(syn.ambulance_data(), bom=False, crlf=False),
    "fictional organisations (the benchmark's kind)": lambda: syn.to_csv_bytes(syn.synthetic_organisations(n=400)),
    "fictional league table": lambda: syn.to_csv_bytes(syn.league_table(syn.ambulance_data(), replicates=50)),
}


@pytest.mark.parametrize("source", FILES)
def test_the_fast_path_reads_every_plain_file_exactly_as_the_careful_one(source):
    assert assert_same_as_careful("file.csv", FILES[source]()), "the fast path should take a plain file"


_CORPUS = [(c.id, c.name, c.data, c.max_file_bytes) for c in BROKEN] + [
    (c.id, name, data, None) for c in HOSTILE for name, data in c.files if len(c.files) == 1]


@pytest.mark.parametrize(("name", "data", "limit"), [c[1:] for c in _CORPUS], ids=[c[0] for c in _CORPUS])
def test_the_fast_path_never_gives_a_clean_result_for_a_hostile_file(name, data, limit, monkeypatch):
    """Every file of both corpora has an error or a warning on the careful path (their own tests hold them to
    that), so the fast path must step aside and the user sees the careful path's messages."""
    if limit is not None:
        monkeypatch.setattr(_limits, "MAX_FILE_BYTES", limit)
    assert fast(name, data) is None


_FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(_FUZZ, max_examples=30)  # most mutations make a file the fast path steps aside for
@given(line_ops=st.lists(LINE_OPS, min_size=1, max_size=5), byte_ops=st.lists(BYTE_OPS, max_size=2))
def test_a_mutated_real_file_reads_the_same_on_both_paths(line_ops, byte_ops):
    data = mutate(line_ops, byte_ops)
    if data[:2] not in UTF16_BOMS:
        assert_same_as_careful("fuzzed.csv", data)


_HEADER, _ROWS = real_rows(DATA_FILE)
_VALUE = _HEADER.index("Value")
_CELL = st.one_of(
    st.text(alphabet=st.sampled_from(list("0123456789+-.eE, _xanifINF\"") + ["\u00a0", "\u200b", "１"]), max_size=10),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["inf", "-Infinity", "nan", "NaN", "1e400", "-0", "+.5", "5.", "0x10", "1_000", "TRUE", " 2 "]),
)


@_FUZZ
@given(cells=st.lists(_CELL, min_size=1, max_size=5))
def test_a_number_cell_reads_the_same_on_both_paths(cells):
    rows = [list(r) for r in _ROWS[:40]]
    for i, cell in enumerate(cells):
        rows[i * 7][_VALUE] = cell
    data = to_bytes(_HEADER, rows)
    if assert_same_as_careful("cells.csv", data):
        got = fast("cells.csv", data)[1]
        assert np.isfinite(got["value"]).all()


_SMALL_EDITS = st.lists(st.tuples(st.sampled_from(["delete", "swap", "quote", "char", "blank", "cr"]),
                                  st.integers(1, 10_000), st.integers(0, 10_000),
                                  st.sampled_from(['"', '""', " ", ",", "'", "é", "\u00a0", "a", "0"])),
                        min_size=1, max_size=4)


def _small_edit(lines: list[bytes], op) -> None:
    """Edits that often keep a file plain (so the fast path is tried): rows deleted or swapped, a cell quoted, a
    character inserted (quotes and spaces among them), a blank line, a bare CR line end."""
    kind, i, j, text = op
    i = 1 + i % (len(lines) - 1)  # never the header
    if kind == "delete" and len(lines) > 2:
        del lines[i]
    elif kind == "swap":
        k = 1 + j % (len(lines) - 1)
        lines[i], lines[k] = lines[k], lines[i]
    elif kind == "quote":
        cells = lines[i].split(b",")
        k = j % len(cells)
        cells[k] = b'"' + cells[k] + b'"'
        lines[i] = b",".join(cells)
    elif kind == "char":
        at = j % (len(lines[i]) + 1)
        lines[i] = lines[i][:at] + text.encode() + lines[i][at:]
    elif kind == "blank":
        lines.insert(i, b"")
    elif kind == "cr":
        lines[i] = lines[i] + b"\r"


@_FUZZ
@given(edits=_SMALL_EDITS)
def test_a_slightly_edited_real_file_reads_the_same_on_both_paths(edits):
    lines = list(SEED_LINES)
    for op in edits:
        _small_edit(lines, op)
    assert_same_as_careful("edited.csv", b"\r\n".join(lines) + b"\r\n")


@pytest.mark.parametrize("source", ["real MH&C data", "real league table", "template from the real data"])
def test_both_paths_keep_the_dataset_contract_dtypes(source):
    """Text columns are pandas' str dtype, numbers float64, row numbers int64, flags bool (``empty_frame``)."""
    from oversight.io import empty_frame

    data = FILES[source]()
    for kind, frame in [fast("file.csv", data), careful("file.csv", data)[:2]]:
        contract = empty_frame(frame.columns).dtypes
        assert dict(frame.dtypes) == dict(contract), kind


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.binary(max_size=40) | st.lists(st.sampled_from([b" ", b'"', b",", b"a", b"\n"]), max_size=30).map(b"".join))
def test_a_space_before_a_quote_is_found_as_a_byte_search_finds_it(data):
    assert _text._space_before_quote(data) == (b' "' in data)
