"""sentence-transformers encoding throughput (sentences/s) on the chosen device.

Encodes the Text+Berg test sentences (German and French, ~2,000) with a
sentence-transformers model — by default the bundled model written as a local
directory (align.bundled_st) — at batch 256, after one warm-up batch, and prints the
device's name. Meant for a GPU (half precision there); on a CPU it runs too.

    python benchmarks/st_throughput.py [--model PATH] [--device auto] [--batch-size 256] [--repeat 3] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from align.bundled_st import ensure_bundled_model_dir
from align.embed import SentenceTransformerEncoder

REPO = Path(__file__).resolve().parents[1]
TEXTBERG = REPO / ".." / "shared" / "data" / "textberg" / "test"
COMMAND = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])


def device_name(device: str) -> str:
    import platform

    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="default: the bundled model as a sentence-transformers directory")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over all sentences (best is reported)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N sentences (0: all)")
    args = parser.parse_args()
    if not TEXTBERG.exists():
        print(f"Text+Berg data not found under {TEXTBERG}", file=sys.stderr)
        return 2
    texts = [
        line.strip()
        for path in sorted(TEXTBERG.glob("test*.de")) + sorted(TEXTBERG.glob("test*.fr"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    texts = texts[: args.limit] if args.limit else texts
    model = args.model or str(ensure_bundled_model_dir())
    encoder = SentenceTransformerEncoder(model, batch_size=args.batch_size, device=args.device)
    encoder.encode(texts[: args.batch_size])  # warm-up: kernels, allocator
    best = float("inf")
    for _ in range(args.repeat):
        if encoder.device.startswith("cuda"):
            import torch

            torch.cuda.synchronize()
        start = time.perf_counter()
        encoder.encode(texts)
        best = min(best, time.perf_counter() - start)
    print(f"Command: `{COMMAND}`\n")
    print("| model | device | precision | batch | sentences | best of | seconds | sentences/s |")
    print("|---|---|---|---|---|---|---|---|")
    precision = "fp16" if encoder.half_precision else "fp32"
    print(
        f"| {Path(model).name} | {device_name(encoder.device)} | {precision} | {args.batch_size} | {len(texts)} "
        f"| {args.repeat} | {best:.2f} | {len(texts) / best:.0f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
