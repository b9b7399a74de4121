"""``untranslated``: target text left in the source language, whole segments or words.

Whole segments: language identification (Lingua) says the target segment is in the
source language. Words: a target word that also occurs in the aligned source and is a
common word of the source language but not of the target language ("wichtigen" in an
English sentence); names are not, because a name is about as frequent in both, nor are
words the source writes as names or titles ("The Heiress"), nor a lone English word that a
German text capitalises like its own nouns ("Vaping", "Follower": borrowed nouns).
"""

from __future__ import annotations

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
    if _capitalises_nouns(tgt_lang) and not borrowed:
        # a lone English word capitalised like a German noun is borrowed ("Vaping", "Follower");
        # next to another foreign word it is part of untranslated text ("The Tears Flowed")
        foreign = {
            k: w
            for k, w in foreign.items()
            if not (w[0].isupper() and not w.isupper()) or k - 1 in foreign or k + 1 in foreign
        }
    return list(foreign.values())


def _capitalises_nouns(lang: str) -> bool:
    return lang in {"de", "lb"}


def _segment_language(text: str, src_lang: str, tgt_lang: str) -> tuple[str | None, float]:
    try:
        return langid.detect(text, (src_lang, tgt_lang))
    except AlignError:  # a side without a known language code: nothing to compare
        return None, 0.0


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
        words = LETTER_WORD.findall(seg.text)
        if len(words) >= MIN_WORDS_FOR_LANGID:
            lang, confidence = _segment_language(seg.text, src_lang, tgt_lang)
            if lang == src_lang and confidence >= threshold:
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
