"""Short documents: two to four lines a side, where the aligner has little context.

FLORES-200 devtest (``deen/flores200_devtest_deen.tsv``, English → German) holds 281
Wikinews, Wikivoyage and Wikibooks articles of one to six sentences each, translated line by
line. Each article is cut into consecutive windows of two, three or four lines (a window
never spans two articles), and each window becomes one short document in several forms
whose gold is known by construction:

* ``2 lines`` / ``3 lines`` / ``4 lines``: as translated, every line a 1-1 bead;
* ``2 lines, source joined`` / ``target joined``: one side's two lines are one segment, so
  the whole document is one 1-2 / 2-1 bead;
* ``3 lines, borders crossing``: English [e1, e2 e3], German [d1 d2, d3], so the whole
  document is one 2-2 bead that no smaller bead can replace;
* ``3 lines, middle target dropped``: the German of the middle line is missing, so it is
  1-1, 1-0, 1-1;
* ``2 lines, first target dropped`` / ``2 lines, second source dropped`` / ``3 lines, middle
  source dropped`` (since session 29): one line without its translation on either side;
  the document's own length ratio then favours the merge that takes the line in;
* since session 30, the counterweight to the dropped lines: two lines one side joined inside
  a longer document (``3 lines, first two sources joined`` / ``last two targets joined``,
  ``4 lines, middle targets joined`` / ``middle sources joined``: a translator's 2-1 that
  must not be taken apart), and four-line documents with a line dropped (``4 lines, second
  target dropped`` / ``third source dropped``).

A real case: short articles, product texts, abstracts, a headline and its lead. It tests
what the margin of a bead does where a document has almost no sentences next to it.
FLORES is used by no other alignment benchmark here and tuned nothing before session 28.

``--flags`` also runs the flags and counts, per form, the dropped lines named by an
``omission`` (source) or ``addition`` (target) flag, and such flags on lines that have their
translation.

    python benchmarks/short_documents.py [--limit N] [--aligner NAME=VALUE ...] [--flags]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable

from align.aligner import AlignerConfig, parse_option
from align.evaluate import GoldBead, bootstrap, format_bootstrap, score
from align.flags import FlagConfig
from align.model import Flag
from align.pipeline import Pipeline
from damage import DEEN, read_documents

FLORES = DEEN / "flores200_devtest_deen.tsv"
Lines = list[tuple[str, str]]  # (English, German) per line of a window
ShortDoc = tuple[list[str], list[str], list[GoldBead]]


def as_translated(lines: Lines) -> ShortDoc:
    return [en for en, _ in lines], [de for _, de in lines], [((k,), (k,)) for k in range(len(lines))]


def target_dropped(k: int) -> Callable[[Lines], ShortDoc]:
    """German line k missing: English line k is a 1-0 bead, every other line a 1-1."""

    def form(lines: Lines) -> ShortDoc:
        kept = [p for p in range(len(lines)) if p != k]
        gold = [((p,), (kept.index(p),) if p != k else ()) for p in range(len(lines))]
        return [en for en, _ in lines], [lines[p][1] for p in kept], gold

    return form


def target_joined(start: int, stop: int | None = None) -> Callable[[Lines], ShortDoc]:
    """German lines start..stop-1 (to the end: the whole document) as one segment, a 1-n bead."""

    def form(lines: Lines) -> ShortDoc:
        end = len(lines) if stop is None else stop
        german = [de for _, de in lines]
        target = [*german[:start], " ".join(german[start:end]), *german[end:]]
        shift = end - start - 1  # German lines after the joined one move up by this many
        gold = [((p,), (p,)) for p in range(start)] + [(tuple(range(start, end)), (start,))]
        gold += [((p,), (p - shift,)) for p in range(end, len(lines))]
        return [en for en, _ in lines], target, gold

    return form


def mirrored(form: Callable[[Lines], ShortDoc]) -> Callable[[Lines], ShortDoc]:
    """The same form with the sides' roles swapped: an English line dropped or joined."""

    def swapped(lines: Lines) -> ShortDoc:
        german, english, gold = form([(de, en) for en, de in lines])
        return english, german, [(tgt, src) for src, tgt in gold]

    return swapped


def borders_crossing(lines: Lines) -> ShortDoc:
    (e1, d1), (e2, d2), (e3, d3) = lines
    return [e1, f"{e2} {e3}"], [f"{d1} {d2}", d3], [((0, 1), (0, 1))]


FORMS: tuple[tuple[str, int, Callable[[Lines], ShortDoc]], ...] = (
    ("2 lines", 2, as_translated),
    ("2 lines, source joined", 2, mirrored(target_joined(0))),
    ("2 lines, target joined", 2, target_joined(0)),
    ("3 lines", 3, as_translated),
    ("3 lines, borders crossing", 3, borders_crossing),
    ("3 lines, middle target dropped", 3, target_dropped(1)),
    ("2 lines, first target dropped", 2, target_dropped(0)),
    ("2 lines, second source dropped", 2, mirrored(target_dropped(1))),
    ("3 lines, middle source dropped", 3, mirrored(target_dropped(1))),
    # since session 30: lines joined inside a longer document, and four-line documents
    ("3 lines, first two sources joined", 3, mirrored(target_joined(0, 2))),
    ("3 lines, last two targets joined", 3, target_joined(1, 3)),
    ("4 lines", 4, as_translated),
    ("4 lines, second target dropped", 4, target_dropped(1)),
    ("4 lines, third source dropped", 4, mirrored(target_dropped(2))),
    ("4 lines, middle targets joined", 4, target_joined(1, 3)),
    ("4 lines, middle sources joined", 4, mirrored(target_joined(1, 3))),
)


def documents_right(gold: list[list[GoldBead]], test: list[list[GoldBead]]) -> int:
    """Documents whose output beads are exactly their gold beads."""
    return sum(sorted(g) == sorted(t) for g, t in zip(gold, test, strict=True))


def documents(size: int, form: Callable[[Lines], ShortDoc], limit: int | None = None) -> list[ShortDoc]:
    """Every window of ``size`` lines as a short document in one form."""
    return [form(lines) for lines in windows(size, limit)]


def windows(size: int, limit: int | None) -> list[Lines]:
    """Consecutive, non-overlapping windows of ``size`` lines within each article."""
    out: list[Lines] = []
    for _, beads in read_documents(FLORES)[:limit]:
        lines = [(en[0], de[0]) for en, de in beads]
        out += [lines[k : k + size] for k in range(0, len(lines) - size + 1, size)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="articles read (default: all 281)")
    parser.add_argument("--aligner", action="append", default=[], metavar="NAME=VALUE", help="an aligner setting")
    parser.add_argument("--flags", action="store_true", help="also count omission/addition flags")
    args = parser.parse_args()
    config = AlignerConfig().with_options(**dict(parse_option(option) for option in args.aligner))
    print(f"command: python benchmarks/short_documents.py {' '.join(sys.argv[1:])}\n")
    # without --flags only the beads are scored, so no flags are computed
    flag_config = FlagConfig() if args.flags else FlagConfig(enabled=frozenset())
    pipeline = Pipeline(aligner_config=config, flag_config=flag_config)
    flag_rows = []
    print("| form | documents | gold beads | documents right | strict F1 | lax F1 | seconds |")
    print("|---|---|---|---|---|---|---|")
    all_gold, all_test = [], []
    for name, size, form in FORMS:
        start = time.perf_counter()
        gold, test = [], []
        flagged = Counter()
        for src, tgt, beads in documents(size, form, args.limit):
            alignment = pipeline.align_segments(src, tgt, src_lang="en", tgt_lang="de")
            gold.append(beads)
            test.append([(tuple(b.src_ids), tuple(b.tgt_ids)) for b in alignment.beads])
            flagged.update(gap_flags(beads, alignment.flags))
        seconds = time.perf_counter() - start
        flag_rows.append((name, flagged))
        right = documents_right(gold, test)
        s = score(gold, test)
        print(
            f"| {name} | {len(gold)} | {sum(len(g) for g in gold)} | {right} "
            f"| {s.strict_f1:.3f} | {s.lax_f1:.3f} | {seconds:.0f} |"
        )
        all_gold += gold
        all_test += test
    s = score(all_gold, all_test)
    right = documents_right(all_gold, all_test)
    print(f"| **all** | {len(all_gold)} | {sum(len(g) for g in all_gold)} | {right} | **{s.strict_f1:.3f}** "
          f"| {s.lax_f1:.3f} | |")  # fmt: skip
    print("\n" + format_bootstrap(bootstrap(all_gold, all_test), s))
    if args.flags:
        print("\n| form | dropped lines named (omission / addition flag) | lines with a translation so flagged |")
        print("|---|---|---|")
        for name, flagged in flag_rows:
            named = f"{flagged['named']}/{flagged['dropped']}" if flagged["dropped"] else "—"
            print(f"| {name} | {named} | {flagged['wrong']}/{flagged['translated']} |")
    pipeline.close()


def gap_flags(gold: list[GoldBead], flags: list[Flag]) -> Counter:
    """Dropped lines (a gold bead with one empty side) and lines with a translation, and how
    many of each carry an ``omission`` (source) or ``addition`` (target) flag."""
    gaps = {(f.side, f.segment_id) for f in flags if f.type in ("omission", "addition")}
    counts: Counter = Counter()
    for src, tgt in gold:
        lines = [("src", i) for i in src] + [("tgt", j) for j in tgt]
        hit = sum(line in gaps for line in lines)
        if src and tgt:
            counts["translated"] += len(lines)
            counts["wrong"] += hit
        else:
            counts["dropped"] += len(lines)
            counts["named"] += hit
    return counts


if __name__ == "__main__":
    main()
