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

``move_border_pieces`` (an option, off by default) asks the same word witness about a segment
at the border of a merge, which may belong to the neighbouring pair: right twice on Text+Berg
dev, wrong on test, where short dialogue lines match their neighbours by chance (session 47).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .crossing import Span

_WORD = re.compile(r"\w")
CosinesOf = Callable[[list[Span]], dict[Span, float]]  # real cosines of beads as joined text
IsRepeat = Callable[[int, int], bool]  # (side: 0 source, 1 target; position) → a repeat?


class WordWitness(Protocol):
    """``wordmatch.WordMatcher``: word-piece states of segments, and the witness measured on them."""

    def pieces(self, texts: Sequence[str]) -> list[np.ndarray]: ...

    def share(self, piece: str, own: Sequence[str], other: Sequence[str]) -> float: ...


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
        side, position = _piece_side((src, tgt))
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
    words: tuple[WordWitness, float] | None = None,
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
        witness, threshold = words
        on_cosine = {c.piece for _, c in ranked}
        asked = [(c, _piece_side(spans[c.piece])) for c in candidates if c.piece not in on_cosine]
        # every candidate's segments in one batch: a call of the model costs more than its work on a few lines
        _prepare(witness, texts, [side_piece for _, side_piece in asked], [spans[c.pair] for c, _ in asked])
        matched = [
            (_matched(witness, texts, side, piece, spans[c.pair][side], spans[c.pair]), c) for c, (side, piece) in asked
        ]
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


def _piece_side(lone: Span) -> tuple[int, int]:
    """(side, position) of the one segment of an unaligned bead."""
    src, tgt = lone
    return (0, src[0]) if src else (1, tgt[0])


def _matched(
    witness: WordWitness,
    texts: tuple[Sequence[str], Sequence[str]],
    side: int,
    piece: int,
    own: Sequence[int],
    pair: Span,
) -> float:
    """The share of the word pieces of segment ``piece`` (on ``side``) matched in ``pair``'s other
    side, with the ``own`` segments of its side competing for them."""
    other = _side(texts, 1 - side, pair[1 - side])
    return witness.share(texts[side][piece], _side(texts, side, own), other)


@dataclass(frozen=True)
class _Option:
    """A segment at the border of two neighbouring pairs that may move from one to the other."""

    left: int  # index in spans of the left pair; the right one follows it
    side: int  # 0: a source segment, 1: a target segment
    piece: int  # its position on its side
    origin: Span  # the pair it is in
    goal: Span  # the pair it may join
    into_left: bool  # whether the goal is the left pair

    @property
    def rest(self) -> tuple[int, ...]:
        return tuple(p for p in self.origin[self.side] if p != self.piece)

    @property
    def moved(self) -> tuple[Span, Span]:
        """(left, right) pair after the move."""
        grown = (*self.goal[self.side], self.piece) if self.into_left else (self.piece, *self.goal[self.side])
        origin = (self.rest, self.origin[1]) if self.side == 0 else (self.origin[0], self.rest)
        goal = (grown, self.goal[1]) if self.side == 0 else (self.goal[0], grown)
        return (goal, origin) if self.into_left else (origin, goal)


@dataclass(frozen=True)
class _Move:
    left: int  # index in spans of the left pair; the right one follows it
    moved: tuple[Span, Span]  # the two pairs after the move
    matched: float  # the moved segment's word share in the pair it joins


def move_border_pieces(
    spans: list[Span],
    known: dict[Span, float],
    texts: tuple[Sequence[str], Sequence[str]],
    may_use: Callable[[Span], bool],
    cosines_of: CosinesOf,
    words: tuple[WordWitness, float],
) -> list[Span]:
    """``spans`` with a segment at the border of a merge moved into the neighbouring pair where
    its words find their translation there and not in its own bead (``known`` gets the new
    beads' cosines).

    The DP splits a long sentence's translation at a sentence border, but a short sentence at
    the border of a merge may belong to the pair next to it (Text+Berg dev: "Nun begannen die
    Erkundungen :" is the end of the French sentence before, "… et que les reconnaissances
    purent commencer", yet the DP put it with the sentence after). Its pooled vector cannot
    tell, since the two pairs' cosines move by less than .01 either way; its words can. It moves
    where more than ``threshold`` of its word pieces match the other pair's other side, with
    that pair's own side competing, and at most ``threshold`` match its own bead's other side
    against the rest of its side: the fragment witness's measure and threshold, asked both ways.
    The move must also make at least one of the two pairs more alike by its real embedding: a
    short sentence has few word pieces, and a few chance matches can pass the threshold (WMT24
    paragraphs: "I ought to get there ." against "… drin sein könnten ?", where both pairs
    lost .01 or more). Each pair takes part in at most one move, best matched first.
    """
    witness, threshold = words
    options: list[_Option] = []
    for k in range(len(spans) - 1):
        left, right = spans[k], spans[k + 1]
        if not (left[0] and left[1] and right[0] and right[1]):
            continue
        if left[0][-1] + 1 != right[0][0] or left[1][-1] + 1 != right[1][0]:
            continue  # something unaligned between the two pairs
        for side in (0, 1):
            # a pair's only segment on a side is its pair, not a border piece
            if len(left[side]) > 1:
                options.append(_Option(k, side, left[side][-1], left, right, False))
            if len(right[side]) > 1:
                options.append(_Option(k, side, right[side][0], right, left, True))
    options = [o for o in options if may_use(o.moved[0]) and may_use(o.moved[1])]

    # each step's segments in one batch (a call of the model costs more than its work on a few
    # lines); a bead's own segments are asked about only where its neighbour's words match
    _prepare(witness, texts, [(o.side, o.piece) for o in options], [o.goal for o in options])
    there = {o: _matched(witness, texts, o.side, o.piece, o.goal[o.side], o.goal) for o in options}
    options = [o for o in options if there[o] > threshold]
    _prepare(witness, texts, [], [o.origin for o in options])
    moves = [
        _Move(o.left, o.moved, there[o])
        for o in options
        if _matched(witness, texts, o.side, o.piece, o.rest, o.origin) <= threshold
    ]
    if not moves:
        return spans
    known.update(cosines_of([span for move in moves for span in move.moved if span not in known]))
    used: set[int] = set()
    result = list(spans)
    for move in sorted(moves, key=lambda m: -m.matched):
        if move.left in used or move.left + 1 in used:
            continue
        before = (spans[move.left], spans[move.left + 1])
        if all(known[after] <= known[span] for after, span in zip(move.moved, before, strict=True)):
            continue  # both pairs less alike: the words matched by chance (a short sentence's few pieces)
        used.update((move.left, move.left + 1))
        result[move.left], result[move.left + 1] = move.moved
    return result


def _prepare(
    witness: WordWitness,
    texts: tuple[Sequence[str], Sequence[str]],
    segments: Sequence[tuple[int, int]],
    pairs: Sequence[Span],
) -> None:
    """The word states of these (side, position) segments and of both sides of each pair, in one batch."""
    wanted = set(segments) | {(side, p) for pair in pairs for side in (0, 1) for p in pair[side]}
    witness.pieces([texts[side][p] for side, p in sorted(wanted)])


def _side(texts: tuple[Sequence[str], Sequence[str]], side: int, positions: Sequence[int]) -> list[str]:
    return [texts[side][p] for p in positions]
