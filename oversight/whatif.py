"""What-if edits: change a trust's metric values or scores and see what the rest of the pipeline makes of it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalogue as cat
from . import rules

EDIT_COLUMNS = ["quarter", "trust_code", "metric_id", "value", "score"]


def score_for_value(peer_values: pd.Series, peer_scores: pd.Series, value: float, metric_id: str,
                    framework: cat.Framework = cat.FRAMEWORK) -> float:
    """The score a new raw value would get among peers whose (value, score) pairs are known.

    A value meeting the metric's standard scores 1 and one failing its floor scores 4 (its rule says which);
    otherwise it is placed among the peers' raw values and given the score of the peers either side of it
    (interpolated), so the other trusts keep their published scores. A metric that is not ranked gets NaN.
    """
    rule = framework.metric(metric_id).rule
    if isinstance(rule, rules.Bands):
        return float(rule.score([value])[0])
    if not isinstance(rule, rules.Ranked):
        return float("nan")
    fixed = rule.fixed([value])[0]
    if not np.isnan(fixed):
        return float(fixed)
    known = pd.DataFrame({"v": peer_values, "s": peer_scores}).dropna()
    known = known[np.isnan(rule.fixed(known["v"]))]  # interpolate among the ranked peers only
    if known.empty:
        return float("nan")
    known = known.groupby("v", as_index=False)["s"].min().sort_values("v")
    lo, hi = rule.spread
    return float(np.clip(np.interp(value, known["v"], known["s"]), lo, hi))


def peers_for(scores: pd.DataFrame, quarter: str, metric_id: str, trust_code: str,
              framework: cat.Framework = cat.FRAMEWORK) -> pd.DataFrame:
    """The other trusts a trust's score on a metric is placed among: same quarter and metric, in the metric's
    comparison group (the catalogue's)."""
    peers = scores[(scores["quarter"] == quarter) & (scores["metric_id"] == metric_id)
                   & (scores["trust_code"] != trust_code)]
    kind = scores.loc[scores["trust_code"] == trust_code, "trust_type"]
    if len(kind):
        group = framework.metric(metric_id).group
        own = group.label(kind.iloc[0])
        peers = peers[peers["trust_type"].map(lambda t: group.label(t)) == own]
    return peers


def apply_edits(scores: pd.DataFrame, edits: pd.DataFrame, framework: cat.Framework = cat.FRAMEWORK) -> pd.DataFrame:
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
                peers = peers_for(scores, edit.quarter, edit.metric_id, edit.trust_code, framework)
                score = score_for_value(peers["value"], peers["score"], float(edit.value), edit.metric_id,
                                        framework)
        if pd.notna(score):
            out.loc[at, "score"] = float(np.clip(score, 1, 4))
            out.loc[at, "score_source"] = "edited (what-if)"
    return out
