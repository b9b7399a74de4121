"""German–English alignment on damaged real news (gold known by construction, see damage.py).

English source, German target, one line per translator segment (1-1 gold), then damaged
on one side at a time (splits, merges, drops, duplicates, untranslated copies, MT
trailers), so every gold bead is known by construction. Aligned with the
bundled model through ``Pipeline.align_segments``; scored with ``align.evaluate.score``,
with 95% bootstrap intervals. The aligner was tuned on Text+Berg dev and on ``--seed 0``
damage (at first of the first 15 WMT20 and WMT21 documents, later of all documents of the
three files, see ``ablation.py``); reported figures use ``--seed 1`` (other damage of the
same articles).

    python benchmarks/deen_alignment.py [--limit N] [--seed 0] [FILE ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from align.evaluate import bootstrap, format_bootstrap, score
from align.pipeline import Pipeline
from damage import DEEN, damaged_documents

DEFAULT_FILES = ("wmt20_newstest2020_ende.tsv", "wmt21_newstest2021_deen.tsv", "ted_wmt21_ende_from_mqm.tsv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=list(DEFAULT_FILES))
    parser.add_argument("--limit", type=int, default=None, help="documents per file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"command: python benchmarks/deen_alignment.py {' '.join(sys.argv[1:])}\n")
    pipeline = Pipeline()
    print("| file | docs | gold beads | damage | strict P | strict R | strict F1 | lax F1 | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    all_gold, all_test = [], []
    for name in args.files:
        path = Path(name) if Path(name).exists() else DEEN / name
        docs = damaged_documents(path, seed=args.seed, limit=args.limit)
        start = time.perf_counter()
        gold, test = [], []
        for doc in docs:
            alignment = pipeline.align_segments(
                doc.src_segments, doc.tgt_segments, src_lang="en", tgt_lang="de", doc_id=doc.doc_id
            )
            gold.append(doc.gold)
            test.append([(tuple(b.src_ids), tuple(b.tgt_ids)) for b in alignment.beads])
        seconds = time.perf_counter() - start
        s = score(gold, test)
        damage = Counter(d["type"] for doc in docs for d in doc.damage)
        print(
            f"| {path.name} | {len(docs)} | {sum(len(g) for g in gold)} | {sum(damage.values())} "
            f"| {s.strict_precision:.3f} | {s.strict_recall:.3f} | {s.strict_f1:.3f} | {s.lax_f1:.3f} | {seconds:.0f} |"
        )
        all_gold += gold
        all_test += test
    s = score(all_gold, all_test)
    print(f"| **all** | {len(all_gold)} | | | {s.strict_precision:.3f} | {s.strict_recall:.3f} | **{s.strict_f1:.3f}** "
          f"| {s.lax_f1:.3f} | |")  # fmt: skip
    print("\n" + format_bootstrap(bootstrap(all_gold, all_test), s))
    pipeline.close()


if __name__ == "__main__":
    main()
