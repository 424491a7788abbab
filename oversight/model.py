"""The assessment pipeline: scores -> average -> segment -> override -> segment 5 -> rank.

:func:`assess` is the one entry point the app, the command line and the tests share.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import catalogue as cat
from . import rules
from ._cells import by_distinct, key_codes, matching_rows
from ._load import Dataset, digest
from .banding import BY_DOMAIN, Banding, PooledQuartiles, QuarterCuts, published_cuts
from .ranking import amr_rank, imr_rank
from .scoring import average_scores, domain_scores, metric_scores

TRUST_COLUMNS = ["quarter", "region", "trust_type", "trust_subtype", "trust_code", "trust_name"]


@dataclass(frozen=True)
class Method:
    """How to turn scores into segments and ranks. The default reproduces NHS England's 2025/26 method.

    Attributes
    ----------
    banding : a banding rule (:mod:`oversight.banding`), or None for the file's own cut points (bracketed from its
        published segments) falling back to pooled quartiles of the loaded trusts.
    override : apply the financial override (segment at least 3 for a trust in deficit).
    rescore : recompute scores from raw values among the loaded trusts instead of using published scores.
    exclude_metrics, exclude_domains : score IDs (OF1xxx) or domain names left out of the average (weight 0).
    domain_weights : ``((domain, weight), ...)``; when given, the average is the weighted mean of domain means.
    deround : recover unrounded scores from published 2-dp ones where the grid can be identified.
    domain_banding : the banding rule of domain segments, or None for the file's own (bracketed from its published
        domain segments) falling back to pooled quartiles of the loaded trusts' domain scores.
    framework : the NOF version whose catalogue says each metric's rule, weight and comparison group.
    """

    banding: Banding | None = None
    override: bool = True
    rescore: bool = False
    exclude_metrics: tuple[str, ...] = ()
    exclude_domains: tuple[str, ...] = ()
    domain_weights: tuple[tuple[str, float], ...] = ()
    deround: bool = True
    domain_banding: Banding | None = None
    framework: cat.Framework = cat.FRAMEWORK

    def weights(self, scores: pd.DataFrame) -> pd.Series:
        """Each score's weight under this method: the catalogue's, or 0 for a metric or domain it leaves out."""
        left_out = scores["metric_id"].isin(self.exclude_metrics) | scores["domain"].isin(self.exclude_domains)
        return scores["weight"].where(~left_out, 0.0)

    def describe(self, banding: Banding | None = None) -> str:
        rule = banding or self.banding
        parts = [rule.description if rule is not None else "cut points from the file"]
        parts.append("financial override on" if self.override else "financial override off")
        if self.rescore:
            parts.append("scores recomputed from raw values among the loaded trusts")
        if self.exclude_metrics:
            parts.append("without " + ", ".join(self.framework.metric(m).short for m in self.exclude_metrics))
        if self.exclude_domains:
            parts.append("without " + ", ".join(self.exclude_domains))
        if self.domain_weights:
            parts.append("domains weighted " + ", ".join(f"{d} x{w:g}" for d, w in self.domain_weights))
        return "; ".join(parts)


@dataclass(frozen=True)
class Assessment:
    """The engine's answer for a dataset and a method.

    trusts : one row per trust and quarter (schema :data:`oversight.schemas.ASSESSMENT`): ``n_metrics``,
        ``average_score`` (unrounded), ``average_score_2dp``, ``unadjusted_segment``, ``deficit``, ``segment``
        (after the override, what the league table ranks on), ``rsp``, ``final_segment`` (5 in the Recovery Support
        Programme), ``rank`` within trust type, and ``source`` ("computed from metric scores" or "league table").
    scores : one row per trust, quarter and metric (:data:`oversight.scoring.SCORE_COLUMNS` plus ``imr_rank``).
    domains : domain scores per trust and quarter, with ``domain_segment`` and ``domain_segment_source``.
    cuts : the cut points used, ``{quarter: array([c1, c2, c3])}``.
    domain_cuts : the domain segments' cut points, ``{(quarter, domain): array([c1, c2, c3])}``.
    published : NHS England's own figures from the files (:func:`published_summary`).
    edited : whether what-if edits changed some trust's metrics.
    """

    trusts: pd.DataFrame
    scores: pd.DataFrame
    domains: pd.DataFrame
    cuts: dict
    banding: Banding
    method: Method = field(default_factory=Method)
    published: pd.DataFrame | None = None
    edited: bool = False
    domain_cuts: dict = field(default_factory=dict)

    @functools.cached_property
    def fingerprint(self) -> str:
        """What the assessment holds, as a digest of every frame, cut point, rule and method in it (see
        :func:`oversight._load.digest`): equal content, equal fingerprint; a what-if or an edit that changes any
        figure gives another. Computed on first use and kept with the assessment (pickled along with it). Caches
        identify an assessment by it (``ui.data``), so a result can never be looked up under another's name."""
        return digest("Assessment", self.trusts, self.scores, self.domains,
                      self.published if self.published is not None else pd.DataFrame(),
                      sorted((k, np.asarray(v).tolist()) for k, v in self.cuts.items()),
                      sorted((k, np.asarray(v).tolist()) for k, v in self.domain_cuts.items()),
                      self.banding, self.method, self.edited)

    @property
    def nhs_englands_method(self) -> bool:
        """Whether these are NHS England's own numbers: their method under the assessment's framework, no edits (so
        the ranges they published still apply)."""
        return not self.edited and self.method == Method(framework=self.method.framework)

    def quarter(self, quarter: str) -> pd.DataFrame:
        """The league table of one quarter, ordered by trust type and rank."""
        table = self.trusts[self.trusts["quarter"] == quarter]
        return table.sort_values(["trust_type", "rank", "trust_name"], kind="stable").reset_index(drop=True)


def published_summary(dataset: Dataset) -> pd.DataFrame:
    """NHS England's own summary per trust and quarter, from the data file's OF5xxx rows and the league tables.

    Columns: trust columns, ``average_score``, ``unadjusted_segment``, ``segment``, ``final_segment``, ``deficit``,
    ``rsp``, ``rank``, ``score_lo``, ``score_hi``, ``rank_lo``, ``rank_hi`` (NaN where not published).
    """
    keys = ["quarter", "trust_code"]
    m = dataset.metrics
    # only the columns read below: the rest would be copied through pyarrow's take for nothing
    summary_ids = set(cat.SUMMARY_IDS.values())
    summary = m.loc[by_distinct(m["metric_id"], summary_ids.__contains__, bool),
                    keys + ["metric_id", "value", "rank"] + TRUST_COLUMNS[1:4] + ["trust_name"]]
    # a row per trust and quarter in the order they first appear, its columns from its first summary row, each
    # figure from the first row with that figure's ID (integer keys: no MultiIndex of text to build and unstack)
    code, first = key_codes(summary["quarter"], summary["trust_code"])
    info = summary.iloc[first]
    fields = {c: info[c].array for c in TRUST_COLUMNS[1:4] + ["trust_name"]}
    metric_ids = summary["metric_id"].to_numpy()
    for name, metric_id in [*cat.SUMMARY_IDS.items(), ("rank", cat.SUMMARY_IDS["segment"])]:
        rows = np.flatnonzero(metric_ids == metric_id)[::-1]  # written last to first: the first row stays
        fields[name] = np.full(len(first), np.nan)
        fields[name][code[rows]] = summary["rank" if name == "rank" else "value"].to_numpy(float)[rows]
    from_data = pd.DataFrame(fields, index=pd.MultiIndex.from_arrays([info[k].array for k in keys], names=keys))
    league = dataset.league.set_index(keys)
    from_league = league[TRUST_COLUMNS[1:4] + ["trust_name", "average_score", "segment", "deficit", "rank",
                                               "score_lo", "score_hi", "rank_lo", "rank_hi"]].copy()
    from_league["deficit"] = from_league["deficit"].astype(float)
    # A trust not in deficit has the same segment before and after the override.
    from_league["unadjusted_segment"] = from_league["segment"].where(from_league["deficit"] == 0)
    columns = TRUST_COLUMNS[1:4] + ["trust_name", "average_score", "unadjusted_segment", "segment",
                                    "final_segment", "deficit", "rsp", "rank", "score_lo", "score_hi", "rank_lo",
                                    "rank_hi"]
    from_data, from_league = from_data.reindex(columns=columns), from_league.reindex(columns=columns)
    if len(from_league) and len(from_data):  # the data file's figures first, the league table's where it has none
        index = from_data.index.union(from_league.index)
        from_data, from_league = from_data.reindex(index), from_league.reindex(index)
        combined = from_data.where(from_data.notna(), from_league)
    else:
        combined = from_data if len(from_data) else from_league
    return combined.reset_index()


def _own_else_borrowed(own: QuarterCuts | None, theirs: QuarterCuts | None, wanted) -> tuple[dict, str]:
    """Cut points bracketed from the data's own published segments, topped up with the reference's for the keys
    (quarters, or quarters and domains) it has none of; with the words that say so."""
    pairs = dict(own.by_quarter) if own else {}
    label = own.label if own else ""
    borrowed = {k: c for k, c in (theirs.by_quarter if theirs else ()) if k in set(wanted) - set(pairs)}
    if borrowed:
        pairs.update(borrowed)
        quarters = sorted({k if isinstance(k, str) else k[0] for k in borrowed})
        label = (label + "; " if label else "") + ("NHS England's segment boundaries from "
                                                   "their default files for " + ", ".join(quarters))
    return pairs, label


def default_banding(dataset: Dataset, published: pd.DataFrame | None = None,
                    reference: Dataset | None = None) -> Banding:
    """The file's own cut points, bracketed from its published segments, quarter by quarter; for a quarter it has
    none of, those of ``reference`` (NHS England's files, when scoring an upload); else pooled quartiles of every
    loaded trust, whatever its type (NHS England's 2025/26 rule when all types are loaded).

    ``published`` is :func:`published_summary` of ``dataset`` if already at hand.
    """
    own = published_cuts(published if published is not None else published_summary(dataset))
    theirs = published_cuts(published_summary(reference)) if reference is not None else None
    pairs, label = _own_else_borrowed(own, theirs, dataset.quarters)
    if not pairs:
        return PooledQuartiles()
    return QuarterCuts(tuple(sorted(pairs.items())), label=label)


def _published_domains(dataset: Dataset) -> pd.DataFrame:
    """NHS England's domain scores (OF40xx) and domain segments (OF41xx), one row per trust, quarter and domain."""
    m = dataset.metrics
    domain_rows = by_distinct(m["metric_id"], lambda i: isinstance(i, str) and bool(re.fullmatch("OF4[01][0-9]{2}", i)),
                              bool)
    rows = m[domain_rows]
    kind = np.where(rows["metric_id"].str.startswith("OF40"), "domain_score", "domain_segment")
    keys = ["quarter", "trust_code", "domain"]
    wide = rows.assign(kind=kind).drop_duplicates(keys + ["kind"]).pivot(index=keys, columns="kind", values="value")
    return wide.reindex(columns=["domain_score", "domain_segment"]).reset_index()


_DOMAIN_LABEL = "NHS England's own domain segment boundaries, read from the domain segments they published"


def default_domain_banding(dataset: Dataset, reference: Dataset | None = None) -> Banding:
    """Each domain's own cut points, bracketed from the file's published domain scores and segments (OF40xx and
    OF41xx) quarter by quarter [data: they separate cleanly in every quarter]; the reference's where the data has
    none; else pooled quartiles of the loaded trusts' domain scores."""
    def bracketed(data):
        return published_cuts(_published_domains(data), BY_DOMAIN, "domain_score", "domain_segment", _DOMAIN_LABEL)

    theirs = bracketed(reference) if reference is not None else None
    wanted = [(q, d) for q in dataset.quarters for d in cat.DOMAINS]
    pairs, label = _own_else_borrowed(bracketed(dataset), theirs, wanted)
    if not pairs:
        return PooledQuartiles(label="quartiles of the loaded trusts' domain scores")
    return QuarterCuts(tuple(sorted(pairs.items())), label=label,
                       fallback=PooledQuartiles(label="quartiles of the loaded trusts' domain scores"))


def _domain_segments(domains: pd.DataFrame, banding: Banding) -> tuple[pd.DataFrame, dict]:
    cuts = banding.cuts_for(domains, BY_DOMAIN, "domain_score_2dp")
    segments = np.zeros(len(domains), dtype=int)
    sources = np.empty(len(domains), dtype=object)
    known = dict(banding.by_quarter) if isinstance(banding, QuarterCuts) else {}
    for key, rows in domains.groupby(list(BY_DOMAIN)).groups.items():
        at = domains.index.get_indexer(rows)
        segments[at] = rules.segment(domains.loc[rows, "domain_score_2dp"], cuts[key])
        sources[at] = banding.label if key in known else (
            banding.fallback.label if isinstance(banding, QuarterCuts) else banding.description)
    return domains.assign(domain_segment=segments, domain_segment_source=sources), cuts


def assess(dataset: Dataset, method: Method | None = None, reference: Dataset | None = None, *,
           edits: pd.DataFrame | None = None, details: bool = True) -> Assessment:
    """Score, segment and rank every trust in every quarter of ``dataset``.

    Trusts with metric rows are scored from them; trusts that appear only in a league-table file keep its
    ``Average_score`` and are re-segmented and re-ranked from it and its deficit flag. ``reference`` (NHS England's
    own files) lends its published cut points to quarters the dataset has none for, when the method's banding is
    the default. ``edits`` (see :func:`oversight.whatif.apply_edits`) change some trusts' metrics after scoring, so
    nothing else moves with them. ``details=False`` skips the IMR ranks and domain scores (the command line's
    league table needs neither).

    A trust whose metrics the method leaves out altogether (every domain excluded, say) has no average and is left
    out of the table; it does not fall back on a published league-table average.
    """
    method = method or Method()
    keys = ["quarter", "trust_code"]
    scores = metric_scores(dataset.metrics, deround=method.deround, rescored=method.rescore,
                           framework=method.framework)
    edited = edits is not None and len(edits) > 0
    if edited:
        from .whatif import apply_edits  # imported here: the command line and most pages never edit

        scores = apply_edits(scores, edits, method.framework)
    weight = method.weights(scores)
    scores = scores.assign(weight=weight, counted=weight > 0)
    trusts = average_scores(scores, domain_weights=dict(method.domain_weights))
    trusts["source"] = "computed from metric scores"
    league = dataset.league
    league_only = league[matching_rows([league[k] for k in keys], [scores[k] for k in keys]) < 0]
    if len(league_only):
        extra = league_only[TRUST_COLUMNS].assign(
            n_metrics=np.nan, average_score=league_only["average_score"],
            average_score_2dp=league_only["average_score"], source="league table")
        trusts = pd.concat([trusts, extra], ignore_index=True)
    published = published_summary(dataset)
    banding = method.banding if method.banding is not None else default_banding(dataset, published, reference)
    cuts = banding.cuts_for(trusts)
    trusts["unadjusted_segment"] = 0
    for quarter, rows in trusts.groupby("quarter"):
        trusts.loc[rows.index, "unadjusted_segment"] = rules.segment(rows["average_score_2dp"], cuts[quarter])
    # Deficit and Recovery Support Programme flags are read from the data, never derived.
    at = matching_rows([trusts[k] for k in keys], [published[k] for k in keys])  # each trust's published row
    # a trust with none (at -1) reads the 0 put after the published flags: not flagged, as a missing flag is not
    flags = {f: np.nan_to_num(np.append(published[f].to_numpy(float), 0)[at]) != 0 for f in ("deficit", "rsp")}
    trusts["deficit"] = flags["deficit"]
    trusts["segment"] = rules.override(trusts["unadjusted_segment"].to_numpy(), trusts["deficit"], method.override)
    trusts["rsp"] = flags["rsp"]
    trusts["final_segment"] = rules.final_segment(trusts["segment"].to_numpy(), trusts["rsp"])
    trusts["rank"] = amr_rank(trusts)
    trusts = trusts.astype({"unadjusted_segment": int, "segment": int, "final_segment": int, "rank": int,
                            "n_metrics": "Int64"})
    trusts = trusts.sort_values(["quarter", "trust_type", "rank", "trust_code"], kind="stable").reset_index(drop=True)
    if not details:
        return Assessment(trusts, scores, pd.DataFrame(), cuts, banding, method, published, edited)
    scores = scores.assign(imr_rank=imr_rank(scores, method.framework))
    domain_banding = method.domain_banding or default_domain_banding(dataset, reference)
    domains, domain_cuts = _domain_segments(domain_scores(scores), domain_banding)
    return Assessment(trusts, scores, domains, cuts, banding, method, published, edited, domain_cuts)
