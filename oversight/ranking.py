"""League-table ranks (nof-method.md section 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def min_rank(frame: pd.DataFrame, by: list[str], keys: list[str], ascending: list[bool] | None = None) -> pd.Series:
    """Rank rows within each ``by`` group on ``keys`` (lexicographic); rows equal on every key share the best rank
    ("1, 2, 2, 4"): one more than the number of rows of the group that come strictly before. The keys are numbers;
    rows with a missing key or group get no rank. Returns an integer Series aligned with ``frame``.

    Worked out in numpy (one ``lexsort``, then each run of equal rows takes the place of its first row in its
    group): pandas' sort and two groupbys took about 5 ms for the 378 trust-quarters of the default data."""
    ascending = ascending or [True] * len(keys)
    groups = [pd.factorize(frame[c], use_na_sentinel=True)[0] for c in by]
    values = [frame[k].to_numpy(dtype=float, na_value=np.nan) * (1 if up else -1) for k, up in zip(keys, ascending)]
    usable = np.ones(len(frame), dtype=bool)
    for code in groups:
        usable &= code >= 0
    for value in values:
        usable &= ~np.isnan(value)
    rows = np.flatnonzero(usable)
    columns = [g[rows] for g in groups] + [v[rows] for v in values]  # the groups, then the keys, in order
    order = np.lexsort(columns[::-1]) if columns else np.arange(len(rows))  # lexsort's last key is its first
    ordered = [c[order] for c in columns]
    place = np.arange(len(rows))
    new_group = place == 0  # where each group starts in the sorted rows; new_run, where each run of equal rows does
    for c in ordered[: len(groups)]:
        new_group[1:] |= c[1:] != c[:-1]
    new_run = new_group.copy()
    for c in ordered[len(groups) :]:
        new_run[1:] |= c[1:] != c[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, place, 0))
    run_start = np.maximum.accumulate(np.where(new_run, place, 0))
    rank = np.zeros(len(frame), dtype=np.int64)
    rank[rows[order]] = run_start - group_start + 1
    return pd.Series(pd.arrays.IntegerArray(rank, ~usable), index=frame.index)


def amr_rank(trusts: pd.DataFrame) -> pd.Series:
    """Aggregated metric ranking: within quarter and trust type, by segment (after the financial override), then by
    the average score to 2 dp; ties share the best rank [data: all 61 trusts in all four 2025/26 quarters]."""
    return min_rank(trusts, ["quarter", "trust_type"], ["segment", "average_score_2dp"])


def imr_rank(scores: pd.DataFrame, framework=None) -> pd.Series:
    """Individual metric ranking: within quarter, trust type and metric, by score (unrounded where known), then by
    raw value in the metric's better direction; trusts equal on both share the best rank."""
    from . import catalogue as cat

    framework = framework or cat.FRAMEWORK
    direction = {m: framework.metric(m).higher_is_better for m in scores["metric_id"].unique()}
    sign = scores["metric_id"].map({m: {True: -1.0, False: 1.0}.get(d, 0.0) for m, d in direction.items()})
    # An unknown direction (sign 0) breaks no ties.
    keyed = scores.assign(_raw=(sign.astype(float) * scores["value"].astype(float)).fillna(0.0))
    return min_rank(keyed, ["quarter", "trust_type", "metric_id"], ["score", "_raw"])
