"""Alignment in Jupyter: the HTML table and the heat-map plot, on the seed article."""

from __future__ import annotations

import re
from html import escape

import matplotlib
import numpy as np
import pytest

from align.display import alignment_html, row_status
from align.plot import FLAG_COLOUR, PATH_COLOUR, bead_boxes
from conftest import SEED, deen_document

matplotlib.use("Agg")

DE_REPEAT = "Putin habe über Transportkapazitäten gesprochen."
DE_TRAILER = "Übersetzt mit Deepl.com"


@pytest.fixture(scope="module")
def seed(pipeline):
    return pipeline.align_file(SEED)


def rows_of(html: str) -> list[str]:
    return re.findall(r"<tr class=\"align-[a-z]+\".*?</tr>", html, flags=re.S)


def test_one_row_per_bead_with_every_segment_visible(seed) -> None:
    html = seed._repr_html_()
    assert len(rows_of(html)) == len(seed.beads)
    for side in (seed.source, seed.target):
        for segment in side.segments:
            assert escape(segment.text) in html  # unaligned and non-content segments are shown too


def test_language_warnings_stand_above_the_table(seed, pipeline, tmp_path) -> None:
    assert "<b>warning</b>" not in seed._repr_html_()
    en, de = deen_document("wmt20_newstest2020_ende.tsv", "guardian.260695")
    (tmp_path / "a.en").write_text("\n".join(en), encoding="utf-8")
    (tmp_path / "a.de").write_text("\n".join(de), encoding="utf-8")
    swapped = pipeline.align_file(tmp_path / "a.en", tmp_path / "a.de", src_lang="de", tgt_lang="en")
    [warning] = swapped.warnings
    html = swapped._repr_html_()
    assert f"<b>warning</b>: {escape(warning)}</p>" in html and html.index("warning") < html.index("<table")


def test_pairs_sit_side_by_side(seed) -> None:
    rows = rows_of(seed._repr_html_())
    for row, bead in zip(rows, seed.beads, strict=True):
        if bead.is_pair:
            src_cell, tgt_cell = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)[4:6]
            assert all(escape(seed.source.segments[i].text) in src_cell for i in bead.src_ids)
            assert all(escape(seed.target.segments[j].text) in tgt_cell for j in bead.tgt_ids)


def test_flags_are_highlighted_with_their_reasons(seed) -> None:
    rows = rows_of(seed._repr_html_())
    by_text = {}
    for row, bead in zip(rows, seed.beads, strict=True):
        by_text[seed.tgt_text(bead)] = (row, bead)
    repeat_row, repeat_bead = by_text[DE_REPEAT]
    assert 'class="align-flagged"' in repeat_row and 'data-flag="duplicate"' in repeat_row
    duplicate = next(f for f in repeat_bead.flags if f.type == "duplicate")
    assert escape(duplicate.reason) in repeat_row
    trailer_row, _ = by_text[DE_TRAILER]
    assert 'data-flag="mt_attribution"' in trailer_row
    for row, bead in zip(rows, seed.beads, strict=True):
        assert (f'class="align-{row_status(bead)}"' in row) and (('align-flag"' in row) == bool(bead.flags))


def test_unaligned_segments_are_marked(seed) -> None:
    rows = rows_of(seed._repr_html_())
    statuses = [row_status(b) for b in seed.beads]
    assert "uncovered" in statuses  # the German body under the English headline and lead
    for row, bead in zip(rows, seed.beads, strict=True):
        if not bead.is_pair:
            assert "—" in row  # the empty side


def test_text_is_escaped(pipeline) -> None:
    result = pipeline.align_segments(
        ["The <b>new</b> law & its critics."],
        ["Das <b>neue</b> Gesetz & seine Kritiker."],
        src_lang="en",
        tgt_lang="de",
    )
    html = alignment_html(result)
    assert "&lt;b&gt;new&lt;/b&gt; law &amp; its critics." in html
    assert "<b>new</b>" not in html


def test_long_alignments_are_cut_with_a_note(seed) -> None:
    html = alignment_html(seed, max_beads=3)
    assert len(rows_of(html)) == 3
    assert f"{len(seed.beads) - 3} more beads not shown" in html


def test_plot_draws_the_similarity_and_the_path(seed) -> None:
    ax = seed.plot()
    images = ax.get_images()
    assert len(images) == 1
    np.testing.assert_array_equal(np.asarray(images[0].get_array()), seed.similarity)
    boxes = bead_boxes(seed)
    assert len(boxes) == sum(b.is_pair for b in seed.beads) == len(ax.patches)
    for patch, (_, _, _, _, flagged) in zip(ax.patches, boxes, strict=True):
        expected = FLAG_COLOUR if flagged else PATH_COLOUR
        assert matplotlib.colors.to_hex(patch.get_edgecolor()) == expected
    (path,) = [line for line in ax.get_lines() if line.get_gid() == "alignment-path"]
    xs, ys = path.get_data()
    assert list(xs) == [(c0 + c1) / 2 for _, _, c0, c1, _ in boxes]
    assert list(ys) == [(r0 + r1) / 2 for r0, r1, _, _, _ in boxes]
    # the boxes cover exactly the paired beads' segments, in heat-map positions
    pairs = [b for b in seed.beads if b.is_pair]
    for (r0, r1, c0, c1, _), bead in zip(boxes, pairs, strict=True):
        assert [seed.src_content_ids[r] for r in range(r0, r1 + 1)] == bead.src_ids
        assert [seed.tgt_content_ids[c] for c in range(c0, c1 + 1)] == bead.tgt_ids
    matplotlib.pyplot.close(ax.figure)


def test_plot_into_given_axes_without_path(seed) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert seed.plot(ax, path=False) is ax
    assert len(ax.patches) == 0 and ax.get_images()
    plt.close(fig)


def test_dataframe_has_one_row_per_bead(seed) -> None:
    frame = seed.to_dataframe()
    assert len(frame) == len(seed.beads)
    assert list(frame["tgt_text"]).count(DE_REPEAT) == 1
