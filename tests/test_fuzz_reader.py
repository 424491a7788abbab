"""Fuzzing the file reader: whatever bytes arrive, ``read_file`` returns a valid frame or raises ``InputError``.

(a) random bytes, bare and behind a real header; (b) random mutations of a slice of NHS England's real data file
(lines deleted, repeated or swapped, cells replaced by random text or numbers, the file cut short, random bytes
inserted, the separator changed on some lines). Nothing but :class:`oversight.InputError` may come out, every problem
must name the file and carry a fix, and a frame that comes back must pass the pandera schema.

The runs are derandomized (hypothesis derives its examples from the test itself), so CI sees the same cases every
time; raise ``FUZZ_EXAMPLES`` locally for a longer hunt.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import oversight
from oversight.schemas import LEAGUE, METRICS

from .conftest import DATA_FILE, LEAGUE_FILE

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAME = "fuzzed.csv"

_DATA_LINES = DATA_FILE.read_bytes().split(b"\r\n")
#: The first 40 lines of the real file (header and Q1 raw values), plus 16 rows from further down so that score,
#: segment and flag rows (which have range checks of their own) are in the seed too.
SEED_LINES = _DATA_LINES[:40] + _DATA_LINES[40:-1:550]
SEED = b"\r\n".join(SEED_LINES) + b"\r\n"
LEAGUE_LINES = LEAGUE_FILE.read_bytes().split(b"\r\n")[:25]
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _check(data: bytes):
    """The reader's contract on any input."""
    try:
        kind, frame, warnings = oversight.read_file(NAME, data)
    except oversight.InputError as err:  # anything else propagates and fails the test
        assert err.errors, "InputError without an error in it"
        for p in err.problems:
            assert p.file == NAME and p.message and p.fix, p
        return None
    for p in warnings:
        assert p.severity == "warning" and p.file == NAME and p.fix, p
    (LEAGUE if kind == "league" else METRICS).validate(frame)
    assert frame["row"].between(2, data.count(b"\n") + data.count(b"\r") + 2).all(), "row numbers out of range"
    return kind, frame


# ----------------------------------------------------------------------------------------------------------------
# (a) random bytes


@FUZZ
@given(st.binary(max_size=4096).filter(lambda b: b[:2] not in UTF16_BOMS))
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"PK\x03\x04")
@example(b"\r\n\r\n,,,\r\n")
def test_random_bytes_raise_only_input_error(data):
    # Inputs starting with a UTF-16 byte-order mark have a test of their own below.
    _check(data)


@FUZZ
@given(st.binary(max_size=2048))
@example(b"A")  # odd length: "truncated data"
@example(b"\x00\xd8A\x00")  # a lone surrogate
def test_random_bytes_after_a_utf16_bom_raise_only_input_error(data):
    _check(b"\xff\xfe" + data)


@FUZZ
@given(header=st.sampled_from([_DATA_LINES[0], LEAGUE_LINES[0], b"trust_code,trust_type,metric,value,score"]),
       body=st.binary(max_size=2048))
def test_random_bytes_behind_a_real_header_raise_only_input_error(header, body):
    data = header + b"\r\n" + body
    if data[:2] not in UTF16_BOMS:
        _check(data)


_CSV_TEXT = st.text(alphabet=st.sampled_from(list(',;\t"\r\n .-0123456789eEinfaOF/QYesNo\u00e9\u00a0')), max_size=600)


@FUZZ
@given(header=st.sampled_from([_DATA_LINES[0], LEAGUE_LINES[0], b"trust_code,trust_type,metric,value,score"]),
       body=_CSV_TEXT)
def test_csv_like_text_behind_a_real_header_raises_only_input_error(header, body):
    _check(header + b"\r\n" + body.encode("utf-8"))


# ----------------------------------------------------------------------------------------------------------------
# (b) mutations of a valid file

_index = st.integers(min_value=0, max_value=10_000)  # taken modulo the current length
_number = st.one_of(
    st.integers(min_value=-1000, max_value=1000).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda x: f"{x:g}"),
    st.sampled_from(["0", "1", "4", "5", "1.0", "4.0001", "0.9999", "-0", "1e3", "1,234.5", " 2 ", "3.", ".5"]),
)
_text = st.text(max_size=30).map(lambda s: s.encode("utf-8", "surrogatepass"))

LINE_OPS = st.one_of(
    st.tuples(st.just("delete"), _index),
    st.tuples(st.just("duplicate"), _index, _index),
    st.tuples(st.just("swap"), _index, _index),
    st.tuples(st.just("cell"), _index, _index, st.one_of(_text, _number.map(str.encode))),
    st.tuples(st.just("separator"), _index, st.sampled_from([b";", b"\t", b"|", b", ", b",,"])),
)
BYTE_OPS = st.one_of(
    st.tuples(st.just("truncate"), _index),
    st.tuples(st.just("insert"), _index, st.binary(min_size=1, max_size=16)),
)


def _apply_line_op(lines: list[bytes], op) -> None:
    kind, *args = op
    if not lines:
        return
    i = args[0] % len(lines)
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(args[1] % (len(lines) + 1), lines[i])
    elif kind == "swap":
        j = args[1] % len(lines)
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "cell":
        cells = lines[i].split(b",")
        cells[args[1] % len(cells)] = args[2]
        lines[i] = b",".join(cells)
    elif kind == "separator":
        lines[i] = lines[i].replace(b",", args[1])


def _apply_byte_op(data: bytes, op) -> bytes:
    kind, at, *rest = op
    at %= len(data) + 1
    if kind == "truncate":
        return data[:at]
    return data[:at] + rest[0] + data[at:]


def mutate(line_ops, byte_ops, lines=SEED_LINES) -> bytes:
    work = list(lines)
    for op in line_ops:
        _apply_line_op(work, op)
    data = b"\r\n".join(work) + b"\r\n"
    for op in byte_ops:
        data = _apply_byte_op(data, op)
    return data


def test_the_seed_is_valid():
    kind, frame = _check(SEED)
    assert kind == "data" and len(frame) == len(SEED_LINES) - 1
    assert set(frame["metric_id"].str[:3]) >= {"OF0", "OF1", "OF4", "OF5"}, "the seed must hold every ID family"
    assert _check(b"\r\n".join(LEAGUE_LINES) + b"\r\n")[0] == "league"


@FUZZ
@given(line_ops=st.lists(LINE_OPS, min_size=1, max_size=6), byte_ops=st.lists(BYTE_OPS, max_size=2))
def test_mutated_data_file_raises_only_input_error(line_ops, byte_ops):
    data = mutate(line_ops, byte_ops)
    if data[:2] not in UTF16_BOMS:  # see the UTF-16 test above
        _check(data)


@FUZZ
@given(line_ops=st.lists(LINE_OPS, min_size=1, max_size=4), byte_ops=st.lists(BYTE_OPS, max_size=1))
def test_mutated_league_table_raises_only_input_error(line_ops, byte_ops):
    data = mutate(line_ops, byte_ops, LEAGUE_LINES)
    if data[:2] not in UTF16_BOMS:
        _check(data)


@FUZZ
@given(line_ops=st.lists(LINE_OPS, min_size=1, max_size=4))
def test_mutated_data_file_in_other_encodings_raises_only_input_error(line_ops):
    text = mutate(line_ops, []).decode("utf-8", "replace")
    for encoding in ("utf-16", "cp1252"):
        _check(text.encode(encoding, "replace"))
