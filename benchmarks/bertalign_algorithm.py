"""Bertalign's algorithm (Liu & Zhu 2022, "Bertalign: Improved word embedding-based sentence
alignment for Chinese–English parallel corpora of literary texts"; the defaults of its code),
reimplemented for ``baselines.py``:

1. **Every window is embedded**: the joined text of 1 to ``max_align`` − 1 consecutive
   segments ending at each segment, on both sides (about 10× the input for the default 5).
2. **First pass, 1-1 anchors**: each source segment's ``top_k`` (3) most similar target
   segments; a DP over 1-1 / 1-0 / 0-1 where a 1-1 earns its cosine if the target is among
   those and skips cost nothing, in a band of max(250, 6% of the longer side) around the
   diagonal.
3. **Second pass, n-m beads**: a DP over every bead of at most ``max_align`` segments (both
   sides together) inside a window of ``win`` (5) segments around the anchors' path. A pair
   earns its cosine less the mean cosine of each side's window with the single segments just
   outside the other side's window (the margin), times log2(1 + short/long) of the two UTF-8
   lengths (the target's scaled by the document's length ratio); a skipped segment costs .1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from align.evaluate import GoldBead
from baseline_parts import Encode, Side, all_skipped, traced

Sims = dict[tuple[int, int], np.ndarray]  # (source window size, target window size) → cosines


@dataclass(frozen=True)
class BertalignSettings:
    """The defaults of Bertalign's code."""

    max_align: int = 5  # a bead holds at most this many segments, both sides together
    top_k: int = 3
    win: int = 5
    skip: float = -0.1
    first_min_window: int = 250
    first_window_share: float = 0.06


def first_pass(src: Side, tgt: Side, settings: BertalignSettings) -> list[tuple[int, int]]:
    """The 1-1 anchors (1-based end positions) of the best path over 1-1 / 1-0 / 0-1."""
    n, m = src.vectors.shape[1], tgt.vectors.shape[1]
    sims = src.vectors[0] @ tgt.vectors[0].T
    k = min(settings.top_k, m)
    top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    earned = np.zeros((n, m))
    rows = np.arange(n)[:, None]
    earned[rows, top] = sims[rows, top]
    width = max(settings.first_min_window, int(max(n, m) * settings.first_window_share))
    lows = [max(0, int(m / n * i) - width) for i in range(n + 1)]
    highs = [min(int(m / n * i) + width, m) for i in range(n + 1)]
    cost = np.full((n + 1, m + 1), -np.inf)
    move = np.zeros((n + 1, m + 1), dtype=np.int8)  # 0: 0-1, 1: 1-0, 2: 1-1
    cost[0, 0] = 0.0
    for i in range(n + 1):
        for j in range(lows[i], highs[i] + 1):
            if i + j == 0:
                continue
            best, best_move = -np.inf, 0
            for number, (di, dj) in enumerate(((0, 1), (1, 0), (1, 1))):
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0 or not lows[pi] <= pj <= highs[pi]:
                    continue
                value = cost[pi, pj] + (earned[i - 1, j - 1] if number == 2 else 0.0)
                if value > best:
                    best, best_move = value, number
            cost[i, j], move[i, j] = best, best_move
    anchors, i, j = [], n, m
    while i or j:
        number = int(move[i, j])
        if number == 2:
            anchors.append((i, j))
        i, j = i - (number != 0), j - (number != 1)
    return anchors[::-1]


def second_band(anchors: list[tuple[int, int]], n: int, m: int, win: int) -> list[tuple[int, int]]:
    """Each row's range of target positions: a window of ``win`` around the anchors' path."""
    path = list(anchors) or [(n, m)]
    if path[-1][0] != n:  # the path must end in the corner
        if path[-1][1] == m:
            path.pop()
        path.append((n, m))
    elif path[-1][1] != m:
        path[-1] = (n, m)
    band, previous = [], (0, 0)
    for src_end, tgt_end in path:
        row = (max(0, previous[1] - win), min(m, tgt_end + win))
        band += [row] * (src_end - previous[0])
        previous = (src_end, tgt_end)
    return [band[0] if band else (0, m), *band]


def second_pass(src: Side, tgt: Side, anchors: list[tuple[int, int]], settings: BertalignSettings) -> list[GoldBead]:
    n, m = src.vectors.shape[1], tgt.vectors.shape[1]
    sizes = src.vectors.shape[0]
    most = settings.max_align  # 1-0, 0-1, and every a-b with a + b <= most, in the order of Bertalign's code
    shapes = [(0, 1), (1, 0)] + [(a, b) for a in range(1, most) for b in range(1, most) if a + b <= most]
    # cosines of every source window with every target window, and with the single segments
    layers = range(1, sizes + 1)
    sims: Sims = {(a, b): src.vectors[a - 1] @ tgt.vectors[b - 1].T for a in layers for b in layers}
    ratio = src.lengths[0].sum() / max(tgt.lengths[0].sum(), 1.0)
    band = second_band(anchors, n, m, settings.win)
    cost = np.full((n + 1, m + 1), -np.inf)
    move = np.full((n + 1, m + 1), -1, dtype=np.int16)
    cost[0, 0] = 0.0
    for i in range(n + 1):
        for j in range(band[i][0], band[i][1] + 1):
            if i + j == 0:
                continue
            best, best_move = -np.inf, -1
            for number, (a, b) in enumerate(shapes):
                pi, pj = i - a, j - b
                if pi < 0 or pj < 0 or not band[pi][0] <= pj <= band[pi][1]:
                    continue
                gain = settings.skip if a == 0 or b == 0 else _pair_gain(sims, src, tgt, i, j, a, b, n, m, ratio)
                if cost[pi, pj] + gain > best:
                    best, best_move = cost[pi, pj] + gain, number
            cost[i, j], move[i, j] = best, best_move
    return traced(n, m, lambda i, j: shapes[move[i, j]])


def _neighbours(row: np.ndarray, left: int, right: int, length: int) -> float:
    """Mean cosine with the single segments at 1-based positions left and right (where they exist)."""
    values = [row[p - 1] for p in (left, right) if 0 < p <= length]
    return sum(values) / len(values) if values else 0.0


def _pair_gain(sims: Sims, src: Side, tgt: Side, i: int, j: int, a: int, b: int, n: int, m: int, ratio: float) -> float:
    cosine = sims[a, b][i - 1, j - 1]
    margin = (_neighbours(sims[a, 1][i - 1], j - b, j + 1, m) + _neighbours(sims[1, b][:, j - 1], i - a, i + 1, n)) / 2
    src_length, tgt_length = src.lengths[a - 1, i - 1], tgt.lengths[b - 1, j - 1] * ratio
    return (cosine - margin) * math.log2(1 + min(src_length, tgt_length) / max(src_length, tgt_length, 1e-9))


def bertalign(
    src: Sequence[str], tgt: Sequence[str], encode: Encode, settings: BertalignSettings
) -> tuple[list[GoldBead], int]:
    """Bertalign's beads for two segment lists, and the characters it embedded."""
    if not src or not tgt:
        return all_skipped(len(src), len(tgt)), 0
    sizes = settings.max_align - 1
    source, target = Side(src, sizes, encode), Side(tgt, sizes, encode)
    anchors = first_pass(source, target, settings)
    return second_pass(source, target, anchors, settings), source.chars + target.chars
