"""Hidden problems, segment changes between quarters, and volatility (nof-method.md section 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalogue as cat
from .formats import place_text, value_text
from .scoring import score_weights

HIDDEN_SCORE = 3.5  # a score this bad is the worst sixth of its comparison group (1 + 3 x 5/6)
WORST_SHARE = 0.2  # ... and it must also be among the worst fifth of the trust's own type on that metric
STRONG_SHARE = 0.25  # the top quarter of a table "looks strong" whatever its segment

HIDDEN_RULE = (
    "A trust looks strong when it is in segment 1 or 2, or in the top quarter of its table. It has a hidden problem "
    f"when one of its metrics scores {HIDDEN_SCORE} or worse (the worst sixth of the providers NHS England ranks it "
    f"among) and is also in the worst fifth of its own trust type, or when one of its domains is in segment 4. It "
    "holds a fragile position when it has no hidden problem but its likely range of average score reaches a worse "
    "segment. This rule is ours; NHS England publishes none.")


def weak_metrics(assessment, quarter: str) -> pd.DataFrame:
    """Every metric, in ``quarter``, that is among the worst of the trust's peers (:data:`HIDDEN_RULE`): one row per
    trust and metric with ``metric_name``, ``value``, ``units``, ``score``, ``imr_rank``, ``peers`` (trusts of its
    type with that metric) and ``text`` ('Sickness absence 7.49 %, 52nd of 61')."""
    s = assessment.scores
    s = s[(s["quarter"] == quarter) & s["counted"]]
    peers = s.groupby(["trust_type", "metric_id"])["trust_code"].transform("count")
    weak = s[(s["score"] >= HIDDEN_SCORE - 1e-9) & (s["imr_rank"] > (1 - WORST_SHARE) * peers)]
    weak = weak.assign(peers=peers[weak.index])
    text = [f"{name} {value_text(v, u, sc)}, {place_text(r, n)}" for name, v, u, sc, r, n in
            zip(weak["metric_name"], weak["value"], weak["units"], weak["score"], weak["imr_rank"], weak["peers"])]
    return weak.assign(text=text)[["trust_code", "metric_id", "metric_name", "domain", "value", "units", "score",
                                   "imr_rank", "peers", "text"]]


def hidden_problems(assessment, ranges: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """Trusts that look strong but struggle somewhere, and those whose strong position is fragile (:data:`HIDDEN_RULE`).

    Returns one row per trust listed: ``trust_code``, ``trust_name``, ``trust_type``, ``rank``, ``final_segment``,
    ``average_score_2dp``, ``kind`` ("hidden problem" or "fragile position"), ``problem`` (in words and in the
    metric's own units, with its place among its peers: 'Sickness absence 7.49 %, 52nd of 61; People and workforce
    in segment 4'), ``n_problems``, ``worst_score``, ``range_reaches`` (the worse segment its likely range reaches,
    or NA) and ``p_worse_segment``. Hidden problems come first, the most severe first (worst score, then most
    problems); then fragile positions, likeliest to fall first.
    """
    t = assessment.trusts
    t = t[t["quarter"] == quarter]
    strong = t[looks_strong(t)]
    weak = weak_metrics(assessment, quarter)
    weak = weak[weak["trust_code"].isin(strong["trust_code"])].sort_values(["score", "imr_rank"], ascending=False)
    d = assessment.domains
    domains = d[(d["quarter"] == quarter) & (d["domain_segment"] == 4) & d["trust_code"].isin(strong["trust_code"])]
    words = pd.concat([weak[["trust_code", "text"]],
                       domains.assign(text=domains["domain"] + " in segment 4")[["trust_code", "text"]]])
    problem = words.groupby("trust_code", sort=False)["text"].agg("; ".join)
    count = words.groupby("trust_code")["text"].size()
    quarter_ranges = ranges[ranges["quarter"] == quarter].set_index("trust_code")
    out = strong[["trust_code", "trust_name", "trust_type", "rank", "final_segment", "unadjusted_segment",
                  "average_score_2dp"]].copy()
    out["problem"] = out["trust_code"].map(problem).astype(object).fillna("")
    out["n_problems"] = out["trust_code"].map(count).fillna(0).astype(int)
    out["worst_score"] = out["trust_code"].map(weak.groupby("trust_code")["score"].max())
    reach = out["trust_code"].map(quarter_ranges.get("segment_hi", pd.Series(dtype=float)))
    out["range_reaches"] = reach.where(reach > out["unadjusted_segment"]).astype("Int64")
    out["p_worse_segment"] = out["trust_code"].map(quarter_ranges.get("p_worse_segment", pd.Series(dtype=float)))
    out["kind"] = np.where(out["n_problems"] > 0, "hidden problem",
                           np.where(out["range_reaches"].notna(), "fragile position", ""))
    fragile = out["kind"] == "fragile position"
    out.loc[fragile, "problem"] = ["likely range of average score reaches segment " + str(r) for r in
                                   out.loc[fragile, "range_reaches"]]
    out = out[out["kind"] != ""].drop(columns="unadjusted_segment")
    out = out.assign(_order=np.where(out["kind"] == "hidden problem", 0, 1))
    out = out.sort_values(["_order", "worst_score", "n_problems", "p_worse_segment"],
                          ascending=[True, False, False, False], na_position="last")
    return out.drop(columns="_order").reset_index(drop=True)


def looks_strong(trusts: pd.DataFrame) -> pd.Series:
    """Which trusts of one quarter look strong: segment 1 or 2, or the top quarter of their own type's table."""
    size = trusts.groupby("trust_type")["trust_code"].transform("count")
    return (trusts["final_segment"] <= 2) | (trusts["rank"] <= STRONG_SHARE * size)


def hidden_problems_headline(hidden: pd.DataFrame, assessment, quarter: str, trust_type: str,
                             codes=None) -> str:
    """The count in words: '18 of the 30 mental health and community trusts that look strong ... have a hidden
    problem ... 9 more hold a fragile position.' ``codes``: only these trusts are counted (a region, say), each still
    judged against its whole table; ``hidden`` is the list shown."""
    t = assessment.trusts
    t = t[t["quarter"] == quarter]
    t = t[looks_strong(t) & (t["trust_type"] == trust_type)]
    strong = int(len(t) if codes is None else t["trust_code"].isin(set(codes)).sum())
    mine = hidden[hidden["trust_type"] == trust_type]
    n_hidden = int((mine["kind"] == "hidden problem").sum())
    n_fragile = int((mine["kind"] == "fragile position").sum())
    kind = trust_type.lower() + ("s" if strong != 1 else "")
    return (f"{n_hidden} of the {strong} {kind} that look strong (segment 1 or 2, or the top quarter of the table) "
            f"in {quarter} {'has' if n_hidden == 1 else 'have'} a hidden problem: a metric among the worst of "
            f"their peers, or a domain in segment 4. {n_fragile} more hold{'s' if n_fragile == 1 else ''} a fragile "
            "position: nothing that bad, but a likely range reaching a worse segment.")


def segment_changes(assessment, ranges: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every trust's change between consecutive quarters, and why.

    One row per trust and quarter after its first: ``quarter``, ``previous_quarter``, ``trust_code``,
    ``trust_name``, ``trust_type``, ``segment_before``/``segment_after`` (final segments, 5 for the Recovery Support
    Programme), ``rank_before``/``rank_after``, ``score_before``/``score_after`` (2 dp), ``changed`` (segment),
    ``drivers`` (the metrics that moved the average most, :func:`change_drivers`), ``reason`` (the Recovery Support
    Programme, the financial override, or the average score and what drove it), ``by_score`` (the segment changed
    with the average score, not by the override or the programme) and, when ``ranges`` is given,
    ``score_outside_range`` and ``rank_outside_range``: whether the new average and rank fall outside the previous
    quarter's likely ranges (a change inside them is within the noise of the trust's own uneven scores).
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
    drivers = change_drivers(assessment)
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
    out["drivers"] = [drivers.get((q, c), "") for q, c in zip(out["quarter"], out["trust_code"])]
    by_score = reason == "average score changed"
    out["by_score"] = out["changed"] & by_score
    out["reason"] = np.where(out["changed"], np.where(
        by_score, [f"average score {a:.2f} to {b:.2f}" + (f": {d}" if d else "") for a, b, d in
                   zip(out["score_before"], out["score_after"], out["drivers"])], reason), "")
    if ranges is not None:
        out["score_outside_range"] = ~pair["average_score_2dp"].between(pair["score_lo"], pair["score_hi"]) & \
            pair["score_lo"].notna()
        out["rank_outside_range"] = ~pair["rank"].between(pair["rank_lo"], pair["rank_hi"]) & pair["rank_lo"].notna()
    return out.sort_values(["quarter", "trust_type", "rank_after"]).reset_index(drop=True)


def change_drivers(assessment, top: int = 2) -> dict:
    """What moved each trust's average score since its previous quarter: the metrics whose weighted scores changed
    the average most in the direction it moved, in words ('Sickness absence 2.10 to 3.40 (+0.12)').

    A metric's part in the average is its weight times its score over the trust's total weight, so the parts of
    one quarter sum to its average and the changes in the parts sum to the change in the average (a metric new or
    gone counts from or to nothing). Returns ``{(quarter, trust_code): text}``.
    """
    s = assessment.scores
    w = score_weights(s, dict(assessment.method.domain_weights))
    s = s.assign(w=w)[w > 0]
    if s.empty:
        return {}
    part = s["w"] * s["score"] / s.groupby(["quarter", "trust_code"])["w"].transform("sum")
    s = s.assign(part=part)
    order = {q: i for i, q in enumerate(cat.quarter_order(s["quarter"].unique()))}
    s = s.assign(_i=s["quarter"].map(order).astype(int))
    keys = ["trust_code", "metric_id", "_i"]
    prev = s[keys + ["part", "score"]].assign(_i=s["_i"] + 1)
    both = s[keys + ["quarter", "metric_name", "part", "score"]].merge(prev, on=keys, how="outer",
                                                                     suffixes=("", "_before"))
    later = both["_i"].isin(order.values())
    both = both[later & both["_i"].gt(0)]
    quarters = {i: q for q, i in order.items()}
    both["quarter"] = both["_i"].map(quarters)
    both["delta"] = both["part"].fillna(0) - both["part_before"].fillna(0)
    both = both[both.groupby(["quarter", "trust_code"])["part"].transform("count") > 0]  # the trust is scored now
    total = both.groupby(["quarter", "trust_code"])["delta"].transform("sum")
    both = both[np.sign(both["delta"]) == np.sign(total)].assign(size=both["delta"].abs())
    both = both[both["size"] >= 0.005]  # moves below half a hundredth are not drivers
    names = s.drop_duplicates("metric_id").set_index("metric_id")["metric_name"]
    out = {}
    for key, rows in both.sort_values("size", ascending=False).groupby(["quarter", "trust_code"], sort=False):
        words = []
        for r in rows.head(top).itertuples():
            before = "not scored" if pd.isna(r.score_before) else f"{r.score_before:.2f}"
            after = "not scored" if pd.isna(r.score) else f"{r.score:.2f}"
            words.append(f"{names.get(r.metric_id, r.metric_id)} {before} to {after} ({r.delta:+.2f})")
        out[key] = "; ".join(words)
    return out


def changes_headline(changes: pd.DataFrame, quarter: str, trust_type: str) -> str:
    """The volatility finding in a sentence: how many segment changes into ``quarter`` lie inside the previous
    quarter's likely range of average score (within the noise of the trusts' own uneven scores)."""
    rows = changes[(changes["quarter"] == quarter) & (changes["trust_type"] == trust_type) & changes["changed"]]
    if rows.empty:
        return f"No {trust_type.lower()} changed segment between the previous quarter and {quarter}."
    by_score = rows[rows["by_score"]]
    inside = int((~by_score["score_outside_range"].astype(bool)).sum()) if "score_outside_range" in rows else None
    other = len(rows) - len(by_score)
    text = (f"{len(rows)} {trust_type.lower()}{'s' if len(rows) != 1 else ''} changed segment into {quarter}"
            + (f" ({other} by the financial override or the Recovery Support Programme)" if other else "") + ".")
    if inside is not None and len(by_score):
        text += (f" Of the {len(by_score)} moved by their average score, {inside} stayed inside the previous "
                 "quarter's likely range of average score: within the noise of the trust's own uneven scores. "
                 "NHS England calls a change significant only past a threshold it has not published; this test "
                 "(outside last quarter's likely range) is ours.")
    return text


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
        direction = assessment.method.framework.metric(metric.metric_id).higher_is_better
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


def domain_table(assessment, quarter: str) -> pd.DataFrame:
    """Every trust's domain segments in one table: one row per trust of ``quarter`` with its rank, final segment and
    one column per domain holding its domain segment (NA where the trust has no score in that domain)."""
    d = assessment.domains
    d = d[d["quarter"] == quarter]
    wide = d.pivot(index="trust_code", columns="domain", values="domain_segment")
    wide = wide.reindex(columns=[x for x in cat.DOMAINS if x in wide.columns]).astype("Int64")
    t = assessment.trusts
    t = t[t["quarter"] == quarter][["quarter", "trust_code", "trust_name", "trust_type", "trust_subtype", "region",
                                    "rank", "final_segment"]]
    return t.merge(wide.reset_index(), on="trust_code", how="left").sort_values(["trust_type", "rank"]).reset_index(
        drop=True)


def metric_trend(assessment, metric_id: str, trust_type: str) -> pd.DataFrame:
    """One metric across quarters for every trust of a type: ``quarter``, ``trust_code``, ``trust_name``,
    ``value``, ``units``, ``score``, ``imr_rank`` and the type's median raw value that quarter (``peer_median``,
    NHS England's where published)."""
    s = assessment.scores
    rows = s[(s["metric_id"] == metric_id) & (s["trust_type"] == trust_type)]
    median = rows.groupby("quarter")["value"].transform("median")
    out = rows.assign(peer_median=rows["peer_median"].fillna(median))
    order = {q: i for i, q in enumerate(cat.quarter_order(out["quarter"].unique()))}
    out = out.assign(_o=out["quarter"].map(order)).sort_values(["_o", "imr_rank"]).drop(columns="_o")
    return out[["quarter", "trust_code", "trust_name", "value", "units", "score", "imr_rank", "peer_median"]
               ].reset_index(drop=True)


def compare_trusts(assessment, league: pd.DataFrame, quarter: str, trust_codes) -> pd.DataFrame:
    """Two to five trusts side by side: one row per metric (and the summary rows first), one column per trust,
    each cell the value in its own units with its place among peers ('7.49 %, 52nd of 61'). ``league`` is the
    quarter's :func:`oversight.league_table`, whose likely ranges (NHS England's where published) are shown with
    whose they are."""
    codes = list(dict.fromkeys(trust_codes))
    t = assessment.trusts
    t = t[(t["quarter"] == quarter) & t["trust_code"].isin(codes)].set_index("trust_code").reindex(codes)
    r = league.set_index("trust_code").reindex(codes)
    size = assessment.trusts[assessment.trusts["quarter"] == quarter].groupby("trust_type")["trust_code"].count()
    head = {
        "Rank": [f"{int(k)} of {size.get(ty, 0)}" if pd.notna(k) else "" for k, ty in zip(t["rank"], t["trust_type"])],
        "Segment": [f"{int(x)}" if pd.notna(x) else "" for x in t["final_segment"]],
        "Average score": [f"{x:.2f}" if pd.notna(x) else "" for x in t["average_score_2dp"]],
        "Likely range of average score": [f"{x} ({by})" if x else "" for x, by in zip(r["score_range"].fillna(""),
                                                                                     r["range_by"])],
        "Likely range of rank": [f"{x} ({by})" if x else "" for x, by in zip(r["rank_range"].fillna(""),
                                                                             r["range_by"])],
    }
    rows = [{"Metric": k, "Domain": "", **dict(zip(codes, v))} for k, v in head.items()]
    s = assessment.scores
    s = s[(s["quarter"] == quarter) & s["counted"]]
    peers = s.groupby(["trust_type", "metric_id"])["trust_code"].transform("count")
    s = s.assign(peers=peers)[s["trust_code"].isin(codes)]
    s = s.assign(text=[f"{value_text(v, u, sc)}, {place_text(rk, n)}" for v, u, sc, rk, n in
                       zip(s["value"], s["units"], s["score"], s["imr_rank"], s["peers"])])
    grid = s.pivot_table(index=["domain", "metric_name"], columns="trust_code", values="text", aggfunc="first")
    grid = grid.reindex(columns=codes)
    for (domain, name), cells in grid.iterrows():
        rows.append({"Metric": name, "Domain": domain, **{c: cells[c] if pd.notna(cells[c]) else "" for c in codes}})
    names = dict(zip(codes, t["trust_name"].fillna("")))
    return pd.DataFrame(rows).rename(columns=names)


SOURCES = {
    "doc": "NHS England, NHS Oversight Framework 2025/26 methodology manual and technical metric specification",
    "data": "checked against NHS England's own published files (docs/method.md)",
}


CATALOGUE_COLUMNS = ["metric_id", "metric_name", "domain", "definition", "units", "rule", "compared_with", "weight",
                     "rule_known", "reporting_period", "source"]


def metric_catalogue(assessment) -> pd.DataFrame:
    """Each loaded metric as the framework's catalogue describes it: ``metric_id``, ``metric_name``, ``domain``,
    ``definition``, ``units``, ``rule`` (in words), ``compared_with`` (its comparison group, in words), ``weight`` in
    the average, ``rule_known`` (False where rescoring it is an approximation), ``reporting_period`` (as the loaded
    files give it; several where trusts' periods differ) and ``source``."""
    framework = assessment.method.framework
    s = assessment.scores
    periods = s[s["reporting_date"] != ""].groupby("metric_id")["reporting_date"].agg(
        lambda d: "; ".join(sorted(set(d))[:4]) + (" ..." if d.nunique() > 4 else ""))
    rows = []
    for metric_id in sorted(s["metric_id"].unique()):
        m = framework.metric(metric_id)
        rows.append({
            "metric_id": metric_id, "metric_name": m.short, "domain": m.domain, "definition": m.definition,
            "units": m.units, "rule": m.rule.describe(),
            "compared_with": cat.comparison_group_text(metric_id, framework),
            "weight": m.weight, "rule_known": not m.open, "reporting_period": periods.get(metric_id, ""),
            "source": SOURCES["doc"] + "; " + SOURCES["data"] if metric_id in framework else
            "not in the catalogue: taken as the file gives it"})
    return pd.DataFrame(rows, columns=CATALOGUE_COLUMNS)
