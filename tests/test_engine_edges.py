"""Edge cases a review found: each would otherwise move numbers a user never asked to move."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import oversight as nof

Q4 = "Q4 2025/26"


def test_a_quarters_ranges_do_not_depend_on_the_other_quarters_computed(mhc_assessment):
    alone = nof.likely_ranges(mhc_assessment, [Q4], replicates=400)
    together = nof.likely_ranges(mhc_assessment, replicates=400)
    pd.testing.assert_frame_equal(alone, together[together["quarter"] == Q4].reset_index(drop=True))


def test_a_missing_score_is_placed_among_published_peers_and_moves_nobody_else(mhc_dataset, mhc_assessment):
    m = mhc_dataset.metrics
    gone = (m["quarter"] == Q4) & (m["trust_code"] == "RYY") & (m["metric_id"] == "OF1082")
    result = nof.assess(dataclasses.replace(mhc_dataset, metrics=m[~gone]))
    before = mhc_assessment.scores.set_index(["quarter", "trust_code", "metric_id"])["score"]
    after = result.scores.set_index(["quarter", "trust_code", "metric_id"])["score"]
    moved = (before - after.reindex(before.index)).abs() > 1e-9
    assert list(moved[moved].index) in ([], [(Q4, "RYY", "OF1082")])
    assert abs(after[(Q4, "RYY", "OF1082")] - before[(Q4, "RYY", "OF1082")]) < 0.05
    ranks = mhc_assessment.trusts.set_index(["quarter", "trust_code"])["rank"]
    assert (result.trusts.set_index(["quarter", "trust_code"])["rank"] == ranks.reindex(
        result.trusts.set_index(["quarter", "trust_code"]).index)).all()


def test_an_edit_changes_only_the_edited_trust(mhc_dataset, mhc_assessment):
    edits = pd.DataFrame({"quarter": [Q4], "trust_code": ["RYY"], "metric_id": ["OF1084"], "value": [np.nan],
                          "score": [2.51]})
    edited = nof.assess(mhc_dataset, edits=edits)
    before = mhc_assessment.trusts.set_index(["quarter", "trust_code"])["average_score"]
    after = edited.trusts.set_index(["quarter", "trust_code"])["average_score"].reindex(before.index)
    changed = before.index[(before - after).abs() > 1e-12]
    assert list(changed) == [(Q4, "RYY")]
    assert edited.edited and not mhc_assessment.edited


def test_leaving_out_every_metric_drops_the_trust_instead_of_using_its_league_table_average(mhc_dataset):
    keep_one = nof.Method(exclude_domains=tuple(d for d in nof.catalogue.DOMAINS if d != "Access to services"))
    result = nof.assess(mhc_dataset, keep_one).quarter(Q4)
    assert (result["source"] == "computed from metric scores").all()
    assert len(result) < 61  # trusts without an access metric have nothing left to average


def test_a_template_value_that_cannot_be_scored_is_refused():
    data = b"trust_code,trust_name,trust_type,metric,value\nAAA,A,Acute trust,OF0999,5\nBBB,B,Acute trust,OF0999,6\n"
    with pytest.raises(nof.InputError) as err:
        nof.read_files([("t.csv", data)])
    assert "OF0999" in str(err.value) and err.value.problems[0].column == "score"


def test_a_template_takes_units_and_domains_from_the_catalogue():
    data = b"trust_code,trust_name,trust_type,metric,value\nAAA,A,Acute trust,OF0023,50\nBBB,B,Acute trust,OF0023,60\n"
    result = nof.assess(nof.read_files([("t.csv", data)]))
    row = result.scores.iloc[0]
    assert row["units"] == "%" and row["domain"] == "Access to services"
    assert list(result.trusts.sort_values("rank")["trust_code"]) == ["BBB", "AAA"]  # higher RTT is better


def test_comparisons_say_who_was_left_out(mhc_assessment):
    table = mhc_assessment.quarter(Q4)
    movers, agreement = nof.compare_tables(table, table.head(20))
    assert agreement.trusts == 20 and agreement.only_before == 41 and agreement.only_after == 0
    assert "41 trusts only in the first table" in agreement.describe()
    _, tiny = nof.compare_tables(table, table.head(1))
    assert np.isnan(tiny.kendall_tau) and "too few" in tiny.describe()


def test_a_quarter_without_scored_trusts_gives_empty_answers_not_errors(mhc_assessment):
    assert nof.likely_ranges(mhc_assessment, ["Q9 2025/26"]).empty
    assert nof.improvement_plan(mhc_assessment, "Q9 2025/26").empty


def test_recovery_support_programme_trusts_are_told_they_stay_in_segment_5(mhc_assessment):
    plan = nof.improvement_plan(mhc_assessment, "Q1 2025/26").set_index("trust_code")
    rsp = mhc_assessment.trusts.query("quarter == 'Q1 2025/26' and rsp")["trust_code"]
    texts = plan.loc[rsp, "plan"]
    assert (texts[texts != ""].str.contains("stays in segment 5")).all()
