"""Table-driven unit tests, one step of the method at a time (nof-method.md section 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oversight as nof
from oversight import banding, ranking, scoring
from oversight.model import published_summary

# The rules themselves (scores from raw values, finance bands, combined finance, rounding, segments) are tested
# one case per line in tests/test_rules.py.


@pytest.mark.parametrize(
    "averages, segments, cuts, misplaced",
    [
        ([1.5, 2.0, 2.1, 2.4, 2.5, 2.9, 3.0, 3.3], [1, 1, 2, 2, 3, 3, 4, 4], (2.05, 2.45, 2.95), 0),
        ([1.5, 2.1, 2.0, 2.5], [1, 1, 2, 2], (1.505, 2.505, 2.505), 1),  # overlapping: fewest misplaced; empty 3, 4
    ],
)
def test_bracket_cuts(averages, segments, cuts, misplaced):
    got, wrong = banding.bracket_cuts(pd.Series(averages), pd.Series(segments))
    assert got == pytest.approx(cuts)
    assert wrong == misplaced


def test_pooled_quartiles_and_fixed_cuts():
    frame = pd.DataFrame({"quarter": ["Q1 2025/26"] * 5, "average_score_2dp": [1.0, 2.0, 3.0, 4.0, 5.0]})
    assert list(nof.PooledQuartiles().cuts_for(frame)["Q1 2025/26"]) == [2.0, 3.0, 4.0]
    assert list(nof.FixedCuts((2.0, 2.5, 3.0)).cuts_for(frame)["Q1 2025/26"]) == [2.0, 2.5, 3.0]
    per_quarter = nof.QuarterCuts((("Q1 2025/26", (1.5, 2.5, 3.5)),))
    assert list(per_quarter.cuts_for(frame)["Q1 2025/26"]) == [1.5, 2.5, 3.5]
    other = frame.assign(quarter="Q2 2025/26")
    assert list(per_quarter.cuts_for(other)["Q2 2025/26"]) == [2.0, 3.0, 4.0]  # falls back to quartiles


@pytest.mark.parametrize(
    "segments, scores, expected",
    [
        ([1, 1, 1, 1], [1.5, 1.6, 1.6, 1.7], [1, 2, 2, 4]),  # ties share the best rank
        ([3, 1, 2], [1.2, 2.0, 1.9], [3, 1, 2]),  # segment first: a deficit trust with a good score ranks below
        ([2, 2], [2.1, 2.1], [1, 1]),
    ],
)
def test_amr_rank(segments, scores, expected):
    frame = pd.DataFrame({"quarter": "Q", "trust_type": "T", "segment": segments, "average_score_2dp": scores})
    assert ranking.amr_rank(frame).tolist() == expected


def _pandas_min_rank(frame, by, keys, ascending):
    """The plain pandas reading of a min rank: sort, count each row's place in its group, the best place of each run
    of equal rows (the engine's way before it moved to numpy)."""
    usable = frame.dropna(subset=keys)
    ordered = usable.sort_values(by + keys, ascending=[True] * len(by) + ascending, kind="stable")
    position = ordered.groupby(by, sort=False).cumcount() + 1
    tied_best = position.groupby([ordered[c] for c in by + keys], sort=False, dropna=False).transform("min")
    return tied_best.reindex(frame.index).astype("Int64")


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["Q1", "Q2", None]), st.sampled_from(["A", "B"]),
                          st.sampled_from([1.0, 2.0, 0.0, -0.0, np.nan]),
                          st.sampled_from([1.5, -0.0, 0.0, 3.25, np.nan]), st.integers(0, 3)), max_size=40),
       st.sampled_from([(["quarter", "trust_type"], ["segment", "score"]), (["quarter"], ["score", "n"]),
                        (["trust_type"], ["n"])]),
       st.lists(st.booleans(), min_size=2, max_size=2), st.booleans(), st.randoms(use_true_random=False))
def test_min_rank_is_the_plain_pandas_reading(rows, grouping, ascending, arrow_text, shuffle):
    """``ranking.min_rank`` (numpy: one lexsort) gives every rank the plain pandas reading gives: ties (0.0 equal to
    -0.0) share the best rank, a missing key or group gets none, keys sort either way, on any index."""
    frame = pd.DataFrame(rows, columns=["quarter", "trust_type", "segment", "score", "n"], dtype=object)
    frame = frame.astype({"segment": float, "score": float, "n": "int64"})
    if arrow_text:
        frame = frame.astype({"quarter": "str", "trust_type": "str"})
    index = list(range(100, 100 + len(frame)))
    shuffle.shuffle(index)
    frame.index = index
    by, keys = grouping
    up = ascending[: len(keys)]
    pd.testing.assert_series_equal(ranking.min_rank(frame, by, keys, up), _pandas_min_rank(frame, by, keys, up))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["Q1", "Q2"]), st.sampled_from(["RAA", "RBB", "rbb", ""])), max_size=12),
       st.lists(st.tuples(st.sampled_from(["Q1", "Q2", "Q3"]), st.sampled_from(["RAA", "RBB", "RCC"])), max_size=12),
       st.booleans())
def test_matching_rows_finds_each_keys_first_row_as_a_lookup_does(table, wanted, arrow_text):
    """``_cells.matching_rows`` (the flags of each trust, the league-only trusts in ``assess``): for each wanted
    (quarter, code) the first table row with both values, exactly as written, or -1."""
    from oversight._cells import matching_rows

    dtype = "str" if arrow_text else object
    columns = [[pd.Series([row[i] for row in rows], dtype=dtype) for i in range(2)] for rows in (table, wanted)]
    first = {}
    for i, key in enumerate(table):
        first.setdefault(key, i)
    assert matching_rows(columns[1], columns[0]).tolist() == [first.get(key, -1) for key in wanted]


def test_amr_rank_within_each_trust_type():
    frame = pd.DataFrame({"quarter": "Q", "trust_type": ["A", "B", "A", "B"], "segment": [1, 1, 2, 1],
                          "average_score_2dp": [1.5, 1.4, 1.0, 1.6]})
    assert ranking.amr_rank(frame).tolist() == [1, 1, 2, 2]


def _scores(rows):
    frame = pd.DataFrame(rows, columns=["trust_code", "metric_id", "domain", "score", "weight"])
    return frame.assign(quarter="Q", region="", trust_type="Mental health and community trust", trust_subtype="",
                        trust_name=frame["trust_code"])


def test_average_is_the_weighted_mean_of_the_scores():
    scores = _scores([
        ("A", "OF1061", "Patient safety", 1.0, 1.0),
        ("A", "OF1084", "People and workforce", 2.0, 1.0),
        ("A", "OF1080", "Finance and productivity", 4.0, 1.0),
        ("A", "OF1079", "Finance and productivity", 1.0, 0.0),  # feeds OF1080 only
        ("B", "OF1020", "Patient safety", 4.0, 1 / 3),  # the three infection scores weigh as one metric
        ("B", "OF1048", "Patient safety", 1.0, 1 / 3),
        ("B", "OF1088", "Patient safety", 1.0, 1 / 3),
        ("B", "OF1061", "Patient safety", 1.0, 1.0),
    ])
    out = scoring.average_scores(scores).set_index("trust_code")
    assert out.loc["A", "n_metrics"] == 3
    assert out.loc["A", "average_score"] == pytest.approx(7 / 3)
    assert out.loc["A", "average_score_2dp"] == 2.33
    assert out.loc["B", "average_score"] == pytest.approx((2.0 + 1.0) / 2)


def test_average_without_a_metric_or_domain_and_with_weights():
    scores = _scores([
        ("A", "OF1061", "Patient safety", 1.0, 1.0),
        ("A", "OF1016", "Patient safety", 2.0, 1.0),
        ("A", "OF1084", "People and workforce", 4.0, 1.0),
    ])
    without = scores.assign(weight=nof.Method(exclude_metrics=("OF1084",)).weights(scores))
    assert scoring.average_scores(without).loc[0, "average_score"] == 1.5
    without = scores.assign(weight=nof.Method(exclude_domains=("Patient safety",)).weights(scores))
    assert scoring.average_scores(without).loc[0, "average_score"] == 4.0
    weighted = scoring.average_scores(scores, domain_weights={"Patient safety": 1, "People and workforce": 1})
    assert weighted.loc[0, "average_score"] == pytest.approx((1.5 + 4.0) / 2)


def test_rescore_from_raw_values_matches_published_within_type(mhc_dataset):
    """Staff-survey scores rank within the 61 trusts, so rescoring them from raw values is exact: the raw values
    are published rounded to 2 dp, but the file's Rank column (unrounded, within type) orders the ties."""
    scores = scoring.metric_scores(mhc_dataset.metrics[mhc_dataset.metrics["quarter"] == "Q4 2025/26"])
    rescored = scoring.rescore(scores)
    for metric in ["OF1061", "OF1084"]:
        a = scores[scores["metric_id"] == metric].set_index("trust_code")["score_published"]
        b = rescored[rescored["metric_id"] == metric].set_index("trust_code")["score"].round(2)
        assert (a == b.reindex(a.index)).all(), metric


def test_rescored_method_changes_cross_type_metrics(mhc_dataset):
    official = nof.assess(mhc_dataset)
    rescored = nof.assess(mhc_dataset, nof.Method(rescore=True))
    a = official.scores.query("quarter == 'Q4 2025/26' and metric_id == 'OF1082'").set_index("trust_code")["score"]
    b = rescored.scores.query("quarter == 'Q4 2025/26' and metric_id == 'OF1082'").set_index("trust_code")["score"]
    # Within 61 trusts instead of all 205 the best and worst stay the best and worst, the middle spreads out.
    assert a.idxmin() == b.idxmin() and a.idxmax() == b.idxmax()
    assert not np.allclose(a, b.reindex(a.index))
    assert set(rescored.scores["score_source"]) >= {"rescored from raw values"}


def test_override_off_and_other_banding(mhc_dataset):
    q = "Q4 2025/26"
    off = nof.assess(mhc_dataset, nof.Method(override=False)).quarter(q)
    assert (off["segment"] == off["unadjusted_segment"]).all()
    fixed = nof.assess(mhc_dataset, nof.Method(banding=nof.FixedCuts((1.0, 1.0, 1.0)))).quarter(q)
    assert set(fixed["unadjusted_segment"]) == {4}
    quartiles = nof.assess(mhc_dataset, nof.Method(banding=nof.PooledQuartiles())).quarter(q)
    counts = quartiles["unadjusted_segment"].value_counts()
    assert counts.min() >= 13 and counts.max() <= 18  # quartiles of 61 trusts


def test_imr_rank_agrees_with_published_within_type_rank(mhc_assessment):
    s = mhc_assessment.scores.dropna(subset=["type_rank"])
    s = s[s["metric_id"] != "OF1081"]
    agree = (s["imr_rank"] == s["type_rank"]).mean()
    assert agree > 0.95, agree


def test_recover_unrounded_leaves_unidentifiable_scores_alone():
    frame = pd.DataFrame({"quarter": "Q", "metric_id": "OF1061", "trust_type": "Ambulance trust", "score": [1.0, 4.0],
                          "score_source": "published", "weight": 1.0})
    assert scoring.recover_unrounded(frame)["score"].tolist() == [1.0, 4.0]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["Q1 2025/26", "Q4 2025/26"]), st.sampled_from(["RX1", "RX2", "AB9"]),
                          st.sampled_from(["OF0082", "OF1082", "OF0001", "OF1001", "OF1090", "OF5002"]),
                          st.sampled_from(["", "Acute trust", "x"]), st.sampled_from(["", "Elective", "Safety"]),
                          st.floats(0, 4) | st.none()), max_size=40),
       st.sampled_from(["str", object]), st.sampled_from([8, 0]))
def test_score_and_raw_rows_are_paired_as_an_outer_merge_pairs_them(rows, text_dtype, dense):
    """metric_scores pairs each score row (OF1xxx) with its raw-value row (OF0xxx) by integer keys, not by merging:
    the very frame an outer merge on (quarter, trust code, score ID) gives, row order included, each descriptive
    field from the raw row where given, else from the score row (missing and blank cells, score-only and raw-only
    metrics, rows of other families, pyarrow and object text), whether the keys are marked in a table of every
    possible key or sorted (``dense`` 0: never a table)."""
    keys = ["quarter", "trust_code", "metric_id"]
    frame = pd.DataFrame(rows, columns=keys + ["trust_type", "subdomain", "value"]).drop_duplicates(keys)
    frame = frame.astype({c: text_dtype for c in keys + ["trust_type", "subdomain"]}).assign(
        units="%", median=1.0, lower_quartile=0.5, upper_quartile=2.0, rank=frame["value"] * 2)
    frame.index = np.arange(len(frame))[::-1]  # an index out of order: positions, not labels, are paired
    described = ["trust_type", "subdomain"]
    score = frame[frame["metric_id"].str.match(r"OF1\d{3}$")][keys + described + ["value", "rank"]]
    raw = frame[frame["metric_id"].str.match(r"OF0\d{3}$")]
    raw = raw.assign(metric_id="OF1" + raw["metric_id"].str[3:])[keys + described + [
        "units", "value", "median", "lower_quartile", "upper_quartile", "rank"]]
    expected = score.merge(raw, on=keys, how="outer", suffixes=("_s", ""))
    for col in described:
        given = expected[col].notna() & (expected[col] != "")
        expected[col] = expected[col].where(given, expected[f"{col}_s"])
    expected = expected.drop(columns=[f"{c}_s" for c in described])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scoring, "_DENSE_KEYS", dense)
        paired = scoring._paired(frame, described)
    pd.testing.assert_frame_equal(paired[list(expected.columns)], expected, check_dtype=False)
    assert set(paired.columns) == set(expected.columns)


def _summary_as_pandas_gives(dataset: nof.Dataset) -> pd.DataFrame:
    """The data file's part of published_summary written as plain pandas (unstack the first row of each trust,
    quarter and summary ID): the reading the integer-keyed code must give."""
    from oversight import catalogue as cat

    keys = ["quarter", "trust_code"]
    m = dataset.metrics
    summary = m[m["metric_id"].isin(cat.SUMMARY_IDS.values())]
    wide = summary.drop_duplicates(keys + ["metric_id"]).set_index(keys + ["metric_id"])["value"].unstack()
    wide = wide.rename(columns={v: k for k, v in cat.SUMMARY_IDS.items()})
    segment_rows = summary[summary["metric_id"] == cat.SUMMARY_IDS["segment"]].drop_duplicates(keys)
    wide["rank"] = segment_rows.set_index(keys)["rank"]
    info = summary.drop_duplicates(keys).set_index(keys)[["region", "trust_type", "trust_subtype", "trust_name"]]
    return info.join(wide, how="inner").reset_index()


def _data_part(summary: pd.DataFrame) -> pd.DataFrame:
    return summary.drop(columns=["score_lo", "score_hi", "rank_lo", "rank_hi"])


@pytest.mark.parametrize("files", ["acute", "mhc", "default"])
def test_the_published_summary_of_nhs_englands_files_is_the_plain_pandas_reading(files, acute_dataset, mhc_dataset,
                                                                                 default_data):
    """NHS England's own averages, segments, flags and ranks per trust and quarter, read from their files' OF5xxx
    rows: the same frame, row order and types as the plain pandas reading, and with the Q4 league table beside the
    data file, each league-only figure taken from the league table (none is: every trust has its data rows)."""
    dataset = {"acute": acute_dataset, "mhc": mhc_dataset, "default": default_data}[files]
    got = published_summary(dataset)
    expected = _summary_as_pandas_gives(dataset)
    keys = ["quarter", "trust_code"]
    if len(dataset.league):  # the league table adds its likely ranges; rows come in the keys' order
        got, expected = got.sort_values(keys, ignore_index=True), expected.sort_values(keys, ignore_index=True)
        assert got[["score_lo", "rank_hi"]].notna().sum().tolist() == [len(dataset.league)] * 2
    pd.testing.assert_frame_equal(_data_part(got)[list(expected.columns)], expected, check_dtype=False)
    assert len(got) == dataset.metrics.groupby(keys).ngroups


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["Q1 2025/26", "Q4 2025/26"]), st.sampled_from(["RX1", "RX2", "AB9"]),
                          st.sampled_from(["OF5000", "OF5002", "OF5003", "OF5004", "OF5005", "OF5007", "OF1082"]),
                          st.floats(0, 4) | st.none(), st.integers(1, 9), st.sampled_from(["A", "B"])),
                min_size=1, max_size=30))
def test_the_published_summary_takes_each_trusts_first_row_of_each_figure(rows):
    """Any mix of summary rows (some figures missing, rows of other metrics, a figure given twice, names differing
    between a trust's rows): each trust and quarter on one row in the order they first appear, its names from its
    first summary row, each figure from the first row of its ID, as the plain pandas reading takes them."""
    from oversight._load import LEAGUE_FRAME_COLUMNS, empty_frame

    frame = pd.DataFrame(rows, columns=["quarter", "trust_code", "metric_id", "value", "rank", "trust_name"])
    frame = frame.assign(region="London", trust_type="Acute trust", trust_subtype="Teaching",
                         value=frame["value"].astype(float), rank=frame["rank"].astype(float))  # as read
    dataset = nof.Dataset(frame, empty_frame(LEAGUE_FRAME_COLUMNS))
    expected = _summary_as_pandas_gives(dataset)
    got = published_summary(dataset)
    if expected.empty:
        assert got.empty
        return
    pd.testing.assert_frame_equal(_data_part(got)[list(expected.columns)], expected, check_dtype=False)


def test_a_combined_finance_score_left_out_is_made_again_from_its_parts_as_nhs_england_made_it(default_data):
    """With every OF1080 row (the combined finance score) taken out of NHS England's real files, the engine makes
    each trust's again from its OF1079 (plan) and OF1081 (variance) scores: all 378 trust-quarters, each equal to
    the score NHS England published, and labelled as combined."""
    metrics = default_data.metrics
    published = scoring.metric_scores(metrics)
    remade = scoring.metric_scores(metrics[metrics["metric_id"] != "OF1080"])
    keys = ["quarter", "trust_code"]
    theirs = published[published["metric_id"] == "OF1080"].set_index(keys)["score_published"]
    ours = remade[remade["metric_id"] == "OF1080"].set_index(keys)
    assert len(ours) == len(theirs) == 378 and ours.index.sort_values().equals(theirs.index.sort_values())
    assert (ours["score"] == theirs.reindex(ours.index)).all()
    assert set(ours["score_source"]) == {"combined from OF1079 and OF1081"}
    pd.testing.assert_frame_equal(remade[remade["metric_id"] != "OF1080"].reset_index(drop=True),
                                  published[published["metric_id"] != "OF1080"].reset_index(drop=True))
