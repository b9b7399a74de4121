"""``omission``, ``addition`` and ``length_ratio``.

Whole omissions/additions are unaligned content segments inside the covered range, or
in a short run at a document's edge (a dropped headline or closing sentence).
Partial ones are aligned pairs where the target is much shorter (longer) than the
document's own length ratio predicts, where names or numbers exist on one side only, or
whose two sides are no more alike than unrelated sentences. With the pipeline's encoder,
length evidence must be confirmed by leaving parts out (``parts.py``): the segment of a
merged side (a dropped sentence the aligner joined to its neighbour's pair), or the clause
of a single segment, without which the pair is more alike. A free translation that is just
longer than usual passes no such check.
Non-content segments (metadata, bylines, datelines, source lines) never count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model import Flag, Segment
from ..segment import clauses
from .context import Context, Pair, clip, tokens
from .names import pair_names
from .numbers import unmatched
from .parts import best_part_to_leave_out
from .repeats import containment

MIN_PAIRS_FOR_STATS = 5  # fewer pairs say nothing about the document's own ratio
MIN_SPREAD = 0.08  # floor of the robust spread of log length ratios (near-identical pairs)
DEFAULT_SPREAD = 0.15  # spread used when the document is too short to measure its own
RATIO_SMOOTHING = 10  # characters added to both lengths of a pair for ``length_ratio``
# Partial gaps: lengths smoothed much more, so that a short pair ("Auch diese Ehe zerbrach." for
# "This marriage also came to an end.") needs a large difference, while a lost clause of a long
# pair still shows; a pair GAP_Z robust sigmas short (long) scores 1. Tuned on real news with
# clauses cut by construction (benchmarks/artefacts.py --sets partial, WMT21 seeds 0 and 2).
GAP_SMOOTHING = 100
GAP_Z = 2.1  # z = -2.0 scores .95, the default threshold
MERGED_MIN_Z = 1.2  # a merged side this many sigmas too long ...
MERGED_FIT = 1.0  # ... that one of its segments would bring this close to the document's ratio
MERGED_SCORE = 0.96
# With the pipeline's encoder (parts.py), tuned on damaged news, WMT20/21 seeds 0,2,3,4, and the
# clause-cut set, WMT20/21 seeds 0 and 2: length evidence counts only where leaving a part out
# makes the pair more alike.
PART_MIN_Z = 0.5  # a merged side this many sigmas too long: which segment lacks a counterpart?
# (a bead merged on both sides is always checked: a sentence dropped on each side cancels out in length)
PART_GAIN = 0.0  # leaving that segment out must raise the cosine by more than this
CLAUSE_GAIN = 0.0  # ... or, in a single segment, leaving out one clause (.002 with e5 alone, whose clause
# vectors were noisier; with USE joined, 0 keeps the clause-cut set's wrong flags where they were: flags_log)
CLAUSE_CHECK_MAX_Z = 2.8  # a single pair this many sigmas off the ratio needs no clause check
UNCONFIRMED_CAP = 0.9  # length evidence the check contradicts scores at most this (below the threshold)
NAMES_BONUS = 0.1  # added to the length score when names/numbers are missing on the same side
UNRELATED_SIMILARITY = 0.12  # a pair scored below this (0 = chance) holds two unrelated segments ...
UNRELATED_WITH_EVIDENCE = 0.22  # ... and so does one below this whose names or numbers differ
UNRELATED_SCORE = 0.97
EDGE_RUN_MAX = 2  # an unaligned run at most this long before the first / after the last pair is a gap
EDGE_MIN_PAIRS = 3  # ... in a document with at least this many pairs, or with no longer run (the seed
# article, an English headline and lead above a whole German article, pairs 2 and leaves 22 out)
EDGE_SCORE = 0.96  # its score (inside the covered range: 1.0)
COPY_CONTAINMENT = 0.95  # an unaligned segment sharing its words with a neighbour both ways is a copy, not a gap


@dataclass(frozen=True)
class PairLength:
    pair: Pair
    log_ratio: float
    z: float  # robust z-score against the document's distribution
    centre: float = 0.0  # the document's median log ratio ...
    spread: float = DEFAULT_SPREAD  # ... and its robust spread
    smoothing: float = RATIO_SMOOTHING

    def z_without(self, segment: Segment, side: str) -> float:
        """The z-score of the pair if one segment of one side ("src"/"tgt") were not in it."""
        src, tgt = len(self.pair.src_text), len(self.pair.tgt_text)
        if side == "src":
            src -= len(segment.text) + 1
        else:
            tgt -= len(segment.text) + 1
        ratio = math.log((max(tgt, 0) + self.smoothing) / (max(src, 0) + self.smoothing))
        return (ratio - self.centre) / self.spread


def length_stats(ctx: Context, smoothing: float = RATIO_SMOOTHING) -> list[PairLength]:
    """Log character-length ratio of every pair, standardised by the document's median and MAD.

    ``smoothing`` characters are added to both lengths, so short pairs need a larger difference.
    """
    pairs = list(ctx.pairs())
    ratios = np.array([math.log((len(p.tgt_text) + smoothing) / (len(p.src_text) + smoothing)) for p in pairs])
    if len(pairs) >= MIN_PAIRS_FOR_STATS:
        centre = float(np.median(ratios))
        spread = max(1.4826 * float(np.median(np.abs(ratios - centre))), MIN_SPREAD)
    else:
        centre, spread = 0.0, DEFAULT_SPREAD
    return [
        PairLength(p, float(r), (float(r) - centre) / spread, centre, spread, smoothing)
        for p, r in zip(pairs, ratios, strict=True)
    ]


def _short_edge_runs(ctx: Context) -> set[tuple[str, int]]:
    """Uncovered content segments in a short run at a document edge: (side, segment id).

    An unaligned segment before a side's first pair or after its last one is "uncovered":
    the other side may just start later or end earlier (an English headline and lead above
    a whole German article). A run of at most ``EDGE_RUN_MAX`` content segments at an edge,
    in a document that pairs at least ``EDGE_MIN_PAIRS`` beads, is no such excerpt but a
    dropped first or last sentence (a headline the translation lacks, a closing line the
    translator added); so is it in a shorter document where no edge run is longer (a line
    dropped from a two-line document).
    """
    runs: dict[str, list[list[int]]] = {"src": [[]], "tgt": [[]]}
    for bead in ctx.beads:
        if bead.is_pair:
            for side in runs:
                if runs[side][-1]:
                    runs[side].append([])
            continue
        if bead.covered:
            continue
        side, ids = ("src", bead.src_ids) if bead.src_ids else ("tgt", bead.tgt_ids)
        segments = ctx.doc.source.segments if side == "src" else ctx.doc.target.segments
        runs[side][-1].extend(i for i in ids if segments[i].is_content)
    excerpt = any(len(run) > EDGE_RUN_MAX for found in runs.values() for run in found)
    if excerpt and sum(b.is_pair for b in ctx.beads) < EDGE_MIN_PAIRS:
        return set()
    out = set()
    for side, found in runs.items():
        for run in found:
            if 0 < len(run) <= EDGE_RUN_MAX:
                out.update((side, i) for i in run)
    return out


def _copies(ctx: Context) -> set[tuple[str, int]]:
    """Content segments that are (near) copies of a nearby segment on the same side: (side, id).

    When a line is repeated, the aligner may pair either copy and leave the other one
    unaligned; the repeat is reported as a ``duplicate`` (on the later copy), not as
    content without a counterpart.
    """
    window = ctx.config.duplicate_window
    out = set()
    for name, side in (("src", ctx.doc.source), ("tgt", ctx.doc.target)):
        content = [s for s in side.segments if s.is_content]
        toks = [tokens(s.text) for s in content]
        for pos in range(len(content)):
            if len(toks[pos]) < ctx.config.duplicate_min_tokens:
                continue
            for other in range(max(0, pos - window), min(len(content), pos + window + 1)):
                shared = min(containment(toks[pos], toks[other]), containment(toks[other], toks[pos]))
                if other != pos and shared >= COPY_CONTAINMENT:
                    out.add((name, content[pos].id))
                    break
    return out


def find_whole_gaps(ctx: Context) -> list[Flag]:
    """Unaligned content inside the covered range (and short runs at an edge): omissions and additions.

    Computed once per document: the omission and the addition detector both read it.
    """
    return ctx.shared("whole_gaps", _whole_gaps)


def _whole_gaps(ctx: Context) -> list[Flag]:
    flags = []
    doc = ctx.doc
    edge = _short_edge_runs(ctx)
    copies = _copies(ctx)
    for bead in ctx.beads:
        if bead.is_pair:
            continue
        side = "src" if bead.src_ids else "tgt"
        seg = doc.source.segments[bead.src_ids[0]] if side == "src" else doc.target.segments[bead.tgt_ids[0]]
        if not seg.is_content or not (bead.covered or (side, seg.id) in edge) or (side, seg.id) in copies:
            continue
        score, where = (1.0, "") if bead.covered else (EDGE_SCORE, " (at the document's edge)")
        if side == "src":
            reason = f"source segment {seg.id} has no translation{where}: “{clip(seg.text)}”"
            flags.append(Flag("omission", reason, score, "src", seg.id))
        else:
            reason = f"target segment {seg.id} has no source{where}: “{clip(seg.text)}”"
            flags.append(Flag("addition", reason, score, "tgt", seg.id))
    return flags


@dataclass(frozen=True)
class SideGap:
    """The evidence, on one side of a pair, of content the other side lacks."""

    score: float
    segment: Segment  # the part without counterpart (the side's only segment, or one of a merged side)
    check: str = ""  # what leaving parts out found, in words ("" when not checked)


@dataclass(frozen=True)
class PartialScore:
    """The evidence of a partial gap inside one pair, for both directions."""

    stat: PairLength  # length facts (smoothed by GAP_SMOOTHING)
    omission: SideGap  # on the source side
    addition: SideGap  # on the target side
    missing: list[str]  # source names/numbers without counterpart
    extra: list[str]  # target names/numbers without counterpart
    unrelated: bool  # the pair's similarity is at chance level


def partial_scores(ctx: Context) -> list[PartialScore]:
    """Per pair: the omission and addition evidence.

    Computed once per document: the omission and the addition detector both read it.
    """
    return ctx.shared("partial_scores", _partial_scores)


def _partial_scores(ctx: Context) -> list[PartialScore]:
    out = []
    for stat in length_stats(ctx, GAP_SMOOTHING):
        pair = stat.pair
        missing_num, extra_num = ctx.once(unmatched, pair.src_text, pair.tgt_text, ctx.src_lang, ctx.tgt_lang)
        missing_names, extra_names = pair_names(ctx, pair)
        missing = [m.text for m in missing_num] + missing_names
        extra = [m.text for m in extra_num] + extra_names
        # a pair no more alike than unrelated sentences: both sides lack a counterpart
        unrelated = pair.bead.score < UNRELATED_SIMILARITY or (
            pair.bead.score < UNRELATED_WITH_EVIDENCE and bool(missing or extra)
        )
        only_src, only_tgt = bool(missing and not extra), bool(extra and not missing)
        omission = _side_gap(ctx, stat, "src", only_src, unrelated)
        addition = _side_gap(ctx, stat, "tgt", only_tgt, unrelated)
        out.append(PartialScore(stat, omission, addition, missing, extra, unrelated))
    return out


def _side_gap(ctx: Context, stat: PairLength, side: str, names_here: bool, unrelated: bool) -> SideGap:
    """Omission (side "src") or addition ("tgt") evidence of one pair.

    A side GAP_Z sigmas too long scores 1 (plus NAMES_BONUS when names/numbers exist on this
    side only); names/numbers alone score .9; a pair at chance similarity UNRELATED_SCORE.
    With the pipeline's encoder, length evidence must be confirmed by leaving parts out: the
    segment of a merged side, or the clause of a single segment, without which the pair is
    more alike (``parts.py``). Without an encoder, the segment of a merged side that the
    length ratio leaves over counts (MERGED_SCORE).
    """
    parts = stat.pair.src if side == "src" else stat.pair.tgt
    too_long = -stat.z if side == "src" else stat.z
    length = min(1.0, too_long / GAP_Z + NAMES_BONUS * names_here)
    floor = max(0.9 * names_here, UNRELATED_SCORE if unrelated else 0.0)
    if ctx.encode is None:
        segment = _leftover_by_length(stat, side)
        return SideGap(max(length, floor, _left_over(stat, side, segment)), segment)
    other = stat.pair.tgt_text if side == "src" else stat.pair.src_text
    if len(parts) > 1:
        both_merged = len(stat.pair.src) > 1 and len(stat.pair.tgt) > 1
        if too_long < PART_MIN_Z and not both_merged:
            return SideGap(max(length, floor), _leftover_by_length(stat, side))
        found = best_part_to_leave_out(ctx.encode, [p.text for p in parts], other)
        assert found is not None  # (two or more parts)
        segment = parts[found.index]
        if found.gain > PART_GAIN:
            note = f"without segment {segment.id} the pair is more alike (cosine {found.gain:+.3f})"
            return SideGap(max(length, MERGED_SCORE, floor), segment, note)
        note = f"leaving out any one segment makes the pair less alike (best {found.gain:+.3f})"
        return SideGap(max(min(length, UNCONFIRMED_CAP), floor), segment, note)
    segment = parts[0]
    # the clause check can only lower a length score to UNCONFIRMED_CAP: worth its encoder
    # work only where that decides whether the pair is flagged
    threshold = ctx.config.threshold("omission" if side == "src" else "addition")
    if length < threshold or threshold <= UNCONFIRMED_CAP or too_long >= CLAUSE_CHECK_MAX_Z:
        return SideGap(max(length, floor), segment)
    pieces = clauses(segment.text)
    found = best_part_to_leave_out(ctx.encode, pieces, other)
    if found is None:  # one clause: nothing to leave out, the length evidence stands
        return SideGap(max(length, floor), segment)
    if found.gain > CLAUSE_GAIN:
        note = f"without the clause “{clip(pieces[found.index], 40)}” the pair is more alike (cosine {found.gain:+.3f})"
        return SideGap(max(length, floor), segment, note)
    note = f"leaving out any one clause makes the pair less alike (best {found.gain:+.3f})"
    return SideGap(max(min(length, UNCONFIRMED_CAP), floor), segment, note)


def _left_over(stat: PairLength, side: str, segment: Segment) -> float:
    """``MERGED_SCORE`` when ``segment`` of a merged side is what makes the pair too long there.

    (Without an encoder.) The side ("src" for an omission, "tgt" for an addition) holds
    several segments, the pair is ``MERGED_MIN_Z`` sigmas long on that side, and without the
    segment it would be within ``MERGED_FIT`` sigmas of the document's ratio. Two halves of
    one translated sentence do not qualify: without either, the pair is far off the other way.
    """
    parts = stat.pair.src if side == "src" else stat.pair.tgt
    too_long = -stat.z if side == "src" else stat.z
    if len(parts) < 2 or too_long < MERGED_MIN_Z:
        return 0.0
    return MERGED_SCORE if abs(stat.z_without(segment, side)) <= MERGED_FIT else 0.0


def _leftover_by_length(stat: PairLength, side: str) -> Segment:
    """The segment of one side without which the pair's length ratio comes closest to the document's."""
    parts = stat.pair.src if side == "src" else stat.pair.tgt
    if len(parts) == 1:
        return parts[0]
    return min(parts, key=lambda seg: abs(stat.z_without(seg, side)))


def _partial_reason(kind: str, found: PartialScore) -> str:
    """Every piece of evidence for a partial gap of this kind, in words."""
    stat = found.stat
    gap = found.omission if kind == "omission" else found.addition
    side = "source" if kind == "omission" else "target"
    # name only the words that explain this direction; mixed evidence names none
    missing, extra = found.missing, found.extra
    items = (missing if not extra else []) if kind == "omission" else (extra if not missing else [])
    parts = []
    if found.unrelated:
        parts.append(f"the pair is no more alike than unrelated sentences (similarity {stat.pair.bead.score:.2f})")
    if items:
        parts.append(f"{side} content without counterpart: {', '.join(items)}")
    z = -stat.z if kind == "omission" else stat.z
    if z > 0:
        direction = "shorter" if kind == "omission" else "longer"
        parts.append(f"target {direction} than the document's length ratio predicts (z = {stat.z:+.1f})")
    if gap.check:
        parts.append(gap.check)
    return f"partial {kind}: {'; '.join(parts)}: “{clip(stat.pair.tgt_text)}”"


def _find_gaps(ctx: Context, kind: str) -> list[Flag]:
    """Whole (unaligned) and partial (inside a pair) gaps of one kind: omission or addition."""
    threshold = ctx.config.threshold(kind)
    flags = [f for f in find_whole_gaps(ctx) if f.type == kind]
    for found in partial_scores(ctx):
        gap = found.omission if kind == "omission" else found.addition
        if gap.score < threshold:
            continue
        pair = found.stat.pair
        side, related = ("src", pair.tgt_id) if kind == "omission" else ("tgt", pair.src_id)
        reason = _partial_reason(kind, found)
        if len(pair.src if side == "src" else pair.tgt) > 1:
            reason += f" (segment {gap.segment.id} is the part without counterpart)"
        flags.append(Flag(kind, reason, gap.score, side, gap.segment.id, related))
    return flags


def find_omissions(ctx: Context) -> list[Flag]:
    return _find_gaps(ctx, "omission")


def find_additions(ctx: Context) -> list[Flag]:
    return _find_gaps(ctx, "addition")


def find_length_outliers(ctx: Context) -> list[Flag]:
    threshold = ctx.config.threshold("length_ratio")
    stats = length_stats(ctx)
    if len(stats) < MIN_PAIRS_FOR_STATS:
        return []
    flags = []
    for stat in stats:
        if abs(stat.z) >= threshold:
            pair = stat.pair
            reason = (
                f"length ratio {len(pair.tgt_text)}/{len(pair.src_text)} characters is an outlier in this document "
                f"(robust z = {stat.z:+.1f}): “{clip(pair.tgt_text)}”"
            )
            flags.append(Flag("length_ratio", reason, abs(stat.z), "tgt", pair.tgt_id, pair.src_id))
    return flags
