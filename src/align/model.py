"""The data model every stage shares: text → Document → Segments → Beads → Flags.

All classes are plain dataclasses so a stage can be read, tested and replaced on its
own. Offsets always refer to the normalised text of the file a segment came from
(``Side.text``), so ``side.text[seg.start:seg.end] == seg.text`` holds everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from .export import CorpusFilter


class Kind(StrEnum):
    """What a segment is. Only content kinds take part in alignment."""

    SENTENCE = "sentence"
    HEADLINE = "headline"  # a line with no final stop: title, subhead
    METADATA = "metadata"  # "date 2023-09", "url: …"
    BYLINE = "byline"  # "Von Al Mayadeen Englisch", "By Jane Doe"
    SOURCE = "source"  # "Quelle: Agenturen", "Source: Reuters"
    DATELINE = "dateline"  # "14. September 2023"
    TRAILER = "trailer"  # "Übersetzt mit Deepl.com"
    CREDIT = "credit"  # a translator's credit: "(Traduit par L. S.)", "Übersetzt von Anna Meier, Bern."
    EMPTY = "empty"  # an empty line of a pre-segmented file

    @property
    def is_content(self) -> bool:
        return self in (Kind.SENTENCE, Kind.HEADLINE)


@dataclass(frozen=True)
class Segment:
    """One sentence (or non-content line) of one side, with its place in the text."""

    id: int  # 0-based position within its side
    text: str
    start: int  # character offsets into Side.text
    end: int
    kind: Kind = Kind.SENTENCE
    paragraph: int = 0  # index of the paragraph (line block) it came from

    @property
    def is_content(self) -> bool:
        return self.kind.is_content


@dataclass
class Side:
    """One language side of a document: its text and the segments cut from it."""

    lang: str
    text: str
    segments: list[Segment]
    path: str | None = None

    def __len__(self) -> int:
        return len(self.segments)

    def content_ids(self) -> list[int]:
        return [s.id for s in self.segments if s.is_content]


@dataclass
class Document:
    """A source text and its translation, segmented."""

    doc_id: str
    source: Side
    target: Side
    # what the reader noticed about the input that the user should check (e.g. a file
    # that reads as the other side's language); reported, never fatal
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Flag:
    """A suspected translation problem.

    ``type`` is part of the output format (``duplicate``, ``mt_attribution``, …);
    ``side`` and ``segment_id`` say which segment it concerns, where it concerns one.
    """

    type: str
    reason: str
    score: float
    side: str | None = None  # "src" | "tgt"
    segment_id: int | None = None
    related_id: int | None = None  # e.g. the first copy of a duplicate

    def to_dict(self) -> dict:
        out: dict = {"type": self.type, "reason": self.reason, "score": round(self.score, 4)}
        if self.side is not None:
            out["side"] = self.side
        if self.segment_id is not None:
            out["segment_id"] = self.segment_id
        if self.related_id is not None:
            out["related_id"] = self.related_id
        return out


@dataclass
class Bead:
    """A group of consecutive source segments paired with consecutive target segments.

    Either side may be empty (an unaligned segment). ``covered`` is False for an
    unaligned segment that lies outside the range both sides cover (e.g. the German
    body below an English headline and lead), so it is not mistaken for an addition.
    """

    src_ids: list[int]
    tgt_ids: list[int]
    score: float
    covered: bool = True
    flags: list[Flag] = field(default_factory=list)

    @property
    def type(self) -> str:
        return f"{len(self.src_ids)}-{len(self.tgt_ids)}"

    @property
    def is_pair(self) -> bool:
        return bool(self.src_ids) and bool(self.tgt_ids)


@dataclass
class Alignment:
    """The result for one document: beads in document order, flags, and run facts.

    ``similarity`` is the calibrated 1-1 similarity of every content source segment
    (rows, ids in ``src_content_ids``) with every content target segment (columns). It is
    computed on first use from the stored vectors: a 50,000-sentence document aligns in
    linear memory, and only asking for its full matrix costs n·m.
    """

    document: Document
    beads: list[Bead]
    flags: list[Flag]
    model: str
    src_vectors: np.ndarray
    tgt_vectors: np.ndarray
    noise_floor: float
    noise_prior_weight: float
    src_content_ids: list[int]
    tgt_content_ids: list[int]
    timings: dict[str, float] = field(default_factory=dict)
    encoder_work: dict[str, int] = field(default_factory=dict)
    # what the alignment itself says is suspect (two sides that do not look like translations)
    alignment_warnings: list[str] = field(default_factory=list)
    # about the run, not the document (a language the model was not trained on): shown, but a
    # document is not "warned" for it, so --drop-warned keeps it
    notes: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Everything the user should check: the input's warnings, then the alignment's."""
        return [*self.document.warnings, *self.alignment_warnings]

    @cached_property
    def similarity(self) -> np.ndarray:
        from .aligner import calibrated_similarity

        return calibrated_similarity(self.src_vectors, self.tgt_vectors, self.noise_floor, self.noise_prior_weight)

    @property
    def doc_id(self) -> str:
        return self.document.doc_id

    @property
    def source(self) -> Side:
        return self.document.source

    @property
    def target(self) -> Side:
        return self.document.target

    def pairs(self) -> list[tuple[str, str, float]]:
        """(source text, target text, score) of every bead that has both sides."""
        return [(self.src_text(b), self.tgt_text(b), b.score) for b in self.beads if b.is_pair]

    def src_text(self, bead: Bead) -> str:
        return " ".join(self.source.segments[i].text for i in bead.src_ids)

    def tgt_text(self, bead: Bead) -> str:
        return " ".join(self.target.segments[j].text for j in bead.tgt_ids)

    def to_records(self) -> list[dict]:
        from .export import bead_records

        return bead_records(self)

    def to_dataframe(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.to_records())

    def to_tsv(self, path: str | Path, corpus_filter: CorpusFilter | None = None) -> None:
        """The corpus.tsv of this document; ``corpus_filter`` leaves pairs out as ``--min-score`` etc. do."""
        from .export import write_tsv

        write_tsv([self], path, corpus_filter)

    def to_jsonl(self, path: str | Path) -> None:
        from .export import write_jsonl

        write_jsonl([self], path)

    def to_tmx(self, path: str | Path, corpus_filter: CorpusFilter | None = None) -> int:
        """A TMX 1.4 file of this document's pairs (those ``corpus_filter`` keeps); returns their number."""
        from .export import bead_records, write_tmx

        records = bead_records(self)
        return write_tmx(records, path, self.source.lang, self.target.lang, corpus_filter, bool(self.warnings))

    def to_html(self, path: str | Path) -> None:
        """A standalone HTML page of every bead, flags highlighted (what ``--formats html`` writes)."""
        from .display import report_page
        from .export import atomic_write

        atomic_write(path, [report_page(self)])

    def export(
        self,
        outdir: str | Path,
        formats: Iterable[str] | None = None,
        corpus_filter: CorpusFilter | None = None,
    ) -> dict:
        """Write what ``align run`` writes into outdir; ``formats`` from "tsv", "jsonl", "tmx",
        "moses", "html" (default: tsv and jsonl, as on the command line). Returns the summary.json written."""
        from .export import DEFAULT_FORMATS, parse_formats, write_run

        chosen = DEFAULT_FORMATS if formats is None else parse_formats(",".join(formats))
        return write_run(self, outdir, {}, corpus_filter=corpus_filter, formats=chosen)

    def summary(self) -> dict:
        from .export import document_summary

        return document_summary(self)

    def _repr_html_(self) -> str:
        """Jupyter shows an Alignment as a side-by-side table (see display.py)."""
        from .display import alignment_html

        return alignment_html(self)

    def plot(self, ax: Axes | None = None, **options) -> Axes:
        """Similarity heat map with the alignment path drawn over it (matplotlib; see plot.py)."""
        from .plot import plot_alignment

        return plot_alignment(self, ax, **options)

    def __repr__(self) -> str:
        pairs = sum(b.is_pair for b in self.beads)
        return (
            f"<Alignment {self.doc_id!r}: {len(self.source)} {self.source.lang} / {len(self.target)} "
            f"{self.target.lang} segments, {pairs} pairs, {len(self.flags)} flags>"
        )
