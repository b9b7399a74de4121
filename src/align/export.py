"""Exports: bead records, alignments.jsonl, corpus.tsv and summary.json."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .model import Alignment

TSV_COLUMNS = ("doc_id", "src", "tgt", "score", "type", "flags")
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def escape_tsv(text: str) -> str:
    """Backslash-escape what would break a TSV row (tab, newline, CR, backslash)."""
    return text.translate(_TSV_ESCAPES)


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


def _atomic_write(path: str | Path, lines: Iterable[str]) -> None:
    """Write to a temporary file, then rename: a crash never leaves half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line)
    os.replace(tmp, path)


def write_jsonl(alignments: Iterable[Alignment], path: str | Path) -> None:
    _atomic_write(path, (json.dumps(r, ensure_ascii=False) + "\n" for a in alignments for r in bead_records(a)))


def tsv_rows(alignment: Alignment) -> Iterable[str]:
    for bead in alignment.beads:
        if bead.is_pair:
            cells = (
                alignment.doc_id,
                alignment.src_text(bead),
                alignment.tgt_text(bead),
                f"{bead.score:.4f}",
                bead.type,
                ",".join(sorted({f.type for f in bead.flags})),
            )
            yield "\t".join(escape_tsv(c) for c in cells) + "\n"


def write_tsv(alignments: Iterable[Alignment], path: str | Path) -> None:
    """The parallel corpus: a header row, then one row per bead that has both sides."""

    def lines() -> Iterable[str]:
        yield "\t".join(TSV_COLUMNS) + "\n"
        for alignment in alignments:
            yield from tsv_rows(alignment)

    _atomic_write(path, lines())


def document_summary(alignment: Alignment) -> dict[str, Any]:
    return {
        "doc_id": alignment.doc_id,
        "languages": {"src": alignment.source.lang, "tgt": alignment.target.lang},
        "segments": {"src": len(alignment.source), "tgt": len(alignment.target)},
        "beads": dict(Counter(b.type for b in alignment.beads)),
        "pairs": sum(b.is_pair for b in alignment.beads),
        "uncovered_segments": sum(len(b.src_ids) + len(b.tgt_ids) for b in alignment.beads if not b.covered),
        "flags": dict(Counter(f.type for f in alignment.flags)),
        "encoder": alignment.encoder_work,
        "seconds": {k: round(v, 4) for k, v in alignment.timings.items()},
    }


def write_run(alignment: Alignment, outdir: str | Path, run_info: dict[str, Any]) -> dict[str, Any]:
    """Write alignments.jsonl, corpus.tsv and summary.json for one document."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl([alignment], out / "alignments.jsonl")
    write_tsv([alignment], out / "corpus.tsv")
    summary = document_summary(alignment) | run_info
    _atomic_write(out / "summary.json", [json.dumps(summary, ensure_ascii=False, indent=2) + "\n"])
    return summary
