"""Metric scores, average scores and domain scores (nof-method.md section 1, steps 1 and 2).

Functions take frames and return new ones; none changes its input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalogue as cat

SCORE_COLUMNS = [
    "quarter", "region", "trust_type", "trust_subtype", "trust_code", "trust_name", "metric_id", "metric_name",
    "domain", "subdomain", "units", "reporting_date", "value", "peer_median", "peer_lower_quartile",
    "peer_upper_quartile", "type_rank", "score_published", "score", "score_source", "counted",
]  # fmt: skip

_TRUST_COLUMNS = ["quarter", "region", "trust_type", "trust_subtype", "trust_code", "trust_name"]


# ----------------------------------------------------------------------------------------------------------------
# Step 1: continuous scores from raw values


def continuous_score(values: pd.Series, higher_is_better: bool, floor: float | None = None) -> pd.Series:
    """``1 + 3 (r - 1) / (N - 1)`` with ``r`` the min-rank of each value (1 = best) among the ``N`` values given.

    Values worse than ``floor`` (the UCR 70 % standard) score 4. A single value scores 1. NaN stays NaN.
    """
    ranks = values.rank(method="min", ascending=not higher_is_better)
    n = values.notna().sum()
    score = 1 + 3 * (ranks - 1) / (n - 1) if n > 1 else pd.Series(np.where(values.notna(), 1.0, np.nan), values.index)
    if floor is not None:
        worse = values < floor if higher_is_better else values > floor
        score = score.where(~worse, 4.0)
    return score.astype(float)


def finance_band(values: pd.Series, metric_id: str) -> pd.Series:
    """Discrete finance score 1 to 4 of OF0079 or OF0081 (percent of income) from :data:`FINANCE_BANDS`.

    ``metric_id`` may be the raw ID (OF0079) or the score ID (OF1079).
    """
    first, second, third = cat.FINANCE_BANDS[cat.score_id(metric_id)]
    score = np.select([values >= first, values >= second, values >= third], [1.0, 2.0, 3.0], 4.0)
    return pd.Series(np.where(values.isna(), np.nan, score), index=values.index)


def combined_finance(plan: pd.Series, variance: pd.Series) -> pd.Series:
    """OF1080 from OF1079 (plan) and OF1081 (variance): ``max(1, variance - 1)`` for a plan scoring 1, else
    ``min(4, variance + 1)`` [data: all 244 trust-quarters]."""
    combined = np.where(plan == 1, np.maximum(1, variance - 1), np.minimum(4, variance + 1))
    return pd.Series(np.where(plan.isna() | variance.isna(), np.nan, combined), index=plan.index)


def _score_from_values(scores: pd.DataFrame, rows: pd.Series, source: str) -> pd.DataFrame:
    """Score the ``rows`` (a boolean mask) from their raw values among themselves: continuous metrics ranked within
    their comparison group (own trust type, every loaded provider, or the catalogue's list of types), finance
    metrics by their thresholds. Score-only metrics and metrics of unknown direction keep their score."""
    out = scores.copy()
    for metric_id, group in out[rows & out["value"].notna()].groupby("metric_id"):
        info = cat.metric(metric_id)
        if info.kind == "finance" and metric_id in cat.FINANCE_BANDS:
            out.loc[group.index, "score"] = finance_band(group["value"], metric_id)
        elif info.kind == "continuous" and info.higher_is_better is not None:
            if isinstance(info.group, tuple):
                group = group[group["trust_type"].isin(info.group)]
            keys = [group["quarter"], group["trust_type"]] if info.group == "type" else [group["quarter"]]
            new = group.groupby(keys, group_keys=False)["value"].apply(
                lambda v, info=info: continuous_score(v, info.higher_is_better, info.floor))
            out.loc[new.index, "score"] = new
        else:
            continue
        out.loc[group.index, "score_source"] = source
    return out


def rescore(scores: pd.DataFrame) -> pd.DataFrame:
    """Recompute every score that can be from raw values among the loaded trusts (a what-if: NHS England's
    comparison groups reach beyond one file), and the combined finance score from its parts."""
    return _recombine_finance(_score_from_values(scores, scores["value"].notna(), "rescored from raw values"),
                              refresh=True)


def fill_missing_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Score the rows that have a raw value but no score, leaving every published score as it is.

    Finance values take their thresholds. A continuous value is placed among the peers that have both a value and
    a published score (the score of its neighbours, interpolated), so the comparison group stays NHS England's;
    where no peer has a score (a template of values only), the values are ranked among themselves.
    """
    from .whatif import peers_for, score_for_value

    out = scores.copy()
    missing = out["score"].isna() & out["value"].notna()
    placed = pd.Series(np.nan, index=out.index)
    for (quarter, metric_id), rows in out[missing].groupby(["quarter", "metric_id"]):
        info = cat.metric(metric_id)
        if info.kind != "continuous" or info.higher_is_better is None:
            continue
        for idx, row in rows.iterrows():
            peers = peers_for(out[~missing], quarter, metric_id, row["trust_code"]).dropna(subset=["value", "score"])
            if len(peers) >= 2:
                placed[idx] = score_for_value(peers["value"], peers["score"], row["value"], metric_id)
    has_place = placed.notna()
    out.loc[has_place, "score"] = placed[has_place]
    out.loc[has_place, "score_source"] = "placed among published peers by its raw value"
    rest = missing & ~has_place
    if rest.any():
        out = _score_from_values(out, rest, "scored from its raw value among the loaded trusts without a score")
    return out


def _recombine_finance(scores: pd.DataFrame, refresh: bool = False) -> pd.DataFrame:
    """Add OF1080 wherever OF1079 and OF1081 are present without it; with ``refresh``, recompute it everywhere."""
    keys = ["quarter", "trust_code"]
    parts = scores[scores["metric_id"].isin([cat.FINANCE_PLAN, cat.FINANCE_VARIANCE])]
    wide = parts.drop_duplicates(keys + ["metric_id"]).set_index(keys + ["metric_id"])["score"].unstack()
    if not {cat.FINANCE_PLAN, cat.FINANCE_VARIANCE} <= set(wide.columns):
        return scores
    combined = combined_finance(wide[cat.FINANCE_PLAN], wide[cat.FINANCE_VARIANCE]).dropna()
    existing = scores[scores["metric_id"] == cat.FINANCE_COMBINED]
    existing_keys = pd.MultiIndex.from_frame(existing[keys])
    out = scores.copy()
    source = "combined from OF1079 and OF1081"
    if refresh:
        fresh = combined.reindex(existing_keys).to_numpy()
        known = ~np.isnan(fresh)
        out.loc[existing.index[known], "score"] = fresh[known]
        out.loc[existing.index[known], "score_source"] = source
    missing = combined.index.difference(existing_keys)
    if len(missing):
        new = parts.drop_duplicates(keys).set_index(keys).loc[missing].reset_index()
        new = new.assign(metric_id=cat.FINANCE_COMBINED, metric_name=cat.metric(cat.FINANCE_COMBINED).short,
                         units="score", value=np.nan, peer_median=np.nan, peer_lower_quartile=np.nan,
                         peer_upper_quartile=np.nan, type_rank=np.nan, score_published=np.nan,
                         score=combined.loc[missing].to_numpy(), score_source=source, counted=True)
        out = pd.concat([out, new[out.columns]], ignore_index=True)
    return out


# ----------------------------------------------------------------------------------------------------------------
# Recovering the unrounded scores behind the published 2-dp ones

_LATTICE = np.round(np.arange(100, 401) / 100, 2)  # every 2-dp score from 1.00 to 4.00
_MAX_GROUP = 400


def _on_grid(values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``[i, j]``: is ``values[j]`` within 2-dp rounding of the score grid of a group of ``sizes[i]``?"""
    steps = (sizes[:, None] - 1) / 3
    k = (values[None, :] - 1) * steps
    return np.abs(np.round(k) - k) / steps <= 0.005 + 1e-9


_SIZES = np.arange(2, _MAX_GROUP)
#: Chance that a random 2-dp score lies within rounding of each group size's grid.
_CHANCE_FIT = _on_grid(_LATTICE, _SIZES).mean(axis=1)


def comparison_group_size(published: np.ndarray, at_least: int) -> int | None:
    """The size N of the comparison group a set of published 2-dp continuous scores was ranked in, if it can be told.

    Every continuous score is ``1 + 3 (r - 1) / (N - 1)`` for a whole rank ``r``, so the unrounded scores lie on a
    grid of step ``3 / (N - 1)``. The smallest N (at least ``at_least``, the trusts scored in the file) whose grid
    passes within rounding of every published score is taken, provided a chance fit is unlikely (the probability
    that the distinct scores all fit a grid that random 2-dp numbers would fit is below one in a million). Groups
    whose grid is too fine to tell from 2-dp rounding (about 200 or more providers) and scores that are not
    rank-based give None.
    """
    values = np.unique(published[~np.isnan(published)])
    inner = values[(values > 1) & (values < 4)]
    if len(inner) == 0:
        return None
    usable = (at_least <= _SIZES) & (_CHANCE_FIT ** len(inner) < 1e-6)
    fits = usable & _on_grid(values, _SIZES).all(axis=1)
    return int(_SIZES[np.argmax(fits)]) if fits.any() else None


def comparison_group_labels(scores: pd.DataFrame) -> pd.Series:
    """Which comparison group each score row was ranked in (with quarter and metric): its own trust type for
    metrics ranked within type, the catalogue's set of types (or 'other') for those ranked across some types, and
    one national group otherwise."""
    labels = pd.Series("all", index=scores.index, dtype=object)
    for metric_id, rows in scores.groupby("metric_id"):
        group = cat.metric(metric_id).group
        if group == "type":
            labels[rows.index] = rows["trust_type"]
        elif isinstance(group, tuple):
            labels[rows.index] = np.where(rows["trust_type"].isin(group), "group", "other")
    return labels


def recover_unrounded(scores: pd.DataFrame) -> pd.DataFrame:
    """Replace published 2-dp continuous scores by the exact grid value they were rounded from, metric by metric and
    quarter by quarter, wherever :func:`comparison_group_size` identifies the grid. Elsewhere the score is left as
    published. This is what lets the average score be reproduced to 2 dp (see docs/method.md)."""
    published = scores["score_source"] == "published"
    continuous = scores["metric_id"].map({m: cat.metric(m).kind == "continuous" for m in scores["metric_id"].unique()})
    candidates = scores[published & continuous.astype(bool)]
    group = comparison_group_labels(candidates)
    sizes = candidates.groupby([candidates["quarter"], candidates["metric_id"], group])["score"].transform(
        lambda s: comparison_group_size(s.to_numpy(float), at_least=len(s)) or 0)
    known = sizes[sizes > 0]
    if known.empty:
        return scores
    out = scores.copy()
    step = (known - 1) / 3
    out.loc[known.index, "score"] = 1 + np.round((out.loc[known.index, "score"] - 1) * step) / step
    out.loc[known.index, "score_source"] = "published, unrounded on its group's grid (N = " + \
        known.astype(int).astype(str) + ")"
    return out


# ----------------------------------------------------------------------------------------------------------------
# Long frame of metric scores


def metric_scores(metrics: pd.DataFrame, *, deround: bool = True, rescored: bool = False) -> pd.DataFrame:
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

    Returns
    -------
    DataFrame with columns :data:`SCORE_COLUMNS`. ``score`` is the score the engine uses, ``score_published`` the
    file's own 2-dp score, ``value`` the raw value (NaN for score-only metrics), ``counted`` whether it enters the
    average (OF1079 and OF1081 feed the combined finance score instead).
    """
    keys = ["quarter", "trust_code", "metric_id"]
    described = ["region", "trust_type", "trust_subtype", "trust_name", "domain", "subdomain", "metric_description",
                 "reporting_date"]
    ids = metrics["metric_id"]
    score_part = metrics.loc[ids.str.match(r"OF1\d{3}$"), keys + described + ["value", "rank"]]
    raw_part = metrics.loc[ids.str.match(r"OF0\d{3}$"), keys + described + [
        "units", "value", "median", "lower_quartile", "upper_quartile", "rank"]]
    raw_part = raw_part.assign(metric_id="OF1" + raw_part["metric_id"].str[3:])
    merged = score_part.merge(raw_part, on=keys, how="outer", suffixes=("_s", ""))
    for col in described:  # the raw row describes the metric; a score-only metric has just its score row
        merged[col] = merged[col].where(merged[col].notna() & (merged[col] != ""), merged[f"{col}_s"])
    # Files without domains or units (our template) take the catalogue's; a metric with no raw value is in scores.
    ids = merged["metric_id"].unique()
    domains = merged["metric_id"].map({m: cat.metric(m).domain for m in ids})
    merged["domain"] = merged["domain"].fillna("").where(merged["domain"].fillna("") != "", domains)
    units = merged["units"].fillna("").where(merged["units"].fillna("") != "",
                                             merged["metric_id"].map({m: cat.metric(m).units for m in ids}))
    merged["units"] = np.where(merged["value"].isna() | (units == ""), "score", units)
    described_names = merged.drop_duplicates("metric_id").set_index("metric_id")["metric_description"].fillna("")
    merged["metric_name"] = merged["metric_id"].map(
        {m: cat.CATALOGUE[m].short if m in cat.CATALOGUE else (d or m) for m, d in described_names.items()})
    out = merged[_TRUST_COLUMNS + ["metric_id", "metric_name", "domain", "subdomain", "units", "reporting_date",
                                   "value"]].assign(
        peer_median=merged["median"],
        peer_lower_quartile=merged["lower_quartile"],
        peer_upper_quartile=merged["upper_quartile"],
        type_rank=merged["rank"].fillna(merged["rank_s"]),
        score_published=merged["value_s"],
        score=merged["value_s"],
        score_source=np.where(merged["value_s"].notna(), "published", ""),
        counted=~merged["metric_id"].isin(cat.NOT_AVERAGED),
    )
    out = out.fillna({c: "" for c in ["region", "trust_subtype", "trust_name", "domain", "subdomain",
                                      "reporting_date"]})
    if deround:
        out = recover_unrounded(out)
    if rescored:
        out = rescore(out)
    elif out["score"].isna().any():
        out = fill_missing_scores(out)
    out = _recombine_finance(out)
    out = out[out["score"].notna()]
    return out.sort_values(keys, kind="stable").reset_index(drop=True)[SCORE_COLUMNS]


# ----------------------------------------------------------------------------------------------------------------
# Step 2: average and domain scores


def average_scores(scores: pd.DataFrame, *, exclude_metrics=(), exclude_domains=(),
                   domain_weights=None) -> pd.DataFrame:
    """Average metric score per trust and quarter (OF5002): the plain mean of every counted score.

    ``exclude_metrics`` / ``exclude_domains`` drop metrics before averaging (what-ifs). ``domain_weights`` (a
    mapping of domain to weight) replaces the plain mean by the weighted mean of domain means, a what-if NHS England
    does not use.

    Returns one row per trust and quarter: trust columns, ``n_metrics``, ``average_score`` (unrounded) and
    ``average_score_2dp`` (as published).
    """
    keys = ["quarter", "trust_code"]
    use = scores[scores["counted"] & ~scores["metric_id"].isin(exclude_metrics)
                 & ~scores["domain"].isin(exclude_domains)]
    info = use.groupby(keys, sort=True)[["region", "trust_type", "trust_subtype", "trust_name"]].first()
    info["n_metrics"] = use.groupby(keys, sort=True)["score"].size()
    if domain_weights:
        by_domain = use.groupby(keys + ["domain"])["score"].mean().rename("mean").reset_index()
        by_domain["w"] = by_domain["domain"].map(domain_weights).fillna(0.0)
        by_domain["wx"] = by_domain["w"] * by_domain["mean"]
        sums = by_domain.groupby(keys)[["wx", "w"]].sum()
        info["average_score"] = (sums["wx"] / sums["w"].where(sums["w"] > 0)).reindex(info.index)
    else:
        info["average_score"] = use.groupby(keys, sort=True)["score"].mean()
    info = info[info["average_score"].notna()]
    info["average_score_2dp"] = round_half_up(info["average_score"])
    return info.reset_index()


def domain_scores(scores: pd.DataFrame, metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean of the counted scores inside each domain, per trust and quarter (OF40xx; shown, not used to segment),
    with its segment.

    ``domain_segment`` is NHS England's published OF41xx segment where ``metrics`` (the file's rows) has it,
    otherwise the quartile of the domain score among the loaded trusts, per quarter and domain
    (``domain_segment_source`` says which).
    """
    keys = ["quarter", "trust_code", "domain"]
    use = scores[scores["counted"] & (scores["domain"] != "")]
    out = use.groupby(keys)["score"].agg(domain_score="mean", n_metrics="size").reset_index()
    out["domain_score_2dp"] = round_half_up(out["domain_score"])
    published = pd.Series(dtype=float, name="published")
    if metrics is not None:
        rows = metrics[metrics["metric_id"].str.match(r"OF41\d{2}$")]
        published = rows.groupby(keys)["value"].first().rename("published")
    out = out.join(published, on=keys)
    quartile = out.groupby(["quarter", "domain"])["domain_score_2dp"].transform(
        lambda s: 1 + np.searchsorted(np.quantile(s, [0.25, 0.5, 0.75]), s, side="left"))
    out["domain_segment"] = out["published"].fillna(quartile).astype(int)
    out["domain_segment_source"] = np.where(out["published"].notna(), "published by NHS England",
                                            "quartile of loaded trusts")
    return out.drop(columns="published")


def round_half_up(values, decimals: int = 2):
    """Round half up, as spreadsheets and NHS England's published figures do (not banker's rounding).

    A tiny tolerance absorbs binary floating-point error, so 2.675 (stored as 2.67499...) rounds to 2.68.
    """
    factor = 10.0**decimals
    return np.floor(values * factor + 0.5 + 1e-9) / factor
