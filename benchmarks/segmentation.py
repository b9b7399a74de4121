"""Sentence segmentation benchmark: accuracy on the German golden cases and on our own
English/German rule classes, and speed in MB/s.

    python benchmarks/segmentation.py            # everything
    python benchmarks/segmentation.py --no-speed # accuracy only

Accuracy: `../shared/data/segmentation/golden_de.jsonl` (35 cases). A case passes when
the segments equal the expected `sentences` after whitespace normalisation. Two
normalisations are reported: "space-collapsed" (every whitespace run → one space, the
issue's comparison) and "space-free" (all whitespace removed). The second exists because
one expected sentence inserts a space the input does not have ("z.B." → "z. B."); our
segments are exact slices of the input, so they never add one. The rule classes are the
examples in tests/test_segment.py (RULE_CASES), one row per class.

Speed: every English and German segment of the deen/ TSV files, joined with newlines
(one text per file and language), segmented end to end; best of three runs. The machine
may be shared, so treat the figure as a lower bound.
"""

from __future__ import annotations

import argparse
import collections
import csv
import importlib.util
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import punkt.data
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from align.segment import PUNKT_LANGUAGES, segment

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
GOLDEN_DE = DATA / "segmentation" / "golden_de.jsonl"
SPEED_FILES = [
    "deen/wmt20_newstest2020_ende.tsv",
    "deen/wmt20_newstest2020_deen.tsv",
    "deen/wmt21_newstest2021_deen.tsv",
    "deen/flores200_devtest_deen.tsv",
    "deen/wmt24_generaltest2024_ende_paragraphs.tsv",
]

Splitter = Callable[[str, str, bool], list[str]]


def plain_punkt(lang: str) -> PunktSentenceTokenizer:
    """Punkt with only the bundled parameters: the baseline."""
    bundled = punkt.data.load_bundled(PUNKT_LANGUAGES.get(lang, "english"))
    params = PunktParameters()
    params.abbrev_types = set(bundled.abbrev_types)
    params.collocations = set(bundled.collocations)
    params.sent_starters = set(bundled.sent_starters)
    params.ortho_context = collections.defaultdict(int, bundled.ortho_context)
    return PunktSentenceTokenizer(params)


def ours(rejoin_pdf: bool) -> Splitter:
    def split(text: str, lang: str, is_pdf: bool) -> list[str]:
        return [s.text for s in segment(text, lang, rejoin=True if (rejoin_pdf and is_pdf) else None)]

    return split


def punkt_baseline(text: str, lang: str, is_pdf: bool) -> list[str]:
    """Plain Punkt over the whole text, as a user of NLTK would call it."""
    return plain_punkt(lang).tokenize(text)


def collapsed(sentences: list[str]) -> list[str]:
    return [" ".join(s.split()) for s in sentences]


def space_free(sentences: list[str]) -> list[str]:
    return ["".join(s.split()) for s in sentences]


def golden_scores(split: Splitter, cases: list[dict]) -> tuple[int, int, list[str]]:
    strict = loose = 0
    failed = []
    for case in cases:
        got = split(case["text"], "de", case["set"].startswith("DE_PDF"))
        strict += collapsed(got) == collapsed(case["sentences"])
        ok = space_free(got) == space_free(case["sentences"])
        loose += ok
        if not ok:
            failed.append(case["text"][:70].replace("\n", "\\n"))
    return strict, loose, failed


def load_rule_cases() -> dict[str, list[tuple[str, str, list[str]]]]:
    sys.path.insert(0, str(ROOT / "tests"))  # the test module imports its conftest
    spec = importlib.util.spec_from_file_location("test_segment", ROOT / "tests" / "test_segment.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RULE_CASES


def accuracy() -> None:
    if not GOLDEN_DE.exists():
        print(f"(skipped German golden cases: {GOLDEN_DE} not found)\n")
    else:
        cases = [json.loads(line) for line in GOLDEN_DE.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [
            ("align segment (default: auto-detected rejoining)", ours(rejoin_pdf=False)),
            ("align segment, rejoin=True on the DE_PDF set", ours(rejoin_pdf=True)),
            ("plain NLTK Punkt (bundled German parameters)", punkt_baseline),
        ]
        print(f"### German golden cases ({len(cases)})\n")
        print("| splitter | space-collapsed | space-free |")
        print("|---|---|---|")
        failures: dict[str, list[str]] = {}
        for name, split in rows:
            strict, loose, failed = golden_scores(split, cases)
            failures[name] = failed
            print(f"| {name} | {strict}/{len(cases)} | {loose}/{len(cases)} |")
        print()
        for name, failed in failures.items():
            if failed and not name.startswith("plain"):
                print(f"{name} fails: " + "; ".join(failed))
        print()

    rule_cases = load_rule_cases()
    print("### Rule classes (our examples, tests/test_segment.py)\n")
    print("| class | languages | align segment | plain Punkt |")
    print("|---|---|---|---|")
    totals = [0, 0, 0]
    for name, examples in rule_cases.items():
        ok_ours = sum([s.text for s in segment(text, lang)] == expected for lang, text, expected in examples)
        ok_punkt = sum(punkt_baseline(text, lang, False) == expected for lang, text, expected in examples)
        langs = "/".join(sorted({lang for lang, _, _ in examples}))
        print(f"| {name} | {langs} | {ok_ours}/{len(examples)} | {ok_punkt}/{len(examples)} |")
        totals = [totals[0] + ok_ours, totals[1] + ok_punkt, totals[2] + len(examples)]
    print(f"| **all** | | **{totals[0]}/{totals[2]}** | {totals[1]}/{totals[2]} |\n")


def speed() -> None:
    texts: dict[str, list[str]] = {"en": [], "de": []}
    for name in SPEED_FILES:
        path = DATA / name
        if not path.exists():
            continue
        frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE)
        for lang in texts:
            texts[lang].append("\n".join(frame[lang].astype(str)))
    if not texts["en"]:
        print(f"(skipped speed: no deen/ files under {DATA})")
        return
    print(f"### Speed (best of 3; {platform.processor() or platform.machine()}, shared CPU)\n")
    print("| language | MB | align segment MB/s | plain Punkt MB/s | segments |")
    print("|---|---|---|---|---|")
    for lang, parts in texts.items():
        size = sum(len(t.encode("utf-8")) for t in parts) / 1e6
        segment(parts[0][:2000], lang)  # build the tokenizer outside the timing
        tokenizer = plain_punkt(lang)
        best_ours = best_punkt = float("inf")
        count = 0
        for _ in range(3):
            start = time.perf_counter()
            count = sum(len(segment(t, lang)) for t in parts)
            best_ours = min(best_ours, time.perf_counter() - start)
            start = time.perf_counter()
            for t in parts:
                list(tokenizer.span_tokenize(t))
            best_punkt = min(best_punkt, time.perf_counter() - start)
        print(f"| {lang} | {size:.2f} | {size / best_ours:.2f} | {size / best_punkt:.2f} | {count} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-speed", action="store_true", help="accuracy only")
    args = parser.parse_args()
    accuracy()
    if not args.no_speed:
        speed()
    print("command: python " + " ".join(["benchmarks/segmentation.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
