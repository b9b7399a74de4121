"""Alignment quality: strict and lax precision/recall/F1 against gold beads.

The definition is the one of Sennrich & Volk (2011) as implemented by the scorer that
Vecalign and Bertalign publish their Text+Berg figures with, so our numbers compare:

* Precision runs over every distinct bead the aligner outputs that is not empty on
  both sides (1-0 and 0-1 beads included). A *strict* hit is a bead identical to a gold
  bead. A *lax* hit is a strict hit, or a bead one of whose source sentences is paired
  in gold with one of the bead's target sentences.
* Recall is the same computation with the roles swapped, over the gold beads that
  have both sides, judged against the output beads that have both sides.
* Counts are pooled over all documents before dividing.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from itertools import pairwise
from pathlib import Path

import numpy as np

from .errors import AlignError
from .model import Alignment

GoldBead = tuple[tuple[int, ...], tuple[int, ...]]  # (source ids, target ids)

# a bead, optionally with the cost Vecalign prints after it: [3, 4]:[5]:0.123456
_BEAD_LINE = re.compile(r"^\s*\[([0-9,\s]*)\]\s*:\s*\[([0-9,\s]*)\]\s*(?::\s*[-+0-9.eE]+)?\s*$")
# a rung of Hunalign's ladder: source index, target index, confidence
_RUNG_LINE = re.compile(r"^\s*([0-9]+)\s+([0-9]+)\s+[-+0-9.eE]+\s*$")


def _ids(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.replace(",", " ").split())


def parse_bead_lines(lines: Iterable[str], name: str = "input") -> list[GoldBead]:
    """Beads from lines such as ``[3, 4]:[5]``, ``[]:[6]``, ``[7]:[]``; blank lines are skipped.

    Vecalign's output (a cost after a third colon) reads the same. A Hunalign ladder (one
    rung ``i<TAB>j<TAB>confidence`` per line) is read as ``parse_ladder_lines`` does.
    """
    lines = list(lines)
    first = next((line for line in lines if line.strip()), "")
    if _RUNG_LINE.match(first):
        return parse_ladder_lines(lines, name)
    beads: list[GoldBead] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        match = _BEAD_LINE.match(line)
        if not match:
            raise AlignError(f"{name}, line {number}: not a bead of the form [i, j]:[k]: {line.strip()[:60]!r}")
        beads.append((_ids(match.group(1)), _ids(match.group(2))))
    return beads


def parse_ladder_lines(lines: Iterable[str], name: str = "input") -> list[GoldBead]:
    """Beads from Hunalign's ladder: each rung is where a bead starts, the next rung where it ends.

    Rungs ``(i, j)`` then ``(k, l)`` make the bead of source segments i..k-1 and target
    segments j..l-1 (1-0 and 0-1 beads included); the last rung marks the two ends.
    """
    rungs: list[tuple[int, int]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        match = _RUNG_LINE.match(line)
        if not match:
            raise AlignError(
                f"{name}, line {number}: not a ladder rung of the form i<TAB>j<TAB>score: {line.strip()[:60]!r}"
            )
        rung = (int(match.group(1)), int(match.group(2)))
        if rungs and (rung[0] < rungs[-1][0] or rung[1] < rungs[-1][1]):
            raise AlignError(f"{name}, line {number}: ladder rung {rung} goes back from {rungs[-1]}")
        rungs.append(rung)
    beads = [(tuple(range(i, k)), tuple(range(j, m))) for (i, j), (k, m) in pairwise(rungs)]
    return [bead for bead in beads if bead[0] or bead[1]]


def read_bead_file(path: str | Path) -> list[GoldBead]:
    """Read a bead file: one ``[i, j]:[k]`` bead per line (Text+Berg, Bertalign, Vecalign), or a Hunalign ladder."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a BOM is not part of the first bead
    except (OSError, UnicodeDecodeError) as e:
        raise AlignError(f"cannot read bead file {path}: {e}") from None
    beads = parse_bead_lines(text.splitlines(), str(path))
    if not beads:  # scoring it would print zeros as if it were a real (bad) alignment
        raise AlignError(f"bead file {path} holds no beads")
    return beads


def beads_from_alignment(alignment: Alignment) -> list[GoldBead]:
    """Our beads as (source ids, target ids), in document order (segment ids = line numbers)."""
    return [(tuple(b.src_ids), tuple(b.tgt_ids)) for b in alignment.beads]


def _record_ids(record: dict, key: str) -> tuple[int, ...]:
    """A record's segment ids: a list of whole numbers ≥ 0 (``int()`` would take "12" as [1, 2], 1.7 as 1)."""
    ids = record[key]
    if not isinstance(ids, list) or not all(type(i) is int and i >= 0 for i in ids):
        raise ValueError(f"{key} must be a list of whole numbers ≥ 0, not {json.dumps(ids)[:60]}")
    return tuple(ids)


def beads_from_jsonl(path: str | Path) -> dict[str, list[GoldBead]]:
    """doc_id → beads, from an ``alignments.jsonl`` written by ``align run`` or ``align batch``."""
    docs: dict[str, list[GoldBead]] = {}
    try:
        with open(path, encoding="utf-8-sig") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    bead = (_record_ids(record, "src_ids"), _record_ids(record, "tgt_ids"))
                    doc_id = str(record["doc_id"])
                except (ValueError, KeyError, TypeError) as e:
                    raise AlignError(f"{path}, line {number}: not an alignments.jsonl record ({e})") from None
                docs.setdefault(doc_id, []).append(bead)
    except (OSError, UnicodeDecodeError) as e:
        raise AlignError(f"cannot read {path}: {e}") from None
    if not docs:
        raise AlignError(f"{path} holds no alignments.jsonl records")
    return docs


def paired_documents(
    gold_paths: Sequence[str | Path], test_paths: Sequence[str | Path]
) -> tuple[list[list[GoldBead]], list[list[GoldBead]]]:
    """Gold and test beads per document, in the same order (see ``outputs_for``)."""
    return [read_bead_file(p) for p in gold_paths], outputs_for(gold_paths, test_paths)


def outputs_for(
    gold_paths: Sequence[str | Path], test_paths: Sequence[str | Path], option: str = "--test"
) -> list[list[GoldBead]]:
    """The beads of ``test_paths`` for each gold file, in the order of ``gold_paths``.

    Either one test file per gold file (a bead file, or an ``alignments.jsonl`` of one
    document), or one ``alignments.jsonl`` of a whole batch: then each gold file is matched to
    the document whose ``doc_id`` is the gold file's name without its suffix. ``option`` names
    the test files in messages (``--baseline`` for a second output).
    """
    gold_paths, test_paths = [Path(p) for p in gold_paths], [Path(p) for p in test_paths]
    if len(test_paths) == 1 and test_paths[0].suffix == ".jsonl":
        docs = beads_from_jsonl(test_paths[0])
        if len(docs) == 1 and len(gold_paths) == 1:  # one document: whatever its doc_id
            return list(docs.values())
        missing = [p.name for p in gold_paths if p.stem not in docs]
        if missing:
            raise AlignError(
                f"{test_paths[0]} has no document for {', '.join(missing)} (a gold file is matched to the "
                f"doc_id of its name without suffix; doc_ids there: {', '.join(sorted(docs)[:10])})"
            )
        return [docs[p.stem] for p in gold_paths]
    if len(gold_paths) != len(test_paths):
        raise AlignError(
            f"{len(gold_paths)} --gold files but {len(test_paths)} {option} files; "
            "give one of each per document, or one alignments.jsonl of a batch"
        )
    test_docs = []
    for path in test_paths:
        if path.suffix == ".jsonl":
            docs = beads_from_jsonl(path)
            if len(docs) != 1:
                raise AlignError(f"{path} holds {len(docs)} documents; pair it with one gold file per document")
            test_docs.append(next(iter(docs.values())))
        else:
            test_docs.append(read_bead_file(path))
    return test_docs


@dataclass(frozen=True)
class Scores:
    """Pooled strict/lax precision, recall and F1, with the counts they come from."""

    strict_precision: float
    strict_recall: float
    strict_f1: float
    lax_precision: float
    lax_recall: float
    lax_f1: float
    test_beads: int  # beads judged for precision
    gold_beads: int  # beads judged for recall
    strict_hits_precision: int
    strict_hits_recall: int
    lax_hits_precision: int
    lax_hits_recall: int

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _hits(reference: Iterable[GoldBead], judged: Iterable[GoldBead]) -> tuple[int, int, int]:
    """(judged beads, strict hits, lax hits) of ``judged`` against ``reference``."""
    reference_set = {bead for bead in reference if bead[0] or bead[1]}
    judged_set = {bead for bead in judged if bead[0] or bead[1]}
    partners: dict[int, set[int]] = defaultdict(set)
    for src, tgt in reference_set:
        for i in src:
            partners[i].update(tgt)
    strict = lax = 0
    for bead in judged_set:
        if bead in reference_set:
            strict += 1
            lax += 1
        elif any(partners[i].intersection(bead[1]) for i in bead[0] if i in partners):
            lax += 1
    return len(judged_set), strict, lax


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _normalise(beads: Iterable[Sequence[Sequence[int]]]) -> list[GoldBead]:
    return [(tuple(int(i) for i in src), tuple(int(j) for j in tgt)) for src, tgt in beads]


def _documents(gold_docs: Sequence[Sequence[GoldBead]], test_docs: Sequence[Sequence[GoldBead]]):
    """(gold, test) beads of each document, as tuples of ints; the two lists must match."""
    if len(gold_docs) != len(test_docs):
        raise AlignError(f"{len(gold_docs)} gold documents but {len(test_docs)} test documents")
    return [(_normalise(gold), _normalise(test)) for gold, test in zip(gold_docs, test_docs, strict=True)]


def _counts(gold: Sequence[GoldBead], test: Sequence[GoldBead]) -> tuple[int, int, int, int, int, int]:
    """Judged beads, strict hits and lax hits for precision, then the same three for recall."""
    precision = _hits(gold, test)
    recall = _hits([b for b in test if b[0] and b[1]], [b for b in gold if b[0] and b[1]])
    return (*precision, *recall)


def _scores_from(counts: Sequence[int]) -> Scores:
    p_total, p_strict, p_lax, r_total, r_strict, r_lax = (int(c) for c in counts)
    sp, sr = _ratio(p_strict, p_total), _ratio(r_strict, r_total)
    lp, lr = _ratio(p_lax, p_total), _ratio(r_lax, r_total)
    return Scores(sp, sr, _f1(sp, sr), lp, lr, _f1(lp, lr), p_total, r_total, p_strict, r_strict, p_lax, r_lax)


def score(gold_docs: Sequence[Sequence[GoldBead]], test_docs: Sequence[Sequence[GoldBead]]) -> Scores:
    """Strict and lax P/R/F1 of ``test_docs`` against ``gold_docs`` (same order), counts pooled."""
    totals = [0] * 6
    for gold, test in _documents(gold_docs, test_docs):
        totals = [a + b for a, b in zip(totals, _counts(gold, test), strict=True)]
    return _scores_from(totals)


def per_document(names: Sequence[str], gold_docs, test_docs) -> dict[str, Scores]:
    """Each document scored alone, by name (a repeated name gets " #2", " #3": no row may vanish)."""
    documents = _documents(gold_docs, test_docs)
    seen: Counter[str] = Counter()
    scores: dict[str, Scores] = {}
    for name, (gold, test) in zip(names, documents, strict=True):
        seen[name] += 1
        scores[name if seen[name] == 1 else f"{name} #{seen[name]}"] = score([gold], [test])
    return scores


def _sides_reached(beads: Sequence[GoldBead]) -> tuple[int, int]:
    """Segments each side's beads reach: the highest id + 1 (a complete alignment: its segment counts)."""
    src = max((i + 1 for bead in beads for i in bead[0]), default=0)
    tgt = max((i + 1 for bead in beads for i in bead[1]), default=0)
    return src, tgt


def extent_mismatches(names: Sequence[str], gold_docs, test_docs, what: str = "output") -> list[str]:
    """One line per document whose output reaches other segments than its gold does.

    Gold standards such as Text+Berg's put every segment of both sides in a bead, and so does
    ``alignments.jsonl``: where the two reach different segments they are most likely not the
    same document (a wrong file or doc_id), and its scores mean nothing.
    """
    lines = []
    for name, (gold, test) in zip(names, _documents(gold_docs, test_docs), strict=True):
        (gold_src, gold_tgt), (test_src, test_tgt) = _sides_reached(gold), _sides_reached(test)
        if (gold_src, gold_tgt) != (test_src, test_tgt):
            lines.append(
                f"{name}: the gold's beads reach {gold_src} source and {gold_tgt} target segments, the "
                f"{what}'s {test_src} and {test_tgt}; is it the {what} for this document?"
            )
    return lines


def repeated_segments(names: Sequence[str], docs, what: str) -> list[str]:
    """One line per document whose beads put a segment in more than one bead.

    An alignment puts each segment in one bead (gold standards, ``alignments.jsonl``, Vecalign
    and Bertalign output alike); a segment in two beads is counted twice, so the scores mean
    little. Most often the file was hand-edited or joined from two runs.
    """
    lines = []
    for name, beads in zip(names, docs, strict=True):
        for side, position in (("source", 0), ("target", 1)):
            counts = Counter(i for bead in beads for i in bead[position])
            repeated = sorted(i for i, count in counts.items() if count > 1)
            if repeated:
                more = f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
                shown = ", ".join(map(str, repeated[:5])) + more
                lines.append(
                    f"{name}: the {what}'s beads put {side} segment{'s' if len(repeated) > 1 else ''} {shown} in more "
                    "than one bead; each segment belongs in one bead, and the scores count it once per bead"
                )
    return lines


def input_warnings(names: Sequence[str], gold_docs, test_docs, baseline_docs=None) -> list[str]:
    """What looks wrong with the files ``align eval`` scores: segments in two beads, outputs of another document."""
    lines = repeated_segments(names, gold_docs, "gold") + repeated_segments(names, test_docs, "output")
    lines += extent_mismatches(names, gold_docs, test_docs)
    if baseline_docs is not None:
        lines += repeated_segments(names, baseline_docs, "baseline")
        lines += extent_mismatches(names, gold_docs, baseline_docs, "baseline")
    return lines


def format_per_document(scores: dict[str, Scores], digits: int = 3) -> str:
    """A markdown table of ``per_document``: one row per document, worst strict F1 first."""
    lines = ["| document | strict P | strict R | strict F1 | lax F1 |", "|---|---|---|---|---|"]
    for name, s in sorted(scores.items(), key=lambda row: (row[1].strict_f1, row[0])):
        lines.append(
            f"| {name} | {s.strict_precision:.{digits}f} | {s.strict_recall:.{digits}f} "
            f"| {s.strict_f1:.{digits}f} | {s.lax_f1:.{digits}f} |"
        )
    return "\n".join(lines)


def format_scores(scores: Scores, digits: int = 4) -> str:
    """A two-row markdown table of the scores."""
    rows = [("strict", scores.strict_precision, scores.strict_recall, scores.strict_f1)]
    rows.append(("lax", scores.lax_precision, scores.lax_recall, scores.lax_f1))
    lines = ["| | precision | recall | F1 |", "|---|---|---|---|"]
    lines += [f"| {name} | {p:.{digits}f} | {r:.{digits}f} | {f:.{digits}f} |" for name, p, r, f in rows]
    return "\n".join(lines)


# what a wrong output bead did, in the words of someone comparing it with the gold
ERROR_KINDS: dict[str, str] = {
    "split": "pair inside a larger gold bead (gold merges what we split)",
    "merged": "pair that joins whole gold beads (gold splits what we merge, or leaves a part out)",
    "boundary": "pair that cuts across gold beads (a segment on the wrong side of a border)",
    "left_out": "unaligned segment that gold pairs",
    "other_unaligned": "unaligned segment that gold leaves out in another grouping or in no bead",
}


def error_breakdown(gold_docs: Sequence[Sequence[GoldBead]], test_docs: Sequence[Sequence[GoldBead]]) -> Counter[str]:
    """How many output beads that are not gold beads fall into each of ``ERROR_KINDS``, pooled.

    It tells granularity errors (split, merged), which a better model of where translators
    join sentences would fix, from boundary errors and from gap decisions (left out).
    """
    counts: Counter[str] = Counter({kind: 0 for kind in ERROR_KINDS})
    for gold_beads, test in _documents(gold_docs, test_docs):
        gold = [b for b in gold_beads if b[0] or b[1]]
        gold_set = set(gold)
        by_src: dict[int, list[GoldBead]] = defaultdict(list)
        by_tgt: dict[int, list[GoldBead]] = defaultdict(list)
        for bead in gold:
            for i in bead[0]:
                by_src[i].append(bead)
            for j in bead[1]:
                by_tgt[j].append(bead)
        for src, tgt in set(test) - gold_set:
            if not src and not tgt:
                continue
            touched = {g for i in src for g in by_src[i]} | {g for j in tgt for g in by_tgt[j]}
            if not src or not tgt:
                paired = any(g[0] and g[1] for g in touched)
                counts["left_out" if paired else "other_unaligned"] += 1
            elif any(set(src) <= set(g[0]) and set(tgt) <= set(g[1]) for g in touched):
                counts["split"] += 1
            elif all(set(g[0]) <= set(src) and set(g[1]) <= set(tgt) for g in touched):
                counts["merged"] += 1
            else:
                counts["boundary"] += 1
    return counts


def format_breakdown(counts: Counter[str]) -> str:
    """A markdown table of ``error_breakdown``: kind, beads, share of the wrong beads."""
    total = sum(counts.values())
    lines = ["| wrong output bead | beads | share |", "|---|---|---|"]
    for kind, meaning in ERROR_KINDS.items():
        lines.append(f"| {meaning} | {counts[kind]} | {_ratio(counts[kind], total):.0%} |")
    return "\n".join(lines)


def pair_precision(gold_docs: Sequence[Sequence[GoldBead]], test_docs: Sequence[Sequence[GoldBead]]) -> Scores:
    """The scores of the output's pairs alone, its unaligned beads (1-0, 0-1) set aside.

    Precision counts every output bead, and an unaligned one can never be a lax hit where the gold
    pairs its segment: it overlaps no gold bead on both sides. Lax precision over the pairs alone
    tells how many of the pairs a corpus would keep are wrong outright, apart from that gap decision.
    """
    return score(gold_docs, [[bead for bead in test if bead[0] and bead[1]] for test in test_docs])


def format_pair_precision(scores: Scores) -> str:
    """One line on ``pair_precision``."""
    return (
        f"Pairs alone (unaligned output beads set aside): strict precision {scores.strict_precision:.3f}, "
        f"lax precision {scores.lax_precision:.3f} ({scores.lax_hits_precision} of {scores.test_beads} pairs "
        "share a sentence with a gold bead on each side)"
    )


# Confidence intervals. One Text+Berg document holds a few hundred beads, so a change of a
# point or two in F1 can be chance: the bootstrap says how far a score would move on other
# text of the same kind (Koehn 2004; sacrebleu's --confidence and paired bootstrap).
# Beads are not independent (a wrong border spoils two), so the unit resampled is a
# *region*: the stretch between two places where gold and every output compared put a
# border. A region's counts are its own, so the scores of the regions add up exactly to
# the pooled score.


@dataclass(frozen=True)
class Bootstrap:
    """Bootstrap intervals of pooled strict/lax F1; the ``*_change`` fields compare with a baseline."""

    samples: int
    regions: int  # resampling units over all documents
    confidence: float
    strict_f1: tuple[float, float]
    lax_f1: tuple[float, float]
    baseline_strict_f1: float | None = None
    baseline_lax_f1: float | None = None
    strict_f1_change: tuple[float, float] | None = None  # interval of (output − baseline)
    lax_f1_change: tuple[float, float] | None = None
    strict_f1_higher: float | None = None  # share of resamples where the output beats the baseline
    lax_f1_higher: float | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON types; the baseline fields only when there is a baseline."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items() if v is not None}


def _extents(beads: Sequence[GoldBead]) -> np.ndarray:
    """(first source, last source, first target, last target) per bead; -1 for an empty side."""

    def span(ids: tuple[int, ...]) -> tuple[int, int]:
        return (min(ids), max(ids)) if ids else (-1, -1)

    rows = [(*span(src), *span(tgt)) for src, tgt in beads if src or tgt]
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


def _borders_kept(extents: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Which cuts (source index, target index) leave every bead whole and on one side.

    Linear in the document (sweeps, not a beads × cuts table), so long documents fit.
    """
    a, b = cuts[:, 0], cuts[:, 1]
    size = int(max(extents.max(initial=0), cuts.max(initial=0))) + 2
    keep = np.ones(len(cuts), dtype=bool)
    for lo, hi, at in ((extents[:, 0], extents[:, 1], a), (extents[:, 2], extents[:, 3], b)):
        has = lo >= 0
        inside = np.zeros(size + 1, dtype=np.int64)  # beads with lo < position <= hi
        np.add.at(inside, lo[has] + 1, 1)
        np.add.at(inside, hi[has] + 1, -1)
        keep &= np.cumsum(inside)[at] == 0
    paired = (extents[:, 0] >= 0) & (extents[:, 2] >= 0)
    src_lo, tgt_lo = extents[paired, 0], extents[paired, 2]
    after = np.full(size + 1, np.iinfo(np.int64).max)  # least target start of pairs from source a on
    np.minimum.at(after, src_lo, tgt_lo)
    keep &= np.minimum.accumulate(after[::-1])[::-1][a] >= b
    before = np.full(size + 1, -1, dtype=np.int64)  # greatest target start of pairs before source a
    np.maximum.at(before, src_lo + 1, tgt_lo)
    keep &= np.maximum.accumulate(before)[a] < b
    return keep


def regions(gold: Sequence[GoldBead], *outputs: Sequence[GoldBead]) -> list[list[list[GoldBead]]]:
    """One document cut where gold and every output have a border: per region, its beads in each.

    Candidate cuts sit before each gold pair; a cut is kept when no bead of gold or of an
    output straddles it. Kept cuts are ordered alike on both sides, so a bead belongs to the
    region after the last cut at or before its first source (else first target) segment.
    """
    lists = [[bead for bead in _normalise(beads) if bead[0] or bead[1]] for beads in (gold, *outputs)]
    extents = [_extents(beads) for beads in lists]  # an empty bead counts nowhere
    cuts = np.array(sorted({(min(s), min(t)) for s, t in lists[0] if s and t}), dtype=np.int64).reshape(-1, 2)
    keep = np.ones(len(cuts), dtype=bool)
    for extent in extents:
        keep &= _borders_kept(extent, cuts)
    cuts = cuts[keep]
    grouped: list[list[list[GoldBead]]] = [[[] for _ in lists] for _ in range(len(cuts) + 1)]
    for k, (beads, extent) in enumerate(zip(lists, extents, strict=True)):
        by_source = np.searchsorted(cuts[:, 0], extent[:, 0], side="right")
        by_target = np.searchsorted(cuts[:, 1], extent[:, 2], side="right")
        for bead, at in zip(beads, np.where(extent[:, 0] >= 0, by_source, by_target).tolist(), strict=True):
            grouped[at][k].append(bead)
    return [region for region in grouped if any(region)]


def _f1_of_sums(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Strict and lax F1 of each row of summed ``_counts``."""

    def ratio(hits: np.ndarray, total: np.ndarray) -> np.ndarray:
        return np.divide(hits, total, out=np.zeros(len(hits)), where=total > 0)

    def f1(p: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.divide(2 * p * r, p + r, out=np.zeros(len(p)), where=p + r > 0)

    strict = f1(ratio(sums[:, 1], sums[:, 0]), ratio(sums[:, 4], sums[:, 3]))
    lax = f1(ratio(sums[:, 2], sums[:, 0]), ratio(sums[:, 5], sums[:, 3]))
    return strict, lax


def bootstrap(
    gold_docs: Sequence[Sequence[GoldBead]],
    test_docs: Sequence[Sequence[GoldBead]],
    baseline_docs: Sequence[Sequence[GoldBead]] | None = None,
    samples: int = 1000,
    confidence: float = 0.95,
    seed: int = 12345,
) -> Bootstrap:
    """Percentile intervals of strict/lax F1 over ``samples`` resamplings of the regions.

    With ``baseline_docs`` (another output for the same gold) the resampling is paired: each
    resample scores both outputs on the same regions, which gives the interval of the
    change and how often the output beats the baseline.
    """
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise AlignError(f"the number of bootstrap resamples must be a whole number, 1 or more, not {samples!r}")
    if not 0 < confidence < 1:
        raise AlignError(f"the confidence level must lie between 0 and 1, not {confidence!r}")
    documents = _documents(gold_docs, test_docs)
    baselines = None if baseline_docs is None else _documents(gold_docs, baseline_docs)
    counts: list[list[tuple[int, ...]]] = []
    for k, (gold, test) in enumerate(documents):
        outputs = [test] if baselines is None else [test, baselines[k][1]]
        for region in regions(gold, *outputs):
            counts.append([_counts(region[0], output) for output in region[1:]])
    if not counts:
        raise AlignError("nothing to resample: the gold and the output hold no beads")
    table = np.array(counts, dtype=np.float64)  # regions × outputs × 6 counts
    # each resample's counts: region weights (how often each region was drawn) times the
    # table, in chunks so that a long document's weights never fill memory
    rng, chance = np.random.default_rng(seed), np.full(len(table), 1 / len(table))
    sums = np.empty((samples, table.shape[1], table.shape[2]))
    chunk = max(1, 2_000_000 // len(table))
    for start in range(0, samples, chunk):
        weights = rng.multinomial(len(table), chance, size=min(chunk, samples - start))
        sums[start : start + len(weights)] = np.einsum("sr,roc->soc", weights, table)
    tail = (1 - confidence) / 2

    def interval(values: np.ndarray) -> tuple[float, float]:
        low, high = np.quantile(values, [tail, 1 - tail])
        return float(low), float(high)

    strict, lax = _f1_of_sums(sums[:, 0, :])
    result = Bootstrap(samples, len(table), confidence, interval(strict), interval(lax))
    if baselines is None:
        return result
    base = _scores_from(table[:, 1, :].sum(axis=0))
    base_strict, base_lax = _f1_of_sums(sums[:, 1, :])
    return replace(
        result,
        baseline_strict_f1=base.strict_f1,
        baseline_lax_f1=base.lax_f1,
        strict_f1_change=interval(strict - base_strict),
        lax_f1_change=interval(lax - base_lax),
        strict_f1_higher=float(np.mean(strict > base_strict)),
        lax_f1_higher=float(np.mean(lax > base_lax)),
    )


def format_bootstrap(result: Bootstrap, scores: Scores, digits: int = 3) -> str:
    """The intervals in words, with the point scores they belong to."""
    level = f"{result.confidence:.0%}"

    def span(low: float, high: float, signed: bool = False) -> str:
        form = f"{{:+.{digits}f}}" if signed else f"{{:.{digits}f}}"
        return f"{form.format(low)} to {form.format(high)}"

    lines = [
        f"{level} intervals, bootstrap over {result.regions} regions between shared borders "
        f"({result.samples} resamples):",
        f"- strict F1 {scores.strict_f1:.{digits}f} ({span(*result.strict_f1)})",
        f"- lax F1 {scores.lax_f1:.{digits}f} ({span(*result.lax_f1)})",
    ]
    if result.strict_f1_change is not None and result.lax_f1_change is not None:
        assert result.baseline_strict_f1 is not None and result.baseline_lax_f1 is not None
        assert result.strict_f1_higher is not None and result.lax_f1_higher is not None
        for name, point, base, change, higher in (
            ("strict", scores.strict_f1, result.baseline_strict_f1, result.strict_f1_change, result.strict_f1_higher),
            ("lax", scores.lax_f1, result.baseline_lax_f1, result.lax_f1_change, result.lax_f1_higher),
        ):
            lines.append(
                f"- {name} F1 change against the baseline ({base:.{digits}f}): {point - base:+.{digits}f} "
                f"({span(*change, signed=True)}); the output is higher in {higher:.1%} of resamples"
            )
    return "\n".join(lines)
