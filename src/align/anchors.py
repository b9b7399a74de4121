"""Lexical anchors: numbers, names and cognates that both sides of a document share.

A small multilingual model hears "8848 m", "Imanishi" or "Expedition/expédition" only
faintly; a shared rare token is strong evidence that two blocks translate each other.
Each segment becomes a set of keys (digit runs; the first five letters of longer words,
lowercased and without accents) and only keys found on both sides count, weighted by
how rare they are in the document.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np

_TOKEN = re.compile(r"\d+|[^\W\d_]{4,}")
_PREFIX = 5


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))[:_PREFIX]


def anchor_keys(text: str) -> frozenset[str]:
    """The anchor keys of one segment: digit runs (without leading zeros) and folded word prefixes."""
    keys = set()
    for token in _TOKEN.findall(text):
        keys.add((token.lstrip("0") or "0") if token.isdigit() else _fold(token))
    return frozenset(keys)


def shared_anchors(
    src_texts: Sequence[str], tgt_texts: Sequence[str]
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Per segment, its keys that also occur on the other side, with an IDF weight."""
    src_keys = [anchor_keys(t) for t in src_texts]
    tgt_keys = [anchor_keys(t) for t in tgt_texts]
    src_df = Counter(k for keys in src_keys for k in keys)
    tgt_df = Counter(k for keys in tgt_keys for k in keys)
    total = len(src_keys) + len(tgt_keys)
    weight = {k: math.log((total + 1) / (src_df[k] + tgt_df[k])) for k in src_df.keys() & tgt_df.keys()}
    return (
        [{k: weight[k] for k in keys if k in weight} for keys in src_keys],
        [{k: weight[k] for k in keys if k in weight} for keys in tgt_keys],
    )


def banded_overlap(
    src_anchors: list[dict[str, float]], tgt_anchors: list[dict[str, float]], sim_lo: np.ndarray, width: int
) -> np.ndarray:
    """overlap[r, c - sim_lo[r]] = summed weight of the keys source r and target c share."""
    overlap = np.zeros((len(src_anchors), width), dtype=np.float32)
    postings: dict[str, list[int]] = {}
    for c, keys in enumerate(tgt_anchors):
        for key in keys:
            postings.setdefault(key, []).append(c)
    arrays = {key: np.array(cols, dtype=np.int64) for key, cols in postings.items()}
    for r, keys in enumerate(src_anchors):
        lo = int(sim_lo[r])
        for key, w in keys.items():
            cols = arrays[key]
            inside = cols[(cols >= lo) & (cols < lo + width)]
            overlap[r, inside - lo] += w
    return overlap
