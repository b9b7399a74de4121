"""``duplicate`` (a segment repeating a nearby one) and ``repetition`` (a loop inside one)."""

from __future__ import annotations

import re

from ..model import Flag, Segment, Side
from .context import Context, clip, tokens

# Word doublings that are grammatical ("the ones that that", "he had had", German
# relative clauses "…, die die Regierung …").
_LEGIT_DOUBLES = {
    "en": {"that", "had", "is", "very", "ha", "bye", "no", "so", "yeah", "well", "really", "far", "more", "knock"},
    "de": {"die", "der", "das", "dass", "sie", "ha", "nein", "ja", "so", "sehr", "wer", "was"},
}
_ANY_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_CLAUSE_MARKS = ".,;:!?"  # copies across these are emphasis or grammar: "stop, stop", "war, war", "it. It"
_JOINERS = "-:/"  # a loop starting or ending at one of these is part of a token: "seven-time time", "1 1/2"


def _free_standing(text: str, matches: list[re.Match[str]], start: int, size: int, copies: int) -> bool:
    """Are the copies separate words, back to back: "ago ago", "Covid-19 Covid-19", "(SANParks) (SANParks)"?

    Not across a comma or a stop ("really, really", "…, werden, werden …", "scream. Don't scream"),
    nor scores "1:1 (1:0)", "2:0 (2:0)", "17:21, 21:17", "Hush...Hush", "B.B. King", "seven-time time",
    "ein Ein- oder Zweifamilienhaus".
    """
    end = start + copies * size  # one past the loop's last word
    before = text[matches[start].start() - 1] if matches[start].start() else " "
    after = text[matches[end - 1].end()] if matches[end - 1].end() < len(text) else " "
    if before in _JOINERS or after in _JOINERS:
        return False
    for k in range(1, copies):
        gap = text[matches[start + k * size - 1].end() : matches[start + k * size].start()]
        if not any(c.isspace() for c in gap) or any(c in _CLAUSE_MARKS for c in gap):
            return False
        if "(" in gap and all(m.group().isdigit() for m in matches[start : start + size]):
            return False  # a result and the half-time result in brackets: "2:0 (2:0)"
    return True


def containment(repeat: list[str], earlier: list[str]) -> float:
    """Share of the repeat's word tokens that also occur in the earlier segment."""
    if not repeat:
        return 0.0
    pool = set(earlier)
    return sum(t in pool for t in repeat) / len(repeat)


def _duplicates_on(side: Side, side_name: str, ctx: Context) -> list[Flag]:
    config = ctx.config
    threshold = config.threshold("duplicate")
    flags = []
    content = [s for s in side.segments if s.is_content]
    toks = [tokens(s.text) for s in content]
    for pos, seg in enumerate(content):
        if len(toks[pos]) < config.duplicate_min_tokens:
            continue
        best: tuple[float, Segment] | None = None
        for prev in range(max(0, pos - config.duplicate_window), pos):
            score = containment(toks[pos], toks[prev])
            if best is None or score > best[0]:
                best = (score, content[prev])
        if best and best[0] >= threshold:
            score, first = best
            how = "repeats" if len(toks[pos]) >= 0.8 * len(tokens(first.text)) else "repeats part of"
            flags.append(
                Flag(
                    "duplicate",
                    f"{side_name} segment {seg.id} {how} segment {first.id} "
                    f"({score:.0%} of its words): “{clip(seg.text)}”",
                    score,
                    side_name,
                    seg.id,
                    first.id,
                )
            )
    return flags


def find_duplicates(ctx: Context) -> list[Flag]:
    """Segments that repeat (exactly, nearly, or contained in) a segment just before them.

    The later copy is flagged: that is the one an MT system or an editor added.
    """
    return _duplicates_on(ctx.doc.source, "src", ctx) + _duplicates_on(ctx.doc.target, "tgt", ctx)


def loop_in(text: str, lang: str) -> tuple[float, str] | None:
    """The strongest run of a word or phrase repeated back to back in text, as (score, phrase).

    Score: a single word doubled .6, a phrase doubled .8, anything three or more times 1.
    """
    matches = list(_ANY_WORD.finditer(text))
    words = [m.group() for m in matches]
    lowered = [w.lower() for w in words]
    legit = _LEGIT_DOUBLES.get(lang, set())
    best: tuple[float, str] | None = None
    for size in range(1, 7):
        for start in range(len(lowered) - 2 * size + 1):
            unit = lowered[start : start + size]
            copies = 1
            while lowered[start + copies * size : start + (copies + 1) * size] == unit:
                copies += 1
            if copies < 2:
                continue
            if not _free_standing(text, matches, start, size, copies):
                continue
            if size == 1 and re.fullmatch(r"\d{3}", unit[0]):
                continue  # thousands groups: "1 000 000"
            if copies == 2 and size == 1 and unit[0] in legit:
                continue
            score = 1.0 if copies >= 3 else (0.6 if size == 1 else 0.8)
            if best is None or score > best[0]:
                best = (score, " ".join(words[start : start + copies * size]))
    return best


def find_repetitions(ctx: Context) -> list[Flag]:
    """Runaway repetition inside one segment ("three weeks ago ago ago")."""
    threshold = ctx.config.threshold("repetition")
    flags = []
    for side, name in ((ctx.doc.source, "src"), (ctx.doc.target, "tgt")):
        for seg in side.segments:
            if not seg.is_content:
                continue
            found = loop_in(seg.text, side.lang)
            if found and found[0] >= threshold:
                flags.append(
                    Flag(
                        "repetition", f"{name} segment {seg.id} repeats “{clip(found[1], 60)}”", found[0], name, seg.id
                    )
                )
    return flags
