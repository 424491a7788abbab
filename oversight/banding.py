"""Banding rules: how an average score becomes a segment 1 to 4 (nof-method.md section 1, step 3).

A rule is a value passed into the engine. Each one gives cut points ``(c1, c2, c3)`` per quarter; a trust whose
average score (to 2 dp) is at or below ``c1`` is in segment 1, at or below ``c2`` in segment 2, and so on (the side a
score exactly on a cut point falls is not published; this one keeps it in the better segment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

Cuts = tuple[float, float, float]


@dataclass(frozen=True)
class FixedCuts:
    """The same cut points in every quarter: the 2026/27 method of fixed thresholds, or any cut points a user sets."""

    cuts: Cuts
    label: str = "fixed thresholds"

    def cuts_for(self, averages: pd.DataFrame) -> dict[str, np.ndarray]:
        return {q: np.asarray(self.cuts, float) for q in averages["quarter"].unique()}

    @property
    def description(self) -> str:
        return f"{self.label}: {' / '.join(f'{c:g}' for c in self.cuts)}"


@dataclass(frozen=True)
class PooledQuartiles:
    """Quartiles of the loaded trusts' 2-dp average scores, pooled across trust types, recomputed each quarter.

    This is NHS England's 2025/26 rule ("averaged and quartiled") when all about 205 trusts are loaded; with one
    trust type loaded it gives that type's own quartiles, which differ from the national ones. ``method`` is numpy's
    quantile method (which one NHS England uses is not published).
    """

    method: str = "linear"
    label: str = "quartiles of the loaded trusts' average scores"

    def cuts_for(self, averages: pd.DataFrame) -> dict[str, np.ndarray]:
        return {q: np.quantile(g["average_score_2dp"], [0.25, 0.5, 0.75], method=self.method)
                for q, g in averages.groupby("quarter")}

    @property
    def description(self) -> str:
        return self.label


@dataclass(frozen=True)
class QuarterCuts:
    """Cut points given quarter by quarter, such as those bracketed from NHS England's published segments.

    A quarter without its own cut points falls back to ``fallback``.
    """

    by_quarter: tuple[tuple[str, Cuts], ...]
    label: str = "cut points bracketed from NHS England's published segments"
    fallback: PooledQuartiles = PooledQuartiles()

    def cuts_for(self, averages: pd.DataFrame) -> dict[str, np.ndarray]:
        known = dict(self.by_quarter)
        out = self.fallback.cuts_for(averages[~averages["quarter"].isin(known)])
        out.update({q: np.asarray(known[q], float) for q in averages["quarter"].unique() if q in known})
        return out

    @property
    def description(self) -> str:
        return self.label



Banding = FixedCuts | PooledQuartiles | QuarterCuts


def segment(scores, cuts) -> np.ndarray:
    """Segment 1 to 4 of each score against ascending cut points (a score on a cut point takes the better side)."""
    return 1 + np.searchsorted(np.asarray(cuts, float), np.asarray(scores, float), side="left")


def bracket_cuts(averages: pd.Series, segments: pd.Series) -> tuple[Cuts, int]:
    """Cut points consistent with published (average, unadjusted segment) pairs of one quarter.

    Each cut point is the midpoint between the highest average in the better segments and the lowest in the worse
    ones. If the published pairs overlap (they never do in NHS England's 2025/26 files), the cut that misplaces the
    fewest trusts is taken. Returns the cuts and the number of trusts they misplace.
    """
    avg = np.asarray(averages, float)
    seg = np.asarray(segments, float)
    cuts = []
    for k in (1, 2, 3):
        better, worse = avg[seg <= k], avg[seg > k]
        if len(better) and len(worse) and better.max() < worse.min():
            cuts.append((better.max() + worse.min()) / 2)
        elif len(better) and len(worse):
            candidates = np.unique(np.concatenate([better, worse])) + 0.005
            wrong = [(better > c).sum() + (worse <= c).sum() for c in candidates]
            cuts.append(float(candidates[int(np.argmin(wrong))]))
        else:  # an empty side: put the cut just beyond the scores there are
            cuts.append(better.max() + 0.005 if len(better) else worse.min() - 0.005)
    cuts = np.maximum.accumulate(cuts)
    misplaced = int((segment(avg, cuts) != seg).sum())
    return (float(cuts[0]), float(cuts[1]), float(cuts[2])), misplaced


def published_cuts(published: pd.DataFrame) -> QuarterCuts | None:
    """Cut points per quarter bracketed from published unadjusted segments and 2-dp average scores.

    ``published`` has one row per trust and quarter with ``average_score`` and ``unadjusted_segment`` (trusts
    without a known unadjusted segment are left out). Returns None when no quarter has any.
    """
    known = published.dropna(subset=["average_score", "unadjusted_segment"])
    if known.empty:
        return None
    pairs = tuple((q, bracket_cuts(g["average_score"], g["unadjusted_segment"])[0])
                  for q, g in known.groupby("quarter"))
    return QuarterCuts(pairs)
