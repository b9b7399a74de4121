"""``mt_attribution`` (MT-tool credits) and the document-level ``machine_translated`` verdict."""

from __future__ import annotations

import re

from ..model import Flag, Kind
from ..segment import TRAILER
from .context import Context, clip

# Calling cards the trailer pattern of the segmenter does not cover: statements that a
# text was machine translated, and "powered by" tool credits.
CALLING_CARD = re.compile(
    r"""(?:\b(?:dieser\s+(?:artikel|text|beitrag)\s+wurde\s+)?(?:automatisch|maschinell)\s+übersetzt\b
    |\b(?:this\s+(?:article|text|post)\s+(?:was|has\s+been)\s+)?(?:automatically|machine)[-\s]translated\b
    |\b(?:powered\s+by|bereitgestellt\s+von)\s+(?:google\s+translate|deepl)\b
    |\bwww\.deepl\.com/translator\b
    |\b(?:translated|übersetzt)\s+(?:by|with|mit|von)\s+(?:google\s+translate|deepl\s+translator)\b)""",
    re.X | re.I,
)


def _tool_credit(text: str) -> str | None:
    match = TRAILER.search(text) or CALLING_CARD.search(text)
    return match.group().strip() if match else None


def find_mt_attribution(ctx: Context) -> list[Flag]:
    """MT-tool trailers and calling cards, as whole lines or glued to text."""
    flags = []
    for side, name in ((ctx.doc.source, "src"), (ctx.doc.target, "tgt")):
        for seg in side.segments:
            credit = _tool_credit(seg.text)
            if seg.kind == Kind.TRAILER or credit:
                where = "line" if seg.kind == Kind.TRAILER or credit == seg.text.strip() else "inside the segment"
                flags.append(
                    Flag(
                        "mt_attribution",
                        f"machine-translation tool credit ({where}): “{clip(credit or seg.text)}”",
                        1.0,
                        name,
                        seg.id,
                    )
                )
    return flags


def machine_translated_verdict(ctx: Context) -> list[Flag]:
    """One document-level flag per side that credits an MT tool: that side is machine translated."""
    flags = []
    for side, name in ((ctx.doc.source, "src"), (ctx.doc.target, "tgt")):
        credits = [seg for seg in side.segments if seg.kind == Kind.TRAILER or _tool_credit(seg.text)]
        if credits:
            first = clip(_tool_credit(credits[0].text) or credits[0].text, 60)
            flags.append(
                Flag(
                    "machine_translated",
                    f"the {'source' if name == 'src' else 'target'} side ({side.lang}) is machine translated: "
                    f"{len(credits)} MT-tool credit(s), first “{first}”",
                    1.0,
                    name,
                    None,
                    credits[0].id,
                )
            )
    return flags
