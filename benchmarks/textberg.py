"""Text+Berg (German–French) sentence-alignment benchmark.

Default: every test document through ``align run --presegmented DE FR`` (a fresh
embedding cache, so the figures are cold-cache), scored with ``align.evaluate.score``
exactly as the shared README defines it. Prints strict/lax P/R/F1, seconds per stage
and encoder work (characters sent to the encoder / characters of both inputs).

``--ablation``: switches the aligner's ideas off one at a time on ``dev/`` (the tuning
document) through the Python API and prints each idea's F1 gain, with the 95% interval of
that gain from a paired bootstrap (one document is a few hundred beads: a point is noise),
and its cost.

    python benchmarks/textberg.py [--split test|dev] [--ablation]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from align.aligner import AlignerConfig
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


ABLATIONS: dict[str, dict] = {
    "all ideas (default)": {},
    "− re-embedding plausible merges (second pass)": {"refine": False},
    "+ crossing check (join neighbouring pairs whose border content crosses; off: test .904)": {"crossing_gain": 0.02},
    "+ border cost inside a sentence (open bracket, lower-case start; off: test .889)": {"border_weight": 0.1},
    "− local margin (global chance level only)": {"local_margin_weight": 0.0},
    "− affine gap (every skip costs .03)": {"gap_extend_penalty": None},
    "− affine gap, flat skip cost .015 (session 1 default)": {"gap_extend_penalty": None, "skip_penalty": 0.015},
    "− repeat rule (repeats may merge, skipping them costs)": {"repeats": False},
    "− length prior": {"length_weight": 0.0},
    "+ Bertalign's multiplicative length factor": {"length_factor": 1.0},
    "− length cap (squared deviation counted up to 4)": {"length_cap": 4.0},
    "− beads beyond 1-2/2-1": {"shapes": ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1))},
    "− part check on merges": {"part_weight": 0.0},
    "+ leave-one-out check on re-embedded 1-n merges (weight 2)": {"leave_one_out_weight": 2.0},
    "− merge penalty": {"merge_penalty": 0.0},
    "+ lexical anchors (weight .05)": {"anchor_weight": 0.05},
    "+ skip cost from the best 1-1 gain (0.3×)": {"skip_weight": 0.3},
    "gap cost from the document's median best 1-1 gain (0.35×) instead of .03": {"skip_calibration": 0.35},
    "margin from the 4 nearest neighbours instead of the whole side": {"knn": 4, "pair_threshold": -0.06},
    "re-embedding budget .5× instead of .35× (the default until session 9)": {"refine_budget": 0.5},
    "re-embedding budget 1.0× instead of .35×": {"refine_budget": 1.0},
    "every merge window embedded (Vecalign/Bertalign-style work)": {"refine_budget": 100.0, "refine_delta": 100.0},
}


def run_ablation(split: str) -> None:
    from align.pipeline import Pipeline

    docs = documents(split)
    print(f"## Ablation on Text+Berg {split} (Python API, same cache for every row)\n")
    print("| configuration | strict F1 | Δ strict | Δ 95% interval | Δ > 0 in | lax F1 ", end="")
    print("| extra encoder chars / input | align s |")
    print("|---|---|---|---|---|---|---|---|")
    default: tuple[list[list[GoldBead]], Scores] | None = None  # the first row's beads and scores
    with tempfile.TemporaryDirectory() as tmp:
        for name, change in ABLATIONS.items():
            config = replace(AlignerConfig(), **change)
            pipeline = Pipeline(aligner_config=config, cache_dir=Path(tmp) / "cache")
            gold, test = [], []
            refined = input_chars = 0
            seconds = 0.0
            for base in docs:
                doc = pipeline.load(
                    base.with_suffix(".de"), base.with_suffix(".fr"),
                    src_lang="de", tgt_lang="fr", presegmented_input=True,
                )  # fmt: skip
                pipeline.encoder.encode([s.text for s in doc.source.segments + doc.target.segments])
                start = time.perf_counter()
                alignment = pipeline.align_document(doc)
                seconds += time.perf_counter() - start
                refined += pipeline.align_stats.refined_chars + pipeline.align_stats.crossing_chars
                input_chars += sum(len(s.text) for s in doc.source.segments + doc.target.segments)
                gold.append(read_bead_file(base.with_suffix(".defr")))
                test.append([(tuple(b.src_ids), tuple(b.tgt_ids)) for b in alignment.beads])
            pipeline.close()
            s = score(gold, test)
            if default is None:  # the first row: the default everything else is compared with
                default, delta = (test, s), "— | — | —"
            else:
                paired = bootstrap(gold, test, default[0])  # same resampled regions for both
                assert paired.strict_f1_change is not None
                low, high = paired.strict_f1_change
                delta = f"{s.strict_f1 - default[1].strict_f1:+.3f} | {low:+.3f} to {high:+.3f} "
                delta += f"| {paired.strict_f1_higher:.0%}"
            print(
                f"| {name} | {s.strict_f1:.3f} | {delta} | {s.lax_f1:.3f} "
                f"| {refined / input_chars:.2f} | {seconds:.1f} |"
            )
    print("\n(Δ: against the first row; interval and share of resamples where the row beats it from a paired")
    print("bootstrap, 1000 resamples of the stretches between shared borders; align s includes re-embedding")
    print("windows missing from the cache; noisy on a shared CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=["test", "dev"])
    parser.add_argument("--ablation", action="store_true", help="ablation table (use --split dev)")
    args = parser.parse_args()
    np.set_printoptions(precision=3)
    print(f"command: python benchmarks/textberg.py {' '.join(sys.argv[1:])}\n")
    if args.ablation:
        run_ablation(args.split)
    else:
        run_cli(args.split)


if __name__ == "__main__":
    main()
