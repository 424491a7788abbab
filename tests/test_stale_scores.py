"""The stale-score check on NHS England's real files: silent on them, and it names any raw value edited without its
score, whichever ranked metric it is."""

import dataclasses

import pytest

import oversight as nof
from oversight import catalogue as cat
from oversight import rules
from oversight.checks import stale_scores

Q4 = "Q4 2025/26"


def test_nhs_englands_own_files_have_no_stale_score(default_data):
    """Every published score of every type and quarter we hold agrees with its raw value (no false alarm)."""
    found = stale_scores(nof.assess(default_data).scores)
    assert found.empty, found.head().to_string()


def _edited(dataset, quarter, metric_id, trust_code, value):
    metrics = dataset.metrics.copy()
    row = ((metrics["quarter"] == quarter) & (metrics["metric_id"] == cat.raw_id(metric_id))  # the raw value's row
           & (metrics["trust_code"] == trust_code))
    assert row.sum() == 1
    metrics.loc[row, "value"] = value
    return dataclasses.replace(dataset, metrics=metrics)


def _ranked_metrics(dataset, quarter):
    rows = dataset.metrics[(dataset.metrics["quarter"] == quarter) & dataset.metrics["value"].notna()]
    for metric_id in sorted(set(rows["metric_id"])):
        rule = cat.FRAMEWORK.metric(metric_id).rule
        if isinstance(rule, rules.Ranked) and not rule.open and rule.higher_is_better is not None:
            yield metric_id


@pytest.mark.parametrize("quarter, trust_type", [(Q4, cat.MHC), ("Q1 2025/26", cat.ACUTE)])
def test_a_raw_value_edited_to_the_best_without_its_score_is_named(default_data, quarter, trust_type):
    """For every ranked metric whose rule is known: the worst-scored trust's raw value set to its type's best, its
    score left as published. The check names that trust and that metric, and nobody else."""
    scores = nof.assess(default_data).scores
    scores = scores[(scores["quarter"] == quarter) & (scores["trust_type"] == trust_type) & scores["value"].notna()]
    tried = 0
    for metric_id in _ranked_metrics(default_data, quarter):
        rule = cat.FRAMEWORK.metric(metric_id).rule
        rows = scores[scores["metric_id"] == metric_id]
        if rows["score_published"].nunique() < 2:
            continue
        worst = rows.loc[rows["score_published"].idxmax()]
        best = rows["value"].max() if rule.higher_is_better else rows["value"].min()
        edited = _edited(default_data, quarter, metric_id, worst["trust_code"], best)
        found = stale_scores(nof.assess(edited).scores)
        assert set(zip(found["trust_code"], found["metric_id"])) == {(worst["trust_code"], metric_id)}, metric_id
        assert found["why"].str.len().gt(0).all()
        tried += 1
    assert tried >= 5  # the class, not one example


def test_wirrals_sickness_absence_edited_is_named_with_its_published_score(mhc_dataset):
    edited = _edited(mhc_dataset, Q4, "OF1082", "RY7", 3.0)  # published 7.49 %, scoring 3.75
    found = stale_scores(nof.assess(edited).scores)
    assert found[["trust_code", "metric_id", "value", "score"]].values.tolist() == [["RY7", "OF1082", 3.0, 3.75]]
