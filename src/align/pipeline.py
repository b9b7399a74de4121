"""The pipeline: document → embeddings → alignment → flags, as one reusable object.

``Pipeline`` loads the encoder once and aligns any number of documents with it; the
CLI, the batch runner and the notebooks all go through it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import langid
from .aligner import AlignerConfig, AlignStats, align_vectors
from .embed import BUNDLED_MODEL, CachedEncoder, Encoder, EncoderStats, load_encoder, noise_floor
from .errors import AlignError
from .flags import DROP_TYPES, FlagConfig, detect, drops_inside_pairs
from .model import Alignment, Bead, Document, Side
from .read import language_warnings, load_document
from .segment import presegmented
from .wordmatch import WordMatcher


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


class Pipeline:
    """Holds the encoder and settings; aligns documents."""

    def __init__(
        self,
        model: str | Encoder | None = None,
        *,
        cache: bool = True,
        cache_dir: str | Path | None = None,
        aligner_config: AlignerConfig | None = None,
        flag_config: FlagConfig | None = None,
        batch_size: int = 64,
        device: str | None = None,
    ) -> None:
        self.timings: dict[str, float] = {}
        with _timed(self.timings, "load_model"):
            base = model if isinstance(model, Encoder) else load_encoder(model, batch_size=batch_size, device=device)
            self.encoder = CachedEncoder(base, cache_dir=cache_dir, enabled=cache)
        self.aligner_config = aligner_config or AlignerConfig()
        self.flag_config = flag_config or FlagConfig()
        self._noise_floor: float | None = None
        self.word_matcher = WordMatcher()  # loads its model on first use
        self.align_stats = AlignStats()  # what the aligner did for the last document

    @property
    def model_name(self) -> str:
        return self.encoder.name

    @property
    def stats(self) -> EncoderStats:
        return self.encoder.stats

    def noise_floor(self) -> float:
        if self._noise_floor is None:
            self._noise_floor = noise_floor(self.encoder)
        return self._noise_floor

    def load(self, path: str | Path, path2: str | Path | None = None, **options) -> Document:
        """Read and segment a document, recording the time spent."""
        with _timed(self.timings, "read_segment"):
            return load_document(path, path2, **options)

    def align_file(self, path: str | Path, path2: str | Path | None = None, **options) -> Alignment:
        return self.align_document(self.load(path, path2, **options))

    def align_document(self, doc: Document) -> Alignment:
        timings: dict[str, float] = {}
        before = EncoderStats(**self.stats.to_dict())
        src_ids, tgt_ids = doc.source.content_ids(), doc.target.content_ids()
        src_texts = [doc.source.segments[i].text for i in src_ids]
        tgt_texts = [doc.target.segments[j].text for j in tgt_ids]
        floor = self.noise_floor()
        with _timed(timings, "embed"):
            vectors = self.encoder.encode(src_texts + tgt_texts) if src_texts or tgt_texts else np.zeros((0, 1))
        src_vecs, tgt_vecs = vectors[: len(src_texts)], vectors[len(src_texts) :]

        src_lens = np.array([len(t) for t in src_texts], dtype=np.float64)
        tgt_lens = np.array([len(t) for t in tgt_texts], dtype=np.float64)
        src_breaks, tgt_breaks = content_breaks(src_ids), content_breaks(tgt_ids)

        def align_with(config: AlignerConfig, stats: AlignStats) -> list[Bead]:
            raw = align_vectors(
                src_vecs,
                tgt_vecs,
                src_lens,
                tgt_lens,
                floor,
                config,
                src_breaks,
                tgt_breaks,
                src_texts=src_texts,
                tgt_texts=tgt_texts,
                # re-embedding plausible merges goes through the cache and counts as encoder work
                window_encoder=self.encoder.encode,
                stats=stats,
                src_lang=doc.source.lang,
                tgt_lang=doc.target.lang,
                word_matcher=self.word_matcher,
            )
            content_beads = [
                Bead([src_ids[i] for i in r.src], [tgt_ids[j] for j in r.tgt], round(r.score, 4)) for r in raw
            ]
            beads = merge_non_content(content_beads, doc.source, doc.target)
            mark_coverage(beads)
            return beads

        with _timed(timings, "align"):
            beads = align_with(self.aligner_config, self.align_stats)
        with _timed(timings, "flag"):
            flags = detect(doc, beads, self.flag_config, self.encoder.encode)
            audit_gap = self.aligner_config.audit_skip_penalty
            if audit_gap < self.aligner_config.skip_penalty and self.flag_config.enabled & set(DROP_TYPES):
                # sentences a translation dropped, looked for where a stricter gap cost leaves them out
                # (a piece joins its pair there only where the length ratio agrees: ``fragments.py``)
                audit = replace(self.aligner_config, skip_penalty=audit_gap, fragment_length_check=True)
                strict = align_with(audit, AlignStats())
                flags += drops_inside_pairs(doc, beads, strict, self.flag_config)
        for stage, seconds in timings.items():
            self.timings[stage] = self.timings.get(stage, 0.0) + seconds
        work = {k: v - before.to_dict()[k] for k, v in self.stats.to_dict().items()}
        return Alignment(
            doc,
            beads,
            flags,
            self.model_name,
            src_vecs,
            tgt_vecs,
            floor,
            self.aligner_config.noise_prior_weight,
            src_ids,
            tgt_ids,
            timings,
            work,
            unrelated_sides_warning(beads, len(src_ids), len(tgt_ids)),
            self.language_notes(doc),
        )

    def language_notes(self, doc: Document) -> list[str]:
        """A note where the encoder joins a model that was not trained on one of the languages."""
        trained = getattr(self.encoder.encoder, "languages", None)
        if trained is None:
            return []
        languages = dict.fromkeys((doc.source.lang, doc.target.lang))
        unknown = [lang for lang in languages if langid.is_known(lang) and lang not in trained]
        if not unknown:
            return []
        # the user's own model, not the bundled one, where they joined another with '+use'
        alone = getattr(self.encoder.encoder, "alone", None) or BUNDLED_MODEL
        return [
            f"{' and '.join(unknown)}: not among the languages of the second model this encoder joins "
            f"({', '.join(sorted(trained))}); name the model without '+use' (--model {alone}) to align with it alone"
        ]

    def align_segments(
        self,
        src_segments: Sequence[str],
        tgt_segments: Sequence[str],
        *,
        src_lang: str = "src",
        tgt_lang: str = "tgt",
        doc_id: str = "doc",
    ) -> Alignment:
        """Align two lists of pre-split segments (one segment per item, nothing re-split)."""
        for name, items in (("source", src_segments), ("target", tgt_segments)):
            if isinstance(items, str):
                raise AlignError(
                    f"{name} segments must be a list of strings, not one string (split running text with "
                    "[s.text for s in align.segment(text, lang)], or align files with align.align_file)"
                )
            bad = [i for i, s in enumerate(items) if not isinstance(s, str) or "\n" in s]
            if bad:
                raise AlignError(f"{name} segment {bad[0]} is not a one-line string")
        # the final "\n" terminates the last line, so a trailing empty segment survives
        src_text, tgt_text = "\n".join(src_segments) + "\n", "\n".join(tgt_segments) + "\n"
        known = langid.is_known(src_lang) and langid.is_known(tgt_lang)  # not the "src"/"tgt" placeholders
        if known:  # "DE" → "de", as on the command line
            src_lang, tgt_lang = src_lang.lower(), tgt_lang.lower()
        source = Side(src_lang, src_text, presegmented(src_text) if src_segments else [])
        target = Side(tgt_lang, tgt_text, presegmented(tgt_text) if tgt_segments else [])
        warnings = language_warnings(source, target) if known else []
        return self.align_document(Document(doc_id, source, target, warnings))

    def close(self) -> None:
        self.encoder.close()


# Two sides are translations of each other when most sentences of at least one side (the
# shorter one of an excerpt) are in pairs clearly above chance. benchmarks/input_warnings.py
# measures that share on German–English news: at least .89 in real translations (.75 damaged,
# .5 with a third of the target alone; WMT24 paragraphs .71), below .4 for 192 of 195
# pairings of one document with another's translation.
CLEAR_PAIR_SCORE = 0.15
MIN_TRANSLATED_SHARE = 0.4
MIN_SEGMENTS_TO_JUDGE = 3  # the chance level of a 2 × 2 document says little


def clearly_paired(beads: list[Bead]) -> tuple[int, int]:
    """Segments of each side (source, target) in pairs scoring at least CLEAR_PAIR_SCORE."""
    clear = [b for b in beads if b.is_pair and b.score >= CLEAR_PAIR_SCORE]
    return sum(len(b.src_ids) for b in clear), sum(len(b.tgt_ids) for b in clear)


def unrelated_sides_warning(beads: list[Bead], n_src: int, n_tgt: int) -> list[str]:
    """A warning where the two sides do not look like translations of each other; else none."""
    if min(n_src, n_tgt) < MIN_SEGMENTS_TO_JUDGE:
        return []
    src_paired, tgt_paired = clearly_paired(beads)
    if max(src_paired / n_src, tgt_paired / n_tgt) >= MIN_TRANSLATED_SHARE:
        return []
    return [
        f"the two sides do not look like translations of each other: {src_paired} of {n_src} source and "
        f"{tgt_paired} of {n_tgt} target sentences are in pairs clearly more alike than unrelated sentences "
        f"(score ≥ {CLEAR_PAIR_SCORE}); the wrong files, or a model that does not know one of the languages?"
    ]


def content_breaks(content_ids: list[int]) -> np.ndarray:
    """True at content position p when a non-content segment separates it from p-1."""
    ids = np.asarray(content_ids, dtype=np.int64)
    return np.concatenate([[False], np.diff(ids) > 1]) if len(ids) else np.zeros(0, dtype=bool)


def merge_non_content(content_beads: list[Bead], source: Side, target: Side) -> list[Bead]:
    """Insert every non-content segment as an unaligned bead, keeping both sides in order."""
    pending_src = [s.id for s in source.segments if not s.is_content]
    pending_tgt = [s.id for s in target.segments if not s.is_content]
    out: list[Bead] = []
    for bead in content_beads:
        if bead.src_ids:
            while pending_src and pending_src[0] < bead.src_ids[0]:
                out.append(Bead([pending_src.pop(0)], [], 0.0))
        if bead.tgt_ids:
            while pending_tgt and pending_tgt[0] < bead.tgt_ids[0]:
                out.append(Bead([], [pending_tgt.pop(0)], 0.0))
        out.append(bead)
    out.extend(Bead([i], [], 0.0) for i in pending_src)
    out.extend(Bead([], [j], 0.0) for j in pending_tgt)
    return out


def mark_coverage(beads: list[Bead]) -> None:
    """Unaligned segments outside the span both sides cover are not gaps, just uncovered.

    The covered range of a side runs from its first to its last paired segment, so the
    German body under an English headline and lead is "outside", not "added".
    """
    paired = [b for b in beads if b.is_pair]
    if not paired:
        for bead in beads:
            bead.covered = False
        return
    src_lo, src_hi = min(b.src_ids[0] for b in paired), max(b.src_ids[-1] for b in paired)
    tgt_lo, tgt_hi = min(b.tgt_ids[0] for b in paired), max(b.tgt_ids[-1] for b in paired)
    for bead in beads:
        if bead.src_ids and not bead.tgt_ids:
            bead.covered = src_lo <= bead.src_ids[0] <= src_hi
        elif bead.tgt_ids and not bead.src_ids:
            bead.covered = tgt_lo <= bead.tgt_ids[0] <= tgt_hi


def align_file(
    path: str | Path,
    path2: str | Path | None = None,
    *,
    model: str | None = None,
    aligner_config: AlignerConfig | None = None,
    flag_config: FlagConfig | None = None,
    **options,
) -> Alignment:
    """Align one document file (mixed-language) or a source/target pair of files."""
    pipeline = Pipeline(model, aligner_config=aligner_config, flag_config=flag_config)
    try:
        return pipeline.align_file(path, path2, **options)
    finally:
        pipeline.close()


def align(
    src_segments: Sequence[str],
    tgt_segments: Sequence[str],
    *,
    model: str | None = None,
    aligner_config: AlignerConfig | None = None,
    flag_config: FlagConfig | None = None,
    **options,
) -> Alignment:
    """Align two lists of segments (each item one segment)."""
    pipeline = Pipeline(model, aligner_config=aligner_config, flag_config=flag_config)
    try:
        return pipeline.align_segments(src_segments, tgt_segments, **options)
    finally:
        pipeline.close()
