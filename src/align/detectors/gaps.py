"""``omission``, ``addition`` and ``length_ratio``.

Whole omissions/additions are unaligned content segments inside the covered range.
Partial ones are aligned pairs where the target is much shorter (longer) than the
document's own length ratio predicts, or where names or numbers exist on one side only.
Non-content segments (metadata, bylines, datelines, source lines) never count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model import Flag
from .context import Context, Pair, clip
from .names import differing_names
from .numbers import unmatched

MIN_PAIRS_FOR_STATS = 5  # fewer pairs say nothing about the document's own ratio
MIN_SPREAD = 0.08  # floor of the robust spread of log length ratios (near-identical pairs)
DEFAULT_SPREAD = 0.15  # spread used when the document is too short to measure its own


@dataclass(frozen=True)
class PairLength:
    pair: Pair
    log_ratio: float
    z: float  # robust z-score against the document's distribution


def length_stats(ctx: Context) -> list[PairLength]:
    """Log character-length ratio of every pair, standardised by the document's median and MAD."""
    pairs = list(ctx.pairs())
    ratios = np.array([math.log((len(p.tgt_text) + 10) / (len(p.src_text) + 10)) for p in pairs])
    if len(pairs) >= MIN_PAIRS_FOR_STATS:
        centre = float(np.median(ratios))
        spread = max(1.4826 * float(np.median(np.abs(ratios - centre))), MIN_SPREAD)
    else:
        centre, spread = 0.0, DEFAULT_SPREAD
    return [PairLength(p, float(r), (float(r) - centre) / spread) for p, r in zip(pairs, ratios, strict=True)]


def find_whole_gaps(ctx: Context) -> list[Flag]:
    """Unaligned content inside the covered range: omissions (source) and additions (target)."""
    flags = []
    doc = ctx.doc
    for bead in ctx.beads:
        if bead.is_pair or not bead.covered:
            continue
        if bead.src_ids:
            seg = doc.source.segments[bead.src_ids[0]]
            if seg.is_content:
                reason = f"source segment {seg.id} has no translation: “{clip(seg.text)}”"
                flags.append(Flag("omission", reason, 1.0, "src", seg.id))
        else:
            seg = doc.target.segments[bead.tgt_ids[0]]
            if seg.is_content:
                reason = f"target segment {seg.id} has no source: “{clip(seg.text)}”"
                flags.append(Flag("addition", reason, 1.0, "tgt", seg.id))
    return flags


PartialScore = tuple[PairLength, float, float, list[str], list[str]]


def partial_scores(ctx: Context) -> list[PartialScore]:
    """Per pair: (length facts, omission score, addition score, what is missing, what is extra).

    Computed once per document: the omission and the addition detector both read it.
    """
    if "partial_scores" not in ctx.memo:
        ctx.memo["partial_scores"] = _partial_scores(ctx)
    return ctx.memo["partial_scores"]  # type: ignore[return-value]


def _partial_scores(ctx: Context) -> list[PartialScore]:
    out = []
    for stat in length_stats(ctx):
        pair = stat.pair
        missing_num, extra_num = unmatched(pair.src_text, pair.tgt_text)
        missing_names, extra_names = differing_names(pair.src_text, pair.tgt_text, ctx.src_lang, ctx.tgt_lang)
        missing = [m.text for m in missing_num] + missing_names
        extra = [m.text for m in extra_num] + extra_names
        # length evidence: a 4-sigma short target scores 1; content only on one side scores .9
        omission = max(min(1.0, -stat.z / 4.0), 0.9 if missing and not extra else 0.0)
        addition = max(min(1.0, stat.z / 4.0), 0.9 if extra and not missing else 0.0)
        out.append((stat, omission, addition, missing, extra))
    return out


def _partial_reason(kind: str, stat: PairLength, items: list[str]) -> str:
    side = "source" if kind == "omission" else "target"
    what = f"{side} content without counterpart: {', '.join(items)}; " if items else ""
    direction = "shorter" if kind == "omission" else "longer"
    return (
        f"partial {kind}: {what}target {direction} than the document's length ratio predicts "
        f"(z = {stat.z:+.1f}): “{clip(stat.pair.tgt_text)}”"
    )


def _find_gaps(ctx: Context, kind: str) -> list[Flag]:
    """Whole (unaligned) and partial (inside a pair) gaps of one kind: omission or addition."""
    threshold = ctx.config.threshold(kind)
    flags = [f for f in find_whole_gaps(ctx) if f.type == kind]
    for stat, omission, addition, missing, extra in partial_scores(ctx):
        score = omission if kind == "omission" else addition
        if score < threshold:
            continue
        # name only the words that explain this direction; mixed evidence names none
        items = (missing if not extra else []) if kind == "omission" else (extra if not missing else [])
        pair = stat.pair
        side, segment, related = (
            ("src", pair.src_id, pair.tgt_id) if kind == "omission" else ("tgt", pair.tgt_id, pair.src_id)
        )
        flags.append(Flag(kind, _partial_reason(kind, stat, items), score, side, segment, related))
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
