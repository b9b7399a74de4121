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
from collections.abc import Iterator, Sequence
from itertools import pairwise

import numpy as np

from .langid import is_known

_TOKEN = re.compile(r"\d+|[^\W\d_]{4,}")
_PREFIX = 5


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))[:_PREFIX]


def _keyed_tokens(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    """Each digit run (its key without leading zeros) and longer word (its folded prefix), with its match."""
    for match in _TOKEN.finditer(text):
        token = match.group()
        yield (token.lstrip("0") or "0") if token.isdigit() else _fold(token), match


def anchor_keys(text: str) -> frozenset[str]:
    """The anchor keys of one segment: digit runs (without leading zeros) and folded word prefixes."""
    return frozenset(key for key, _ in _keyed_tokens(text))


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


# languages that capitalise every noun: there a capital letter does not mark a name
NOUN_CAPITALISING = frozenset({"de", "lb"})
_MIN_NUMBER_DIGITS = 2  # "6" or "000" (of "1,000", key "0") moves between sentences by chance
# what may stand before a sentence's first word: nothing, or a full stop (not an initial's, "E. M.")
_SENTENCE_START = re.compile(r"(?:^|(?<![\s.][A-Z])[.!?…]\s+)[\W_]*$")


def _name_keys(
    src_texts: Sequence[str], tgt_texts: Sequence[str], src_lang: str | None, tgt_lang: str | None
) -> tuple[list[frozenset[str]], list[frozenset[str]]]:
    """Per segment, its numbers and names: the keys that mark one thing wherever they occur.

    A word is a name where every occurrence on both sides is capitalised and, on a side whose
    language does not capitalise nouns, one is inside a sentence ("Abalakow", not "Singer" at
    the start of a sentence against German "Singen"). An unknown language counts as capitalising
    nouns, so with no language known only numbers count.
    """
    sides = []
    capitalised: dict[str, bool] = {}
    named: set[str] = set()
    for texts, lang in ((src_texts, src_lang), (tgt_texts, tgt_lang)):
        plain_capitals = lang is not None and is_known(lang) and lang.lower() not in NOUN_CAPITALISING
        side_keys: list[dict[str, bool]] = []
        seen: set[str] = set()
        for text in texts:
            keys: dict[str, bool] = {}  # key → whether it is a number
            for key, match in _keyed_tokens(text):
                if match.group().isdigit():
                    if len(key) >= _MIN_NUMBER_DIGITS:
                        keys[key] = True
                    continue
                keys[key] = False
                upper = match.group()[0].isupper()
                capitalised[key] = capitalised.get(key, True) and upper
                if upper and plain_capitals and not _SENTENCE_START.search(text, 0, match.start()):
                    named.add(key)
            seen.update(keys)
            side_keys.append(keys)
        sides.append((side_keys, seen))
    (src_keys, src_seen), (tgt_keys, tgt_seen) = sides
    names = {k for k in named & src_seen & tgt_seen if capitalised[k]}

    def kept(side_keys: list[dict[str, bool]]) -> list[frozenset[str]]:
        return [frozenset(k for k, is_number in keys.items() if is_number or k in names) for keys in side_keys]

    return kept(src_keys), kept(tgt_keys)


def moved_anchor_borders(
    spans: Sequence[tuple[tuple[int, ...], tuple[int, ...]]],
    src_texts: Sequence[str],
    tgt_texts: Sequence[str],
    src_lang: str | None = None,
    tgt_lang: str | None = None,
) -> set[int]:
    """Borders k (between ``spans[k]`` and ``spans[k + 1]``, both pairs) that a number or name crossed.

    Text+Berg dev: German "Erstersteigung 1933 durch B.M ." / "Abalakow , seitdem wiederholt
    besucht ." against French "première ascension en 1933 par E. M. Abalakow ." / "Souvent
    visité depuis .". Each sentence is most like the one at its place, so the DP makes two
    1-1 beads; but "Abalakow" sits in the second German sentence and in the first French one,
    and in neither of their own partners: the translator moved it across the border, and the
    gold (and a reader) sees one 2-2 bead.
    """
    src_keys, tgt_keys = _name_keys(src_texts, tgt_texts, src_lang, tgt_lang)

    def keys_of(positions: tuple[int, ...], side: list[frozenset[str]]) -> frozenset[str]:
        return frozenset().union(*(side[p] for p in positions))

    crossed = set()
    for k, (left, right) in enumerate(pairwise(spans)):
        if not (left[0] and left[1] and right[0] and right[1]):
            continue
        s1, t1 = keys_of(left[0], src_keys), keys_of(left[1], tgt_keys)
        s2, t2 = keys_of(right[0], src_keys), keys_of(right[1], tgt_keys)
        if ((s2 & t1) - t2 - s1) or ((s1 & t2) - t1 - s2):
            crossed.add(k)
    return crossed
