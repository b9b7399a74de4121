"""HTML rendering of an Alignment: a side-by-side table of beads, for Jupyter and as a
standalone page (``report.html``, ``--formats html``); and a batch's index of those pages.

Every bead is one row, in document order, so unaligned segments (a bead with one
empty side) stay visible where they occur. Flagged rows are highlighted and carry
their flags' types and reasons; document-level flags are listed above the table.
Styles are inline because notebook front ends may strip <style> blocks.
"""

from __future__ import annotations

from html import escape
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Alignment, Bead, Flag

DEFAULT_MAX_BEADS = 500  # beyond this the table is cut (to_dataframe() has everything)

_CELL = "padding:2px 6px;vertical-align:top;text-align:left;border-bottom:1px solid #ddd"
_ROW_STYLE = {
    "pair": "",
    "flagged": "background:#fde2e2",
    "unaligned": "background:#fff6d5",
    "uncovered": "color:#888",
}
_KIND_STYLE = "font-size:80%;color:#666;font-style:italic"
_FLAG_STYLE = "display:inline-block;margin:1px 2px;padding:0 4px;border-radius:3px;background:#c62828;color:white"


def row_status(bead: Bead) -> str:
    """How a bead's row is shown: 'flagged', 'pair', 'unaligned' (a gap) or 'uncovered'."""
    if bead.flags:
        return "flagged"
    if bead.is_pair:
        return "pair"
    return "unaligned" if bead.covered else "uncovered"


def _flag_badge(flag: Flag) -> str:
    return (
        f'<span class="align-flag" data-flag="{escape(flag.type)}" title="{escape(flag.reason)}" '
        f'style="{_FLAG_STYLE}">{escape(flag.type)}</span> <span style="font-size:85%">{escape(flag.reason)}</span>'
    )


def _side_cell(alignment: Alignment, bead: Bead, side: str) -> str:
    segments = alignment.source.segments if side == "src" else alignment.target.segments
    ids = bead.src_ids if side == "src" else bead.tgt_ids
    if not ids:
        return f'<td style="{_CELL};color:#aaa">—</td>'
    parts = []
    for i in ids:
        segment = segments[i]
        kind = "" if segment.is_content else f' <span style="{_KIND_STYLE}">[{escape(segment.kind.value)}]</span>'
        parts.append(f"{escape(segment.text)}{kind}")
    return f'<td style="{_CELL}">{"<br>".join(parts)}</td>'


def _ids(ids: list[int]) -> str:
    return ",".join(str(i) for i in ids) or "—"


def alignment_html(alignment: Alignment, max_beads: int | None = DEFAULT_MAX_BEADS, anchors: bool = False) -> str:
    """The alignment as an HTML table (source | target), flags highlighted.

    With ``anchors`` every row has an id (``bead-N``) and the flags are listed above the
    table, each a link to its row: for a standalone page, where ids cannot clash."""
    src, tgt = alignment.source, alignment.target
    pairs = sum(b.is_pair for b in alignment.beads)
    flagged = sum(bool(b.flags) for b in alignment.beads)
    header = (
        f"<p><b>{escape(alignment.doc_id)}</b>: {len(src)} {escape(src.lang)} / {len(tgt)} {escape(tgt.lang)} "
        f"segments, {pairs} pairs, {len(alignment.flags)} flags ({flagged} flagged beads) — "
        f"model {escape(alignment.model)}</p>"
    )
    for warning in alignment.warnings:
        header += f'<p style="color:#a33"><b>warning</b>: {escape(warning)}</p>'
    document_flags = [f for f in alignment.flags if f.segment_id is None]
    if document_flags:
        header += "<ul>" + "".join(f"<li>{_flag_badge(f)}</li>" for f in document_flags) + "</ul>"
    shown = alignment.beads if max_beads is None else alignment.beads[:max_beads]
    if anchors:
        links = [
            f'<li><a href="#bead-{number}">bead {number}</a>: {_flag_badge(flag)}</li>'
            for number, bead in enumerate(shown)
            for flag in bead.flags
        ]
        if links:
            header += (
                f"<details open><summary>{len(links)} flags in the table</summary><ul>{''.join(links)}</ul></details>"
            )
    rows = []
    for number, bead in enumerate(shown):
        status = row_status(bead)
        score = f"{bead.score:.2f}" if bead.is_pair else ""
        flags = "<br>".join(_flag_badge(f) for f in bead.flags)
        row_id = f' id="bead-{number}"' if anchors else ""
        rows.append(
            f'<tr class="align-{status}"{row_id} style="{_ROW_STYLE[status]}">'
            f'<td style="{_CELL}">{number}</td>'
            f'<td style="{_CELL}">{bead.type}</td>'
            f'<td style="{_CELL}">{_ids(bead.src_ids)} : {_ids(bead.tgt_ids)}</td>'
            f'<td style="{_CELL}">{score}</td>'
            f"{_side_cell(alignment, bead, 'src')}{_side_cell(alignment, bead, 'tgt')}"
            f'<td style="{_CELL}">{flags}</td></tr>'
        )
    more = len(alignment.beads) - len(shown)
    footer = f"<p>… {more} more beads not shown; use <code>to_dataframe()</code> for all.</p>" if more > 0 else ""
    head_cells = ("#", "type", "ids", "score", f"source ({src.lang})", f"target ({tgt.lang})", "flags")
    head = "".join(f'<th style="{_CELL}">{escape(c)}</th>' for c in head_cells)
    legend = (
        '<p style="font-size:85%">rows: '
        f'<span style="{_ROW_STYLE["flagged"]}">flagged</span> · '
        f'<span style="{_ROW_STYLE["unaligned"]}">unaligned inside the aligned span</span> · '
        f'<span style="{_ROW_STYLE["uncovered"]}">outside the aligned span</span></p>'
    )
    table = f'<table class="align-beads" style="border-collapse:collapse"><thead><tr>{head}</tr></thead>'
    return f"<div>{header}{legend}{table}<tbody>{''.join(rows)}</tbody></table>{footer}</div>"


def _page_start(title: str) -> str:
    """The opening of a standalone page, up to the start of its body."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)} — align</title>\n</head>\n"
        '<body style="font-family:sans-serif;margin:1em">\n'
    )


def report_page(alignment: Alignment) -> str:
    """A standalone HTML page of the whole alignment (every bead, no cut): ``report.html``,
    for reading in a browser without Python."""
    src, tgt = alignment.source, alignment.target
    body = alignment_html(alignment, max_beads=None, anchors=True)
    return f"{_page_start(f'{alignment.doc_id} ({src.lang} → {tgt.lang})')}{body}\n</body>\n</html>\n"


class BatchIndex:
    """The page a batch's reports open from (``report.html``): one row per document, in
    input order, linking to its report, with its counts, flags and warnings; failed
    documents with their reason. Streamed row by row, so a corpus of any size fits."""

    _COLUMNS = ("#", "document", "languages", "segments", "pairs", "flags", "warnings")

    def __init__(self, stream: IO[str], title: str) -> None:
        self._stream, self._rows = stream, 0
        self._flagged = self._warned = self._failed = 0
        head = "".join(f'<th style="{_CELL}">{escape(c)}</th>' for c in self._COLUMNS)
        stream.write(
            f"{_page_start(title)}<p><b>{escape(title)}</b></p>\n"
            f'<table class="align-documents" style="border-collapse:collapse"><thead><tr>{head}</tr></thead><tbody>\n'
        )

    def _row(self, cells: list[str], style: str) -> None:
        self._rows += 1
        tds = "".join(f'<td style="{_CELL}">{c}</td>' for c in [str(self._rows), *cells])
        self._stream.write(f'<tr style="{style}">{tds}</tr>\n')

    def add(self, summary: dict, href: str) -> None:
        """A document that was aligned: its summary.json object and its report's address."""
        flags = summary.get("flags", {})
        warnings = summary.get("warnings", [])
        self._flagged += bool(flags)
        self._warned += bool(warnings)
        langs, segments = summary["languages"], summary["segments"]
        flag_cells = ", ".join(f"{escape(t)} {n}" for t, n in sorted(flags.items()))
        self._row(
            [
                f'<a href="{escape(href)}">{escape(summary["doc_id"])}</a>',
                f"{escape(langs['src'])} → {escape(langs['tgt'])}",
                f"{segments['src']} / {segments['tgt']}",
                str(summary["pairs"]),
                flag_cells,
                "<br>".join(escape(w) for w in warnings),
            ],
            _ROW_STYLE["flagged"] if flags or warnings else "",
        )

    def add_failure(self, doc_id: str, reason: str) -> None:
        self._failed += 1
        self._row([escape(doc_id), "", "", "", "", f"failed: {escape(reason)}"], _ROW_STYLE["unaligned"])

    def close(self) -> None:
        self._stream.write(
            f"</tbody></table>\n<p>{self._rows} documents: {self._flagged} with flags, {self._warned} with "
            f"warnings, {self._failed} failed.</p>\n</body>\n</html>\n"
        )
