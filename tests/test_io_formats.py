"""The reader accepts NHS England's layouts in every way the real world sends them, and combines trust types.

NHS England publish UTF-8 with a byte-order mark and CRLF line ends; files arrive re-saved without the BOM, with LF,
with columns moved, without the Quarter column (Q1 2025/26) and with the old trust-type name. Each variant must give
the same tidy frame as the file as published. The acute file is NHS England's real Q1 file; no real ambulance file
exists, so the ambulance files are fictional (tests/synthetic.py) and only test how types combine.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import oversight as nof
from oversight import catalogue as cat

from . import synthetic as syn
from .conftest import ACUTE_FILE, DATA_FILE, LEAGUE_FILE

BOM = b"\xef\xbb\xbf"
MHC_NAME = "nhs-oversight-framework-mental-health-and-community-trust-data.csv"


def _table(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _shuffled(data: bytes, seed: int = 3) -> bytes:
    frame = _table(data)
    order = list(np.random.default_rng(seed).permutation(frame.columns))
    return syn.to_csv_bytes(frame[order])


def _reversed_lf(data: bytes) -> bytes:
    frame = _table(data)
    return syn.to_csv_bytes(frame[frame.columns[::-1]], bom=False, crlf=False)


def _old_type_name(data: bytes) -> bytes:
    return data.replace(b",Mental health and community trust,", b",Non-acute hospital trust,")


def _type_case(data: bytes) -> bytes:
    return data.replace(b",Mental health and community trust,", b",Mental Health and Community Trust,").replace(
        b",Acute trust,", b",ACUTE TRUST,")


VARIANTS = {
    "as published (BOM, CRLF)": lambda b: b,
    "no BOM": lambda b: b.removeprefix(BOM),
    "LF line ends": lambda b: b.replace(b"\r\n", b"\n"),
    "no BOM, LF": lambda b: b.removeprefix(BOM).replace(b"\r\n", b"\n"),
    "columns shuffled": _shuffled,
    "columns reversed, no BOM, LF": _reversed_lf,
    "old type name 'Non-acute hospital trust'": _old_type_name,
    "trust type in other capitals": _type_case,
}
SOURCES = ["real data", "real league table", "real acute data"]
CASES = [(s, v) for s in SOURCES for v in VARIANTS if not (s == "real acute data" and v.startswith("old type"))]


@pytest.fixture(scope="module")
def acute() -> pd.DataFrame:
    """NHS England's real acute trust data file (Q1 2025/26, no Quarter column), as text."""
    return _table(ACUTE_FILE.read_bytes())


@pytest.fixture(scope="module")
def ambulance() -> pd.DataFrame:
    return syn.ambulance_data(quarters=("Q3 2025/26", "Q4 2025/26"))


@pytest.fixture(scope="module")
def sources(acute) -> dict[str, tuple[str, bytes]]:
    """Files as NHS England publish them: their mental health data and league-table files and their acute file."""
    return {
        "real data": (MHC_NAME, DATA_FILE.read_bytes()),
        "real league table": (LEAGUE_FILE.name, LEAGUE_FILE.read_bytes()),
        "real acute data": (ACUTE_FILE.name, ACUTE_FILE.read_bytes()),
    }


@pytest.fixture(scope="module")
def reference(sources) -> dict[str, tuple[str, pd.DataFrame]]:
    return {key: nof.read_file(name, data)[:2] for key, (name, data) in sources.items()}


@pytest.fixture(scope="module")
def national(acute, ambulance) -> nof.Dataset:
    """NHS England's real mental health and community and acute files with a fictional ambulance file."""
    return nof.read_files([DATA_FILE, ACUTE_FILE,
                           ("ambulance-data.csv", syn.to_csv_bytes(ambulance, bom=False, crlf=False))])


@pytest.fixture(scope="module")
def national_assessment(national) -> nof.Assessment:
    return nof.assess(national)


# ----------------------------------------------------------------------------------------------------------------
# The fictional files themselves


def test_fictional_files_are_deterministic_fictional_and_in_nhs_layout(ambulance):
    assert syn.to_csv_bytes(syn.ambulance_data(quarters=("Q3 2025/26", "Q4 2025/26"))) == syn.to_csv_bytes(ambulance)
    assert not syn.ambulance_data(n_trusts=8, seed=1).equals(syn.ambulance_data(n_trusts=8, seed=2))
    register = set(nof.trust_register()["ods_code"])
    assert list(ambulance.columns) == syn.DATA_LAYOUT and set(ambulance["Trust_type"]) == {cat.AMBULANCE}
    assert not register & set(ambulance["Trust_code"]) and ambulance["Trust_name"].str.endswith("(fictional)").all()
    assert ambulance.groupby("Trust_code")["Trust_name"].nunique().max() == 1
    # The ambulance metrics of the catalogue are there: Category 2 mean response and conveyance to A&E.
    assert {"OF0017", "OF1017", "OF0028", "OF1028"} <= set(ambulance["Metric_ID"])


# ----------------------------------------------------------------------------------------------------------------
# One file, many spellings


@pytest.mark.parametrize(("source", "variant"), CASES)
def test_every_variant_reads_to_the_same_tidy_frame(sources, reference, source, variant):
    name, data = sources[source]
    changed = VARIANTS[variant](data)
    if variant != "as published (BOM, CRLF)":
        assert changed != data, "the variant must really change the bytes"
    kind, frame, _ = nof.read_file(name, changed)
    want_kind, want = reference[source]
    assert kind == want_kind
    pd.testing.assert_frame_equal(frame, want)


def test_the_published_files_really_have_bom_and_crlf(sources):
    for name, data in sources.values():
        assert data.startswith(BOM), name
        assert data.count(b"\r\n") == data.count(b"\n"), name


def test_old_type_name_is_mapped_and_the_quarter_kept(sources):
    name, data = sources["real data"]
    _, frame, _ = nof.read_file(name, _old_type_name(data))
    assert b"Non-acute hospital trust" in _old_type_name(data)
    assert set(frame["trust_type"]) == {cat.MHC}
    assert cat.quarter_order(frame["quarter"]) == ["Q1 2025/26", "Q2 2025/26", "Q3 2025/26", "Q4 2025/26"]


# ----------------------------------------------------------------------------------------------------------------
# Q1-style files: no Quarter column


@pytest.mark.parametrize("which", ["mental health", "acute"])
def test_q1_file_without_quarter_column_takes_quarter_from_reporting_date(which, acute):
    if which == "mental health":
        rows = _table(DATA_FILE.read_bytes())
        rows = rows[rows["Quarter"] == "Q1 2025/26"]
    else:  # NHS England's acute file has no Quarter column as published; add one to compare
        rows = acute.assign(Quarter="Q1 2025/26")[["Quarter", *acute.columns]]
    with_quarter = syn.to_csv_bytes(rows)
    without = syn.to_csv_bytes(rows.drop(columns="Quarter"))
    assert b"Quarter," not in without.splitlines()[0]
    _, want, _ = nof.read_file("q1.csv", with_quarter)
    _, got, _ = nof.read_file("q1.csv", without)
    assert set(got["quarter"]) == {"Q1 2025/26"}
    pd.testing.assert_frame_equal(got, want)


def test_q1_file_without_quarter_plus_later_v2_file_equal_the_whole_file(mhc_dataset, mhc_assessment):
    rows = _table(DATA_FILE.read_bytes())
    q1 = syn.to_csv_bytes(rows[rows["Quarter"] == "Q1 2025/26"].drop(columns="Quarter"))
    later = syn.to_csv_bytes(rows[rows["Quarter"] != "Q1 2025/26"])
    split = nof.read_files([("nof-q1.csv", q1), ("nof-q2-q4-v2.csv", later), LEAGUE_FILE])
    assert split.quarters == mhc_dataset.quarters
    keys = ["quarter", "trust_code", "metric_id"]
    columns = [c for c in split.metrics.columns if c not in ("source", "row")]
    got = split.metrics.sort_values(keys).reset_index(drop=True)[columns]
    want = mhc_dataset.metrics.sort_values(keys).reset_index(drop=True)[columns]
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(nof.assess(split).trusts, mhc_assessment.trusts)


# ----------------------------------------------------------------------------------------------------------------
# Several files at once: one national set, each trust type ranked within itself


def test_several_files_combine_into_one_national_set(national, acute, ambulance):
    assert national.trust_types == list(cat.TRUST_TYPES)
    assert [f.kind for f in national.files] == ["data", "data", "data"]
    per_type = national.metrics.groupby("trust_type")["trust_code"].nunique().to_dict()
    assert per_type == {cat.ACUTE: 134, cat.MHC: 61, cat.AMBULANCE: 10}
    by_source = national.metrics.groupby("source").size().to_dict()
    assert by_source == {MHC_NAME: 8771, ACUTE_FILE.name: len(acute), "ambulance-data.csv": len(ambulance)}
    assert national.quarters == ["Q1 2025/26", "Q2 2025/26", "Q3 2025/26", "Q4 2025/26"]


def test_ranks_restart_at_1_within_each_trust_type(national_assessment):
    trusts = national_assessment.trusts
    for (quarter, trust_type), group in trusts.groupby(["quarter", "trust_type"]):
        ranks = group["rank"].sort_values().to_numpy()
        assert ranks[0] == 1, (quarter, trust_type)
        # min ranking: each rank is 1 + the number of trusts strictly ahead of it
        ahead = [(group["rank"] < r).sum() + 1 for r in ranks]
        assert list(ranks) == ahead, (quarter, trust_type)
    q1 = trusts[trusts["quarter"] == "Q1 2025/26"]
    assert q1.groupby("trust_type")["rank"].max().to_dict() == pytest.approx({cat.ACUTE: 134, cat.MHC: 61}, abs=2)
    q4 = trusts[trusts["quarter"] == "Q4 2025/26"]
    assert q4.groupby("trust_type")["rank"].max().to_dict() == pytest.approx({cat.MHC: 61, cat.AMBULANCE: 10}, abs=2)


def test_mental_health_results_do_not_change_when_other_types_are_loaded(national_assessment, mhc_dataset):
    alone = nof.assess(nof.read_files([DATA_FILE])).trusts.set_index(["quarter", "trust_code"])
    together = national_assessment.trusts.set_index(["quarter", "trust_code"]).loc[alone.index]
    columns = ["average_score_2dp", "unadjusted_segment", "segment", "rank"]
    pd.testing.assert_frame_equal(together[columns], alone[columns])


def test_fictional_ambulance_file_is_scored_as_its_generator_scored_it(ambulance):
    """No real ambulance file exists, so this only checks that the engine and tests/synthetic.py agree on a file the
    generator wrote by NHS England's documented rules (its own OF5002 / OF5003 / OF5000 and AMR rank)."""
    dataset = nof.read_files([("ambulance.csv", syn.to_csv_bytes(ambulance))])
    assessment = nof.assess(dataset)
    published = nof.published_summary(dataset).set_index(["quarter", "trust_code"])
    joined = assessment.trusts.set_index(["quarter", "trust_code"]).join(
        published[["average_score", "unadjusted_segment", "segment", "rank"]].add_suffix("_gen"))
    assert len(joined) == 2 * 10
    diff = (joined["average_score_2dp"] - joined["average_score_gen"]).round(2).abs()
    assert diff.max() <= 0.01, joined[diff > 0.01]
    same = diff == 0
    for column in ["unadjusted_segment", "segment"]:
        assert (joined.loc[same, column] == joined.loc[same, f"{column}_gen"]).all(), column


def test_staff_survey_scores_are_derounded_within_each_type_when_types_are_combined(acute, ambulance):
    """Staff-survey scores rank within type: the fictional ambulance trusts' grid (N = 10) is found with NHS
    England's acute file loaded beside them, and the acute trusts keep theirs (N = 134)."""
    alone = nof.assess(nof.read_files([("amb.csv", syn.to_csv_bytes(ambulance))])).scores
    together = nof.assess(nof.read_files([("amb.csv", syn.to_csv_bytes(ambulance)), ACUTE_FILE])).scores
    for metric_id in ["OF1084"]:  # OF1061 is averaged as published in Q1 2025/26 (catalogue.NOF_2025_26)
        solo = alone[alone["metric_id"] == metric_id]
        assert solo["score_source"].str.startswith("published, unrounded").all()  # N = 10 found alone
        both = together[together["metric_id"] == metric_id]
        assert both["score_source"].str.startswith("published, unrounded").all(), metric_id
        assert set(both.loc[both["trust_type"] == cat.ACUTE, "score_source"]) == {
            "published, unrounded on its group's grid (N = 134)"}


def test_acute_results_do_not_depend_on_loading_the_ambulance_file(acute):
    ambulance_q1 = syn.ambulance_data(quarters=("Q1 2025/26",))
    alone = nof.assess(nof.read_files([ACUTE_FILE])).trusts
    both = nof.assess(nof.read_files([ACUTE_FILE, ("amb.csv", syn.to_csv_bytes(ambulance_q1))])).trusts
    columns = ["quarter", "trust_code", "average_score_2dp", "segment", "rank"]
    keys = ["quarter", "trust_code"]
    both = both.loc[both["trust_type"] == cat.ACUTE, columns].sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(both, alone[columns].sort_values(keys).reset_index(drop=True))


# ----------------------------------------------------------------------------------------------------------------
# Loading the same file twice; conflicting files


@pytest.mark.parametrize("second_name", ["acute-data.csv", "acute-data (1).csv"])
def test_the_same_file_twice_is_not_a_conflict(second_name):
    data = ACUTE_FILE.read_bytes()
    once = nof.read_files([("acute-data.csv", data)])
    twice = nof.read_files([("acute-data.csv", data), (second_name, data)])
    assert len(twice.files) == 2
    pd.testing.assert_frame_equal(twice.metrics, once.metrics)
    pd.testing.assert_frame_equal(nof.assess(twice).trusts, nof.assess(once).trusts)


def test_same_trust_metric_quarter_with_different_values_is_refused_naming_both_files(acute):
    edited = acute.copy()
    row = edited.index[(edited["Trust_code"] == "RTH") & (edited["Metric_ID"] == "OF0013")][0]
    edited.loc[row, "Value"] = f"{float(edited.loc[row, 'Value']) + 1.5:g}"
    with pytest.raises(nof.InputError) as caught:
        nof.read_files([("acute-q1.csv", syn.to_csv_bytes(acute)), ("acute-q1-v2.csv", syn.to_csv_bytes(edited))])
    errors = caught.value.errors
    assert len(errors) == 1
    assert "acute-q1.csv" in errors[0].file and "acute-q1-v2.csv" in errors[0].file
    message = str(caught.value)
    assert "Q1 2025/26 / RTH / OF0013" in message and "Fix:" in message


# ----------------------------------------------------------------------------------------------------------------
# A league-table file alone


def test_real_league_table_alone_is_read_and_reranked(sources):
    name, data = sources["real league table"]
    kind, frame, _ = nof.read_file(name, data)
    assert kind == "league" and len(frame) == 61
    kent = frame.set_index("trust_code").loc["RYY"]
    assert (kent["average_score"], kent["score_lo"], kent["score_hi"]) == (1.53, 1.2, 1.89)
    assert (kent["segment"], kent["rank"], kent["rank_lo"], kent["rank_hi"]) == (1, 1, 1, 11)
    blanked = _table(data).assign(Rank="")  # take the ranks away: the engine must rank again
    dataset = nof.read_files([(name, syn.to_csv_bytes(blanked))])
    trusts = nof.assess(dataset).trusts.set_index("trust_code")
    assert (trusts["source"] == "league table").all()
    published = frame.set_index("trust_code")
    assert (trusts["rank"] == published["rank"].loc[trusts.index]).all()
    assert (trusts["segment"] == published["segment"].loc[trusts.index]).all()
    assert (trusts["deficit"] == published["deficit"].loc[trusts.index]).all()


def test_fictional_league_table_in_nhs_layout_is_read_and_reranked(ambulance):
    table = syn.league_table(ambulance, replicates=200)
    assert list(table.columns) == syn.LEAGUE_LAYOUT
    assert table["Segment"].str.fullmatch(r"[1-4]\.0").all() and table["Rank"].str.fullmatch(r"\d+\.0").all()
    assert table["Likely_range_of_rank"].str.fullmatch(r"\d+ to \d+").all()
    assert table["Likely_range_of_average_score"].str.fullmatch(r"[1-4](\.\d{1,2})? to [1-4](\.\d{1,2})?").all()
    kind, frame, _ = nof.read_file("ambulance-league.csv", syn.to_csv_bytes(table))
    assert kind == "league" and len(frame) == 20
    trusts = nof.assess(nof.read_files([("ambulance-league.csv", syn.to_csv_bytes(table))])).trusts
    merged = trusts.merge(frame, on=["quarter", "trust_code"], suffixes=("", "_file"))
    assert (merged["rank"] == merged["rank_file"]).all()
    assert (merged["segment"] == merged["segment_file"]).all()
    assert (frame["score_lo"] <= frame["average_score"]).all() and (frame["average_score"] <= frame["score_hi"]).all()
