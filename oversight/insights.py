"""Hidden problems, segment changes between quarters, and volatility (nof-method.md section 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalogue as cat

HIDDEN_SCORE = 3.5


def hidden_problems(assessment, ranges: pd.DataFrame, quarter: str, *, worst_score: float = HIDDEN_SCORE) -> pd.DataFrame:
    """Trusts in segment 1 or 2 that still struggle somewhere.

    A trust is listed when any of these holds: a metric scores ``worst_score`` or worse; a domain is in segment 4;
    its likely range of average score reaches into a worse segment. Returns one row per trust listed with
    ``trust_code``, ``trust_name``, ``trust_type``, ``segment``, ``average_score_2dp``, ``weak_metrics`` (text),
    ``weak_domains`` (text), ``range_reaches`` (the worst segment the range reaches, or NA) and ``reasons``.
    """
    trusts = assessment.trusts[(assessment.trusts["quarter"] == quarter) & (assessment.trusts["segment"] <= 2)]
    scores = assessment.scores[(assessment.scores["quarter"] == quarter) & assessment.scores["counted"]]
    weak = scores[scores["score"] >= worst_score - 1e-9]
    weak_text = weak.groupby("trust_code").apply(
        lambda g: "; ".join(f"{r.metric_name} {r.score:.2f}" for r in g.itertuples()), include_groups=False)
    domains = assessment.domains[(assessment.domains["quarter"] == quarter) & (assessment.domains["domain_segment"] == 4)]
    domain_text = domains.groupby("trust_code")["domain"].agg("; ".join)
    reach = ranges[ranges["quarter"] == quarter].set_index("trust_code")["segment_hi"]
    out = trusts[["trust_code", "trust_name", "trust_type", "segment", "unadjusted_segment", "average_score_2dp"]]
    out = out.assign(
        weak_metrics=out["trust_code"].map(weak_text).fillna(""),
        weak_domains=out["trust_code"].map(domain_text).fillna(""),
        range_reaches=out["trust_code"].map(reach),
    )
    out["range_reaches"] = out["range_reaches"].where(out["range_reaches"] > out["unadjusted_segment"]).astype("Int64")
    reasons = [
        ("a metric scoring %.1f or worse" % worst_score, out["weak_metrics"] != ""),
        ("a domain in segment 4", out["weak_domains"] != ""),
        ("likely range reaches a worse segment", out["range_reaches"].notna()),
    ]
    out["reasons"] = [", ".join(text for text, mask in reasons if mask.iloc[i]) for i in range(len(out))]
    return out[out["reasons"] != ""].drop(columns="unadjusted_segment").reset_index(drop=True)


def segment_changes(assessment, ranges: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every trust's change between consecutive quarters, and why.

    One row per trust and quarter after its first: ``quarter``, ``previous_quarter``, ``trust_code``,
    ``trust_name``, ``trust_type``, ``segment_before``/``segment_after`` (final segments, 5 for the Recovery Support
    Programme), ``rank_before``/``rank_after``, ``score_before``/``score_after`` (2 dp), ``changed`` (segment),
    ``reason`` and, when ``ranges`` is given, ``score_outside_range`` and ``rank_outside_range``: whether the new
    average and rank fall outside the previous quarter's likely ranges (a change inside them is within the noise
    of the trust's own uneven scores).
    """
    t = assessment.trusts
    order = {q: i for i, q in enumerate(cat.quarter_order(t["quarter"]))}
    t = t.assign(_i=t["quarter"].map(order))
    before = t.assign(_i=t["_i"] + 1)
    cols = ["trust_code", "_i"]
    pair = t.merge(before, on=cols, suffixes=("", "_before"))
    if ranges is not None:
        prev_ranges = ranges.rename(columns={"quarter": "quarter_before"})
        pair = pair.merge(prev_ranges[["quarter_before", "trust_code", "score_lo", "score_hi", "rank_lo", "rank_hi"]],
                          on=["quarter_before", "trust_code"], how="left")
    reason = np.select(
        [pair["rsp"] & ~pair["rsp_before"], ~pair["rsp"] & pair["rsp_before"],
         pair["deficit"] & ~pair["deficit_before"] & (pair["segment"] != pair["unadjusted_segment"]),
         ~pair["deficit"] & pair["deficit_before"] & (pair["segment_before"] != pair["unadjusted_segment_before"]),
         pair["unadjusted_segment"] != pair["unadjusted_segment_before"]],
        ["entered the Recovery Support Programme", "left the Recovery Support Programme",
         "financial override on (in deficit)", "financial override off (out of deficit)", "average score changed"],
        "",
    )
    out = pd.DataFrame({
        "quarter": pair["quarter"],
        "previous_quarter": pair["quarter_before"],
        "trust_code": pair["trust_code"],
        "trust_name": pair["trust_name"],
        "trust_type": pair["trust_type"],
        "segment_before": pair["final_segment_before"],
        "segment_after": pair["final_segment"],
        "rank_before": pair["rank_before"],
        "rank_after": pair["rank"],
        "score_before": pair["average_score_2dp_before"],
        "score_after": pair["average_score_2dp"],
    })
    out["changed"] = out["segment_before"] != out["segment_after"]
    out["reason"] = np.where(out["changed"], reason, "")
    if ranges is not None:
        out["score_outside_range"] = ~pair["average_score_2dp"].between(pair["score_lo"], pair["score_hi"]) & \
            pair["score_lo"].notna()
        out["rank_outside_range"] = ~pair["rank"].between(pair["rank_lo"], pair["rank_hi"]) & pair["rank_lo"].notna()
    return out.sort_values(["quarter", "trust_type", "rank_after"]).reset_index(drop=True)
