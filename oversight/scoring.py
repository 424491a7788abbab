"""Metric scores, average scores and domain scores (nof-method.md section 1, steps 1 and 2).

Every metric's scoring rule, weight and comparison group come from the framework's catalogue
(:mod:`oversight.catalogue`, rules in :mod:`oversight.rules`); nothing here branches on a metric's ID. Functions take
frames and return new ones; none changes its input.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import catalogue as cat
from . import rules
from ._cells import by_distinct, filled, key_codes, matching_rows
from .rules import round_half_up

SCORE_COLUMNS = [
    "quarter", "region", "trust_type", "trust_subtype", "trust_code", "trust_name", "metric_id", "metric_name",
    "domain", "subdomain", "units", "reporting_date", "value", "peer_median", "peer_lower_quartile",
    "peer_upper_quartile", "type_rank", "score_published", "score", "score_source", "weight", "counted",
]  # fmt: skip

_TRUST_COLUMNS = ["quarter", "region", "trust_type", "trust_subtype", "trust_code", "trust_name"]

__all__ = ["SCORE_COLUMNS", "average_scores", "domain_scores", "metric_scores", "recover_unrounded", "rescore",
           "round_half_up", "score_weights"]


def _rules(metric_ids, framework: cat.Framework) -> dict:
    return {m: framework.metric(m) for m in pd.unique(metric_ids)}


def comparison_groups(scores: pd.DataFrame, framework: cat.Framework = cat.FRAMEWORK) -> pd.Series:
    """The comparison group each score row is ranked in (with its quarter and metric), from the catalogue: the
    trust's own type, or the set of types ranked together ('other' for a trust outside that set)."""
    # each distinct (metric, type) pair labelled once and the rows follow by their factorize codes
    metric, metrics = pd.factorize(scores["metric_id"], use_na_sentinel=False)
    kind, kinds = pd.factorize(scores["trust_type"], use_na_sentinel=False)
    row_pair, pairs = pd.factorize(metric.astype(np.int64) * max(len(kinds), 1) + kind)
    labels = [framework.metric(metrics[p // len(kinds)]).group.label(kinds[p % len(kinds)]) for p in pairs]
    return pd.Series(np.asarray(labels, dtype=object)[row_pair], index=scores.index, dtype=object)


# ----------------------------------------------------------------------------------------------------------------
# Step 1: scores from raw values


def _score_from_values(scores: pd.DataFrame, rows: pd.Series, source: str,
                       framework: cat.Framework = cat.FRAMEWORK) -> pd.DataFrame:
    """Score the ``rows`` (a boolean mask) from their raw values among themselves, each metric by its rule: ranked
    metrics within their comparison group, banded ones by their thresholds. Two trusts of the same type whose 2-dp
    values are equal are ordered by the file's Rank column (NHS England ranked the unrounded values, within type);
    equal values of different types stay tied. Metrics published as scores only keep their score."""
    out = scores.copy()
    chosen = out[rows & out["value"].notna()]
    groups = comparison_groups(chosen, framework)
    for metric_id, metric_rows in chosen.groupby("metric_id"):
        info = framework.metric(metric_id)
        if not isinstance(info.rule, (rules.Ranked, rules.Bands)):
            continue
        for label, group in metric_rows.groupby([metric_rows["quarter"], groups[metric_rows.index]]):
            if label[1] == "other":
                continue
            out.loc[group.index, "score"] = info.rule.score(group["value"], group["type_rank"], group["trust_type"])
            out.loc[group.index, "score_source"] = source
    return out


def rescore(scores: pd.DataFrame, framework: cat.Framework = cat.FRAMEWORK) -> pd.DataFrame:
    """Recompute every score that can be from raw values among the loaded trusts (a what-if: NHS England's
    comparison groups reach beyond one file), and the combined finance score from its parts."""
    return _recombine(_score_from_values(scores, scores["value"].notna(), "rescored from raw values", framework),
                      framework, refresh=True)


def fill_missing_scores(scores: pd.DataFrame, framework: cat.Framework = cat.FRAMEWORK) -> pd.DataFrame:
    """Score the rows that have a raw value but no score, leaving every published score as it is.

    Banded values take their thresholds. A ranked value is placed among the peers that have both a value and a
    published score (the score of its neighbours, interpolated), so the comparison group stays NHS England's; where
    no peer has a score (a template of values only), the values are ranked among themselves.
    """
    from .whatif import peers_for, score_for_value

    out = scores.copy()
    missing = out["score"].isna() & out["value"].notna()
    placed = pd.Series(np.nan, index=out.index)
    known = out[~missing]
    for (quarter, metric_id), rows in out[missing].groupby(["quarter", "metric_id"]):
        if not framework.metric(metric_id).ranked:
            continue
        for idx, row in rows.iterrows():
            peers = peers_for(known, quarter, metric_id, row["trust_code"], framework).dropna(
                subset=["value", "score"])
            if len(peers) >= 2:
                placed[idx] = score_for_value(peers["value"], peers["score"], row["value"], metric_id, framework)
    has_place = placed.notna()
    out.loc[has_place, "score"] = placed[has_place]
    out.loc[has_place, "score_source"] = "placed among published peers by its raw value"
    rest = missing & ~has_place
    if rest.any():
        out = _score_from_values(out, rest, "scored from its raw value among the loaded trusts without a score",
                                 framework)
    return out


def _recombine(scores: pd.DataFrame, framework: cat.Framework, refresh: bool = False) -> pd.DataFrame:
    """Add each combined score (OF1080) wherever its parts are present without it; with ``refresh``, recompute it
    everywhere. Each trust and quarter's parts are its first plan and first variance rows, paired by integer keys
    (:func:`oversight._cells.key_codes`); the rows added come in the order their trusts first appear."""
    out = scores
    for metric in framework.metrics:
        if not isinstance(metric.rule, rules.Combined):
            continue
        plan_id, variance_id = metric.rule.plan, metric.rule.variance
        ids = out["metric_id"].to_numpy()
        is_plan, is_variance = ids == plan_id, ids == variance_id
        if not (is_plan.any() and is_variance.any()):
            continue
        either = is_plan | is_variance
        parts = out[either]
        code, first = key_codes(parts["quarter"], parts["trust_code"])  # a number for each trust and quarter
        score = parts["score"].to_numpy(float)
        plan, variance = np.full(len(first), np.nan), np.full(len(first), np.nan)
        for part, is_part in ((plan, is_plan), (variance, is_variance)):
            rows = np.flatnonzero(is_part[either])[::-1]  # written last to first: the first stays
            part[code[rows]] = score[rows]
        combined = metric.rule.combine(plan, variance)
        keys = [parts[k].iloc[first] for k in ("quarter", "trust_code")]  # each trust and quarter with parts
        existing = out[ids == metric.id]
        existing_keys = [existing[k] for k in ("quarter", "trust_code")]
        out = out.copy()
        source = f"combined from {plan_id} and {variance_id}"
        if refresh:
            fresh = np.append(combined, np.nan)[matching_rows(existing_keys, keys)]  # NaN where a trust has no parts
            known = ~np.isnan(fresh)
            out.loc[existing.index[known], "score"] = fresh[known]
            out.loc[existing.index[known], "score_source"] = source
        missing = ~np.isnan(combined) & (matching_rows(keys, existing_keys) < 0)
        if missing.any():
            new = parts.iloc[first[missing]].assign(
                metric_id=metric.id, metric_name=metric.short, units="score", value=np.nan, peer_median=np.nan,
                peer_lower_quartile=np.nan, peer_upper_quartile=np.nan, type_rank=np.nan, score_published=np.nan,
                score=combined[missing], score_source=source, weight=metric.weight, counted=metric.weight > 0)
            out = pd.concat([out, new[out.columns]], ignore_index=True)
    return out


# ----------------------------------------------------------------------------------------------------------------
# Recovering the unrounded scores behind the published 2-dp ones

_LATTICE = np.round(np.arange(100, 401) / 100, 2)  # every 2-dp score from 1.00 to 4.00
_SIZES = np.arange(2, 400)


def _on_grid(values: np.ndarray, sizes: np.ndarray, lo: float = 1.0, hi: float = 4.0) -> np.ndarray:
    """``[i, j]``: is ``values[j]`` within 2-dp rounding of the grid ``lo + (hi - lo) k / (sizes[i] - 1)``?"""
    steps = (sizes[:, None] - 1) / (hi - lo)
    k = (values[None, :] - lo) * steps
    return np.abs(np.round(k) - k) / steps <= 0.005 + 1e-9


_CHANCE_FIT: dict[tuple[float, float], np.ndarray] = {}


def _chance_fit(lo: float, hi: float) -> np.ndarray:
    """Chance that a random 2-dp score in ``[lo, hi]`` lies within rounding of each group size's grid."""
    if (lo, hi) not in _CHANCE_FIT:
        lattice = _LATTICE[(lo <= _LATTICE) & (hi >= _LATTICE)]
        _CHANCE_FIT[(lo, hi)] = _on_grid(lattice, _SIZES, lo, hi).mean(axis=1)
    return _CHANCE_FIT[(lo, hi)]


def comparison_group_size(published: np.ndarray, at_least: int, spread: tuple[float, float] = (1.0, 4.0)
                          ) -> int | None:
    """The number N of providers a set of published 2-dp ranked scores was spread over, if it can be told.

    Ranked scores are ``lo + (hi - lo) (r - 1) / (N - 1)`` for whole ranks ``r`` (``spread`` = (lo, hi): 1 to 4,
    or 2 to 4 below a standard, 1 to 3 above a floor), so the unrounded scores lie on a grid of step
    ``(hi - lo) / (N - 1)``. If the scores given are the whole group (``N = at_least``) and fit its grid, that is N.
    Otherwise the smallest N above ``at_least`` whose grid passes within rounding of every published score is taken,
    provided a chance fit is unlikely (the probability that the distinct scores all fit a grid that random 2-dp
    numbers would fit is below one in a million). Scores that fit no grid, or too few to tell, give None.
    """
    lo, hi = spread
    values = np.unique(published[~np.isnan(published)])
    inner = values[(values > lo) & (values < hi)]
    if len(inner) == 0 or at_least < 2:
        return None
    if at_least < _SIZES[-1] and _on_grid(values, np.array([at_least]), lo, hi).all():
        return int(at_least)
    usable = (at_least <= _SIZES) & (_chance_fit(lo, hi) ** len(inner) < 1e-6)
    fits = usable & _on_grid(values, _SIZES, lo, hi).all(axis=1)
    return int(_SIZES[np.argmax(fits)]) if fits.any() else None


def recover_unrounded(scores: pd.DataFrame, framework: cat.Framework = cat.FRAMEWORK) -> pd.DataFrame:
    """Replace published 2-dp ranked scores by the exact grid value they were rounded from, metric by metric,
    quarter by quarter and comparison group by group, wherever :func:`comparison_group_size` identifies the grid
    (the scores fixed by a standard or a floor are exact already). Elsewhere, and for the metrics the framework
    says NHS England averaged as published in that quarter, the score is left as published. This is what lets the
    average score be reproduced to 2 dp (see docs/method.md)."""
    info = _rules(scores["metric_id"], framework)
    ranked = by_distinct(scores["metric_id"], lambda m: info[m].ranked and not info[m].open, bool)
    kept = framework.averaged_as_published_rows(scores)
    # only the columns the grouping needs: copying every text column of the selected rows costs more than the rest
    candidates = scores.loc[(scores["score_source"] == "published") & ranked & ~kept,
                            ["quarter", "metric_id", "trust_type"]]
    if candidates.empty:
        return scores
    score = scores["score"].to_numpy(float).copy()
    source = scores["score_source"].to_numpy(object).copy()
    position = scores.index.get_indexer(candidates.index)  # each candidate's row in ``scores``
    groups = comparison_groups(candidates, framework)
    # the groups' rows as positions (.indices), not a sub-frame made for each group
    for (_, metric_id, label), rows in candidates.groupby(
            [candidates["quarter"], candidates["metric_id"], groups]).indices.items():
        if label == "other":
            continue
        rule = info[metric_id].rule
        at = position[rows][rule.is_spread(score[position[rows]])]
        lo, hi = rule.spread
        size = comparison_group_size(score[at], len(at), (lo, hi))
        if not size:
            continue
        step = (size - 1) / (hi - lo)
        score[at] = lo + np.round((score[at] - lo) * step) / step
        source[at] = f"published, unrounded on its group's grid (N = {size})"
    return scores.assign(score=score, score_source=source)


# ----------------------------------------------------------------------------------------------------------------
# Long frame of metric scores


def _score_or_raw(metric_id) -> str:
    """'OF1' for the ID of a score row (OF1 and three digits), 'OF0' for a raw value's, else ''."""
    return metric_id[:3] if isinstance(metric_id, str) and re.fullmatch("OF[01][0-9]{3}", metric_id) else ""


_DENSE_KEYS = 8  # _paired marks keys in a table of every possible key when not much longer than the rows (0: never)


def _paired(metrics: pd.DataFrame, described: list[str]) -> pd.DataFrame:
    """Each metric of each trust in each quarter on one row, its score row (OF1xxx) beside its raw-value row
    (OF0xxx), as an outer merge on (quarter, trust code, score ID) gives them, in the order of those keys: the raw
    row's ``value``, ``rank``, ``units`` and peer statistics, the score row's as ``value_s`` and ``rank_s``, and
    each of the ``described`` columns from the raw row where it gives one, else from the score row.

    Worked out from integer codes of the keys (a dataset has one row per quarter, trust and metric ID,
    :mod:`oversight.schemas`) and one take of each column, not by merging frames: pandas' merge copies every text
    column of both sides through pyarrow, several times over."""
    ids = metrics["metric_id"]
    code, distinct = pd.factorize(ids, use_na_sentinel=False)  # the catalogue asked once per distinct metric ID
    kind = np.asarray([_score_or_raw(m) for m in distinct], dtype=object)[code]
    quarter = pd.factorize(metrics["quarter"], sort=True)[0].astype(np.int64)
    trust, trusts = pd.factorize(metrics["trust_code"], sort=True)
    each, score_ids = pd.factorize(pd.Series([cat.score_id(m) if isinstance(m, str) else m for m in distinct],
                                             dtype=object), sort=True)
    metric = each[code]
    key = (quarter * len(trusts) + trust) * len(score_ids) + metric
    score_rows, raw_rows = np.flatnonzero(kind == "OF1"), np.flatnonzero(kind == "OF0")
    # every key either side has, in order (as the merge's keys are), and each key's place among them: marked in a
    # table of every possible key when that is not much longer than the rows (a pass instead of two sorts)
    span = (int(quarter.max(initial=0)) + 1) * len(trusts) * len(score_ids)
    if span <= _DENSE_KEYS * (len(key) + 128):
        present = np.zeros(span, dtype=bool)
        present[key[score_rows]] = present[key[raw_rows]] = True
        places = np.cumsum(present) - 1
        count = int(places[-1]) + 1 if span else 0
    else:
        keys = np.union1d(key[score_rows], key[raw_rows])
        places, count = None, len(keys)
    at = {}
    for side, rows in (("score", score_rows), ("raw", raw_rows)):
        at[side] = np.full(count, -1, dtype=np.intp)
        at[side][places[key[rows]] if places is not None else np.searchsorted(keys, key[rows])] = rows
        if np.count_nonzero(at[side] >= 0) < len(rows):
            raise ValueError("metric rows repeat a quarter, trust code and metric ID (a dataset holds one of each)")
    either = np.where(at["raw"] >= 0, at["raw"], at["score"])

    def take(column: str, rows: np.ndarray) -> pd.Series:  # the values at these rows, missing at -1
        return pd.Series(metrics[column].array.take(rows, allow_fill=True))

    merged = {col: take(col, either) for col in ("quarter", "trust_code")}
    merged["metric_id"] = pd.Series(pd.array(score_ids, dtype=ids.dtype).take(metric[either]))
    for col in described:  # the raw row describes the metric where it gives the field, else the score row does
        given = filled(metrics[col])
        merged[col] = take(col, np.where((at["raw"] >= 0) & given[at["raw"]], at["raw"], at["score"]))
    for col in ["units", "value", "median", "lower_quartile", "upper_quartile", "rank"]:
        merged[col] = take(col, at["raw"])
    merged["value_s"], merged["rank_s"] = take("value", at["score"]), take("rank", at["score"])
    return pd.DataFrame(merged)


def metric_scores(metrics: pd.DataFrame, *, deround: bool = True, rescored: bool = False,
                  framework: cat.Framework = cat.FRAMEWORK) -> pd.DataFrame:
    """One row per trust x quarter x scored metric, with the raw value, units and peer statistics beside the score.

    Parameters
    ----------
    metrics : DataFrame
        Tidy metric rows as read by :func:`oversight.read_files` (columns ``quarter``, ``trust_code``,
        ``metric_id``, ``value`` and the descriptive columns).
    deround : bool
        Recover the unrounded scores behind published 2-dp scores where the grid can be identified.
    rescored : bool
        Recompute every score that can be from raw values among the loaded trusts (a what-if).
    framework : the NOF version whose catalogue gives each metric's rule, weight and comparison group.

    Returns
    -------
    DataFrame with columns :data:`SCORE_COLUMNS`. ``score`` is the score the engine uses, ``score_published`` the
    file's own 2-dp score, ``value`` the raw value (NaN for score-only metrics), ``weight`` its weight in the
    average (the catalogue's: a third for each infection score, 0 for the finance inputs to the combined score) and
    ``counted`` whether that weight is above 0.
    """
    keys = ["quarter", "trust_code", "metric_id"]
    described = ["region", "trust_type", "trust_subtype", "trust_name", "domain", "subdomain", "metric_description",
                 "reporting_date"]
    merged = _paired(metrics, described)
    # What the catalogue says of each metric, worked out once per metric and spread to its rows by their codes.
    code, metric_ids = pd.factorize(merged["metric_id"])
    info = [framework.metric(m) for m in metric_ids]

    def per_metric(values, dtype=object) -> np.ndarray:
        return np.asarray(values, dtype=dtype)[code]

    # Files without domains or units (our template) take the catalogue's; a metric with no raw value is in scores.
    domain = merged["domain"].fillna("")
    merged["domain"] = domain.where(domain != "", per_metric([i.domain for i in info]))
    units = merged["units"].fillna("")
    units = units.where(units != "", per_metric([i.units for i in info]))
    units = by_distinct(units, lambda u: cat.UNIT_NAMES.get(u, u))
    merged["units"] = np.where(merged["value"].isna() | (units == ""), "score", units)
    first = pd.Series(merged["metric_description"].to_numpy()[np.unique(code, return_index=True)[1]]).fillna("")
    merged["metric_name"] = per_metric([i.short if m in framework else (d.strip() or m)
                                        for m, i, d in zip(metric_ids, info, first)])
    weight = pd.Series(per_metric([i.weight for i in info], float), index=merged.index)
    out = merged[_TRUST_COLUMNS + ["metric_id", "metric_name", "domain", "subdomain", "units", "reporting_date",
                                   "value"]].assign(
        peer_median=merged["median"],
        peer_lower_quartile=merged["lower_quartile"],
        peer_upper_quartile=merged["upper_quartile"],
        type_rank=merged["rank"].fillna(merged["rank_s"]),
        score_published=merged["value_s"],
        score=merged["value_s"],
        score_source=np.where(merged["value_s"].notna(), "published", ""),
        weight=weight,
        counted=weight > 0,
    )
    out = out.fillna({c: "" for c in ["region", "trust_subtype", "trust_name", "domain", "subdomain",
                                      "reporting_date"]})
    if deround:
        out = recover_unrounded(out, framework)
    if rescored:
        out = rescore(out, framework)
    elif out["score"].isna().any():
        out = fill_missing_scores(out, framework)
    out = _recombine(out, framework)
    out = out[out["score"].notna()]
    return out.sort_values(keys, kind="stable").reset_index(drop=True)[SCORE_COLUMNS]


# ----------------------------------------------------------------------------------------------------------------
# Step 2: average and domain scores


def score_weights(scores: pd.DataFrame, domain_weights=None) -> pd.Series:
    """Each score's weight in its trust's average: the ``weight`` column (the catalogue's weight, 0 for a metric
    a method leaves out), times, when ``domain_weights`` (a mapping of domain to weight) is given, the domain's
    weight shared among the trust's scores in that domain, so the average becomes the weighted mean of domain means
    (a what-if NHS England does not use). The one place a score's weight is worked out: the average, the bootstrap
    and the improvement plan all use it."""
    weight = scores["weight"].astype(float)
    if not domain_weights:
        return weight
    keys = [scores["quarter"], scores["trust_code"], scores["domain"]]
    share = weight / weight.groupby(keys).transform("sum").where(lambda w: w > 0)
    return (share * scores["domain"].map(domain_weights).fillna(0.0)).fillna(0.0)


def _weighted_mean(scores: pd.DataFrame, weights: pd.Series, keys: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({"wx": weights * scores["score"], "w": weights, "n": weights > 0})
    sums = frame.groupby([scores[k] for k in keys], sort=True).sum()
    return pd.DataFrame({"mean": sums["wx"] / sums["w"].where(sums["w"] > 0), "n": sums["n"].astype(int)})


def average_scores(scores: pd.DataFrame, *, domain_weights=None) -> pd.DataFrame:
    """Average metric score per trust and quarter (OF5002): the weighted mean of its scores (:func:`score_weights`).

    Returns one row per trust and quarter with a weighted score: trust columns, ``n_metrics`` (scores of weight
    above 0), ``average_score`` (unrounded) and ``average_score_2dp`` (as published).
    """
    keys = ["quarter", "trust_code"]
    weights = score_weights(scores, domain_weights)
    use = scores.loc[weights > 0, keys + ["region", "trust_type", "trust_subtype", "trust_name", "score"]]
    info = use.groupby(keys, sort=True)[["region", "trust_type", "trust_subtype", "trust_name"]].first()
    means = _weighted_mean(use, weights[use.index], keys)
    info["n_metrics"] = means["n"]
    info["average_score"] = means["mean"]
    info = info[info["average_score"].notna()]
    info["average_score_2dp"] = round_half_up(info["average_score"])
    return info.reset_index()


def domain_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Weighted mean of the scores inside each domain, per trust and quarter (OF40xx; shown, not used to segment).

    Returns ``quarter``, ``trust_code``, ``domain``, ``domain_score`` (unrounded), ``n_metrics`` and
    ``domain_score_2dp``. Their segments are a banding's business (:func:`oversight.model.assess`).
    """
    keys = ["quarter", "trust_code", "domain"]
    use = scores[(scores["weight"] > 0) & (scores["domain"] != "")]
    means = _weighted_mean(use, use["weight"], keys)
    out = pd.DataFrame({"domain_score": means["mean"], "n_metrics": means["n"]}).reset_index()
    out["domain_score_2dp"] = round_half_up(out["domain_score"])
    return out
