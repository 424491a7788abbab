"""Bad input gets a clear message naming the file, the row or column and the fix; never a traceback.

Every case in :mod:`tests.broken_files` goes through the engine (``oversight.read_files``) and through the command
line (``python -m oversight validate FILE``). A case marked with ``bug`` is an engine bug found by this corpus: it is
an ``xfail(strict=True)`` so the test starts failing (and the mark must go) the day the engine is fixed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import oversight
from oversight import _limits
from oversight.schemas import METRICS

from .broken_files import ACCEPTED, CASES, ERRORS, Case, real_rows, template_bytes, to_bytes
from .conftest import DATA_FILE, LEAGUE_FILE, ROOT

MAX_MESSAGE = 400  # characters: a message quotes the bad value, cut short, never a whole corrupted field
MAX_CLI_LINE = 800  # one problem per line on the command line: place, message and fix
KEY = ["quarter", "trust_code", "metric_id"]


def _params(cases):
    return [
        pytest.param(c, id=c.id,
                     marks=[pytest.mark.xfail(reason=f"engine bug: {c.bug}", strict=True)] if c.bug else [])
        for c in cases
    ]


def _names_row(text: str, row: int) -> bool:
    """``row`` appears as a number of its own (not inside 14935 or 8,771)."""
    return re.search(rf"(?<!\d)(?<!\d,){row}(?!\d|,\d)", text) is not None


def _matches(case: Case, p: oversight.Problem) -> bool:
    message = p.message.lower()
    return (
        all(word.lower() in message for word in case.says)
        and (case.column is None or (p.column or "").lower() == case.column.lower())
        and (not case.rows or p.row == case.rows[0])
        and all(p.row == r or _names_row(p.message, r) for r in case.rows)
        and case.fix.lower() in p.fix.lower()
    )


def _listing(problems) -> str:
    return "\n".join(f"  [{p.severity}] {p.where()}: {p.message} | fix: {p.fix}" for p in problems)


def _check_problems_are_well_formed(case: Case, problems):
    for p in problems:
        assert p.severity in ("error", "warning"), p
        assert p.file == case.name, f"problem names file {p.file!r}, not {case.name!r}"
        assert p.message.strip(), p
        assert p.fix.strip(), f"problem has no fix: {p}"
        assert len(p.message) <= MAX_MESSAGE, f"message is {len(p.message):,} characters: {p.message[:200]}..."


@pytest.fixture(scope="module")
def clean_metrics() -> pd.DataFrame:
    """The real data file as read without any fault, keyed for comparison."""
    return oversight.read_files([DATA_FILE]).metrics.set_index(KEY).sort_index()


# ----------------------------------------------------------------------------------------------------------------
# The corpus itself


def test_corpus_is_built_from_the_real_files():
    for path in (DATA_FILE, LEAGUE_FILE):
        assert to_bytes(*real_rows(path)) == path.read_bytes(), "the writer must round-trip NHS England's file"
    assert len({c.name for c in CASES}) == len(CASES), "file names must be unique (the CLI test writes them all)"
    assert len(ERRORS) >= 30 and len(ACCEPTED) >= 4


def test_the_unbroken_files_read_cleanly():
    """The baselines the corpus breaks: the real data, the real league table and our template filled from them."""
    for name, data in [("data.csv", DATA_FILE.read_bytes()), ("league.csv", LEAGUE_FILE.read_bytes()),
                       ("template.csv", template_bytes())]:
        kind, frame, warnings = oversight.read_file(name, data)
        assert warnings == [], _listing(warnings)
        assert len(frame) > 0, name


# ----------------------------------------------------------------------------------------------------------------
# (a) through the engine


@pytest.mark.parametrize("case", _params(CASES))
def test_engine_reports_bad_input(case: Case, monkeypatch, clean_metrics):
    if case.max_file_bytes is not None:
        monkeypatch.setattr(_limits, "MAX_FILE_BYTES", case.max_file_bytes)
    try:
        dataset = oversight.read_files([(case.name, case.data)])
    except oversight.InputError as err:  # any other exception fails the test: that is the point
        assert case.outcome == "error", f"refused a file that should be accepted:\n{_listing(err.problems)}"
        _check_problems_are_well_formed(case, err.problems)
        assert err.errors, "InputError raised with no error in it"
        assert any(_matches(case, p) for p in err.errors), (
            f"no error mentions {case.says} / column {case.column} / rows {case.rows} / fix '{case.fix}':\n"
            f"{_listing(err.problems)}")
        return
    assert case.outcome == "warning", f"accepted a broken file ({len(dataset.metrics):,} rows)"
    _check_problems_are_well_formed(case, dataset.warnings)
    assert any(p.severity == "warning" and _matches(case, p) for p in dataset.warnings), (
        f"no warning mentions {case.says}:\n{_listing(dataset.warnings)}")
    METRICS.validate(dataset.metrics)
    names = set(dataset.metrics["trust_name"])
    for name in case.names:
        assert name in names, f"{name!r} was not decoded; names read include {sorted(names)[:5]}"
    got = dataset.metrics.set_index(KEY).sort_index()
    pd.testing.assert_series_equal(got["value"], clean_metrics["value"])


# ----------------------------------------------------------------------------------------------------------------
# (b) through the command line

_SHIM = ("import sys; import oversight._limits as limits; limits.MAX_FILE_BYTES = int(sys.argv.pop(1)); "
         "from oversight.__main__ import main; sys.exit(main(sys.argv[1:]))")


def _run(args, limit_bytes=None) -> subprocess.CompletedProcess:
    head = [sys.executable, "-m", "oversight"] if limit_bytes is None else [sys.executable, "-c", _SHIM,
                                                                             str(limit_bytes)]
    return subprocess.run([*head, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory) -> dict:
    """``python -m oversight validate FILE`` for every case, run a few at a time (each start imports pandas)."""
    folder = tmp_path_factory.mktemp("broken")
    jobs = {}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        for case in CASES:
            path = folder / case.name
            path.write_bytes(case.data)
            jobs[case.id] = pool.submit(_run, ["validate", path], case.max_file_bytes)
        return {cid: job.result() for cid, job in jobs.items()}


@pytest.mark.parametrize("case", _params(CASES))
def test_command_line_reports_bad_input(case: Case, cli_results):
    done = cli_results[case.id]
    out = done.stdout + done.stderr
    assert "Traceback" not in out, out[-3000:]
    assert case.name in out and "Fix" in out, out[-3000:]
    assert max(map(len, out.splitlines()), default=0) <= MAX_CLI_LINE, "a line of the report is far too long"
    for word in case.says:
        assert word.lower() in out.lower(), f"{word!r} not in:\n{out[-3000:]}"
    if case.outcome == "error":
        assert done.returncode == 2, f"exit code {done.returncode}:\n{out[-3000:]}"
        assert f"{case.name}: not valid" in done.stderr
        if case.column:
            assert f"column {case.column}".lower() in out.lower(), out[-3000:]
        if case.rows:
            assert f"row {case.rows[0]}" in out, out[-3000:]
        for row in case.rows:
            assert _names_row(out, row), f"row {row} not named:\n{out[-3000:]}"
    else:
        assert done.returncode == 0, f"exit code {done.returncode}:\n{out[-3000:]}"
        assert f"OK {case.name}" in done.stdout and "note:" in done.stdout, out


# ----------------------------------------------------------------------------------------------------------------
# One bad file does not hide another's problems

_BY_ID = {c.id: c for c in CASES}
_BATCH = [_BY_ID["text-in-value"], _BY_ID["league-maybe-deficit"], _BY_ID["template-score-0"]]


def test_engine_reports_every_bad_file_in_a_batch():
    good = _BY_ID["semicolons"]  # accepted with a warning
    with pytest.raises(oversight.InputError) as caught:
        oversight.read_files([(c.name, c.data) for c in [_BATCH[0], good, *_BATCH[1:]]])
    problems = caught.value.problems
    for case in _BATCH:
        assert any(p.file == case.name and _matches(case, p) for p in caught.value.errors), (
            f"{case.name} not reported:\n{_listing(problems)}")
    assert not any(p.file == good.name and p.severity == "error" for p in problems)
    assert any(p.file == good.name and p.severity == "warning" for p in problems), "the good file's warning was lost"
    for case in _BATCH:
        assert str(caught.value).count(case.name) >= 1, "the exception's text must name every bad file"


@pytest.mark.parametrize("command", ["validate", "league"])
def test_command_line_reports_every_bad_file_in_a_batch(command, tmp_path):
    paths = []
    for case in [*_BATCH, _BY_ID["semicolons"]]:
        paths.append(tmp_path / case.name)
        paths[-1].write_bytes(case.data)
    done = _run([command, *paths, *(["--bootstrap", "10"] if command == "league" else [])])
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for case in _BATCH:
        assert case.name in done.stderr and f"row {case.rows[0]}" in done.stderr, done.stderr
    if command == "validate":
        assert "OK semicolons.csv" in done.stdout, done.stdout


def test_command_line_reports_a_missing_file(tmp_path):
    done = _run(["validate", tmp_path / "nowhere.csv", DATA_FILE])
    assert done.returncode == 2
    assert "nowhere.csv: no such file" in done.stderr and "Fix" in done.stderr
    assert "Traceback" not in done.stderr
    assert f"OK {DATA_FILE.name}" in done.stdout
