"""Dynamic-programming sentence alignment over embedding similarities.

Each candidate bead (a block of ``a`` source and ``b`` target content segments, up to
1-6 / 6-1 / 1-5 / 5-1 / 1-4 / 4-1 / 2-2 / 2-3 / 3-2 / 3-3) gets a gain; the DP picks the monotone sequence of beads
with the largest total gain. Leaving a segment unaligned costs a gap penalty.

Why these choices:

* **Every bead counts once.** A pair gains ``cosine - chance level - pair_threshold``
  whatever its size, so two good 1-1 beads beat one 2-2 bead, and a merge wins only where
  it saves a segment from being left out: the same trade-off Bertalign makes.
* **Chance level: global and local.** A small model gives every pair of sentences from
  one text a high cosine, so each cosine is measured against a chance level: a quarter
  from each segment's mean similarity to the whole other side, three quarters from the
  segments just outside the bead (Bertalign's margin). The local part is what tells a
  2-2 from two 1-1s: a block that ends in the wrong place also resembles the segment
  next to it. Where a block covers its whole side, the global level stands in.
* **Affine gap cost.** The first segment of a run left out costs ``skip_penalty`` (.05),
  each further one on the same side ``gap_extend_penalty`` (.005). A lone leftover piece
  of a 2-1 (a fragment the other side joined to its neighbour) is then taken into the
  merge instead of being dropped, while a run of 30 untranslated photo captions (Text+Berg
  dev) is still cheap to leave out: a flat cost high enough for the first case pairs the
  captions with wrong sentences. The opening cost was .03 until session 14; .05 pairs the
  short sentences translators fold into a neighbour (WMT24 paragraphs .990 → .995, dev
  .892 → .896) and merges a few sentences dropped from damaged news into their neighbours
  (.991 → .985; ``benchmarks/ablation.py``). The flags still name those: they also read an
  alignment with the old .03 (``audit_skip_penalty``, ``flags.drops_inside_pairs``).
* **Repeats are left out, not merged.** A segment that repeats one just before it
  (near-identical embedding, or its words contained in the other's) may not share a merge
  with it, and leaving it unaligned is free: the first copy carries the alignment.
* **Part check on merges.** A merged bead loses ``part_weight`` times the gain of its worst
  part taken alone against the other side, when that gain is negative: a real fragment
  matches its counterpart above chance, a sentence the other side dropped does not. A
  merge penalty of .01 per extra segment covers topical sentences that pass that check.
* **Leave one part out.** In the second pass, a 1-n merge whose real embedding is less
  like the other side than one of its smaller versions (the merge without its first or last
  part: a 1-1, or another re-embedded merge) loses ``leave_one_out_weight`` (3) times the
  difference. A translated fragment makes its pair more alike, a sentence the other side
  dropped does not. The smaller bead counts only where its length ratio is closer to the
  document's than the merge's (``leave_one_out_length_check``; not for a bead holding the
  whole document, whose ratio is the document's own): a translator's joined line mends the
  ratio, a line the other side lacks spoils it. Without that, 26 of 760 three- and four-line
  documents with two lines joined came out wrong, against 11, and WMT24 paragraphs lost .017.
  With e5 alone the check lost on Text+Berg dev (−.008), so from session 29 to 35 it ran
  only in short documents (at most ``short_document_segments``, 8, both sides together:
  ``short_leave_one_out_weight``, 3) and on a bead holding a whole document, where a few lines
  give no chance level or length ratio to go by. With the second model joined it gains on all
  four tuning sets (dev +.002, damaged news +.003, paragraphs +.001, short documents the same
  beads), and on the flags' tuning seeds it names two more dropped lines for one more wrong
  flag, so since session 36 it runs on every document (``benchmarks/ablation.py``).
* **Merged beads scored from their parts first.** The vector of a block is the
  length-weighted sum of its sentences' vectors (mean pooling is additive), computed
  from the 1-1 similarities, so the first pass costs no extra encoder work.
* **Two passes, re-embedding only plausible merges.** A forward and a backward DP give,
  for every merged bead, the best total of any path through it. Only merges within
  ``refine_delta`` of the optimum may stay; the most plausible have their blocks embedded
  as real text, until ``refine_budget`` × the input is spent, and the rest keep their score
  from the parts. The second pass chooses among those, every 1-1 and every skip. Summed
  vectors over-rate merges, real embeddings of the joined text do not.
  Dropping the merges past the budget instead (the rule until session 9) made it bind:
  Text+Berg dev .893 / .892 / .882 at .5× / .4× / .3× against .893 / .892 / .891 now.
  Embedding every window instead (14× the input) scores no better on Text+Berg dev.
  Where the second pass's path keeps a merge on its parts' score, that merge is embedded and
  the DP runs again (``settle_rounds``, up to 3; one nearly always settles it), so the path
  is chosen on real scores. The path's merges are embedded for the reported scores anyway, so
  this costs DP time and next to no encoder work (the same .50× extra on the tuning sets; short
  documents .983 → .987, damaged news +.001, Text+Berg dev and WMT24 paragraphs the same
  beads). It also made session 29's floor of 500 characters of budget a document
  (``refine_min_chars``; a two-line document's share paid for no merge) change nothing, so the
  floor is 0 now (extra encoder work on the tuning sets .50 → .44×).
* **A fragment left out next to a gap joins its pair** (``fragments.py``). Beside a gap, a
  lone piece of a split sentence costs only the gap extension, less than the merge that
  would take it in. After the DP it joins a neighbouring pair wherever the pair's real
  embedding gets more like the other side with it (never a repeat, which stays out). On
  Text+Berg dev, damaged news seeds 0–6 and WMT24 paragraphs: four joins, all gold beads; on
  Text+Berg test four, none a gold bead (strict −.0002, lax +.002). The flags' second
  alignment also asks the length ratio (``fragment_length_check``), so it does not take
  dropped sentences back in.
* **... or where its words find their translation in the pair** (``wordmatch.py``, session
  46). A sentence the translator folded into its neighbour's translation hardly moves a long
  pair's mean vector, nor does a dropped one; its words tell them apart. Where more than .4 of
  its word pieces (``fragment_word_share``) are mutual best matches of the pair's other side,
  with the pair's own side competing for them, the piece joins the pair. Not in a document of
  at most ``short_document_segments`` segments, where a dropped line shares the topic's words
  with the one line its neighbour translates. Text+Berg dev +.004 and WMT24 paragraphs +.002
  (one gold join each); damaged news and short documents the same beads.
* **A segment at a merge's border may move to the pair its words match (off by default)**
  (``move_border_pieces``, ``fragments.py``, session 47). The DP cuts a long sentence's
  translation at a sentence border, and a short sentence at the border of a merge may belong to
  the neighbouring pair, where the pooled vectors cannot tell (the two pairs' cosines move by
  less than .01 either way). With the option it moves where the word witness above finds more
  than .4 of its word pieces in the neighbouring pair and no more than .4 in its own bead, and
  where at least one of the two pairs becomes more alike. Text+Berg dev +.007 (two moves, three
  gold beads), the other three tuning sets the same beads; but on Text+Berg test (look 29) its
  five moves were wrong but for one bead (.926 → .918): short exclamations and dialogue lines
  ("Sicherlich .", "Basta .") whose few word pieces matched the neighbour by chance.
* **A number or name that crossed a border joins two pairs** (``anchors.py``). Where a
  number or a name (capitalised inside a sentence on a side whose language does not
  capitalise nouns) of one pair's sentence sits in the neighbouring pair's translation and
  in neither of their own partners, the translator moved it across the sentence border, and
  the two pairs become one bead where its real embedding is more alike than either pair's
  (a clause the translation dropped leaves the joined bead between the two). Text+Berg dev
  .907 → .939 (9 joins, all gold beads), short documents +.001 (5 joins, all gold), damaged
  news and WMT24 paragraphs the same beads; 1 of 777 clauses cut from a translation and 1
  of 619 cut from a source go unflagged inside the joined bead. On Text+Berg test it joins 3
  borders, one a gold bead (strict −.002): OCR prints page numbers and photo captions inside
  the text on both sides, and a number or caption that lands in different sentences looks moved.
* **Content that crosses a border joins two beads (off by default)** (``crossing.py``).
  Where the clause at the border between two neighbouring pairs, moved to the other bead on
  one side, makes both pairs more alike, the border is not an alignment point and the two
  become one bead: a gold 2-2 that scoring every bead once cuts into two half-right 1-1s.
  With ``crossing_gain=0.02``: Text+Berg dev .893 → .917 (9 joins, 8 of them gold beads),
  damaged news unchanged (no join), but on the test set it joins 3 borders, none a gold
  bead (.907 → .904), for .3× more encoder work: an option for translations that move
  clauses across sentences, not the default. With today's other steps (session 41) it still
  gains on the tuning sets (dev +.004, one bead; short documents +.001) but embeds a quarter
  of dev's input again for that one bead, so it stays off for its cost.
* **A border inside a sentence costs (off by default).** Where a line leaves a bracket open,
  ends on a comma or semicolon, or the next starts in lower case (``segment.continuation``),
  the two lines are likely pieces of one sentence, and a bead border between them costs
  ``border_weight`` (.1, a fifth of that for the weaker signs). Text+Berg dev .893 → .910
  (references cut at their colons, French lines cut at semicolons), damaged news unchanged,
  but the test set drops to .889 (more merges of whole gold beads): an option.
* **Length prior.** A Gale–Church style penalty on the log character ratio, centred on
  the document's own ratio and capped, so a bad ratio alone never forces a pair apart.
  The document's ratio is its two sides' totals', shrunk toward the ratio of its mutual
  best 1-1 pairs with the weight of 30 segments (``pair_ratio_weight``): in a three-line
  document whose middle line the translation dropped, the totals make the two true pairs
  look a third too short, and the DP merged the dropped line into a neighbour's pair. With
  one segment on a side there are no two mutual pairs, and the shrink goes toward 1:1: the
  totals of one line against two are the 1-2 merge's own, joined or one line added.
  Bertalign's multiplicative factor log2(1 + short/long) is an option (``length_factor``):
  +.002 on dev and +.006 on damaged news, but −.009 on the test set, so it stays off.
* **Gap cost from the document itself (off by default).** ``skip_calibration`` sets the
  cost of opening a gap to a share of the document's median best 1-1 gain (.35 × ≈ .025
  on Text+Berg dev and on news): about the .03 that was the fixed default until session 14.
* **Lexical anchors (off by default).** Shared numbers, names and cognates
  (``anchor_weight``, see ``anchors.py``); no gain on Text+Berg dev with this model.
* **Linear memory.** Above ``max_full_cells`` the DP runs in a band around the path
  found on block-averaged vectors (recursively), so memory grows with the length of
  the document, not its square.

This module sets the problem up (similarities in the band, chance levels, prefix sums, the
settings) and runs the passes; the compiled arithmetic of a bead's gain and of the DP itself
is in ``dp.py``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from itertools import pairwise

import numpy as np

from . import dp
from .anchors import banded_overlap, moved_anchor_borders, shared_anchors
from .crossing import Span, crossed_borders, join_crossed
from .errors import AlignError
from .fragments import LengthModel, WordWitness, absorb_fragments, move_border_pieces
from .segment import continuation

# (source count, target count) of every bead shape the DP may use. Order matters for
# ties: earlier shapes win, so a 1-1 beats an equally good merge. 1-6 / 6-1: a list one side
# writes as one sentence and the other as one line an item (Text+Berg dev: a German sentence
# naming six expeditions, six French lines; docs/aligner_log.md, session 38).
BEAD_SHAPES: tuple[tuple[int, int], ...] = (
    (1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (2, 3), (3, 2), (1, 4), (4, 1),
    (3, 3), (1, 5), (5, 1), (1, 6), (6, 1),
)  # fmt: skip
MAX_MERGE_LIMIT = 10  # the largest bead side ``with_max_merge`` offers: DP time grows with every shape

WindowEncoder = Callable[[Sequence[str]], np.ndarray]
_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+")
_MIN_REPEAT_CHARS = 20  # a shorter contained phrase ("Er sagte") is no repeat


@dataclass(frozen=True)
class AlignerConfig:
    """Knobs of the aligner (defaults tuned on the Text+Berg dev document and damaged news, seed 0)."""

    pair_threshold: float = 0.02  # cosine above the chance level at which pairing ties with skipping
    margin_weight: float = 1.0  # share of the chance level subtracted from each cosine
    knn: int = 0  # chance level = mean of the knn nearest neighbours; 0: mean over the whole other side
    local_margin_weight: float = 0.75  # share of the chance level taken from the sentences next to the bead
    merge_penalty: float = 0.01  # per extra segment in a merged bead
    skip_penalty: float = 0.05  # cost of leaving a segment unaligned (1-0 / 0-1 bead) after a pair
    gap_extend_penalty: float | None = 0.005  # ... right after a skip on the same side; None: same as skip_penalty
    # the omission/addition flags also read an alignment with this lower gap cost, so a dropped
    # sentence the gap cost above takes into a pair is still flagged (≥ skip_penalty: off)
    audit_skip_penalty: float = 0.03
    repeats: bool = True  # a repeat of a segment just before it is left unaligned for free, never merged
    repeat_cosine: float = 0.985  # embeddings this similar are a repeat (with texts: contained words too)
    part_weight: float = 0.5  # merged bead: times the worst gain (if negative) of one part alone with the other side
    skip_weight: float = 0.0  # plus this share of the segment's best 1-1 gain in the band (if positive)
    length_weight: float = 0.15  # weight of the squared log-length-ratio deviation
    anchor_weight: float = 0.0  # weight of shared numbers, names and cognates (needs the texts)
    anchor_baseline: float = 0.5  # share of shared anchor weight at which anchors neither help nor hurt
    length_factor: float = 0.0  # exponent of Bertalign's multiplicative length factor on a positive gain (0: off)
    skip_calibration: float = 0.0  # > 0: skip_penalty = this × the document's median best 1-1 gain (0: fixed)
    leave_one_out_weight: float = 3.0  # re-embedded 1-n merge: times how much more alike it is without an end part
    # ... for every such merge in a short document (and a bead holding a whole document) at least
    # this: its chance level and length ratio rest on a few lines, so only leaving a part out
    # tells a translator's 2-1 from a line the other side dropped
    short_leave_one_out_weight: float = 3.0
    short_document_segments: int = 8  # ... a document of at most this many segments, both sides together
    # ... and the merge without its end part counts only where its length ratio is closer to the
    # document's (a translator's joined line mends the ratio, a line the other side lacks spoils it)
    leave_one_out_length_check: bool = True
    crossing_gain: float = 0.0  # join two neighbouring pairs where moving a border clause gains this (0: off; .02)
    crossing_min_score: float = -0.06  # ... tried where one bead is this close to its neighbour's translation
    crossing_budget: float = 0.35  # ... at most this many characters embedded per input character
    join_moved_anchors: bool = True  # join two neighbouring pairs where a number or name crossed their border
    border_weight: float = 0.0  # cost of a bead border inside a sentence, times ``segment.continuation`` (0: off; .1)
    absorb_fragments: bool = True  # a lone piece left out joins its pair where that makes it more alike (with refine)
    fragment_length_check: bool = False  # ... and only where the pair's length ratio gets closer to the document's
    # ... or where more than this share of its word pieces match the pair's other side (``wordmatch.py``;
    # 0: no word witness, here or at merge borders)
    fragment_word_share: float = 0.4
    # a segment at a merge's border moves to the neighbouring pair where its words match there by
    # more than ``fragment_word_share`` and in its own bead by no more (``fragments.move_border_pieces``;
    # off: Text+Berg dev .945 -> .953, test .926 -> .918 at look 29)
    move_border_pieces: bool = False
    # expected length ratio: the two sides' totals', shrunk toward the mutual best 1-1s' with this
    # many segments' weight, so that in a short document a dropped line does not set it (0: totals)
    pair_ratio_weight: float = 30.0
    length_cap: float = 0.5  # the squared deviation counts up to this (a bad ratio alone must not force skips)
    length_smoothing: float = 10.0  # characters added to both lengths (short lines vary most)
    refine: bool = True  # second pass over re-embedded plausible merges (needs texts and an encoder)
    refine_delta: float = 0.3  # a merge is plausible if a path through it is within this of the best
    refine_budget: float = 0.35  # at most this many characters re-embedded per input character
    refine_min_chars: int = 0  # ... but at least this many (500 until settling made it change nothing)
    # reruns of the DP after embedding the merges its path kept on their parts' score (which over-rate merges)
    settle_rounds: int = 3
    noise_prior_weight: float = 4.0  # for the reported calibrated score (see ``calibrate``)
    max_full_cells: int = 4_000_000  # above this many DP cells, align in a band
    band_block: int = 16  # sentences per block of the coarse pass
    band_margin: int = 24  # band half-width around the coarse path, in sentences
    shapes: tuple[tuple[int, int], ...] = BEAD_SHAPES

    def __post_init__(self) -> None:
        for name, (low, high) in _BOUNDS.items():
            value = getattr(self, name)
            if value is None and name == "gap_extend_penalty":
                continue
            # finite only: an infinite penalty or weight turns the DP's sums into inf - inf = NaN
            finite = isinstance(value, int | float) and math.isfinite(value)
            if isinstance(value, bool) or not finite or not low <= value <= high:
                allowed = f"≥ {low:g}" if high == _INF else f"from {low:g} to {high:g}"
                raise AlignError(f"aligner setting {name} must be a number {allowed}, not {value!r}")
        for name in _SWITCHES:
            if not isinstance(getattr(self, name), bool):
                raise AlignError(f"aligner setting {name} must be true or false, not {getattr(self, name)!r}")
        shapes = [tuple(shape) for shape in self.shapes]
        if any(len(s) != 2 or min(s) < 0 or s == (0, 0) for s in shapes) or len(set(shapes)) != len(shapes):
            raise AlignError(f"aligner shapes must be distinct (source, target) counts, not {self.shapes!r}")
        missing = {(1, 1), (1, 0), (0, 1)} - set(shapes)
        if missing:  # without them some documents have no path at all
            raise AlignError(f"aligner shapes must include 1-1, 1-0 and 0-1 (missing {sorted(missing)})")

    def with_max_merge(self, size: int) -> AlignerConfig:
        """Beads with at most ``size`` segments on each side (Bertalign's ``max_align``).

        Above the largest side of ``shapes``, 1-n and n-1 beads are added up to ``size``: a long
        list is what one side writes as one sentence and the other as many lines.
        """
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_MERGE_LIMIT:
            raise AlignError(
                f"the largest merge must be a whole number of segments from 1 to {MAX_MERGE_LIMIT}, not {size!r}"
            )
        kept = tuple(s for s in self.shapes if max(s) <= size)
        largest = max(max(s) for s in self.shapes)
        longer = tuple(shape for n in range(largest + 1, size + 1) for shape in ((1, n), (n, 1)))
        return replace(self, shapes=kept + longer)

    def with_options(self, **options: object) -> AlignerConfig:
        """The same settings with some changed by name, each checked (``shapes`` excluded)."""
        unknown = sorted(set(options) - set(SETTABLE_OPTIONS))
        if unknown:
            raise AlignError(f"unknown aligner setting {unknown[0]!r}; known: {', '.join(SETTABLE_OPTIONS)}")
        return replace(self, **options)  # type: ignore[arg-type]

    def changed(self) -> dict[str, object]:
        """The settings that differ from the defaults (recorded with every result)."""
        default = AlignerConfig()
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != getattr(default, f.name):
                out[f.name] = [list(s) for s in value] if f.name == "shapes" else value
        return out


# the range each numeric setting may take (a negative pair_threshold pairs anything)
_INF = float("inf")
_BOUNDS: dict[str, tuple[float, float]] = {
    "pair_threshold": (-1e9, 1e9), "margin_weight": (0.0, 2.0), "knn": (0, 1_000_000),
    "local_margin_weight": (0.0, 1.0), "merge_penalty": (0.0, _INF), "skip_penalty": (0.0, _INF),
    "fragment_word_share": (0.0, 1.0),
    "audit_skip_penalty": (0.0, _INF), "gap_extend_penalty": (0.0, _INF), "repeat_cosine": (0.0, 1.0),
    "part_weight": (0.0, _INF),
    "skip_weight": (0.0, _INF), "length_weight": (0.0, _INF), "anchor_weight": (0.0, _INF),
    "anchor_baseline": (0.0, 1.0), "length_factor": (0.0, _INF), "skip_calibration": (0.0, _INF),
    "leave_one_out_weight": (0.0, _INF), "short_leave_one_out_weight": (0.0, _INF),
    "short_document_segments": (0, _INF),
    "length_cap": (0.0, _INF), "length_smoothing": (1e-9, _INF),
    "refine_delta": (0.0, _INF), "refine_budget": (0.0, _INF), "refine_min_chars": (0, _INF),
    "settle_rounds": (0, _INF),
    "noise_prior_weight": (0.0, _INF),
    "crossing_gain": (0.0, _INF), "crossing_min_score": (-2.0, 2.0), "crossing_budget": (0.0, _INF),
    "border_weight": (0.0, _INF), "pair_ratio_weight": (0.0, _INF),
    "max_full_cells": (1, _INF), "band_block": (1, _INF), "band_margin": (1, _INF),
}  # fmt: skip
# every on/off setting, read from the dataclass so a new one is checked without being listed here
_SWITCHES = tuple(f.name for f in fields(AlignerConfig) if f.type in (bool, "bool"))
SETTABLE_OPTIONS: tuple[str, ...] = tuple(f.name for f in fields(AlignerConfig) if f.name != "shapes")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def parse_option(text: str) -> tuple[str, object]:
    """'NAME=VALUE' (the CLI's --aligner) as (name, value) of the setting's own type."""
    name, sep, raw = (part.strip() for part in text.partition("="))
    if not sep or not raw:
        raise AlignError(f"aligner setting {text!r} must look like NAME=VALUE, e.g. skip_penalty=0.03")
    if name not in SETTABLE_OPTIONS:
        raise AlignError(f"unknown aligner setting {name!r}; known: {', '.join(SETTABLE_OPTIONS)}")
    default = getattr(AlignerConfig(), name)
    if isinstance(default, bool):
        if raw.lower() not in _TRUE + _FALSE:
            raise AlignError(f"aligner setting {name} is true or false, not {raw!r}")
        return name, raw.lower() in _TRUE
    if name == "gap_extend_penalty" and raw.lower() == "none":
        return name, None
    try:
        value = int(raw) if isinstance(default, int) else float(raw)
    except ValueError:
        kind = "a whole number" if isinstance(default, int) else "a number"
        raise AlignError(f"aligner setting {name} must be {kind}, not {raw!r}") from None
    return name, value


@dataclass(frozen=True)
class RawBead:
    """A bead over content positions (indices into the aligned lists, not segment ids)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float  # calibrated similarity of the pair; 0.0 for an unaligned segment
    cosine: float  # raw cosine of the (merged) vectors; 0.0 for an unaligned segment


@dataclass
class AlignStats:
    """What the last alignment did (for benchmarks and the ablation table)."""

    cells: int = 0
    banded: bool = False
    refined_windows: int = 0
    refined_chars: int = 0
    crossed_borders: int = 0  # neighbouring pairs joined because content crosses their border
    crossing_chars: int = 0  # characters embedded to test borders
    absorbed_fragments: int = 0  # lone pieces joined to their pair after the DP (``fragments.py``)
    moved_border_pieces: int = 0  # segments moved to the neighbouring pair on their words (``fragments.py``)
    moved_anchor_joins: int = 0  # borders a number or name crossed, joined after the DP (``anchors.py``)

    def reset(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default)


# --- chance level, reported scores --------------------------------------------------


def noise_levels(sim: np.ndarray, floor: float, prior_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-segment chance similarity: mean similarity to the other side, shrunk to the floor."""
    n, m = sim.shape
    src = (sim.sum(axis=1) + prior_weight * floor) / (m + prior_weight)
    tgt = (sim.sum(axis=0) + prior_weight * floor) / (n + prior_weight)
    return src, tgt


def _noise_from_vectors(
    src_vecs: np.ndarray, tgt_vecs: np.ndarray, floor: float, prior_weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """``noise_levels`` without the full matrix: a row mean is a dot with the other side's sum."""
    n, m = len(src_vecs), len(tgt_vecs)
    # sums in float64, products in the vectors' own dtype (no float64 copy of a 50k x 384 matrix)
    tgt_sum = tgt_vecs.sum(axis=0, dtype=np.float64).astype(tgt_vecs.dtype)
    src_sum = src_vecs.sum(axis=0, dtype=np.float64).astype(src_vecs.dtype)
    src = ((src_vecs @ tgt_sum).astype(np.float64) + prior_weight * floor) / (m + prior_weight)
    tgt = ((tgt_vecs @ src_sum).astype(np.float64) + prior_weight * floor) / (n + prior_weight)
    return src, tgt


def calibrate(cos: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Rescale cosines so 0 = chance level and 1 = identical."""
    return (cos - noise) / np.maximum(1.0 - noise, 1e-3)


def calibrated_similarity(src_vecs: np.ndarray, tgt_vecs: np.ndarray, floor: float, prior_weight: float) -> np.ndarray:
    """The full calibrated 1-1 similarity matrix (for pictures and flags; O(n·m) memory)."""
    if len(src_vecs) == 0 or len(tgt_vecs) == 0:
        return np.zeros((len(src_vecs), len(tgt_vecs)), dtype=np.float32)
    noise_src, noise_tgt = _noise_from_vectors(src_vecs, tgt_vecs, floor, prior_weight)
    cos = src_vecs @ tgt_vecs.T
    return calibrate(cos, (noise_src[:, None] + noise_tgt[None, :]) / 2.0).astype(np.float32)


# --- band and banded similarities ---------------------------------------------------


def _full_band(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m + 1, dtype=np.int64)


def _banded_similarity(
    src_vecs: np.ndarray, tgt_vecs: np.ndarray, lo: np.ndarray, hi: np.ndarray, max_b: int, max_a: int
) -> tuple[np.ndarray, np.ndarray]:
    """Cosines of each source sentence with every target sentence a bead in the band may use.

    Returns (sim, sim_lo) with sim[r, c - sim_lo[r]] = cos(src r, tgt c); columns outside
    a row's stored range are never read.
    """
    n, m = len(src_vecs), len(tgt_vecs)
    # DP rows r+1 .. r+max_a hold the beads that contain source r, and rows r and r+max_a+1
    # the beads it neighbours (local margin): sliding min / max over rows r .. r+max_a+1
    window = np.lib.stride_tricks.sliding_window_view
    lo_pad = np.concatenate([lo, np.full(max_a + 1, np.iinfo(np.int64).max, dtype=np.int64)])
    hi_pad = np.concatenate([hi, np.full(max_a + 1, np.iinfo(np.int64).min, dtype=np.int64)])
    need_lo = np.maximum(window(lo_pad, max_a + 2).min(axis=1)[:n] - max_b - 1, 0)
    need_hi = np.minimum(window(hi_pad, max_a + 2).max(axis=1)[:n], m)
    width = max(int((need_hi - need_lo).max()), 1)
    sim_lo = np.minimum(need_lo, max(m - width, 0)).astype(np.int64)
    sim = np.zeros((n, width), dtype=np.float32)
    chunk = 256
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        c0 = int(sim_lo[start:stop].min())
        c1 = min(int(sim_lo[start:stop].max()) + width, m)
        block = src_vecs[start:stop] @ tgt_vecs[c0:c1].T
        cols = (sim_lo[start:stop] - c0)[:, None] + np.arange(width)[None, :]
        inside = cols < block.shape[1]
        sim[start:stop] = np.where(inside, np.take_along_axis(block, np.minimum(cols, block.shape[1] - 1), axis=1), 0.0)
    return sim, sim_lo


def _block_norms(vecs: np.ndarray, weights: np.ndarray, max_size: int) -> np.ndarray:
    """norms[s, i] = |sum of weights[r] * vecs[r] for r in i-s..i-1| (0 where the block does not fit)."""
    n = len(vecs)
    gram = np.zeros((max_size, n), dtype=np.float64)  # gram[d, r] = vecs[r] . vecs[r + d]
    for d in range(max_size):
        if d < n:
            gram[d, : n - d] = np.einsum("ij,ij->i", vecs[: n - d], vecs[d:], dtype=np.float64)
    norms = np.zeros((max_size + 1, n + 1), dtype=np.float64)
    for size in range(1, min(max_size, n) + 1):
        count = n - size + 1  # blocks starting at 0..count-1, ending at size..n
        total = np.zeros(count)
        for p in range(size):
            for q in range(p, size):
                starts = np.arange(count)
                term = weights[starts + p] * weights[starts + q] * gram[q - p, starts + p]
                total += term if p == q else 2.0 * term
        norms[size, size:] = np.sqrt(np.maximum(total, 1e-12))
    return norms


def _knn_means(sim: np.ndarray, sim_lo: np.ndarray, m: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of each sentence's k highest similarities within the stored band."""
    width = sim.shape[1]
    valid = np.minimum(m - sim_lo, width)
    masked = np.where(np.arange(width)[None, :] < valid[:, None], sim, -np.inf)
    kk = max(1, min(k, width))
    src = np.sort(masked, axis=1)[:, -kk:]
    src_knn = np.where(np.isfinite(src), src, 0.0).mean(axis=1)
    rows, cols = np.nonzero(np.isfinite(masked))
    values = masked[rows, cols]
    tgt_ids = sim_lo[rows] + cols
    order = np.lexsort((-values, tgt_ids))
    tgt_sorted, val_sorted = tgt_ids[order], values[order]
    starts = np.searchsorted(tgt_sorted, np.arange(m))
    ends = np.searchsorted(tgt_sorted, np.arange(m), side="right")
    tgt_knn = np.zeros(m)
    for c in range(m):
        top = val_sorted[starts[c] : min(ends[c], starts[c] + kk)]
        tgt_knn[c] = top.mean() if len(top) else 0.0
    return src_knn, tgt_knn


# --- the aligner --------------------------------------------------------------------


@dataclass
class _Pass:
    """One forward DP: totals and back pointers per state and band cell."""

    total: np.ndarray  # (3, cells): last bead a pair / a source skip / a target skip
    back: np.ndarray  # (3, cells): shape index of that last bead
    back_state: np.ndarray  # (3, cells): state of the cell it came from
    offsets: np.ndarray  # row starts of the ragged band

    @property
    def best(self) -> np.ndarray:
        """Best total per cell, whatever the last bead."""
        return self.total.max(axis=0)


class _Problem:
    """Everything the kernels need for one (possibly reversed) pair of vector sequences."""

    def __init__(
        self,
        src_vecs: np.ndarray,
        tgt_vecs: np.ndarray,
        src_lens: np.ndarray,
        tgt_lens: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        config: AlignerConfig,
        src_breaks: np.ndarray | None = None,
        tgt_breaks: np.ndarray | None = None,
        noise_floor: float = 0.0,
        src_texts: Sequence[str] | None = None,
        tgt_texts: Sequence[str] | None = None,
        src_joins: np.ndarray | None = None,
        tgt_joins: np.ndarray | None = None,
    ) -> None:
        self.n, self.m = len(src_vecs), len(tgt_vecs)
        self.config = config
        self.lo, self.hi = lo, hi
        self.shape_a = np.array([a for a, _ in config.shapes], dtype=np.int64)
        self.shape_b = np.array([b for _, b in config.shapes], dtype=np.int64)
        max_a, max_b = int(self.shape_a.max()), int(self.shape_b.max())
        self.sim, self.sim_lo = _banded_similarity(src_vecs, tgt_vecs, lo, hi, max_b, max_a)
        self.src_w = np.maximum(src_lens.astype(np.float64), 1.0)
        self.tgt_w = np.maximum(tgt_lens.astype(np.float64), 1.0)
        self.src_norm = _block_norms(src_vecs, self.src_w, max_a)
        self.tgt_norm = _block_norms(tgt_vecs, self.tgt_w, max_b)
        if config.margin_weight and config.knn > 0:
            src_knn, tgt_knn = _knn_means(self.sim, self.sim_lo, self.m, config.knn)
        elif config.margin_weight:
            src_knn, tgt_knn = _noise_from_vectors(src_vecs, tgt_vecs, noise_floor, config.noise_prior_weight)
        else:
            src_knn, tgt_knn = np.zeros(self.n), np.zeros(self.m)
        # per side, the rows of ``dp.ROW_*``: what a block sums (length, chance level, breaks,
        # anchors) and what one position brings (its best 1-1 gain, its repeat links)
        src_best, tgt_best = _best_pair_gains(self.sim, self.sim_lo, self.m, src_knn, tgt_knn, config)
        src_repeats = tgt_repeats = None
        if config.repeats:
            src_repeats = _repeat_distances(src_vecs, max_a, config.repeat_cosine, src_texts)
            tgt_repeats = _repeat_distances(tgt_vecs, max_b, config.repeat_cosine, tgt_texts)
        src_mass, tgt_mass = np.zeros(self.n), np.zeros(self.m)
        self.overlap = np.zeros((1, 1), dtype=np.float32)  # never read when anchors are off
        if config.anchor_weight and src_texts is not None and tgt_texts is not None:
            src_anchors, tgt_anchors = shared_anchors(src_texts, tgt_texts)
            self.overlap = banded_overlap(src_anchors, tgt_anchors, self.sim_lo, self.sim.shape[1])
            src_mass = np.array([sum(a.values()) for a in src_anchors])
            tgt_mass = np.array([sum(a.values()) for a in tgt_anchors])
        self.src_cum = _prefix_sums(src_lens, src_knn, src_breaks, src_best, src_repeats, src_mass, src_joins)
        self.tgt_cum = _prefix_sums(tgt_lens, tgt_knn, tgt_breaks, tgt_best, tgt_repeats, tgt_mass, tgt_joins)
        # shape_index[a, b]: the position of shape (a, b) in config.shapes (-1: not a shape)
        shape_index = np.full((max_a + 1, max_b + 1), -1, dtype=np.int64)
        for k, (a, b) in enumerate(config.shapes):
            shape_index[a, b] = k
        # what every kernel reads, as one tuple (the jitted functions take arrays, not objects;
        # the layout is described in ``dp``)
        self.arrays = (
            self.sim, self.sim_lo, self.overlap, self.src_w, self.tgt_w, self.src_norm, self.tgt_norm,
            self.src_cum, self.tgt_cum, shape_index,
        )  # fmt: skip
        skip_penalty = config.skip_penalty
        if config.skip_calibration:  # the gap cost from this document's own best 1-1 gains
            best = np.concatenate([src_best, tgt_best])
            best = best[best > 0]
            if len(best):
                skip_penalty = config.skip_calibration * float(np.median(best))
        # the document's own length ratio (bounded)
        log_ratio_mean = _log_ratio(self.src_cum[dp.ROW_LENGTH, -1], self.tgt_cum[dp.ROW_LENGTH, -1])
        mutual = dp.mutual_best_pairs(self.sim, self.sim_lo, self.m)
        pairs_ratio = _pair_log_ratio(mutual, src_lens, tgt_lens)
        if config.pair_ratio_weight:
            weight, count = config.pair_ratio_weight, self.n + self.m
            log_ratio_mean = (count * log_ratio_mean + weight * pairs_ratio) / (count + weight)
        params = np.zeros(dp.N_PARAMS)
        params[dp.P_THRESHOLD] = config.pair_threshold
        params[dp.P_MARGIN_WEIGHT] = config.margin_weight
        params[dp.P_MERGE_PENALTY] = config.merge_penalty
        params[dp.P_LENGTH_WEIGHT] = config.length_weight
        params[dp.P_LENGTH_SMOOTHING] = config.length_smoothing
        params[dp.P_LOG_RATIO_MEAN] = log_ratio_mean
        params[dp.P_SKIP_PENALTY] = skip_penalty
        params[dp.P_SKIP_WEIGHT] = config.skip_weight
        params[dp.P_PART_WEIGHT] = config.part_weight
        params[dp.P_LOCAL_MARGIN_WEIGHT] = config.local_margin_weight
        extend = config.gap_extend_penalty
        params[dp.P_GAP_EXTEND_PENALTY] = extend if extend is not None else skip_penalty
        params[dp.P_LENGTH_CAP] = config.length_cap
        params[dp.P_ANCHOR_WEIGHT] = config.anchor_weight if src_texts is not None else 0.0
        params[dp.P_ANCHOR_BASELINE] = config.anchor_baseline
        params[dp.P_LENGTH_FACTOR] = config.length_factor
        params[dp.P_LEAVE_ONE_OUT_WEIGHT] = config.leave_one_out_weight
        params[dp.P_SHORT_LEAVE_ONE_OUT_WEIGHT] = config.short_leave_one_out_weight
        params[dp.P_SHORT_DOCUMENT] = float(self.n + self.m <= config.short_document_segments)
        params[dp.P_LEAVE_ONE_OUT_LENGTH_CHECK] = float(config.leave_one_out_length_check)
        params[dp.P_BORDER_WEIGHT] = config.border_weight
        # only a document that fits in one bead can have a bead with nothing beside it
        whole_fits = self.n <= max_a and self.m <= max_b
        params[dp.P_EDGE_LEVEL] = _edge_level(self.sim, self.sim_lo, self.m, mutual) if whole_fits else np.nan
        self.params = params

    def forward(
        self, override_keys: np.ndarray | None = None, override_cos: np.ndarray | None = None, only: bool = False
    ) -> _Pass:
        keys = override_keys if override_keys is not None else np.zeros(0, dtype=np.int64)
        cos = override_cos if override_cos is not None else np.zeros((0, 2))
        total, back, back_state, offsets = dp.forward_pass(
            self.lo, self.hi, self.n, self.m, self.shape_a, self.shape_b, self.arrays, keys, cos, only, self.params
        )
        return _Pass(total, back, back_state, offsets)

    def gain_and_cosine(
        self, k: int, i: int, j: int, override_keys: np.ndarray, override_cos: np.ndarray, only: bool
    ) -> tuple[float, float]:
        a, b = int(self.shape_a[k]), int(self.shape_b[k])
        return dp.bead_gain(k, a, b, i, j, self.n, self.m, self.arrays, override_keys, override_cos, only, self.params)


def _pair_log_ratio(mutual: np.ndarray, src_lens: np.ndarray, tgt_lens: np.ndarray) -> float:
    """The log length ratio of the mutual best pairs (``dp.mutual_best_pairs``).

    Unlike the ratio of the two sides' totals, a sentence one side drops does not move it:
    in a three-line document with one line dropped, the totals' ratio makes the two true
    pairs look a third too short and the merge that swallows the dropped line look right.
    Under two pairs it is 0 (1:1, no information): with one sentence on a side its best is
    mutual by default, which says nothing, and the totals of a one-line-against-two document
    are those of the merge, whether a line was joined or dropped.
    """
    if len(mutual) < 2:
        return 0.0
    return _log_ratio(src_lens[mutual[:, 0]].sum(), tgt_lens[mutual[:, 1]].sum())


def _log_ratio(src_chars: float, tgt_chars: float) -> float:
    """log(target / source characters), bounded: where one side covers far more text than the
    other (a headline and lead against a full article), the ratio says nothing about pairs."""
    return float(np.clip(np.log((tgt_chars + 1.0) / (src_chars + 1.0)), -0.5, 0.5))


def _band_columns(sim_lo: np.ndarray, width: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The target column of every stored band cell, and whether it is a real one (below m)."""
    cols = sim_lo[:, None] + np.arange(width)[None, :]
    return cols, cols < m


def _edge_level(sim: np.ndarray, sim_lo: np.ndarray, m: int, mutual: np.ndarray) -> float:
    """Mean similarity of the sentence pairs that are not mutual best pairs (NaN: none).

    The local margin of a bead that holds the whole document: with no sentence beside it,
    the global chance level stood in, far below what a document's sentences resemble
    besides their translations, so two lines about one subject became one 2-2 bead while
    each of their 1-1s paid for its similar neighbour (benchmarks/short_documents.py).
    """
    _, others = _band_columns(sim_lo, sim.shape[1], m)
    others[mutual[:, 0], mutual[:, 1] - sim_lo[mutual[:, 0]]] = False
    return float(sim[others].mean()) if others.any() else float("nan")


def _best_pair_gains(
    sim: np.ndarray, sim_lo: np.ndarray, m: int, src_knn: np.ndarray, tgt_knn: np.ndarray, config: AlignerConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Per sentence, the best gain of a 1-1 bead with any sentence of the band, floored at 0.

    Without length prior: what leaving the sentence out forgoes at most. A sentence with no
    counterpart (an insertion) forgoes little, so a run of insertions is cheap to skip, while
    the leftover part of a merge is not.
    """
    n, width = sim.shape
    if not config.skip_weight and not config.skip_calibration:
        return np.zeros(n), np.zeros(m)
    cols, valid = _band_columns(sim_lo, width, m)
    cols = np.minimum(cols, m - 1)
    gain = sim - config.margin_weight * 0.5 * (src_knn[:, None] + tgt_knn[cols]) - config.pair_threshold
    gain = np.where(valid, gain, -np.inf)
    src_best = np.maximum(gain.max(axis=1), 0.0)
    tgt_best = np.zeros(m)
    np.maximum.at(tgt_best, cols[valid], gain[valid])
    return src_best, tgt_best


def _repeat_distances(
    vecs: np.ndarray, max_size: int, threshold: float, texts: Sequence[str] | None = None
) -> np.ndarray:
    """Per segment, how many positions ahead its first repeat is (a large number: none).

    A repeat is a near-identical embedding, or (with texts) a segment whose words are
    contained in the other's, like the seed's "Putin habe über Transportkapazitäten
    gesprochen." after the sentence it comes from. A headline and the lead sentence that
    restates it are not repeats (cosine about .95-.97 with the bundled model), nor (with
    texts) a line whose numbers the other lacks: "<contents for=sec1>section 1…" and
    "… sec2>section 2…" embed almost alike, and a repeat is free to leave out, so the second
    would lose its pair to a higher gap cost.
    """
    n = len(vecs)
    words = [" ".join(_WORD.findall(t.lower())) for t in texts] if texts is not None else None
    numbers = [Counter(_NUMBER.findall(t)) for t in texts] if texts is not None else None
    out = np.full(n, float(n + max_size + 1))
    for d in range(max_size - 1, 0, -1):  # nearest last, so it wins
        if d >= n:
            continue
        dots = np.einsum("ij,ij->i", vecs[: n - d], vecs[d:])
        linked = dots >= threshold
        if words is not None and numbers is not None:
            for r in range(n - d):
                short, long = (r, r + d) if len(words[r]) <= len(words[r + d]) else (r + d, r)
                if numbers[short] - numbers[long]:  # a number the longer line lacks
                    linked[r] = False
                elif not linked[r]:
                    linked[r] = len(words[short]) >= _MIN_REPEAT_CHARS and words[short] in words[long]
        out[: n - d] = np.where(linked, d, out[: n - d])
    return out


def _prefix_sums(
    lens: np.ndarray,
    knn: np.ndarray,
    breaks: np.ndarray | None,
    best: np.ndarray | None = None,
    repeats: np.ndarray | None = None,
    anchor_mass: np.ndarray | None = None,
    joins: np.ndarray | None = None,
) -> np.ndarray:
    """Per side, the rows the kernels read (``dp.ROW_*``): prefix sums of length, chance level,
    breaks and anchor weight; at p+1 the best 1-1 gain and repeat links of position p; at p how
    surely position p continues the sentence of p-1."""
    rows = np.zeros((dp.CUM_ROWS, len(lens) + 1))
    if joins is not None and len(joins):
        rows[dp.ROW_CONTINUES, : len(lens)] = joins
    if anchor_mass is not None:
        rows[dp.ROW_ANCHORS, 1:] = np.cumsum(anchor_mass)
    rows[dp.ROW_REPEAT_AHEAD, 1:] = repeats if repeats is not None else len(lens) + 1
    if repeats is not None:  # row 5: 1 where the position repeats one of the few before it
        ahead = np.nonzero(repeats <= len(lens))[0]
        targets = (ahead + repeats[ahead]).astype(np.int64)
        rows[dp.ROW_IS_REPEAT, 1:][targets[targets < len(lens)]] = 1.0
    if best is not None:
        rows[dp.ROW_BEST_PAIR, 1:] = best
    rows[dp.ROW_LENGTH, 1:] = np.cumsum(lens, dtype=np.float64)
    rows[dp.ROW_CHANCE, 1:] = np.cumsum(knn, dtype=np.float64)
    if breaks is not None and len(breaks):
        rows[dp.ROW_BREAKS, 1:] = np.cumsum(np.asarray(breaks, dtype=np.float64))
    return rows


def _path_spans(path: list[tuple[int, int, int]], shapes) -> list[Span]:
    """The source and target positions of each bead (shape k ending at i, j) of a path."""
    return [(tuple(range(i - shapes[k][0], i)), tuple(range(j - shapes[k][1], j))) for k, i, j in path]


def _trace(table: _Pass, lo: np.ndarray, n: int, m: int, shapes) -> list[tuple[int, int, int]]:
    """(shape index, end i, end j) of every bead on the best path, in order."""
    path = []
    i, j = n, m
    state = int(np.argmax(table.total[:, table.offsets[n] + m - lo[n]]))
    while i > 0 or j > 0:
        cell = table.offsets[i] + j - lo[i]
        k = int(table.back[state, cell])
        if k < 0:
            raise RuntimeError("no alignment path within the band")  # cannot happen: 1-0/0-1 always fit
        path.append((k, i, j))
        state = int(table.back_state[state, cell])
        a, b = shapes[k]
        i, j = i - a, j - b
    path.reverse()
    return path


def _coarse_band(
    src_vecs: np.ndarray, tgt_vecs: np.ndarray, src_lens: np.ndarray, tgt_lens: np.ndarray, config: AlignerConfig
) -> tuple[np.ndarray, np.ndarray]:
    """A band around the path found on block-averaged vectors (recursively, for any length)."""
    n, m = len(src_vecs), len(tgt_vecs)
    block = config.band_block
    # same number of blocks on both sides, so the coarse path runs near the diagonal
    blocks = max(1, -(-max(n, m) // block))
    src_edges = np.linspace(0, n, blocks + 1).round().astype(np.int64)
    tgt_edges = np.linspace(0, m, blocks + 1).round().astype(np.int64)

    def pool(vecs: np.ndarray, lens: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # block sums as differences of prefix sums: empty blocks (more blocks than sentences) give 0
        vec_sums = np.vstack([np.zeros((1, vecs.shape[1])), np.cumsum(vecs * lens[:, None], axis=0)])
        len_sums = np.concatenate([[0.0], np.cumsum(lens)])
        weighted = vec_sums[edges[1:]] - vec_sums[edges[:-1]]
        norms = np.linalg.norm(weighted, axis=1, keepdims=True)
        return (weighted / np.maximum(norms, 1e-12)).astype(np.float32), len_sums[edges[1:]] - len_sums[edges[:-1]]

    coarse_src, coarse_src_lens = pool(src_vecs, src_lens, src_edges)
    coarse_tgt, coarse_tgt_lens = pool(tgt_vecs, tgt_lens, tgt_edges)
    coarse_config = AlignerConfig(
        pair_threshold=-1.0, margin_weight=0.0, local_margin_weight=0.0, length_weight=0.0, length_factor=0.0,
        refine=False, skip_penalty=0.0, gap_extend_penalty=None, part_weight=0.0, repeats=False,
        # (no repeat rule: pooled blocks of one text all look alike)
        shapes=((1, 1), (1, 0), (0, 1), (1, 2), (2, 1)),
        max_full_cells=config.max_full_cells, band_block=config.band_block, band_margin=4,
    )  # fmt: skip
    coarse = _align_plain(coarse_src, coarse_tgt, coarse_src_lens, coarse_tgt_lens, coarse_config)
    # every fine row gets the target range its coarse bead (and neighbours) cover, widened
    lo = np.full(n + 1, m + 1, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    ci = cj = 0
    for k, i, j in coarse:
        a, b = coarse_config.shapes[k]
        r0, r1 = src_edges[ci], src_edges[i]
        c0, c1 = tgt_edges[cj], tgt_edges[j]
        lo[r0 : r1 + 1] = np.minimum(lo[r0 : r1 + 1], c0)
        hi[r0 : r1 + 1] = np.maximum(hi[r0 : r1 + 1], c1 + 1)
        ci, cj = i, j
        del a, b
    margin = config.band_margin
    lo = np.maximum(np.minimum.accumulate(lo[::-1])[::-1] - margin, 0)
    hi = np.minimum(np.maximum.accumulate(hi) + margin, m + 1)
    # widen rows by the margin along the source axis too (a path may lag behind the coarse one)
    lo = np.array([lo[max(0, i - margin)] for i in range(n + 1)], dtype=np.int64)
    hi = np.array([hi[min(n, i + margin)] for i in range(n + 1)], dtype=np.int64)
    lo[0], hi[n] = 0, m + 1
    return lo, hi


def _band(
    src_vecs: np.ndarray, tgt_vecs: np.ndarray, src_lens: np.ndarray, tgt_lens: np.ndarray, config: AlignerConfig
) -> tuple[np.ndarray, np.ndarray]:
    n, m = len(src_vecs), len(tgt_vecs)
    if (n + 1) * (m + 1) <= config.max_full_cells:
        return _full_band(n, m)
    return _coarse_band(src_vecs, tgt_vecs, src_lens, tgt_lens, config)


def _align_plain(
    src_vecs: np.ndarray, tgt_vecs: np.ndarray, src_lens: np.ndarray, tgt_lens: np.ndarray, config: AlignerConfig
) -> list[tuple[int, int, int]]:
    lo, hi = _band(src_vecs, tgt_vecs, src_lens, tgt_lens, config)
    problem = _Problem(src_vecs, tgt_vecs, src_lens, tgt_lens, lo, hi, config)
    return _trace(problem.forward(), lo, problem.n, problem.m, config.shapes)


def align_vectors(
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    src_lens: np.ndarray,
    tgt_lens: np.ndarray,
    noise_floor: float,
    config: AlignerConfig | None = None,
    src_breaks: np.ndarray | None = None,
    tgt_breaks: np.ndarray | None = None,
    *,
    src_texts: Sequence[str] | None = None,
    tgt_texts: Sequence[str] | None = None,
    window_encoder: WindowEncoder | None = None,
    stats: AlignStats | None = None,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    word_matcher: WordWitness | None = None,
) -> list[RawBead]:
    """The best monotone bead sequence covering every position of both sides once.

    ``src_breaks[p]`` / ``tgt_breaks[p]`` (optional) is True where a non-content segment
    separates position p from p-1: no merged bead spans it.

    With ``src_texts``, ``tgt_texts`` and ``window_encoder`` (and ``config.refine``), the
    plausible merged beads are re-embedded as joined text and the DP runs again. With
    ``word_matcher`` (``wordmatch.WordMatcher``) too, a fragment may also join its pair on its
    words, and a segment at a merge's border move to the neighbouring pair.
    """
    config = config or AlignerConfig()
    stats = stats if stats is not None else AlignStats()
    stats.reset()  # the caller's object describes this document only
    n, m = len(src_vecs), len(tgt_vecs)
    if n == 0 or m == 0:
        return [RawBead((i,), (), 0.0, 0.0) for i in range(n)] + [RawBead((), (j,), 0.0, 0.0) for j in range(m)]
    src_vecs = np.ascontiguousarray(src_vecs, dtype=np.float32)
    tgt_vecs = np.ascontiguousarray(tgt_vecs, dtype=np.float32)
    src_lens = np.asarray(src_lens, dtype=np.float64)
    tgt_lens = np.asarray(tgt_lens, dtype=np.float64)
    lo, hi = _band(src_vecs, tgt_vecs, src_lens, tgt_lens, config)
    stats.banded = bool(lo[-1] > 0 or hi[0] < m + 1)
    stats.cells = int((hi - lo).sum())
    src_joins = tgt_joins = None
    if config.border_weight and src_texts is not None and tgt_texts is not None:
        src_joins, tgt_joins = _sentence_joins(src_texts, src_breaks), _sentence_joins(tgt_texts, tgt_breaks)
    problem = _Problem(
        src_vecs, tgt_vecs, src_lens, tgt_lens, lo, hi, config, src_breaks, tgt_breaks, noise_floor,
        src_texts, tgt_texts, src_joins, tgt_joins,
    )  # fmt: skip
    table = problem.forward()
    keys, cosines = np.zeros(0, dtype=np.int64), np.zeros((0, 2))
    only = False
    joined_text = None
    if config.refine and window_encoder is not None and src_texts is not None and tgt_texts is not None:
        joined_text = _JoinedText(src_vecs, tgt_vecs, list(src_texts), list(tgt_texts), window_encoder, stats)
        keys, cosines = _refine_overrides(
            problem, noise_floor, src_breaks, tgt_breaks, table, src_lens, tgt_lens, joined_text, config
        )
        only = True
        table = problem.forward(keys, cosines, only)
    path = _trace(table, lo, n, m, config.shapes)
    if joined_text is not None and config.settle_rounds:
        path = _settle(path, problem, keys, cosines, joined_text, config)
    spans = _path_spans(path, config.shapes)
    # the DP's own cosine of every bead on the path; a joined bead's comes from embedding it
    known: dict[Span, float] = {}
    for span, (k, i, j) in zip(spans, path, strict=True):
        known[span] = problem.gain_and_cosine(k, i, j, keys, cosines, only)[1]
    if joined_text is not None:
        # a merge the path kept on its parts' score (settling was off or ran out) reports a real cosine
        known.update(joined_text.cosines([spans[step] for step, _ in _on_parts(path, keys, cosines, n, m)]))
    may_join = _join_rule(problem, config)  # both joins below follow the DP's rules for a merge
    if joined_text is not None and config.crossing_gain > 0:
        assert window_encoder is not None and src_texts is not None and tgt_texts is not None
        crossed, stats.crossing_chars = crossed_borders(
            spans, src_vecs, tgt_vecs, src_texts, tgt_texts, window_encoder, may_join, config.crossing_gain,
            config.crossing_min_score, config.crossing_budget * float(src_lens.sum() + tgt_lens.sum()),
        )  # fmt: skip
        joined = join_crossed(spans, crossed, may_join)
        stats.crossed_borders = len(spans) - len(joined)
        known.update(joined_text.cosines([span for span in joined if span not in known]))
        spans = joined
    if joined_text is not None and config.join_moved_anchors:
        assert src_texts is not None and tgt_texts is not None
        moved = moved_anchor_borders(spans, src_texts, tgt_texts, src_lang, tgt_lang)

        def more_alike(left: Span, right: Span) -> bool:
            # a moved name leaves each pair half right, so the joined bead is more alike than
            # either; a clause the translation dropped leaves the joined bead between the two
            if not may_join(left, right):
                return False
            both = (left[0] + right[0], left[1] + right[1])
            if both not in known:  # the crossing check may have embedded it already
                known.update(joined_text.cosines([both]))
            return known[both] > max(known[left], known[right])

        joined = join_crossed(spans, moved, more_alike)
        stats.moved_anchor_joins = len(spans) - len(joined)
        spans = joined
    may_use = _shape_rule(problem, config)
    # in a document of a few lines a dropped line shares the topic's words with the one line
    # its neighbour pair translates; the leave-one-out check decides there (session 46)
    short = bool(problem.params[dp.P_SHORT_DOCUMENT])
    use_words = word_matcher is not None and config.fragment_word_share > 0 and not short
    words = (word_matcher, config.fragment_word_share) if use_words else None
    if joined_text is not None and config.absorb_fragments:
        assert src_texts is not None and tgt_texts is not None
        cums = (problem.src_cum, problem.tgt_cum)

        def is_repeat(side: int, position: int) -> bool:
            return bool(cums[side][dp.ROW_IS_REPEAT, position + 1] > 0.0)

        lengths = None
        if config.fragment_length_check:
            mean = float(problem.params[dp.P_LOG_RATIO_MEAN])
            lengths = LengthModel(src_lens, tgt_lens, mean, config.length_smoothing)
        absorbed = absorb_fragments(
            spans, known, (src_texts, tgt_texts), may_use, is_repeat, joined_text.cosines, lengths, words
        )
        stats.absorbed_fragments = len(spans) - len(absorbed)
        spans = absorbed
    if joined_text is not None and words is not None and config.move_border_pieces:
        assert src_texts is not None and tgt_texts is not None
        moved_pieces = move_border_pieces(spans, known, (src_texts, tgt_texts), may_use, joined_text.cosines, words)
        stats.moved_border_pieces = sum(a != b for a, b in zip(spans, moved_pieces, strict=True)) // 2
        spans = moved_pieces
    noise_src, noise_tgt = _noise_from_vectors(src_vecs, tgt_vecs, noise_floor, config.noise_prior_weight)
    beads: list[RawBead] = []
    for src, tgt in spans:
        if src and tgt:
            cos = known[(src, tgt)]
            noise = (float(noise_src[list(src)].mean()) + float(noise_tgt[list(tgt)].mean())) / 2.0
            beads.append(RawBead(src, tgt, float(calibrate(np.float64(cos), noise)), float(cos)))
        else:
            beads.append(RawBead(src, tgt, 0.0, 0.0))
    return beads


_MAX_JOINED = 7  # segments in a bead joined across a crossed border (Text+Berg gold has 2-5 and 4-3)


def _settle(
    path: list[tuple[int, int, int]],
    problem: _Problem,
    keys: np.ndarray,
    cosines: np.ndarray,
    joined_text: _JoinedText,
    config: AlignerConfig,
) -> list[tuple[int, int, int]]:
    """The path once no merge on it keeps its parts' score: such merges are embedded and the DP
    rerun, at most ``config.settle_rounds`` times (``cosines`` is updated in place).

    Summed vectors over-rate a merge, so a path chosen on a parts' score may not survive the
    merge's real embedding, which the reported score needs anyway.
    """
    n, m = problem.n, problem.m
    for _ in range(int(config.settle_rounds)):
        pending = _on_parts(path, keys, cosines, n, m)
        if not pending:
            break
        beads = [path[step] for step, _ in pending]
        vectors = joined_text.vectors(_path_spans(beads, config.shapes))
        for (_, row), (k, i, j), (x, y) in zip(pending, beads, vectors, strict=True):
            a, b = config.shapes[k]
            cosines[row] = _override_row(problem, x, y, a, b, i, j, joined_text.src_vecs, joined_text.tgt_vecs)
        path = _trace(problem.forward(keys, cosines, True), problem.lo, n, m, config.shapes)
    return path


def _on_parts(
    path: list[tuple[int, int, int]], keys: np.ndarray, cosines: np.ndarray, n: int, m: int
) -> list[tuple[int, int]]:
    """(step of the path, row of ``keys``) of every merge on the path still scored from its parts
    (an override with a NaN cosine; ``keys`` is sorted)."""
    found = []
    for step, (k, i, j) in enumerate(path):
        key = dp.override_key(k, i, j, n, m)
        row = int(np.searchsorted(keys, key))
        if row < len(keys) and keys[row] == key and np.isnan(cosines[row, 0]):
            found.append((step, row))
    return found


@dataclass
class _JoinedText:
    """Beads embedded as their joined text (a side of one segment keeps its vector): each window
    is sent to the encoder once, and the new ones are counted in ``stats`` as re-embedding work."""

    src_vecs: np.ndarray
    tgt_vecs: np.ndarray
    src_texts: list[str]
    tgt_texts: list[str]
    encoder: WindowEncoder
    stats: AlignStats
    embedded: dict[str, np.ndarray] = field(default_factory=dict)  # joined text → vector

    def vectors(self, spans: list[Span]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Both sides' vectors of each bead."""
        sides = [(_joined(src, self.src_texts), _joined(tgt, self.tgt_texts)) for src, tgt in spans]
        windows = sorted({text for pair in sides for text in pair if text and text not in self.embedded})
        if windows:
            self.embedded.update(zip(windows, np.asarray(self.encoder(windows), dtype=np.float32), strict=True))
            self.stats.refined_windows += len(windows)
            self.stats.refined_chars += sum(len(text) for text in windows)
        return [
            (
                self.embedded[src_text] if src_text else self.src_vecs[src[0]],
                self.embedded[tgt_text] if tgt_text else self.tgt_vecs[tgt[0]],
            )
            for (src, tgt), (src_text, tgt_text) in zip(spans, sides, strict=True)
        ]

    def cosines(self, spans: list[Span]) -> dict[Span, float]:
        """The cosine of each bead."""
        pairs = zip(spans, self.vectors(spans), strict=True)
        return {span: float(np.dot(x.astype(np.float64), y.astype(np.float64))) for span, (x, y) in pairs}


def _joined(span: tuple[int, ...], texts: Sequence[str]) -> str:
    """The joined text of one side of a bead where it has more than one segment ('' for one)."""
    return " ".join(texts[p] for p in span) if len(span) > 1 else ""


def _join_rule(problem: _Problem, config: AlignerConfig) -> Callable[[Span, Span], bool]:
    """Whether two neighbouring pairs may become one bead: the same rules as a merge in the DP."""
    max_a, max_b = max(a for a, _ in config.shapes), max(b for _, b in config.shapes)

    def may_join(left: Span, right: Span) -> bool:
        src, tgt = left[0] + right[0], left[1] + right[1]
        if len(src) > max_a or len(tgt) > max_b or len(src) + len(tgt) > _MAX_JOINED:
            return False
        return _blocks_allowed(problem, (src, tgt))

    return may_join


def _shape_rule(problem: _Problem, config: AlignerConfig) -> Callable[[Span], bool]:
    """Whether a bead may stand as it is: a shape the DP uses, and ``_blocks_allowed``."""
    shapes = set(config.shapes)
    return lambda span: (len(span[0]), len(span[1])) in shapes and _blocks_allowed(problem, span)


def _blocks_allowed(problem: _Problem, span: Span) -> bool:
    """No non-content border and no repeat inside either side of a pair bead (``dp.block_allowed``)."""
    src, tgt = span
    src_ok = dp.block_allowed(problem.src_cum, src[0], src[-1] + 1)
    return bool(src_ok and dp.block_allowed(problem.tgt_cum, tgt[0], tgt[-1] + 1))


def _override_row(
    problem: _Problem,
    x: np.ndarray,
    y: np.ndarray,
    a: int,
    b: int,
    i: int,
    j: int,
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
) -> tuple[float, float]:
    """The DP's override of an a-b bead ending at (i, j) embedded as real text: its cosine and local margin."""
    chance = dp.chance_level(a, b, i, j, problem.src_cum, problem.tgt_cum)
    fallback = dp.local_fallback(a, b, i, j, problem.n, problem.m, chance, problem.params)
    return float(np.dot(x, y)), _local_margin_of(x, y, i - a, i, j - b, j, src_vecs, tgt_vecs, fallback)


def _local_margin_of(
    x: np.ndarray,
    y: np.ndarray,
    i0: int,
    i1: int,
    j0: int,
    j1: int,
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    fallback: float,
) -> float:
    """``dp._local_margin`` for real block embeddings x (source i0..i1-1) and y (target j0..j1-1)."""
    src_side = [float(np.dot(x, tgt_vecs[c])) for c in (j0 - 1, j1) if 0 <= c < len(tgt_vecs)]
    tgt_side = [float(np.dot(y, src_vecs[r])) for r in (i0 - 1, i1) if 0 <= r < len(src_vecs)]
    src_level = sum(src_side) / len(src_side) if src_side else fallback
    tgt_level = sum(tgt_side) / len(tgt_side) if tgt_side else fallback
    return 0.5 * (src_level + tgt_level)


def _mirror_breaks(breaks: np.ndarray | None, size: int) -> np.ndarray | None:
    """Breaks of the reversed sequence: a gap before p becomes a gap before size - p."""
    if breaks is None or not len(breaks):
        return None
    mirrored = np.zeros(size, dtype=bool)
    positions = np.nonzero(np.asarray(breaks, dtype=bool))[0]
    positions = positions[positions > 0]
    mirrored[size - positions] = True
    return mirrored


def _sentence_joins(texts: Sequence[str], breaks: np.ndarray | None) -> np.ndarray:
    """At p: how surely position p continues the sentence of p-1 (0 across a non-content segment)."""
    joins = np.array([0.0] + [continuation(a, b) for a, b in pairwise(texts)])
    if breaks is not None and len(breaks):
        joins[np.asarray(breaks, dtype=bool)] = 0.0
    return joins


def _mirror_joins(joins: np.ndarray) -> np.ndarray:
    """Joins of the reversed sequence: the border before p becomes the border before size - p."""
    mirrored = np.zeros(len(joins))
    mirrored[1:] = joins[:0:-1]
    return mirrored


def _refine_overrides(
    problem: _Problem,
    noise_floor: float,
    src_breaks: np.ndarray | None,
    tgt_breaks: np.ndarray | None,
    table: _Pass,
    src_lens: np.ndarray,
    tgt_lens: np.ndarray,
    joined_text: _JoinedText,
    config: AlignerConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Cosines of real embeddings of the joined text of the most plausible merged beads.

    Merges past the budget get NaN cosines (scored from their parts); the windows embedded
    are added to ``joined_text.embedded``.
    """
    src_vecs, tgt_vecs, src_texts, tgt_texts = (
        joined_text.src_vecs, joined_text.tgt_vecs, joined_text.src_texts, joined_text.tgt_texts
    )  # fmt: skip
    n, m = problem.n, problem.m
    fwd = table.best
    best = float(fwd[table.offsets[n] + m - problem.lo[n]])
    # backward totals: the forward DP of the mirrored problem
    rlo = (m + 1 - problem.hi[::-1]).astype(np.int64)
    rhi = (m + 1 - problem.lo[::-1]).astype(np.int64)
    mirrored = _Problem(
        src_vecs[::-1], tgt_vecs[::-1], src_lens[::-1], tgt_lens[::-1], rlo, rhi, config,
        _mirror_breaks(src_breaks, n), _mirror_breaks(tgt_breaks, m), noise_floor, src_texts[::-1], tgt_texts[::-1],
        _mirror_joins(problem.src_cum[dp.ROW_CONTINUES, :n]), _mirror_joins(problem.tgt_cum[dp.ROW_CONTINUES, :m]),
    )  # fmt: skip
    # statistics of the whole document, the same read from either end
    mirrored.params[dp.P_LOG_RATIO_MEAN] = problem.params[dp.P_LOG_RATIO_MEAN]
    mirrored.params[dp.P_EDGE_LEVEL] = problem.params[dp.P_EDGE_LEVEL]
    backward = mirrored.forward()
    bwd, bwd_off = backward.best, backward.offsets
    found, slack = dp.plausible_merges(
        problem.lo, problem.hi, n, m, problem.shape_a, problem.shape_b, fwd, table.offsets, bwd, bwd_off, rlo, best,
        config.refine_delta, problem.arrays, problem.params,
        dp.merge_gain_bound(problem.params, problem.src_cum, problem.tgt_cum),
    )  # fmt: skip
    if len(found) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 2))
    # most plausible first, until the character budget is spent
    budget = max(config.refine_budget * (src_lens.sum() + tgt_lens.sum()), config.refine_min_chars)
    src_windows: set[tuple[int, int]] = set()
    tgt_windows: set[tuple[int, int]] = set()
    chars = 0.0
    chosen: list[tuple[int, int, int]] = []
    left_over: list[tuple[int, int, int]] = []
    for idx in np.argsort(slack, kind="stable"):
        k, i, j = (int(v) for v in found[idx])
        a, b = config.shapes[k]
        new_src = a > 1 and (i - a, i) not in src_windows
        new_tgt = b > 1 and (j - b, j) not in tgt_windows
        cost = len(_joined(tuple(range(i - a, i)), src_texts)) if new_src else 0
        cost += len(_joined(tuple(range(j - b, j)), tgt_texts)) if new_tgt else 0
        if chars + cost > budget:
            left_over.append((k, i, j))
            continue
        chars += cost
        if new_src:
            src_windows.add((i - a, i))
        if new_tgt:
            tgt_windows.add((j - b, j))
        chosen.append((k, i, j))
    vectors = joined_text.vectors(_path_spans(chosen, config.shapes))
    keys = np.empty(len(chosen), dtype=np.int64)
    cosines = np.empty((len(chosen), 2))
    for pos, ((k, i, j), (x, y)) in enumerate(zip(chosen, vectors, strict=True)):
        a, b = config.shapes[k]
        keys[pos] = dp.override_key(k, i, j, n, m)
        cosines[pos] = _override_row(problem, x, y, a, b, i, j, src_vecs, tgt_vecs)
    if left_over:
        keys = np.concatenate([keys, [dp.override_key(k, i, j, n, m) for k, i, j in left_over]]).astype(np.int64)
        cosines = np.concatenate([cosines, np.full((len(left_over), 2), np.nan)])
    order = np.argsort(keys)
    return keys[order], cosines[order]
