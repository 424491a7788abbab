"""Two league tables side by side: who moved, and how far the two agree."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .ranking import amr_rank


@dataclass(frozen=True)
class Agreement:
    """How far two league tables of the same trusts agree."""

    trusts: int  # in both tables
    same_segment: int
    segment_changes: int
    rank_changes: int
    kendall_tau: float  # tau-b of the two rankings (1 = same order)
    weighted_kappa: float  # Cohen's kappa of the segments, linear weights (1 = same segments)
    only_before: int = 0  # trusts in the first table only (left out of the comparison)
    only_after: int = 0  # trusts in the second table only

    def describe(self) -> str:
        if self.trusts < 2:
            return f"Only {self.trusts} trust is in both tables, too few to compare."
        text = (f"{self.same_segment} of {self.trusts} trusts keep their segment; {self.rank_changes} change rank. "
                f"Kendall's tau-b of the ranks {self.kendall_tau:.3f}; weighted kappa of the segments "
                f"{self.weighted_kappa:.3f} (1 means identical).")
        if self.only_before or self.only_after:
            text += (f" Not compared: {self.only_before} trusts only in the first table, {self.only_after} only in "
                     "the second.")
        return text


def compare_tables(base: pd.DataFrame, other: pd.DataFrame) -> tuple[pd.DataFrame, Agreement]:
    """Match two assessments' rows of one quarter on trust and trust type; list every trust and what changed.

    Both frames need ``trust_code``, ``trust_name``, ``trust_type``, ``segment``, ``final_segment``, ``rank`` and
    ``average_score_2dp``. ``score_change`` is the fall in average score (positive = better, like the others).
    Ranks are compared among the trusts in both tables (re-ranked there with the league-table
    rule), so a table of six uploaded trusts is compared with those six in the official table, not with their places
    among sixty-one. Returns the movers table (``segment_change`` and ``rank_change`` positive = better in ``other``)
    sorted by the size of the move, and the :class:`Agreement`.
    """
    from scipy.stats import kendalltau
    from statsmodels.stats.inter_rater import cohens_kappa

    cols = ["quarter", "trust_code", "trust_name", "trust_type", "segment", "final_segment", "average_score_2dp"]
    common = set(base["trust_code"]) & set(other["trust_code"])
    only_before = len(set(base["trust_code"]) - common)
    only_after = len(set(other["trust_code"]) - common)
    base, other = (t[t["trust_code"].isin(common)][cols].assign(quarter="") for t in (base, other))
    base, other = (t.assign(rank=amr_rank(t)).drop(columns=["quarter", "segment"]) for t in (base, other))
    merged = base.merge(other.drop(columns=["trust_name"]), on=["trust_code", "trust_type"],
                        suffixes=("_before", "_after"))
    merged["segment_change"] = merged["final_segment_before"] - merged["final_segment_after"]
    merged["rank_change"] = merged["rank_before"] - merged["rank_after"]
    # Like segments and places, a positive change is better: a fall in average score.
    merged["score_change"] = (merged["average_score_2dp_before"] - merged["average_score_2dp_after"]).round(2)
    merged = merged.assign(_size=(merged["segment_change"].abs() * 1000 + merged["rank_change"].abs()))
    merged = merged.sort_values(["_size", "rank_after"], ascending=[False, True]).drop(columns="_size")
    taus = []
    for _, group in merged.groupby("trust_type"):
        if len(group) > 1:
            tau = kendalltau(group["rank_before"], group["rank_after"]).statistic
            taus.append((tau if np.isfinite(tau) else 1.0, len(group)))
    tau = float(np.average([t for t, _ in taus], weights=[n for _, n in taus])) if taus else float("nan")
    table = pd.crosstab(merged["final_segment_before"], merged["final_segment_after"]).reindex(
        index=range(1, 6), columns=range(1, 6), fill_value=0)
    counts = table.to_numpy()
    if len(merged) < 2:
        kappa = float("nan")
    elif counts.diagonal().sum() == counts.sum():
        kappa = 1.0
    else:
        with np.errstate(invalid="ignore", divide="ignore"):  # a degenerate table (all one segment) gives NaN
            kappa = float(cohens_kappa(counts, wt="linear").kappa)
    agreement = Agreement(len(merged), int((merged["segment_change"] == 0).sum()),
                          int((merged["segment_change"] != 0).sum()), int((merged["rank_change"] != 0).sum()),
                          tau, kappa, only_before, only_after)
    return merged.reset_index(drop=True), agreement
