"""What the reimplemented aligners of ``baselines.py`` share: the window embedding and the traceback.

Vecalign and Bertalign both align with the vector of each window of 1..k segments ending at
each segment, "PAD" where fewer precede it and "BLANK_LINE" for an empty one (the two codes
write the windows alike, so one embedding cache serves both).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from align.evaluate import GoldBead

Encode = Callable[[Sequence[str]], np.ndarray]


def windows(segments: Sequence[str], size: int) -> list[str]:
    """The text of the ``size`` segments ending at each segment ("PAD" where fewer precede it)."""
    lines = [s.strip() or "BLANK_LINE" for s in segments]
    return ["PAD" if end + 1 < size else " ".join(lines[end + 1 - size : end + 1]) for end in range(len(lines))]


class Side:
    """One side's window vectors and UTF-8 lengths: ``vectors[k][i]`` is the window of k + 1
    segments ending at segment i."""

    def __init__(self, segments: Sequence[str], sizes: int, encode: Encode) -> None:
        texts = [windows(segments, k + 1) for k in range(sizes)]
        flat = [t for layer in texts for t in layer]
        self.chars = sum(len(t) for t in flat)
        vectors = encode(flat) if flat else np.zeros((0, 1), dtype=np.float32)
        self.vectors = vectors.reshape(sizes, len(segments), -1)
        self.lengths = np.array([[len(t.encode("utf-8")) for t in layer] for layer in texts], dtype=float)


def traced(n: int, m: int, step: Callable[[int, int], tuple[int, int]]) -> list[GoldBead]:
    """The beads of a DP's best path, back from (n, m): ``step(i, j)`` is the shape (source,
    target segments) of the bead that ends there."""
    beads: list[GoldBead] = []
    i, j = n, m
    while i or j:
        a, b = step(i, j)
        beads.append((tuple(range(i - a, i)), tuple(range(j - b, j))))
        i, j = i - a, j - b
    return beads[::-1]


def all_skipped(n: int, m: int) -> list[GoldBead]:
    """Every segment unaligned: the beads where one side has no segment to pair with."""
    return [((i,), ()) for i in range(n)] + [((), (j,)) for j in range(m)]
