"""The AMR league table of one quarter, with likely ranges and what moving up takes: one function for the app and
the command line.

Whose likely ranges: where NHS England published a league table for the quarter (their ``Likely_range_of_...``
columns), theirs are shown and labelled as theirs, and the engine's own estimate sits beside them; elsewhere the
engine's estimate is the range, labelled as ours with its method. Under any other method than NHS England's (a
what-if, an edit) their ranges no longer apply, so only ours are given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .formats import range_texts

THEIRS = "NHS England (published league table)"
OURS = "ours: percentile bootstrap of the trust's metric scores"


BOUNDS = ["score_lo", "score_hi", "rank_lo", "rank_hi"]


def published_ranges(assessment, quarter: str) -> pd.DataFrame:
    """NHS England's published likely ranges of ``quarter`` that still apply (:data:`BOUNDS`, indexed by trust
    code; none under another method or after edits), for the trusts that have all four bounds."""
    published = assessment.published
    if published is None or not assessment.nhs_englands_method:
        return pd.DataFrame(columns=BOUNDS, dtype=float)
    rows = published[published["quarter"] == quarter].set_index("trust_code")[BOUNDS].astype(float)
    return rows[rows.notna().all(axis=1)]


def bootstrap_ranges(assessment, quarter: str, trust_type: str | None = None, **bootstrap) -> pd.DataFrame:
    """The likely ranges our bootstrap must add to a league table of ``quarter`` (one ``trust_type``, if given): none
    when NHS England's published ranges cover every trust it prints (:func:`league_table` shows theirs), else
    :func:`oversight.likely_ranges` of the quarter (``bootstrap``: its replicates and seed). The command line's rule,
    so that it never draws thousands of replicates only to print NHS England's ranges instead."""
    from .uncertainty import RANGE_COLUMNS, likely_ranges

    printed = assessment.trusts[assessment.trusts["quarter"] == quarter]
    if trust_type:
        printed = printed[printed["trust_type"] == trust_type]
    if printed["trust_code"].isin(published_ranges(assessment, quarter).index).all():
        return pd.DataFrame(columns=RANGE_COLUMNS)
    return likely_ranges(assessment, [quarter], **bootstrap)


def league_table(assessment, quarter: str, ranges: pd.DataFrame, *, plan: bool = True,
                 steps: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every trust of ``quarter`` (each type ranked within itself) with its likely ranges and, if ``plan``, what
    moving up a segment would take.

    Parameters
    ----------
    assessment : :class:`oversight.Assessment`
    quarter : the quarter's label.
    ranges : the engine's likely ranges (:func:`oversight.likely_ranges`) for the quarter.
    steps : the quarter's :func:`oversight.improvement_plan`, if the caller has it already (worked out here if not).

    Returns
    -------
    The assessment columns, then ``score_lo``, ``score_hi``, ``rank_lo``, ``rank_hi`` (NHS England's where
    published, else ours), ``range_source`` (whose, in full) and ``range_by`` (whose, in two words),
    ``ours_score_lo`` ... ``ours_rank_hi`` and ``range_method`` (the engine's estimate and how it was made),
    ``score_range``/``rank_range`` and ``ours_score_range``/``ours_rank_range`` as text, ``segment_lo``/
    ``segment_hi``, ``p_worse_segment``, and with ``plan`` the improvement columns
    (:func:`oversight.improvement_plan`) and ``to_move_up`` (the plan, or why there is none).
    """
    table = assessment.quarter(quarter)
    ours = ranges[ranges["quarter"] == quarter].drop(columns="quarter").rename(
        columns={c: f"ours_{c}" for c in ["score_lo", "score_hi", "rank_lo", "rank_hi"]})
    table = table.merge(ours, on="trust_code", how="left")
    theirs = published_ranges(assessment, quarter).reindex(table["trust_code"])
    have = theirs.notna().all(axis=1).to_numpy()
    for b in BOUNDS:
        table[b] = np.where(have, theirs[b].to_numpy(), table[f"ours_{b}"].to_numpy(float))
    table["range_source"] = np.where(have, THEIRS, OURS)
    table["range_by"] = np.where(have, "NHS England", "our estimate")
    text = {"score_range": ("score_lo", "score_hi", 2), "rank_range": ("rank_lo", "rank_hi", 0)}
    for name, (lo, hi, decimals) in text.items():
        table[name] = range_texts(table[lo], table[hi], decimals)
        table[f"ours_{name}"] = range_texts(table[f"ours_{lo}"], table[f"ours_{hi}"], decimals)
    if not plan:
        return table
    if steps is None:
        from .improvement import improvement_plan  # imported here: the command line asks for no plan

        steps = improvement_plan(assessment, quarter)
    table = table.merge(steps.drop(columns=["segment", "steps"]), on="trust_code", how="left")
    return table.assign(to_move_up=table["plan"].where(table["plan"] != "", table["blocked"]))
