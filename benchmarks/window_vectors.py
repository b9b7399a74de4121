"""Every window of consecutive segments embedded, as Vecalign and Bertalign embed them.

Both align with the vector of each window of 1..k segments ending at each segment, "PAD"
where fewer precede it and "BLANK_LINE" for an empty one (the two codes write the windows
alike, so one embedding cache serves both).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

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
