"""NHS England's NOF rules, each written once, for pandas and numpy inputs alike.

Two kinds of thing live here:

* the **arithmetic rules** every path shares (the assessment in pandas and the vectorised bootstrap): rounding half up
  to 2 dp, the segment of an average against cut points, the financial override and segment 5;
* the **scoring rules** a metric can have, as values (:class:`Ranked`, :class:`Bands`, :class:`Published`,
  :class:`Combined`). The catalogue (:mod:`oversight.catalogue`) gives each metric one of them, so a framework is
  data: 2026/27 is a second catalogue, not new code.

``tests/test_rules.py`` holds the property tests that the plain and the fast paths agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# ----------------------------------------------------------------------------------------------------------------
# Arithmetic rules

#: Absorbs binary floating-point error when rounding: 2.675 is stored as 2.67499999..., and NHS England's figures
#: (spreadsheet rounding) give 2.68. In units of the last kept digit, so far below any real difference.
_ROUNDING_SLACK = 1e-6

#: The financial override: a trust in deficit is in segment 3 at best [data: all 244 mental health trust-quarters].
OVERRIDE_FLOOR = 3
#: The Recovery Support Programme's segment.
INTENSIVE_SUPPORT = 5


def hundredths(values, out: np.ndarray | None = None, scratch: np.ndarray | None = None) -> np.ndarray:
    """Values rounded half up to 2 dp, as whole hundredths (int64): 2.675 -> 268. With ``out`` and ``scratch`` (an
    int64 and a float64 array of the shape of ``values``, a float array), the same steps in the same order, written
    there (the bootstrap's replicates, a chunk at a time)."""
    if out is None:
        return np.floor(np.asarray(values, float) * 100 + 0.5 + _ROUNDING_SLACK).astype(np.int64)
    scaled = np.multiply(values, 100, out=scratch)
    scaled += 0.5
    scaled += _ROUNDING_SLACK
    np.floor(scaled, out=scaled)
    np.copyto(out, scaled, casting="unsafe")
    return out


def round_half_up(values, decimals: int = 2):
    """Round half up, as spreadsheets and NHS England's published figures do (not banker's rounding).

    Works on scalars, numpy arrays and pandas objects (a Series stays a Series). NaN stays NaN.
    """
    factor = 10.0**decimals
    return np.floor(values * factor + 0.5 + _ROUNDING_SLACK) / factor


def cut_hundredths(cuts) -> np.ndarray:
    """Cut points in hundredths, rounded to 6 dp so that 2.3 * 100 = 229.99999999999997 compares as 230."""
    return np.round(np.asarray(cuts, float) * 100, 6)


def segment_of_hundredths(averages100, cuts) -> np.ndarray:
    """Segment 1 to 4 of 2-dp averages given in whole hundredths (any array shape). An average exactly on a cut point
    takes the better segment (which side NHS England puts it is not published)."""
    return 1 + np.searchsorted(cut_hundredths(cuts), averages100, side="left")


def segment(scores, cuts) -> np.ndarray:
    """Segment 1 to 4 of each average score against ascending cut points ``(c1, c2, c3)``, after rounding the
    average half up to 2 dp (segments are read off the published 2-dp average)."""
    return segment_of_hundredths(hundredths(scores), cuts)


def override(segments, deficit, on: bool = True):
    """The financial override: a trust flagged in deficit is in segment :data:`OVERRIDE_FLOOR` at best."""
    if not on:
        return segments
    return np.where(np.asarray(deficit, bool), np.maximum(segments, OVERRIDE_FLOOR), segments)


def final_segment(segments, rsp):
    """Segment 5 for a trust in the Recovery Support Programme, whatever its score [data: Q1 and Q2 files]."""
    return np.where(np.asarray(rsp, bool), INTENSIVE_SUPPORT, segments)


# ----------------------------------------------------------------------------------------------------------------
# Scoring rules


def _min_rank(values: np.ndarray, tiebreak=None, tiegroup=None) -> np.ndarray:
    """1-based "min" rank of ``values`` (smaller first): equal values share the best rank, except that, among equal
    values in the same ``tiegroup``, a smaller ``tiebreak`` ranks first. The result is the count of values strictly
    better than each, plus one, where "better" is a partial order across tie groups (a file's Rank column orders
    trusts within their own type only)."""
    frame = pd.DataFrame({"v": values})
    rank = frame["v"].rank(method="min").to_numpy()
    if tiebreak is not None:
        frame["g"] = np.zeros(len(values)) if tiegroup is None else np.asarray(tiegroup)
        frame["t"] = np.where(np.isnan(np.asarray(tiebreak, float)), np.inf, np.asarray(tiebreak, float))
        rank = rank + frame.groupby(["v", "g"])["t"].rank(method="min").to_numpy() - 1
    return rank


@dataclass(frozen=True)
class Ranked:
    """Scored by rank among the metric's comparison group: ``1 + 3 (r - 1) / (N - 1)``, ``r`` the "min" rank of the
    raw value (1 best; equal values share the best rank) and ``N`` the providers scored [data, exact].

    With a ``standard``, every provider meeting it scores 1 and the rest are spread over 2 to 4 by rank among
    themselves; with a ``floor``, every provider failing it scores 4 and the rest are spread over 1 to 3 [doc: the
    2025/26 manual; data: the Q1 acute file]. Reaching the standard (or the floor) exactly counts as meeting it
    (A&E 78 %, zero MRSA cases) unless ``strict`` (52-week waits "under 1 %"). ``open`` is non-empty when the rule
    is known not to reproduce NHS England's scores, and says why.
    """

    higher_is_better: bool
    standard: float | None = None
    floor: float | None = None
    strict: bool = False
    open: str = ""

    @property
    def spread(self) -> tuple[float, float]:
        """The score range the ranked (not fixed) providers are spread over."""
        if self.standard is not None:
            return 2.0, 4.0
        if self.floor is not None:
            return 1.0, 3.0
        return 1.0, 4.0

    def _meets(self, values, bound) -> np.ndarray:
        values = np.asarray(values, float)
        if self.strict:
            return values > bound if self.higher_is_better else values < bound
        return values >= bound if self.higher_is_better else values <= bound

    def fixed(self, values) -> np.ndarray:
        """The score fixed by the standard or floor (1 or 4), NaN where the provider is ranked instead."""
        values = np.asarray(values, float)
        out = np.full(values.shape, np.nan)
        if self.standard is not None:
            out[self._meets(values, self.standard)] = 1.0
        if self.floor is not None:
            out[~self._meets(values, self.floor) & ~np.isnan(values)] = 4.0
        return out

    def is_spread(self, published_scores) -> np.ndarray:
        """Which published scores belong to the ranked providers (not fixed at 1 by a standard or 4 by a floor)."""
        s = np.asarray(published_scores, float)
        if self.standard is not None:
            return s > 1.0
        if self.floor is not None:
            return s < 4.0
        return ~np.isnan(s)

    def score(self, values, tiebreak=None, tiegroup=None) -> np.ndarray:
        """Scores of ``values`` ranked among themselves (one comparison group). ``tiebreak`` (smaller is better)
        orders values that are equal as published within the same ``tiegroup``, such as the file's own Rank column
        within a trust type, which NHS England computed on unrounded values. NaN values get NaN."""
        values = np.asarray(values, float)
        out = self.fixed(values)
        ranked = np.isnan(out) & ~np.isnan(values)
        if ranked.any():
            key = values[ranked] if not self.higher_is_better else -values[ranked]
            r = _min_rank(key, None if tiebreak is None else np.asarray(tiebreak, float)[ranked],
                          None if tiegroup is None else np.asarray(tiegroup)[ranked])
            lo, hi = self.spread
            n = int(ranked.sum())
            out[ranked] = lo + (hi - lo) * (r - 1) / (n - 1) if n > 1 else lo
        return out

    def describe(self) -> str:
        direction = "higher is better" if self.higher_is_better else "lower is better"
        if self.standard is not None:
            bound = ("above" if self.higher_is_better else "below") if self.strict else (
                "at least" if self.higher_is_better else "at most")
            text = (f"{direction}; meeting the standard ({bound} {self.standard:g}) scores 1, "
                    "the rest are ranked from 2 to 4")
        elif self.floor is not None:
            text = (f"{direction}; below the floor ({self.floor:g}) scores 4, the rest are ranked from 1 to 3")
        else:
            text = f"{direction}; ranked from 1 (best) to 4"
        return text + (f" (rule not fully known: {self.open})" if self.open else "")


@dataclass(frozen=True)
class Bands:
    """Fixed thresholds of the raw value, no ranking: at or above ``bounds[0]`` scores 1, at or above ``bounds[1]``
    2, at or above ``bounds[2]`` 3, else 4 (planned surplus/deficit and variance to plan, percent of income)
    [data: every trust-quarter of both files]."""

    bounds: tuple[float, float, float]
    higher_is_better: bool = True
    open: str = ""

    def score(self, values, tiebreak=None, tiegroup=None) -> np.ndarray:
        values = np.asarray(values, float)
        first, second, third = self.bounds
        out = np.select([values >= first, values >= second, values >= third], [1.0, 2.0, 3.0], 4.0)
        return np.where(np.isnan(values), np.nan, out)

    def describe(self) -> str:
        a, b, c = self.bounds
        return f"fixed thresholds: 1 at {a:g} or above, 2 at {b:g}, 3 at {c:g}, else 4"


@dataclass(frozen=True)
class Published:
    """A score NHS England publishes without the raw value behind it (CQC ratings and surveys, banded mortality):
    taken as published, never rescored. ``levels`` are the scores it can take."""

    levels: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0)
    note: str = "published as a score only"
    higher_is_better: None = None
    open: str = ""

    def describe(self) -> str:
        return f"{self.note} (scores {', '.join(f'{v:g}' for v in self.levels)})"


@dataclass(frozen=True)
class Combined:
    """A score combined from two others: the combined finance score OF1080 from the planned surplus/deficit score
    (``plan``, OF1079) and the variance to plan score (``variance``, OF1081).

    If the plan scores 1, ``max(1, variance - 1)``; else ``min(variance + 1, max(plan, variance))``: a planned
    deficit worsens the year-to-date score by one step, but never past the plan's own score [data: all 244 mental
    health trust-quarters and all 134 acute trusts; the simpler ``min(4, variance + 1)`` misses 7 acute trusts].
    """

    plan: str
    variance: str
    higher_is_better: None = None
    open: str = ""

    def combine(self, plan, variance):
        plan_a, var_a = np.asarray(plan, float), np.asarray(variance, float)
        out = np.where(plan_a == 1, np.maximum(1.0, var_a - 1), np.minimum(var_a + 1, np.maximum(plan_a, var_a)))
        out = np.where(np.isnan(plan_a) | np.isnan(var_a), np.nan, out)
        return pd.Series(out, index=plan.index) if isinstance(plan, pd.Series) else out

    def describe(self) -> str:
        return (f"combined from {self.plan} and {self.variance}: a planned surplus or breakeven improves the "
                "year-to-date score by a step; a planned deficit worsens it by a step, never past the plan's own")


Rule = Ranked | Bands | Published | Combined
