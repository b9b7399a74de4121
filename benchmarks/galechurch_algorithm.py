"""Gale & Church's length-based aligner (1993, "A program for aligning sentences in bilingual
corpora"; the C program printed in the paper), for ``baselines.py``.

No embedding at all: a bead's cost is −100·log of the chance that texts of these character
lengths are translations, 2·(1 − Φ(|z|)) with z = (c·l₁ − l₂) / √(s²·(l₁ + l₂/c) / 2), c = 1 and
s² = 6.8, plus a penalty for the shape from its frequency in the Canadian Hansard (1-1 none,
2-1 / 1-2 230, 2-2 440, 1-0 / 0-1 450); a full DP over those six shapes finds the cheapest
path. Hunalign without a dictionary starts from the same length score, so this row shows what
a length-only aligner gets on our sets, i.e. what the embeddings add.

Φ is the program's own polynomial, and 1 − Φ(|z|) is taken as it takes it: beyond |z| ≈ 8 it
rounds to 0 and the bead costs a flat 2,500 (``BIG_DISTANCE``), so a badly matched pair stays
cheaper than two skips. NLTK's ``nltk.translate.gale_church`` is not used: its logarithm of that
0 fails, and it makes such a pair cost infinity, so its DP leaves far more segments out (dev
.482 strict against .622 here, measured in session 32 with a wrapper that is not kept).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from align.evaluate import GoldBead
from baseline_parts import Encode, traced

EXPANSION = 1.0  # c: target characters per source character
VARIANCE = 6.8  # s²
BIG_DISTANCE = 2500
PENALTIES = {(1, 1): 0, (1, 0): 450, (0, 1): 450, (2, 1): 230, (1, 2): 230, (2, 2): 440}


def normal_cdf(z: float) -> float:
    """Φ(z) for z ≥ 0 by the program's polynomial (Abramowitz & Stegun 26.2.17)."""
    t = 1 / (1 + 0.2316419 * z)
    tail = ((((1.330274429 * t - 1.821255978) * t + 1.781477937) * t - 0.356563782) * t + 0.319381530) * t
    return 1 - 0.3989423 * math.exp(-z * z / 2) * tail


def length_cost(source: int, target: int) -> int:
    """The program's ``match``: −100·log P(|z|) for texts of these lengths, truncated to an integer."""
    if source == 0 and target == 0:
        return 0
    mean = (source + target / EXPANSION) / 2
    z = abs(EXPANSION * source - target) / math.sqrt(VARIANCE * mean)
    probability = 2 * (1 - normal_cdf(z))
    return int(-100 * math.log(probability)) if probability > 0 else BIG_DISTANCE


def galechurch(src: Sequence[str], tgt: Sequence[str], encode: Encode) -> tuple[list[GoldBead], int]:
    """Gale & Church's beads for two segment lists; it embeds nothing (``encode`` is unused)."""
    del encode
    n, m = len(src), len(tgt)
    src_lengths, tgt_lengths = [len(s) for s in src], [len(t) for t in tgt]
    total = [[math.inf] * (m + 1) for _ in range(n + 1)]
    choice = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    total[0][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            for (a, b), penalty in PENALTIES.items():
                if (i, j) == (0, 0) or a > i or b > j:
                    continue
                cost = length_cost(sum(src_lengths[i - a : i]), sum(tgt_lengths[j - b : j])) + penalty
                if total[i - a][j - b] + cost < total[i][j]:
                    total[i][j], choice[i][j] = total[i - a][j - b] + cost, (a, b)
    return traced(n, m, lambda i, j: choice[i][j]), 0
