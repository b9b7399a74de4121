"""Flags: machine-translation artefacts and alignment gaps found on an aligned document.

``detect`` runs every enabled detector (see ``align.detectors``) over a document and its
beads, attaches each flag to the bead holding its segment and returns them all.
A detector that fails is reported as a ``detector_error`` flag and the run goes on.

Each flag type can be switched off and given a threshold through :class:`FlagConfig`;
a flag is kept when its score reaches the threshold of its type. Scores are in 0..1,
except ``length_ratio`` (a robust z-score) and ``untranslated`` on whole segments (the
language-identification confidence).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from .detectors.attribution import find_mt_attribution, machine_translated_verdict
from .detectors.context import Context
from .detectors.gaps import find_additions, find_length_outliers, find_omissions, find_whole_gaps
from .detectors.names import find_name_mismatches
from .detectors.numbers import find_number_mismatches
from .detectors.parts import Encode
from .detectors.repeats import find_duplicates, find_repetitions
from .detectors.untranslated import find_untranslated
from .errors import AlignError
from .model import Bead, Document, Flag

# The flag types, in the order they are reported. The names are part of the output format.
FLAG_TYPES: tuple[str, ...] = (
    "duplicate",
    "repetition",
    "mt_attribution",
    "machine_translated",  # document-level verdict: a side credits an MT tool
    "untranslated",
    "omission",
    "addition",
    "number_mismatch",
    "name_mismatch",
    "length_ratio",
)

# Minimum score for a flag to be kept, per type (tuned on data not used for reporting:
# DEMETR's WMT half, WMT21 CED dev, human German–English news; see benchmarks/artefacts.py).
DEFAULT_THRESHOLDS: dict[str, float] = {
    "duplicate": 0.85,  # share of the repeat's words found in one of the preceding segments
    "repetition": 0.6,  # .6 a doubled word, .8 a doubled phrase, 1 three or more copies
    "mt_attribution": 0.5,
    "machine_translated": 0.5,
    "untranslated": 0.6,  # whole segment: language-id confidence; words: .6 + .2 per word
    # 1 unaligned; .96 unaligned in a short run at a document's edge, or the part of a merged bead
    # without which the pair is more alike; .97 a pair at chance similarity; .9 names/numbers only
    # in the source; -z/2.1 for a short target (lengths smoothed, see gaps.py), +.1 with
    # names/numbers, at most .9 where leaving out any clause makes the pair less alike.
    # At .95 name/number evidence alone does not count: too noisy on real news.
    "omission": 0.95,
    "addition": 0.95,  # the mirror image of omission
    "number_mismatch": 0.7,  # 1 changed number, .8 number on one side only, .7 number words only
    "name_mismatch": 0.8,  # 1 name replaced, .8 name on one side only
    "length_ratio": 4.0,  # robust z-score of the pair's log length ratio within the document
}

# The verdict flag is opt-in: summary.json counts every flag, and the seed's summary is fixed at
# one duplicate and one mt_attribution. ``summarize`` gives the verdict either way.
DEFAULT_ENABLED: frozenset[str] = frozenset(FLAG_TYPES) - {"machine_translated"}

_DETECTORS: dict[str, Callable[[Context], list[Flag]]] = {
    "duplicate": find_duplicates,
    "repetition": find_repetitions,
    "mt_attribution": find_mt_attribution,
    "machine_translated": machine_translated_verdict,
    "untranslated": find_untranslated,
    "omission": find_omissions,
    "addition": find_additions,
    "number_mismatch": find_number_mismatches,
    "name_mismatch": find_name_mismatches,
    "length_ratio": find_length_outliers,
}


@dataclass(frozen=True)
class FlagConfig:
    """Which flag types are detected, and their thresholds (``DEFAULT_THRESHOLDS`` where unset)."""

    enabled: frozenset[str] = frozenset(DEFAULT_ENABLED)
    duplicate_window: int = 3  # how many preceding segments a repeat is compared with
    duplicate_min_tokens: int = 3  # shorter segments ("Ja.", "Danke.") repeat legitimately
    duplicate_containment: float = DEFAULT_THRESHOLDS["duplicate"]
    thresholds: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "enabled", frozenset(self.enabled))
        _check_types(self.enabled)
        _check_types(self.thresholds)
        for name, value in self.thresholds.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise AlignError(f"threshold of {name!r} must be a finite number, not {value!r}")

    def threshold(self, flag_type: str) -> float:
        if flag_type in self.thresholds:
            return float(self.thresholds[flag_type])
        if flag_type == "duplicate":
            return self.duplicate_containment
        return DEFAULT_THRESHOLDS[flag_type]

    def without(self, *flag_types: str) -> FlagConfig:
        """The same settings with the given flag types switched off."""
        _check_types(flag_types)
        return replace(self, enabled=self.enabled - set(flag_types))

    def with_thresholds(self, **thresholds: float) -> FlagConfig:
        """The same settings with some thresholds changed: ``config.with_thresholds(length_ratio=3.0)``."""
        return replace(self, thresholds={**self.thresholds, **thresholds})

    def changed(self) -> dict[str, object]:
        """What differs from the defaults (recorded with every result)."""
        out: dict[str, object] = {}
        default = FlagConfig()
        for key, names in (("off", default.enabled - self.enabled), ("on", self.enabled - default.enabled)):
            if names:
                out[key] = sorted(names)
        moved = {k: float(v) for k, v in sorted(self.thresholds.items()) if float(v) != default.threshold(k)}
        if moved:
            out["thresholds"] = moved
        for name in ("duplicate_window", "duplicate_min_tokens", "duplicate_containment"):
            if getattr(self, name) != getattr(default, name):
                out[name] = getattr(self, name)
        return out


def _check_types(names: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(FLAG_TYPES))
    if unknown:
        raise AlignError(f"unknown flag type {unknown[0]!r}; known types: {', '.join(FLAG_TYPES)}")


def parse_threshold(text: str) -> tuple[str, float]:
    """'TYPE=VALUE' (the CLI's --flag-threshold) as (type, value)."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep:
        raise AlignError(f"flag threshold {text!r} must look like TYPE=VALUE, e.g. length_ratio=3.5")
    _check_types([name])
    try:
        return name, float(value)
    except ValueError:
        raise AlignError(f"flag threshold {text!r}: {value!r} is not a number") from None


def detect(
    doc: Document, beads: list[Bead], config: FlagConfig | None = None, encode: Encode | None = None
) -> list[Flag]:
    """Run every enabled detector and return all flags (also attached to their beads).

    With ``encode`` (the pipeline's encoder), partial omissions and additions are confirmed by
    leaving parts of a pair out (``detectors/parts.py``); without it they rest on lengths,
    names and numbers alone.
    """
    config = config or FlagConfig()
    context = Context(doc, beads, config, encode)
    flags: list[Flag] = []
    for name in FLAG_TYPES:
        if name not in config.enabled:
            continue
        try:
            flags.extend(_DETECTORS[name](context))
        except Exception as e:  # one broken detector must not lose the document
            flags.append(_detector_error(name, doc, e))
    attach(beads, flags)
    return flags


def _detector_error(name: str, doc: Document, error: Exception) -> Flag:
    return Flag("detector_error", f"{name} detector failed on {doc.doc_id}: {type(error).__name__}: {error}", 0.0)


DROP_TYPES = ("omission", "addition")


def drops_inside_pairs(doc: Document, beads: list[Bead], strict: list[Bead], config: FlagConfig) -> list[Flag]:
    """Omission/addition flags for segments ``beads`` pairs but a stricter alignment leaves out.

    The aligner's gap cost decides whether a lone sentence joins its neighbour's pair: high
    enough to pair the fragments translators fold into a neighbour, it also takes in some
    sentences a translation dropped. The flags look at both alignments, so the choice made
    for the corpus does not hide the drops (``AlignerConfig.audit_skip_penalty``). Only the
    stricter alignment's unaligned segments are wanted, so only its whole gaps are looked
    for: the partial checks inside its pairs would find nothing wanted.
    """
    paired = {("src", i) for b in beads if b.is_pair for i in b.src_ids}
    paired |= {("tgt", j) for b in beads if b.is_pair for j in b.tgt_ids}
    left_out = {("src", i) for b in strict if not b.tgt_ids for i in b.src_ids}
    left_out |= {("tgt", j) for b in strict if not b.src_ids for j in b.tgt_ids}
    flagged = {(f.side, f.segment_id) for b in beads for f in b.flags if f.type in DROP_TYPES}
    wanted = (paired & left_out) - flagged
    if not wanted:  # among others, where both alignments are the same
        return []
    joined = " (the alignment joins it to a neighbouring pair)"
    try:
        gaps = find_whole_gaps(Context(doc, strict, config))
    except Exception as e:  # as in ``detect``: a failing detector must not lose the document
        return [_detector_error("omission/addition", doc, e)]
    found = [
        replace(f, reason=f.reason + joined)
        for f in gaps
        if f.type in config.enabled and (f.side, f.segment_id) in wanted
    ]
    attach(beads, found)
    return found


def attach(beads: list[Bead], flags: list[Flag]) -> None:
    """Put each flag on the bead holding its segment (document-level flags stay off beads)."""
    where: dict[tuple[str, int], Bead] = {}
    for bead in beads:
        for i in bead.src_ids:
            where[("src", i)] = bead
        for j in bead.tgt_ids:
            where[("tgt", j)] = bead
    for flag in flags:
        bead = where.get((flag.side, flag.segment_id)) if flag.side and flag.segment_id is not None else None
        if bead is not None:
            bead.flags.append(flag)


def summarize(flags: list[Flag]) -> dict[str, object]:
    """Per-document summary: flag counts per type and the machine-translation verdict.

    ``machine_translated`` lists the sides ("src", "tgt") that credit an MT tool, from the
    ``mt_attribution`` flags or the opt-in ``machine_translated`` verdict flags.
    """
    verdicts = [f for f in flags if f.type in ("machine_translated", "mt_attribution")]
    return {
        "counts": dict(Counter(f.type for f in flags)),
        "machine_translated": sorted({f.side for f in verdicts if f.side}),
        "detector_errors": [f.reason for f in flags if f.type == "detector_error"],
    }
