"""Pictures of an alignment: the similarity heat map with the chosen path drawn over it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .model import Alignment

PATH_COLOUR = "#00b3ff"
FLAG_COLOUR = "#ff1744"


def bead_boxes(alignment: Alignment) -> list[tuple[int, int, int, int, bool]]:
    """(first row, last row, first column, last column, flagged) of every paired bead,
    in heat-map coordinates (positions among the content segments)."""
    row_of = {segment_id: row for row, segment_id in enumerate(alignment.src_content_ids)}
    col_of = {segment_id: col for col, segment_id in enumerate(alignment.tgt_content_ids)}
    boxes = []
    for bead in alignment.beads:
        rows = [row_of[i] for i in bead.src_ids if i in row_of]
        cols = [col_of[j] for j in bead.tgt_ids if j in col_of]
        if rows and cols:
            boxes.append((min(rows), max(rows), min(cols), max(cols), bool(bead.flags)))
    return boxes


def plot_alignment(
    alignment: Alignment,
    ax: Axes | None = None,
    *,
    path: bool = True,
    cmap: str = "viridis",
    max_ticks: int = 40,
) -> Axes:
    """Heat map of the calibrated similarity (source rows × target columns), with the
    alignment path over it: a box around every paired bead (red when flagged) and a line
    through their centres. Returns the Axes; pass ``ax`` to draw into your own figure."""
    if ax is None:
        import matplotlib.pyplot as plt

        n, m = alignment.similarity.shape
        _, ax = plt.subplots(figsize=(min(12.0, 3.0 + 0.25 * m), min(12.0, 2.5 + 0.25 * n)))
    from matplotlib.patches import Rectangle

    similarity = np.asarray(alignment.similarity, dtype=np.float32)
    if similarity.size:
        image = ax.imshow(similarity, cmap=cmap, vmin=min(0.0, float(similarity.min())), vmax=1.0, aspect="auto")
        ax.figure.colorbar(image, ax=ax, label="calibrated similarity (0 = chance)")
    if path:
        centres = []
        for row0, row1, col0, col1, flagged in bead_boxes(alignment):
            ax.add_patch(
                Rectangle(
                    (col0 - 0.5, row0 - 0.5),
                    col1 - col0 + 1,
                    row1 - row0 + 1,
                    fill=False,
                    edgecolor=FLAG_COLOUR if flagged else PATH_COLOUR,
                    linewidth=2,
                )
            )
            centres.append(((col0 + col1) / 2, (row0 + row1) / 2))
        if centres:
            xs, ys = zip(*centres, strict=True)
            ax.plot(xs, ys, color=PATH_COLOUR, linewidth=1, alpha=0.8, label="alignment path", gid="alignment-path")
    src, tgt = alignment.source, alignment.target
    ax.set_xlabel(f"target ({tgt.lang}) segment id")
    ax.set_ylabel(f"source ({src.lang}) segment id")
    ax.set_title(f"{alignment.doc_id}: similarity and alignment path")
    for set_ticks, set_labels, ids in (
        (ax.set_xticks, ax.set_xticklabels, alignment.tgt_content_ids),
        (ax.set_yticks, ax.set_yticklabels, alignment.src_content_ids),
    ):
        positions = np.unique(np.linspace(0, len(ids) - 1, min(len(ids), max_ticks)).round().astype(int))
        set_ticks(positions if len(ids) else [])
        set_labels([str(ids[p]) for p in positions] if len(ids) else [])
    ax.set_xlim(-0.5, max(len(alignment.tgt_content_ids), 1) - 0.5)
    ax.set_ylim(max(len(alignment.src_content_ids), 1) - 0.5, -0.5)
    return ax
