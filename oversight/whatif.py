"""What-if edits: change a trust's metric values or scores and see what the rest of the pipeline makes of it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from . import catalogue as cat
from .io import Dataset

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


def apply_edits(dataset: Dataset, edits: pd.DataFrame, scores: pd.DataFrame) -> Dataset:
    """A copy of ``dataset`` with some metric values or scores changed.

    Parameters
    ----------
    dataset : the data to change (not modified).
    edits : rows with ``quarter``, ``trust_code``, ``metric_id`` (the score ID, OF1xxx), ``value`` (new raw value or
        NaN to keep) and ``score`` (new score 1-4 or NaN to keep). A new raw value without a new score is scored
        among the trust's peers with :func:`score_for_value`.
    scores : the engine's metric scores for ``dataset`` (``Assessment.scores``), used to place new raw values.

    Returns a new :class:`Dataset` whose metric rows carry the edits; the published summary rows are kept, so the
    financial override and Recovery Support Programme flags stay as they were.
    """
    metrics = dataset.metrics.copy()
    for edit in edits.itertuples(index=False):
        at = (metrics["quarter"] == edit.quarter) & (metrics["trust_code"] == edit.trust_code)
        score = edit.score
        if pd.notna(edit.value):
            raw_at = at & (metrics["metric_id"] == cat.raw_id(edit.metric_id))
            metrics.loc[raw_at, "value"] = float(edit.value)
            if pd.isna(score):
                peers = scores[(scores["quarter"] == edit.quarter) & (scores["metric_id"] == edit.metric_id)
                               & (scores["trust_code"] != edit.trust_code)]
                group = cat.metric(edit.metric_id).group
                if group == "type":
                    kind = scores.loc[scores["trust_code"] == edit.trust_code, "trust_type"].iloc[0]
                    peers = peers[peers["trust_type"] == kind]
                score = score_for_value(peers["value"], peers["score"], float(edit.value), edit.metric_id)
        if pd.notna(score):
            metrics.loc[at & (metrics["metric_id"] == edit.metric_id), "value"] = float(np.clip(score, 1, 4))
    return dataclasses.replace(dataset, metrics=metrics)
