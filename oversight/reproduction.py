"""How many of NHS England's published numbers the engine reproduces from their own files, and why each miss misses.

NHS England's data files carry the results they computed beside the inputs: domain scores (OF40xx), domain segments
(OF41xx), the adjusted, unadjusted and final segments and the average score (OF5000, OF5003, OF5005, OF5002); their
league tables carry likely ranges. :func:`reproduce` removes every such row, scores what is left with the cut points
bracketed from the published segments, and compares. The tests pin its misses in a golden file
(``tests/golden/reproduction_misses.csv``), and the app's method page shows it live for whatever files are loaded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .io import Dataset

#: NHS England's results in a data file: what the engine must compute, never read, when it is tested.
SUMMARY_ROWS = r"^OF(40\d\d|41\d\d|5000|5002|5003|5005)$"

MISS_COLUMNS = ["what", "trust_type", "quarter", "trust_code", "trust_name", "domain", "published", "ours", "reason"]
WHAT = {
    "average_score": "average score (2 dp)",
    "unadjusted_segment": "segment before the override",
    "segment": "segment after the override",
    "final_segment": "final segment (5 for the Recovery Support Programme)",
    "rank": "league rank",
    "domain_score": "domain score (2 dp)",
    "domain_segment": "domain segment",
    "score_range": "likely range of average score",
    "rank_range": "likely range of rank",
}


def strip_summary(dataset: Dataset) -> Dataset:
    """The dataset without any number NHS England computed from the others, and without league tables (the flags
    OF5004 and OF5007 stay: they are inputs)."""
    metrics = dataset.metrics
    return dataclasses.replace(dataset, metrics=metrics[~metrics["metric_id"].str.match(SUMMARY_ROWS)],
                               league=dataset.league.iloc[0:0])


@dataclass(frozen=True)
class Reproduction:
    """``summary``: per published figure, trust type and quarter, how many NHS England published (``published``)
    and how many the engine reproduces exactly (``exact``), and within 0.01 (``within_001``, scores and ranges
    only). ``misses``: one row per figure not reproduced exactly (:data:`MISS_COLUMNS`), with its reason."""

    summary: pd.DataFrame
    misses: pd.DataFrame

    def by_type(self) -> pd.DataFrame:
        """``summary`` added up over quarters, per figure and trust type: ``quarter`` lists the quarters ("Q1, Q2"),
        ``share`` is the share reproduced exactly; ``within_001`` stays empty for figures it does not apply to."""
        groups = self.summary.groupby(["what", "trust_type"], sort=False)
        out = groups.agg(quarter=("quarter", lambda q: ", ".join(x.split()[0] for x in q)),
                         published=("published", "sum"), exact=("exact", "sum"),
                         within_001=("within_001", lambda w: w.sum() if w.notna().any() else np.nan)).reset_index()
        return out.assign(share=out["exact"] / out["published"])


def _still_rounded(scores: pd.DataFrame) -> pd.Series:
    """Score rows the engine uses at their published 2 dp although NHS England averaged an unrounded value: ranked
    scores whose grid could not be recovered (a rule still open, or a comparison group whose grid 2-dp rounding
    hides). Scores fixed by a standard or floor, banded and finance scores are whole numbers, exact as published."""
    published = scores["score_source"] == "published"
    whole = (scores["score"] * 1.0).round(6).mod(1) == 0
    return published & ~whole & scores["value"].notna()


def _reachable(scores: pd.DataFrame, keys: list[str], published: pd.Series, kept: frozenset) -> pd.Series:
    """For each group (trust and quarter, or trust, quarter and domain): could the published 2-dp figure come from
    the engine's scores if each still-rounded score were anywhere within its 2-dp rounding?"""
    slack = _still_rounded(scores) & ~scores["metric_id"].isin(kept)
    w = scores["weight"]
    frame = pd.DataFrame({"wx": w * scores["score"], "w": w, "wslack": w * 0.005 * slack})
    sums = frame.groupby([scores[k] for k in keys]).sum()
    mean, spread = sums["wx"] / sums["w"], sums["wslack"] / sums["w"]
    pub = published.reindex(sums.index)
    return ((mean - spread < pub + 0.005) & (mean + spread >= pub - 0.005)).reindex(published.index)


def _words(names) -> str:
    names = sorted(set(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _metric_names(scores: pd.DataFrame, keys: list[str], framework) -> pd.Series:
    """Per group, the metrics whose scores are still at 2 dp (leaving out those NHS England averaged at 2 dp)."""
    rounded = scores[_still_rounded(scores) & ~framework.averaged_as_published_rows(scores)]
    return rounded.groupby([rounded[k] for k in keys])["metric_name"].agg(_words)


def reproduce(dataset: Dataset, *, ranges: pd.DataFrame | None = None) -> Reproduction:
    """Recompute NHS England's published results in ``dataset`` from its inputs alone and compare.

    Parameters
    ----------
    dataset : files as read (data files and, optionally, league tables).
    ranges : the engine's likely ranges (:func:`oversight.likely_ranges`, on the whole dataset) to compare with the
        league tables'; left out when None.
    """
    from .model import Method, assess, default_banding, default_domain_banding, published_summary

    published = published_summary(dataset).set_index(["quarter", "trust_code"])
    method = Method(banding=default_banding(dataset), domain_banding=default_domain_banding(dataset))
    result = assess(strip_summary(dataset), method)
    trusts = result.trusts.set_index(["quarter", "trust_code"])
    flat = trusts.join(published.add_suffix("_published"), how="inner").reset_index()
    kept = {q: method.framework.averaged_as_published(q) for q in flat["quarter"].unique()}
    rows, misses = [], []

    def record(what, frame, exact, published_col, ours_col, reason, within=None):
        """Count a figure per trust type and quarter, and keep a row for every miss with its reason."""
        for (quarter, trust_type), part in frame.groupby(["quarter", "trust_type"]):
            row = {"what": WHAT[what], "trust_type": trust_type, "quarter": quarter, "published": len(part),
                   "exact": int(exact[part.index].sum())}
            if within is not None:
                row["within_001"] = int(within[part.index].sum())
            rows.append(row)
        for r in frame[~exact].to_dict("records"):
            misses.append({"what": WHAT[what], "trust_type": r["trust_type"], "quarter": r["quarter"],
                           "trust_code": r["trust_code"], "trust_name": r["trust_name"], "domain": r.get("domain", ""),
                           "published": r[published_col], "ours": r[ours_col], "reason": reason(r)})

    def explained_by_rounding(keys, frame, published_col):
        """Which figures a still-rounded score could explain, and the names of those scores."""
        names = _metric_names(result.scores, keys, method.framework)
        reach = {}
        for quarter, exempt in kept.items():
            part = result.scores[result.scores["quarter"] == quarter]
            target = frame[frame["quarter"] == quarter].set_index(keys)[published_col]
            reach.update(_reachable(part, keys, target, exempt).to_dict())

        def reason(r):
            key = tuple(r[k] for k in keys)
            if not reach.get(key):
                return "not explained"
            which = names.get(key, "")
            plural = " and " in which
            return (f"{which} {'scores are' if plural else 'score is'} published to 2 dp and the unrounded "
                    f"{'values' if plural else 'value'} cannot be recovered; within that rounding NHS England's "
                    "figure is reached")
        return reason

    # Averages, segments, ranks
    flat = flat[flat["average_score_published"].notna()]
    diff = (flat["average_score_2dp"] - flat["average_score_published"]).abs().round(2)
    record("average_score", flat, diff == 0, "average_score_published", "average_score_2dp",
           explained_by_rounding(["quarter", "trust_code"], flat, "average_score_published"), diff <= 0.01)
    wrong_average = set(zip(flat.loc[diff > 0, "quarter"], flat.loc[diff > 0, "trust_code"]))

    def segment_reason(r):
        return ("follows its average score, which differs by 0.01" if (r["quarter"], r["trust_code"]) in
                wrong_average else "not explained")

    for what in ["unadjusted_segment", "segment", "final_segment"]:
        part = flat[flat[f"{what}_published"].notna()]
        record(what, part, part[what] == part[f"{what}_published"], f"{what}_published", what, segment_reason)

    near_ties = {}  # per quarter, the trusts whose average differs, named once (at most five, then a count)
    for quarter, code in sorted(wrong_average):
        near_ties.setdefault(quarter, []).append(code)
    near_ties = {q: ", ".join(c[:5]) + (f" and {len(c) - 5:,} more" if len(c) > 5 else "")
                 for q, c in near_ties.items()}

    def rank_reason(r):
        same = near_ties.get(r["quarter"])
        return (f"a near tie: an average score in its table differs by 0.01 ({same})" if same else "not explained")

    record("rank", flat, flat["rank"] == flat["rank_published"], "rank_published", "rank", rank_reason)

    # Domain scores and domain segments
    keys = ["quarter", "trust_code", "domain"]
    m = dataset.metrics
    domain_rows = m[m["metric_id"].str.match(r"^OF4[01]\d{2}$")]
    if len(domain_rows):
        kind = np.where(domain_rows["metric_id"].str.startswith("OF40"), "score_published", "segment_published")
        pub = domain_rows.assign(kind=kind).drop_duplicates(keys + ["kind"]).pivot(
            index=keys, columns="kind", values="value").reindex(columns=["score_published", "segment_published"])
        dom = result.domains.set_index(keys).join(pub, how="inner")
        dom = dom.join(trusts[["trust_type", "trust_name"]], on=["quarter", "trust_code"]).reset_index()
        dom = dom[dom["score_published"].notna()]
        ddiff = (dom["domain_score_2dp"] - dom["score_published"]).abs().round(2)
        record("domain_score", dom, ddiff == 0, "score_published", "domain_score_2dp",
               explained_by_rounding(keys, dom, "score_published"), ddiff <= 0.01)
        wrong_domain = set(zip(*(dom.loc[ddiff > 0, k] for k in keys)))

        def domain_segment_reason(r):
            return ("follows its domain score, which differs by 0.01"
                    if tuple(r[k] for k in keys) in wrong_domain else "not explained")

        part = dom[dom["segment_published"].notna()]
        record("domain_segment", part, part["domain_segment"] == part["segment_published"], "segment_published",
               "domain_segment", domain_segment_reason)

    # Likely ranges, where a league table published them
    theirs = published.dropna(subset=["score_lo", "rank_lo"])
    if ranges is not None and len(theirs):
        ours = ranges.set_index(["quarter", "trust_code"])[["score_lo", "score_hi", "rank_lo", "rank_hi"]]
        both = theirs[["trust_type", "trust_name", "score_lo", "score_hi", "rank_lo", "rank_hi"]].join(
            ours.add_suffix("_ours"), how="inner")
        both = both.join(trusts[["n_metrics"]]).reset_index()
        for what, lo, hi, decimals, close in [("score_range", "score_lo", "score_hi", 2, 0.01),
                                             ("rank_range", "rank_lo", "rank_hi", 0, 1)]:
            err = np.maximum((both[lo] - both[f"{lo}_ours"]).abs(), (both[hi] - both[f"{hi}_ours"]).abs()).round(2)
            text = both.assign(
                p=[f"{a:.{decimals}f} to {b:.{decimals}f}" for a, b in zip(both[lo], both[hi])],
                o=[f"{a:.{decimals}f} to {b:.{decimals}f}" for a, b in zip(both[f"{lo}_ours"], both[f"{hi}_ours"])])
            record(what, text, err == 0, "p", "o", lambda r: (
                f"bootstrap of {r['n_metrics']} scores: a percentile on a jump of a lumpy distribution lands a step "
                "away (NHS England's replicates and seed are not published)"), err <= close)

    summary = pd.DataFrame(rows).reindex(columns=["what", "trust_type", "quarter", "published", "exact",
                                                  "within_001"])
    miss_frame = pd.DataFrame(misses, columns=MISS_COLUMNS)
    miss_frame["domain"] = miss_frame["domain"].fillna("")
    return Reproduction(summary, miss_frame.sort_values(["what", "quarter", "trust_type", "trust_code", "domain"],
                                                        kind="stable").reset_index(drop=True))


__all__ = ["MISS_COLUMNS", "Reproduction", "SUMMARY_ROWS", "reproduce", "strip_summary"]
