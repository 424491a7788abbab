"""Which interval method best reproduces NHS England's published Q4 2025/26 likely ranges?

Run ``python tools/fit_likely_ranges.py`` to print the table in docs/likely-ranges.md. It compares, for the 61
mental health and community trusts, the published ``Likely_range_of_average_score`` and ``Likely_range_of_rank``
with each candidate method computed from the trusts' own published metric scores.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import oversight as nof  # noqa: E402
from oversight.scoring import round_half_up  # noqa: E402
from oversight.uncertainty import _score_matrix  # noqa: E402

QUARTER = "Q4 2025/26"


def score_errors(lo, hi, published) -> np.ndarray:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return np.maximum(np.abs(round_half_up(lo) - published["score_lo"].to_numpy()),
                      np.abs(round_half_up(hi) - published["score_hi"].to_numpy())).round(2)


def rank_errors(lo, hi, published) -> np.ndarray:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return np.maximum(np.abs(lo - published["rank_lo"].to_numpy()), np.abs(hi - published["rank_hi"].to_numpy()))


def row(label, score_err=None, rank_err=None) -> str:
    cells = [label]
    if score_err is not None:
        cells += [f"{(score_err <= 0.01).sum()}", f"{(score_err <= 0.03).sum()}", f"{score_err.max():.2f}"]
    else:
        cells += ["", "", ""]
    if rank_err is not None:
        cells += [f"{(rank_err == 0).sum()}", f"{(rank_err <= 1).sum()}", f"{rank_err.max():.0f}"]
    else:
        cells += ["", "", ""]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    from scipy import stats
    from statsmodels.stats.weightstats import DescrStatsW

    data = nof.default_dataset()
    result = nof.assess(data)
    published = nof.published_summary(data).query("quarter == @QUARTER").set_index("trust_code")
    trusts = result.trusts.query("quarter == @QUARTER").reset_index(drop=True)
    published = published.reindex(trusts["trust_code"])
    scores = result.scores.query("quarter == @QUARTER and counted")
    values, _, n = _score_matrix(scores, trusts, None)
    own = [values[i, : n[i]] / 100 for i in range(len(trusts))]

    print("| method | score within 0.01 | score within 0.03 | worst score | rank exact | rank within 1 | worst rank |")
    print("|---|---|---|---|---|---|---|")
    exact = nof.likely_ranges(result, [QUARTER], replicates=5000, seed=2025)
    print(row("**percentile bootstrap, exact distribution (default)**; ranks 5,000 replicates",
              score_errors(exact["score_lo"], exact["score_hi"], published),
              rank_errors(exact["rank_lo"], exact["rank_hi"], published)))
    for replicates in (1000, 5000, 10000):
        for seed in (1, 2, 3):
            r = nof.likely_ranges(result, [QUARTER], replicates=replicates, seed=seed, score_method="replicates")
            print(row(f"percentile bootstrap, {replicates:,} replicates, seed {seed}",
                      score_errors(r["score_lo"], r["score_hi"], published),
                      rank_errors(r["rank_lo"], r["rank_hi"], published)))
    normal = [(s.mean() - 1.96 * s.std(ddof=0) / np.sqrt(len(s)), s.mean() + 1.96 * s.std(ddof=0) / np.sqrt(len(s)))
              for s in own]
    print(row("normal, population SD", score_errors(*np.array(normal).T, published)))
    t_int = [DescrStatsW(s).tconfint_mean(0.05) for s in own]
    print(row("Student t (statsmodels DescrStatsW)", score_errors(*np.array(t_int).T, published)))
    for method in ("BCa", "basic"):
        rng = np.random.default_rng(1)
        bounds = []
        for s in own:
            if np.ptp(s) == 0:
                bounds.append((s[0], s[0]))
                continue
            ci = stats.bootstrap((s,), np.mean, n_resamples=5000, method=method, random_state=rng).confidence_interval
            bounds.append((ci.low, ci.high))
        print(row(f"{method} bootstrap (scipy, 5,000 resamples)", score_errors(*np.array(bounds).T, published)))

    # How noisy would NHS England's own figures be? Replicate ranges against the exact ones.
    print()
    print("| replicates | share of 61 score ranges within 0.01 of the exact ones (mean of 20 seeds) |")
    print("|---|---|")
    for replicates in (500, 1000, 2000, 5000, 10000):
        shares = []
        for seed in range(20):
            r = nof.likely_ranges(result, [QUARTER], replicates=replicates, seed=seed, score_method="replicates")
            err = np.maximum(np.abs(r["score_lo"] - exact["score_lo"]), np.abs(r["score_hi"] - exact["score_hi"]))
            shares.append((err.round(2) <= 0.01).mean())
        print(f"| {replicates:,} | {np.mean(shares):.2f} |")
    err = score_errors(exact["score_lo"], exact["score_hi"], published)
    print(f"| NHS England's published ranges | {(err <= 0.01).mean():.2f} |")
    worst = pd.DataFrame({"code": trusts["trust_code"], "err": err, "n": n}).nlargest(7, "err")
    print()
    print("Largest differences (exact method):",
          ", ".join(f"{r.code} {r.err:.2f} (n = {r.n})" for r in worst.itertuples()))


if __name__ == "__main__":
    main()
