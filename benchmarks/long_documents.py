"""Long-document benchmark: two synthetic 50,000-sentence documents, banded DP.

The vectors are synthetic (no model): each source sentence is a random unit vector in
897 dimensions, the default encoder's (e5-small's 384, USE's 512 and one constant; ``--dim 384``
for e5 alone); its translation is the same vector plus noise, so cosines look like the
bundled model's (true pairs ~.9, unrelated pairs ~.8 after adding a shared component).
The target side gets the damage real translations have: merged pairs (2-1, 1-2),
dropped and inserted sentences. Measures the alignment call itself: seconds, peak RSS
of the process (psutil) and the accuracy against the known gold.

    python benchmarks/long_documents.py [--sentences 50000] [--dim 897]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import numpy as np
import psutil

from align.aligner import AlignerConfig, AlignStats, align_vectors
from align.evaluate import score


def synthetic_pair(n: int, seed: int = 0, dim: int = 384):
    """(src vecs, tgt vecs, src lens, tgt lens, gold beads) with ~5% n-m and ~2% unaligned beads."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=dim)
    shared /= np.linalg.norm(shared)
    meaning = rng.normal(size=(n, dim)).astype(np.float32)
    meaning /= np.linalg.norm(meaning, axis=1, keepdims=True)
    src_lens = rng.integers(20, 200, size=n).astype(np.float64)
    src_vecs: list[np.ndarray] = []
    tgt_vecs: list[np.ndarray] = []
    tgt_lens: list[float] = []
    gold = []
    i = 0
    while i < n:
        roll = rng.random()
        s0, t0 = i, len(tgt_vecs)
        if roll < 0.025 and i + 1 < n:  # 2-1: two source sentences, one target
            tgt_vecs.append(meaning[i] * src_lens[i] + meaning[i + 1] * src_lens[i + 1])
            tgt_lens.append(src_lens[i] + src_lens[i + 1])
            gold.append(((s0, s0 + 1), (t0,)))
            i += 2
            continue
        if roll < 0.05:  # 1-2: the target splits the sentence
            half = meaning[i] + 0.3 * rng.normal(size=dim) / np.sqrt(dim)
            tgt_vecs += [half, meaning[i] + 0.3 * rng.normal(size=dim) / np.sqrt(dim)]
            tgt_lens += [src_lens[i] / 2, src_lens[i] / 2]
            gold.append(((s0,), (t0, t0 + 1)))
        elif roll < 0.06:  # 1-0: dropped in translation
            gold.append(((s0,), ()))
        elif roll < 0.07:  # 0-1: an inserted target sentence, then the 1-1
            tgt_vecs.append(rng.normal(size=dim))
            tgt_lens.append(float(rng.integers(20, 200)))
            tgt_vecs.append(meaning[i])
            tgt_lens.append(src_lens[i] * 1.1)
            gold += [((), (t0,)), ((s0,), (t0 + 1,))]
        else:
            tgt_vecs.append(meaning[i])
            tgt_lens.append(src_lens[i] * 1.1)
            gold.append(((s0,), (t0,)))
        i += 1

    def finish(vecs: np.ndarray, noise: float) -> np.ndarray:
        vecs = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = vecs + noise * rng.normal(size=vecs.shape) / np.sqrt(dim) + 2.0 * shared
        return (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)

    src = finish(meaning.copy(), 0.4)
    tgt = finish(np.array(tgt_vecs), 0.4)
    del src_vecs
    return src, tgt, src_lens, np.array(tgt_lens), gold


class PeakRss:
    """Samples the process RSS every 20 ms in a thread; ``peak`` is the highest seen."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=50_000)
    parser.add_argument("--dim", type=int, default=897, help="vector dimensions (default: the default encoder's)")
    args = parser.parse_args()
    print(f"command: python benchmarks/long_documents.py {' '.join(sys.argv[1:])}\n")
    # warm the JIT on a small pair so compile time is not counted as DP time
    small = synthetic_pair(300, seed=1, dim=args.dim)
    align_vectors(small[0], small[1], small[2], small[3], 0.8, AlignerConfig(max_full_cells=10_000))
    src, tgt, src_lens, tgt_lens, gold = synthetic_pair(args.sentences, dim=args.dim)
    stats = AlignStats()
    before = psutil.Process().memory_info().rss
    with PeakRss() as rss:
        start = time.perf_counter()
        beads = align_vectors(src, tgt, src_lens, tgt_lens, 0.8, AlignerConfig(), stats=stats)
        seconds = time.perf_counter() - start
    s = score([gold], [[(b.src, b.tgt) for b in beads]])
    print(
        "| source sentences | target sentences | DP cells (band) | align seconds | peak RSS | RSS before | strict F1 |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {len(src):,} | {len(tgt):,} | {stats.cells:,} ({'banded' if stats.banded else 'full'}) | {seconds:.1f} "
        f"| {rss.peak / 2**30:.2f} GiB | {before / 2**30:.2f} GiB | {s.strict_f1:.3f} |"
    )


if __name__ == "__main__":
    main()
