"""Banding rules: how an average score becomes a segment 1 to 4 (nof-method.md section 1, step 3).

A rule is a value passed into the engine. Each one gives cut points ``(c1, c2, c3)`` per quarter (or, for domain
segments, per quarter and domain); a trust whose average score (to 2 dp) is at or below ``c1`` is in segment 1, at or
below ``c2`` in segment 2, and so on (:func:`oversight.rules.segment`: the side a score exactly on a cut point falls is
not published; the engine keeps it in the better segment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .rules import segment

Cuts = tuple[float, float, float]
#: The columns a set of cut points applies to: one quarter (the average score) or one quarter and domain.
BY_QUARTER = ("quarter",)
BY_DOMAIN = ("quarter", "domain")


def _key(group_key):
    """A groupby key as the banding's dictionaries hold it: the quarter alone, or a (quarter, domain) tuple."""
    return group_key[0] if isinstance(group_key, tuple) and len(group_key) == 1 else group_key


def _keys_of(frame: pd.DataFrame, by) -> list:
    return [_key(k) for k in frame[list(by)].drop_duplicates().itertuples(index=False, name=None)]


@dataclass(frozen=True)
class FixedCuts:
    """The same cut points in every quarter: the 2026/27 method of fixed thresholds, or any cut points a user sets."""

    cuts: Cuts
    label: str = "fixed thresholds"

    def cuts_for(self, averages: pd.DataFrame, by=BY_QUARTER, score: str = "average_score_2dp") -> dict:
        return {k: np.asarray(self.cuts, float) for k in _keys_of(averages, by)}

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

    def cuts_for(self, averages: pd.DataFrame, by=BY_QUARTER, score: str = "average_score_2dp") -> dict:
        return {_key(k): np.quantile(g[score], [0.25, 0.5, 0.75], method=self.method)
                for k, g in averages.groupby(list(by))}

    @property
    def description(self) -> str:
        return self.label


@dataclass(frozen=True)
class QuarterCuts:
    """Cut points given quarter by quarter, such as those bracketed from NHS England's published segments.

    A quarter without its own cut points falls back to ``fallback``.
    """

    by_quarter: tuple[tuple, ...]  # ((quarter or (quarter, domain), (c1, c2, c3)), ...)
    label: str = "NHS England's own segment boundaries, read from the segments they published"
    fallback: PooledQuartiles = PooledQuartiles()

    def cuts_for(self, averages: pd.DataFrame, by=BY_QUARTER, score: str = "average_score_2dp") -> dict:
        known = dict(self.by_quarter)
        keys = _keys_of(averages, by)
        index = pd.MultiIndex.from_frame(averages[list(by)]) if len(by) > 1 else averages[by[0]]
        out = self.fallback.cuts_for(averages[~index.isin(list(known))], by, score)
        out.update({k: np.asarray(known[k], float) for k in keys if k in known})
        return out

    @property
    def description(self) -> str:
        return self.label



Banding = FixedCuts | PooledQuartiles | QuarterCuts


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


def published_cuts(published: pd.DataFrame, by=BY_QUARTER, score: str = "average_score",
                   segments: str = "unadjusted_segment", label: str | None = None) -> QuarterCuts | None:
    """Cut points bracketed from published (2-dp score, segment) pairs, per quarter (``by``; or per quarter and
    domain for domain segments).

    ``published`` has one row per trust and quarter (and domain) with the ``score`` and ``segments`` columns;
    rows without both are left out. Returns None when no group has any.
    """
    known = published.dropna(subset=[score, segments])
    if known.empty:
        return None
    pairs = tuple((_key(k if isinstance(k, tuple) else (k,)), bracket_cuts(g[score], g[segments])[0])
                  for k, g in known.groupby(list(by)))
    return QuarterCuts(pairs, **({"label": label} if label else {}))
