"""``number_mismatch``: numbers that differ between the two sides of an aligned pair.

Digits are read under both the English (1,000.5) and the German (1.000,5) convention,
so "4,5"/"4.5" and "1.000"/"1,000" match; number words (0–99, ordinals, "twice") in
English and German count as their value; "2 Millionen" also matches "2,000,000".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Flag
from .context import Context, clip

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


def _word_values() -> dict[str, int]:
    values: dict[str, int] = {}
    for i, w in enumerate(_UNITS_EN):
        if w != "one":  # "one" is mostly a pronoun ("the one who"); digits 1 are lenient instead
            values[w] = i
    for i, w in enumerate(_UNITS_DE):
        values[w] = i
    values.update(_TENS_EN)
    values.update(_TENS_DE)
    for tens, tv in _TENS_EN.items():
        for unit in range(1, 10):
            values[f"{tens}-{_UNITS_EN[unit]}"] = tv + unit
    for tens, tv in _TENS_DE.items():
        for unit, word in enumerate(["ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"], 1):
            values[f"{word}und{tens}"] = tv + unit
    for i, w in enumerate(_ORDINALS_EN, 1):
        values[w] = i
    for i, stem in enumerate(_ORDINALS_DE, 1):
        if stem != "acht":
            for ending in ("e", "en", "er", "es", "em"):
                values[stem + ending] = i
    for ending in ("e", "en", "er", "es", "em"):
        values["acht" + ending] = 8
    for word in ("beide", "beiden", "beider", "beides", "beidem", "both"):
        values[word] = 2  # "die beiden Länder" / "the two countries"
    values.update({"twice": 2, "zweimal": 2, "dreimal": 3, "viermal": 4, "dozen": 12, "dutzend": 12})
    return values


NUMBER_WORDS = _word_values()
_WORD_ALTERNATION = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
_SCALES = {
    "thousand": 1e3, "tausend": 1e3, "tsd": 1e3, "k": 1e3,
    "million": 1e6, "millionen": 1e6, "millions": 1e6, "mio": 1e6, "m": 1e6, "mn": 1e6,
    "billion": 1e9, "billions": 1e9, "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9, "bn": 1e9,
    "trillion": 1e12, "billionen": 1e12,
}  # fmt: skip
# Letters may follow the digits: "44jährige", "1850s", "3rd", "4pm".
NUMBER = re.compile(
    rf"(?<![\w.,])(?P<digits>\d+(?:[.,'\u00a0\u202f]\d+)*)(?!\d)"
    rf"(?:\s?(?P<scale>{'|'.join(_SCALES)})\b\.?)?"
    rf"(?:\s?(?P<clock>Uhr|h\b|a\.\s?m\.|p\.\s?m\.|am\b|pm\b|o'clock))?"
    rf"|\b(?P<word>{_WORD_ALTERNATION})\b",
    re.I,
)
_MONTHS = {
    "January": 1, "Januar": 1, "Jänner": 1, "February": 2, "Februar": 2, "March": 3, "März": 3, "April": 4,
    "May": 5, "Mai": 5, "June": 6, "Juni": 6, "July": 7, "Juli": 7, "August": 8, "September": 9,
    "October": 10, "Oktober": 10, "November": 11, "December": 12, "Dezember": 12,
}  # fmt: skip
# Month names count as numbers (case-sensitive: "may" is a verb) so 14.09.2023 matches "14 September 2023".
MONTH = re.compile(rf"\b(?:{'|'.join(_MONTHS)})\b")
# Words that stand for "one" when the other side writes the digit 1.
_ONE_WORDS = re.compile(
    r"\b(?:one|a|an|single|once|first|ein|eine|einen|einem|einer|eines|einmal|erste[nmrs]?|einzige[nmrs]?)\b", re.I
)


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


def mentions(text: str) -> list[Mention]:
    out = []
    for m in NUMBER.finditer(text):
        clock = (m.group("clock") or "").lower().replace(" ", "")
        if clock and re.fullmatch(r"\d{1,2}[.,]\d{2}", m.group("digits") or ""):
            hour, minute = re.split(r"[.,]", m.group("digits"))  # "3.40 Uhr" is 3:40
            out.append(Mention(hour, _clock_values(float(hour)), False))
            out.append(Mention(minute, frozenset({float(minute)}), False))
            continue
        if m.group("word"):
            out.append(Mention(m.group(), frozenset({float(NUMBER_WORDS[m.group("word").lower()])}), True))
            continue
        for values in _digit_values(m.group("digits")):
            extended = set(values)
            scale = m.group("scale")
            if scale:
                extended |= {v * _SCALES[scale.lower()] for v in values}
            if clock:
                extended |= {v for value in values for v in _clock_values(value)}
            out.append(Mention(m.group(), frozenset(extended), False))
    out.extend(Mention(m.group(), frozenset({float(_MONTHS[m.group()])}), True) for m in MONTH.finditer(text))
    return out


def unmatched(src: str, tgt: str) -> tuple[list[Mention], list[Mention]]:
    """Numbers of each side that find no equal number on the other side."""
    left, right = mentions(src), mentions(tgt)
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
    return missing, extra


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
        missing, extra = ctx.once(unmatched, pair.src_text, pair.tgt_text)
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
