"""Pipeline-level behaviour: beads partition both sides; the Python API and its exports."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from align import AlignError, Kind, Segment, Side
from align.aligner import align_vectors
from align.model import Bead
from align.pipeline import content_breaks, mark_coverage, merge_non_content
from conftest import deen_document, shared


def _side(kinds: list[Kind]) -> Side:
    segments = [Segment(i, f"s{i}", 0, 0, kind) for i, kind in enumerate(kinds)]
    return Side("xx", "", segments)


kinds = st.lists(st.sampled_from([Kind.SENTENCE, Kind.SENTENCE, Kind.HEADLINE, Kind.BYLINE, Kind.TRAILER]), max_size=25)


@settings(max_examples=150, deadline=None)
@given(src_kinds=kinds, tgt_kinds=kinds, seed=st.integers(0, 2**16), noise=st.floats(0.0, 0.95))
def test_beads_partition_both_sides_in_order(src_kinds: list[Kind], tgt_kinds: list[Kind], seed: int, noise: float):
    rng = np.random.default_rng(seed)
    source, target = _side(src_kinds), _side(tgt_kinds)
    src_ids, tgt_ids = source.content_ids(), target.content_ids()

    def unit(n: int) -> np.ndarray:
        v = rng.normal(size=(n, 8)).astype(np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-6)

    raw = align_vectors(
        unit(len(src_ids)),
        unit(len(tgt_ids)),
        rng.integers(1, 200, len(src_ids)).astype(float),
        rng.integers(1, 200, len(tgt_ids)).astype(float),
        noise,
        src_breaks=content_breaks(src_ids),
        tgt_breaks=content_breaks(tgt_ids),
    )
    content = [Bead([src_ids[i] for i in r.src], [tgt_ids[j] for j in r.tgt], r.score) for r in raw]
    beads = merge_non_content(content, source, target)
    mark_coverage(beads)
    assert [i for b in beads for i in b.src_ids] == list(range(len(src_kinds))), "each source segment once, in order"
    assert [j for b in beads for j in b.tgt_ids] == list(range(len(tgt_kinds))), "each target segment once, in order"
    for bead in beads:
        assert bead.src_ids or bead.tgt_ids
        assert bead.src_ids == sorted(bead.src_ids) and bead.tgt_ids == sorted(bead.tgt_ids)
        if any(not source.segments[i].is_content for i in bead.src_ids) or any(
            not target.segments[j].is_content for j in bead.tgt_ids
        ):
            assert len(bead.src_ids) + len(bead.tgt_ids) == 1, "non-content segments are never paired"


def test_align_api_on_real_parallel_sentences(pipeline, monkeypatch) -> None:
    path = shared("deen", "wmt20_newstest2020_ende.tsv")
    table = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    doc = table[table["doc_id"] == table["doc_id"].iloc[0]]
    en, de = list(doc["en"]), list(doc["de"])
    # drop one German sentence (a short one): every other sentence keeps its
    # 1-1 pair, and the flags name the dropped one as an omission
    dropped = len(de) // 2
    de_damaged = de[:dropped] + de[dropped + 1 :]
    expected = [([i], [i if i < dropped else i - 1]) for i in range(len(en)) if i != dropped]
    result = pipeline.align_segments(en, de_damaged, src_lang="en", tgt_lang="de")
    pairs = [(b.src_ids, b.tgt_ids) for b in result.beads if b.is_pair]
    # the default gap cost may take it into a neighbour's pair ...
    assert [([i for i in src if i != dropped], tgt) for src, tgt in pairs] == expected
    omissions = [f for f in result.flags if f.type == "omission"]
    assert [(f.segment_id, f.side) for f in omissions] == [(dropped, "src")]
    # ... the .03 gap cost of ``--aligner skip_penalty=0.03`` leaves it out of every pair
    monkeypatch.setattr(pipeline, "aligner_config", replace(pipeline.aligner_config, skip_penalty=0.03))
    kept_out = pipeline.align_segments(en, de_damaged, src_lang="en", tgt_lang="de")
    assert [(b.src_ids, b.tgt_ids) for b in kept_out.beads if b.is_pair] == expected
    assert [f.segment_id for f in kept_out.flags if f.type == "omission"] == [dropped]
    frame = result.to_dataframe()
    assert {"src_ids", "tgt_ids", "src_text", "tgt_text", "score", "flags"} <= set(frame.columns)
    assert len(frame) == len(result.beads)


def test_to_tsv_escapes_tabs_and_newlines(pipeline, tmp_path: Path) -> None:
    en = ["The first\tsentence has a tab.", "Prices rose by 4.5 percent in May.", "Back\\slash here."]
    de = ["Der erste\tSatz hat einen Tab.", "Die Preise stiegen im Mai um 4,5 Prozent.", "Rück\\strich hier."]
    result = pipeline.align_segments(en, de, src_lang="en", tgt_lang="de")
    path = tmp_path / "corpus.tsv"
    result.to_tsv(path)
    rows = path.read_text(encoding="utf-8").splitlines()
    assert all(row.count("\t") == rows[0].count("\t") for row in rows)
    table = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    assert list(table["src"]) == ["The first\\tsentence has a tab.", en[1], "Back\\\\slash here."]


def test_align_segments_warns_about_swapped_languages_and_lowercases_codes(pipeline) -> None:
    en, de = deen_document("wmt20_newstest2020_ende.tsv", "guardian.260695")
    right = pipeline.align_segments(en, de, src_lang="EN", tgt_lang="DE")
    assert (right.source.lang, right.target.lang) == ("en", "de") and right.warnings == []
    swapped = pipeline.align_segments(en, de, src_lang="de", tgt_lang="en")
    assert swapped.warnings == [
        "the source reads as en and the target as de, but the source is taken as de and the target as en: "
        "are the languages (or the files) the wrong way round?"
    ]
    assert swapped.summary()["warnings"] == swapped.warnings
    assert pipeline.align_segments(en, de).warnings == []  # "src"/"tgt": no languages to check


def test_two_unrelated_documents_are_named_and_an_excerpt_is_not(pipeline) -> None:
    # a wrong manifest row: one article's English with another article's German
    en, de = deen_document("wmt20_newstest2020_ende.tsv", "guardian.260695")
    _, other_de = deen_document("wmt20_newstest2020_ende.tsv", "aj-english.8643")
    unrelated = pipeline.align_segments(en, other_de, src_lang="en", tgt_lang="de")
    [warning] = unrelated.warnings
    assert warning.startswith("the two sides do not look like translations of each other: ")
    assert f" of {len(en)} source and " in warning and warning.endswith("not know one of the languages?")
    assert unrelated.summary()["warnings"] == [warning]
    assert pipeline.align_segments(en, de, src_lang="en", tgt_lang="de").warnings == []
    assert pipeline.align_segments(en, de[:3], src_lang="en", tgt_lang="de").warnings == []  # an excerpt
    assert pipeline.align_segments(en[:2], other_de[:2], src_lang="en", tgt_lang="de").warnings == []  # too short


def test_align_segments_rejects_a_string_instead_of_a_list(pipeline) -> None:
    with pytest.raises(AlignError, match=r"not one string \(split running text with \[s.text for s in align.segment"):
        pipeline.align_segments("One sentence.", ["Ein Satz."])
