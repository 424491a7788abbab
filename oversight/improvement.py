"""What a trust would need to move up a segment.

Two answers per trust: the fall in average score that would put it in the next better segment, and the fewest
metrics whose improvement would deliver that fall, translated into each metric's own units where the raw value is
known (the value the trust would need is read off the loaded peers that already score that well).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scoring import score_weights

_UNIT_WORDS = {
    "%": "percentage points",
    "percent": "percentage points",
    "percentage points": "percentage points",
    "out of 10": "points out of 10",
}


def target_average(cuts, segment: int) -> float | None:
    """The highest 2-dp average score that is in ``segment`` (None for segment 1's better neighbour)."""
    if segment < 1:
        return None
    return float(np.floor(cuts[segment - 1] * 100 + 1e-9) / 100)


def _value_for_score(peers: pd.DataFrame, target_score: float, higher_is_better: bool | None):
    """The raw value a trust would need for a score no worse than ``target_score``: the value of the loaded peer
    with the worst score still at or below the target (or the best peer if none is)."""
    known = peers.dropna(subset=["value"])
    if known.empty or higher_is_better is None:
        return None
    good = known[known["score"] <= target_score + 1e-9]
    pick = good.loc[good["score"].idxmax()] if len(good) else known.loc[known["score"].idxmin()]
    return float(pick["value"])


def _step_text(name, units, value_now, value_needed, score_now, score_target) -> str:
    if value_now is not None and value_needed is not None and not np.isnan(value_now):
        change = value_needed - value_now
        words = _UNIT_WORDS.get(units, units or "")
        unit = "%" if units == "%" else ""
        direction = "higher" if change > 0 else "lower"
        return (f"{name} from {value_now:g}{unit} to {value_needed:g}{unit} ({abs(change):.1f} {words} "
                f"{direction})").replace("  ", " ")
    return f"{name} score {score_now:.2f} to {score_target:.2f}"


def improvement_plan(assessment, quarter: str) -> pd.DataFrame:
    """For every trust in ``quarter``: what moving up one segment would take.

    Returns one row per trust: ``trust_code``, ``segment``, ``target_segment``, ``target_average`` (the 2-dp
    average to reach), ``fall_needed`` (in average score), ``metrics_needed`` (fewest metrics), ``plan`` (a
    readable list of steps), ``steps`` (list of dicts, one per metric: ``metric_id``, ``metric_name``,
    ``score_now``, ``score_target``, ``value_now``, ``value_needed``, ``units``, ``text``) and ``blocked``
    (why no score change can move it: top segment, or the financial override holding it at 3).
    """
    trusts = assessment.trusts[assessment.trusts["quarter"] == quarter]
    scores = assessment.scores[assessment.scores["quarter"] == quarter]
    scores = scores.assign(w=score_weights(scores, dict(assessment.method.domain_weights)))
    scores = scores[scores["w"] > 0]
    columns = ["trust_code", "segment", "target_segment", "target_average", "fall_needed", "metrics_needed", "plan",
               "steps", "blocked"]
    if quarter not in assessment.cuts:
        return pd.DataFrame(columns=columns)
    cuts = assessment.cuts[quarter]
    peers_by_metric = {key: g for key, g in scores.groupby(["metric_id", "trust_type"])}
    by_trust = {c: g for c, g in scores.groupby("trust_code")}
    rows = []
    for trust in trusts.itertuples(index=False):
        row = {"trust_code": trust.trust_code, "segment": trust.segment, "target_segment": np.nan,
               "target_average": np.nan, "fall_needed": np.nan, "metrics_needed": pd.NA, "plan": "", "steps": [],
               "blocked": ""}
        held = trust.deficit and assessment.method.override and trust.segment == 3 and trust.unadjusted_segment <= 3
        if trust.segment == 1:
            row["blocked"] = "already in segment 1"
        elif held:
            row["blocked"] = "held at segment 3 by the financial override until the trust is out of deficit"
        elif trust.trust_code not in by_trust:
            row["blocked"] = "no metric scores loaded"
        if row["blocked"]:
            rows.append(row)
            continue
        target_segment = trust.unadjusted_segment - 1
        target = target_average(cuts, target_segment)
        own = by_trust[trust.trust_code]
        # The unrounded weighted average must round to the target: the weighted total must fall below
        # (target + 0.005) times the total weight. A metric's room to help is its weight times its distance from 1.
        needed_total = (own["w"] * own["score"]).sum() - (target + 0.005 - 1e-6) * own["w"].sum()
        headroom = (own["w"] * (own["score"] - 1)).sort_values(ascending=False)
        cumulative = headroom.cumsum()
        enough = cumulative[cumulative >= needed_total]
        row.update(target_segment=target_segment, target_average=target,
                   fall_needed=round(trust.average_score_2dp - target, 2))
        if enough.empty:
            row["blocked"] = "out of reach: even scoring 1 on every metric would not be enough"
            rows.append(row)
            continue
        chosen = headroom.loc[: enough.index[0]]
        share = chosen / chosen.sum()
        steps = []
        framework = assessment.method.framework
        for idx, gain in (share * needed_total).items():
            metric = own.loc[idx]
            info = framework.metric(metric["metric_id"])
            score_target = max(1.0, float(metric["score"] - gain / metric["w"]))
            if not info.ranked:  # whole-number scores: aim for the next whole score at or below
                score_target = float(np.floor(score_target + 1e-9))
            peers = peers_by_metric[(metric["metric_id"], trust.trust_type)]
            value_needed = _value_for_score(peers, score_target, info.higher_is_better)
            value_now = None if pd.isna(metric["value"]) else float(metric["value"])
            steps.append({
                "metric_id": metric["metric_id"], "metric_name": metric["metric_name"],
                "score_now": float(metric["score"]), "score_target": score_target,
                "value_now": value_now, "value_needed": value_needed, "units": metric["units"],
                "text": _step_text(metric["metric_name"], metric["units"], value_now, value_needed,
                                   float(metric["score"]), score_target),
            })
        plan = "; ".join(s["text"] for s in steps)
        if trust.rsp:
            plan += (" (in the Recovery Support Programme, so it stays in segment 5 until NHS England decides "
                     "otherwise)")
        row.update(metrics_needed=len(steps), steps=steps, plan=plan)
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)
