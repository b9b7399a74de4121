"""A lone piece of a sentence left out next to a real gap joins the pair it belongs to.

Damaged news, guardian.260695: the German translation splits "…, sagten die Inspektoren."
off its sentence, and the English sentence after it was dropped. The DP leaves the fragment
unaligned: next to the gap it costs only the gap extension (.005), less than the merge that
would take it into its pair. The fix is a check after the DP, with two witnesses:

* **Meaning.** The pair's real embedding, with the piece joined to it, is more like the
  other side than without it. Alone this is no evidence: under mean pooling a sentence the
  other side dropped raises its neighbour pair's cosine too (by .001–.016; session 12
  joined 41 dropped sentences into their neighbours this way, all wrong).
* **Length.** With the piece, the pair's log character ratio comes closer to the
  document's own ratio. A fragment completes the shorter side; a dropped sentence or an
  MT duplicate makes its side too long (MT trailers are non-content: never aligned).

Only a segment with a word in it counts (a line of dots is no fragment), and only where the
bead with it is a shape the DP may use and holds no repeat and no non-content border. Each
piece joins at most one pair, each pair takes at most one piece, best cosine gain first.

Measured in session 16 (``docs/aligner_log.md``): on damaged news seeds 0–6 it joins two
fragments, both gold beads, and nothing else; on Text+Berg dev, WMT24 paragraphs and
Text+Berg test (compared without reading its gold) it changes no bead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .crossing import Span

_WORD = re.compile(r"\w")
CosinesOf = Callable[[list[Span]], dict[Span, float]]  # real cosines of beads as joined text


@dataclass(frozen=True)
class LengthModel:
    """The document's expected log ratio of target to source characters (as the DP's prior)."""

    src_lens: Sequence[float]
    tgt_lens: Sequence[float]
    log_ratio_mean: float
    smoothing: float

    def deviation(self, span: Span) -> float:
        src = sum(self.src_lens[p] for p in span[0]) + self.smoothing
        tgt = sum(self.tgt_lens[p] for p in span[1]) + self.smoothing
        return abs(math.log(tgt / src) - self.log_ratio_mean)


@dataclass(frozen=True)
class _Candidate:
    piece: int  # index in spans of the unaligned bead
    pair: int  # index in spans of the neighbouring pair
    joined: Span


def _candidates(
    spans: Sequence[Span], src_texts: Sequence[str], tgt_texts: Sequence[str], may_use: Callable[[Span], bool]
) -> list[_Candidate]:
    """Every lone unaligned segment with a word, next to a pair on its own side."""
    found = []
    for k, (src, tgt) in enumerate(spans):
        if len(src) + len(tgt) != 1:
            continue
        side = 0 if src else 1
        position = (src or tgt)[0]
        if not _WORD.search((src_texts if side == 0 else tgt_texts)[position]):
            continue
        for pair in (k - 1, k + 1):
            if not 0 <= pair < len(spans) or not (spans[pair][0] and spans[pair][1]):
                continue
            own = spans[pair][side]
            if pair < k and own[-1] + 1 == position:
                grown = (*own, position)
            elif pair > k and own[0] - 1 == position:
                grown = (position, *own)
            else:
                continue
            joined = (grown, spans[pair][1]) if side == 0 else (spans[pair][0], grown)
            if may_use(joined):
                found.append(_Candidate(k, pair, joined))
    return found


def absorb_fragments(
    spans: list[Span],
    known: dict[Span, float],
    src_texts: Sequence[str],
    tgt_texts: Sequence[str],
    lengths: LengthModel,
    may_use: Callable[[Span], bool],
    cosines_of: CosinesOf,
) -> list[Span]:
    """``spans`` with each fragment joined to its pair (``known`` gets the new beads' cosines)."""
    candidates = _candidates(spans, src_texts, tgt_texts, may_use)
    if not candidates:
        return spans
    known.update(cosines_of([c.joined for c in candidates if c.joined not in known]))
    accepted = []
    for c in candidates:
        pair = spans[c.pair]
        gain = known[c.joined] - known[pair]
        if gain > 0.0 and lengths.deviation(c.joined) <= lengths.deviation(pair):
            accepted.append((gain, c))
    used: set[int] = set()
    replaced: dict[int, Span] = {}
    for _, c in sorted(accepted, key=lambda item: -item[0]):
        if c.piece in used or c.pair in used:
            continue
        used.update((c.piece, c.pair))
        replaced[c.pair] = c.joined
    dropped = used - set(replaced)
    return [replaced.get(k, span) for k, span in enumerate(spans) if k not in dropped]
