"""Likely ranges ("confidence intervals") of average score and rank (nof-method.md section 2).

NHS England's likely ranges are a percentile bootstrap of each trust's own metric scores: resample the trust's n
scores with replacement, average, re-segment with the quarter's fixed cut points, re-apply the financial override and
re-rank the whole peer group, many times; report the 2.5th and 97.5th percentiles. ``docs/likely-ranges.md`` shows
how this reproduces their published Q4 2025/26 ranges and which variants fit worse.

Two things are computed here:

* **score ranges**: by default exactly. Scores are published to 2 dp, so a trust's resampled average is a sum of n
  draws from a distribution on the 0.01 grid; its whole distribution is the n-fold convolution of that distribution,
  computed for every trust at once with one FFT. The percentiles are then those of infinitely many replicates, with
  no Monte Carlo noise. ``score_method="replicates"`` takes them from the replicates instead.
* **rank ranges**: from seeded replicates, vectorised over trusts and replicates (replicates are drawn in chunks to
  bound memory; there is no loop per trust or per replicate), split among the machine's cores (up to four threads)
  with the very draws one thread makes.
"""

from __future__ import annotations

import os
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from . import rules
from .catalogue import quarter_order
from .rules import round_half_up, segment
from .scoring import score_weights

DEFAULT_REPLICATES = 5000
DEFAULT_SEED = 2025
LEVEL = 0.95
# draws held in memory at once: small enough to stay in cache, large enough that two threads seldom wait for each
# other (at 250,000 the Q1 bootstrap took a fifth longer on two threads)
_CHUNK_CELLS = 500_000
# the most scores a trust may have for 16-bit draws (each score's chance then within 0.1% of 1/n); more take 32 bits
_SHORT_DRAWS_UP_TO = 64
_WORKERS = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)


_MATRIX_COLUMNS = ["quarter", "trust_code", "domain", "score", "weight"]  # what _score_matrix reads of the scores


def _score_matrix(scores: pd.DataFrame, trusts: pd.DataFrame, domain_weights: dict | None):
    """Per trust: its weighted scores in hundredths (padded), their weights (:func:`score_weights`: the
    catalogue's, a third for each infection score) and how many there are. A replicate resamples scores, so each
    drawn score carries its own weight."""
    weights = score_weights(scores, domain_weights).to_numpy()
    row = pd.Index(trusts["trust_code"]).get_indexer(scores["trust_code"])  # each score's trust, -1 for none
    use = (weights > 0) & (row >= 0)
    row, weights, score = row[use], weights[use], scores["score"].to_numpy()[use]
    n = np.bincount(row, minlength=len(trusts))
    # each score's place among its trust's, in the order of the rows (a cumulative count per trust)
    order = np.argsort(row, kind="stable")
    pos = np.empty(len(row), dtype=np.int64)
    pos[order] = np.arange(len(row)) - (np.cumsum(n) - n)[row[order]]
    width = max(int(n.max()) if len(n) else 1, 1)
    values = np.zeros((len(trusts), width), dtype=np.int64)
    values[row, pos] = rules.hundredths(score)
    w = np.zeros((len(trusts), width))
    w[row, pos] = weights
    return values, w, n


def exact_average_distribution(values: np.ndarray, n: np.ndarray):
    """Exact bootstrap distribution of each trust's average score.

    ``values`` holds each trust's scores in hundredths (row ``i`` uses its first ``n[i]`` entries). Returns
    ``(pmf, offset)``: ``pmf[i, k]`` is the probability that trust ``i``'s resampled scores sum to
    ``offset[i] + k`` hundredths.
    """
    trusts, width = values.shape
    base = np.where(n > 0, values.min(axis=1, initial=10**6, where=np.arange(width) < n[:, None]), 0)
    span = int(np.max(values.max(axis=1) - base)) + 1 if trusts else 1
    single = np.zeros((trusts, span))
    cols = values - base[:, None]
    valid = np.arange(width)[None, :] < n[:, None]
    np.add.at(single, (np.nonzero(valid)[0], cols[valid]), 1.0)
    single /= np.maximum(n, 1)[:, None]
    length = int((span - 1) * max(int(n.max()), 1) + 1)
    size = 1 << (length - 1).bit_length()
    spectrum = np.fft.rfft(single, size, axis=1) ** n[:, None]
    pmf = np.maximum(np.fft.irfft(spectrum, size, axis=1)[:, :length], 0)
    pmf /= pmf.sum(axis=1, keepdims=True)
    return pmf, base * n


def _exact_score_bounds(values, n, level, block: int = 256):
    """Percentiles of the exact distributions, a block of trusts at a time (bounded memory for big files)."""
    tail = (1 - level) / 2
    lo, hi = np.empty(len(n)), np.empty(len(n))
    for start in range(0, len(n), block):
        part = slice(start, start + block)
        pmf, offset = exact_average_distribution(values[part], n[part])
        cdf = np.cumsum(pmf, axis=1)
        denom = 100 * np.maximum(n[part], 1)
        lo[part] = (np.argmax(cdf >= tail - 1e-9, axis=1) + offset) / denom
        hi[part] = (np.argmax(cdf >= 1 - tail - 1e-9, axis=1) + offset) / denom
    return lo, hi


def _integer_weights(w: np.ndarray, valid: np.ndarray) -> np.ndarray | None:
    """Whole numbers proportional to the weights (the infection thirds: 1 against 3 for the rest), or None when no
    multiplier up to 12 makes them whole (a what-if's domain weights): the replicates then add floats instead."""
    ws = w[valid]
    if len(ws) == 0:
        return np.zeros(w.shape, dtype=np.int64)
    base = ws.min()
    for m in range(1, 13):
        scaled = w / base * m
        if np.allclose(scaled[valid], np.round(scaled[valid]), atol=1e-9):
            return np.where(valid, np.round(scaled), 0).astype(np.int64)
    return None


def _key_table(values, n, deficit, type_idx, cuts, override):
    """Each trust's rank key for every 2-dp average it can take, as one flat lookup: ``table[start[t] + a]`` is
    the key of trust ``t`` at average ``a`` (in hundredths). The key packs the trust's type, its segment after the
    financial override and the average (clipped to 1.00 to 5.00) into one small integer, so that comparing keys
    compares (type, segment, average) as the league table does; it is :func:`oversight.rules.segment_of_hundredths`
    and :func:`oversight.rules.override` worked out once per possible average instead of once per draw. A trust's
    average lies between its lowest and highest score, so ``a`` spans ``low`` to ``high`` (the lowest and highest
    score of any trust). The keys are numbered from 0 in their order, without gaps (so :func:`_first_places` can
    count them when there are fewer kinds than trusts); the last value returned is how many kinds there are."""
    trusts, width = values.shape
    valid = np.arange(width)[None, :] < n[:, None]
    low = int(values[valid].min(initial=100))
    high = int(values[valid].max(initial=400))
    averages = np.arange(low, high + 1)
    seg = rules.segment_of_hundredths(averages, cuts)
    keys_per_type = 6 * 401  # segments 1 to 5 x averages 1.00 to 4.00 in hundredths (clipped to 5.00)
    key_dtype = np.int16 if keys_per_type * (int(type_idx.max(initial=0)) + 1) < 2**15 else np.int32
    clipped = np.clip(averages, 100, 500) - 100
    rows = []  # (type, deficit) pairs: one row of keys each
    for t in range(int(type_idx.max(initial=0)) + 1):
        for in_deficit in (False, True):
            after = rules.override(seg, np.full(len(seg), in_deficit), override)
            rows.append(t * keys_per_type + after * 401 + clipped)
    distinct, table = np.unique(np.asarray(rows).ravel(), return_inverse=True)  # in order, without gaps
    start = ((type_idx * 2 + deficit.astype(int)) * len(averages) - low).astype(np.int32)
    return table.astype(key_dtype), start, low, high, len(distinct)


def _replicate_ranks(values, w, n, fixed, deficit, type_idx, cuts, override, own_segment, replicates, rng,
                     draw=None, keep=None):
    """Bootstrap every trust at once, ``replicates`` times.

    Returns ``(averages, ranks, worse)``: each trust's resampled average (float64: in float32, 3.225 would round
    down) and rank within its type (int16; int32 beyond 32,767 trusts) in every replicate, arrays (replicates,
    trusts) that are views of arrays held a trust to a row (as the percentiles read them), and how many replicates
    put it in a worse segment (by score) than ``own_segment``. With ``keep`` (a boolean per trust) the averages
    are only those of the trusts it marks (the rest are not needed: their score ranges are exact).

    Only a trust's own scores are drawn: they lie in one flat run of cells, the trusts with the same number of
    scores side by side, so one gather picks every draw of a replicate and one sum per group of equal size (a
    dozen or so) gives every resampled total. With whole-number weights each cell packs the weight and the
    weighted score into one integer (``weight << shift | weight x score``), so the one sum gives both the weighted
    total and the total weight. Ranks come from sorting each replicate's keys (type, segment, 2-dp average as one
    small integer, looked up in :func:`_key_table`): a trust's rank is one more than the number of keys before the
    first equal to its own (ties share the best rank).

    Each draw is 16 bits of the generator's raw 64-bit output, four to an output, or 32 bits when a trust has more
    than :data:`_SHORT_DRAWS_UP_TO` scores (:func:`_draws`); a replicate takes ``ceil(cells x bits / 64)``
    outputs. ``draw(b, trusts, width)`` may replace the random picks (positions into each
    trust's scores), so a test can give each trust its own scores once and check the replicate's arithmetic
    against the assessment's.
    """
    trusts, width = values.shape
    if keep is not None:
        keep = np.asarray(keep)
        if keep.dtype != bool or keep.shape != (trusts,):
            raise ValueError("keep must be a boolean per trust")
    valid = np.arange(width)[None, :] < n[:, None]
    whole = _integer_weights(w, valid)
    if whole is not None:
        top = int(whole.max(initial=1))
        shift = int(top * 400 * width).bit_length()
        # int32 when the packed total of a whole row fits (then every partial sum does too)
        dtype = np.int32 if shift + int(top * width).bit_length() <= 31 else np.int64
        packed = [np.where(valid, (whole << shift) + whole * values, 0).astype(dtype)]
    else:
        shift = None
        packed = [np.where(valid, values * w, 0), np.where(valid, w, 0)]
    # The cells: trusts grouped by their number of scores (stable, so in their order within a group), each
    # trust's scores in turn. ``column`` is each trust's place in that order.
    order = np.argsort(n, kind="stable")
    sizes = n[order]
    first_cell = np.cumsum(sizes) - sizes
    cell_trust, cell_score = np.repeat(order, sizes), np.arange(int(sizes.sum())) - np.repeat(first_cell, sizes)
    cells = [table[cell_trust, cell_score] for table in packed]
    bits = 16 if int(n.max(initial=0)) <= _SHORT_DRAWS_UP_TO else 32
    positions = np.uint32 if bits == 16 else np.uint64  # wide enough for u x n before the shift
    n_cell, start_cell = np.repeat(sizes, sizes).astype(positions), np.repeat(first_cell, sizes).astype(positions)
    column = np.argsort(order, kind="stable")
    starts = np.flatnonzero(np.r_[True, sizes[1:] != sizes[:-1]]) if trusts else np.array([], dtype=int)
    ends = np.r_[starts[1:], trusts]
    # (first cell, last cell, first trust, last trust, scores each) of each group, in that order
    groups = [(int(first_cell[t0]), int(first_cell[t0] + (t1 - t0) * sizes[t0]), int(t0), int(t1), int(sizes[t0]))
              for t0, t1 in zip(starts, ends)]
    n_cells = len(cell_trust)
    per_replicate = -(-n_cells * bits // 64)  # raw outputs a replicate takes
    types = int(type_idx.max()) + 1
    keys, key_start, low, high, kinds = _key_table(values, n, deficit, type_idx, cuts, override)
    # A replicate is in a worse segment than the trust's own when its 2-dp average passes the cut point after the
    # own segment (segment_of_hundredths: a cut point counts when it is below the average).
    cut = rules.cut_hundredths(cuts)
    worse_above = np.where(own_segment <= len(cut), cut[np.clip(own_segment, 1, len(cut)) - 1], np.inf)[None, :]
    type_start = np.bincount(type_idx, minlength=types).cumsum() - np.bincount(type_idx, minlength=types)
    rank_shift = (type_start[type_idx] - 1)[None, :]
    chunk = max(1, _CHUNK_CELLS // max(n_cells, 1))
    # held a trust to a row, as the percentiles read them (handed out transposed: a replicate to a row)
    kept = None if keep is None or keep.all() else np.flatnonzero(keep)
    averages = np.empty((trusts if kept is None else len(kept), replicates), dtype=np.float64)
    ranks = np.empty((trusts, replicates), dtype=np.int16 if trusts < 2**15 else np.int32)  # what the sort wants
    fixed_value = values[:, 0][None, :]

    def block(first: int, last: int, generator) -> np.ndarray:
        """Replicates ``first`` to ``last - 1``, a chunk at a time; how many of them fall in a worse segment.

        Each step writes into arrays made once for the block (``out=``): a new array per step and chunk would be
        memory handed back to the system and faulted in again each time, which cost as much as the arithmetic."""
        rows = min(chunk, last - first)
        at = np.empty((rows, n_cells), dtype=positions)
        picked = [np.empty((rows, n_cells), dtype=c.dtype) for c in cells]
        grouped, total = ([np.empty((rows, trusts), dtype=c.dtype) for c in cells] for _ in range(2))
        part, weight = (np.empty((rows, trusts), dtype=cells[0].dtype) for _ in range(2))
        avg100, scaled = np.empty((rows, trusts)), np.empty((rows, trusts))
        rounded, key = np.empty((rows, trusts), dtype=np.int64), np.empty((rows, trusts), dtype=keys.dtype)
        worse = np.zeros(trusts, dtype=np.int64)
        for start in range(first, last, chunk):
            b = min(chunk, last - start)
            at_, part_, weight_, avg_, scaled_, rounded_, key_ = (
                x[:b] for x in (at, part, weight, avg100, scaled, rounded, key))
            if draw is not None:
                at_[...] = draw(b, trusts, width)[:, cell_trust, cell_score]
            else:
                _draws(generator, b, per_replicate, n_cell, out=at_)
            np.add(at_, start_cell, out=at_)
            for cell, picked_, grouped_, total_ in zip(cells, picked, grouped, total):
                # np.take gathers about twice as fast as indexing with an array ("clip": no bounds to check,
                # every position is in the table)
                np.take(cell, at_, out=picked_[:b], mode="clip")
                for c0, c1, t0, t1, size in groups:
                    # einsum sums the short last axis about three times as fast as .sum; whole numbers in the
                    # table's type add up exactly in any order
                    np.einsum("ijk->ij", picked_[:b, c0:c1].reshape(b, t1 - t0, size), out=grouped_[:b, t0:t1])
                np.take(grouped_[:b], column, axis=1, out=total_[:b])  # back in the trusts' order
            if shift is not None:
                total_ = total[0][:b]
                np.bitwise_and(total_, (1 << shift) - 1, out=part_)
                np.right_shift(total_, shift, out=weight_)
                np.maximum(weight_, 1, out=weight_)
                np.divide(part_, weight_, out=avg_)
            else:
                np.divide(total[0][:b], np.maximum(total[1][:b], 1e-12), out=avg_)
            np.copyto(avg_, fixed_value, where=fixed[None, :])
            np.divide(avg_, 100, out=avg_)  # the averages
            averages[:, start : start + b] = (avg_ if kept is None else avg_[:, kept]).T
            rules.hundredths(avg_, out=rounded_, scratch=scaled_)  # average to 2 dp, in hundredths
            worse += (rounded_ > worse_above).sum(axis=0)
            np.clip(rounded_, low, high, out=rounded_)
            np.add(rounded_, key_start[None, :], out=rounded_)
            np.take(keys, rounded_, out=key_, mode="clip")
            np.subtract(_first_places(key_, kinds), rank_shift, out=ranks[:, start : start + b].T)
        return worse

    chunks = -(-replicates // chunk)
    workers = min(_WORKERS, chunks // 2) if draw is None and type(rng.bit_generator) is np.random.PCG64 else 1
    if workers < 2:
        return averages.T, ranks.T, block(0, replicates, rng)
    # Threads, each a contiguous block of replicates with a generator advanced to where the one generator's stream
    # reaches the block (:func:`_advanced`): the same draws, so the same ranges, as one thread drawing them all in
    # turn. numpy lets go of the GIL inside each step, so the blocks are worked on at once; each writes only its own
    # rows and the counts add up in any order.
    bounds = [chunk * (chunks * i // workers) for i in range(workers)] + [replicates]
    generators = [_advanced(rng, first * per_replicate) for first in bounds[:-1]]
    with ThreadPoolExecutor(workers) as pool:
        counts = list(pool.map(block, bounds[:-1], bounds[1:], generators))
    rng.bit_generator.state = generators[-1].bit_generator.state  # left where one thread would have left it
    return averages.T, ranks.T, np.sum(counts, axis=0)


def _draws(generator: np.random.Generator, replicates: int, per_replicate: int, n_cell: np.ndarray, out: np.ndarray):
    """Fill ``out`` (replicates x cells, of ``n_cell``'s type) with a position below ``n_cell`` for every cell.

    ``n_cell`` uint32: 16 bits ``u`` of the generator's raw output a cell, four to a 64-bit output; uint64: 32 bits,
    two to an output. A replicate takes ``per_replicate`` outputs (the bits left over at its end are not used), read
    as little-endian words whatever the machine, and ``u`` becomes ``u x n >> bits``. A position then comes up
    ``floor(2**bits / n)`` or ``ceil(2**bits / n)`` times in ``2**bits``, so its chance differs from ``1 / n`` by
    less than ``n / 2**bits`` of itself: with 16 bits, under 0.04% for a trust's 23 scores and 0.1% for
    :data:`_SHORT_DRAWS_UP_TO`, far below the Monte Carlo noise of thousands of replicates, for half the random bits
    of numpy's single-precision uniform (which takes 32) and no conversion from floating point."""
    bits = 16 if n_cell.dtype == np.uint32 else 32
    raw = generator.bit_generator.random_raw(replicates * per_replicate).astype("<u8", copy=False)
    u = raw.view(f"<u{bits // 8}").reshape(replicates, 64 // bits * per_replicate)[:, : out.shape[1]]
    np.multiply(u, n_cell, out=out)
    np.right_shift(out, bits, out=out)
    return out


def _advanced(rng: np.random.Generator, outputs: int) -> np.random.Generator:
    """A new generator that draws what the PCG64 generator ``rng`` would draw after ``outputs`` raw 64-bit
    outputs, without drawing them (PCG64's ``advance``). ``advance`` drops a half output held over for
    single-precision draws; drawing raw outputs would keep it, so the copy gets it back."""
    bits = np.random.PCG64()
    held = rng.bit_generator.state
    bits.state = held
    bits.advance(outputs)
    bits.state = {**bits.state, "has_uint32": held["has_uint32"], "uinteger": held["uinteger"]}
    return np.random.Generator(bits)


def _by_trusts(fn, rows: np.ndarray) -> np.ndarray:
    """``fn(rows)`` for a function of each trust's own row of replicates (its percentiles, one column of the result
    each), worked out a block of rows to a thread (numpy sorts without the GIL) and put side by side: the very
    numbers of one call."""
    trusts = rows.shape[0]
    workers = min(_WORKERS, rows.size // 500_000)  # threads pay on a few million numbers only
    if workers < 2:
        return fn(rows)
    bounds = [trusts * i // workers for i in range(workers + 1)]
    with ThreadPoolExecutor(workers) as pool:
        return np.concatenate(list(pool.map(lambda a, b: fn(rows[a:b]), bounds[:-1], bounds[1:])), axis=-1)


def _first_places(key: np.ndarray, kinds: int | None = None) -> np.ndarray:
    """Each key's place (from 0) in its row sorted, equal keys sharing the first place of their run: how many keys
    of the row are smaller.

    With ``kinds`` (the keys are whole numbers from 0 to ``kinds - 1``) no more than a row's keys, the keys of each
    row are counted (one ``bincount`` for all rows) and each key's place is the count of the kinds before it: a
    pass over the keys instead of a sort (5,000 trusts have a few hundred kinds of key). Otherwise the rows are
    sorted; the sorted order is held as flat positions (row start + column), so the gather and the scatter are
    plain indexing (``take_along_axis`` and ``put_along_axis`` cost twice as much on rows this short)."""
    rows, cols = key.shape
    if kinds is not None and kinds <= cols:
        at = key + (np.arange(rows, dtype=np.int64) * kinds)[:, None]
        counts = np.bincount(at.ravel(), minlength=rows * kinds).reshape(rows, kinds)
        before = np.cumsum(counts, axis=1, dtype=np.int32)
        before -= counts  # the keys of smaller kinds
        return before.ravel().take(at)
    order = np.argsort(key, axis=1, kind="stable")
    order += (np.arange(rows) * cols)[:, None]
    flat = order.ravel()
    ordered = key.ravel()[flat].reshape(rows, cols)
    new = np.ones(ordered.shape, dtype=bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.maximum.accumulate(np.where(new, np.arange(cols, dtype=np.int32), 0), axis=1)  # each run's start
    place = np.empty(rows * cols, dtype=np.int32)
    place[flat] = first.ravel()
    return place.reshape(rows, cols)


def column_percentiles(values: np.ndarray, q, method: str = "linear", overwrite_input: bool = False) -> np.ndarray:
    """``np.percentile(values, q, axis=0, method=method)``, each column (a trust's replicates) on its own.

    Under numpy's default "linear" method each column is sorted (whole ranks as 16-bit integers, which numpy sorts
    by radix; averages as they are, which numpy sorts with SIMD instructions where the processor has them: both
    several times quicker than partitioning every column as ``np.percentile`` does) and the order statistics the
    percentiles lie between are interpolated as numpy does (``numpy.lib._function_base_impl._lerp``): the same
    numbers, which a test holds to numpy's, NaN for a column with a NaN included. Otherwise (another method, other
    dtypes, a q out of 0 to 100) numpy's own percentile. With ``overwrite_input`` each column may be sorted where it
    lies (no copy) when it is one run of memory in its own dtype."""
    n, cols = values.shape
    qs = np.asarray(q, dtype=float)
    if (method != "linear" or n == 0 or values.dtype.kind not in "iuf" or qs.ndim > 1
            or not ((qs >= 0) & (qs <= 100)).all()):
        return np.percentile(values, q, axis=0, method=method)  # and numpy's message for a q out of range
    small = values.dtype.kind in "iu" and int(values.max(initial=0)) < 2**15 and values.min(initial=0) >= -(2**15)
    ordered = values.T.astype(np.int16, copy=False) if small else values.T  # row c: column c's values
    kind = "stable" if small else None
    if ordered.flags.c_contiguous and (overwrite_input or not np.may_share_memory(ordered, values)):
        ordered.sort(axis=1, kind=kind)  # a copy of our own, or the caller's to overwrite
    else:
        ordered = np.sort(ordered, axis=1, kind=kind)
    virtual = (n - 1) * (np.atleast_1d(qs) / 100)  # numpy's 'linear' index into the sorted replicates
    previous = np.minimum(np.floor(virtual), n - 1).astype(np.intp)
    following = np.minimum(previous + 1, n - 1)
    gamma = (virtual - np.where(virtual >= n - 1, -1, previous))[:, None]  # as numpy (the bounds are equal there)
    wide = np.int64 if values.dtype.kind in "iu" else values.dtype
    a, b = (ordered[:, k].T.astype(wide) for k in (previous, following))
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    if values.dtype.kind == "f":  # a column with a NaN (sorted last) has NaN percentiles, as numpy gives
        out[:, np.isnan(ordered[:, -1])] = np.nan
    return out if qs.ndim else out[0]


def mean_range(scores, weights=None, *, level: float = LEVEL, replicates: int = DEFAULT_REPLICATES,
               seed: int = DEFAULT_SEED) -> tuple[float, float]:
    """The likely range of one weighted mean of scores (a domain score, say), by the method of
    :func:`likely_ranges`: the exact bootstrap distribution when every weight is equal, else seeded weighted
    replicates. Returns ``(lo, hi)`` to 2 dp, NaNs for no scores."""
    scores = np.asarray(scores, float)
    weights = np.ones(len(scores)) if weights is None else np.asarray(weights, float)
    keep = weights > 0
    scores, weights = scores[keep], weights[keep]
    if len(scores) == 0:
        return float("nan"), float("nan")
    values = rules.hundredths(scores)[None, :]
    n = np.array([len(scores)])
    if np.all(weights == weights[0]):
        lo, hi = _exact_score_bounds(values, n, level)
    else:
        one = np.zeros(1, dtype=int)
        averages, _, _ = _replicate_ranks(values, weights[None, :], n, np.zeros(1, bool), np.zeros(1, bool), one,
                                          (9.0, 9.0, 9.0), False, one + 1, replicates,
                                          np.random.default_rng(seed))
        tail = (1 - level) / 2 * 100
        lo, hi = np.percentile(averages[:, 0], [tail, 100 - tail])
    return float(round_half_up(np.atleast_1d(lo)[0])), float(round_half_up(np.atleast_1d(hi)[0]))


RANGE_COLUMNS = ["quarter", "trust_code", "score_lo", "score_hi", "rank_lo", "rank_hi", "segment_lo", "segment_hi",
                 "p_worse_segment", "range_method"]


def likely_ranges(assessment, quarters=None, *, replicates: int = DEFAULT_REPLICATES, seed: int = DEFAULT_SEED,
                  score_method: str = "exact", level: float = LEVEL, percentile_method: str = "linear") -> pd.DataFrame:
    """Likely ranges of average score and rank for every trust in the given quarters (default: all).

    Parameters
    ----------
    assessment : :class:`oversight.model.Assessment`
    replicates, seed : bootstrap replicates and the seed of numpy's default generator (same seed, same ranges).
    score_method : ``"exact"`` (default; the limit of infinitely many replicates) or ``"replicates"``.
    level : coverage of the range (0.95 gives the 2.5th and 97.5th percentiles).
    percentile_method : numpy's percentile method for the replicate percentiles.

    Returns
    -------
    DataFrame, one row per trust and quarter: ``quarter``, ``trust_code``, ``score_lo``, ``score_hi`` (2 dp),
    ``rank_lo``, ``rank_hi`` (whole ranks), ``segment_lo``, ``segment_hi`` (the segments the score range spans,
    before the override), ``p_worse_segment`` (share of replicates in a worse segment than the trust's own) and
    ``range_method``. Trusts known only from a league table keep their average fixed in the replicates (there are
    no metric scores to resample) and take NHS England's published ranges instead: the score range always (it
    depends only on the trust's own scores), the rank range only under the file's own method (another method moves
    ranks the published range knows nothing of).
    """
    trusts_all = assessment.trusts
    quarters = [q for q in (quarters or quarter_order(trusts_all["quarter"].unique())) if q in assessment.cuts]
    domain_weights = dict(assessment.method.domain_weights) or None
    scores = assessment.scores
    out = []
    tail = (1 - level) / 2 * 100
    for quarter in quarters:
        trusts = trusts_all[trusts_all["quarter"] == quarter].reset_index(drop=True)
        # One generator per quarter, from the seed and the quarter's label: a quarter's ranges are the same
        # whichever other quarters are computed in the same call.
        rng = np.random.default_rng([seed, zlib.crc32(quarter.encode())])
        values, w, n = _score_matrix(scores.loc[scores["quarter"] == quarter, _MATRIX_COLUMNS], trusts, domain_weights)
        fixed = n == 0
        values[fixed, 0] = rules.hundredths(trusts.loc[fixed, "average_score_2dp"].to_numpy())
        n_eff = np.where(fixed, 1, n)
        w[fixed, 0] = 1.0
        types = {t: i for i, t in enumerate(sorted(trusts["trust_type"].unique()))}
        type_idx = trusts["trust_type"].map(types).to_numpy()
        cuts = assessment.cuts[quarter]
        own = trusts["unadjusted_segment"].to_numpy()
        # The exact distribution is a convolution of equally weighted draws; a trust whose scores carry different
        # weights (acute trusts: the infection thirds) takes its score range from the replicates.
        valid = np.arange(w.shape[1])[None, :] < n_eff[:, None]
        equal = np.all(np.where(valid, w == w[:, :1], True), axis=1)
        exact = (score_method == "exact") & equal
        # The exact score ranges on a thread of their own while the replicates are drawn: the bootstrap's threads
        # leave the cores idle part of the time (each waits for the interpreter lock between numpy's steps), and
        # numpy's FFT lets go of the lock, so it fills that time (5 ms of the Q1 league's 75).
        with ThreadPoolExecutor(1) as side:
            pending = side.submit(_exact_score_bounds, values[exact], n_eff[exact], level) if exact.any() else None
            averages, ranks, worse = _replicate_ranks(values, w, n_eff, fixed, trusts["deficit"].to_numpy(bool),
                                                      type_idx, cuts, assessment.method.override, own, replicates,
                                                      rng, keep=~exact)
            exact_bounds = pending.result() if pending is not None else None
        lo, hi = np.empty(len(trusts)), np.empty(len(trusts))
        if not exact.all():  # each trust's percentiles are its own: only those not worked out exactly are kept
            # each trust's replicates in one run of memory, a block of trusts to a thread, sorted where they lie
            lo[~exact], hi[~exact] = _by_trusts(lambda part: column_percentiles(
                part.T, [tail, 100 - tail], percentile_method, overwrite_input=True), averages.T)
        if exact_bounds is not None:
            lo[exact], hi[exact] = exact_bounds
        score_lo, score_hi = round_half_up(lo), round_half_up(hi)
        rank_lo, rank_hi = _by_trusts(lambda part: column_percentiles(part.T, [tail, 100 - tail], percentile_method,
                                                                      overwrite_input=True), ranks.T)
        frame = pd.DataFrame({
            "quarter": quarter,
            "trust_code": trusts["trust_code"],
            "score_lo": np.where(fixed, np.nan, score_lo),
            "score_hi": np.where(fixed, np.nan, score_hi),
            "rank_lo": np.floor(rank_lo + 0.5).astype(int),
            "rank_hi": np.floor(rank_hi + 0.5).astype(int),
            "segment_lo": np.where(fixed, own, segment(score_lo, cuts)),
            "segment_hi": np.where(fixed, own, segment(score_hi, cuts)),
            "p_worse_segment": np.where(fixed, np.nan, worse / replicates),
            "range_method": np.where(exact, "score: every resample of the trust's own scores counted",
                                     f"score: {replicates:,} resamples of the trust's own scores")
            + f"; rank: {replicates:,} resamples of every trust at once (seed {seed})",
        })
        if fixed.any():
            frame = _published_ranges(frame, fixed, assessment)
        out.append(frame)
    if not out:
        return pd.DataFrame(columns=RANGE_COLUMNS)
    return pd.concat(out, ignore_index=True)


def _published_ranges(frame: pd.DataFrame, fixed: np.ndarray, assessment) -> pd.DataFrame:
    """League-table-only trusts: NHS England's published likely ranges where they still apply."""
    published = assessment.published
    if published is None:
        return frame
    keyed = published.set_index(["quarter", "trust_code"])
    keys = pd.MultiIndex.from_frame(frame.loc[fixed, ["quarter", "trust_code"]])
    own_method = assessment.nhs_englands_method
    columns = ["score_lo", "score_hi"] + (["rank_lo", "rank_hi"] if own_method else [])
    out = frame.astype({"rank_lo": "Float64", "rank_hi": "Float64"})
    out.loc[fixed, columns] = keyed.reindex(keys)[columns].to_numpy()
    if not own_method:
        out.loc[fixed, ["rank_lo", "rank_hi"]] = pd.NA
    out = out.astype({"rank_lo": "Int64", "rank_hi": "Int64"})
    note = "published by NHS England (league table)" + ("" if own_method else "; no rank range under another method")
    out["range_method"] = np.where(fixed, note, out["range_method"])
    return out
