"""What each page shows, worked out once per view: the tables, figures and sentences a page draws from the engine's
results, cached (:func:`ui.data.cached`) by the view's filters and the assessment's content.

A page asks here for its content and then only draws it, so a filter change to a view someone has seen already
costs the page its drawing and nothing else (before, every rerun filtered, merged and counted the same tables
again: most of a page's rerun). Everything here is plain pandas on the engine's results; nothing draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import oversight as nof
from oversight import insights

from . import data
from .state import View


@dataclass(frozen=True)
class Overview:
    """The overview page: ``table`` (the view's trusts in league order), its ``top`` ten and ``bottom`` five,
    ``counts`` (trusts per segment) and the chart's ``counts_text``, the national ``average`` of ``n_scores`` metric
    scores, the headline of the hidden problems and fragile positions and the ``worst`` eight hidden problems
    (name, rank, problem), and the segment ``changes`` since the ``previous`` quarter, ``moved`` (who changed, with
    whether the new score is inside the previous quarter's likely range) and their headline."""

    table: pd.DataFrame
    top: pd.DataFrame
    bottom: pd.DataFrame
    counts: pd.DataFrame
    counts_text: str
    average: float
    n_scores: int
    hidden_headline: str
    worst: list[tuple]
    previous: str | None
    changes: pd.DataFrame
    moved: pd.DataFrame
    changes_headline: str


OVERVIEW_COLUMNS = ["rank", "trust_name", "final_segment", "average_score_2dp", "deficit"]


@data.cached()
def overview(view: View, result: nof.Assessment) -> Overview:
    table = view.table(result.trusts)
    previous = view.previous_quarter
    changes = view.table(data.changes(view.key, view.method, view.quarter, previous, result))
    average, n_scores = insights.national_average(result, view.quarter, table["trust_code"])
    hidden = view.table(data.hidden_problems(view.key, view.method, view.quarter, result).assign(
        quarter=view.quarter))
    moved = changes[changes["changed"]]
    if len(moved):
        moved = moved.assign(noise=np.where(moved["by_score"], moved["score_outside_range"].map(
            {True: "outside", False: "inside"}), "not by score"))
    counts = insights.segment_counts(table)
    worst = hidden[hidden["kind"] == "hidden problem"].head(8)
    return Overview(
        table=table, top=table.head(10)[OVERVIEW_COLUMNS], bottom=table.tail(5)[OVERVIEW_COLUMNS], counts=counts,
        counts_text=", ".join(f"segment {r.segment}: {r.trusts}" for r in counts.itertuples()),
        average=average, n_scores=n_scores,
        hidden_headline=nof.hidden_problems_headline(hidden, result, view.quarter, view.trust_type,
                                                     table["trust_code"]),
        worst=list(worst[["trust_name", "rank", "problem"]].itertuples(index=False, name=None)),
        previous=previous, changes=changes, moved=moved,
        changes_headline=nof.changes_headline(changes, view.quarter, view.trust_type) if len(moved) else "")


@dataclass(frozen=True)
class Profile:
    """The trust profile page for ``trust`` among this view's ``trusts`` (the highlighted trust, or the top of the
    table when none is highlighted or it is not in this view: then ``top_of_table`` is True): ``me`` (its row this quarter, with
    likely ranges; None when it has no figures this quarter), ``peers`` (trusts of its type this quarter), ``league``
    (its league-table row), ``problem`` (its hidden problem or fragile position: verdict and what, or None),
    ``caveats``, ``spread`` (each metric against its peers) and ``weakest``, ``domains`` and their ``domains_text``,
    ``history`` (every quarter, with likely ranges) and its ``history_text``, ``step`` (what moving up would take)
    and ``range_method``."""

    trusts: pd.DataFrame
    trust: str | None
    top_of_table: bool
    top_name: str | None
    me: pd.Series | None
    peers: int
    league: pd.Series | None
    problem: tuple[str, str] | None
    caveats: list[str]
    spread: pd.DataFrame
    weakest: pd.Series | None
    domains: pd.DataFrame
    domains_text: str
    history: pd.DataFrame
    history_text: str
    step: pd.Series | None
    range_method: str


HISTORY_COLUMNS = ["quarter", "rank", "rank_lo", "rank_hi", "final_segment", "average_score_2dp", "score_lo",
                   "score_hi"]


@data.cached(shared_entries=256)  # a trust and a quarter each
def profile(view: View, result: nof.Assessment) -> Profile:
    shown = view.table(result.trusts)
    empty = pd.DataFrame()
    if shown.empty:
        return Profile(shown, None, False, None, None, 0, None, None, [], empty, None, empty, "", empty, "", None, "")
    top = shown.iloc[0]
    trust = view.trust if view.trust in set(shown["trust_code"]) else top["trust_code"]
    history = result.trusts[result.trusts["trust_code"] == trust]
    ranges = data.ranges(view.key, view.method, tuple(history["quarter"]), result)  # the quarters the history shows
    history = history.merge(ranges, on=["quarter", "trust_code"])
    now = history[history["quarter"] == view.quarter]
    base = dict(trusts=shown, trust=trust, top_of_table=trust != view.trust, top_name=top["trust_name"],
                range_method=ranges["range_method"].iloc[0] if len(ranges) else "")
    if now.empty:
        return Profile(**base, me=None, peers=0, league=None, problem=None, caveats=[], spread=empty, weakest=None,
                       domains=empty, domains_text="", history=empty, history_text="", step=None)
    me = now.iloc[0]
    peers = int(((result.trusts["quarter"] == view.quarter) & (result.trusts["trust_type"] == view.trust_type)).sum())
    league = data.league(view.key, view.method, view.quarter, result).set_index("trust_code").loc[trust]
    hidden = data.hidden_problems(view.key, view.method, view.quarter, result)
    mine = hidden[hidden["trust_code"] == trust]
    problem = None if mine.empty else (
        "Strong overall, struggling somewhere" if mine.iloc[0]["kind"] == "hidden problem" else "A fragile position",
        mine.iloc[0]["problem"])
    spread = data.metric_spread(view.key, view.method, view.quarter, trust, result)
    domains = result.domains[(result.domains["quarter"] == view.quarter) & (result.domains["trust_code"] == trust)]
    domains = domains.assign(domain_segment_label="segment " + domains["domain_segment"].astype(str))
    history = history[HISTORY_COLUMNS]
    plan = data.improvement(view.key, view.method, view.quarter, result)
    return Profile(
        **base, me=me, peers=peers, league=league, problem=problem,
        caveats=insights.trust_caveats(result, data.trust_register(), view.quarter, trust),
        spread=spread, weakest=None if spread.empty else spread.sort_values("score", ascending=False).iloc[0],
        domains=domains, domains_text="; ".join(f"{d.domain} {d.domain_score_2dp:.2f} (segment {d.domain_segment})"
                                                for d in domains.itertuples()),
        history=history, history_text="; ".join(f"{r.quarter} rank {r.rank} (segment {r.final_segment})"
                                                 for r in history.itertuples()),
        step=plan[plan["trust_code"] == trust].iloc[0])
