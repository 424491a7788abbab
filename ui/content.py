"""What each page shows, worked out once per view: the tables, figures and sentences a page draws from the engine's
results, cached (:func:`ui.data.cached`) by the view's filters and the assessment's content.

A page asks here for its content and then only draws it, so a filter change to a view someone has seen already
costs the page its drawing and nothing else (before, every rerun filtered, merged and counted the same tables
again: most of a page's rerun). Everything here is plain pandas on the engine's results; nothing draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    hidden = view.table(data.hidden_problems(view.key, view.method, view.quarter, result))
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
    """The trust profile page for ``trust`` among this view's ``trusts`` (the highlighted trust, or the top of the table
    when none is highlighted or it is not in this view: then ``top_of_table`` is True): ``me`` (its row this quarter,
    with likely ranges; None when it has no figures this quarter), ``peers`` (trusts of its type this quarter),
    ``league`` (its league-table row), ``problem`` (its hidden problem or fragile position: verdict and what, or None),
    ``caveats``, ``spread`` (each metric against its peers, for the chart; ``spread_table`` for its table) and
    ``weakest``, ``domains`` and their ``domains_text``,
    ``history`` (every quarter, with likely ranges) and its ``history_text``, ``step`` (what moving up would take)
    with its ``steps`` as a table, and ``range_method``."""

    trusts: pd.DataFrame
    trust: str | None = None
    top_of_table: bool = False
    top_name: str | None = None
    me: pd.Series | None = None
    peers: int = 0
    league: pd.Series | None = None
    problem: tuple[str, str] | None = None
    caveats: list[str] = field(default_factory=list)
    spread: pd.DataFrame = field(default_factory=pd.DataFrame)
    spread_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    weakest: pd.Series | None = None
    domains: pd.DataFrame = field(default_factory=pd.DataFrame)
    domains_text: str = ""
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    history_text: str = ""
    step: pd.Series | None = None
    steps: pd.DataFrame = field(default_factory=pd.DataFrame)
    range_method: str = ""


HISTORY_COLUMNS = ["quarter", "rank", "rank_lo", "rank_hi", "final_segment", "average_score_2dp", "score_lo",
                   "score_hi"]


@data.cached(shared_entries=256)  # a trust and a quarter each
def profile(view: View, result: nof.Assessment) -> Profile:
    shown = view.table(result.trusts)
    if shown.empty:
        return Profile(shown)
    top = shown.iloc[0]
    trust = view.trust if view.trust in set(shown["trust_code"]) else top["trust_code"]
    history = result.trusts[result.trusts["trust_code"] == trust]
    ranges = data.ranges(view.key, view.method, tuple(history["quarter"]), result)  # the quarters the history shows
    history = history.merge(ranges, on=["quarter", "trust_code"])
    now = history[history["quarter"] == view.quarter]
    base = dict(trusts=shown, trust=trust, top_of_table=trust != view.trust, top_name=top["trust_name"],
                range_method=ranges["range_method"].iloc[0] if len(ranges) else "")
    if now.empty:
        return Profile(**base)
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
    step = plan[plan["trust_code"] == trust].iloc[0]
    return Profile(
        **base, me=me, peers=peers, league=league, problem=problem,
        caveats=insights.trust_caveats(result, data.trust_register(), view.quarter, trust),
        spread=spread, spread_table=spread.drop(columns=[c for c in spread if c.startswith("pos_")]),
        weakest=None if spread.empty else spread.sort_values("score", ascending=False).iloc[0],
        domains=domains, domains_text="; ".join(f"{d.domain} {d.domain_score_2dp:.2f} (segment {d.domain_segment})"
                                                for d in domains.itertuples()),
        history=history, history_text="; ".join(f"{r.quarter} rank {r.rank} (segment {r.final_segment})"
                                                 for r in history.itertuples()),
        step=step, steps=pd.DataFrame() if step["blocked"] else steps_frame(step["steps"]))


def steps_frame(steps: list[dict]) -> pd.DataFrame:
    """An improvement plan's steps as a readable table."""
    frame = pd.DataFrame(steps)  # the words carry the values and their units
    return pd.DataFrame({"Metric": frame["metric_name"], "Score now": frame["score_now"].map("{:.2f}".format),
                         "Score needed": frame["score_target"].map("{:.2f}".format), "In words": frame["text"]})


@dataclass(frozen=True)
class Confidence:
    """The confidence and volatility page: ``table`` (the view's trusts with their likely ranges), ``crossing``
    (how many ranges reach into a worse segment), ``range_method``; ``hidden`` (hidden problems and fragile
    positions) and its headline; ``grid`` (segment and rank in every quarter, for the chart), ``grid_trusts``,
    ``outside`` (rank changes outside the previous quarter's likely range) and ``moves`` (every change)."""

    table: pd.DataFrame
    crossing: int
    range_method: str
    hidden: pd.DataFrame
    hidden_headline: str
    grid: pd.DataFrame
    grid_trusts: int
    outside: int
    moves: pd.DataFrame


SCORE_RANGE_COLUMNS = ["trust_name", "trust_code", "average_score_2dp", "score_lo", "score_hi", "unadjusted_segment",
                       "segment_hi", "p_worse_segment"]
HIDDEN_COLUMNS = ["trust_name", "rank", "final_segment", "kind", "problem", "p_worse_segment"]
GRID_COLUMNS = ["trust_name", "trust_code", "quarter", "final_segment", "rank", "average_score_2dp", "rank_lo",
                "rank_hi", "change", "cell_label", "sort_rank"]


@data.cached()
def confidence(view: View, result: nof.Assessment) -> Confidence:
    ranges = data.ranges(view.key, view.method, (view.quarter,), result)
    table = view.table(result.trusts.merge(ranges, on=["quarter", "trust_code"]))
    hidden = view.table(data.hidden_problems(view.key, view.method, view.quarter, result))
    grid = view.peers(data.volatility(view.key, view.method, result))
    return Confidence(
        table=table[SCORE_RANGE_COLUMNS], crossing=int((table["segment_hi"] > table["unadjusted_segment"]).sum()),
        range_method=ranges["range_method"].iloc[0] if len(ranges) else "",
        hidden=hidden[HIDDEN_COLUMNS],
        hidden_headline=nof.hidden_problems_headline(hidden, result, view.quarter, view.trust_type,
                                                     table["trust_code"]),
        grid=grid[GRID_COLUMNS], grid_trusts=grid["trust_code"].nunique(),
        outside=int(grid["rank_outside_range"].fillna(False).astype(bool).sum()),
        moves=grid[grid["change"] != ""][["quarter", "trust_name", "change"]])


@data.cached()
def metric_names(view: View, result: nof.Assessment) -> pd.DataFrame:
    """The metrics scored for this view's trusts this quarter: ``domain`` and ``metric_name`` by ``metric_id``,
    in domain and name order (the individual metrics page's choice)."""
    return (view.table(result.scores).drop_duplicates("metric_id").sort_values(["domain", "metric_name"])
            .set_index("metric_id")[["domain", "metric_name"]])


@dataclass(frozen=True)
class Metric:
    """The individual metric page for one metric: ``rows`` (every trust's value, score, rank and RAG with the peer
    median and quartiles), the columns of it that the chart plots (``plotted``), that its table alternative shows
    (``charted``) and that the table of every trust shows (``listed``), whether it has ``raw`` values, its ``units``,
    ``dates`` (reporting periods), ``ranked`` (trusts of this type scored on it) and ``sources`` (where the scores
    come from). :meth:`row` gives the highlighted trust's row."""

    rows: pd.DataFrame
    plotted: pd.DataFrame
    charted: pd.DataFrame
    listed: pd.DataFrame
    raw: bool
    units: str
    dates: str
    ranked: int
    sources: str

    def row(self, trust: str | None) -> pd.Series | None:
        return _row_of(self.rows, trust)


def _row_of(table: pd.DataFrame, trust: str | None) -> pd.Series | None:
    """The row of ``trust`` in ``table`` (the highlighted trust's), or None when it is not there."""
    rows = table[table["trust_code"] == trust] if trust else table.iloc[:0]
    return rows.iloc[0] if len(rows) else None


def imr(view: View, result: nof.Assessment, metric_id: str) -> Metric:
    """The individual metric page's content, the same whichever trust is highlighted (so cached without it)."""
    return _imr(view.unhighlighted, result, metric_id)


@data.cached(shared_entries=256)  # a metric and a quarter each
def _imr(view: View, result: nof.Assessment, metric_id: str) -> Metric:
    peers = insights.metric_table(result, view.quarter, view.trust_type, metric_id)  # every trust of the type
    rows = view.table(peers)
    raw = bool(rows["value"].notna().any())
    return Metric(
        rows=rows, plotted=rows[["trust_code", "trust_name", "imr_rank", "value", "score", "rag"]],
        charted=rows[["imr_rank", "trust_name", "value", "units", "reporting_date", "score", "rag", "peer_median"]],
        listed=rows[["imr_rank", "trust_name", "value", "units", "reporting_date", "score", "peer_median",
                     "peer_lower_quartile", "peer_upper_quartile", "rag"]],
        raw=raw, units=rows["units"].iloc[0] if raw else "score",
        dates=", ".join(sorted(d for d in rows["reporting_date"].unique() if d)) or "not given",
        ranked=len(peers),
        sources="; ".join(sorted(rows["score_source"].str.replace(r" \(N = \d+\)", "", regex=True).unique())))


@dataclass(frozen=True)
class WhatIfChoices:
    """What the what-if page offers: ``trusts`` (the view's trusts under NHS England's method), ``metrics`` (metric
    ID to name, scored for them this quarter) and ``trust_names`` (trust code to name)."""

    trusts: pd.DataFrame
    metrics: dict[str, str]
    trust_names: dict[str, str]


@data.cached()
def whatif_choices(view: View, official: nof.Assessment) -> WhatIfChoices:
    trusts = view.table(official.trusts)
    scored = view.table(official.scores)
    return WhatIfChoices(
        trusts=trusts,
        metrics=dict(scored.drop_duplicates("metric_id").sort_values("metric_name")[["metric_id", "metric_name"]]
                     .values),
        trust_names=dict(trusts[["trust_code", "trust_name"]].values))


@data.cached(shared_entries=256)  # a trust and a quarter each
def editable_metrics(result: nof.Assessment, quarter: str, trust: str) -> pd.DataFrame:
    """The metrics of ``trust`` in ``quarter`` that count in its average, as the what-if page's editor shows them:
    ``metric_id``, ``metric_name``, ``units`` (formulas neutralised), ``value`` and ``score`` (to 2 dp)."""
    scores = result.scores
    rows = scores[(scores["quarter"] == quarter) & (scores["trust_code"] == trust) & scores["counted"]]
    shown = rows[["metric_id", "metric_name", "units", "value", "score"]].reset_index(drop=True)
    return nof.neutralise_formulas(shown.assign(score=shown["score"].round(2)))


@dataclass(frozen=True)
class Moves:
    """Who moves between NHS England's table and a what-if's: ``movers`` (every trust in both), ``agreement`` (how
    far the tables agree) and ``moved`` (the trusts whose segment or rank changed)."""

    movers: pd.DataFrame
    agreement: nof.Agreement
    moved: pd.DataFrame


@data.cached()
def moves(view: View, official: nof.Assessment, changed: nof.Assessment) -> Moves:
    movers, agreement = nof.compare_tables(view.table(official.trusts), view.table(changed.trusts))
    return Moves(movers, agreement, movers[(movers["segment_change"] != 0) | (movers["rank_change"] != 0)])


@dataclass(frozen=True)
class CompareChoices:
    """The compare page's choices and its last table: ``trusts`` (this view's trusts in league order), ``names`` (trust
    code to name, in that order), ``metrics`` (metric ID to name, scored for this trust type in any quarter) and
    ``domains`` (every trust's domain segments this quarter, the domains in view first and the region last)."""

    trusts: pd.DataFrame
    names: dict[str, str]
    metrics: dict[str, str]
    domains: pd.DataFrame


@data.cached()
def compare_choices(view: View, result: nof.Assessment) -> CompareChoices:
    table = view.table(result.trusts)
    scores = view.peers(result.scores)
    domains = view.table(data.domain_table(view.key, view.method, view.quarter, result))
    return CompareChoices(
        trusts=table, names=dict(zip(table["trust_code"], table["trust_name"])),
        metrics=dict(scores.drop_duplicates("metric_id").sort_values("metric_name")[["metric_id", "metric_name"]]
                     .values),
        domains=domains[[c for c in domains if c not in ("trust_type", "trust_subtype", "trust_code", "quarter",
                                                         "region")] + ["region"]])


@data.cached()
def shared_metric(view: View, result: nof.Assessment, codes: tuple[str, ...], metrics: tuple[str, ...]
                  ) -> str | None:
    """A metric that the most of ``codes`` report this quarter (with a raw value, if any has one), the first of
    ``metrics`` (:attr:`CompareChoices.metrics`, in name order); None when none of them has a metric score."""
    scores = view.peers(result.scores)
    mine = scores[scores["trust_code"].isin(codes) & (scores["quarter"] == view.quarter)]
    mine = mine[mine["value"].notna()] if mine["value"].notna().any() else mine  # a raw value to follow, if any
    counts = mine.groupby("metric_id")["trust_code"].nunique()
    best = set(counts[counts == counts.max()].index)
    return next((m for m in metrics if m in best), None)


@dataclass(frozen=True)
class Trend:
    """One metric across quarters for some trusts: ``wide`` (a row per trust, a column per quarter), ``field``
    (``value`` when any trust has a raw value, else ``score``), ``units`` and ``quarters`` (how many)."""

    wide: pd.DataFrame
    field: str
    units: str
    quarters: int


@data.cached()
def trend(view: View, result: nof.Assessment, metric_id: str, codes: tuple[str, ...]) -> Trend:
    rows = data.metric_trend(view.key, view.method, metric_id, view.trust_type, result)
    rows = rows[rows["trust_code"].isin(codes)]
    field = "value" if rows["value"].notna().any() else "score"
    wide = rows.pivot_table(index="trust_name", columns="quarter", values=field, aggfunc="first").reset_index()
    return Trend(wide, field, rows["units"].iloc[0] if field == "value" and len(rows) else "scores",
                 rows["quarter"].nunique())


@dataclass(frozen=True)
class Capability:
    """The board capability page: ``trusts`` (this view's trusts), ``trust`` (the highlighted trust, or the top of
    the table), its NOF ``evidence`` (:func:`oversight.capability.trust_evidence`, with this quarter's likely ranges
    made by ``range_method``), ``names`` (every loaded trust's code and name, to check an uploaded assessment against)
    and, per area key, what the page lists beside the board's rating: the domain rows (domain, score, segment,
    range), the heading of the metrics and the metrics in words."""

    trusts: pd.DataFrame
    trust: str | None
    evidence: object | None
    range_method: str
    names: tuple[tuple[str, str], ...]
    areas: dict[str, tuple[list[tuple], str, list[str]]]


@data.cached(shared_entries=256)  # a trust and a quarter each
def capability(view: View, result: nof.Assessment) -> Capability:
    cap = nof.capability
    table = view.table(result.trusts)
    if table.empty:
        return Capability(table, None, None, "", (), {})
    trust = view.trust or table.sort_values(["rank", "trust_name"])["trust_code"].iloc[0]
    ranges = data.ranges(view.key, view.method, (view.quarter,), result)  # the quarter the evidence is for
    evidence = data.trust_evidence(view.key, view.method, (view.quarter,), view.quarter, trust, result)
    areas = {}
    for a in cap.AREAS:
        domains = evidence.domains[evidence.domains["area_key"] == a.key]
        areas[a.key] = ([(d.domain, f"{d.domain_score_2dp:.2f}", d.domain_segment,
                          cap.domain_range_text(d.range_lo, d.range_hi, d.n_metrics)) for d in domains.itertuples()],
                        "NOF metrics" if a.metrics else "Worst metrics", list(evidence.worst(a.key)["text"]))
    return Capability(table, trust, evidence, ranges["range_method"].iloc[0] if len(ranges) else "",
                      tuple(dict(zip(result.trusts["trust_code"], result.trusts["trust_name"])).items()), areas)


@dataclass(frozen=True)
class Method:
    """The method and sources page: the reproduction summary ``by_type`` and by quarter (``by_quarter``, with the
    share exact), the ``misses`` with the published and our figures as text, the likely-range rows of the summary
    (``ranges``) and the ``catalogue`` of every metric's rule."""

    by_type: pd.DataFrame
    by_quarter: pd.DataFrame
    misses: pd.DataFrame
    ranges: pd.DataFrame
    catalogue: pd.DataFrame


CATALOGUE_COLUMNS = ["metric_id", "metric_name", "rule", "compared_with", "weight", "rule_known", "units", "domain",
                     "reporting_period", "definition", "source"]


@data.cached()
def method(view: View, result: nof.Assessment) -> Method:
    rep = data.reproduction(view.key, view.dataset)
    summary = rep.summary
    misses = rep.misses[["what", "trust_name", "quarter", "domain", "published", "ours", "reason"]]
    return Method(
        by_type=rep.by_type() if len(summary) else summary,
        by_quarter=summary.assign(share=summary["exact"] / summary["published"]) if len(summary) else summary,
        misses=misses.assign(**{c: misses[c].map(lambda v: f"{v:g}" if isinstance(v, float) else str(v))
                                for c in ("published", "ours")}),
        ranges=summary[summary["what"].str.startswith("likely range")] if len(summary) else summary,
        catalogue=data.metric_catalogue(view.key, view.method, result)[CATALOGUE_COLUMNS])


@dataclass(frozen=True)
class League:
    """The AMR league table page: ``table`` (the view's trusts with likely ranges and what moving up would take),
    the columns the page lists (``listed``), the ranges side by side (``both``) and charts (``charted``), how many
    ranges are NHS England's own (``theirs``) and the widest rank range in words (``widest``, "" when none).
    :meth:`row` gives the highlighted trust's row."""

    table: pd.DataFrame
    listed: pd.DataFrame
    both: pd.DataFrame
    charted: pd.DataFrame
    theirs: int
    widest: str

    def row(self, trust: str | None) -> pd.Series | None:
        return _row_of(self.table, trust)


LEAGUE_COLUMNS = ["rank", "trust_name", "final_segment", "average_score_2dp", "deficit", "score_range", "rank_range",
                  "range_by", "to_move_up"]
BOTH_RANGES_COLUMNS = ["rank", "trust_name", "score_range", "ours_score_range", "rank_range", "ours_rank_range",
                       "range_by"]
CATERPILLAR_COLUMNS = ["rank", "trust_name", "trust_code", "rank_lo", "rank_hi", "final_segment", "average_score_2dp"]


def league(view: View, result: nof.Assessment) -> League:
    """The AMR league table page's content, the same whichever trust is highlighted (so cached without it)."""
    return _league(view.unhighlighted, result)


@data.cached()
def _league(view: View, result: nof.Assessment) -> League:
    table = view.table(data.league(view.key, view.method, view.quarter, result))
    widths = (table["rank_hi"] - table["rank_lo"]).astype(float)
    widest = "" if widths.isna().all() else (f"{table.loc[widths.idxmax(), 'trust_name']}'s, "
                                             f"{table.loc[widths.idxmax(), 'rank_range']}")
    return League(table=table, listed=table[LEAGUE_COLUMNS], both=table[BOTH_RANGES_COLUMNS],
                  charted=table[CATERPILLAR_COLUMNS], theirs=int((table["range_by"] == "NHS England").sum()),
                  widest=widest)
