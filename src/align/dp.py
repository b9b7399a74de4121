"""The compiled kernels of the alignment DP: the gain of one bead, the forward pass, plausible merges.

``aligner.py`` decides what to align and with which settings; this module only does the
arithmetic, in numba (the DP visits every band cell with every bead shape, so it must be
compiled). The kernels take plain arrays, not objects:

* ``arrays``: ``(sim, sim_lo, overlap, src_w, tgt_w, src_norm, tgt_norm, src_cum, tgt_cum,
  shape_index)``, built by ``aligner._Problem``. ``sim[r, c - sim_lo[r]]`` is the cosine of
  source r and target c within the band; ``*_w`` are segment lengths (the weights of a
  block's summed vector) and ``*_norm[s, i]`` the norm of the block of s segments ending
  before i; ``shape_index[a, b]`` is the index of bead shape (a, b) (-1: not a shape).
* ``*_cum``: per side, rows indexed by the ``ROW_*`` constants below, at position p + 1 for
  segment p (prefix sums where the row says so, so a block's total is a difference).
* ``params``: the numeric settings, indexed by the ``P_*`` constants below.
* ``override_keys`` / ``override_cos``: merges re-embedded as real text, sorted by
  ``override_key``; column 0 their cosine (NaN: past the budget, scored from the parts),
  column 1 their local chance level.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# rows of a side's ``cum`` array (``aligner._prefix_sums``)
ROW_LENGTH = 0  # prefix sum of segment lengths in characters
ROW_CHANCE = 1  # prefix sum of each segment's chance level (mean similarity to the other side)
ROW_BREAKS = 2  # prefix sum of breaks (a non-content segment before the position)
ROW_BEST_PAIR = 3  # the segment's best 1-1 gain in the band (for the skip cost)
ROW_REPEAT_AHEAD = 4  # how many positions ahead its first repeat is (large: none)
ROW_IS_REPEAT = 5  # 1 where the segment repeats one of the few before it
ROW_ANCHORS = 6  # prefix sum of shared anchor weight
ROW_CONTINUES = 7  # at p (not p + 1): how surely segment p continues the sentence of p - 1
CUM_ROWS = 8

# positions in ``params`` (``aligner._Problem``)
P_THRESHOLD = 0
P_MARGIN_WEIGHT = 1
P_MERGE_PENALTY = 2
P_LENGTH_WEIGHT = 3
P_LENGTH_SMOOTHING = 4
P_LOG_RATIO_MEAN = 5
P_SKIP_PENALTY = 6
P_SKIP_WEIGHT = 7
P_PART_WEIGHT = 8
P_LOCAL_MARGIN_WEIGHT = 9
P_GAP_EXTEND_PENALTY = 10
P_LENGTH_CAP = 11
P_ANCHOR_WEIGHT = 12
P_ANCHOR_BASELINE = 13
P_LENGTH_FACTOR = 14
P_LEAVE_ONE_OUT_WEIGHT = 15
P_BORDER_WEIGHT = 16
P_EDGE_LEVEL = 17
P_SHORT_LEAVE_ONE_OUT_WEIGHT = 18
P_SHORT_DOCUMENT = 19  # 1.0 for a document of at most ``short_document_segments`` segments
P_LEAVE_ONE_OUT_LENGTH_CHECK = 20
N_PARAMS = 21

# The kernels below that run once per bead allocate nothing, so they are compiled without
# numba's reference counting. With it, every call took and dropped a reference to each array
# it was given (an atomic operation each): two thirds of the forward pass's time. The same
# beads either way; ``forward_pass`` and ``plausible_merges`` allocate, so they keep it.
_per_bead = njit(cache=True, _nrt=False)


@_per_bead
def _span(cum, row, start, stop):  # pragma: no cover - jitted
    """Total of a prefix-sum row over positions start..stop-1."""
    return cum[row, stop] - cum[row, start]


@_per_bead
def _bead_cosine(a, b, i, j, sim, sim_lo, src_w, tgt_w, src_norm, tgt_norm):  # pragma: no cover - jitted
    total = 0.0
    for r in range(i - a, i):
        base = sim_lo[r]
        for c in range(j - b, j):
            total += src_w[r] * tgt_w[c] * sim[r, c - base]
    return total / (src_norm[a, i] * tgt_norm[b, j])


@_per_bead
def _src_block_dot(c, a, i, sim, sim_lo, src_w, src_norm):  # pragma: no cover - jitted
    """Cosine of the source block i-a..i-1 (summed vectors) with target sentence c."""
    total = 0.0
    for r in range(i - a, i):
        total += src_w[r] * sim[r, c - sim_lo[r]]
    return total / src_norm[a, i]


@_per_bead
def _tgt_block_dot(r, b, j, sim, sim_lo, tgt_w, tgt_norm):  # pragma: no cover - jitted
    """Cosine of the target block j-b..j-1 (summed vectors) with source sentence r."""
    total = 0.0
    for c in range(j - b, j):
        total += tgt_w[c] * sim[r, c - sim_lo[r]]
    return total / tgt_norm[b, j]


@_per_bead
def _local_margin(a, b, i, j, n, m, sim, sim_lo, src_w, tgt_w, src_norm, tgt_norm, fallback):  # pragma: no cover
    """Mean similarity of each side's block to the sentences just outside the other side's block.

    High when the bead ends in the wrong place: the source block also resembles the target
    sentence before or after it (Bertalign's margin, from the 1-1 similarities).
    """
    src_side = 0.0
    src_count = 0
    for c in (j - b - 1, j):
        if 0 <= c < m:
            src_side += _src_block_dot(c, a, i, sim, sim_lo, src_w, src_norm)
            src_count += 1
    tgt_side = 0.0
    tgt_count = 0
    for r in (i - a - 1, i):
        if 0 <= r < n:
            tgt_side += _tgt_block_dot(r, b, j, sim, sim_lo, tgt_w, tgt_norm)
            tgt_count += 1
    # a block that covers its whole side has nothing next to it: the global chance level stands
    # in, or, for a bead holding the whole document, the level of the pairs that are not mutual
    # best pairs (``P_EDGE_LEVEL``), since its rival 1-1s each pay for a similar neighbour
    src_level = src_side / src_count if src_count else fallback
    tgt_level = tgt_side / tgt_count if tgt_count else fallback
    return 0.5 * (src_level + tgt_level)


@njit(cache=True)
def override_key(k, i, j, n, m):  # pragma: no cover - jitted
    """The key of bead shape k ending at DP cell (i, j) among the re-embedded merges."""
    return (k * (n + 1) + i) * (m + 1) + j


@_per_bead
def _override_position(k, i, j, n, m, override_keys):  # pragma: no cover - jitted
    """Row of the bead in the sorted override arrays; -1 where it was not re-embedded."""
    key = override_key(k, i, j, n, m)
    pos = np.searchsorted(override_keys, key)
    return pos if pos < len(override_keys) and override_keys[pos] == key else -1


@_per_bead
def _holds_whole_document(a, b, i, j, n, m):  # pragma: no cover - jitted
    return i == a and i == n and j == b and j == m


@_per_bead
def _leave_one_out_weight(a, b, i, j, n, m, params):  # pragma: no cover - jitted
    """The leave-one-out check's weight: the option's, and at least ``P_SHORT_LEAVE_ONE_OUT_WEIGHT``
    in a short document and for a bead holding the whole document: a few lines give no chance
    level or length ratio to go by, so only the merge's real embedding tells a translator's 2-1
    from a line the other side dropped."""
    if params[P_SHORT_DOCUMENT] > 0.0 or _holds_whole_document(a, b, i, j, n, m):
        return max(params[P_LEAVE_ONE_OUT_WEIGHT], params[P_SHORT_LEAVE_ONE_OUT_WEIGHT])
    return params[P_LEAVE_ONE_OUT_WEIGHT]


@_per_bead
def local_fallback(a, b, i, j, n, m, chance, params):  # pragma: no cover - jitted
    """What stands in for the sentences beside a bead where it has none: the bead's chance
    level, or, for a bead holding the whole document, ``P_EDGE_LEVEL`` (if known)."""
    if _holds_whole_document(a, b, i, j, n, m) and not np.isnan(params[P_EDGE_LEVEL]):
        return params[P_EDGE_LEVEL]
    return chance


@_per_bead
def chance_level(a, b, i, j, src_cum, tgt_cum):  # pragma: no cover - jitted
    """Mean of the two blocks' mean chance similarity (the global margin of a bead)."""
    return 0.5 * (_span(src_cum, ROW_CHANCE, i - a, i) / a + _span(tgt_cum, ROW_CHANCE, j - b, j) / b)


@_per_bead
def _length_deviation(a, b, i, j, src_cum, tgt_cum, params):  # pragma: no cover - jitted
    """Log length ratio of the bead of shape (a, b) ending at DP cell (i, j), less the document's."""
    src_len = _span(src_cum, ROW_LENGTH, i - a, i)
    tgt_len = _span(tgt_cum, ROW_LENGTH, j - b, j)
    smoothing = params[P_LENGTH_SMOOTHING]
    return np.log((tgt_len + smoothing) / (src_len + smoothing)) - params[P_LOG_RATIO_MEAN]


@_per_bead
def _end_part_left_out(
    a, b, i, j, n, m, sim, sim_lo, override_keys, override_cos, shape_index, src_cum, tgt_cum, params, deviation
):  # pragma: no cover - jitted
    """Best real cosine of a merged bead without the first or last part of one side.

    -inf where no such bead is known: without one part a 2-1 is a 1-1 (its cosine is in
    ``sim``); a 3-1 or a 2-2 is a smaller merge, known only if it was re-embedded too.
    With ``P_LEAVE_ONE_OUT_LENGTH_CHECK``, a smaller bead counts only where its length ratio is
    closer to the document's than the merge's (``deviation``, from ``_length_deviation``): a line
    the other side lacks also spoils the merge's length ratio, a translator's joined line mends
    it. A bead holding the whole document is exempt, since the document's ratio is its own.
    """
    best = -np.inf
    length_check = params[P_LEAVE_ONE_OUT_LENGTH_CHECK] > 0.0 and not _holds_whole_document(a, b, i, j, n, m)
    for side in range(2):
        if (a if side == 0 else b) < 2:
            continue
        for drop_first in (True, False):
            ra, rb, ri, rj = a, b, i, j
            if side == 0:
                ra = a - 1
                ri = i if drop_first else i - 1
            else:
                rb = b - 1
                rj = j if drop_first else j - 1
            if length_check and abs(_length_deviation(ra, rb, ri, rj, src_cum, tgt_cum, params)) >= abs(deviation):
                continue
            if ra == 1 and rb == 1:
                value = sim[ri - 1, rj - 1 - sim_lo[ri - 1]]
            else:
                rk = shape_index[ra, rb]
                pos = _override_position(rk, ri, rj, n, m, override_keys) if rk >= 0 else -1
                if pos < 0 or np.isnan(override_cos[pos, 0]):
                    continue
                value = override_cos[pos, 0]
            best = max(best, value)
    return best


@_per_bead
def block_allowed(cum, start, stop):  # pragma: no cover - jitted
    """Whether positions start..stop-1 of one side may be one side of a bead.

    Not across a non-content segment (a heading, a trailer) that separates them, nor holding
    a segment and its repeat: the repeat is an unaligned bead of its own.
    """
    if _span(cum, ROW_BREAKS, start + 1, stop) > 0:
        return False
    for r in range(start, stop - 1):  # noqa: SIM110 (numba compiles no generator in all())
        if r + cum[ROW_REPEAT_AHEAD, r + 1] < stop:
            return False
    return True


@_per_bead
def _skip_gain(p, cum, params):  # pragma: no cover - jitted
    """Gain of leaving position p-1 unaligned: free for the repeat of a segment just before it."""
    if cum[ROW_IS_REPEAT, p] > 0.0:
        return 0.0
    best_pair = params[P_SKIP_WEIGHT] * cum[ROW_BEST_PAIR, p]
    return -params[P_SKIP_PENALTY] - best_pair - params[P_BORDER_WEIGHT] * cum[ROW_CONTINUES, p - 1]


@_per_bead
def bead_gain(
    k,
    a,
    b,
    i,
    j,
    n,
    m,
    arrays,
    override_keys,
    override_cos,
    overrides_only,
    params,
):  # pragma: no cover - jitted
    """(gain, cosine) of the bead of shape k = (a, b) ending at DP cell (i, j).

    ``arrays`` is ``_Problem.arrays``: the banded similarities and per-side prefix sums.
    """
    sim, sim_lo, overlap, src_w, tgt_w, src_norm, tgt_norm, src_cum, tgt_cum, shape_index = arrays
    if a == 0 and b == 0:
        return 0.0, 0.0
    if b == 0:  # skipping source i-1 costs more the better a partner it has somewhere
        return _skip_gain(i, src_cum, params), 0.0
    if a == 0:
        return _skip_gain(j, tgt_cum, params), 0.0
    merged = a + b > 2
    if not (block_allowed(src_cum, i - a, i) and block_allowed(tgt_cum, j - b, j)):
        return -np.inf, 0.0
    local = 0.0
    have_local = False
    if merged and len(override_keys) > 0:
        pos = _override_position(k, i, j, n, m, override_keys)
        if pos >= 0 and not np.isnan(override_cos[pos, 0]):
            cos = override_cos[pos, 0]
            local = override_cos[pos, 1]
            have_local = True
        elif pos >= 0:  # plausible, but past the re-embedding budget: scored from its parts
            cos = _bead_cosine(a, b, i, j, sim, sim_lo, src_w, tgt_w, src_norm, tgt_norm)
        elif overrides_only:
            return -np.inf, 0.0
        else:
            cos = _bead_cosine(a, b, i, j, sim, sim_lo, src_w, tgt_w, src_norm, tgt_norm)
    elif merged and overrides_only:
        return -np.inf, 0.0
    else:
        cos = _bead_cosine(a, b, i, j, sim, sim_lo, src_w, tgt_w, src_norm, tgt_norm)
    margin = chance_level(a, b, i, j, src_cum, tgt_cum)
    if params[P_LOCAL_MARGIN_WEIGHT] > 0.0 and not have_local:
        fallback = local_fallback(a, b, i, j, n, m, margin, params)
        local = _local_margin(a, b, i, j, n, m, sim, sim_lo, src_w, tgt_w, src_norm, tgt_norm, fallback)
    threshold = params[P_THRESHOLD]
    margin_weight = params[P_MARGIN_WEIGHT]
    deviation = _length_deviation(a, b, i, j, src_cum, tgt_cum, params)
    gain = cos - margin_weight * margin - threshold
    if params[P_LOCAL_MARGIN_WEIGHT] > 0.0:
        gain -= params[P_LOCAL_MARGIN_WEIGHT] * (local - margin)
    if params[P_LENGTH_FACTOR] > 0.0 and gain > 0.0:
        # Bertalign's length factor log2(1 + short/long): a good cosine counts less when one side
        # is much longer than the document's ratio predicts (1 at the expected ratio)
        gain *= np.log2(1.0 + np.exp(-abs(deviation))) ** params[P_LENGTH_FACTOR]
    length_cost = params[P_LENGTH_WEIGHT] * min(deviation * deviation, params[P_LENGTH_CAP])
    gain -= params[P_MERGE_PENALTY] * (a + b - 2) + length_cost
    # a border before a piece that continues the sentence before it
    gain -= params[P_BORDER_WEIGHT] * (src_cum[ROW_CONTINUES, i - a] + tgt_cum[ROW_CONTINUES, j - b])
    if params[P_ANCHOR_WEIGHT] > 0.0:
        # shared numbers and names: the share of both blocks' anchor weight that the other side has
        mass = _span(src_cum, ROW_ANCHORS, i - a, i) + _span(tgt_cum, ROW_ANCHORS, j - b, j)
        if mass > 0.0:
            shared = 0.0
            for r in range(i - a, i):
                for c in range(j - b, j):
                    shared += overlap[r, c - sim_lo[r]]
            gain += params[P_ANCHOR_WEIGHT] * (min(2.0 * shared / mass, 1.0) - params[P_ANCHOR_BASELINE])
    if have_local and (a == 1 or b == 1):
        # a 1-n merge whose pair is more alike without its first or last part: that part is a
        # sentence the other side lacks, not a fragment of the translation (2-2 and larger:
        # no better on Text+Berg dev)
        weight = _leave_one_out_weight(a, b, i, j, n, m, params)
        if weight > 0.0:
            best = _end_part_left_out(
                a, b, i, j, n, m, sim, sim_lo, override_keys, override_cos, shape_index, src_cum, tgt_cum, params,
                deviation,
            )  # fmt: skip
            gain -= weight * max(best - cos, 0.0)
    if merged and params[P_PART_WEIGHT] > 0.0:
        # a part that matches the other side no better than chance (a sentence the other side
        # dropped) should not ride along in a merge just because skipping it costs something
        worst = 0.0
        src_margin = _span(src_cum, ROW_CHANCE, i - a, i) / a
        tgt_margin = _span(tgt_cum, ROW_CHANCE, j - b, j) / b
        if a > 1:
            for r in range(i - a, i):
                chance = 0.5 * (_span(src_cum, ROW_CHANCE, r, r + 1) + tgt_margin)
                part = _tgt_block_dot(r, b, j, sim, sim_lo, tgt_w, tgt_norm) - margin_weight * chance
                worst = min(worst, part - threshold)
        if b > 1:
            for c in range(j - b, j):
                chance = 0.5 * (_span(tgt_cum, ROW_CHANCE, c, c + 1) + src_margin)
                part = _src_block_dot(c, a, i, sim, sim_lo, src_w, src_norm) - margin_weight * chance
                worst = min(worst, part - threshold)
        gain += params[P_PART_WEIGHT] * worst
    return gain, cos


@njit(cache=True)
def forward_pass(
    lo,
    hi,
    n,
    m,
    shape_a,
    shape_b,
    arrays,
    override_keys,
    override_cos,
    overrides_only,
    params,
):  # pragma: no cover - jitted
    """Best total per band cell and state, with back pointers (ragged rows: offsets[i] + j - lo[i]).

    Three states per cell, by the last bead: 0 a pair, 1 a skipped source segment, 2 a
    skipped target segment. A skip right after a skip on the same side extends a gap
    (``P_GAP_EXTEND_PENALTY``) instead of opening one (``P_SKIP_PENALTY``): a run of untranslated captions
    is cheap to leave out, a lone leftover sentence is not.
    """
    offsets = np.zeros(n + 2, dtype=np.int64)
    for i in range(n + 1):
        offsets[i + 1] = offsets[i] + (hi[i] - lo[i])
    cells = offsets[n + 1]
    total = np.full((3, cells), -np.inf)
    back = np.full((3, cells), -1, dtype=np.int8)
    back_state = np.zeros((3, cells), dtype=np.int8)
    total[0, 0] = 0.0  # cell (0, 0); lo[0] == 0
    extend_saving = params[P_SKIP_PENALTY] - params[P_GAP_EXTEND_PENALTY]
    for i in range(n + 1):
        for j in range(lo[i], hi[i]):
            if i == 0 and j == 0:
                continue
            cell = offsets[i] + j - lo[i]
            for k in range(len(shape_a)):
                a = shape_a[k]
                b = shape_b[k]
                pi = i - a
                pj = j - b
                if pi < 0 or pj < 0 or pj < lo[pi] or pj >= hi[pi]:
                    continue
                prev = offsets[pi] + pj - lo[pi]
                if total[0, prev] == -np.inf and total[1, prev] == -np.inf and total[2, prev] == -np.inf:
                    continue
                gain, _ = bead_gain(
                    k,
                    a,
                    b,
                    i,
                    j,
                    n,
                    m,
                    arrays,
                    override_keys,
                    override_cos,
                    overrides_only,
                    params,
                )
                if gain == -np.inf:
                    continue
                state = 0 if a > 0 and b > 0 else (1 if b == 0 else 2)
                for from_state in range(3):
                    value = total[from_state, prev] + gain
                    if state > 0 and from_state == state:
                        value += extend_saving
                    if value > total[state, cell]:
                        total[state, cell] = value
                        back[state, cell] = k
                        back_state[state, cell] = from_state
    return total, back, back_state, offsets


def merge_gain_bound(params: np.ndarray, src_cum: np.ndarray, tgt_cum: np.ndarray) -> float:
    """An upper bound on ``bead_gain`` of any merged bead of this problem.

    The cosines involved (the bead's, and its blocks' with the segments next to them) lie in
    [-1, 1] and the chance level between the lowest and highest segment's; every other term
    is a cost, except shared anchors (at most ``anchor_weight`` × (1 − baseline)).
    """
    chance = np.concatenate([np.diff(src_cum[ROW_CHANCE]), np.diff(tgt_cum[ROW_CHANCE])])
    low, high = (float(chance.min()), float(chance.max())) if len(chance) else (0.0, 0.0)
    local_weight = params[P_LOCAL_MARGIN_WEIGHT]
    # gain = cos - threshold - margin_weight * level - local_weight * (local - level)
    level_weight = local_weight - params[P_MARGIN_WEIGHT]
    bound = 1.0 - params[P_THRESHOLD] + local_weight + max(level_weight * low, level_weight * high)
    bound += params[P_ANCHOR_WEIGHT] * max(1.0 - params[P_ANCHOR_BASELINE], 0.0)
    return bound + 1e-6  # float32 cosines may pass 1 by a rounding step


@njit(cache=True)
def plausible_merges(
    lo,
    hi,
    n,
    m,
    shape_a,
    shape_b,
    fwd,
    fwd_off,
    bwd,
    bwd_off,
    rlo,
    best,
    delta,
    arrays,
    params,
    gain_bound,
):  # pragma: no cover - jitted
    """(k, i, j, slack) of every merged bead on some path within ``delta`` of the best total.

    ``gain_bound`` is at least any merge's gain: where even that could not bring a path
    within ``delta``, the gain is not computed (most cells, far from the best path).
    """
    empty_keys = np.zeros(0, dtype=np.int64)
    empty_cos = np.zeros((0, 2))
    capacity = 1024
    out = np.empty((capacity, 3), dtype=np.int64)
    out_slack = np.empty(capacity)
    count = 0
    for i in range(n + 1):
        for j in range(lo[i], hi[i]):
            # best total from (i, j) to the end = backward total at the mirrored cell
            ri = n - i
            after = bwd[bwd_off[ri] + (m - j) - rlo[ri]]
            if after == -np.inf:
                continue
            for k in range(len(shape_a)):
                a = shape_a[k]
                b = shape_b[k]
                if a + b <= 2:
                    continue
                pi = i - a
                pj = j - b
                if pi < 0 or pj < 0 or pj < lo[pi] or pj >= hi[pi]:
                    continue
                before = fwd[fwd_off[pi] + pj - lo[pi]]
                if before == -np.inf or best - (before + gain_bound + after) > delta:
                    continue
                gain, _ = bead_gain(
                    k,
                    a,
                    b,
                    i,
                    j,
                    n,
                    m,
                    arrays,
                    empty_keys,
                    empty_cos,
                    False,
                    params,
                )
                slack = best - (before + gain + after)
                if slack <= delta:
                    if count == capacity:
                        capacity *= 2
                        grown = np.empty((capacity, 3), dtype=np.int64)
                        grown[:count] = out[:count]
                        out = grown
                        grown_slack = np.empty(capacity)
                        grown_slack[:count] = out_slack[:count]
                        out_slack = grown_slack
                    out[count, 0] = k
                    out[count, 1] = i
                    out[count, 2] = j
                    out_slack[count] = slack
                    count += 1
    return out[:count], out_slack[:count]


@njit(cache=True)
def mutual_best_pairs(sim, sim_lo, m):  # pragma: no cover - jitted
    """(source, target) rows of the sentence pairs that are each other's most similar in the band.

    One pass over the band: each row's best column, and each column's best row so far (the
    first on a tie). Compiled because a 50,000-sentence document has millions of band cells.
    """
    n, width = sim.shape
    row_best = np.full(n, -1, dtype=np.int64)
    col_value = np.full(m, -np.inf)
    col_best = np.full(m, -1, dtype=np.int64)
    for r in range(n):
        best = -np.inf
        for k in range(width):
            c = sim_lo[r] + k
            if c >= m:
                break
            value = sim[r, k]
            if value > best:
                best = value
                row_best[r] = c
            if value > col_value[c]:
                col_value[c] = value
                col_best[c] = r
    out = np.empty((n, 2), dtype=np.int64)
    count = 0
    for r in range(n):
        c = row_best[r]
        if c >= 0 and col_best[c] == r:
            out[count, 0] = r
            out[count, 1] = c
            count += 1
    return out[:count]
