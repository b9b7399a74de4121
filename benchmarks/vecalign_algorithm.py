"""Vecalign's algorithm (Thompson & Koehn 2019, "Vecalign: Improved sentence alignment in linear
time and space"; the defaults of its code), reimplemented for ``baselines.py``:

1. **Every window is embedded**: the joined text of 1 to ``max_size`` consecutive segments
   ending at each segment, on both sides (its code reads as many overlaps as the largest bead).
2. **Cost of a bead** of a source and b target segments: 2·a·b·(1 − cos) / (c_x + c_y), where
   c is a window's chance cost, 1 − its mean cosine with 100 windows drawn at random from the
   other side (as many of each size): a window like everything pays less for being like its
   partner, and a bead's cost counts each of its a·b segment pairs.
3. **A skipped segment** costs the 20th percentile of the 1-1 costs of random pairs of the
   document (its "deletion knob"): the gap cost follows the document's own costs.
4. **Coarse to fine**: while the document is larger than 300 × 300 segments, neighbouring
   vectors are summed in pairs (less their mean, normalised); a full 1-1 DP runs at the
   coarsest level; each finer level searches only within ceil(max_size / 2) + 5 cells of the
   coarser path (measured across it), and the finest searches every bead with a + b ≤ max_size.
   In its code time and memory grow linearly with the document; this one keeps full-size
   arrays, which the tuning documents (at most 468 × 554 segments) afford.

Costs are minimised. The random draws come from numpy's legacy generator seeded with 42 for each
document, in the order of its code, so ``vecalign_check.py`` finds the same beads as that code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from align.evaluate import GoldBead
from baseline_parts import Encode, Side, all_skipped, traced

Shape = tuple[int, int]


@dataclass(frozen=True)
class VecalignSettings:
    """The defaults of Vecalign's code."""

    max_size: int = 4  # beads a-b with a + b <= max_size (its --alignment_max_size)
    deletion_percentile: float = 0.2
    full_dp_size: int = 300  # a full DP only while source × target <= this squared
    search_buffer: int = 5
    norm_samples: int = 100
    cost_samples: int = 20000
    seed: int = 42


@dataclass(frozen=True)
class Level:
    """One resolution: window vectors (sizes × segments × dim) and their chance costs (sizes ×
    segments) on each side, and the cost of a skip."""

    src: np.ndarray
    tgt: np.ndarray
    src_chance: np.ndarray
    tgt_chance: np.ndarray
    deletion: float

    def costs(self, shape: Shape) -> np.ndarray:
        """The cost of every bead of this shape, indexed by the source and target segments it ends at."""
        a, b = shape
        cosines = self.src[a - 1] @ self.tgt[b - 1].T
        chance = self.src_chance[a - 1][:, None] + self.tgt_chance[b - 1][None, :]
        return 2.0 * a * b * (1.0 - cosines) / (chance + 1e-6)


def normalised(vectors: np.ndarray) -> np.ndarray:
    return vectors / (np.linalg.norm(vectors, axis=-1, keepdims=True) + 1e-5)


def halved(vectors: np.ndarray) -> np.ndarray:
    """Each two neighbouring vectors summed, less the mean of the sums, normalised."""
    sizes, length, dim = vectors.shape
    pairs = vectors[:, : length - length % 2].reshape(sizes, length // 2, 2, dim).sum(axis=2)
    return normalised(pairs - pairs.mean(axis=1, keepdims=True))


def chance_costs(own: np.ndarray, other: np.ndarray, samples: int, rng: np.random.RandomState) -> np.ndarray:
    """1 − each window's mean cosine with ``samples`` windows drawn from the other side, the same
    number of each size."""
    sizes, length, _ = other.shape
    if not length:
        return np.ones(own.shape[:2])
    per_size = math.ceil(samples / sizes)
    drawn = np.concatenate([other[size, rng.randint(0, length, per_size)] for size in range(sizes)])
    return 1.0 - (own @ drawn.T).mean(axis=-1)


def deletion_cost(
    src: np.ndarray,
    tgt: np.ndarray,
    src_chance: np.ndarray,
    tgt_chance: np.ndarray,
    settings: VecalignSettings,
    rng: np.random.RandomState,
) -> float:
    """Vecalign's knob: the ``deletion_percentile`` point of the 1-1 costs of random pairs, read off
    a 1,000-bin histogram at 28 inner points and interpolated between them."""
    n, m = len(src), len(tgt)
    if n * m <= settings.cost_samples:
        xs, ys = np.divmod(np.arange(n * m), m)
    else:
        xs, ys = rng.randint(0, n, settings.cost_samples), rng.randint(0, m, settings.cost_samples)
    cosines = np.einsum("ij,ij->i", src[xs], tgt[ys])
    costs = 2.0 * (1.0 - cosines) / (src_chance[xs] + tgt_chance[ys])
    top = max(float(costs.max()), 1e-4)
    bins = 1000
    # as a density times the bin width, as its code does: on a small document a knot can fall exactly on
    # a step of the distribution, and only the same rounding takes the same side of it
    density, edges = np.histogram(costs, bins=bins, range=(0.0, top), density=True)
    cumulative = np.cumsum(density) * (edges[1] - edges[0])
    knots = np.linspace(0.0, 1.0, 29)[1:-1]
    values = np.searchsorted(cumulative, knots) / bins * top
    return float(np.interp(settings.deletion_percentile, [0.0, *knots, 1.0], [0.0, *values, top]))


def dp(level: Level, shapes: Sequence[Shape], band: list[tuple[int, int]] | None) -> list[GoldBead]:
    """The cheapest path of beads of these shapes (and 1-0 / 0-1 at the level's deletion cost).

    ``band[k]`` is the range of target positions allowed on the anti-diagonal source + target = k
    (nodes are positions between segments, 0..n and 0..m); None allows every node."""
    n, m = level.src.shape[1], level.tgt.shape[1]
    costs = {shape: level.costs(shape) for shape in shapes}
    moves = [*shapes, (0, 1), (1, 0)]  # its code's order, which breaks ties
    total = np.full((n + 1, m + 1), np.inf)
    choice = np.full((n + 1, m + 1), -1, dtype=np.int8)
    for diagonal in range(n + m + 1):
        low, high = max(0, diagonal - n), min(diagonal, m)
        if band is not None:
            low, high = max(low, band[diagonal][0]), min(high, band[diagonal][1])
        for j in range(low, high + 1):
            i = diagonal - j
            if i == 0 or j == 0:  # along an edge only skips lead here
                total[i, j] = level.deletion * diagonal
                choice[i, j] = len(moves) - 2 if i == 0 else len(moves) - 1
                continue
            best, best_move = np.inf, -1
            for number, (a, b) in enumerate(moves):
                if a > i or b > j:
                    continue
                step = level.deletion if a == 0 or b == 0 else costs[a, b][i - 1, j - 1]
                value = total[i - a, j - b] + step
                if value < best:
                    best, best_move = value, number
            total[i, j], choice[i, j] = best, best_move
    if not np.isfinite(total[n, m]):
        raise RuntimeError("the search band does not reach the end of both documents")
    return traced(n, m, lambda i, j: moves[choice[i, j]])


def slant(path: list[tuple[int, int]], width: int, height: int) -> None:
    """Steps of one segment along a straight line through a width × height block."""
    steps = width + height
    x0, y0 = path[-1]
    for step in range(1, steps + 1):
        x, y = x0 + round(width * step / steps), y0 + round(height * step / steps)
        last_x, last_y = path[-1]
        moved = x + y - last_x - last_y
        if moved == 1:
            path.append((x, y))
        elif moved == 2:  # rounding moved both at once: take one of them
            path.append((x - 1, y))
        elif moved == 0:
            path.append((x + 1, y))


def search_path(beads: list[GoldBead]) -> list[tuple[int, int]]:
    """A path of single steps through the beads: straight through each pair and through each run
    of skips (whose order the DP does not decide)."""
    path = [(0, 0)]
    skipped_src = skipped_tgt = 0
    for src, tgt in beads:
        if src and tgt:
            slant(path, skipped_src, skipped_tgt)
            skipped_src = skipped_tgt = 0
            slant(path, len(src), len(tgt))
        else:
            skipped_src += len(src)
            skipped_tgt += len(tgt)
    slant(path, skipped_src, skipped_tgt)
    return path


def band_around(path: list[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    """The target positions allowed on each anti-diagonal: the node whose cost cell (one segment
    back on both sides) lies within ``width`` of the path on its anti-diagonal."""
    band = [(-width, width - 1), (-width, width - 1)]  # the two anti-diagonals before any cost cell
    return band + [(y - width + 1, y + width) for _, y in path]


def block(src: tuple[int, ...], tgt: tuple[int, ...]) -> list[GoldBead]:
    """One bead where both sides have segments, else each segment skipped on its own."""
    return [(src, tgt)] if src and tgt else [((k,), ()) for k in src] + [((), (k,)) for k in tgt]


def doubled(beads: list[GoldBead], n: int, m: int) -> list[GoldBead]:
    """A coarse path at twice the resolution, extended to the finer level's ends as its code does
    (through one position past the last segment on each side, which only widens the search)."""
    fine: list[GoldBead] = []
    for src, tgt in beads:
        src_fine = tuple(range(min(src) * 2, (max(src) + 1) * 2)) if src else ()
        tgt_fine = tuple(range(min(tgt) * 2, (max(tgt) + 1) * 2)) if tgt else ()
        fine += block(src_fine, tgt_fine)
    last_src = max((k for src, _ in fine for k in src), default=0)
    last_tgt = max((k for _, tgt in fine for k in tgt), default=0)
    return fine + block(tuple(range(last_src + 1, n + 1)), tuple(range(last_tgt + 1, m + 1)))


def vecalign(
    src: Sequence[str], tgt: Sequence[str], encode: Encode, settings: VecalignSettings
) -> tuple[list[GoldBead], int]:
    """Vecalign's beads for two segment lists, and the characters it embedded."""
    if not src or not tgt:
        return all_skipped(len(src), len(tgt)), 0
    rng = np.random.RandomState(settings.seed)  # as its code seeds numpy's legacy generator
    most = settings.max_size
    source, target = Side(src, most, encode), Side(tgt, most, encode)
    vectors = [(normalised(source.vectors.astype(np.float32)), normalised(target.vectors.astype(np.float32)))]
    n, m = len(src), len(tgt)
    while n * m > settings.full_dp_size**2:
        n, m = n // 2, m // 2
        vectors.append((halved(vectors[-1][0]), halved(vectors[-1][1])))
    # its code draws every level's chance samples first, then every level's knob samples
    chances = [
        (chance_costs(s, t, settings.norm_samples, rng), chance_costs(t, s, settings.norm_samples, rng))
        for s, t in vectors
    ]
    levels = [
        Level(s, t, s_chance, t_chance, deletion_cost(s[0], t[0], s_chance[0], t_chance[0], settings, rng))
        for (s, t), (s_chance, t_chance) in zip(vectors, chances, strict=True)
    ]
    every_shape = [(a, b) for a in range(1, most) for b in range(1, most) if a + b <= most]
    width = math.ceil(most / 2) + settings.search_buffer
    beads = dp(levels[-1], [(1, 1)], None)
    for depth in range(len(levels) - 1, -1, -1):
        level = levels[depth]
        if depth < len(levels) - 1:
            beads = doubled(beads, level.src.shape[1], level.tgt.shape[1])
        shapes = every_shape if depth == 0 else [(1, 1)]
        beads = dp(level, shapes, band_around(search_path(beads), width))
    return beads, source.chars + target.chars
