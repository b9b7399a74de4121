"""Do the two sides look like translations of each other? The "unrelated sides" warning.

A wrong pairing in a manifest (one article's English with another's German) still gives an
alignment: the DP pairs what is least unlike. ``align.pipeline.unrelated_sides_warning``
names such documents: fewer than ``MIN_TRANSLATED_SHARE`` of the sentences of either side
are in pairs scoring at least ``CLEAR_PAIR_SCORE`` above chance. This script measures that
share, and how many documents the warning names, on four kinds of German–English news
document built from ``deen/`` (WMT20, WMT21, TED; documents of four segments or more):

* ``right``: the English and its German translation, as published;
* ``damaged``: the same with ``damage.py``'s damage (seed 0): split, merged, dropped,
  duplicated, untranslated sentences, MT trailers;
* ``excerpt``: the English with only the first third of its German (at least 2 segments);
* ``unrelated``: the English with the German of another document of the same file
  (drawn at random, seed 0).

The first three must never be named, the last always. Text+Berg dev (German–French) and
the WMT24 paragraph set (``paragraphs.py``; real translations of other genres) are
reported as extra rows of real translations.

    python benchmarks/unrelated.py [--limit N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from align.flags import FlagConfig
from align.model import Alignment
from align.pipeline import CLEAR_PAIR_SCORE, MIN_TRANSLATED_SHARE, Pipeline, unrelated_sides_warning
from damage import DATA, DEEN, damaged_documents, read_documents
from paragraphs import DEFAULT_FILES as PARAGRAPH_FILES
from paragraphs import read_paragraph_documents

NEWS_FILES = ("wmt20_newstest2020_ende.tsv", "wmt21_newstest2021_deen.tsv", "ted_wmt21_ende_from_mqm.tsv")
KINDS = ("right", "damaged", "excerpt", "unrelated", "Text+Berg dev", "WMT24 paragraphs")


def translated_share(alignment: Alignment) -> float:
    """The larger of the two sides' shares of content sentences in clearly-above-chance pairs."""
    clear = [b for b in alignment.beads if b.is_pair and b.score >= CLEAR_PAIR_SCORE]
    n, m = len(alignment.src_content_ids), len(alignment.tgt_content_ids)
    return max(sum(len(b.src_ids) for b in clear) / n, sum(len(b.tgt_ids) for b in clear) / m)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="news documents per file")
    args = parser.parse_args()
    print(f"command: python benchmarks/unrelated.py {' '.join(sys.argv[1:])}\n")
    # the flags play no part in the warning: switched off for speed
    pipeline = Pipeline(flag_config=FlagConfig(enabled=frozenset()))
    results: dict[str, list[tuple[float, bool]]] = {kind: [] for kind in KINDS}

    def judge(kind: str, alignment: Alignment) -> None:
        n, m = len(alignment.src_content_ids), len(alignment.tgt_content_ids)
        results[kind].append((translated_share(alignment), bool(unrelated_sides_warning(alignment.beads, n, m))))

    started = time.perf_counter()
    rng = random.Random(0)
    for name in NEWS_FILES:
        docs = [(doc_id, beads) for doc_id, beads in read_documents(DEEN / name) if len(beads) >= 4][: args.limit]
        for k, (doc_id, beads) in enumerate(docs):
            en = [s for src, _ in beads for s in src]
            de = [t for _, tgt in beads for t in tgt]
            other = docs[(k + 1 + rng.randrange(len(docs) - 1)) % len(docs)][1]
            variants = {
                "right": de,
                "excerpt": de[: max(2, len(de) // 3)],
                "unrelated": [t for _, tgt in other for t in tgt],
            }
            for kind, target in variants.items():
                judge(kind, pipeline.align_segments(en, target, src_lang="en", tgt_lang="de", doc_id=doc_id))
        for doc in damaged_documents(DEEN / name, seed=0, limit=args.limit):
            aligned = pipeline.align_segments(doc.src_segments, doc.tgt_segments, src_lang="en", tgt_lang="de")
            judge("damaged", aligned)
    dev = DATA / "textberg" / "dev" / "dev"
    if dev.with_suffix(".de").exists():
        doc = pipeline.load(
            dev.with_suffix(".de"), dev.with_suffix(".fr"), src_lang="de", tgt_lang="fr", presegmented_input=True
        )
        judge("Text+Berg dev", pipeline.align_document(doc))
    for name in PARAGRAPH_FILES:
        for paragraphs in read_paragraph_documents(DEEN / name, args.limit):
            aligned = pipeline.align_segments(
                paragraphs.src_segments, paragraphs.tgt_segments, src_lang="en", tgt_lang="de"
            )
            judge("WMT24 paragraphs", aligned)
    seconds = time.perf_counter() - started

    print(
        f"Share of the better side's content sentences in pairs scoring ≥ {CLEAR_PAIR_SCORE} above chance; "
        f"the warning names a document below {MIN_TRANSLATED_SHARE} (sides of 3 sentences or more).\n"
    )
    print("| documents | count | lowest share | 5th percentile | median | highest | named by the warning |")
    print("|---|---|---|---|---|---|---|")
    for kind in KINDS:
        shares = sorted(share for share, _ in results[kind])
        if not shares:
            continue
        named = sum(warned for _, warned in results[kind])
        pct = shares[int(0.05 * (len(shares) - 1))]
        median = shares[len(shares) // 2]
        print(
            f"| {kind} | {len(shares)} | {shares[0]:.3f} | {pct:.3f} | {median:.3f} | {shares[-1]:.3f} "
            f"| {named} of {len(shares)} |"
        )
    print(f"\n{seconds:.0f} s")


if __name__ == "__main__":
    main()
