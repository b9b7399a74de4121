"""Which part of one side of a pair has no counterpart on the other side?

Leave each part out in turn (a segment of a merged side, or a clause of a single segment)
and embed what is left: if the pair gets *more* alike without a part, that part is content
the other side lacks. A real piece of the translation does the opposite; every part a
faithful translation holds makes the pair less alike when it is left out.

This is the semantic check behind partial omissions and additions; the length ratio only
says that something is missing somewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Encode = Callable[[Sequence[str]], np.ndarray]  # texts → L2-normalised vectors, one row each


def without_each(parts: Sequence[str]) -> list[str]:
    """The parts joined by spaces, once without each of them (nothing for a single part)."""
    if len(parts) < 2:
        return []
    return [" ".join([*parts[:k], *parts[k + 1 :]]) for k in range(len(parts))]


@dataclass(frozen=True)
class PartGain:
    """The part whose removal makes the pair most alike, and by how much (cosine difference)."""

    index: int  # position among the parts
    gain: float  # cosine(rest, other side) − cosine(all parts, other side); > 0: the part lacks a counterpart


def best_part_to_leave_out(encode: Encode, parts: Sequence[str], other: str) -> PartGain | None:
    """Leave-one-out over ``parts`` (joined by spaces) against the other side's text.

    ``None`` when there is only one part. The texts go through the caller's encoder (and its
    cache: the single segments of a merged side usually are there already).
    """
    rest = without_each(parts)
    if not rest:
        return None
    vectors = encode([" ".join(parts), other, *rest])
    base = float(vectors[0] @ vectors[1])
    gains = vectors[2:] @ vectors[1] - base
    index = int(np.argmax(gains))
    return PartGain(index, float(gains[index]))
