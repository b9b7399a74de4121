"""``untranslated``: target text left in the source language, whole segments or words.

Whole segments: language identification (Lingua) says the target segment is in the
source language; in a segment mostly of names (a list of climbers, a photo credit) its
other words must say so too, since names read as the language of their owner.

Words: a target word that also occurs in the aligned source and is a common word of the
source language but not of the target language ("wichtigen" in an English sentence); names
are not, because a name is about as frequent in both, nor are words the source writes as
names or titles ("The Heiress"), nor a lone English word that a German text capitalises like
its own nouns ("Vaping", "Follower": borrowed nouns), nor the end of a name the source has
too ("Marcel Kurz", "Himalaya-Gesellschaft" in a French text).
"""

from __future__ import annotations

import re

from .. import langid
from ..errors import AlignError
from ..model import Flag
from .context import LETTER_WORD, Context, clip, zipf

MIN_SOURCE_ZIPF = 2.0  # the word must be an established source-language word …
MIN_ZIPF_GAP = 1.5  # … clearly more frequent in the source language …
MAX_TARGET_ZIPF = 3.0  # … and not an established target-language word (loanwords: "Team", "online")
FUNCTION_WORD_GAP = 3.0  # "und" (German 7.4, English 3.9: English corpora quote German)
MIN_SOURCE_ZIPF_CAPITALISED = 3.8  # "Gruppe", "Nordkorea" yes; "Söder", "Dingolfing" (names) no …
MIN_ZIPF_GAP_CAPITALISED = 2.0  # … nor names that are words too ("Graf", "Heil", "Jürgen")
MIN_WORDS_FOR_LANGID = 4  # shorter segments (names, titles) are identical in both languages legitimately
# whole segments: names read as the language of their owner, so a segment mostly of names is
# judged by its lower-case words (at least this many) …
MIN_LOWER_CASE_WORDS = 2
MIN_SOURCE_ZIPF_COMMON = 3.0  # … where a capitalised word this common in the source language …
MIN_ZIPF_GAP_COMMON = 1.5  # … and this much rarer in the target language is a word, not a name
FUNCTION_WORD_ZIPF = 6.0  # a capitalised word this frequent in the source language (as, The, Over) …
MIN_ZIPF_GAP_TITLE = 1.0  # … and clearly less so in the target language makes a segment a title, not names


def _names_and_titles(text: str, lang: str) -> set[str]:
    """Lower-cased words written capitalised inside a sentence of a language that capitalises names only.

    "William Wyler's “The Heiress”", "Grant Shapps": names and titles, which a translation keeps.
    """
    if _capitalises_nouns(lang):
        return set()
    found = set()
    for m in LETTER_WORD.finditer(text):
        before = text[: m.start()].rstrip(" \"'„“”‘’«»(")
        if m.group()[0].isupper() and before and before[-1] not in ".!?:":
            found.add(m.group().lower())
    return found


def foreign_words(src: str, tgt: str, src_lang: str, tgt_lang: str, *, borrowed: bool = False) -> list[str]:
    """Target words copied from the source that belong to the source language only.

    Words the source writes as names or titles, and lone English words a German target
    capitalises like its nouns, are left out unless ``borrowed`` is set: in a human
    translation they are kept on purpose, while in raw MT output they still hint at
    untranslated text (the critical-error benchmark reads them).
    """
    src_words = {m.group().lower() for m in LETTER_WORD.finditer(src)}
    kept = set() if borrowed else _names_and_titles(src, src_lang)
    words = list(LETTER_WORD.finditer(tgt))
    foreign: dict[int, str] = {}  # position among the target's words → the word
    for k, m in enumerate(words):
        word = m.group()
        lower = word.lower()
        if len(lower) < 3 or lower not in src_words or lower in kept:
            continue
        z_src, z_tgt = zipf(lower, src_lang), zipf(lower, tgt_lang)
        if word[0].isupper() and not word.isupper() and not _capitalises_nouns(tgt_lang):
            # capitalised in a language that capitalises names only: a name unless a common source word
            if z_src >= MIN_SOURCE_ZIPF_CAPITALISED and z_src - z_tgt >= MIN_ZIPF_GAP_CAPITALISED:
                foreign[k] = word
        elif z_src >= MIN_SOURCE_ZIPF and (
            (z_src - z_tgt >= MIN_ZIPF_GAP and z_tgt < MAX_TARGET_ZIPF) or z_src - z_tgt >= FUNCTION_WORD_GAP
        ):
            foreign[k] = word
    if not _capitalises_nouns(tgt_lang) and not borrowed:
        # a capitalised word right after a capitalised word (not itself foreign) that it follows
        # in the source too ends a name kept whole: "Marcel Kurz", "Himalaya-Gesellschaft";
        # "United Nationen" (source: "Vereinten Nationen") does not, nor does a title before a
        # name ("Präsident Donald Trump"), which a translation translates
        foreign = {k: w for k, w in foreign.items() if not (w[0].isupper() and _in_a_name(words, k, foreign, src))}
    if _capitalises_nouns(tgt_lang) and not borrowed:
        # a lone English word capitalised like a German noun is borrowed ("Vaping", "Follower");
        # next to another foreign word it is part of untranslated text ("The Tears Flowed")
        foreign = {
            k: w
            for k, w in foreign.items()
            if not (w[0].isupper() and not w.isupper()) or k - 1 in foreign or k + 1 in foreign
        }
    return list(foreign.values())


_NAME_JOINER = re.compile(r"[\s.'’-]*")  # what may stand between two words of one name: "K.Wien", "Vienna-Sattel"


def _in_a_name(words: list[re.Match[str]], k: int, foreign: dict[int, str], src: str) -> bool:
    """Whether word k follows a capitalised word, not foreign, that it follows in the source too."""
    if k == 0 or k - 1 in foreign:
        return False
    before = words[k - 1].group()
    if len(before) < 2 or not before[0].isupper() or before.isupper():
        return False  # an initial or an acronym ("US Präsident") says nothing
    between = words[k].string[words[k - 1].end() : words[k].start()]
    together = rf"(?<!\w){re.escape(before)}{_NAME_JOINER.pattern}{re.escape(words[k].group())}(?!\w)"
    return bool(_NAME_JOINER.fullmatch(between) and re.search(together, src))


def _capitalises_nouns(lang: str) -> bool:
    return lang in {"de", "lb"}


def _segment_language(text: str, src_lang: str, tgt_lang: str) -> tuple[str | None, float]:
    try:
        return langid.detect(text, (src_lang, tgt_lang))
    except AlignError:  # a side without a known language code: nothing to compare
        return None, 0.0


def language_evidence(text: str, src_lang: str, tgt_lang: str) -> list[str]:
    """The texts that must all read as the source language for a target segment to be in it.

    Names read as the language of their owner: to Lingua, "Ernst Schmid Jürg Marmet Hans
    Rudolf von Gunten" in a French list of climbers is German. Words are the lower-case ones
    and capitalised common words of the source language ("Casualties" in an English headline
    left in a German target). Where they are half the words or fewer (a list of names, a
    caption), the lower-case words must read as the source language too ("Tour de Muztagh (
    7297 m ) et « Black Tooth »" is French by "de", "et"), and there must be two of them; else
    the segment is judged whole only where a capitalised word is a function word of the source
    language (a title: "Trump Slams Biden Over Border Crisis"). An empty list: too little to tell.
    """
    words = LETTER_WORD.findall(text)
    if len(words) < MIN_WORDS_FOR_LANGID:
        return []
    lower = [w for w in words if not w[0].isupper()]
    capitalised = [w for w in words if w[0].isupper()]
    # a common word of the source language, not a name: "Casualties"
    common = [
        w for w in capitalised
        if _source_word(w.lower(), src_lang, tgt_lang, MIN_SOURCE_ZIPF_COMMON, MIN_ZIPF_GAP_COMMON)
    ]  # fmt: skip
    if 2 * (len(lower) + len(common)) > len(words):
        return [text]
    if len(lower) >= MIN_LOWER_CASE_WORDS:
        return [text, " ".join(lower)]
    # a function word of the source language ("The", "As", "Und") makes it a title, not names
    title = any(
        _source_word(w.lower(), src_lang, tgt_lang, FUNCTION_WORD_ZIPF, MIN_ZIPF_GAP_TITLE) for w in capitalised
    )
    return [text] if title else []


def _source_word(lower: str, src_lang: str, tgt_lang: str, min_zipf: float, min_gap: float) -> bool:
    """At least this frequent in the source language, and by this much more than in the target's."""
    z_src = zipf(lower, src_lang)
    return z_src >= min_zipf and z_src - zipf(lower, tgt_lang) >= min_gap


def source_language_confidence(text: str, src_lang: str, tgt_lang: str) -> float | None:
    """Lingua's confidence that a target segment is in the source language; None where it is not
    (or there is too little to tell, see ``language_evidence``)."""
    evidence = language_evidence(text, src_lang, tgt_lang)
    readings = [_segment_language(part, src_lang, tgt_lang) for part in evidence]
    if not readings or any(lang != src_lang for lang, _ in readings):
        return None
    return min(confidence for _, confidence in readings)


def find_untranslated(ctx: Context) -> list[Flag]:
    threshold = ctx.config.threshold("untranslated")
    src_lang, tgt_lang = ctx.src_lang, ctx.tgt_lang
    if src_lang == tgt_lang:
        return []
    flags = []
    source_of: dict[int, str] = {}
    for pair in ctx.pairs():
        for seg in pair.tgt:
            source_of[seg.id] = pair.src_text
    for seg in ctx.doc.target.segments:
        if not seg.is_content:
            continue
        confidence = source_language_confidence(seg.text, src_lang, tgt_lang)
        if confidence is not None and confidence >= threshold:
            flags.append(
                Flag(
                    "untranslated",
                    f"target segment {seg.id} is in {src_lang}, not {tgt_lang}: “{clip(seg.text)}”",
                    confidence,
                    "tgt",
                    seg.id,
                )
            )
            continue
        if seg.id in source_of:
            copied = foreign_words(source_of[seg.id], seg.text, src_lang, tgt_lang)
            if copied:
                score = min(1.0, 0.6 + 0.2 * len(copied))
                if score >= threshold:
                    flags.append(
                        Flag(
                            "untranslated",
                            f"{src_lang} word(s) left untranslated: {', '.join(copied)}: “{clip(seg.text)}”",
                            score,
                            "tgt",
                            seg.id,
                        )
                    )
    return flags
