"""Flags: machine-translation artefacts and alignment gaps found on an aligned document.

Each detector is a function ``(Alignment-like inputs) -> list[Flag]``; ``detect`` runs
the enabled ones. A detector that fails is reported as a ``detector_error`` flag and
the run goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .model import Bead, Document, Flag, Kind, Segment, Side
from .segment import TRAILER

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class FlagConfig:
    """Which detectors run, and their thresholds."""

    enabled: frozenset[str] = frozenset({"duplicate", "mt_attribution", "omission", "addition"})
    duplicate_window: int = 3  # how many preceding segments a repeat is compared with
    duplicate_min_tokens: int = 3  # shorter segments ("Ja.", "Danke.") repeat legitimately
    duplicate_containment: float = 0.85  # share of the repeat's words found in the earlier segment
    thresholds: dict[str, float] = field(default_factory=dict)


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def _containment(repeat: list[str], earlier: list[str]) -> float:
    """Share of the repeat's word tokens that also occur in the earlier segment."""
    if not repeat:
        return 0.0
    pool = set(earlier)
    return sum(t in pool for t in repeat) / len(repeat)


def find_duplicates(side: Side, side_name: str, config: FlagConfig) -> list[Flag]:
    """Segments that repeat (exactly, nearly, or contained in) a segment just before them.

    The later copy is flagged: that is the one an MT system or an editor added.
    """
    flags = []
    content = [s for s in side.segments if s.is_content]
    tokens = [_tokens(s.text) for s in content]
    for pos, seg in enumerate(content):
        if len(tokens[pos]) < config.duplicate_min_tokens:
            continue
        best: tuple[float, Segment] | None = None
        for prev in range(max(0, pos - config.duplicate_window), pos):
            score = _containment(tokens[pos], tokens[prev])
            if best is None or score > best[0]:
                best = (score, content[prev])
        if best and best[0] >= config.duplicate_containment:
            score, first = best
            how = "repeats" if len(tokens[pos]) >= 0.8 * len(_tokens(first.text)) else "repeats part of"
            flags.append(
                Flag(
                    "duplicate",
                    f"{side_name} segment {seg.id} {how} segment {first.id} "
                    f"({score:.0%} of its words): “{_clip(seg.text)}”",
                    score,
                    side_name,
                    seg.id,
                    first.id,
                )
            )
    return flags


def find_mt_attribution(side: Side, side_name: str) -> list[Flag]:
    """MT-tool trailers and calling cards ("Übersetzt mit Deepl.com")."""
    flags = []
    for seg in side.segments:
        if seg.kind == Kind.TRAILER or TRAILER.search(seg.text):
            flags.append(
                Flag("mt_attribution", f"machine-translation tool credit: “{_clip(seg.text)}”", 1.0, side_name, seg.id)
            )
    return flags


def find_gaps(beads: list[Bead], doc: Document) -> list[Flag]:
    """Unaligned content inside the covered range: omissions (source) and additions (target)."""
    flags = []
    for bead in beads:
        if bead.is_pair or not bead.covered:
            continue
        if bead.src_ids:
            seg = doc.source.segments[bead.src_ids[0]]
            if seg.is_content:
                flags.append(
                    Flag(
                        "omission",
                        f"source segment {seg.id} has no translation: “{_clip(seg.text)}”",
                        1.0,
                        "src",
                        seg.id,
                    )
                )
        else:
            seg = doc.target.segments[bead.tgt_ids[0]]
            if seg.is_content:
                reason = f"target segment {seg.id} has no source: “{_clip(seg.text)}”"
                flags.append(Flag("addition", reason, 1.0, "tgt", seg.id))
    return flags


def _clip(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def detect(doc: Document, beads: list[Bead], config: FlagConfig | None = None) -> list[Flag]:
    """Run every enabled detector and return all flags (also attached to their beads)."""
    config = config or FlagConfig()
    detectors: dict[str, Callable[[], list[Flag]]] = {
        "duplicate": lambda: find_duplicates(doc.source, "src", config) + find_duplicates(doc.target, "tgt", config),
        "mt_attribution": lambda: find_mt_attribution(doc.source, "src") + find_mt_attribution(doc.target, "tgt"),
        "omission": lambda: [f for f in find_gaps(beads, doc) if f.type == "omission"],
        "addition": lambda: [f for f in find_gaps(beads, doc) if f.type == "addition"],
    }
    flags: list[Flag] = []
    for name, run in detectors.items():
        if name not in config.enabled:
            continue
        try:
            flags.extend(run())
        except Exception as e:  # one broken detector must not lose the document
            flags.append(Flag("detector_error", f"{name} detector failed: {type(e).__name__}: {e}", 0.0))
    attach(beads, flags)
    return flags


def attach(beads: list[Bead], flags: list[Flag]) -> None:
    """Put each flag on the bead holding its segment (document-level flags stay off beads)."""
    where: dict[tuple[str, int], Bead] = {}
    for bead in beads:
        for i in bead.src_ids:
            where[("src", i)] = bead
        for j in bead.tgt_ids:
            where[("tgt", j)] = bead
    for flag in flags:
        if flag.side is not None and flag.segment_id is not None:
            where[(flag.side, flag.segment_id)].flags.append(flag)
