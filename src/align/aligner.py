"""Dynamic-programming sentence alignment over embedding similarities.

Each candidate bead (a block of ``a`` source and ``b`` target content segments) gets a
gain; the DP picks the monotone sequence of beads with the largest total gain. Leaving
a segment unaligned gains 0, so a pair is only made when it is better than chance.

Why these choices:

* **Calibrated similarity.** Small models such as e5 squeeze all cosines into a narrow
  band (unrelated German/English sentences score about .8). Each cosine is rescaled
  against the noise level of the two sentences involved: their mean similarity to the
  whole other side, shrunk toward the encoder's own noise floor for short documents.
  0 means "no more similar than an unrelated sentence", 1 means identical.
* **Merged beads scored from their parts.** The vector of a block of sentences is the
  length-weighted sum of its sentences' vectors (mean pooling is additive), so 1-2 and
  2-1 beads cost no extra encoder work.
* **Length prior.** A mild Gale–Church style penalty on the log character ratio,
  centred on the document's own ratio, separates merges from near-ties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

# (source count, target count) of every bead shape the DP may use. Order matters for
# ties: earlier shapes win, so a 1-1 beats an equally good merge.
BEAD_SHAPES: tuple[tuple[int, int], ...] = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))


@dataclass(frozen=True)
class AlignerConfig:
    """Knobs of the aligner (defaults tuned on the Text+Berg dev document)."""

    pair_threshold: float = 0.22  # calibrated similarity at which pairing ties with skipping
    merge_penalty: float = 0.06  # per extra segment in a merged bead
    length_weight: float = 0.04  # weight of the squared log-length-ratio deviation
    noise_prior_weight: float = 4.0  # how many pseudo-observations the encoder noise floor counts as
    # A merged bead earns its similarity once, not per segment: a merge must raise the
    # similarity to win over a 1-1 plus an unaligned segment.
    merge_scale_exponent: float = 0.0
    shapes: tuple[tuple[int, int], ...] = BEAD_SHAPES


@dataclass(frozen=True)
class RawBead:
    """A bead over content positions (indices into the aligned lists, not segment ids)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float  # calibrated similarity of the pair; 0.0 for an unaligned segment
    cosine: float  # raw cosine of the (merged) vectors; 0.0 for an unaligned segment


def _block_vectors(vecs: np.ndarray, lens: np.ndarray, size: int) -> np.ndarray:
    """Normalised length-weighted sums of every run of ``size`` consecutive vectors."""
    weighted = vecs * lens[:, None]
    csum = np.vstack([np.zeros((1, vecs.shape[1]), dtype=np.float64), np.cumsum(weighted, axis=0, dtype=np.float64)])
    blocks = csum[size:] - csum[:-size]
    norms = np.linalg.norm(blocks, axis=1, keepdims=True)
    return (blocks / np.maximum(norms, 1e-12)).astype(np.float32)


def _block_means(values: np.ndarray, size: int) -> np.ndarray:
    csum = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    return (csum[size:] - csum[:-size]) / size


def _block_sums(values: np.ndarray, size: int) -> np.ndarray:
    return _block_means(values, size) * size


def _crossing(breaks: np.ndarray | None, length: int, size: int) -> np.ndarray:
    """For every block of ``size`` positions (by end), whether it spans a break."""
    if breaks is None or size < 2:
        return np.zeros(length - size + 1, dtype=bool)
    inner = np.concatenate([[0], np.cumsum(breaks[1:].astype(np.int64))])  # breaks strictly inside
    return (inner[size - 1 :] - inner[: length - size + 1]) > 0


def noise_levels(sim: np.ndarray, floor: float, prior_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-segment chance similarity: mean similarity to the other side, shrunk to the floor."""
    n, m = sim.shape
    src = (sim.sum(axis=1) + prior_weight * floor) / (m + prior_weight)
    tgt = (sim.sum(axis=0) + prior_weight * floor) / (n + prior_weight)
    return src, tgt


def calibrate(cos: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Rescale cosines so 0 = chance level and 1 = identical."""
    return (cos - noise) / np.maximum(1.0 - noise, 1e-3)


def gain_tables(
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    src_lens: np.ndarray,
    tgt_lens: np.ndarray,
    noise_floor: float,
    config: AlignerConfig,
    src_breaks: np.ndarray | None = None,
    tgt_breaks: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gain of every bead shape ending at every (i, j), plus its score and cosine.

    Returns three (K, n+1, m+1) arrays: gain (-inf where the shape does not fit),
    calibrated score, raw cosine. ``src_breaks[p]`` (``tgt_breaks``) is True where a
    non-content segment lies between content positions p-1 and p: no bead spans it.
    """
    n, m = len(src_vecs), len(tgt_vecs)
    k_count = len(config.shapes)
    gain = np.full((k_count, n + 1, m + 1), -np.inf, dtype=np.float32)
    score = np.zeros_like(gain)
    cosine = np.zeros_like(gain)
    sim11 = src_vecs @ tgt_vecs.T
    noise_src, noise_tgt = noise_levels(sim11, noise_floor, config.noise_prior_weight)
    src_lens = src_lens.astype(np.float64)
    tgt_lens = tgt_lens.astype(np.float64)
    log_ratio_mean = np.log((tgt_lens.sum() + 1.0) / (src_lens.sum() + 1.0))
    for k, (a, b) in enumerate(config.shapes):
        if a > n or b > m:
            continue
        if a == 0 or b == 0:
            gain[k, a:, b:] = 0.0  # an unaligned segment neither gains nor costs
            continue
        cos = _block_vectors(src_vecs, src_lens, a) @ _block_vectors(tgt_vecs, tgt_lens, b).T
        noise = (_block_means(noise_src, a)[:, None] + _block_means(noise_tgt, b)[None, :]) / 2.0
        calibrated = calibrate(cos, noise)
        deviation = (
            np.log((_block_sums(tgt_lens, b)[None, :] + 10.0) / (_block_sums(src_lens, a)[:, None] + 10.0))
            - log_ratio_mean
        )
        length_penalty = np.minimum(deviation**2, 4.0)
        g = (calibrated - config.pair_threshold) * ((a + b) / 2.0) ** config.merge_scale_exponent
        g -= config.merge_penalty * (a + b - 2) + config.length_weight * length_penalty
        g[_crossing(src_breaks, n, a)] = -np.inf
        g[:, _crossing(tgt_breaks, m, b)] = -np.inf
        gain[k, a:, b:] = g
        score[k, a:, b:] = calibrated
        cosine[k, a:, b:] = cos
    return gain, score, cosine


@njit(cache=True)
def _best_path(gain: np.ndarray, shape_a: np.ndarray, shape_b: np.ndarray) -> np.ndarray:  # pragma: no cover - jitted
    k_count, rows, cols = gain.shape
    total = np.full((rows, cols), -np.inf)
    back = np.full((rows, cols), -1, dtype=np.int8)
    total[0, 0] = 0.0
    for i in range(rows):
        for j in range(cols):
            if i == 0 and j == 0:
                continue
            best = -np.inf
            arg = -1
            for k in range(k_count):
                a = shape_a[k]
                b = shape_b[k]
                if i >= a and j >= b:
                    value = total[i - a, j - b] + gain[k, i, j]
                    if value > best:
                        best = value
                        arg = k
            total[i, j] = best
            back[i, j] = arg
    return back


def align_vectors(
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    src_lens: np.ndarray,
    tgt_lens: np.ndarray,
    noise_floor: float,
    config: AlignerConfig | None = None,
    src_breaks: np.ndarray | None = None,
    tgt_breaks: np.ndarray | None = None,
) -> list[RawBead]:
    """The best monotone bead sequence covering every position of both sides once."""
    config = config or AlignerConfig()
    n, m = len(src_vecs), len(tgt_vecs)
    if n == 0 or m == 0:
        return [RawBead((i,), (), 0.0, 0.0) for i in range(n)] + [RawBead((), (j,), 0.0, 0.0) for j in range(m)]
    gain, score, cosine = gain_tables(
        src_vecs, tgt_vecs, src_lens, tgt_lens, noise_floor, config, src_breaks, tgt_breaks
    )
    shape_a = np.array([a for a, _ in config.shapes], dtype=np.int64)
    shape_b = np.array([b for _, b in config.shapes], dtype=np.int64)
    back = _best_path(gain, shape_a, shape_b)
    beads: list[RawBead] = []
    i, j = n, m
    while i > 0 or j > 0:
        k = int(back[i, j])
        a, b = config.shapes[k]
        paired = a > 0 and b > 0
        beads.append(
            RawBead(
                tuple(range(i - a, i)),
                tuple(range(j - b, j)),
                float(score[k, i, j]) if paired else 0.0,
                float(cosine[k, i, j]) if paired else 0.0,
            )
        )
        i, j = i - a, j - b
    beads.reverse()
    return beads
