"""League-table ranks (nof-method.md section 2)."""

from __future__ import annotations

import pandas as pd


def min_rank(frame: pd.DataFrame, by: list[str], keys: list[str], ascending: list[bool] | None = None) -> pd.Series:
    """Rank rows within each ``by`` group on ``keys`` (lexicographic); rows equal on every key share the best rank
    ("1, 2, 2, 4"). Rows with a missing key get no rank. Returns an integer Series aligned with ``frame``."""
    ascending = ascending or [True] * len(keys)
    usable = frame.dropna(subset=keys)
    ordered = usable.sort_values(by + keys, ascending=[True] * len(by) + ascending, kind="stable")
    position = ordered.groupby(by, sort=False).cumcount() + 1
    tied_best = position.groupby([ordered[c] for c in by + keys], sort=False, dropna=False).transform("min")
    return tied_best.reindex(frame.index).astype("Int64")


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
