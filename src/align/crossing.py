"""Content that crosses the border between two neighbouring beads.

Translators move clauses across sentence borders. Text+Berg dev, German "Die ersten beiden
Seillängen … hatten Stunden gekostet, 250 m in zwei Tagen." / "Sechs Stunden
Steigeisenarbeit …" against French "Les deux premières longueurs … coûtèrent des heures" /
"Il fallut deux jours pour gravir 250 m. Six heures de cramponnage …": each German
sentence has its best partner in the French sentence at the same place, so a DP that scores
every bead once cuts the block into two 1-1 beads, each half right. The gold (and a reader)
sees one 2-2 bead: the border between the sentences is not an alignment point.

The test: move the clause at the border into the neighbouring bead, on one side, embed the
two changed texts, and compare. Where content crosses, both beads get more alike (the sum of
their cosines rises by more than ``crossing_gain``); where the border is real, moving any
clause makes both worse. On Text+Berg dev this separates 14 of its 16 gold 2-2 beads from
158 of 159 pairs of neighbouring gold 1-1 beads (a gain above .01).

It is cheap first and exact last: a pair of neighbouring beads is a candidate only where one
bead is nearly as like its neighbour's translation as its own (from the sentence vectors, no
encoder work); a move is embedded only where the moving clause alone is more like the
neighbour's translation than its own bead's (one short clause embedded); candidates go most
crossed first until ``crossing_budget`` × the input characters are spent.

Off by default (``AlignerConfig.crossing_gain = 0``): Text+Berg dev .893 → .917 with it, but
on the seven test documents it joins only three borders and none of them is a gold bead. With
the later steps it gains one dev bead (.942 → .945) for .25× of dev's input embedded again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .segment import clauses

Span = tuple[tuple[int, ...], tuple[int, ...]]  # (source positions, target positions) of a pair bead
Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class _Move:
    """One clause moved across the border on one side: the two changed texts and what they face."""

    clause: str
    first: str  # the first bead's side after the move
    second: str  # the second bead's side after the move
    before: tuple[int, int]  # rows (in the block vectors) of the two unchanged texts on this side
    other: tuple[int, int]  # rows of the two texts they are compared with
    forward: bool  # the clause leaves the first bead for the second


def _block_vector(vecs: np.ndarray, ids: Sequence[int], texts: Sequence[str]) -> np.ndarray:
    """Length-weighted sum of sentence vectors, normalised (mean pooling is additive)."""
    weights = np.array([max(len(texts[i]), 1) for i in ids], dtype=np.float64)
    total = (vecs[list(ids)] * weights[:, None]).sum(axis=0)
    return total / max(float(np.linalg.norm(total)), 1e-12)


def crossing_score(left: Span, right: Span, src_vecs, tgt_vecs, src_texts, tgt_texts) -> float:
    """How much one bead resembles its neighbour's translation, relative to its own (≤ 0 mostly)."""
    x1, x2 = (_block_vector(src_vecs, s, src_texts) for s in (left[0], right[0]))
    y1, y2 = (_block_vector(tgt_vecs, t, tgt_texts) for t in (left[1], right[1]))
    return float(max(x1 @ y2, x2 @ y1) - min(x1 @ y1, x2 @ y2))


def _moves(s1: str, s2: str, t1: str, t2: str) -> list[_Move]:
    """The last clause of each first text forward, the first clause of each second text back."""
    moves = []
    # block vector rows: 0 s1, 1 s2, 2 t1, 3 t2
    for first, second, before, other in ((s1, s2, (0, 1), (2, 3)), (t1, t2, (2, 3), (0, 1))):
        head, tail = clauses(first), clauses(second)
        if len(head) > 1:
            moves.append(_Move(head[-1], " ".join(head[:-1]), " ".join([head[-1], *tail]), before, other, True))
        if len(tail) > 1:
            moves.append(_Move(tail[0], " ".join([*head, tail[0]]), " ".join(tail[1:]), before, other, False))
    return moves


def crossed_borders(
    beads: Sequence[Span],
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    src_texts: Sequence[str],
    tgt_texts: Sequence[str],
    encode: Encode,
    may_join: Callable[[Span, Span], bool],
    gain: float,
    min_crossing: float,
    budget_chars: float,
) -> tuple[set[int], int]:
    """Borders k (between beads k and k+1, both pairs) that content crosses; characters embedded."""
    candidates = []
    for k in range(len(beads) - 1):
        left, right = beads[k], beads[k + 1]
        if not (left[0] and left[1] and right[0] and right[1]) or not may_join(left, right):
            continue
        score = crossing_score(left, right, src_vecs, tgt_vecs, src_texts, tgt_texts)
        if score > min_crossing:
            candidates.append((-score, k))
    crossed: set[int] = set()
    spent = 0
    seen: set[str] = set()

    def embed(texts: list[str]) -> np.ndarray:
        nonlocal spent
        spent += sum(len(t) for t in set(texts) - seen)
        seen.update(texts)
        return encode(texts)

    for _, k in sorted(candidates):
        if spent > budget_chars:
            break
        left, right = beads[k], beads[k + 1]
        s1, s2 = (" ".join(src_texts[i] for i in ids) for ids in (left[0], right[0]))
        t1, t2 = (" ".join(tgt_texts[j] for j in ids) for ids in (left[1], right[1]))
        moves = _moves(s1, s2, t1, t2)
        if not moves:
            continue
        # the four texts as they are: single segments and re-embedded merges come from the cache
        blocks = encode([s1, s2, t1, t2])
        clause_vecs = embed([m.clause for m in moves])
        tried = []
        for move, vec in zip(moves, clause_vecs, strict=True):
            own, theirs = (move.other[0], move.other[1]) if move.forward else (move.other[1], move.other[0])
            if float(vec @ blocks[theirs]) > float(vec @ blocks[own]):  # the clause leans across
                tried.append(move)
        if not tried:
            continue
        changed = embed([text for m in tried for text in (m.first, m.second)])
        for q, move in enumerate(tried):
            (b1, b2), (o1, o2) = move.before, move.other
            before = float(blocks[b1] @ blocks[o1] + blocks[b2] @ blocks[o2])
            after = float(changed[2 * q] @ blocks[o1] + changed[2 * q + 1] @ blocks[o2])
            if after - before > gain:
                crossed.add(k)
                break
    return crossed, spent


def join_crossed(beads: Sequence[Span], crossed: set[int], may_join: Callable[[Span, Span], bool]) -> list[Span]:
    """The beads with every crossed border removed (a run of them joins into one bead, while allowed)."""
    out: list[Span] = []
    for k, bead in enumerate(beads):
        if out and k - 1 in crossed and may_join(out[-1], bead):
            last = out.pop()
            bead = (last[0] + bead[0], last[1] + bead[1])
        out.append(bead)
    return out
