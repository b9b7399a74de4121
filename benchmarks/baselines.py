"""Bertalign's algorithm with the bundled model, against ours, on the four tuning sets.

The issue's author ran Bertalign's own code with the bundled model on Text+Berg test (.909
strict / .989 lax, 463 s). This script reimplements its algorithm (Liu & Zhu 2022,
"Bertalign: Improved word embedding-based sentence alignment for Chinese–English parallel
corpora of literary texts"; the defaults of its code) so that it can be compared with ours
on the sets the aligner is tuned on, which the one published figure does not cover:

1. **Every window is embedded**: the joined text of 1 to ``max_align`` − 1 consecutive
   segments ending at each segment, on both sides (about 10× the input for the default 5).
2. **First pass, 1-1 anchors**: each source segment's ``top_k`` (3) most similar target
   segments; a DP over 1-1 / 1-0 / 0-1 where a 1-1 earns its cosine if the target is among
   those and skips cost nothing, in a band of max(250, 6% of the longer side) around the
   diagonal.
3. **Second pass, n-m beads**: a DP over every bead of at most ``max_align`` segments (both
   sides together) inside a window of ``win`` (5) segments around the anchors' path. A pair
   earns its cosine less the mean cosine of each side's window with the single segments just
   outside the other side's window (the margin), times log2(1 + short/long) of the two UTF-8
   lengths (the target's scaled by the document's length ratio); a skipped segment costs .1.

Both aligners get the same encoder (with the embedding cache) and the same segments; the
sets come from ``ablation.py`` (never the test documents). Each row gives strict / lax F1,
the change of strict F1 from our aligner with its 95% interval from a paired bootstrap, the
characters embedded over the input's, and the seconds spent aligning (embedding included for
Bertalign, whose windows are not cached by an earlier run unless ``--cache`` names one).

    python benchmarks/baselines.py [--sets dev,news,paragraphs,short] [--cache DIR] [--max-align 5]

``--textberg-test`` instead aligns Text+Berg test with Bertalign's algorithm alone and scores
it, to check this reimplementation against the issue author's figure for Bertalign's own code;
our aligner's output is not scored (its test figure is ``textberg.py``'s, and every look at
test is listed in docs/aligner_log.md).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ablation import ALL_SETS, LOADERS, SetRun, TuningDoc, cell, run_set, textberg_docs
from align.evaluate import ERROR_KINDS, GoldBead, bootstrap, error_breakdown, format_bootstrap, score
from align.flags import FlagConfig
from align.pipeline import Pipeline

Encode = Callable[[Sequence[str]], np.ndarray]
Sims = dict[tuple[int, int], np.ndarray]  # (source window size, target window size) → cosines


@dataclass(frozen=True)
class BertalignSettings:
    """The defaults of Bertalign's code."""

    max_align: int = 5  # a bead holds at most this many segments, both sides together
    top_k: int = 3
    win: int = 5
    skip: float = -0.1
    first_min_window: int = 250
    first_window_share: float = 0.06


def windows(segments: Sequence[str], size: int) -> list[str]:
    """The text of the ``size`` segments ending at each segment ("PAD" where fewer precede it)."""
    lines = [s.strip() or "BLANK_LINE" for s in segments]
    return ["PAD" if end + 1 < size else " ".join(lines[end + 1 - size : end + 1]) for end in range(len(lines))]


class Side:
    """One side's window vectors and UTF-8 lengths: ``vectors[k][i]`` is the window of k + 1
    segments ending at segment i."""

    def __init__(self, segments: Sequence[str], sizes: int, encode: Encode) -> None:
        texts = [windows(segments, k + 1) for k in range(sizes)]
        flat = [t for layer in texts for t in layer]
        self.chars = sum(len(t) for t in flat)
        vectors = encode(flat) if flat else np.zeros((0, 1), dtype=np.float32)
        self.vectors = vectors.reshape(sizes, len(segments), -1)
        self.lengths = np.array([[len(t.encode("utf-8")) for t in layer] for layer in texts], dtype=float)


def first_pass(src: Side, tgt: Side, settings: BertalignSettings) -> list[tuple[int, int]]:
    """The 1-1 anchors (1-based end positions) of the best path over 1-1 / 1-0 / 0-1."""
    n, m = src.vectors.shape[1], tgt.vectors.shape[1]
    sims = src.vectors[0] @ tgt.vectors[0].T
    k = min(settings.top_k, m)
    top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    earned = np.zeros((n, m))
    rows = np.arange(n)[:, None]
    earned[rows, top] = sims[rows, top]
    width = max(settings.first_min_window, int(max(n, m) * settings.first_window_share))
    lows = [max(0, int(m / n * i) - width) for i in range(n + 1)]
    highs = [min(int(m / n * i) + width, m) for i in range(n + 1)]
    cost = np.full((n + 1, m + 1), -np.inf)
    move = np.zeros((n + 1, m + 1), dtype=np.int8)  # 0: 0-1, 1: 1-0, 2: 1-1
    cost[0, 0] = 0.0
    for i in range(n + 1):
        for j in range(lows[i], highs[i] + 1):
            if i + j == 0:
                continue
            best, best_move = -np.inf, 0
            for number, (di, dj) in enumerate(((0, 1), (1, 0), (1, 1))):
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0 or not lows[pi] <= pj <= highs[pi]:
                    continue
                value = cost[pi, pj] + (earned[i - 1, j - 1] if number == 2 else 0.0)
                if value > best:
                    best, best_move = value, number
            cost[i, j], move[i, j] = best, best_move
    anchors, i, j = [], n, m
    while i or j:
        number = int(move[i, j])
        if number == 2:
            anchors.append((i, j))
        i, j = i - (number != 0), j - (number != 1)
    return anchors[::-1]


def second_band(anchors: list[tuple[int, int]], n: int, m: int, win: int) -> list[tuple[int, int]]:
    """Each row's range of target positions: a window of ``win`` around the anchors' path."""
    path = list(anchors) or [(n, m)]
    if path[-1][0] != n:  # the path must end in the corner
        if path[-1][1] == m:
            path.pop()
        path.append((n, m))
    elif path[-1][1] != m:
        path[-1] = (n, m)
    band, previous = [], (0, 0)
    for src_end, tgt_end in path:
        row = (max(0, previous[1] - win), min(m, tgt_end + win))
        band += [row] * (src_end - previous[0])
        previous = (src_end, tgt_end)
    return [band[0] if band else (0, m), *band]


def second_pass(src: Side, tgt: Side, anchors: list[tuple[int, int]], settings: BertalignSettings) -> list[GoldBead]:
    n, m = src.vectors.shape[1], tgt.vectors.shape[1]
    sizes = src.vectors.shape[0]
    most = settings.max_align  # 1-0, 0-1, and every a-b with a + b <= most, in the order of Bertalign's code
    shapes = [(0, 1), (1, 0)] + [(a, b) for a in range(1, most) for b in range(1, most) if a + b <= most]
    # cosines of every source window with every target window, and with the single segments
    layers = range(1, sizes + 1)
    sims: Sims = {(a, b): src.vectors[a - 1] @ tgt.vectors[b - 1].T for a in layers for b in layers}
    ratio = src.lengths[0].sum() / max(tgt.lengths[0].sum(), 1.0)
    band = second_band(anchors, n, m, settings.win)
    cost = np.full((n + 1, m + 1), -np.inf)
    move = np.full((n + 1, m + 1), -1, dtype=np.int16)
    cost[0, 0] = 0.0
    for i in range(n + 1):
        for j in range(band[i][0], band[i][1] + 1):
            if i + j == 0:
                continue
            best, best_move = -np.inf, -1
            for number, (a, b) in enumerate(shapes):
                pi, pj = i - a, j - b
                if pi < 0 or pj < 0 or not band[pi][0] <= pj <= band[pi][1]:
                    continue
                gain = settings.skip if a == 0 or b == 0 else _pair_gain(sims, src, tgt, i, j, a, b, n, m, ratio)
                if cost[pi, pj] + gain > best:
                    best, best_move = cost[pi, pj] + gain, number
            cost[i, j], move[i, j] = best, best_move
    beads, i, j = [], n, m
    while i or j:
        a, b = shapes[move[i, j]]
        beads.append((tuple(range(i - a, i)), tuple(range(j - b, j))))
        i, j = i - a, j - b
    return beads[::-1]


def _neighbours(row: np.ndarray, left: int, right: int, length: int) -> float:
    """Mean cosine with the single segments at 1-based positions left and right (where they exist)."""
    values = [row[p - 1] for p in (left, right) if 0 < p <= length]
    return sum(values) / len(values) if values else 0.0


def _pair_gain(sims: Sims, src: Side, tgt: Side, i: int, j: int, a: int, b: int, n: int, m: int, ratio: float) -> float:
    cosine = sims[a, b][i - 1, j - 1]
    margin = (_neighbours(sims[a, 1][i - 1], j - b, j + 1, m) + _neighbours(sims[1, b][:, j - 1], i - a, i + 1, n)) / 2
    src_length, tgt_length = src.lengths[a - 1, i - 1], tgt.lengths[b - 1, j - 1] * ratio
    return (cosine - margin) * math.log2(1 + min(src_length, tgt_length) / max(src_length, tgt_length, 1e-9))


def bertalign(
    src: Sequence[str], tgt: Sequence[str], encode: Encode, settings: BertalignSettings
) -> tuple[list[GoldBead], int]:
    """Bertalign's beads for two segment lists, and the characters it embedded."""
    if not src or not tgt:
        return [((i,), ()) for i in range(len(src))] + [((), (j,)) for j in range(len(tgt))], 0
    sizes = settings.max_align - 1
    source, target = Side(src, sizes, encode), Side(tgt, sizes, encode)
    anchors = first_pass(source, target, settings)
    return second_pass(source, target, anchors, settings), source.chars + target.chars


def run_bertalign(docs: list[TuningDoc], encode: Encode, settings: BertalignSettings) -> SetRun:
    """Bertalign's beads for every document, scored as ``ablation.run_set`` scores ours."""
    gold, test = [], []
    chars = input_chars = 0
    seconds = 0.0
    for doc in docs:
        start = time.perf_counter()
        beads, embedded = bertalign(doc.src, doc.tgt, encode, settings)
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
    parser.add_argument("--cache", default=None, help="embedding cache directory to reuse (default: a fresh one)")
    parser.add_argument("--max-align", type=int, default=5, help="Bertalign's max_align (its code's default: 5)")
    parser.add_argument("--textberg-test", action="store_true", help="Bertalign's algorithm alone on Text+Berg test")
    args = parser.parse_args()
    sets = [name.strip() for name in args.sets.split(",") if name.strip()]
    unknown = [name for name in sets if name not in LOADERS]
    if unknown or not sets:
        sys.exit(f"unknown tuning set {unknown[0] if unknown else '(none)'}; choose from {', '.join(ALL_SETS)}")
    if args.max_align < 2:
        sys.exit("--max-align must be at least 2 (a 1-1 bead)")
    settings = BertalignSettings(max_align=args.max_align)
    print(f"command: python benchmarks/baselines.py {' '.join(sys.argv[1:])}\n")
    if args.textberg_test:
        check_on_textberg_test(settings, args.cache)
        return
    print("| set | aligner | strict / lax F1 (Δ strict from ours; 95% interval) | encoder chars / input | align s |")
    print("|---|---|---|---|---|")
    errors: dict[str, Counter[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(args.cache) if args.cache else Path(tmp) / "cache"
        pipeline = Pipeline(flag_config=FlagConfig(enabled=frozenset()), cache_dir=cache)
        for name in sets:
            docs = list(LOADERS[name]())
            ours = run_set(docs, pipeline)
            print(
                f"| {name} | ours | {cell(ours, None)} | {encoder_work(ours):.2f} | {ours.align_seconds:.0f} |",
                flush=True,
            )
            theirs = run_bertalign(docs, pipeline.encoder.encode, settings)
            print(
                f"| {name} | Bertalign's algorithm, max_align {settings.max_align} | {cell(theirs, ours)} "
                f"| {encoder_work(theirs):.2f} | {theirs.align_seconds:.0f} |",
                flush=True,
            )
            errors[f"{name}: ours"] = error_breakdown(ours.gold, ours.test)
            errors[f"{name}: Bertalign"] = error_breakdown(theirs.gold, theirs.test)
        pipeline.close()
    print("\n(Δ: Bertalign's strict F1 less ours; the interval comes from a paired bootstrap, 1000 resamples of the")
    print("stretches between borders that gold and both outputs share. Encoder chars: what each aligner sent to the")
    print("encoder, segments included, over the characters of both sides. Our align s excludes the first embedding of")
    print("the segments; Bertalign's includes all of its embedding that the cache did not hold.)")
    print("\nWhere the wrong output beads are (`align eval --errors`):\n")
    print("| wrong output bead | " + " | ".join(errors) + " |")
    print("|---" * (len(errors) + 1) + "|")
    for kind, meaning in ERROR_KINDS.items():
        print(f"| {meaning} | " + " | ".join(str(counts[kind]) for counts in errors.values()) + " |")
    print("| all | " + " | ".join(str(sum(counts.values())) for counts in errors.values()) + " |")


def check_on_textberg_test(settings: BertalignSettings, cache_dir: str | None) -> None:
    docs = list(textberg_docs("test"))
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = Pipeline(flag_config=FlagConfig(enabled=frozenset()), cache_dir=cache_dir or Path(tmp) / "cache")
        run = run_bertalign(docs, pipeline.encoder.encode, settings)
        pipeline.close()
    scores = run.scores
    print(f"Text+Berg test ({len(docs)} documents), Bertalign's algorithm, max_align {settings.max_align}:")
    print(f"strict F1 {scores.strict_f1:.3f} (P {scores.strict_precision:.3f}, R {scores.strict_recall:.3f}), ", end="")
    print(f"lax F1 {scores.lax_f1:.3f}; encoder work {encoder_work(run):.2f}×; {run.align_seconds:.0f} s")
    print(format_bootstrap(bootstrap(run.gold, run.test), scores))


if __name__ == "__main__":
    main()
