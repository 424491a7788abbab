"""Hypothesis properties of the engine: what must hold for any valid input, not just NHS England's file."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oversight as nof
from oversight import io
from oversight.io import empty_frame
from oversight.schemas import ASSESSMENT

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
METRICS = ["OF1005", "OF1016", "OF1041", "OF1057", "OF1061", "OF1063", "OF1082", "OF1084", "OF1086", "OF1035"]
TYPES = [nof.catalogue.MHC, nof.catalogue.ACUTE, nof.catalogue.AMBULANCE]


@st.composite
def datasets(draw):
    """A small valid national dataset: 2-25 trusts of one to three types, each with 1-10 metric scores on the 0.01
    grid and raw values for some, a deficit flag each, one or two quarters."""
    n_trusts = draw(st.integers(2, 25))
    quarters = draw(st.sampled_from([["Q1 2025/26"], ["Q3 2025/26", "Q4 2025/26"]]))
    types = draw(st.lists(st.sampled_from(TYPES), min_size=n_trusts, max_size=n_trusts))
    rows = []
    for quarter in quarters:
        for i in range(n_trusts):
            code = f"Z{i:02d}"
            metrics = draw(st.lists(st.sampled_from(METRICS), min_size=1, max_size=len(METRICS), unique=True))
            for metric in metrics:
                score = draw(st.integers(100, 400)) / 100
                rows.append((quarter, types[i], code, metric, score))
                if draw(st.booleans()):
                    rows.append((quarter, types[i], code, "OF0" + metric[3:], draw(st.floats(0, 100, width=32))))
            rows.append((quarter, types[i], code, "OF5004", float(draw(st.booleans()))))
    frame = pd.DataFrame(rows, columns=["quarter", "trust_type", "trust_code", "metric_id", "value"])
    frame = frame.assign(region="Test", trust_subtype="", trust_name="Trust " + frame["trust_code"], domain="",
                         subdomain="", metric_description="", reporting_date="", units="", median=np.nan,
                         lower_quartile=np.nan, upper_quartile=np.nan, rank=np.nan, source="generated",
                         row=np.arange(2, len(frame) + 2))
    frame["domain"] = frame["metric_id"].map(lambda m: nof.catalogue.DOMAINS[int(m[-1]) % 5])
    frame = frame[io.METRIC_FRAME_COLUMNS]
    return io.Dataset(frame, empty_frame(io.LEAGUE_FRAME_COLUMNS))


@SETTINGS
@given(datasets())
def test_valid_input_gives_no_nan_and_passes_the_output_schema(data):
    result = nof.assess(data)
    ASSESSMENT.validate(result.trusts)
    key = ["n_metrics", "average_score", "average_score_2dp", "segment", "final_segment", "rank"]
    assert not result.trusts[key].isna().any().any()
    ranges = nof.likely_ranges(result, replicates=50)
    assert not ranges[["score_lo", "score_hi", "rank_lo", "rank_hi"]].isna().any().any()
    assert (ranges["score_lo"] <= ranges["score_hi"]).all() and (ranges["rank_lo"] <= ranges["rank_hi"]).all()


@SETTINGS
@given(datasets(), st.randoms(use_true_random=False))
def test_input_never_mutated_and_row_order_changes_nothing(data, rnd):
    before = data.metrics.copy(deep=True)
    first = nof.assess(data)
    pd.testing.assert_frame_equal(data.metrics, before)
    order = list(range(len(data.metrics)))
    rnd.shuffle(order)
    shuffled = dataclasses.replace(data, metrics=data.metrics.iloc[order].reset_index(drop=True))
    second = nof.assess(shuffled)
    pd.testing.assert_frame_equal(first.trusts, second.trusts)
    pd.testing.assert_frame_equal(first.scores, second.scores)


@SETTINGS
@given(datasets())
def test_likely_ranges_contain_the_trusts_own_average(data):
    result = nof.assess(data)
    ranges = nof.likely_ranges(result, replicates=100).merge(result.trusts, on=["quarter", "trust_code"])
    assert (ranges["score_lo"] <= ranges["average_score_2dp"] + 1e-9).all()
    assert (ranges["average_score_2dp"] <= ranges["score_hi"] + 1e-9).all()


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.integers(100, 400), min_size=1, max_size=12), min_size=1, max_size=8))
def test_exact_distribution_is_a_distribution_with_the_right_mean(rows):
    from oversight.uncertainty import exact_average_distribution

    width = max(len(r) for r in rows)
    values = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        values[i, : len(r)] = r
    n = np.array([len(r) for r in rows])
    pmf, offset = exact_average_distribution(values, n)
    assert np.allclose(pmf.sum(axis=1), 1)
    means = (pmf * (np.arange(pmf.shape[1])[None, :] + offset[:, None])).sum(axis=1) / n
    assert np.allclose(means, [np.mean(r) for r in rows])


_CELL_TEXT = st.text(alphabet=st.sampled_from(list(" aZz09.-'\t") + ["\u00a0", "\u200b", "\uff21", "\u00df", "\x85"]),
                     max_size=8)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.lists(_CELL_TEXT, min_size=1, max_size=10), st.booleans())
def test_the_readers_tidy_column_shortcut_is_what_normalising_each_value_gives(cells, upper):
    """The reader passes a pyarrow text column as it is when pyarrow finds every value tidy (printable ASCII words one
    space apart, and no lower-case letter for an upper-cased identifier); whatever the values, the column, and any
    warning, are what normalising the same values held as Python objects gives."""
    from oversight._cells import clean_free_text, normalise_column

    arrow, python = (pd.DataFrame({"c": pd.Series(cells, dtype=dtype), "row": range(2, len(cells) + 2)})
                     for dtype in ("str", object))
    assert list(clean_free_text(arrow["c"])) == list(clean_free_text(python["c"]))
    found = {}
    for key, frame in (("arrow", arrow), ("python", python)):
        problems = []
        found[key] = (list(normalise_column("f.csv", frame, "c", "code", problems, upper=upper)),
                      [p.message for p in problems])
    assert found["arrow"] == found["python"]
