"""What every detector sees: the document, its beads, settings, and shared text helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from ..model import Bead, Document, Segment
from .parts import Encode

if TYPE_CHECKING:
    from ..flags import FlagConfig

T = TypeVar("T")

WORD = re.compile(r"\w+", re.UNICODE)
# letters only, apostrophe inside allowed ("Putin's"); digits and underscores excluded
LETTER_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
# punctuation that ends a sentence or opens a quotation or a bracket, then space and perhaps an
# opening quote (': “In …'); or the start of the text
_SENTENCE_START = re.compile(r"[.!?:;„“\"«»()\[\]–—-]\s+[\"„“«‘(]?|^\s*[\"„“«‘(]?")


def sentence_starts(text: str) -> set[int]:
    """Offsets of words that start a sentence or a quotation (capitalised anyway, so their case
    says nothing: a name, a month or a verb)."""
    return {0} | {m.end() for m in _SENTENCE_START.finditer(text)}


@dataclass(frozen=True)
class Pair:
    """An aligned bead with both sides, as text."""

    bead: Bead
    src: list[Segment]
    tgt: list[Segment]

    @property
    def src_text(self) -> str:
        return " ".join(s.text for s in self.src)

    @property
    def tgt_text(self) -> str:
        return " ".join(s.text for s in self.tgt)

    @property
    def src_id(self) -> int:
        return self.src[0].id

    @property
    def tgt_id(self) -> int:
        return self.tgt[0].id


@dataclass(frozen=True)
class Context:
    doc: Document
    beads: list[Bead]
    config: FlagConfig
    # the pipeline's encoder (with its cache), for checks that embed pieces of a pair; None: length only
    encode: Encode | None = field(default=None, compare=False, repr=False)
    # results several detectors share (e.g. per-pair gap scores for omission and addition)
    memo: dict[Hashable, object] = field(default_factory=dict, compare=False, repr=False)

    def shared(self, key: str, compute: Callable[[Context], T]) -> T:
        """``compute(self)``, run once per document however many detectors ask for ``key``."""
        if key not in self.memo:
            self.memo[key] = compute(self)
        return self.memo[key]  # type: ignore[return-value]

    def once(self, compute: Callable[..., T], *args: Hashable) -> T:
        """``compute(*args)``, run once per document for the same arguments (e.g. a pair's texts),
        however many detectors ask: names and numbers are evidence for several flags."""
        key = (compute, args)
        if key not in self.memo:
            self.memo[key] = compute(*args)
        return self.memo[key]  # type: ignore[return-value]

    @property
    def src_lang(self) -> str:
        return self.doc.source.lang

    @property
    def tgt_lang(self) -> str:
        return self.doc.target.lang

    def pairs(self) -> Iterator[Pair]:
        """Every bead with both sides (these hold content segments only)."""
        for bead in self.beads:
            if bead.is_pair:
                yield Pair(
                    bead,
                    [self.doc.source.segments[i] for i in bead.src_ids],
                    [self.doc.target.segments[j] for j in bead.tgt_ids],
                )


def tokens(text: str) -> list[str]:
    return [t.lower() for t in WORD.findall(text)]


def clip(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@lru_cache(maxsize=200_000)
def zipf(word: str, lang: str) -> float:
    """Word frequency on the Zipf scale (0 = unseen, 7 = "the"); 0 for unsupported languages."""
    from wordfreq import zipf_frequency

    try:
        return float(zipf_frequency(word, lang))
    except (LookupError, ValueError):
        return 0.0
