"""Each NOF rule once (oversight/rules.py): table-driven cases, and properties that the pandas and the vectorised
paths agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oversight as nof
from oversight import catalogue as cat
from oversight import rules, uncertainty
from oversight.ranking import amr_rank
from oversight.scoring import score_weights
from oversight.uncertainty import _advanced, _draws, _replicate_ranks, _score_matrix, column_percentiles

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@pytest.mark.parametrize(
    "rule, values, expected",
    [
        (rules.Ranked(True), [10, 20, 30], [4.0, 2.5, 1.0]),
        (rules.Ranked(False), [10, 20, 30], [1.0, 2.5, 4.0]),
        (rules.Ranked(False), [10, 10, 30], [1.0, 1.0, 4.0]),  # ties share the best rank
        (rules.Ranked(True), [5, 10, 10, 30], [4.0, 2.0, 2.0, 1.0]),
        (rules.Ranked(True), [42.0], [1.0]),  # a group of one
        (rules.Ranked(False), [1.0, np.nan, 3.0], [1.0, np.nan, 4.0]),
        # A standard: meeting it scores 1, the rest are spread from 2 to 4 among themselves (A&E 78 %).
        (rules.Ranked(True, standard=78.0), [90, 78, 77.9, 60, 50], [1.0, 1.0, 2.0, 3.0, 4.0]),
        # "under 1 %" is strict: exactly 1.0 misses it (52-week waits).
        (rules.Ranked(False, standard=1.0, strict=True), [0.5, 1.0, 2.0], [1.0, 2.0, 4.0]),
        # A floor: failing it scores 4, the rest are spread from 1 to 3 (UCR 70 %).
        (rules.Ranked(True, floor=70.0), [80, 75, 70, 60], [1.0, 2.0, 3.0, 4.0]),
        (rules.Bands((0.0, -1.0, -2.0)), [0.0, 2.39, -0.2, -0.99, -1.0, -1.12, -1.96, -2.0, -2.52],
         [1, 1, 2, 2, 2, 3, 3, 3, 4]),
        (rules.Bands((0.0, -0.5, -1.0)), [0.0, -0.01, -0.48, -0.5, -0.53, -0.8, -1.0, -1.06, -7.43],
         [1, 2, 2, 2, 3, 3, 3, 4, 4]),
    ],
)
def test_scoring_rules(rule, values, expected):
    np.testing.assert_allclose(rule.score(np.asarray(values, float)), expected)


def test_ties_in_the_published_value_are_broken_by_the_files_rank_within_type_only():
    rule = rules.Ranked(False)
    values = [1.4, 1.4, 1.4, 2.0]
    rank = [2, 1, 5, 9]
    same_type = rule.score(values, rank, ["A", "A", "A", "A"])
    np.testing.assert_allclose(same_type, [2.0, 1.0, 3.0, 4.0])
    mixed = rule.score(values, rank, ["A", "A", "B", "A"])  # B's rank says nothing about A's order
    np.testing.assert_allclose(mixed, [2.0, 1.0, 1.0, 4.0])


@pytest.mark.parametrize(
    "plan, variance, combined",
    [(1, 1, 1), (1, 2, 1), (1, 3, 2), (1, 4, 3), (2, 1, 2), (2, 3, 3), (3, 4, 4), (4, 1, 2),
     # the acute exceptions to min(4, variance + 1): never past the plan's own score (RCB 3/3, RR8 2/2, RM1 2/3)
     (3, 3, 3), (2, 2, 2), (4, 4, 4), (4, 3, 4)],
)
def test_combined_finance(plan, variance, combined):
    rule = cat.metric(cat.FINANCE_COMBINED).rule
    assert rule.combine(pd.Series([float(plan)]), pd.Series([float(variance)])).iloc[0] == combined


@pytest.mark.parametrize(
    "value, expected",
    [(2.675, 2.68), (2.665, 2.67), (1.005, 1.01), (2.9049999, 2.90), (2.905, 2.91), (3.0, 3.0), (1.234, 1.23)],
)
def test_round_half_up(value, expected):
    assert rules.round_half_up(value) == expected
    assert rules.hundredths(value) == round(expected * 100)


@pytest.mark.parametrize(
    "score, cuts, expected",
    [
        (1.53, (2.065, 2.3, 2.585), 1),
        (2.06, (2.06, 2.3, 2.585), 1),  # on the cut point: the better side
        (2.065, (2.065, 2.3, 2.585), 2),  # an unrounded average is read at 2 dp (2.07) first
        (2.07, (2.065, 2.3, 2.585), 2),
        (2.30, (2.065, 2.3, 2.585), 2),  # 2.3 * 100 is 229.99999999999997: still on the cut point
        (2.31, (2.065, 2.3, 2.585), 3),
        (3.34, (2.065, 2.3, 2.585), 4),
    ],
)
def test_segment(score, cuts, expected):
    assert rules.segment([score], cuts)[0] == expected


@SETTINGS
@given(st.lists(st.floats(1, 4, allow_nan=False), min_size=1, max_size=30),
       st.lists(st.floats(1, 4, allow_nan=False), min_size=3, max_size=3))
def test_segment_of_hundredths_equals_segment_of_scores(scores, cuts):
    cuts = sorted(cuts)
    by_score = rules.segment(scores, cuts)
    by_hundredths = rules.segment_of_hundredths(rules.hundredths(scores), cuts)
    np.testing.assert_array_equal(by_score, by_hundredths)
    # and both are the plain comparison of the 2-dp average with each cut point (better side on a tie)
    plain = [1 + sum(round(h) > round(c * 100, 6) for c in cuts) for h in rules.hundredths(scores)]
    np.testing.assert_array_equal(by_score, plain)


@SETTINGS
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=2, max_size=60), st.booleans(),
       st.sampled_from(["none", "standard", "floor", "strict"]), st.floats(-1e6, 1e6, width=32))
def test_a_better_raw_value_never_gets_a_worse_score(values, higher, kind, bound):
    rule = rules.Ranked(higher, standard=bound if kind in ("standard", "strict") else None,
                        floor=bound if kind == "floor" else None, strict=kind == "strict")
    v = np.asarray(values, float)
    score = rule.score(v)
    better = (v[:, None] > v[None, :]) if higher else (v[:, None] < v[None, :])
    assert not (better & (score[:, None] > score[None, :])).any()
    assert ((score >= 1) & (score <= 4)).all()


# ----------------------------------------------------------------------------------------------------------------
# The vectorised bootstrap uses the same rules as the assessment


@pytest.mark.parametrize("quarter, files", [("Q1 2025/26", "both"), ("Q4 2025/26", "mhc")])
@pytest.mark.parametrize("override", [True, False])
def test_a_replicate_that_draws_each_score_once_is_the_assessment(default_data, mhc_dataset, quarter, files,
                                                                  override):
    """Give every trust its own scores once (no resampling): the replicate's 2-dp average, segment after the
    override and rank within type must be what the pandas assessment computes from the same 2-dp scores, infection
    thirds and all."""
    data = default_data if files == "both" else mhc_dataset
    result = nof.assess(data.only([quarter]), nof.Method(override=override), details=False)
    scores = result.scores.assign(score=rules.round_half_up(result.scores["score"]))  # the bootstrap's 2-dp grid
    trusts = result.trusts[result.trusts["source"] != "league table"].reset_index(drop=True)
    values, w, n = _score_matrix(scores, trusts, None)
    types = {t: i for i, t in enumerate(sorted(trusts["trust_type"].unique()))}
    own = trusts["unadjusted_segment"].to_numpy()
    averages, ranks, _ = _replicate_ranks(
        values, w, n, np.zeros(len(trusts), bool), trusts["deficit"].to_numpy(bool),
        trusts["trust_type"].map(types).to_numpy(), result.cuts[quarter], override, own, 1, None,
        draw=lambda b, t, width: np.broadcast_to(np.arange(width, dtype=np.int32), (b, t, width)))
    weights = score_weights(scores)
    plain = (scores["score"] * weights).groupby(scores["trust_code"]).sum() / weights.groupby(
        scores["trust_code"]).sum()
    plain = rules.round_half_up(plain.reindex(trusts["trust_code"]).to_numpy())
    np.testing.assert_allclose(rules.round_half_up(averages[0].astype(float)), plain)
    table = trusts.assign(average_score_2dp=plain)
    segments = rules.override(rules.segment(plain, result.cuts[quarter]), table["deficit"], override)
    table = table.assign(segment=segments)
    np.testing.assert_array_equal(ranks[0], amr_rank(table).to_numpy())


@pytest.mark.parametrize("held_over", [0, 1, 2, 3])
@pytest.mark.parametrize("skip", [0, 1, 2, 3, 21, 4_096, 100_001])
def test_an_advanced_generator_draws_the_stream_the_generator_would(held_over, skip):
    """The threads' generators (:func:`_advanced`): after ``skip`` raw outputs, the very outputs the generator
    would draw, and a half output held over from earlier single-precision draws still held over afterwards."""
    rng = np.random.default_rng([2025, 7])
    rng.random(held_over, dtype=np.float32)
    advanced = _advanced(rng, skip)
    np.testing.assert_array_equal(advanced.bit_generator.random_raw(64), rng.bit_generator.random_raw(skip + 64)[skip:])
    np.testing.assert_array_equal(advanced.random(3, dtype=np.float32), rng.random(3, dtype=np.float32))


class _Patterns:
    """A stand-in generator whose raw outputs are every 16-bit pattern once, in order."""

    class bit_generator:  # noqa: N801 (numpy's attribute name)
        @staticmethod
        def random_raw(size):
            assert size == 65_536 // 4
            return np.arange(65_536, dtype=np.uint16).view(np.uint64)


@pytest.mark.parametrize("scores", [1, 2, 5, 7, 23, 100])
def test_each_draw_picks_every_score_within_its_bound_of_one_in_n(scores):
    """:func:`_draws` turns 16 random bits into a position below n: fed every one of the 65,536 bit patterns, each
    position comes up floor(65,536 / n) or ceil(65,536 / n) times (the bound its docstring quotes). From a real
    generator, with a number of cells that leaves bits of each replicate's last output unused, every position is
    below n and a replicate takes ``per_replicate`` outputs, no more."""
    out = _draws(_Patterns, 1, 65_536 // 4, np.full(65_536, scores, dtype=np.uint32),
                 np.empty((1, 65_536), dtype=np.uint32))
    counts = np.bincount(out[0], minlength=scores)
    assert len(counts) == scores
    assert set(np.unique(counts)) <= {65_536 // scores, -(-65_536 // scores)}
    cells, replicates = 3 * scores + 1, 50
    per_replicate = -(-cells // 4)
    rng, twin = np.random.default_rng(3), np.random.default_rng(3)
    out = _draws(rng, replicates, per_replicate, np.full(cells, scores, dtype=np.uint32),
                 np.empty((replicates, cells), dtype=np.uint32))
    assert out.max() < scores and (scores == 1 or len(np.unique(out)) == scores)
    twin.bit_generator.advance(replicates * per_replicate)
    assert rng.bit_generator.state == twin.bit_generator.state


@pytest.mark.parametrize("workers", [2, 3, 4])
@pytest.mark.parametrize("quarter, files", [("Q1 2025/26", "both"), ("Q4 2025/26", "mhc")])
def test_threads_give_the_replicates_one_thread_gives(monkeypatch, default_data, mhc_dataset, quarter, files,
                                                      workers):
    """The bootstrap split among threads, each drawing its own block of replicates from an advanced generator,
    gives every average, rank and count one thread gives, bit for bit, and leaves the generator where one thread
    leaves it: on NHS England's files, with chunks of a few replicates, a number of cells that leaves bits of each
    replicate's last output unused, and every trust type's ranks in play."""
    data = default_data if files == "both" else mhc_dataset
    result = nof.assess(data.only([quarter]), details=False)
    trusts = result.trusts[result.trusts["quarter"] == quarter].reset_index(drop=True)
    values, w, n = _score_matrix(result.scores[result.scores["quarter"] == quarter], trusts, None)
    keep = len(trusts)
    while np.maximum(n[:keep], 1).sum() % 4 == 0:  # cells not a whole number of outputs
        keep -= 1
    values, w, n, trusts = values[:keep], w[:keep], n[:keep], trusts.iloc[:keep]
    cells = int(np.maximum(n, 1).sum())
    assert cells % 4 and trusts["trust_type"].nunique() == (2 if files == "both" else 1)
    types = {t: i for i, t in enumerate(sorted(trusts["trust_type"].unique()))}
    args = (values, w, np.maximum(n, 1), n == 0, trusts["deficit"].to_numpy(bool),
            trusts["trust_type"].map(types).to_numpy(), result.cuts[quarter], True,
            trusts["unadjusted_segment"].to_numpy(), 397)
    monkeypatch.setattr(uncertainty, "_CHUNK_CELLS", cells * 5)
    outcomes = []
    for threads in (1, workers):
        monkeypatch.setattr(uncertainty, "_WORKERS", threads)
        rng = np.random.default_rng([11, 3])
        outcomes.append((*_replicate_ranks(*args, rng), rng.random(8)))
    for one, many in zip(*outcomes):
        np.testing.assert_array_equal(many, one)


@pytest.mark.parametrize("workers", [2, 3])
def test_percentiles_worked_out_a_block_of_trusts_to_a_thread_are_one_calls(monkeypatch, workers):
    """Each trust's percentiles are its own column's, so blocks of columns on threads, put side by side, are the
    very numbers of one call over all of them, and numpy's: of averages and of ranks."""
    rng = np.random.default_rng(5)
    averages, ranks = rng.random((2_000, 1_001)) * 3 + 1, rng.integers(1, 200, (2_000, 1_001)).astype(np.int16)
    for fn, values in [(lambda a: column_percentiles(a.T, [2.5, 97.5]), averages),
                       (lambda r: column_percentiles(r.T, [2.5, 97.5]), ranks)]:
        monkeypatch.setattr(uncertainty, "_WORKERS", 1)
        one = uncertainty._by_trusts(fn, values.T)
        monkeypatch.setattr(uncertainty, "_WORKERS", workers)
        np.testing.assert_array_equal(uncertainty._by_trusts(fn, values.T), one)
        np.testing.assert_array_equal(one, np.percentile(values, [2.5, 97.5], axis=0))


@SETTINGS
@given(st.integers(1, 6), st.integers(1, 40), st.integers(1, 60), st.integers(0, 2**32 - 1))
def test_a_keys_place_is_how_many_keys_of_its_row_are_smaller_counted_or_sorted(rows, cols, kinds, seed):
    """Ranks in the bootstrap (:func:`uncertainty._first_places`): each key's place is the number of smaller keys
    in its replicate, ties sharing the best, whether the keys are counted (no more kinds of key than trusts) or
    sorted (more kinds, or the kinds not given)."""
    key = np.random.default_rng(seed).integers(0, kinds, (rows, cols)).astype(np.int16)
    smaller = (key[:, None, :] < key[:, :, None]).sum(axis=2)
    np.testing.assert_array_equal(uncertainty._first_places(key), smaller)
    np.testing.assert_array_equal(uncertainty._first_places(key, kinds), smaller)


@SETTINGS
@given(st.integers(1, 60), st.integers(1, 12), st.integers(1, 300), st.integers(0, 2**32 - 1),
       st.lists(st.floats(0, 100), min_size=1, max_size=4), st.sampled_from(["ranks", "averages", "fine"]))
def test_column_percentiles_are_numpys(replicates, trusts, top, seed, q, kind):
    """The likely ranges read from each trust's sorted replicates are numpy's percentile, to the bit, whatever the
    replicates, the percentiles and the ties: of whole ranks, of averages on a coarse grid (ties, as the
    bootstrap's averages have) and of averages anywhere (and numpy's own under another method)."""
    rng = np.random.default_rng(seed)
    values = {"ranks": lambda: rng.integers(1, top + 1, (replicates, trusts)).astype(np.int32),
              "averages": lambda: rng.integers(100, 100 + top, (replicates, trusts)) / rng.integers(1, 4, trusts) / 100,
              "fine": lambda: rng.random((replicates, trusts)) * 3 + 1}[kind]()
    for level in (q, [2.5, 97.5]):
        np.testing.assert_array_equal(column_percentiles(values, level), np.percentile(values, level, axis=0))
    # as the bootstrap hands them over: a trust's replicates in one run of memory, sorted where they lie
    held = np.ascontiguousarray(values.T, dtype=np.int16 if kind == "ranks" else None)
    np.testing.assert_array_equal(column_percentiles(held.T, q, overwrite_input=True), np.percentile(values, q, axis=0))
    np.testing.assert_array_equal(held, np.sort(values.T, axis=1))
    np.testing.assert_array_equal(column_percentiles(values, q, "nearest"),
                                  np.percentile(values, q, axis=0, method="nearest"))


def test_column_percentiles_take_numpys_part_at_the_edges():
    """As ``np.percentile``: a column with a NaN gives NaN at every percentile (sorting puts NaN last, so only the
    top ones would), a single q gives one row, and a q outside 0 to 100 is refused with numpy's message."""
    values = np.random.default_rng(1).random((11, 3))
    values[2, 1] = np.nan
    for q in ([2.5, 97.5], 50, [0, 100]):
        np.testing.assert_array_equal(column_percentiles(values, q), np.percentile(values, q, axis=0))
    assert column_percentiles(values, 50).shape == (3,)
    with pytest.raises(ValueError, match="Percentiles must be in the range"):
        column_percentiles(values, [101])


def test_draws_take_32_bits_when_a_trust_has_more_scores_than_16_bits_serve():
    """Above :data:`uncertainty._SHORT_DRAWS_UP_TO` scores a draw takes 32 bits (16 bits could never reach a
    position past 65,535 and would weigh positions unevenly well before): every position stays reachable, one
    replicate of a trust with 70,000 scores lands about evenly across them, and the resampled average of scores
    whose last 4,464 are 4s (the rest 1s) is near the weighted mean."""
    n, cells = 100_000, 4_001
    rng, twin = np.random.default_rng(9), np.random.default_rng(9)
    out = _draws(rng, 1, -(-cells * 32 // 64), np.full(cells, n, dtype=np.uint64), np.empty((1, cells), np.uint64))
    assert out.max() < n and out.max() > 65_536
    assert abs(out.mean() - n / 2) < 0.05 * n
    twin.bit_generator.advance(-(-cells * 32 // 64))
    assert rng.bit_generator.state == twin.bit_generator.state
    scores = np.r_[np.full(65_536, 1.0), np.full(4_464, 4.0)]
    weights = np.where(np.arange(len(scores)) % 2, 1.0, 2.0)
    lo, hi = uncertainty.mean_range(scores, weights, replicates=100)
    mean = (scores * weights).sum() / weights.sum()
    assert lo <= round(mean, 2) <= hi and hi - lo <= 0.03


def test_weights_come_from_the_catalogue_and_the_method(default_data):
    result = nof.assess(default_data.only(["Q1 2025/26"]))
    s = result.scores
    assert set(s.loc[s["metric_id"].isin(["OF1020", "OF1048", "OF1088"]), "weight"].round(6)) == {round(1 / 3, 6)}
    assert set(s.loc[s["metric_id"].isin([cat.FINANCE_PLAN, cat.FINANCE_VARIANCE]), "weight"]) == {0.0}
    dropped = nof.assess(default_data.only(["Q1 2025/26"]), nof.Method(exclude_domains=("Patient safety",)))
    safety = dropped.scores["domain"] == "Patient safety"
    assert (dropped.scores.loc[safety, "weight"] == 0).all() and not dropped.scores.loc[safety, "counted"].any()
    # Every likely range under that method is computed from the weights that are left.
    ranges = nof.likely_ranges(dropped, ["Q1 2025/26"], replicates=200)
    assert ranges["score_lo"].notna().all()
