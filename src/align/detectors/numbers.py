"""``number_mismatch``: numbers that differ between the two sides of an aligned pair.

Digits are read under both the English (1,000.5) and the German (1.000,5) convention,
so "4,5"/"4.5" and "1.000"/"1,000" match; "2 Millionen" also matches "2,000,000".
Number words (0–99; English and German ordinals and "twice" too) and month names count
as their value in the languages we have them for (English, German, French), each text
read with its own language's words: "elf" is 11 in German only. Against a language we
have no words for, the other side's number words and small whole numbers (which that
side may spell out) are not compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..model import Flag
from .context import LETTER_WORD, Context, clip, sentence_starts

_UNITS_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
             "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]  # fmt: skip
_TENS_EN = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_UNITS_DE = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf",
             "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn"]  # fmt: skip
_TENS_DE = {"zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80,
            "neunzig": 90}  # fmt: skip
_ORDINALS_EN = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                "eleventh", "twelfth"]  # fmt: skip
_ORDINALS_DE = [
    "erst",
    "zweit",
    "dritt",
    "viert",
    "fünft",
    "sechst",
    "siebt",
    "acht",
    "neunt",
    "zehnt",
    "elft",
    "zwölft",
]


_UNITS_FR = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
             "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"]  # fmt: skip
_TENS_FR = {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}


def _english() -> dict[str, int]:
    # "one" is mostly a pronoun ("the one who"); a lone digit 1 is lenient instead (_ONE_WORDS)
    values = {w: i for i, w in enumerate(_UNITS_EN) if w != "one"} | _TENS_EN
    for tens, tv in _TENS_EN.items():
        for unit in range(1, 10):
            values[f"{tens}-{_UNITS_EN[unit]}"] = tv + unit
    values |= {w: i for i, w in enumerate(_ORDINALS_EN, 1)}
    return values | {"both": 2, "twice": 2, "dozen": 12}


def _german() -> dict[str, int]:
    values = {w: i for i, w in enumerate(_UNITS_DE)} | _TENS_DE
    for tens, tv in _TENS_DE.items():
        for unit, word in enumerate(["ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"], 1):
            values[f"{word}und{tens}"] = tv + unit
    for i, stem in enumerate(_ORDINALS_DE, 1):
        for ending in ("e", "en", "er", "es", "em"):
            values[stem + ending] = 8 if stem == "acht" else i
    for word in ("beide", "beiden", "beider", "beides", "beidem"):
        values[word] = 2  # "die beiden Länder" / "the two countries"
    # "erstmals" / "for the first time"; "Achtelfinale" / "round of 16", "last 16"
    return values | {"zweimal": 2, "dreimal": 3, "viermal": 4, "dutzend": 12, "erstmals": 1, "achtelfinale": 16,
                     "achtelfinal": 16, "achtelfinals": 16}  # fmt: skip


def _french() -> dict[str, int]:
    values = {w: i for i, w in enumerate(_UNITS_FR) if w != "un"} | _TENS_FR  # "un": the article, as "one"
    values |= {"soixante-dix": 70, "quatre-vingt": 80, "quatre-vingts": 80, "quatre-vingt-dix": 90}
    for tens, tv in _TENS_FR.items():
        values[f"{tens}-et-un"] = tv + 1
        for unit in range(2, 10):
            values[f"{tens}-{_UNITS_FR[unit]}"] = tv + unit
    for unit in range(1, 10):  # 71-79 and 91-99 count on from ten: soixante-douze, quatre-vingt-dix-sept
        values[f"soixante-{'et-' if unit == 1 else ''}{_UNITS_FR[10 + unit]}"] = 70 + unit
        values[f"quatre-vingt-{_UNITS_FR[unit]}"] = 80 + unit
        values[f"quatre-vingt-{_UNITS_FR[10 + unit]}"] = 90 + unit
    # no ordinals: "la première ascension", "la deuxième montagne" stand for German compounds
    # ("Erstersteigung", "zweithöchste") that hold no number word of their own
    return values | {"douzaine": 12}


NUMBER_WORDS: dict[str, dict[str, int]] = {"en": _english(), "de": _german(), "fr": _french()}
_SCALES = {
    "thousand": 1e3, "tausend": 1e3, "tsd": 1e3, "k": 1e3,
    "million": 1e6, "millionen": 1e6, "millions": 1e6, "mio": 1e6, "m": 1e6, "mn": 1e6,
    "billion": 1e9, "billions": 1e9, "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9, "bn": 1e9,
    "trillion": 1e12, "billionen": 1e12, "mille": 1e3, "milliard": 1e9, "milliards": 1e9,
}  # fmt: skip
_MONTHS: dict[str, dict[str, int]] = {
    "en": {"January": 1, "February": 2, "March": 3, "April": 4, "May": 5, "June": 6, "July": 7, "August": 8,
           "September": 9, "October": 10, "November": 11, "December": 12},
    "de": {"Januar": 1, "Jänner": 1, "Februar": 2, "März": 3, "April": 4, "Mai": 5, "Juni": 6, "Juli": 7,
           "August": 8, "September": 9, "Oktober": 10, "November": 11, "Dezember": 12},
    "fr": {"janvier": 1, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "août": 8,
           "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12},
}  # fmt: skip
# Abbreviated month names, read as months only before a point ("Nov. 5", "Aug. 21-Sept. 23", "Okt. 2019",
# "nov. 1956"): without one, "Jan" is a first name and "Mar" a word
MONTH_ABBREVIATIONS: dict[str, dict[str, int]] = {
    "en": {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Sept": 9, "Oct": 10,
           "Nov": 11, "Dec": 12},
    "de": {"Jan": 1, "Feb": 2, "Mär": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Sept": 9, "Okt": 10,
           "Nov": 11, "Dez": 12},
    "fr": {"janv": 1, "févr": 2, "avr": 4, "juil": 7, "oct": 10, "nov": 11, "déc": 12},  # "sept." is seven too
}  # fmt: skip
# Roman numerals II to XXXIX in capitals ("Lager II", "Ludwig XIV.", "XIXe siècle"); a lone I, V or X
# is a pronoun, a letter or a variable more often than a number
_ROMAN = re.compile(r"\b(?P<roman>[IVX]{2,})(?:e|er|ème|es)?\b")
_ROMAN_WELL_FORMED = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
# Words that stand for "one" when the other side writes the digit 1.
_ONE_WORDS = re.compile(
    r"\b(?:one|a|an|single|once|first|ein|eine|einen|einem|einer|eines|einmal|erste[nmrs]?|einzige[nmrs]?"
    r"|une?|premi[eè]re?s?|seule?s?)\b",
    re.I,
)


@dataclass(frozen=True)
class _Reader:
    """How one language's text is read: its number pattern, number words and month names."""

    number: re.Pattern[str]
    words: dict[str, int]
    months: dict[str, int]
    month: re.Pattern[str] | None


@lru_cache(maxsize=16)
def _reader(lang: str | None) -> _Reader:
    """The reader for a language; ``None``: every language's words at once (no language given)."""
    if lang is None:
        words = {w: v for table in NUMBER_WORDS.values() for w, v in table.items()}
        months = {m: v for table in _MONTHS.values() for m, v in table.items()}
        short = {m: v for table in MONTH_ABBREVIATIONS.values() for m, v in table.items()}
    else:
        words, months = NUMBER_WORDS.get(lang, {}), _MONTHS.get(lang, {})
        short = MONTH_ABBREVIATIONS.get(lang, {})
    # capitalised words too ("Drei Tage", "Septembre 2023" at a sentence start); months case-sensitively
    # ("may" is a verb), with the capitalised form of a language that writes them in lower case
    months = months | {m.capitalize(): v for m, v in months.items()}
    short = short | {m.capitalize(): v for m, v in short.items()}
    alternation = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    # Letters may follow the digits: "44jährige", "1850s", "3rd", "4pm"; a point may precede them
    # only after a letter ("S.298", "Nr.212"): the parts of 1.000 or -.35 are not numbers; one
    # capital letter may ("A81" / "A 81", "U21" / "under-21")
    number = re.compile(
        rf"(?:(?<=[^\W\d_]\.)|(?<=\b[A-Z])|(?<![\w.,]))(?P<digits>\d+(?:[.,'\u00a0\u202f]\d+)*)(?!\d)"
        rf"(?:\s?(?P<scale>{'|'.join(_SCALES)})\b\.?)?"
        rf"(?:\s?(?P<clock>Uhr|h\b|a\.\s?m\.|p\.\s?m\.|am\b|pm\b|o'clock))?"
        + (rf"|\b(?P<word>{alternation})\b" if words else ""),
        re.I,
    )
    month = (
        re.compile(
            rf"\b(?:{'|'.join(sorted(months, key=len, reverse=True))})\b"
            + (rf"|\b(?:{'|'.join(sorted(short, key=len, reverse=True))})(?=\s?\.)" if short else "")
        )
        if months
        else None
    )
    return _Reader(number, words, months | short, month)


def reads_number_words(lang: str | None) -> bool:
    """Whether number words and month names of this language are known (None: any language)."""
    return lang is None or lang in NUMBER_WORDS


@dataclass(frozen=True)
class Mention:
    text: str
    values: frozenset[float]
    is_word: bool


def _digit_values(raw: str) -> list[frozenset[float]]:
    """Possible values of a digit string; a date such as 14.09.2023 gives several numbers."""
    parts = re.split(r"[.,'\u00a0\u202f]", raw)
    seps = re.findall(r"[.,'\u00a0\u202f]", raw)
    if not seps:
        return [frozenset({float(raw)})]
    values: set[float] = set()
    if all(len(p) == 3 for p in parts[1:]) and len(set(seps)) == 1:
        values.add(float("".join(parts)))  # thousands separators
    if len(seps) == 1:
        values.add(float(f"{parts[0]}.{parts[1]}"))  # decimal point or comma
    elif len(set(seps)) == 2 and seps[-1] != seps[0]:
        values.add(float("".join(parts[:-1]) + "." + parts[-1]))  # 1.234,5 / 1,234.5
    if not values:  # 14.09.2023, 1.2.3: several numbers
        return [frozenset({float(p)}) for p in parts if p]
    return [frozenset(values)]


def _clock_values(hour: float) -> frozenset[float]:
    """15 Uhr = 3 p.m."""
    return frozenset({hour, hour - 12 if 12 < hour <= 24 else hour + 12})


_CLOCK_TIME = re.compile(r"(?<![\d.,:])(\d{1,2}):(\d{2})(?![\d:])")  # 23:00, 9:45


def _time_mentions(hour: str, minute: str) -> list[Mention]:
    """A time of day: the hour, either way round the clock ("23:00 Uhr" / "11 p.m."), and its
    minutes unless none ("11 p.m." writes no "00")."""
    out = [Mention(hour, _clock_values(float(hour)), False)]
    if minute != "00":
        out.append(Mention(minute, frozenset({float(minute)}), False))
    return out


# Thousands grouped by a plain space, as German and French typesetters do: "60 000 Euro"
_SPACE_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?!\d)")
# "second" as a unit of time, not the ordinal: "per second", "a split second", "a fraction of a
# second", "hundreds of times a second." ("of a second wave" and "a second fine" stay ordinals)
_SECOND_OF_TIME = re.compile(
    r"\b(?:per|split|(?:fraction|(?:ten|hundred|thousand|million)ths?)\s+of\s+an?)\s+seconds?\b"
    r"|\ba\s+second(?=\s*(?:[.,;:!?)\]]|$))",
    re.I,
)
_BEFORE_A_NUMBER = re.compile(r"\s*\d")


def _modal_may(text: str, start: int, end: int) -> bool:
    """ "May" opening a sentence is the verb ("May cause liver damage", "May you have the courage"),
    unless a day or a year follows ("May 2019 was the wettest")."""
    return text[start:end] == "May" and start in sentence_starts(text) and not _BEFORE_A_NUMBER.match(text, end)


def mentions(text: str, lang: str | None = None) -> list[Mention]:
    reader = _reader(lang)
    out: list[Mention] = []
    for m in _CLOCK_TIME.finditer(text):
        out.extend(_time_mentions(m.group(1), m.group(2)))
    text = _CLOCK_TIME.sub(lambda m: " " * len(m.group()), text)  # read once, as a time
    # the same length, so positions stay: a no-break space is a thousands separator already
    text = _SPACE_GROUPED.sub(lambda m: m.group().replace(" ", "\u00a0"), text)
    units = [m.span() for m in _SECOND_OF_TIME.finditer(text)]
    for m in reader.number.finditer(text):
        clock = (m.group("clock") or "").lower().replace(" ", "")
        if clock and re.fullmatch(r"\d{1,2}[.,]\d{2}", m.group("digits") or ""):
            out.extend(_time_mentions(*re.split(r"[.,]", m.group("digits"))))  # "3.40 Uhr" is 3:40
            continue
        if reader.words and m.group("word"):
            if not any(start <= m.start() < end for start, end in units):
                out.append(Mention(m.group(), frozenset({float(reader.words[m.group("word").lower()])}), True))
            continue
        for values in _digit_values(m.group("digits")):
            extended = set(values)
            scale = m.group("scale")
            if scale:
                extended |= {v * _SCALES[scale.lower()] for v in values}
            if clock:
                extended |= {v for value in values for v in _clock_values(value)}
            out.append(Mention(m.group(), frozenset(extended), False))
    out.extend(
        Mention(m.group(), frozenset({float(_roman_value(m.group("roman")))}), False)
        for m in _ROMAN.finditer(text)
        if is_roman_numeral(m.group("roman"))
    )
    if reader.month is not None:
        out.extend(
            Mention(m.group(), frozenset({float(reader.months[m.group()])}), True)
            for m in reader.month.finditer(text)
            if not _modal_may(text, m.start(), m.end())
        )
    return out


def is_roman_numeral(word: str) -> bool:
    """II to XXXIX in capitals, well formed ("XIV" yes, "IIII", "VX" and a lone "I" no)."""
    return len(word) >= 2 and _ROMAN_WELL_FORMED.fullmatch(word) is not None


def _roman_value(numeral: str) -> int:
    """XIV = 14: a symbol before a larger one is subtracted."""
    values = [_ROMAN_VALUES[c] for c in numeral]
    return sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0], strict=True))


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def _may_be_spelled(mention: Mention) -> bool:
    """A number word, or a whole number under 100 that the other side may have written as one."""
    return mention.is_word or any(v.is_integer() and 0 <= v < 100 for v in mention.values)


def unmatched(
    src: str, tgt: str, src_lang: str | None = None, tgt_lang: str | None = None
) -> tuple[list[Mention], list[Mention]]:
    """Numbers of each side that find no equal number on the other side (languages: ISO codes;
    None reads every language's number words)."""
    left, right = mentions(src, src_lang), mentions(tgt, tgt_lang)
    used = [False] * len(right)
    missing = []
    for mention in left:
        for k, other in enumerate(right):
            if not used[k] and mention.values & other.values:
                used[k] = True
                break
        else:
            missing.append(mention)
    extra = [m for m, u in zip(right, used, strict=True) if not u]
    # a lone "1" against "one"/"ein"/"a": the other side wrote it as a word we do not count
    missing = [m for m in missing if not (1.0 in m.values and _ONE_WORDS.search(tgt))]
    extra = [m for m in extra if not (1.0 in m.values and _ONE_WORDS.search(src))]
    # a word the other side has verbatim is a name there ("BBC Two", "Theresa May", "Anwar Mai")
    missing = [m for m in missing if not (m.is_word and _has_word(tgt, m.text))]
    extra = [m for m in extra if not (m.is_word and _has_word(src, m.text))]
    # a number the other side writes inside a longer word: "three-day" / "dreitägig", "4th-ranked" /
    # "Tabellenvierten"; "both", "first" and "twice" that are no numbers there
    missing = [m for m in missing if not _in_a_word(m, tgt, tgt_lang) and not _not_counted(m, src, tgt)]
    extra = [m for m in extra if not _in_a_word(m, src, src_lang) and not _not_counted(m, tgt, src)]
    # against a language whose number words we cannot read, "drei" or "3" may be there as a word
    if not reads_number_words(tgt_lang):
        missing = [m for m in missing if not _may_be_spelled(m)]
    if not reads_number_words(src_lang):
        extra = [m for m in extra if not _may_be_spelled(m)]
    return missing, extra


_BOTH_AND = re.compile(r"\b(?:sowohl|à la fois)\b", re.I)  # "both X and Y" in German and French
_BOTH_AND_HERE = re.compile(r"\bboth\s+(?:[^\s,;:.!?]+\s+){0,5}and\b", re.I)  # "both domestic and foreign"
# "first" as an adverb: "was first shown" / "wurde zuerst gezeigt", "First, we" / "Wir müssen erstmal"
_FIRST_ADVERBS = re.compile(r"\b(?:zuerst|zunächst|erst|erstmal|vorerst|anfangs|d['’]abord)\b", re.I)
# "twice as rich" / "doppelt so reich", "twice the energy" / "die doppelte Energie"; not numbers
# themselves ("ohne doppelten Boden" / "without a false floor")
_TWICE_WORDS = re.compile(r"\b(?:doppelt|verdoppel|doubl)\w*", re.I)


def _not_counted(mention: Mention, own_text: str, other_text: str) -> bool:
    """An unmatched "both" that joins two things ("both X and Y": "sowohl X als auch Y", or just
    "X und Y"), a "first" the other side says with an adverb, a "twice" it says with "doppelt".
    Only unmatched ones: "beide" on the other side has already matched a "both"."""
    word = mention.text.lower()
    if word == "both":
        return _BOTH_AND.search(other_text) is not None or _BOTH_AND_HERE.search(own_text) is not None
    if word == "twice":
        return _TWICE_WORDS.search(other_text) is not None
    return word == "first" and _FIRST_ADVERBS.search(other_text) is not None


@lru_cache(maxsize=16)
def _word_parts(lang: str | None) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    """Number words of a language as the start of a longer word ("drei" of "dreitägig", "zweit" of
    "zweitgrößten") and as its end ("vierten" of "Tabellenvierten"). Short words and ones that
    begin or end common words stay out ("acht": "Achtung", "Nacht"; "erst": "erstmals" is not 1st)."""
    words = {w: v for w, v in _reader(lang).words.items() if "-" not in w and " " not in w}
    stems = {stem: i for i, stem in enumerate(_ORDINALS_DE, 1)} if lang in (None, "de") else {}
    starts = {w: v for w, v in (words | stems).items() if len(w) >= 4 and w not in ("acht", "erst")}
    ends = {w: v for w, v in words.items() if len(w) >= 5}
    return tuple(starts.items()), tuple(ends.items())


def _in_a_word(mention: Mention, other_text: str, other_lang: str | None) -> bool:
    """Whether the other text holds the mention's number (a whole number under 100) inside a longer word."""
    values = {v for v in mention.values if v.is_integer() and 0 < v < 100}
    if not values or not reads_number_words(other_lang):
        return False
    starts, ends = _word_parts(other_lang)
    for word in LETTER_WORD.findall(other_text.lower()):
        if any(v in values and len(word) > len(p) and word.startswith(p) for p, v in starts):
            return True
        if any(v in values and len(word) > len(p) and word.endswith(p) for p, v in ends):
            return True
    return False


def mismatch_score(missing: list[Mention], extra: list[Mention]) -> float:
    """1 for a changed digit number, .8 for a number only one side has, .7 if only words are involved."""
    if not missing and not extra:
        return 0.0
    if all(m.is_word for m in missing + extra):
        return 0.7
    return 1.0 if missing and extra else 0.8


def find_number_mismatches(ctx: Context) -> list[Flag]:
    threshold = ctx.config.threshold("number_mismatch")
    flags = []
    for pair in ctx.pairs():
        missing, extra = ctx.once(unmatched, pair.src_text, pair.tgt_text, ctx.src_lang, ctx.tgt_lang)
        score = mismatch_score(missing, extra)
        if score and score >= threshold:
            parts = []
            if missing:
                parts.append("source has " + ", ".join(f"“{m.text}”" for m in missing))
            if extra:
                parts.append("target has " + ", ".join(f"“{m.text}”" for m in extra))
            reason = f"numbers differ ({'; '.join(parts)}): “{clip(pair.tgt_text)}”"
            flags.append(Flag("number_mismatch", reason, score, "tgt", pair.tgt_id, pair.src_id))
    return flags
