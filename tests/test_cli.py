"""The command line, ``python -m oversight league|imr|validate``, run as a user runs it: a subprocess from the repo
root.

Published numbers come from NHS England's real files; the fictional acute and ambulance files from tests/synthetic.py.
Bootstrap replicate counts are kept small: these tests check the plumbing, not the likely ranges themselves.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pandas as pd
import pytest

from . import synthetic as syn
from .conftest import DATA_FILE, LEAGUE_FILE, ROOT

HEADER = ",".join(syn.LEAGUE_LAYOUT)
FAST = ("--bootstrap", "20")


def run(*args, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "oversight", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout, env=env)


def ok(*args) -> str:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return table(LEAGUE_FILE.read_bytes().decode("utf-8-sig")).set_index("Trust_code")


@pytest.fixture(scope="module")
def league_from_data() -> str:
    return ok("league", DATA_FILE, *FAST)


# ----------------------------------------------------------------------------------------------------------------
# league


def test_league_header_is_nhs_englands_12_columns(league_from_data):
    assert league_from_data.splitlines()[0] == HEADER
    assert list(table(league_from_data).columns) == syn.LEAGUE_LAYOUT


def test_league_defaults_to_the_latest_quarter_and_matches_the_published_table(league_from_data, published):
    ours = table(league_from_data).set_index("Trust_code")
    assert set(ours["Quarter"]) == {"Q4 2025/26"}
    assert len(ours) == 61 and set(ours.index) == set(published.index)
    columns = ["Average_score", "Segment", "Trust_in_financial_deficit", "Rank"]
    differs = (ours.loc[published.index, columns] != published[columns]).any(axis=1)
    exceptions = {code: (ours.loc[code, columns].tolist(), published.loc[code, columns].tolist())
                  for code in differs[differs].index}
    assert differs.sum() <= 2, f"{int(differs.sum())} of 61 trusts differ (ours, published): {exceptions}"


def test_kent_community_is_row_1(league_from_data):
    first = table(league_from_data).iloc[0]
    assert first["Trust_name"] == "Kent Community Health NHS Foundation Trust"
    assert (first["Trust_code"], first["Rank"], first["Segment"]) == ("RYY", "1.0", "1.0")


def test_given_their_league_table_the_likely_ranges_are_nhs_englands(published):
    """With NHS England's league table loaded beside their data file, every published likely range is theirs,
    not the engine's own estimate (Kent 1.2 to 1.89, Central and North West London rank 1 to 9, Central London
    Community 1 to 34), and the terminal is told whose they are."""
    result = run("league", DATA_FILE, LEAGUE_FILE, *FAST)
    assert result.returncode == 0, result.stderr
    ours = table(result.stdout).set_index("Trust_code")
    columns = ["Likely_range_of_average_score", "Likely_range_of_rank"]
    pd.testing.assert_frame_equal(ours.loc[published.index, columns], published[columns])
    assert ours.loc["RYY", "Likely_range_of_average_score"] == "1.2 to 1.89"
    assert ours.loc["RV3", "Likely_range_of_rank"] == "1 to 9" and ours.loc["RYX", "Likely_range_of_rank"] == "1 to 34"
    assert "NHS England's published ones for 61 trusts" in result.stderr
    alone = table(ok("league", DATA_FILE, *FAST)).set_index("Trust_code")  # without it: ours
    assert alone.loc["RV3", "Likely_range_of_rank"] != "1 to 9"


def test_league_table_file_alone_is_reproduced_exactly():
    out = ok("league", LEAGUE_FILE)
    original = LEAGUE_FILE.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    assert out.count("\n") == 62
    assert out == original


CUT_EXPECTED = {  # published Average_score -> segment with cut points 2 / 2.3 / 2.6 (score on a cut: better side)
    "RY7": "1.0",  # 1.98 <= 2
    "RW1": "2.0",  # 2.01 > 2 (was 1 with NHS England's 2.065)
    "RLY": "2.0",  # 2.01
    "RRE": "2.0",  # 2.02
    "R1D": "2.0",  # 2.29 <= 2.3
    "RXY": "3.0",  # 2.31 > 2.3
    "RWR": "3.0",  # 2.12 is segment 2, but in deficit: at least 3
    "RX4": "3.0",  # 2.60 <= 2.6 (was 4 with NHS England's 2.585)
    "RGD": "3.0",  # 2.60
    "RNK": "4.0",  # 2.62 > 2.6
}


@pytest.mark.parametrize("source", ["league table", "data file"])
def test_cuts_change_segments_as_computed_by_hand(source, published):
    path = LEAGUE_FILE if source == "league table" else DATA_FILE
    result = run("league", path, "--cuts", "2,2.3,2.6", *FAST)
    assert result.returncode == 0, result.stderr
    ours = table(result.stdout).set_index("Trust_code")
    assert (ours.loc[list(CUT_EXPECTED), "Average_score"] == published.loc[list(CUT_EXPECTED), "Average_score"]).all()
    assert ours.loc[list(CUT_EXPECTED), "Segment"].to_dict() == CUT_EXPECTED
    default = table(ok("league", path, *FAST)).set_index("Trust_code")
    assert default.loc[["RW1", "RX4"], "Segment"].tolist() == ["1.0", "4.0"]
    if source == "league table":
        assert "note:" in result.stderr and (ours["Likely_range_of_rank"] == "").all()
        column = "Likely_range_of_average_score"
        assert (ours[column] == published.loc[ours.index, column]).all()


@pytest.mark.parametrize("cuts", ["2,2.3", "2.6,2.3,2", "a,b,c"])
def test_bad_cuts_exit_2_with_a_message(cuts):
    result = run("league", LEAGUE_FILE, "--cuts", cuts)
    assert result.returncode == 2 and result.stdout == ""
    assert "--cuts" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("trust_type", ["Dental practice", "acute"])
def test_unknown_trust_type_exits_2_with_one_line(trust_type):
    result = run("league", LEAGUE_FILE, "--trust-type", trust_type)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and trust_type in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_known_trust_type_in_another_spelling_is_accepted():
    out = ok("league", LEAGUE_FILE, "--trust-type", "non-acute hospital trust")
    assert len(table(out)) == 61


def test_bootstrap_with_a_seed_is_repeatable_and_the_seed_matters():
    first = ok("league", DATA_FILE, "--bootstrap", "200", "--seed", "7")
    again = ok("league", DATA_FILE, "--bootstrap", "200", "--seed", "7")
    other = ok("league", DATA_FILE, "--bootstrap", "200", "--seed", "8")
    assert first == again
    a, b = table(first), table(other)
    assert (a["Trust_code"] == b["Trust_code"]).all()
    assert (a["Likely_range_of_rank"] != b["Likely_range_of_rank"]).any()
    assert (a[["Average_score", "Segment", "Rank"]] == b[["Average_score", "Segment", "Rank"]]).all().all()


def test_quarter_q1_gives_the_published_q1_order():
    ours = table(ok("league", DATA_FILE, "--quarter", "Q1 2025/26", *FAST)).set_index("Trust_code")
    assert set(ours["Quarter"]) == {"Q1 2025/26"}
    ranks = ours["Rank"].astype(float).astype(int)
    assert ranks[["RLY", "RRE", "RWX"]].tolist() == [1, 2, 3]
    assert ranks[["RYX", "RYV", "RAT"]].tolist() == [4, 4, 4]
    assert ranks["RYW"] == 61 and ranks.max() == 61
    assert (ranks == 4).sum() == 3 and 5 not in set(ranks) and 6 not in set(ranks)


def test_quarter_not_in_the_files_exits_2():
    result = run("league", LEAGUE_FILE, "--quarter", "Q1 2025/26")
    assert result.returncode == 2 and "Q4 2025/26" in result.stderr and "Traceback" not in result.stderr


def test_league_table_without_quarter_column_is_read_with_the_quarter_option(tmp_path):
    rows = table(LEAGUE_FILE.read_bytes().decode("utf-8-sig")).drop(columns="Quarter")
    path = tmp_path / "league-table-no-quarter.csv"
    path.write_bytes(syn.to_csv_bytes(rows))
    result = run("league", path, "--quarter", "Q4 2025/26")
    assert result.returncode == 0, result.stderr
    assert len(table(result.stdout)) == 61


# ----------------------------------------------------------------------------------------------------------------
# imr


def test_imr_prints_one_row_per_trust_with_ranks_from_1():
    rows = table(ok("imr", DATA_FILE, "--metric", "OF0082"))
    assert len(rows) == 61 and rows["Trust_code"].is_unique
    assert set(rows["Metric_ID"]) == {"OF0082"} and set(rows["Quarter"]) == {"Q4 2025/26"}  # the ID asked for
    ranks = rows["Rank"].astype(int)
    assert ranks.iloc[0] == 1 and ranks.is_monotonic_increasing and ranks.max() <= 61
    values = rows["Value"].astype(float)  # sickness absence: lower is better
    assert values.iloc[0] == values.min() and values.iloc[-1] == values.max()


@pytest.mark.parametrize("metric", ["OF9999", "sickness", "OF12"])
def test_imr_with_a_metric_not_in_the_files_exits_2(metric):
    result = run("imr", DATA_FILE, "--metric", metric)
    assert result.returncode == 2 and "Traceback" not in result.stderr and metric in result.stderr


# ----------------------------------------------------------------------------------------------------------------
# validate


def test_validate_real_files_one_line_each():
    result = run("validate", DATA_FILE, LEAGUE_FILE)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"OK {DATA_FILE.name}: NOF data file, 8,771 rows, 61 trusts")
    assert lines[1].startswith(f"OK {LEAGUE_FILE.name}: NOF league table, 61 rows, 61 trusts, Q4 2025/26")


BAD_FILES = {
    "missing.csv": None,
    "README.md": (ROOT / "data" / "README.md").read_bytes(),
    "empty.csv": b"",
    "nof-data.xlsx": b"PK\x03\x04" + b"\x00" * 60 + b"xl/workbook.xml",
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_validate_bad_file_exits_2_naming_the_file_with_a_fix(tmp_path, name):
    path = tmp_path / name
    if BAD_FILES[name] is not None:
        path.write_bytes(BAD_FILES[name])
    for command in (["validate", path], ["league", path, *FAST]):
        result = run(*command)
        assert result.returncode == 2, (command, result.stderr)
        assert name in result.stderr and "Fix" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        assert result.stdout == "", command


def test_validate_reports_good_files_even_when_one_is_bad(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = run("validate", DATA_FILE, empty, LEAGUE_FILE)
    assert result.returncode == 2
    assert result.stdout.count("OK ") == 2 and "empty.csv" in result.stderr


# ----------------------------------------------------------------------------------------------------------------
# several files: one national table, each type ranked within itself


@pytest.fixture(scope="module")
def national_paths(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national")
    acute, ambulance = folder / "acute-trust-data.csv", folder / "ambulance-trust-data.csv"
    acute.write_bytes(syn.to_csv_bytes(syn.acute_data(quarters=("Q3 2025/26", "Q4 2025/26"))))
    ambulance.write_bytes(syn.to_csv_bytes(syn.ambulance_data(quarters=("Q3 2025/26", "Q4 2025/26")), bom=False))
    return [DATA_FILE, acute, ambulance]


def test_several_files_rank_each_type_within_itself_acute_first(national_paths):
    out = table(ok("league", *national_paths, *FAST))
    assert list(out.columns) == syn.LEAGUE_LAYOUT and set(out["Quarter"]) == {"Q4 2025/26"}
    types = out["Trust_type"].tolist()
    blocks = [t for i, t in enumerate(types) if i == 0 or types[i - 1] != t]
    assert blocks == ["Acute trust", "Mental health and community trust", "Ambulance trust"]
    assert out.groupby("Trust_type").size().to_dict() == {
        "Acute trust": 134, "Mental health and community trust": 61, "Ambulance trust": 10}
    for trust_type, rows in out.groupby("Trust_type", sort=False):
        ranks = rows["Rank"].astype(float)
        assert ranks.iloc[0] == 1 and ranks.is_monotonic_increasing, trust_type
        assert ranks.max() <= len(rows), trust_type
        low, high = zip(*(map(int, r.split(" to ")) for r in rows["Likely_range_of_rank"]), strict=True)
        assert max(high) <= len(rows) and min(low) >= 1, trust_type
    assert out["Trust_code"].str.startswith("ZA").sum() == 134 and out["Trust_code"].str.startswith("ZB").sum() == 10


def test_several_files_one_type_only(national_paths):
    out = table(ok("league", *national_paths, "--trust-type", "Ambulance trust", *FAST))
    assert set(out["Trust_type"]) == {"Ambulance trust"} and len(out) == 10
    assert sorted(out["Rank"].astype(float))[0] == 1


def test_validate_fictional_files(national_paths):
    result = run("validate", *national_paths[1:])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert "134 trusts" in lines[0] and "Acute trust" in lines[0]
    assert "10 trusts" in lines[1] and "Ambulance trust" in lines[1]


# ----------------------------------------------------------------------------------------------------------------
# Arguments: refused with a message before any work, never a traceback
#
# These run ``main`` in this process (the same code ``python -m oversight`` runs; the tests above start real
# subprocesses), which keeps each under a tenth of a second.


def here(*args) -> subprocess.CompletedProcess:
    """``python -m oversight ARGS`` run in this process, as a CompletedProcess."""
    import contextlib

    from oversight.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as stop:  # argparse's own errors and --help
            code = stop.code
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def ok_here(*args) -> str:
    result = here(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout

BAD_ARGUMENTS = [
    ("--cuts", "nan,nan,nan"), ("--cuts", "inf,2.3,2.6"), ("--cuts", "0.5,2,3"), ("--cuts", "2,3,9"),
    ("--bootstrap", "1000000000"), ("--bootstrap", "0"), ("--bootstrap", "-3"), ("--bootstrap", "1e3"),
    ("--seed", "-1"), ("--seed", str(2**40)), ("--quarter", "Q4 2025/99"), ("--quarter", "Q5"),
    ("--trust-type", "dentist"),
]


@pytest.mark.parametrize(("option", "value"), BAD_ARGUMENTS, ids=[f"{o} {v}" for o, v in BAD_ARGUMENTS])
def test_bad_arguments_exit_2_with_a_message(option, value):
    result = here("league", LEAGUE_FILE, option, value)
    assert result.returncode == 2 and result.stdout == ""
    assert option in result.stderr and value in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_quarter_refusal_says_why():
    result = here("league", DATA_FILE, "--quarter", "Q4 2025/99")
    assert "second year must follow the first" in result.stderr and "Q4 2025/26" in result.stderr


@pytest.mark.parametrize(("code", "trust_type"), [("acute", "Acute trust"), ("mhc", "Mental health and community "
                                                   "trust"), ("ambulance", "Ambulance trust"), ("AMBULANCE TRUST",
                                                                                               "Ambulance trust")])
def test_trust_type_takes_the_apps_codes_and_nhs_englands_names(national_paths, code, trust_type):
    out = table(ok_here("league", *national_paths, "--trust-type", code, *FAST))
    assert set(out["Trust_type"]) == {trust_type}


def test_a_bare_q1_means_the_one_q1_in_the_files():
    bare = ok_here("league", DATA_FILE, "--quarter", "Q1", *FAST)
    assert bare == ok_here("league", DATA_FILE, "--quarter", "Q1 2025/26", *FAST)


def test_a_bare_q1_with_two_years_of_files_asks_for_the_year(tmp_path):
    later = tmp_path / "nof-2026-27.csv"
    later.write_bytes(DATA_FILE.read_bytes().replace(b"2025/26", b"2026/27"))
    result = here("league", DATA_FILE, later, "--quarter", "q1", *FAST)
    assert result.returncode == 2 and "2 Q1 quarters" in result.stderr and "Q1 2026/27" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("metric", ["OF0082", "OF1082", "of0082"])
def test_imr_prints_the_metric_id_as_asked(metric):
    rows = table(ok_here("imr", DATA_FILE, "--metric", metric))
    assert set(rows["Metric_ID"]) == {metric.upper()} and len(rows) == 61


# ----------------------------------------------------------------------------------------------------------------
# No FILE: everything real we hold, as the app opens on


def test_validate_with_no_file_checks_the_bundled_default_data():
    from oversight import io as nof_io

    lines = ok("validate").strip().splitlines()  # a real subprocess: no FILE at all
    assert [line.split(":")[0] for line in lines] == [
        f"OK {path.name}" for path in (*nof_io.DEFAULT_FILES, nof_io.DEFAULT_LEAGUE)]


def test_league_with_no_file_ranks_every_real_trust_in_q1():
    out = table(ok_here("league", "--quarter", "Q1", *FAST))
    assert out.groupby("Trust_type").size().to_dict() == {"Acute trust": 134, "Mental health and community trust": 61}
    latest = table(ok_here("league", *FAST))
    assert set(latest["Quarter"]) == {"Q4 2025/26"} and len(latest) == 61


def test_a_quarter_asked_for_never_relabels_a_file_whose_dates_name_another():
    """NHS England's acute file has no Quarter column; its Reporting_date says Q1. Asking for Q4 prints Q4's
    trusts (the mental health and community ones) and never the acute Q1 data labelled Q4, as it once did; a
    quarter given for a file with no dates at all still labels it (test above)."""
    from oversight import io as nof_io

    run_q4 = here("league", "--quarter", "Q4 2025/26", *FAST)
    assert run_q4.returncode == 0, run_q4.stderr
    q4 = table(run_q4.stdout)
    assert set(q4["Quarter"]) == {"Q4 2025/26"} and set(q4["Trust_type"]) == {"Mental health and community trust"}
    assert len(q4) == 61
    assert "Reporting_date names Q1 2025/26, so its rows are read as Q1 2025/26, not as Q4 2025/26" in run_q4.stderr

    with_all = nof_io.read_files([*nof_io.DEFAULT_FILES, nof_io.DEFAULT_LEAGUE], "Q4 2025/26", validate=False)
    acute = with_all.metrics[with_all.metrics["trust_type"] == "Acute trust"]
    assert set(acute["quarter"]) == {"Q1 2025/26"}
    assert any("Reporting_date names Q1 2025/26, so its rows are read as Q1 2025/26, not as Q4 2025/26" in w.message
               for w in with_all.warnings)


def test_help_says_what_runs_with_no_file_and_the_limits():
    for command in ([], ["league"], ["validate"]):
        text = " ".join(ok_here(*command, "--help").split())
        assert "With no FILE, the bundled default data" in text and "50 MB" in text, command


# ----------------------------------------------------------------------------------------------------------------
# Errors read as advice for a terminal


def test_a_file_that_is_not_nof_gets_terminal_advice(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_bytes(b"name,age\nann,3\n")
    result = here("validate", path)
    assert result.returncode == 2 and "Give NHS England's NOF data" in result.stderr
    assert "Upload" not in result.stderr


def test_a_file_without_quarters_is_told_about_the_option(tmp_path):
    rows = table(LEAGUE_FILE.read_bytes().decode("utf-8-sig")).drop(columns="Quarter")
    path = tmp_path / "league-no-quarter.csv"
    path.write_bytes(syn.to_csv_bytes(rows))
    result = here("league", path)
    assert result.returncode == 2 and "--quarter 'Q1 2025/26'" in result.stderr, result.stderr


def test_an_unexpected_failure_is_one_line_and_exit_2(monkeypatch, capsys):
    from oversight import model
    from oversight.__main__ import main

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(model, "assess", broken)
    assert main(["league", str(LEAGUE_FILE), *FAST]) == 2
    err = capsys.readouterr().err
    assert err.startswith("internal error (RuntimeError: boom)") and err.count("\n") == 1


def test_a_quarter_given_for_a_file_without_quarters_must_be_a_quarter(tmp_path):
    rows = table(LEAGUE_FILE.read_bytes().decode("utf-8-sig")).drop(columns="Quarter")
    path = tmp_path / "league-no-quarter.csv"
    path.write_bytes(syn.to_csv_bytes(rows))
    result = here("league", path, "--quarter", "Q5")
    assert result.returncode == 2 and "'Q5', is not a quarter" in result.stderr and "--quarter" in result.stderr


SETTINGS = ("NUMPY_MADVISE_HUGEPAGE", "ARROW_DEFAULT_MEMORY_POOL", "OPENBLAS_NUM_THREADS")


@pytest.mark.parametrize("user_set", [None, dict(zip(SETTINGS, ("1", "mimalloc", "2")))])
def test_the_command_line_picks_quick_memory_settings_and_keeps_the_users_own(user_set):
    """``python -m oversight`` runs with numpy's huge-page advice off, pyarrow on the system allocator (each cost
    the command line more time in the kernel than in its work: benchmarks/README.md) and OpenBLAS without threads
    of its own (one spins for 0.2 s after loading), set before either is imported, unless the user set them."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    code = ("import sys, runpy; sys.argv = ['oversight', '--help']\n"
            "try:\n    runpy.run_module('oversight', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "import os, numpy, pyarrow\n"
            # OpenBLAS's threads are named as the main thread is (pyarrow's allocator starts one named otherwise)
            "names = [open(f'/proc/self/task/{t}/comm').read() for t in sorted(os.listdir('/proc/self/task'), "
            "key=lambda t: t != str(os.getpid()))]\n"
            "print(os.environ['NUMPY_MADVISE_HUGEPAGE'], pyarrow.default_memory_pool().backend_name, "
            "os.environ['OPENBLAS_NUM_THREADS'], names.count(names[0]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**env, **(user_set or {})}).stdout.split()[-4:]
    if user_set:
        assert out[:3] == ["1", "mimalloc", "2"]
    else:  # numpy loaded, and no thread named as the main one: OpenBLAS started none
        assert out == ["0", "system", "1", "1"]


def test_the_command_line_holds_the_collector_off_only_while_it_starts():
    """Run as ``python -m oversight``, the garbage collector is off while Python starts and pandas is imported, then
    back on, with what was made so far frozen, for the command itself; ``main`` called as a function with the
    collector on (a test, a notebook) leaves it as it was."""
    import gc

    code = ("import gc, os, runpy, sys\n"
            "seen = []\n"
            "class Spy:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'pandas':\n"
            "            seen.append(gc.isenabled())\n"
            "sys.meta_path.insert(0, Spy())\n"
            "leave = os._exit\n"
            "def spied_exit(status):\n"
            "    print(seen, gc.isenabled(), gc.get_freeze_count() > 0, flush=True)\n"
            "    leave(status)\n"
            "os._exit = spied_exit\n"
            f"sys.argv = ['oversight', 'validate', {str(LEAGUE_FILE)!r}]\n"
            "runpy.run_module('oversight', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[False] True True"  # pandas imported with it off; on, frozen, at the end
    frozen = gc.get_freeze_count()
    assert here("validate", LEAGUE_FILE).returncode == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_the_command_line_ends_without_teardown_yet_writes_everything_and_a_reader_may_stop_early(tmp_path):
    """The command line leaves by ``os._exit`` once its output is flushed (no interpreter teardown): a table longer
    than a pipe holds arrives whole with exit 0, and a reader that stops after a few bytes (``| head``) still gets
    exit 0 and no traceback or "Exception ignored" on stderr."""
    path = tmp_path / "synthetic-500-organisations-data.csv"
    path.write_bytes(syn.to_csv_bytes(syn.synthetic_organisations(n=500, n_metrics=12)))
    whole = ok("league", path, *FAST)
    assert len(whole) > 1 << 16 and whole.count("\n") == 501 and whole.endswith("\n")
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # output held until the flush
    short = subprocess.run([sys.executable, "-m", "oversight", "validate", str(LEAGUE_FILE)], cwd=ROOT, env=buffered,
                           capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert short.returncode == 0 and short.stdout == here("validate", LEAGUE_FILE).stdout
    assert short.stdout.startswith("OK ")
    reader = subprocess.Popen([sys.executable, "-m", "oversight", "league", str(path), *FAST], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout.read(100).startswith(HEADER[:50].encode())
    reader.stdout.close()
    errors = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 0
    assert "Traceback" not in errors and "Exception ignored" not in errors, errors


def test_only_a_warning_about_the_table_itself_prints_beside_it(tmp_path):
    """``league`` prints beside its table the warnings that say the table is not what was asked for (a file read as
    another quarter than --quarter names), marked so where they are made, whatever the column they concern; the
    reader's other warnings (here a quarter written with two spaces, read as the quarter) are for ``validate``."""
    league = tmp_path / "league.csv"
    league.write_bytes(LEAGUE_FILE.read_bytes().replace(b"\nQ4 2025/26,", b"\nQ4  2025/26,", 1))
    result = here("league", league, "--quarter", "Q4 2025/26")
    assert result.returncode == 0 and "Kent Community Health" in result.stdout
    assert "unusual spaces" not in result.stderr
    assert "unusual spaces" in here("validate", league).stdout
    moved = here("league", DATA_FILE, ROOT / "data" / "nof_2025_26" /
                 "nhs-oversight-framework-acute-trust-data.csv", "--quarter", "Q4 2025/26")
    assert "read as Q1 2025/26, not as Q4 2025/26" in moved.stderr
