"""Checks that loaded data agrees with itself before the engine ranks it.

NHS England's files carry both the raw value and the score of every ranked metric. An upload that changes a raw
value but not its score (or the other way round) would be ranked on the old score without a word: these checks find
such rows so the app can say so and offer to rescore.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalogue as cat
from . import rules

_MAX_PAIRWISE = 2_000  # the order check compares every pair: far above the 205 trusts of a real comparison group
STALE_COLUMNS = ["quarter", "trust_code", "trust_name", "metric_id", "metric_name", "value", "score", "why"]


def _near(values: np.ndarray, bounds) -> np.ndarray:
    """Values within 2-dp rounding of a bound: published rounded, they could lie on either side of it."""
    near = np.zeros(len(values), dtype=bool)
    for b in bounds:
        near |= np.abs(values - b) <= 0.005 + 1e-9
    return near


def _culprits(clash: np.ndarray) -> np.ndarray:
    """The fewest rows whose scores must be wrong for the out-of-order pairs to disappear (greedily: the row in the
    most pairs, again and again), so one edited row is named alone rather than with every peer it passed."""
    clash = clash | clash.T
    suspect = np.zeros(len(clash), dtype=bool)
    counts = clash.sum(axis=1)
    while counts.max(initial=0) > 0:
        worst = int(np.argmax(counts))
        suspect[worst] = True
        clash[worst, :] = clash[:, worst] = False
        counts = clash.sum(axis=1)
    return suspect


def stale_scores(scores: pd.DataFrame, framework: cat.Framework = cat.FRAMEWORK) -> pd.DataFrame:
    """Rows whose published score disagrees with their raw value under the metric's rule.

    A raw value that meets a standard must score 1 and one that misses it must not; one that fails a floor must
    score 4; a banded value must score its band; and within a comparison group a strictly better raw value can
    never have a strictly worse score than another trust's (scores are ranks of values). A value within 2-dp
    rounding of a bound could lie on either side and is not judged against it. Rescored or edited scores are not
    checked (they were made from the values). Metrics whose rule is still open are checked only against their
    standard, and groups of more than 2,000 providers only against their bounds. Returns :data:`STALE_COLUMNS`,
    one row per suspect score (both trusts of an out-of-order pair).
    """
    from .scoring import comparison_groups

    s = scores[(scores["score_source"].str.startswith("published")) & scores["value"].notna()
               & scores["score_published"].notna()]
    out = []
    groups = comparison_groups(s, framework)
    for (_quarter, metric_id, label), rows in s.groupby([s["quarter"], s["metric_id"], groups]):
        rule = framework.metric(metric_id).rule
        published = rows["score_published"].to_numpy(float)
        values = rows["value"].to_numpy(float)
        why = np.full(len(rows), "", dtype=object)
        if isinstance(rule, rules.Bands):
            banded = rule.score(values)
            why[(banded != published) & ~_near(values, rule.bounds)] = ("its raw value falls in another band than "
                                                                         "its score")
        elif isinstance(rule, rules.Ranked) and label != "other":
            fixed = rule.fixed(values)
            fixed[_near(values, [b for b in (rule.standard, rule.floor) if b is not None])] = np.nan
            if rule.standard is not None:
                misses = ~_near(values, [rule.standard]) & ~(rule.fixed(values) == 1)
                why[(fixed == 1) & (published != 1)] = "its raw value meets the standard but it does not score 1"
                why[misses & (published == 1)] = "it scores 1 but its raw value misses the standard"
            if rule.floor is not None:
                why[(fixed == 4) & (published != 4)] = "its raw value fails the floor but it does not score 4"
            if not rule.open and len(rows) <= _MAX_PAIRWISE:
                key = values if rule.higher_is_better is False else -values
                better = key[:, None] < key[None, :]  # row i's value strictly better than row j's
                worse_score = published[:, None] > published[None, :] + 1e-9
                suspect = _culprits(better & worse_score)
                why[(why == "") & suspect] = ("out of order: its raw value and its score put it in different "
                                              "places among its peers")
        bad = why != ""
        if bad.any():
            out.append(rows[bad].assign(score=rows.loc[bad, "score_published"], why=why[bad]))
    if not out:
        return pd.DataFrame(columns=STALE_COLUMNS)
    return pd.concat(out)[STALE_COLUMNS].reset_index(drop=True)
