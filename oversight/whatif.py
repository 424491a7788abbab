"""What-if edits: change a trust's metric values or scores and see what the rest of the pipeline makes of it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalogue as cat

EDIT_COLUMNS = ["quarter", "trust_code", "metric_id", "value", "score"]


def score_for_value(peer_values: pd.Series, peer_scores: pd.Series, value: float, metric_id: str) -> float:
    """The score a new raw value would get among peers whose (value, score) pairs are known.

    The value is placed among the peers' raw values and given the score of the peers either side of it
    (interpolated), so the other trusts keep their published scores; below the UCR floor it scores 4.
    """
    info = cat.metric(metric_id)
    if info.floor is not None and ((value < info.floor) if info.higher_is_better else (value > info.floor)):
        return 4.0
    known = pd.DataFrame({"v": peer_values, "s": peer_scores}).dropna()
    if known.empty or info.higher_is_better is None:
        return float("nan")
    known = known.groupby("v", as_index=False)["s"].min().sort_values("v")
    return float(np.clip(np.interp(value, known["v"], known["s"]), 1.0, 4.0))


def peers_for(scores: pd.DataFrame, quarter: str, metric_id: str, trust_code: str) -> pd.DataFrame:
    """The other trusts a trust's score on a metric is placed among: same quarter and metric, and the same trust
    type when the metric is ranked within type."""
    peers = scores[(scores["quarter"] == quarter) & (scores["metric_id"] == metric_id)
                   & (scores["trust_code"] != trust_code)]
    if cat.metric(metric_id).group == "type":
        kind = scores.loc[scores["trust_code"] == trust_code, "trust_type"]
        if len(kind):
            peers = peers[peers["trust_type"] == kind.iloc[0]]
    return peers


def apply_edits(scores: pd.DataFrame, edits: pd.DataFrame) -> pd.DataFrame:
    """A copy of the engine's metric scores with some trust's values or scores changed.

    Parameters
    ----------
    scores : the engine's metric scores (``Assessment.scores`` or :func:`oversight.scoring.metric_scores`), after
        unrounding, so an edit changes only the row it is made on.
    edits : rows with ``quarter``, ``trust_code``, ``metric_id`` (the score ID, OF1xxx), ``value`` (new raw value or
        NaN to keep) and ``score`` (new score 1-4 or NaN to keep). A new raw value without a new score is placed among
        the trust's peers with :func:`score_for_value`.

    Returns the scores with ``score_source`` "edited (what-if)" on the changed rows.
    """
    out = scores.copy()
    for edit in edits.itertuples(index=False):
        at = (out["quarter"] == edit.quarter) & (out["trust_code"] == edit.trust_code) & \
            (out["metric_id"] == edit.metric_id)
        score = edit.score
        if pd.notna(edit.value):
            out.loc[at, "value"] = float(edit.value)
            if pd.isna(score):
                peers = peers_for(scores, edit.quarter, edit.metric_id, edit.trust_code)
                score = score_for_value(peers["value"], peers["score"], float(edit.value), edit.metric_id)
        if pd.notna(score):
            out.loc[at, "score"] = float(np.clip(score, 1, 4))
            out.loc[at, "score_source"] = "edited (what-if)"
    return out
