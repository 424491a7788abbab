"""Hidden problems, segment changes between quarters, and volatility (nof-method.md section 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalogue as cat

HIDDEN_SCORE = 3.5


def hidden_problems(assessment, ranges: pd.DataFrame, quarter: str, *,
                    worst_score: float = HIDDEN_SCORE) -> pd.DataFrame:
    """Trusts in segment 1 or 2 that still struggle somewhere.

    Trusts in segment 1 or 2 after the override and the Recovery Support Programme. A trust is listed when any of
    these holds: a metric scores ``worst_score`` or worse; a domain is in segment 4;
    its likely range of average score reaches into a worse segment. Returns one row per trust listed with
    ``trust_code``, ``trust_name``, ``trust_type``, ``segment``, ``average_score_2dp``, ``weak_metrics`` (text),
    ``weak_domains`` (text), ``range_reaches`` (the worst segment the range reaches, or NA),
    ``p_worse_segment`` (the share of bootstrap replicates in a worse segment) and ``reasons``; trusts with a weak
    metric or domain first, then by ``p_worse_segment``.
    """
    trusts = assessment.trusts[(assessment.trusts["quarter"] == quarter) & (assessment.trusts["final_segment"] <= 2)]
    scores = assessment.scores[(assessment.scores["quarter"] == quarter) & assessment.scores["counted"]]
    weak = scores[scores["score"] >= worst_score - 1e-9]
    labels = pd.Series([f"{n} {v:.2f}" for n, v in zip(weak["metric_name"], weak["score"])], index=weak.index,
                       dtype=object)
    weak_text = labels.groupby(weak["trust_code"]).agg("; ".join)
    d = assessment.domains
    domains = d[(d["quarter"] == quarter) & (d["domain_segment"] == 4)]
    domain_text = domains.groupby("trust_code")["domain"].agg("; ".join)
    quarter_ranges = ranges[ranges["quarter"] == quarter].set_index("trust_code")
    reach = quarter_ranges["segment_hi"]
    out = trusts[["trust_code", "trust_name", "trust_type", "segment", "unadjusted_segment", "average_score_2dp"]]
    out = out.assign(
        weak_metrics=out["trust_code"].map(weak_text.to_dict()).astype(object).fillna(""),
        weak_domains=out["trust_code"].map(domain_text.to_dict()).astype(object).fillna(""),
        range_reaches=out["trust_code"].map(reach),
        p_worse_segment=out["trust_code"].map(quarter_ranges["p_worse_segment"]),
    )
    out["range_reaches"] = out["range_reaches"].where(out["range_reaches"] > out["unadjusted_segment"]).astype("Int64")
    reasons = [
        (f"a metric scoring {worst_score:.1f} or worse", out["weak_metrics"] != ""),
        ("a domain in segment 4", out["weak_domains"] != ""),
        ("likely range reaches a worse segment", out["range_reaches"].notna()),
    ]
    out["reasons"] = [", ".join(text for text, mask in reasons if mask.iloc[i]) for i in range(len(out))]
    out = out[out["reasons"] != ""].drop(columns="unadjusted_segment")
    # Problems in the metrics themselves first, then the likeliest to fall a segment.
    out = out.assign(_firm=(out["weak_metrics"] != "") | (out["weak_domains"] != ""))
    return out.sort_values(["_firm", "p_worse_segment"], ascending=False).drop(columns="_firm").reset_index(drop=True)


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


# ---------------------------------------------------------------------------------------------------------------
# Tables the pages show

RAG_RULE = ("RAG is our rule, not NHS England's (their files have none): Green for a metric score of 1.75 or better "
            "(the best quarter of the 1-4 scale), Red for 3.25 or worse (the worst quarter), Amber between.")


def rag(scores: pd.Series) -> pd.Series:
    """Green / Amber / Red from metric scores (see :data:`RAG_RULE`)."""
    return pd.Series(np.select([scores <= 1.75, scores >= 3.25], ["Green", "Red"], "Amber"), index=scores.index)


def national_average(assessment, quarter: str, trusts=None) -> tuple[float, int]:
    """All counted metric scores of the loaded trusts (only ``trusts``, a list of codes, if given) divided by their
    number, as NHS England computes its national average score; returns (average, number of scores)."""
    s = assessment.scores
    s = s[(s["quarter"] == quarter) & s["counted"]]
    if trusts is not None:
        s = s[s["trust_code"].isin(list(trusts))]
    return (float(s["score"].mean()) if len(s) else float("nan")), len(s)


def segment_counts(trusts: pd.DataFrame) -> pd.DataFrame:
    """Trusts per final segment 1 to 5 (0 where none)."""
    counts = trusts["final_segment"].value_counts().reindex(range(1, 6), fill_value=0)
    return pd.DataFrame({"segment": counts.index, "trusts": counts.to_numpy()})


def metric_table(assessment, quarter: str, trust_type: str, metric_id: str) -> pd.DataFrame:
    """One metric across a peer group (the IMR): value, units, reporting date, score, rank within type, peer
    median and quartiles of the raw value (NHS England's where published, else of the loaded trusts) and RAG."""
    s = assessment.scores
    rows = s[(s["quarter"] == quarter) & (s["trust_type"] == trust_type) & (s["metric_id"] == metric_id)].copy()
    quantiles = rows["value"].quantile([0.25, 0.5, 0.75]) if rows["value"].notna().any() else pd.Series(
        np.nan, index=[0.25, 0.5, 0.75])
    rows["peer_lower_quartile"] = rows["peer_lower_quartile"].fillna(quantiles[0.25])
    rows["peer_median"] = rows["peer_median"].fillna(quantiles[0.5])
    rows["peer_upper_quartile"] = rows["peer_upper_quartile"].fillna(quantiles[0.75])
    rows["rag"] = rag(rows["score"])
    return rows.sort_values(["imr_rank", "trust_name"]).reset_index(drop=True)


def metric_spread(assessment, quarter: str, trust_code: str) -> pd.DataFrame:
    """For a trust's metrics: its value against the peer minimum, quartiles and maximum (raw values within its
    type, or scores where a metric has no raw value), and each placed on a 0-1 axis where 1 is the best peer.

    Columns: ``metric_id``, ``metric_name``, ``domain``, ``units``, ``value``, ``score``, ``rag``, ``peer_min``,
    ``peer_lq``, ``peer_median``, ``peer_uq``, ``peer_max``, ``n_peers``, ``pos_*`` for each of min, lq, median, uq,
    max and value, and ``basis`` ("raw value" or "score").
    """
    s = assessment.scores[(assessment.scores["quarter"] == quarter) & assessment.scores["counted"]]
    own = s[s["trust_code"] == trust_code]
    if own.empty:
        return pd.DataFrame()
    peers = s[s["trust_type"] == own["trust_type"].iloc[0]]
    rows = []
    for metric in own.itertuples():
        group = peers[peers["metric_id"] == metric.metric_id]
        direction = cat.metric(metric.metric_id).higher_is_better
        raw = group["value"].notna().all() and pd.notna(metric.value) and direction is not None
        field = "value" if raw else "score"
        values = group[field]
        higher = direction if raw else False  # scores: lower is better
        stats = {"peer_min": values.min(), "peer_lq": values.quantile(0.25), "peer_median": values.median(),
                 "peer_uq": values.quantile(0.75), "peer_max": values.max()}
        lo, hi = stats["peer_min"], stats["peer_max"]
        span = (hi - lo) or 1.0

        def pos(v, lo=lo, span=span, higher=higher):
            x = (v - lo) / span
            return x if higher else 1 - x

        mine = getattr(metric, field)
        row = {"metric_id": metric.metric_id, "metric_name": metric.metric_name, "domain": metric.domain,
               "units": metric.units if raw else "score", "value": mine, "score": metric.score,
               "n_peers": len(values), "basis": "raw value" if raw else "score", **stats}
        for name in ["min", "lq", "median", "uq", "max"]:
            row[f"pos_{name}"] = pos(stats[f"peer_{name}"])
        row["pos_value"] = pos(mine)
        # Orient every bar from worst (left) to best (right).
        if not higher:
            row["pos_min"], row["pos_max"] = row["pos_max"], row["pos_min"]
            row["pos_lq"], row["pos_uq"] = row["pos_uq"], row["pos_lq"]
        rows.append(row)
    out = pd.DataFrame(rows)
    out["rag"] = rag(out["score"])
    return out.sort_values(["domain", "metric_name"]).reset_index(drop=True)


def trust_caveats(assessment, register: pd.DataFrame, quarter: str, trust_code: str) -> list[str]:
    """NHS England's caveats as they apply to one trust: reporting dates, mergers or closures recorded in the ODS
    trust list, the financial override and the Recovery Support Programme, few metrics."""
    notes = []
    s = assessment.scores
    own = s[(s["quarter"] == quarter) & (s["trust_code"] == trust_code) & s["counted"]]
    dates = sorted(d for d in own["reporting_date"].unique() if d)
    if len(dates) > 1:
        notes.append(f"Its metrics cover different periods ({'; '.join(dates)}): compare like with like.")
    entry = register[register["ods_code"] == trust_code]
    if len(entry) and pd.notna(entry["close_date"].iloc[0]):
        notes.append(f"The ODS trust list records this trust closing on {entry['close_date'].iloc[0]:%d %B %Y}, "
                     "usually a merger: later figures belong to the successor organisation.")
    t = assessment.trusts
    row = t[(t["quarter"] == quarter) & (t["trust_code"] == trust_code)]
    if len(row):
        r = row.iloc[0]
        if r["deficit"] and r["segment"] != r["unadjusted_segment"]:
            notes.append(f"In financial deficit: the override moves it from segment {r['unadjusted_segment']} to "
                         f"{r['segment']}.")
        if r["rsp"]:
            notes.append("In the Recovery Support Programme: segment 5 whatever its score.")
        if pd.notna(r["n_metrics"]) and r["n_metrics"] <= 7:
            notes.append(f"Scored on only {r['n_metrics']} metrics, so one metric moves its average a lot "
                         "(its likely range is wide).")
    return notes


def volatility(assessment, ranges: pd.DataFrame) -> pd.DataFrame:
    """Each trust's segment and rank in every quarter, with each change since the quarter before marked as inside or
    outside that quarter's likely ranges.

    One row per trust and quarter: the assessment columns, the likely ranges, ``change`` (text such as "segment 3 to
    2; rank 40 to 22, outside its likely range"), ``score_outside_range``, ``rank_outside_range``, ``cell_label``
    ("2 · #22") and ``sort_rank`` (the trust's rank in the latest quarter, to order a grid).
    """
    changes = segment_changes(assessment, ranges)
    keys = ["quarter", "trust_code"]
    out = assessment.trusts.merge(ranges, on=keys, how="left").merge(
        changes[keys + ["segment_before", "rank_before", "reason", "score_outside_range", "rank_outside_range"]],
        on=keys, how="left")
    moved_segment = out["segment_before"].notna() & (out["segment_before"] != out["final_segment"])
    moved_rank = out["rank_before"].notna() & (out["rank_before"] != out["rank"])
    outside = out["rank_outside_range"].fillna(False).astype(bool)
    text = []
    for seg, rank, ms, mr, seg0, rank0, out_range, reason in zip(
            out["final_segment"], out["rank"], moved_segment, moved_rank, out["segment_before"], out["rank_before"],
            outside, out["reason"].fillna("")):
        parts = []
        if ms:
            parts.append(f"segment {seg0:.0f} to {seg}" + (f" ({reason})" if reason else ""))
        if mr:
            parts.append(f"rank {rank0:.0f} to {rank}, {'outside' if out_range else 'inside'} its likely range")
        text.append("; ".join(parts))
    out["change"] = text
    out["cell_label"] = [f"{s} · #{r}" for s, r in zip(out["final_segment"], out["rank"])]
    latest = cat.quarter_order(out["quarter"].unique())[-1]
    last_rank = out[out["quarter"] == latest].set_index("trust_code")["rank"]
    out["sort_rank"] = out["trust_code"].map(last_rank).fillna(10**6)
    return out
