"""Check ``vecalign_algorithm.py`` against Vecalign's own code: the same beads, document by document.

Vecalign's code (Thompson & Koehn 2019, Apache-2.0) reads embedding files written by its own
scripts; the ``sentalign`` package (Apache-2.0) wraps the same DP code with an encoder argument,
so it can take our encoder and embedding cache. It is not a dependency of align:

    pip install sentalign==0.3.0
    python benchmarks/vecalign_check.py [--sets dev,news,paragraphs,short] [--cache DIR] [--max-size 4]

For each tuning set it prints the documents whose beads are the same in both and the strict /
lax F1 of each (never the test documents).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ablation import ALL_SETS, LOADERS
from align.evaluate import GoldBead, score
from align.flags import FlagConfig
from align.pipeline import Pipeline
from vecalign_algorithm import VecalignSettings, vecalign


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(ALL_SETS), help="comma-separated: dev, news, paragraphs, short")
    parser.add_argument("--cache", default=None, help="embedding cache directory to reuse (default: a fresh one)")
    parser.add_argument("--max-size", type=int, default=4, help="Vecalign's alignment_max_size (its default: 4)")
    args = parser.parse_args()
    try:
        from sentalign import sentalign
    except ImportError:
        sys.exit("this check needs Vecalign's code: pip install sentalign==0.3.0")
    # its sparse DP casts infinite costs outside the documents to integers, harmlessly, with a warning each time
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="sentalign")
    sets = [name.strip() for name in args.sets.split(",") if name.strip()]
    if not sets or any(name not in LOADERS for name in sets):
        sys.exit(f"unknown tuning set in {args.sets!r}; choose from {', '.join(ALL_SETS)}")
    settings = VecalignSettings(max_size=args.max_size)
    print(f"command: python benchmarks/vecalign_check.py {' '.join(sys.argv[1:])}\n")
    print("| set | documents with the same beads | Vecalign's code: strict / lax F1 | ours: strict / lax F1 |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = Pipeline(flag_config=FlagConfig(enabled=frozenset()), cache_dir=args.cache or Path(tmp) / "cache")

        def encode(texts: Sequence[str]) -> np.ndarray:
            return np.asarray(pipeline.encoder.encode(list(texts)), dtype=np.float32)

        for name in sets:
            docs = list(LOADERS[name]())
            gold: list[list[GoldBead]] = []
            original: list[list[GoldBead]] = []
            ours: list[list[GoldBead]] = []
            for doc in docs:
                result = sentalign(doc.src, doc.tgt, encode, alignment_max_size=args.max_size)
                original.append([(tuple(b.src_indices), tuple(b.tgt_indices)) for b in result.alignments])
                ours.append(vecalign(doc.src, doc.tgt, encode, settings)[0])
                gold.append(doc.gold)
            same = sum(a == b for a, b in zip(original, ours, strict=True))
            cells = []
            for beads in (original, ours):
                scores = score(gold, [doc.scored(b) for doc, b in zip(docs, beads, strict=True)])
                cells.append(f"{scores.strict_f1:.3f} / {scores.lax_f1:.3f}")
            print(f"| {name} | {same} of {len(docs)} | {cells[0]} | {cells[1]} |", flush=True)
        pipeline.close()


if __name__ == "__main__":
    main()
