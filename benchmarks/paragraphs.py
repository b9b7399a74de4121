"""German–English alignment where translators merged and split sentences themselves (no damage).

WMT24's English–German general test set is aligned by paragraph, in two independent
human translations (``deen/wmt24_generaltest2024_ende_paragraphs{,.refB}.tsv``). Each
paragraph is split into sentences on both sides (our splitter) and each document is
aligned as one run of sentences, paragraph borders unknown to the aligner.

* **Gold by construction**: a paragraph with one sentence on either side is one gold bead
  (1-1, or the 1-n / n-1 merge the translator made). Strict/lax P/R/F1 count the gold
  beads and every output bead that touches such a paragraph (``align.evaluate.score``).
* **Certain errors elsewhere**: in a paragraph with several sentences on both sides the
  sentence alignment is unknown, but a bead that crosses a paragraph border is wrong, and
  so, almost always, is a sentence left unaligned (a human translation drops nothing).

This is the mirror image of the damaged news (``deen_alignment.py``), where dropped
sentences must be left out: here a short sentence the translator folded into its
neighbour must be paired. A tuning set of the aligner since session 13 (DEVELOPERS.md).

    python benchmarks/paragraphs.py [--limit N] [FILE ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from align.evaluate import GoldBead, bootstrap, format_bootstrap, score
from align.pipeline import Pipeline
from damage import DEEN, read_documents, sentences

DEFAULT_FILES = ("wmt24_generaltest2024_ende_paragraphs.tsv", "wmt24_generaltest2024_ende_paragraphs.refB.tsv")


@dataclass
class ParagraphDoc:
    doc_id: str
    src_segments: list[str]
    tgt_segments: list[str]
    src_paragraph: list[int]  # the paragraph of each source segment
    tgt_paragraph: list[int]
    certain: list[bool]  # per paragraph: one sentence on a side, so its gold bead is known
    gold: list[GoldBead]  # the beads of the certain paragraphs


def read_paragraph_documents(tsv: Path, limit: int | None = None) -> list[ParagraphDoc]:
    """The documents of one paragraph-aligned file, each paragraph split into sentences."""
    docs = []
    for doc_id, rows in read_documents(tsv)[:limit]:  # a row: ([English paragraph], [German paragraph])
        doc = ParagraphDoc(doc_id, [], [], [], [], [], [])
        for number, ([en], [de]) in enumerate(rows):
            src, tgt = sentences(en, "en"), sentences(de, "de")
            src_ids = tuple(range(len(doc.src_segments), len(doc.src_segments) + len(src)))
            tgt_ids = tuple(range(len(doc.tgt_segments), len(doc.tgt_segments) + len(tgt)))
            doc.src_segments += src
            doc.tgt_segments += tgt
            doc.src_paragraph += [number] * len(src)
            doc.tgt_paragraph += [number] * len(tgt)
            doc.certain.append(len(src) == 1 or len(tgt) == 1)
            if doc.certain[-1]:
                doc.gold.append((src_ids, tgt_ids))
        docs.append(doc)
    return docs


@dataclass
class Judged:
    scored: list[GoldBead]  # output beads that touch a certain paragraph
    crossing: int  # beads with segments of two paragraphs
    unaligned: int  # unaligned segments (of all paragraphs)
    beads: int


def judge(doc: ParagraphDoc, beads: list[GoldBead]) -> Judged:
    scored, crossing, unaligned = [], 0, 0
    for src, tgt in beads:
        paragraphs = {doc.src_paragraph[i] for i in src} | {doc.tgt_paragraph[j] for j in tgt}
        crossing += len(paragraphs) > 1
        unaligned += not (src and tgt)
        if any(doc.certain[p] for p in paragraphs):
            scored.append((src, tgt))
    return Judged(scored, crossing, unaligned, len(beads))


def merge_recall(gold_docs: list[list[GoldBead]], test_docs: list[list[GoldBead]]) -> tuple[int, int]:
    """(found, total) of the gold beads that are merges (1-n / n-1)."""
    found = total = 0
    for gold, test in zip(gold_docs, test_docs, strict=True):
        output = set(test)
        for bead in gold:
            if len(bead[0]) + len(bead[1]) > 2:
                total += 1
                found += bead in output
    return found, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=list(DEFAULT_FILES))
    parser.add_argument("--limit", type=int, default=None, help="documents per file")
    args = parser.parse_args()
    print(f"command: python benchmarks/paragraphs.py {' '.join(sys.argv[1:])}\n")
    pipeline = Pipeline()
    print("| file | docs | paragraphs (certain) | gold merges found | strict F1 | lax F1 "
          "| border-crossing beads | unaligned segments | seconds |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    all_gold, all_test = [], []
    for name in args.files:
        path = Path(name) if Path(name).exists() else DEEN / name
        docs = read_paragraph_documents(path, args.limit)
        start = time.perf_counter()
        judged = []
        for doc in docs:
            alignment = pipeline.align_segments(
                doc.src_segments, doc.tgt_segments, src_lang="en", tgt_lang="de", doc_id=doc.doc_id
            )
            judged.append(judge(doc, [(tuple(b.src_ids), tuple(b.tgt_ids)) for b in alignment.beads]))
        seconds = time.perf_counter() - start
        gold, test = [doc.gold for doc in docs], [j.scored for j in judged]
        s = score(gold, test)
        found, merges = merge_recall(gold, test)
        segments = sum(len(d.src_segments) + len(d.tgt_segments) for d in docs)
        paragraphs, certain = sum(len(d.certain) for d in docs), sum(sum(d.certain) for d in docs)
        print(
            f"| {path.name} | {len(docs)} | {paragraphs} ({certain}) "
            f"| {found} of {merges} | {s.strict_f1:.3f} | {s.lax_f1:.3f} | {sum(j.crossing for j in judged)} of "
            f"{sum(j.beads for j in judged)} | {sum(j.unaligned for j in judged)} of {segments} | {seconds:.0f} |"
        )
        all_gold += gold
        all_test += test
    s = score(all_gold, all_test)
    found, merges = merge_recall(all_gold, all_test)
    print(f"\nall files: strict P/R/F1 {s.strict_precision:.3f}/{s.strict_recall:.3f}/**{s.strict_f1:.3f}**, "
          f"lax F1 {s.lax_f1:.3f}, gold merges found {found} of {merges}")  # fmt: skip
    print("\n" + format_bootstrap(bootstrap(all_gold, all_test), s))
    pipeline.close()


if __name__ == "__main__":
    main()
