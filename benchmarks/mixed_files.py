"""Mixed files: finding the two language blocks of one file holding a text and its translation.

Like the seed article (an English headline and lead above the German translation of the
whole article), built from real documents where the truth is known by construction:

* ``lead above``: the first 1, 2 or 3 English segments of a news document above its whole
  German translation (WMT20 en→de and WMT21 de→en news; 1, 2, 3 in turn);
* ``lead above, --src-lang en``: the same, with the source language given;
* ``German above English``: the whole German above the whole English;
* ``Text+Berg dev``: 20 German lines above 25 French lines, ten chunks of the dev document
  (OCR'd yearbook text with captions and lists of names).

``align.read.split_languages`` is right when it names both languages and puts exactly the
lines of each block on its side. Prints the share right per kind and the seconds spent,
times the split of one large mixed file (WMT20 en→de eight times over, English above German:
22,688 lines, 4.7 MB), and times ``align run`` on the seed article and on one news headline
given as two one-line files, whose languages are read closely (three processes each; the first
fills the embedding cache, the figure is the median).

    python benchmarks/mixed_files.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from align.errors import AlignError
from align.read import split_languages
from damage import DATA, DEEN, read_documents
from textberg import ALIGN

NEWS_FILES = ("wmt20_newstest2020_ende.tsv", "wmt21_newstest2021_deen.tsv")
SEED = Path(__file__).resolve().parents[1] / "corpora" / "putin_kim_vostochny_2023-09_en-de_deepl.txt"
TEXTBERG_DEV = DATA / "textberg" / "dev" / "dev"
Case = tuple[str, str, str | None, tuple[str, int, str, int]]  # kind, text, --src-lang, the right split


def cases() -> list[Case]:
    out: list[Case] = []
    for name in NEWS_FILES:
        for number, (_, beads) in enumerate(read_documents(DEEN / name)):
            english, german = [b[0][0] for b in beads], [b[1][0] for b in beads]
            lead = english[: 1 + number % 3]
            above = "\n".join([*lead, *german])
            out.append(("lead above", above, None, ("en", len(lead), "de", len(german))))
            out.append(("lead above, --src-lang en", above, "en", ("en", len(lead), "de", len(german))))
            whole = "\n".join([*german, *english])
            out.append(("German above English", whole, None, ("de", len(german), "en", len(english))))
    de = [line.strip() for line in TEXTBERG_DEV.with_suffix(".de").read_text(encoding="utf-8").split("\n")]
    fr = [line.strip() for line in TEXTBERG_DEV.with_suffix(".fr").read_text(encoding="utf-8").split("\n")]
    for start in range(0, 400, 40):
        upper = [line for line in de[start : start + 20] if line]
        lower = [line for line in fr[start : start + 25] if line]
        out.append(("Text+Berg dev", "\n".join(upper + lower), None, ("de", len(upper), "fr", len(lower))))
    return out


def main() -> None:
    print(f"command: python benchmarks/mixed_files.py {' '.join(sys.argv[1:])}\n")
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failed: list[str] = []
    start = time.perf_counter()
    for kind, text, src_lang, truth in cases():
        total[kind] += 1
        try:
            src, src_lines, tgt, tgt_lines = split_languages(text, src_lang)
            found: tuple[str, int, str, int] | str = (src, len(src_lines), tgt, len(tgt_lines))
        except AlignError as e:
            found = str(e)
        right[kind] += found == truth
        if found != truth and len(failed) < 20:
            failed.append(f"- {kind}: expected {truth}, got {found}")
    seconds = time.perf_counter() - start
    print("| mixed file | right | share |\n|---|---|---|")
    for kind in total:
        print(f"| {kind} | {right[kind]}/{total[kind]} | {right[kind] / total[kind]:.3f} |")
    print(f"| all | {sum(right.values())}/{sum(total.values())} | {sum(right.values()) / sum(total.values()):.3f} |")
    print(f"\n{seconds:.1f} s (Lingua's models loaded once)\n")
    print("\n".join(failed) or "no wrong split")
    print(f"\n`align run` on the seed article: {start_up_seconds(SEED):.1f} s a process (median of 3)")
    documents = read_documents(DEEN / NEWS_FILES[0])
    with tempfile.TemporaryDirectory() as tmp:
        (english, german), *_ = documents[0][1]  # the first document's headline
        headline = [Path(tmp, "headline.en"), Path(tmp, "headline.de")]
        for path, lines in zip(headline, (english, german), strict=True):
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        seconds = start_up_seconds(*headline)
    print(f"`align run` on a headline as two one-line files: {seconds:.1f} s a process (median of 3)")
    beads = [bead for _, doc in documents for bead in doc] * 8
    large = "\n".join([b[0][0] for b in beads] + [b[1][0] for b in beads])
    start = time.perf_counter()
    src, src_lines, tgt, tgt_lines = split_languages(large)
    right = (src, len(src_lines), tgt, len(tgt_lines)) == ("en", len(beads), "de", len(beads))
    print(
        f"a mixed file of {2 * len(beads):,} lines ({len(large) / 1e6:.1f} MB): split in "
        f"{time.perf_counter() - start:.1f} s, {'right' if right else 'WRONG'}"
    )


def start_up_seconds(*inputs: Path) -> float:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(3):
            start = time.perf_counter()
            cmd = [ALIGN, "run", *map(str, inputs), "-o", f"{tmp}/out{run}", "-q", "--cache-dir", f"{tmp}/cache"]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()
