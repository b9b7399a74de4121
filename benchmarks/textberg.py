"""Text+Berg (German–French) sentence-alignment benchmark.

Default: every test document through ``align run --presegmented DE FR`` (a fresh
embedding cache, so the figures are cold-cache), scored with ``align.evaluate.score``
exactly as the shared README defines it. Prints strict/lax P/R/F1, seconds per stage
and encoder work (characters sent to the encoder / characters of both inputs).

What each of the aligner's ideas is worth: ``ablation.py`` (on dev and the two other
tuning sets, never on test).

    python benchmarks/textberg.py [--split test|dev]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from align.evaluate import (
    GoldBead,
    Scores,
    beads_from_jsonl,
    bootstrap,
    error_breakdown,
    format_bootstrap,
    format_breakdown,
    format_scores,
    read_bead_file,
    score,
)

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "textberg"
# the `align` command of this interpreter's environment, so the venv need not be activated
_VENV_ALIGN = Path(sys.executable).with_name("align")
ALIGN = str(_VENV_ALIGN) if _VENV_ALIGN.exists() else "align"


def documents(split: str) -> list[Path]:
    """Base paths (without .de/.fr/.defr) of the documents of one split."""
    folder = DATA / split
    if not folder.exists():
        sys.exit(f"Text+Berg data not found: {folder}")
    return sorted(p.with_suffix("") for p in folder.glob("*.defr"))


def run_cli(split: str) -> None:
    docs = documents(split)
    gold: list[list[GoldBead]] = []
    test: list[list[GoldBead]] = []
    stages: dict[str, float] = {}
    encoder_chars = input_chars = 0
    wall = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, ALIGN_CACHE_DIR=str(Path(tmp) / "cache"))
        for base in docs:
            out = Path(tmp) / base.name
            de, fr = base.with_suffix(".de"), base.with_suffix(".fr")
            cmd = [ALIGN, "run", "--presegmented", str(de), str(fr), "-o", str(out), "-q"]
            cmd += ["--src-lang", "de", "--tgt-lang", "fr"]
            start = time.perf_counter()
            subprocess.run(cmd, check=True, env=env)
            wall += time.perf_counter() - start
            summary = json.loads((out / "summary.json").read_text())
            for stage, seconds in summary["seconds"].items():
                stages[stage] = stages.get(stage, 0.0) + seconds
            encoder_chars += summary["encoder"]["chars"]
            input_chars += len(de.read_text(encoding="utf-8")) + len(fr.read_text(encoding="utf-8"))
            gold.append(read_bead_file(base.with_suffix(".defr")))
            test.append(next(iter(beads_from_jsonl(out / "alignments.jsonl").values())))
    scores = score(gold, test)
    print(f"## Text+Berg {split} ({len(docs)} documents), `align run --presegmented DE FR`, cold cache\n")
    print(scores_table(scores))
    print("\n" + format_bootstrap(bootstrap(gold, test), scores))
    print("\nWhere the errors are (every output bead that is not a gold bead):\n")
    print(format_breakdown(error_breakdown(gold, test)))
    print("\n| stage | seconds (sum over documents) |\n|---|---|")
    for stage, seconds in stages.items():
        print(f"| {stage} | {seconds:.1f} |")
    print(f"| wall clock, all `align run` processes | {wall:.1f} |")
    print(f"\nencoder work: {encoder_chars:,} chars / {input_chars:,} input chars = {encoder_chars / input_chars:.2f}×")


def scores_table(scores: Scores) -> str:
    return format_scores(scores, digits=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=["test", "dev"])
    args = parser.parse_args()
    np.set_printoptions(precision=3)
    print(f"command: python benchmarks/textberg.py {' '.join(sys.argv[1:])}\n")
    run_cli(args.split)


if __name__ == "__main__":
    main()
