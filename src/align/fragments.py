"""A lone piece of a sentence left out next to a gap joins the pair it belongs to.

Damaged news, guardian.260695: the German translation splits "…, sagten die Inspektoren."
off its sentence, and an MT duplicate of the whole sentence follows it. The DP leaves the
fragment unaligned: next to the gap the repeat opens it costs only the gap extension (.005),
less than the merge that would take it into its pair. So after the DP, a lone unaligned
segment joins a neighbouring pair where the pair's real embedding, with the piece joined to
it, is more like the other side than without it. A fragment completes its pair's meaning; a
sentence the other side dropped mostly pulls the pair's embedding away from the other side
(every one the main alignment leaves out on the tuning sets does).

With ``lengths`` (the flags' second alignment, which looks for dropped sentences), the join
must also bring the pair's log character ratio closer to the document's: a fragment
completes the shorter side, a dropped sentence makes its side too long. Without it that
alignment, which leaves more sentences out, re-joined a few dropped ones (damage seeds 0, 2,
3, 4: two omission flags lost, recall 290 → 289 of 303); with it, it loses none and still
joins real fragments (split or merged lines wrongly flagged 66 → 63 of 3,322). The main
alignment does without it: the witness also refuses translator condensation (Text+Berg dev,
"Orell Füssli 1956 ) vorliegt , …", a gold join).

With ``words`` (session 46), a piece whose join does not raise the cosine still joins where
most of its words find their translation in the pair (``wordmatch.py``): Text+Berg dev's
"Tastend , unter dichten Schneeböen …", which the French folds into the sentence before
("… où ils dévalent à tâtons"), lowers that pair's cosine by .02, as much as many a dropped
news sentence does. On cosine first, then on words, most matched first.

Not joined: a segment without a word (a line of dots), a repeat of a segment just before it
(the first copy carries the alignment, the repeat stays an unaligned bead, however alike it
makes a pair), and any bead of a shape the DP does not use or with a repeat or non-content
border inside. Each piece joins at most one pair, each pair takes at most one piece, best
cosine gain first.

Session 12 tried this join and rejected it: on damaged news it joined 41 segments into
their neighbours, all wrong. Those 41 were MT trailers ("Übersetzt mit DeepL.com"), which
the aligner never sees (they are non-content segments; that experiment ran on the
pipeline's output, where they are unaligned beads). In the aligner itself (session 16):
Text+Berg dev, damaged news seeds 0–6 and WMT24 paragraphs, four joins, all gold beads; on
Text+Berg test, four joins, none a gold bead (``docs/aligner_log.md``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .crossing import Span

_WORD = re.compile(r"\w")
CosinesOf = Callable[[list[Span]], dict[Span, float]]  # real cosines of beads as joined text
IsRepeat = Callable[[int, int], bool]  # (side: 0 source, 1 target; position) → a repeat?
WordShare = Callable[[str, str, str], float]  # (piece, pair's own side, other side) → ``WordMatcher.share``


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
    spans: Sequence[Span],
    texts: tuple[Sequence[str], Sequence[str]],
    may_use: Callable[[Span], bool],
    is_repeat: IsRepeat,
) -> list[_Candidate]:
    """Every lone unaligned segment with a word that is no repeat, next to a pair on its own side."""
    found = []
    for k, (src, tgt) in enumerate(spans):
        if len(src) + len(tgt) != 1:
            continue
        side = 0 if src else 1
        position = (src or tgt)[0]
        if not _WORD.search(texts[side][position]) or is_repeat(side, position):
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
    texts: tuple[Sequence[str], Sequence[str]],
    may_use: Callable[[Span], bool],
    is_repeat: IsRepeat,
    cosines_of: CosinesOf,
    lengths: LengthModel | None = None,
    words: tuple[WordShare, float] | None = None,
) -> list[Span]:
    """``spans`` with each fragment joined to its pair (``known`` gets the new beads' cosines).

    ``known`` must hold the cosine of every pair in ``spans``; ``texts`` is (source, target);
    with ``lengths``, a join must also bring the pair's length ratio closer to the document's.
    With ``words`` (share, threshold), a piece whose join does not raise the cosine still joins
    where more than ``threshold`` of its word pieces match the pair's other side
    (``wordmatch.py``); joins on the cosine come first, then these, most matched first.
    """
    candidates = _candidates(spans, texts, may_use, is_repeat)
    if not candidates:
        return spans
    known.update(cosines_of([c.joined for c in candidates if c.joined not in known]))
    if lengths is not None:
        candidates = [c for c in candidates if lengths.deviation(c.joined) <= lengths.deviation(spans[c.pair])]
    ranked = sorted(
        ((gain, c) for c in candidates if (gain := known[c.joined] - known[spans[c.pair]]) > 0.0),
        key=lambda item: -item[0],
    )
    if words is not None:
        share, threshold = words
        on_cosine = {c.piece for _, c in ranked}
        matched = [(_word_share(share, spans, texts, c), c) for c in candidates if c.piece not in on_cosine]
        ranked += sorted(((m, c) for m, c in matched if m > threshold), key=lambda item: -item[0])
    used: set[int] = set()
    replaced: dict[int, Span] = {}
    for _, c in ranked:
        if c.piece in used or c.pair in used:
            continue
        used.update((c.piece, c.pair))
        replaced[c.pair] = c.joined
    dropped = used - set(replaced)
    return [replaced.get(k, span) for k, span in enumerate(spans) if k not in dropped]


def _word_share(
    share: WordShare, spans: Sequence[Span], texts: tuple[Sequence[str], Sequence[str]], c: _Candidate
) -> float:
    """The share of the piece's word pieces matched in its pair's other side, against the pair's own side."""
    src, tgt = spans[c.piece]
    side = 0 if src else 1
    own, other = spans[c.pair][side], spans[c.pair][1 - side]
    return share(
        texts[side][(src or tgt)[0]],
        " ".join(texts[side][p] for p in own),
        " ".join(texts[1 - side][p] for p in other),
    )
