"""Exports: bead records, alignments.jsonl, corpus.tsv, summary.json, TMX 1.4, Moses, pair JSONL
(and the HTML report of ``display.py``).

Every writer works from bead records (the alignments.jsonl schema), one record at a
time, so the batch runner can stream a corpus of any size from its part files.

Text that a format cannot hold is handled, never dropped silently:

* TSV: tab, newline, CR and backslash are backslash-escaped (``escape_tsv``).
* TMX (XML 1.0): characters XML 1.0 forbids (C0 controls other than tab/LF/CR, lone
  surrogates, U+FFFE/U+FFFF) are replaced by U+FFFD in ``<seg>``, and the originals
  are recorded in a ``<prop type="x-align-replaced">`` of that ``<tuv>`` as
  ``offset:U+XXXX`` items, so the exact text can be restored. Markup characters are
  escaped by the XML library (``xml.etree.ElementTree``).
* Moses: one segment per line, so every character that some tool treats as a line
  break (LF, CR, VT, FF, FS/GS/RS, NEL, U+2028, U+2029) becomes a space.
* JSONL: JSON escapes controls; NEL, U+2028 and U+2029 are escaped too, because
  ``str.splitlines()`` (and JavaScript, for the latter two) would split a line there.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .display import report_page
from .errors import AlignError
from .flags import FLAG_TYPES, summarize
from .model import Alignment

TSV_COLUMNS = ("doc_id", "src", "tgt", "score", "type", "flags")
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# XML 1.0 Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MOSES_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# JSON leaves these raw with ensure_ascii=False, yet str.splitlines() breaks lines at them
_JSON_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

REPORTS_DIR = "reports"  # a batch's HTML reports, one per document
FORMATS = ("tsv", "jsonl", "tmx", "moses", "html")  # corpus.tsv is always written; the others on request
DEFAULT_FORMATS = ("tsv", "jsonl")


def escape_tsv(text: str) -> str:
    """Backslash-escape what would break a TSV row (tab, newline, CR, backslash)."""
    return text.translate(_TSV_ESCAPES)


def json_line(record: Mapping[str, Any]) -> str:
    """One JSON object on one line, safe for every line-splitting reader."""
    return json.dumps(record, ensure_ascii=False).translate(_JSON_LINE_BREAKS) + "\n"


def bead_records(alignment: Alignment) -> list[dict[str, Any]]:
    """One plain dict per bead, in document order: the alignments.jsonl schema."""
    src, tgt = alignment.source.segments, alignment.target.segments
    return [
        {
            "doc_id": alignment.doc_id,
            "type": bead.type,
            "src_ids": bead.src_ids,
            "tgt_ids": bead.tgt_ids,
            "src_text": alignment.src_text(bead),
            "tgt_text": alignment.tgt_text(bead),
            "score": bead.score,
            "covered": bead.covered,
            "src_kinds": [src[i].kind.value for i in bead.src_ids],
            "tgt_kinds": [tgt[j].kind.value for j in bead.tgt_ids],
            "flags": [f.to_dict() for f in bead.flags],
        }
        for bead in alignment.beads
    ]


def temporary_path(path: str | Path) -> Path:
    """Where a file is written before being renamed into place (hidden, per process)."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp{os.getpid()}")


def atomic_write(path: str | Path, lines: Iterable[str]) -> None:
    """Write to a temporary file, then rename: a crash never leaves half a file."""
    tmp = temporary_path(path)
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line)
    os.replace(tmp, path)


def write_jsonl(alignments: Iterable[Alignment], path: str | Path) -> None:
    atomic_write(path, (json_line(r) for a in alignments for r in bead_records(a)))


def is_pair(record: Mapping[str, Any]) -> bool:
    return bool(record["src_ids"]) and bool(record["tgt_ids"])


def flag_types(record: Mapping[str, Any]) -> str:
    return ",".join(sorted({f["type"] for f in record["flags"]}))


def tsv_row(record: Mapping[str, Any]) -> str | None:
    """The corpus.tsv row of a bead record; None for a bead that lacks a side."""
    if not is_pair(record):
        return None
    cells = (
        record["doc_id"],
        record["src_text"],
        record["tgt_text"],
        f"{record['score']:.4f}",
        record["type"],
        flag_types(record),
    )
    return "\t".join(escape_tsv(c) for c in cells) + "\n"


ANY_FLAG = "any"


@dataclass(frozen=True)
class CorpusFilter:
    """Which pairs the corpus exports (corpus.tsv, TMX, Moses, pairs.jsonl) leave out.

    ``alignments.jsonl`` always keeps every bead: the filter shapes a training corpus, not
    the record of what was aligned. The default leaves nothing out.
    """

    min_score: float | None = None  # pairs scoring below this (0 = chance, 1 = identical)
    drop_flags: frozenset[str] = field(default_factory=frozenset)  # flag types, or "any"
    drop_warned: bool = False  # every pair of a document with warnings

    def __post_init__(self) -> None:
        if self.min_score is not None and not math.isfinite(self.min_score):
            raise AlignError(f"the minimum score must be a finite number, not {self.min_score}")
        if self.min_score is not None and self.min_score > 1:
            raise AlignError(
                f"a minimum score of {self.min_score:g} would leave every pair out: scores run up to 1 (identical text)"
            )
        object.__setattr__(self, "drop_flags", frozenset(t.strip().lower() for t in self.drop_flags))
        unknown = sorted(self.drop_flags - set(FLAG_TYPES) - {ANY_FLAG})
        if unknown:
            raise AlignError(f"unknown flag type {unknown[0]!r}; known types: {', '.join(FLAG_TYPES)}, or {ANY_FLAG}")

    def reason_to_leave_out(self, record: Mapping[str, Any], warned_document: bool) -> str | None:
        """Why a pair's record stays out of the corpus ("warned_document", "score", "flag"); None keeps it."""
        if self.drop_warned and warned_document:
            return "warned_document"
        if self.min_score is not None and record["score"] < self.min_score:
            return "score"
        types = {f["type"] for f in record["flags"]}
        if types and (ANY_FLAG in self.drop_flags or types & self.drop_flags):
            return "flag"
        return None

    def changed(self) -> dict[str, object]:
        """The settings that differ from the default (recorded with every result)."""
        out: dict[str, object] = {}
        if self.min_score is not None:
            out["min_score"] = self.min_score
        if self.drop_flags:
            out["drop_flags"] = sorted(self.drop_flags)
        if self.drop_warned:
            out["drop_warned"] = True
        return out


class CorpusCount:
    """Pairs written to the corpus exports and pairs left out, by reason (for summary.json)."""

    def __init__(self) -> None:
        self.written = 0
        self.left_out: Counter[str] = Counter()

    def keeps(self, corpus_filter: CorpusFilter, record: Mapping[str, Any], warned_document: bool) -> bool:
        reason = corpus_filter.reason_to_leave_out(record, warned_document)
        if reason is None:
            self.written += 1
        else:
            self.left_out[reason] += 1
        return reason is None

    def to_dict(self) -> dict[str, Any]:
        return {"pairs": self.written, "left_out": dict(sorted(self.left_out.items()))}


def tsv_header() -> str:
    return "\t".join(TSV_COLUMNS) + "\n"


def tsv_rows(
    alignment: Alignment, corpus_filter: CorpusFilter | None = None, count: CorpusCount | None = None
) -> Iterable[str]:
    corpus_filter, count = corpus_filter or CorpusFilter(), count or CorpusCount()
    warned = bool(alignment.warnings)
    for record in bead_records(alignment):
        row = tsv_row(record)
        if row is not None and count.keeps(corpus_filter, record, warned):
            yield row


def write_tsv(
    alignments: Iterable[Alignment],
    path: str | Path,
    corpus_filter: CorpusFilter | None = None,
    count: CorpusCount | None = None,
) -> None:
    """The parallel corpus: a header row, then one row per bead that has both sides (and passes the filter)."""

    def lines() -> Iterable[str]:
        yield tsv_header()
        for alignment in alignments:
            yield from tsv_rows(alignment, corpus_filter, count)

    atomic_write(path, lines())


def document_summary(alignment: Alignment) -> dict[str, Any]:
    return {
        "doc_id": alignment.doc_id,
        "languages": {"src": alignment.source.lang, "tgt": alignment.target.lang},
        "warnings": list(alignment.warnings),
        "notes": list(alignment.notes),
        "segments": {"src": len(alignment.source), "tgt": len(alignment.target)},
        "content_segments": {"src": len(alignment.src_content_ids), "tgt": len(alignment.tgt_content_ids)},
        "beads": dict(Counter(b.type for b in alignment.beads)),
        "pairs": sum(b.is_pair for b in alignment.beads),
        "uncovered_segments": sum(len(b.src_ids) + len(b.tgt_ids) for b in alignment.beads if not b.covered),
        "flags": dict(Counter(f.type for f in alignment.flags)),
        # which sides credit an MT tool: the document-level "machine translated" verdict
        "machine_translated": summarize(alignment.flags)["machine_translated"],
        "encoder": alignment.encoder_work,
        "seconds": {k: round(v, 4) for k, v in alignment.timings.items()},
    }


def write_run(
    alignment: Alignment,
    outdir: str | Path,
    run_info: dict[str, Any],
    started: float | None = None,
    corpus_filter: CorpusFilter | None = None,
    formats: Iterable[str] = DEFAULT_FORMATS,
) -> dict[str, Any]:
    """Write one document's outputs: alignments.jsonl, corpus.tsv, the chosen ``formats``
    (pairs.jsonl, corpus.tmx, Moses files, report.html), then summary.json.

    ``run_info["seconds"]`` gains ``export`` (and ``total`` since ``started``, a
    ``time.perf_counter()`` value), so summary.json reports the writing it follows.
    """
    export_start = time.perf_counter()
    out, formats = Path(outdir), set(formats)
    src_lang, tgt_lang = alignment.source.lang, alignment.target.lang
    warned = bool(alignment.warnings)
    try:  # a parent that is a file, a read-only or full disk: the user's to fix, said in one line
        out.mkdir(parents=True, exist_ok=True)
        with ExitStack() as stack:
            files = OutputFiles(out, stack)
            beads = files.get("alignments.jsonl")
            corpus = CorpusExports(files, formats, [(src_lang, tgt_lang)], corpus_filter)
            for record in bead_records(alignment):
                beads.write(json_line(record))
                corpus.add(record, src_lang, tgt_lang, warned)
            corpus.close()
            if "html" in formats:
                files.get("report.html").write(report_page(alignment))
            written = files.commit()
        seconds = run_info.setdefault("seconds", {})
        seconds["export"] = round(time.perf_counter() - export_start, 4)
        if started is not None:
            seconds["total"] = round(time.perf_counter() - started, 4)
        summary = document_summary(alignment) | {"corpus": corpus.count.to_dict()}
        summary = write_summary(out, written, summary, run_info)
    except OSError as e:
        raise AlignError(f"{out}: cannot write the outputs ({e.strerror or e})") from None
    return summary


_OUTPUT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def write_summary(
    outdir: Path, written: Iterable[str], summary: dict[str, Any], run_info: dict[str, Any]
) -> dict[str, Any]:
    """Write summary.json, naming the files written (``outputs``; a batch names its reports folder once).

    What an earlier run into the same directory wrote and this one did not (a corpus.tmx
    made with another filter, a report no longer asked for) is deleted first, so the
    directory never mixes two runs; only names the earlier summary.json lists as its
    outputs are touched."""
    reports = f"{REPORTS_DIR}/"
    outputs = sorted({*written, "summary.json"})
    try:
        written_before = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
        # ours: a document's summary (languages) or a batch's (language_pairs)
        ours = "languages" in written_before or "language_pairs" in written_before
        earlier = written_before.get("outputs", []) if ours else []
    except (OSError, ValueError, AttributeError, TypeError):
        earlier = []
    earlier_names = {n for n in earlier if isinstance(n, str)} if isinstance(earlier, list) else set()
    for name in earlier_names - set(outputs):
        if name == reports and (outdir / REPORTS_DIR).is_dir():
            shutil.rmtree(outdir / REPORTS_DIR)
        elif _OUTPUT_NAME.fullmatch(name) and (outdir / name).is_file():
            (outdir / name).unlink()
    summary = summary | {"outputs": outputs} | run_info
    atomic_write(outdir / "summary.json", [json.dumps(summary, ensure_ascii=False, indent=2) + "\n"])
    return summary


# --- pair exports: TMX, Moses, pair JSONL ---------------------------------------------


def xml_safe(text: str) -> tuple[str, list[str]]:
    """Text XML 1.0 can hold: forbidden characters → U+FFFD, plus ``offset:U+XXXX`` for each."""
    replaced = [f"{m.start()}:U+{ord(m.group()):04X}" for m in _XML_FORBIDDEN.finditer(text)]
    return (_XML_FORBIDDEN.sub("\ufffd", text) if replaced else text), replaced


def moses_line(text: str) -> str:
    """One segment as one line: every line-break character becomes a space."""
    return _MOSES_LINE_BREAKS.sub(" ", text) + "\n"


def pair_record(record: Mapping[str, Any], src_lang: str, tgt_lang: str) -> dict[str, Any]:
    """The pairs.jsonl object of a bead: the two texts keyed by language (the common MT-data layout)."""
    translation = {src_lang: record["src_text"], tgt_lang: record["tgt_text"]}
    if src_lang == tgt_lang:  # same-language pair: keep both texts
        translation = {"src": record["src_text"], "tgt": record["tgt_text"]}
    return {
        "doc_id": record["doc_id"],
        "score": record["score"],
        "type": record["type"],
        "flags": sorted({f["type"] for f in record["flags"]}),
        "translation": translation,
    }


class TmxWriter:
    """Streams a TMX 1.4 document: header first, then one ``<tu>`` per pair, then the closing tags.

    ``srclang`` in the header is the source language of the corpus (``*all*`` when the
    documents have different source languages, as TMX 1.4 allows); every ``<tu>`` names
    its own ``srclang`` and every ``<tuv>`` its ``xml:lang``.
    """

    def __init__(self, stream: IO[str], srclang: str, tool_version: str = "0.1.0") -> None:
        self._stream = stream
        self._count = 0
        header = ET.Element(
            "header",
            {
                "creationtool": "align",
                "creationtoolversion": tool_version,
                "segtype": "sentence",
                "o-tmf": "align-jsonl",
                "adminlang": "en",
                "srclang": srclang,
                "datatype": "plaintext",
                "creationdate": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
            },
        )
        stream.write('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n')
        stream.write(f'<tmx version="1.4">\n{ET.tostring(header, encoding="unicode")}\n<body>\n')

    def add(self, record: Mapping[str, Any], src_lang: str, tgt_lang: str) -> None:
        self._count += 1
        tu = ET.Element("tu", {"tuid": str(self._count), "srclang": src_lang})
        for prop_type, value in (
            ("x-doc-id", record["doc_id"]),
            ("x-score", f"{record['score']:.4f}"),
            ("x-bead-type", record["type"]),
            ("x-flags", flag_types(record)),
        ):
            if value:
                prop = ET.SubElement(tu, "prop", {"type": prop_type})
                prop.text = xml_safe(value)[0]
        for lang, text in ((src_lang, record["src_text"]), (tgt_lang, record["tgt_text"])):
            tuv = ET.SubElement(tu, "tuv", {_XML_LANG: lang})
            clean, replaced = xml_safe(text)
            if replaced:
                prop = ET.SubElement(tuv, "prop", {"type": "x-align-replaced"})
                prop.text = " ".join(replaced)
            seg = ET.SubElement(tuv, "seg")
            seg.text = clean
        self._stream.write(ET.tostring(tu, encoding="unicode") + "\n")

    def close(self) -> None:
        self._stream.write("</body>\n</tmx>\n")


def write_tmx(
    records: Iterable[Mapping[str, Any]],
    path: str | Path,
    src_lang: str,
    tgt_lang: str,
    corpus_filter: CorpusFilter | None = None,
    warned_document: bool = False,
) -> int:
    """A TMX 1.4 file of every pair among the records that the filter keeps; returns the number of ``<tu>``."""
    corpus_filter, count = corpus_filter or CorpusFilter(), CorpusCount()
    tmp = temporary_path(path)
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        writer = TmxWriter(f, src_lang)
        for record in records:
            if is_pair(record) and count.keeps(corpus_filter, record, warned_document):
                writer.add(record, src_lang, tgt_lang)
        writer.close()
    os.replace(tmp, path)
    return count.written


# --- one writer for every corpus export, used by `run` and by `batch`'s merge --------------


def parse_formats(text: str) -> tuple[str, ...]:
    """``"tsv,tmx"`` → ("tsv", "tmx"); an unknown name is an error that lists the known ones."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise AlignError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    return chosen


def moses_names(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """corpus.<src> / corpus.<tgt> for a one-pair corpus; corpus.<src>-<tgt>.<lang> otherwise."""
    pairs = sorted(set(pairs))
    if len(pairs) == 1 and pairs[0][0] != pairs[0][1]:
        s, t = pairs[0]
        return {pairs[0]: (f"corpus.{s}", f"corpus.{t}")}
    return {
        (s, t): (f"corpus.{s}-{t}.{s if s != t else 'src'}", f"corpus.{s}-{t}.{t if s != t else 'tgt'}")
        for s, t in pairs
    }


class OutputFiles:
    """Output files written under temporary names and renamed together at the end (``commit``)."""

    def __init__(self, outdir: Path, stack: ExitStack) -> None:
        self._outdir, self._stack = outdir, stack
        self._files: dict[str, IO[str]] = {}

    def get(self, name: str) -> IO[str]:
        if name not in self._files:
            tmp = temporary_path(self._outdir / name)
            self._files[name] = self._stack.enter_context(open(tmp, "w", encoding="utf-8", newline="\n"))  # noqa: SIM115
        return self._files[name]

    def commit(self) -> list[str]:
        for name, f in self._files.items():
            f.close()
            os.replace(temporary_path(self._outdir / name), self._outdir / name)
        return list(self._files)


class CorpusExports:
    """corpus.tsv and the chosen pair exports, fed one bead record at a time through one filter.

    ``language_pairs`` are every (source, target) language pair the records will have: they
    name the Moses files and the TMX header's ``srclang`` (``*all*`` for several sources).
    """

    def __init__(
        self,
        files: OutputFiles,
        formats: Iterable[str],
        language_pairs: Iterable[tuple[str, str]],
        corpus_filter: CorpusFilter | None = None,
    ) -> None:
        formats, language_pairs = set(formats), set(language_pairs)
        self._files, self._filter, self.count = files, corpus_filter or CorpusFilter(), CorpusCount()
        self._tsv = files.get("corpus.tsv")
        self._tsv.write(tsv_header())
        self._tmx = None
        if "tmx" in formats:
            sources = {s for s, _ in language_pairs}
            self._tmx = TmxWriter(files.get("corpus.tmx"), next(iter(sources)) if len(sources) == 1 else "*all*")
        self._moses = moses_names(language_pairs) if "moses" in formats else None
        for names in (self._moses or {}).values():  # the files exist even when no pair passes
            for name in names:
                files.get(name)
        # pairs.jsonl is written even when no pair passes
        self._pairs = files.get("pairs.jsonl") if "jsonl" in formats else None

    def add(self, record: Mapping[str, Any], src_lang: str, tgt_lang: str, warned_document: bool) -> None:
        """Write the record to every export if it is a pair the filter keeps (and count it either way)."""
        row = tsv_row(record)
        if row is None or not self.count.keeps(self._filter, record, warned_document):
            return
        self._tsv.write(row)
        if self._tmx is not None:
            self._tmx.add(record, src_lang, tgt_lang)
        if self._moses is not None:
            src_name, tgt_name = self._moses[src_lang, tgt_lang]
            self._files.get(src_name).write(moses_line(record["src_text"]))
            self._files.get(tgt_name).write(moses_line(record["tgt_text"]))
        if self._pairs is not None:
            self._pairs.write(json_line(pair_record(record, src_lang, tgt_lang)))

    def close(self) -> None:
        if self._tmx is not None:
            self._tmx.close()
