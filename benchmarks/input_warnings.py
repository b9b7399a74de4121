"""The input warnings: files in the other side's language, and sides that are not translations.

Both warnings must name the broken inputs and stay silent on real translations.

**Languages** (``align.read.language_warnings``; no model needed). Every document of every
``deen/`` file with both sides (1,244), written as an English and a German file, is read
four ways: with the right ``--src-lang en --tgt-lang de``, with the languages detected,
with them swapped (``de``/``en``), and with the German given as French (a third language);
then the damaged news documents of ``deen_alignment.py`` (damage seed 0, one untranslated
segment among others, MT trailers) with the right languages, and Text+Berg dev
(German–French), also with its French given as English.

**Unrelated sides** (``align.pipeline.unrelated_sides_warning``; the bundled model). A
wrong pairing in a manifest (one article's English with another's German) still gives an
alignment: the DP pairs what is least unlike. The warning names a document where neither
side has ``MIN_TRANSLATED_SHARE`` of its content sentences in pairs scoring at least
``CLEAR_PAIR_SCORE`` above chance. Measured on the news documents of ``deen_alignment.py``'s
three files (WMT20, WMT21, TED; four segments or more), each

* ``as published``: the English and its German translation;
* ``damaged``: ``damage.py``'s damage (seed 0): split, merged, dropped, duplicated,
  untranslated sentences, MT trailers;
* ``excerpt``: the English with only the first third of its German (at least 2 segments);
* ``another document's German``: drawn at random (seed 0) from the same file;

and on Text+Berg dev and the WMT24 paragraph set (``paragraphs.py``), real translations of
other genres.

    python benchmarks/input_warnings.py [--limit N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from align.flags import FlagConfig
from align.model import Alignment
from align.pipeline import (
    CLEAR_PAIR_SCORE,
    MIN_TRANSLATED_SHARE,
    Pipeline,
    clearly_paired,
    unrelated_sides_warning,
)
from align.read import load_document
from damage import DATA, DEEN, damaged_documents, read_documents
from paragraphs import DEFAULT_FILES as PARAGRAPH_FILES
from paragraphs import read_paragraph_documents

NEWS_FILES = ("wmt20_newstest2020_ende.tsv", "wmt21_newstest2021_deen.tsv", "ted_wmt21_ende_from_mqm.tsv")
TEXTBERG_DEV = DATA / "textberg" / "dev" / "dev"
UNRELATED_KINDS = (
    "as published", "damaged", "excerpt", "another document's German", "Text+Berg dev", "WMT24 paragraphs",
)  # fmt: skip


def deen_files() -> list[Path]:
    """The deen/ files with English and German segments (not the metadata tables)."""
    return [p for p in sorted(DEEN.glob("*.tsv")) if "metadata" not in p.name and "domains" not in p.name]


def language_rows(limit: int | None) -> list[tuple[str, int, int]]:
    """(reading, documents, documents named) for each way of reading the files."""
    named: Counter[str] = Counter()
    counted: Counter[str] = Counter()
    readings = {
        "right languages": ("en", "de"), "languages detected": (None, None), "languages swapped": ("de", "en"),
        "the German given as French": ("en", "fr"),
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        en_path, de_path = Path(tmp) / "doc.en", Path(tmp) / "doc.de"

        def read(reading: str, src: Path, tgt: Path, langs: tuple[str | None, str | None], **options) -> None:
            counted[reading] += 1
            named[reading] += bool(load_document(src, tgt, src_lang=langs[0], tgt_lang=langs[1], **options).warnings)

        for tsv in deen_files():
            for _, beads in read_documents(tsv)[:limit]:
                en_path.write_text("\n".join(s for src, _ in beads for s in src) + "\n", encoding="utf-8")
                de_path.write_text("\n".join(t for _, tgt in beads for t in tgt) + "\n", encoding="utf-8")
                for reading, langs in readings.items():
                    read(f"deen/, {reading}", en_path, de_path, langs)
        for name in NEWS_FILES:
            for doc in damaged_documents(DEEN / name, seed=0, limit=limit):
                en_path.write_text("\n".join(doc.src_segments) + "\n", encoding="utf-8")
                de_path.write_text("\n".join(doc.tgt_segments) + "\n", encoding="utf-8")
                read("damaged news (seed 0), right languages", en_path, de_path, ("en", "de"), presegmented_input=True)
    if TEXTBERG_DEV.with_suffix(".de").exists():
        de, fr = TEXTBERG_DEV.with_suffix(".de"), TEXTBERG_DEV.with_suffix(".fr")
        read("Text+Berg dev, de / fr", de, fr, ("de", "fr"), presegmented_input=True)
        read("Text+Berg dev, the French given as English", de, fr, ("de", "en"), presegmented_input=True)
    return [(reading, counted[reading], named[reading]) for reading in counted]


def translated_share(alignment: Alignment) -> float:
    """The larger of the two sides' shares of content sentences in clearly-above-chance pairs."""
    src_paired, tgt_paired = clearly_paired(alignment.beads)
    return max(src_paired / len(alignment.src_content_ids), tgt_paired / len(alignment.tgt_content_ids))


def unrelated_results(limit: int | None) -> dict[str, list[tuple[float, bool]]]:
    """(share, named by the warning) per document, by kind of document."""
    pipeline = Pipeline(flag_config=FlagConfig(enabled=frozenset()))  # the flags play no part: off, for speed
    results: dict[str, list[tuple[float, bool]]] = {kind: [] for kind in UNRELATED_KINDS}

    def judge(kind: str, alignment: Alignment) -> None:
        n, m = len(alignment.src_content_ids), len(alignment.tgt_content_ids)
        results[kind].append((translated_share(alignment), bool(unrelated_sides_warning(alignment.beads, n, m))))

    rng = random.Random(0)
    for name in NEWS_FILES:
        docs = [(doc_id, beads) for doc_id, beads in read_documents(DEEN / name) if len(beads) >= 4][:limit]
        for k, (doc_id, beads) in enumerate(docs):
            en = [s for src, _ in beads for s in src]
            de = [t for _, tgt in beads for t in tgt]
            other = docs[(k + 1 + rng.randrange(len(docs) - 1)) % len(docs)][1]
            variants = {
                "as published": de,
                "excerpt": de[: max(2, len(de) // 3)],
                "another document's German": [t for _, tgt in other for t in tgt],
            }
            for kind, target in variants.items():
                judge(kind, pipeline.align_segments(en, target, src_lang="en", tgt_lang="de", doc_id=doc_id))
        for doc in damaged_documents(DEEN / name, seed=0, limit=limit):
            judge("damaged", pipeline.align_segments(doc.src_segments, doc.tgt_segments, src_lang="en", tgt_lang="de"))
    if TEXTBERG_DEV.with_suffix(".de").exists():
        de, fr = TEXTBERG_DEV.with_suffix(".de"), TEXTBERG_DEV.with_suffix(".fr")
        doc = pipeline.load(de, fr, src_lang="de", tgt_lang="fr", presegmented_input=True)
        judge("Text+Berg dev", pipeline.align_document(doc))
    for name in PARAGRAPH_FILES:
        for doc in read_paragraph_documents(DEEN / name, limit):
            judge(
                "WMT24 paragraphs",
                pipeline.align_segments(doc.src_segments, doc.tgt_segments, src_lang="en", tgt_lang="de"),
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="documents per file")
    args = parser.parse_args()
    print(f"command: python benchmarks/input_warnings.py {' '.join(sys.argv[1:])}\n")

    started = time.perf_counter()
    print("Languages: documents whose files the language warning names.\n")
    print("| documents | count | named |")
    print("|---|---|---|")
    for reading, count, named in language_rows(args.limit):
        print(f"| {reading} | {count} | {named} |")
    print(f"\n{time.perf_counter() - started:.0f} s\n")

    started = time.perf_counter()
    results = unrelated_results(args.limit)
    print(
        f"Unrelated sides: the share of the better side's content sentences in pairs scoring ≥ {CLEAR_PAIR_SCORE} "
        f"above chance; the warning names a document below {MIN_TRANSLATED_SHARE} (sides of 3 sentences or more).\n"
    )
    print("| documents | count | lowest share | 5th percentile | median | highest | named |")
    print("|---|---|---|---|---|---|---|")
    for kind in UNRELATED_KINDS:
        shares = sorted(share for share, _ in results[kind])
        if not shares:
            continue
        named = sum(warned for _, warned in results[kind])
        pct, median = shares[int(0.05 * (len(shares) - 1))], shares[len(shares) // 2]
        print(
            f"| {kind} | {len(shares)} | {shares[0]:.3f} | {pct:.3f} | {median:.3f} | {shares[-1]:.3f} "
            f"| {named} of {len(shares)} |"
        )
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
