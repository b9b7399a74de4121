"""MT-artefact flags on real examples from the shared data: each type, positives and negatives."""

from __future__ import annotations

import csv
import itertools
import json
import re
import subprocess
import sys
from dataclasses import replace
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

import pytest

from align import Pipeline
from align.detectors.context import LETTER_WORD, zipf
from align.detectors.names import _NAME_SIMILARITY, differing_names, name_key, other_document, same_name
from align.detectors.numbers import unmatched
from align.detectors.repeats import loop_in
from align.detectors.untranslated import foreign_words, source_language_confidence
from align.errors import AlignError
from align.evaluate import read_bead_file
from align.flags import FLAG_TYPES, FlagConfig, detect, parse_threshold, summarize
from align.model import Bead, Document, Flag, Side
from align.segment import presegmented
from conftest import SEED, deen_document, shared


@cache
def demetr(name: str) -> list[dict]:
    path = shared("mt", "demetr_de_en", f"{name}.german.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def wmt_half(name: str) -> list[dict]:
    """The DEMETR rows the thresholds were tuned on (the FLORES half is held out for the benchmark)."""
    return [r for r in demetr(name) if r["data_source"] == "WMT"]


def line_document(
    src: list[str], tgt: list[str], src_lang: str = "de", tgt_lang: str = "en"
) -> tuple[Document, list[Bead]]:
    """A line-by-line document whose i-th lines are paired (as the aligner pairs DEMETR rows)."""
    src_text, tgt_text = "\n".join(src) + "\n", "\n".join(tgt) + "\n"
    doc = Document(
        "lines", Side(src_lang, src_text, presegmented(src_text)), Side(tgt_lang, tgt_text, presegmented(tgt_text))
    )
    return doc, [Bead([i], [i], 0.8) for i in range(len(src))]


def flagged_lines(flags: list[Flag], flag_type: str) -> set[int]:
    return {f.segment_id for f in flags if f.type == flag_type and f.segment_id is not None}


# ------------------------------------------------------------------ repetition


def test_repetition_catches_doubled_and_looping_words_but_not_clean_mt() -> None:
    for name in ("minor_id1_repeat2", "minor_id2_repeat4"):
        rows = wmt_half(name)
        hits = sum(loop_in(r["pert_sent"], "en") is not None for r in rows)
        assert hits / len(rows) >= 0.95, name
    clean = wmt_half("minor_id1_repeat2")
    assert sum(loop_in(r["mt_sent"], "en") is not None for r in clean) <= 1


def test_repetition_ignores_grammatical_doubles_and_thousands_groups() -> None:
    assert loop_in("The ones that that we saw had had their day.", "en") is None
    assert loop_in("Er sagte, die die Regierung stützen, seien 1 000 000 Menschen.", "de") is None
    score, phrase = loop_in("three weeks ago ago ago ago.", "en") or (0.0, "")
    assert score == 1.0 and phrase == "ago ago ago ago"


@pytest.mark.parametrize(
    "text",
    [  # real WMT21 news lines: scores, titles, hyphenated compounds and emphasis are not loops
        "Scudetto in club history perfect with a 2:0 (1:0) on Sunday night at home against Sampdoria Genoa.",
        "Beim 5:1 (1:1) -Sieg von Lazio Rom bei Hellas Verona erzielte er drei Treffer.",
        "She played with her long-term friend Bette Davis in “Hush...Hush, Sweet Charlotte”.",
        "Frankfurt/Main - The seven-time time trial specialist Tony Martin can clearly picture continuing.",
        "Bei dem Haus handle es sich um ein Ein- oder Zweifamilienhaus.",
        'When she pleaded "stop, stop, stop," he put her in a headlock.',
    ],
)
def test_repetition_ignores_scores_titles_compounds_and_emphasis(text: str) -> None:
    assert loop_in(text, "de" if " um ein " in text or "Beim" in text else "en") is None


def test_repetition_finds_loops_of_words_with_inner_punctuation() -> None:
    rows = [r for r in demetr("minor_id1_repeat2") if "Covid-19 Covid-19" in r["pert_sent"]]
    assert rows and all(loop_in(r["pert_sent"], "en") for r in rows)
    assert loop_in("… the South African National Parks (SANParks) (SANParks).", "en") == (0.6, "SANParks SANParks")


# ------------------------------------------------------------------ number_mismatch


def test_number_mismatch_on_replaced_numbers_and_not_on_clean_lines() -> None:
    rows = [r for r in wmt_half("critical_id10_numbers_replaced") if r["pert_check"]]
    assert all(any(unmatched(r["src_sent"], r["pert_sent"])) for r in rows)
    clean = wmt_half("critical_id10_numbers_replaced")
    assert sum(any(unmatched(r["src_sent"], r["mt_sent"])) for r in clean) <= 2


@pytest.mark.parametrize(
    ("src", "tgt"),
    [
        ("mehr als 272.000 Infektionen", "more than 272,000 infections"),
        ("um 4,5 Prozent", "by 4.5 percent"),
        ("vor drei Wochen", "three weeks ago"),
        ("503 Millionen US-Dollar", "$503 million"),
        ("2 Millionen Menschen", "2,000,000 people"),
        ("am 14.09.2023 um 15 Uhr", "on 14 September 2023 at 3 p.m."),
        ("Am 1. November", "On November 1st"),
        # real WMT20 lines: a time with its minutes, round the clock; a road with its letter
        ("so das NHC in einer Mitteilung um 23:00 Uhr", "in the NHC's 11 p.m. EDT update"),
        ("am 1. August (18.00 Uhr)", "on the 1st of August (18h)"),
        ("A81 ist beliebteste Rennstrecke", "The A 81 is the most favorable race track"),
        ("Juventus steht im Achtelfinale der Champions League", "Juventus is in the round of 16 of the League"),
        ("Saudi-Arabien stellt erstmals Touristenvisa aus", "Saudi Arabia To Offer Tourist Visas For First Time"),
    ],
)
def test_equal_numbers_in_either_convention_match(src: str, tgt: str) -> None:
    assert unmatched(src, tgt) == ([], [])
    assert unmatched(src, tgt, "de", "en") == ([], [])


@pytest.mark.parametrize(
    ("src", "tgt", "langs", "missing", "extra"),
    [
        ("vor drei Wochen, am 3. November", "il y a trois semaines, le 3 novembre", ("de", "fr"), [], []),
        ("soixante-douze personnes", "72 Menschen", ("fr", "de"), [], []),
        ("Sherpa-Liste Nr.212 , S.298-303", "liste n° 212 , p. 298-303", ("de", "fr"), [], []),
        ("sechs Bergsteiger", "cinq alpinistes", ("de", "fr"), ["sechs"], ["cinq"]),
        ("the elf and the null hypothesis", "der Elf und die Nullhypothese", ("en", "de"), [], ["Elf"]),
        # Spanish number words are not known: "drei" / "3" may be "tres"; larger numbers still count
        ("vor 3 Wochen, drei Tage", "hace tres semanas, tres días", ("de", "es"), [], []),
        ("8153 m und 8189 m", "8153 y 8180 m", ("de", "es"), ["8189 m"], ["8180 m"]),
        # months abbreviated before a point (real WMT20 lines); without one, "Jan" is a first name
        ("between Aug. 21-Sept. 23", "zwischen dem 21. August und 23. September", ("en", "de"), [], []),
        ("on Nov. 5, 2019", "am 5. Dezember 2019", ("en", "de"), ["Nov"], ["Dezember"]),
        ("Alpine Journal, Nov . 1956", "Alpine Journal , novembre 1956", ("de", "fr"), [], []),
        ("Jan Böhmermann said", "sagte Jan Böhmermann im Januar", ("en", "de"), [], ["Januar"]),
        # a number inside a longer word (real WMT lines), "both … and"; "Nacht" is no eight
        ("das dreitägige Fest", "the three-day festival", ("de", "en"), [], []),
        ("vom Tabellenvierten", "from the 4th-ranked team", ("de", "en"), [], []),
        ("in viereinhalb Stunden", "in four and a half hours", ("de", "en"), [], []),
        ("both Prince William and Kate", "sowohl Prinz William als auch Kate", ("en", "de"), [], []),
        ("in der Nacht", "for eight hours", ("de", "en"), [], ["eight"]),
        ("drei Tage und viereinhalb Stunden", "four days and four and a half hours", ("de", "en"), ["drei"], []),
        # real WMT lines: "May" opening a sentence is the verb, a month before a year or inside a sentence
        ("May cause liver damage - Per studies", "Zimt kann Leberschäden verursachen", ("en", "de"), [], []),
        ("May 2019 was wet, and so was June.", "Der Mai 2019 war nass, der Juli auch.", ("en", "de"), ["June"],
         ["Juli"]),
        # "second" as a unit of time, and as an ordinal
        ("They can be spinning hundreds of times a second.", "Sie drehen sich hundert Male pro Sekunde.",
         ("en", "de"), [], []),
        ("in a fraction of a second", "im Bruchteil einer Sekunde", ("en", "de"), [], []),
        ("preparation for a second Corona wave", "Vorbereitung auf eine dritte Corona-Welle", ("en", "de"),
         ["second"], ["dritte"]),
        # thousands grouped by a space; "both … and" translated without "sowohl"; "first" as an adverb
        ("mindestens 60 000 Euro", "at least EUR 60,000", ("de", "en"), [], []),
        ("visits by both domestic and foreign tourists", "Besucher aus dem In- und Ausland", ("en", "de"), [], []),
        ("Both men were hurt", "Drei Männer wurden verletzt", ("en", "de"), ["Both"], ["Drei"]),
        ("The work was first shown in 2009", "Das Werk wurde zuerst 2009 ausgestellt", ("en", "de"), [], []),
        ("The first time", "Das zweite Mal", ("en", "de"), ["first"], ["zweite"]),
        ("we are twice as unequal", "wir sind doppelt so ungleich", ("en", "de"), [], []),
        ("twice as many students", "dreimal so viele Studierende", ("en", "de"), ["twice"], ["dreimal"]),
    ],
)  # fmt: skip
def test_number_words_are_read_in_their_own_language(
    src: str, tgt: str, langs: tuple[str, str], missing: list[str], extra: list[str]
) -> None:
    found = unmatched(src, tgt, *langs)
    assert ([m.text for m in found[0]], [m.text for m in found[1]]) == (missing, extra)


@cache
def textberg_dev_pairs() -> list[tuple[str, str]]:
    """Text+Berg dev: every gold pair of a human German–French translation, as (German, French)."""
    base = shared("textberg", "dev", "dev.defr").with_suffix("")
    de, fr = (base.with_suffix(s).read_text(encoding="utf-8").split("\n") for s in (".de", ".fr"))
    pairs = [
        (" ".join(de[i] for i in s), " ".join(fr[j] for j in t))
        for s, t in read_bead_file(base.with_suffix(".defr"))
        if s and t
    ]
    assert len(pairs) == 381
    return pairs


def test_few_number_differences_in_human_news_translations() -> None:
    # deen/'s human translations (WMT20 both ways, WMT21, TED), row by row: most differences found
    # are real but harmless (a date left out, feet for metres); 117 of 3,732 rows before session
    # 24, when "May cause …", "a second", "both X and Y", "first" / "zuerst", "twice" / "doppelt"
    # and "60 000" counted
    differing = total = 0
    for file, (src_lang, tgt_lang) in [
        ("wmt21_newstest2021_deen.tsv", ("de", "en")),
        ("wmt20_newstest2020_deen.tsv", ("de", "en")),
        ("wmt20_newstest2020_ende.tsv", ("en", "de")),
        ("ted_wmt21_ende_from_mqm.tsv", ("en", "de")),
    ]:
        with open(shared("deen", file), encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
        for row in rows:
            src, tgt = row[src_lang], row[tgt_lang]
            differing += any(unmatched(src, tgt, src_lang, tgt_lang))
        total += len(rows)
    assert total > 3500
    assert differing <= 100


def test_number_mismatches_on_faithful_german_french_pairs_are_few() -> None:
    # Reading the French side with English and German number words (as before French was
    # known) found a mismatch in 118 of the 381 pairs ("drei"/"trois", "November"/"novembre",
    # "S.298"/"p. 298"), and 82 before Roman numerals were read ("Lager 4" / "camp IV"); most
    # that remain are real differences, or German compounds ("zehntägig" / "dix jours")
    pairs = textberg_dev_pairs()
    assert sum(any(unmatched(a, b, "de", "fr")) for a, b in pairs) <= 79


@pytest.mark.parametrize(
    ("src", "tgt", "langs", "missing", "extra"),
    [
        # FLORES devtest: the German reference says Louis XIV, the English source Louis XVI
        ("König Ludwig der XIV., Königin Marie-Antoinette", "King Louis XVI, Queen Marie Antoinette", ("de", "en"),
         ["XIV"], ["XVI"]),
        ("mit König Ludwig dem XIV.", "King Louis the 14th", ("de", "en"), [], []),
        ("im Zweiten Weltkrieg", "in World War II", ("de", "en"), [], []),
        ("Lager 4 auf 7000 m", "le camp IV à 7000 m", ("de", "fr"), [], []),
        ("im 19. Jahrhundert", "au XIXe siècle", ("de", "fr"), [], []),
        # a lone I, V or X, a numeral out of order and a word of capitals are not read
        ("I was in Paris with X.", "Ich war mit X. in Paris.", ("en", "de"), [], []),
        ("IIII VIP XL MIX", "", ("en", "de"), [], []),
    ],
)  # fmt: skip
def test_roman_numerals_are_numbers(
    src: str, tgt: str, langs: tuple[str, str], missing: list[str], extra: list[str]
) -> None:
    found = unmatched(src, tgt, *langs)
    assert ([m.text for m in found[0]], [m.text for m in found[1]]) == (missing, extra)


# ------------------------------------------------------------------ untranslated


def test_untranslated_words_from_codemix_but_not_names_in_clean_mt() -> None:
    rows = wmt_half("critical_id4_codemix")
    hits = sum(bool(foreign_words(r["src_sent"], r["pert_sent"], "de", "en")) for r in rows)
    assert hits / len(rows) >= 0.8
    assert not any(foreign_words(r["src_sent"], r["mt_sent"], "de", "en") for r in rows)


@pytest.mark.parametrize(
    ("src", "tgt"),
    [  # real WMT21 lines: English titles and names kept in the German translation are not untranslated
        (
            "Three years later she got the designation as best actress in William Wylers “The Heiress”.",
            'Drei Jahre später kam die Auszeichnung als beste Schauspielerin in Wylers "The Heiress" (Die Erbin).',
        ),
        (
            "Art “Skirmish” - an exhibition of the Leipzig artist Christian Bold in the gallery.",
            'Kunst "Skirmish" - eine Ausstellung des Leipziger Künstlers Christian Bold in der Galerie.',
        ),
        (
            "According to that, Grant Shapps is currently on vacation of all things in Spain.",
            "Demnach befindet sich Grant Shapps derzeit ausgerechnet in Spanien im Urlaub.",
        ),
    ],
)
def test_names_and_titles_kept_in_a_german_translation_are_not_untranslated(src: str, tgt: str) -> None:
    assert foreign_words(src, tgt, "en", "de") == []
    # the same English word left in lower case inside a German sentence is
    assert foreign_words("The exhibition was a skirmish.", "Die Ausstellung war ein skirmish.", "en", "de")


def test_lists_of_names_in_a_french_target_are_not_german_text() -> None:
    # Text+Berg dev's French translation keeps lists of climbers, photo credits and cited
    # German titles; before, 23 of its segments were flagged "in German" (the names read as German)
    base = shared("textberg", "dev", "dev.fr")
    lines = [line.strip() for line in base.read_text(encoding="utf-8").split("\n") if line.strip()]
    german = [line for line in lines if source_language_confidence(line, "de", "fr") is not None]
    assert "Stiftung für alpine Forschungen , Zürich" in german  # an affiliation left in German
    names = ("Ernst Schmid Jürg Marmet", "Fritz Luchsinger", "Tour de Muztagh", "Mount Everest")
    assert not any(line.startswith(names) for line in german)
    assert len(german) <= 8


@pytest.mark.parametrize(
    ("segment", "src_lang", "tgt_lang", "in_source"),
    [
        # English headlines in title case left in a German target (WMT20 news)
        ("Earthquake in Istanbul: 34 Casualties Reported", "en", "de", True),
        ("Military Sees Frustrating Trend As Suicides Spike", "en", "de", True),
        ("Warrens Limonadengeld ging an Abtreibungsgegner", "en", "de", False),  # German, mostly nouns
        ("Eduard Leuthold Wolfgang Diehl Adolf Reist", "de", "fr", False),  # names only
        ("Tour de Muztagh ( 7297 m ) et « Black Tooth » , du SSE", "de", "fr", False),  # French by "de", "et"
        ("c ) Albert Eggler , Gipfel über den Wolken .", "de", "fr", True),  # a German title, cited
    ],
)  # fmt: skip
def test_segment_language_is_read_past_the_names(segment: str, src_lang: str, tgt_lang: str, in_source: bool) -> None:
    assert (source_language_confidence(segment, src_lang, tgt_lang) is not None) == in_source


def test_the_end_of_a_name_both_sides_have_is_not_an_untranslated_word() -> None:
    src = "Die Höhe von 8603 m auf der Karte von Marcel Kurz darf als richtig gelten."
    tgt = "L' altitude de 8603 m qui figure sur la carte de Marcel Kurz peut être considérée comme exacte."
    assert foreign_words(src, tgt, "de", "fr") == []
    # a common German word after an English word the source does not have next to it is still
    # foreign (DEMETR codemix: "Vereinten Nationen"), and so is a title before a name
    src = "Laut den Vereinten Nationen schrieb US-Präsident Donald Trump."
    assert foreign_words(src, "According to the United Nationen, Präsident Donald Trump wrote.", "de", "en") == [
        "Nationen",
        "Präsident",
    ]


def test_borrowed_words_and_titles_are_kept_for_scoring_raw_mt() -> None:
    src = "Three years later she got the designation as best actress in William Wylers “The Heiress”."
    tgt = 'Drei Jahre später kam die Auszeichnung als beste Schauspielerin in Wylers "The Heiress" (Die Erbin).'
    assert foreign_words(src, tgt, "en", "de") == []
    assert foreign_words(src, tgt, "en", "de", borrowed=True) == ["Heiress"]


def test_whole_segment_left_in_the_source_language(pipeline) -> None:
    table = shared("deen", "wmt21_newstest2021_deen.tsv")
    with open(table, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[:8]
    src = [r["de"] for r in rows]
    tgt = [r["en"] for r in rows]
    tgt[4] = src[4]  # the translation of line 4 replaced by its German source
    alignment = pipeline.align_segments(src, tgt, src_lang="de", tgt_lang="en")
    assert flagged_lines(alignment.flags, "untranslated") == {4}


# ------------------------------------------------------------------ name_mismatch


def test_name_mismatch_on_replaced_and_removed_names() -> None:
    replaced = [r for r in wmt_half("critical_id9_ne_replaced") if r["pert_check"]]
    removed = [r for r in wmt_half("critical_id25_ne_removed") if r["pert_check"]]
    hits_replaced = sum(any(differing_names(r["src_sent"], r["pert_sent"], "de", "en")) for r in replaced)
    hits_removed = sum(any(differing_names(r["src_sent"], r["pert_sent"], "de", "en")) for r in removed)
    assert hits_replaced / len(replaced) >= 0.75
    assert hits_removed / len(removed) >= 0.4
    clean = wmt_half("critical_id9_ne_replaced")
    assert sum(any(differing_names(r["src_sent"], r["mt_sent"], "de", "en")) for r in clean) <= 4


def test_name_mismatches_on_faithful_german_french_pairs_are_few_and_a_dropped_name_is_found() -> None:
    # Text+Berg dev's human translation: before, 105 of the 381 gold pairs had a name
    # difference, nearly all false: German nouns that are French words ("Berge", "Route"),
    # camps and compass points ("camp II", "arête SE"), a heading in capitals, exonyms
    # compared with their English forms ("Österreicher" / "Autrichiens")
    pairs = textberg_dev_pairs()
    # the French document tells which German words are names: rare ones it writes as names
    # ("Baltoro", "Gasherbrum") are, ones it writes only in lower case ("Route", "Zone") are not
    french = other_document([fr for _, fr in pairs], "fr", "de")
    assert sum(any(differing_names(de, fr, "de", "fr", french)) for de, fr in pairs) <= 64  # 60 (62 with "SFr.")
    # a name both sides share (capitalised inside a French sentence, rare as a French word),
    # deleted from the French: the German name is reported missing, also where no word list
    # knows it and the French names it only elsewhere
    found = tried = 0
    for k, (de, fr) in enumerate(pairs):
        shared_name = next(
            (
                m.group()
                for m in LETTER_WORD.finditer(fr)
                if m.start() > 0 and m.group()[0].isupper() and not m.group().isupper() and len(m.group()) >= 3
                and fr[: m.start()].rstrip()[-1:] not in '.!?:«"(' and zipf(m.group().lower(), "fr") < 3.5
                and any(same_name(m.group(), w) for w in LETTER_WORD.findall(de))
            ),
            None,
        )  # fmt: skip
        if shared_name is None:
            continue
        tried += 1
        damaged = re.sub(rf"\b{re.escape(shared_name)}\b\s*", "", fr)
        other = other_document([*(t for _, t in pairs[:k]), damaged, *(t for _, t in pairs[k + 1 :])], "fr", "de")
        missing, _ = differing_names(de, damaged, "de", "fr", other)
        found += any(same_name(shared_name, name) for name in missing)
    assert tried > 150
    assert found / tried >= 0.75  # 138 of 169; 93 without the French document's names


def test_a_german_noun_the_french_document_writes_in_lower_case_is_no_name() -> None:
    # "Route" is as frequent in English and French as in German, so by frequency alone it is a
    # name; the French translation writes "route" in lower case only
    pairs = textberg_dev_pairs()
    with_route = [(de, fr) for de, fr in pairs if re.search(r"\bRoute\b", de)]
    french = other_document([fr for _, fr in pairs], "fr", "de")
    assert "route" in french.common
    assert not any("Route" in differing_names(de, fr, "de", "fr", french)[0] for de, fr in with_route)
    # dev's "Route"s follow an article ("unserer Route", "welche Route"), a noun's place; where none
    # does, only the French document's lower case tells
    german, french_line = "Zeitplan und Route standen fest .", "Le calendrier était fixé ."
    assert differing_names(german, french_line, "de", "fr") == (["Route"], [])
    assert differing_names(german, french_line, "de", "fr", french) == ([], [])


def test_a_name_no_word_list_knows_is_found_missing_through_the_documents_other_side() -> None:
    # Text+Berg dev: "Baltoro" is in no German or English word list, so a German sentence alone
    # cannot tell it from a compound noun; the French translation names it again and again
    pairs = [(de, fr) for de, fr in textberg_dev_pairs() if "Baltoro" in de and "Baltoro" in fr]
    assert len(pairs) >= 5
    config = FlagConfig(enabled=frozenset({"name_mismatch"}))

    def baltoro_missing(french: list[str]) -> list[int | None]:
        doc, beads = line_document([de for de, _ in pairs], french, "de", "fr")
        # the reason lists the names, then quotes the target
        return [f.segment_id for f in detect(doc, beads, config) if "Baltoro" in f.reason.split("“")[0]]

    assert baltoro_missing([fr for _, fr in pairs]) == []
    french = [fr for _, fr in pairs]
    french[2] = re.sub(r"\bBaltoro\b\s*", "", french[2])
    assert baltoro_missing(french) == [2]
    # without the document, the same pair is silent
    assert "Baltoro" not in differing_names(pairs[2][0], french[2], "de", "fr")[0]


@pytest.mark.parametrize(
    ("src", "tgt", "langs"),
    [
        ("Enfin ... le camp IV .", "Endlich ... Lager 4 .", ("fr", "de")),
        ("l' arête SE , qui porte le Black Tooth", "der Südostgrat , der den Black Tooth trägt", ("fr", "de")),
        ("AVEC NOTES COMPLÉMENTAIRES SUR LES ANNÉES PRÉCÉDENTES", "MIT NACHTRÄGEN AUS FRÜHEREN JAHREN", ("fr", "de")),
        ("les montagnes de l' Himalaya", "die Berge des Himalaya", ("fr", "de")),
        ("Die Österreicher erreichten den Gipfel.", "Les Autrichiens atteignirent le sommet.", ("de", "fr")),
        # real WMT20 lines: titles and months as abbreviations, "UK" and "US" as German writes them
        ("There are 288 Tory MPs.", "Es gibt 288 Tory-Abgeordnete.", ("en", "de")),
        ("between Aug. 21-Sept. 23", "zwischen dem 21. August und 23. September", ("en", "de")),
        ("the UK would leave the EU", "das Vereinigte Königreich würde die EU verlassen", ("en", "de")),
        ("the UK would leave the EU", "Großbritannien würde die EU verlassen", ("en", "de")),
        ("US theater chain bans costumes", "Amerikanische Kinokette verbietet Verkleidungen", ("en", "de")),
        # session 23, real WMT20/21 lines: an initialism with points ("U.S."), German nouns after an
        # article or adjective ("ein riesiges schwarzes Loch", "des Senders"), things as
        # abbreviations ("IPO", "WM")
        ("the U.S. will send a Patriot missile battery", "dass die USA eine Patriot-Raketenbatterie schicken",
         ("en", "de")),
        ("A gigantic black hole has been captured", "wie ein riesiges schwarzes Loch einen Stern verschlingt",
         ("en", "de")),
        ("according to reports from broadcaster NBC.", "Nach Angaben des Senders NBC", ("en", "de")),
        ("The surprise postponement of the WeWork IPO", "Die überraschende Verschiebung des Börsengangs von WeWork",
         ("en", "de")),
        ("points for the world championship", "um WM-Punkte", ("en", "de")),
        # a currency sign says "US-Dollar", a word after an opening quote starts a sentence, a
        # German adjective stands for its country
        ("For $1,400 (around 1,280 euros)", "Für 1.400 US-Dollar (rund 1.280 Euro)", ("en", "de")),
        ("The politician announced: “In the worker protection law", 'Der Politiker kündigte an: "Im Arbeitsschutz',
         ("en", "de")),
        ("The stadium, the largest in Germany, won't fill up", "Das größte deutsche Fußball-Stadion", ("en", "de")),
        ("Three men have been arrested in Sicily", "Drei Männer sind in Sizilien festgenommen worden", ("en", "de")),
        ("at the meat empire Tönnies in North Rhine-Westphalia", "beim Fleischriesen Tönnies in Nordrhein-Westfalen",
         ("en", "de")),
        # a common word set in capitals is emphasis, "Jan." before a day is January, a pope's name
        ("Tristan Thompson leaves ANOTHER desperate comment", "Tristan Thompson hinterlässt einen WEITEREN Kommentar",
         ("en", "de")),
        ("The new law, which takes effect Jan. 1, will allow", "Das neue Gesetz, welches am 1. Januar in Kraft tritt",
         ("en", "de")),
        ("Pope Francis on Friday warned", "Papst Franziskus hat am Freitag gewarnt", ("en", "de")),
    ],
)  # fmt: skip
def test_numerals_compass_points_headings_and_nouns_are_not_names(src: str, tgt: str, langs: tuple[str, str]) -> None:
    assert differing_names(src, tgt, *langs) == ([], [])
    assert differing_names(tgt, src, *reversed(langs)) == ([], [])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Peskov", "Peskow"),
        ("Vostochny", "Wostotschny"),
        ("Lavrov", "Lawrow"),
        ("Pyongyang", "Pjöngjang"),
        ("Djibouti", "Dschibuti"),
        ("Kangchenjunga", "Kangchendzönga"),
    ],
)
def test_transliterations_are_the_same_name(a: str, b: str) -> None:
    assert same_name(a, b)
    assert differing_names(f"Das sagte {b} am Montag.", f"{a} said so on Monday.", "de", "en") == ([], [])


def test_few_name_differences_in_a_human_news_translation() -> None:
    # WMT20 en→de newstest, a professional translation, row by row with each document's other
    # side: nearly every name difference found is false (nouns after an article, "U.S." / "USA",
    # abbreviations of things, "$" / "US-Dollar"); 307 pairs before session 23, 193 after, 189 after 24
    with open(shared("deen", "wmt20_newstest2020_ende.tsv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    differing = 0
    for _, group in itertools.groupby(rows, key=lambda r: r["doc_id"]):
        en, de = zip(*((r["en"], r["de"]) for r in group), strict=True)
        english, german = other_document(de, "de", "en"), other_document(en, "en", "de")
        differing += sum(any(differing_names(e, g, "en", "de", english, german)) for e, g in zip(en, de, strict=True))
    assert len(rows) > 1000
    assert differing <= 215


def test_a_german_noun_after_an_article_is_a_name_where_the_other_side_writes_it_as_one() -> None:
    # after an article a German word is a noun ("der Sender"), unless the other side's document
    # writes it capitalised inside a sentence, as a name ("in der Normandie" / "Normandy")
    german = "Die Alliierten landeten in der Normandie."
    assert differing_names(german, "The Allies landed.", "de", "en") == ([], [])
    english = other_document(["The Allies landed.", "The battle of Normandy lasted weeks."], "en", "de")
    assert differing_names(german, "The Allies landed.", "de", "en", english) == (["Normandie"], [])
    # not the first part of a compound: "der Tesla-Chef" is about Tesla
    assert differing_names("Das sagte der Tesla-Chef.", "The boss said so.", "de", "en") == (["Tesla"], [])


@pytest.mark.parametrize(
    ("german", "english", "extra"),
    [
        # real WMT20 headlines in title case: their common words are no names, their names still are
        ("Flüchtlingsboot gekentert: Baby und Kleinkinder ertrinken in Ägäis",
         "Refugee Boat Capsized: Baby and Small Children Drown in the Aegean", []),
        ("Anmietung plötzlich eingestellt: WeWork lässt Immobilienmärkte zittern",
         "Leasing Suddenly Discontinued: WeWork Causes Real Estate Markets to Tremble", []),
        ("„Absolut verwerflich“: Rachel Johnson entsetzt über Bruder",
         '"Absolutely Reprehensible": Rachel Johnson Appalled at her Brother', []),
        ("„Absolut verwerflich“: Rachel entsetzt über Bruder",
         '"Absolutely Reprehensible": Rachel Johnson Appalled at her Brother', ["Johnson"]),
        ("Michelle bezeichnet Meghan Markle als Inspiration in einem bewundernden Instagram-Post",
         "Michelle Obama Calls Meghan Markle an Inspiration in Adoring Instagram Post", ["Obama"]),
    ],
)  # fmt: skip
def test_common_words_of_a_title_case_line_are_no_names(german: str, english: str, extra: list[str]) -> None:
    assert differing_names(german, english, "de", "en") == ([], extra)


def test_an_exonym_of_up_to_three_letters_is_a_whole_word() -> None:
    # "USA" has the English form "us": it is not in "use" or "user"
    assert differing_names("Die USA reagierten nicht.", "They did not use force.", "de", "en") == (["USA"], [])
    assert differing_names("Die USA reagierten nicht.", "The US did not react.", "de", "en") == ([], [])
    # and "US" has the form "USA" (a real WMT21 line: "verschärfte US-Sanktionen" / "the USA")
    assert differing_names("Er kritisierte US-Sanktionen.", "He criticised the USA.", "de", "en") == ([], [])


def test_swiss_francs_are_no_name() -> None:
    # Text+Berg dev: "( = 180.-SFr. )" / "( 180 francs suisses )"
    german, french = "monatlich 200 Rupien ( = 180.-SFr. )", "200 roupies ( 180 francs suisses )"
    assert differing_names(german, french, "de", "fr") == ([], [])


def test_exonyms_match_inside_compounds_and_count_as_names() -> None:
    src = "In a 24 hour comparison 60 Corona new infections were reported in Vienna - in Lower Austria there were 22."
    tgt = "Im 24-Stunden-Vergleich wurden in Wien 60 Corona-Neuinfektionen gemeldet - in Niederösterreich gab es 22."
    assert differing_names(src, tgt, "en", "de") == ([], [])
    # a German country name whose English form differs is a name: missing in the English, it is flagged
    assert differing_names("Südafrika verbesserte sich stetig.", "It steadily improved.", "de", "en") == (
        ["Südafrika"],
        [],
    )


@pytest.mark.parametrize(
    ("src", "tgt", "langs", "expected"),
    [
        ("Die Schweizer Expedition verliess Basel.", "L' expédition suisse quitta Bâle.", ("de", "fr"), ([], [])),
        ("Die Österreicher kehrten nach Wien zurück.", "Les Autrichiens rentrèrent.", ("de", "fr"), (["Wien"], [])),
        ("Die Expedition der UdSSR im Pamir", "L' expédition de l' URSS au Pamir", ("de", "fr"), ([], [])),
        # English and French forms meet through the German table
        ("They left Vienna for Geneva.", "Ils quittèrent Vienne pour Genève.", ("en", "fr"), ([], [])),
    ],
)
def test_french_exonyms_match(src: str, tgt: str, langs: tuple[str, str], expected: tuple[list, list]) -> None:
    assert differing_names(src, tgt, *langs) == expected
    assert differing_names(tgt, src, *reversed(langs)) == expected[::-1]


def test_different_names_are_not_the_same() -> None:
    assert not same_name("Obama", "Werth")
    assert differing_names("Das sagte Werth.", "That is what Obama said.", "de", "en") == (["Werth"], ["Obama"])


def test_name_similarity_shortcut_rejects_no_similar_spelling() -> None:
    # same_name skips difflib where the keys' lengths alone rule a match out; on every pair of
    # capitalised words of real sentences, no pair difflib would match may be rejected that way
    rows = wmt_half("critical_id9_ne_replaced")[:60]
    words = sorted({w for r in rows for w in LETTER_WORD.findall(r["src_sent"] + " " + r["mt_sent"]) if w[0].isupper()})
    assert len(words) > 200
    matched = 0
    for a, b in itertools.combinations(words, 2):
        ka, kb = name_key(a), name_key(b)
        if min(len(ka), len(kb)) >= 3 and SequenceMatcher(None, ka, kb).ratio() >= _NAME_SIMILARITY:
            assert same_name(a, b), (a, b)
            matched += 1
    assert matched > 20


# ------------------------------------------------------------------ omission / addition / length_ratio


def test_partial_omission_from_a_removed_name() -> None:
    row = next(r for r in wmt_half("critical_id25_ne_removed") if r["pert_check"] and "Werth" in r["src_sent"])
    sensitive = FlagConfig().with_thresholds(omission=0.9)  # name evidence alone counts from .9 (default .95)
    doc, beads = line_document([row["src_sent"]], [row["pert_sent"]])
    assert {f.type for f in detect(doc, beads)} == {"name_mismatch"}
    doc, beads = line_document([row["src_sent"]], [row["pert_sent"]])
    assert {f.type for f in detect(doc, beads, sensitive)} == {"name_mismatch", "omission"}
    doc, beads = line_document([row["src_sent"]], [row["mt_sent"]])
    assert not detect(doc, beads, sensitive)


def test_length_ratio_outlier_against_the_documents_own_ratio() -> None:
    rows = wmt_half("minor_id1_repeat2")[:30]
    src = [r["src_sent"] for r in rows]
    tgt = [r["mt_sent"] for r in rows]
    tgt[7] = tgt[7] + " " + rows[8]["mt_sent"] + " " + rows[9]["mt_sent"]  # three sentences for one
    doc, beads = line_document(src, tgt)
    flags = detect(doc, beads, FlagConfig(enabled=frozenset({"length_ratio"})))
    assert flagged_lines(flags, "length_ratio") == {7}


def test_unaligned_lines_are_omissions_and_additions_but_metadata_is_not(pipeline) -> None:
    table = shared("deen", "wmt21_newstest2021_deen.tsv")
    with open(table, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[20:30]
    src = [r["de"] for r in rows]
    tgt = [r["en"] for r in rows]
    del tgt[5]  # the translation of source line 5 is dropped
    alignment = pipeline.align_segments(src, tgt, src_lang="de", tgt_lang="en")
    omissions = {f.segment_id for f in alignment.flags if f.type == "omission" and f.side == "src"}
    assert 5 in omissions
    assert not [f for f in alignment.flags if f.type == "addition"]


# ------------------------------------------------------------------ duplicate, mt_attribution, seed


def test_seed_keeps_exactly_its_flags(tmp_path: Path) -> None:
    # a cache of its own: other seed tests measure encoder work on a cold session cache
    own = Pipeline(cache_dir=tmp_path)
    try:
        alignment = own.align_file(SEED)
    finally:
        own.close()
    segment_flags = [
        (f.type, alignment.target.segments[f.segment_id].text) for f in alignment.flags if f.segment_id is not None
    ]
    assert sorted(segment_flags) == [
        ("duplicate", "Putin habe über Transportkapazitäten gesprochen."),
        ("mt_attribution", "Übersetzt mit Deepl.com"),
    ]
    assert summarize(alignment.flags)["machine_translated"] == ["tgt"]
    assert not [f for f in alignment.flags if f.type == "machine_translated"]  # the verdict flag is opt-in


def test_machine_translated_verdict_is_a_document_level_flag() -> None:
    rows = wmt_half("minor_id1_repeat2")[:3]
    tgt = [r["mt_sent"] for r in rows[:2]] + ["Übersetzt mit DeepL.com (kostenlose Version)"]
    doc, beads = line_document([r["src_sent"] for r in rows], tgt)
    verdicts = [
        f for f in detect(doc, beads, FlagConfig(enabled=frozenset(FLAG_TYPES))) if f.type == "machine_translated"
    ]
    assert [(f.side, f.segment_id, f.related_id) for f in verdicts] == [("tgt", None, 2)]
    doc, beads = line_document([r["src_sent"] for r in rows], [r["mt_sent"] for r in rows])
    assert not [
        f for f in detect(doc, beads, FlagConfig(enabled=frozenset(FLAG_TYPES))) if f.type == "machine_translated"
    ]


@pytest.mark.parametrize(
    "trailer",
    [
        "Translated with www.DeepL.com/Translator (free version)",
        "Übersetzt mit DeepL.com (kostenlose Version)",
        "_(Automatisch übersetzt mit DeepL)_",
        "*** Translated with www.DeepL.com/Translator (free version) ***",
    ],
)
def test_mt_attribution_lines_and_glued_trailers(trailer: str) -> None:
    rows = wmt_half("minor_id1_repeat2")[:3]
    tgt = [r["mt_sent"] for r in rows]
    tgt[1] = tgt[1] + " " + trailer  # glued to the text, as crawled pages have it
    tgt[2] = trailer  # a line of its own
    doc, beads = line_document([r["src_sent"] for r in rows], tgt)
    flags = detect(doc, beads)
    assert flagged_lines(flags, "mt_attribution") == {1, 2}
    assert summarize(flags)["machine_translated"] == ["tgt"]


def test_duplicate_flags_the_repeat_not_the_first_copy() -> None:
    rows = wmt_half("minor_id1_repeat2")[:4]
    tgt = [r["mt_sent"] for r in rows]
    tgt.insert(2, tgt[1])
    src = [r["src_sent"] for r in rows]
    doc, _ = line_document(src, tgt)
    beads = [Bead([0], [0], 0.8), Bead([1], [1], 0.8), Bead([], [2], 0.0), Bead([2], [3], 0.8), Bead([3], [4], 0.8)]
    flags = detect(doc, beads)
    assert [(f.segment_id, f.related_id) for f in flags if f.type == "duplicate"] == [(2, 1)]
    assert not [f for f in flags if f.type == "duplicate" and f.side == "src"]


# ------------------------------------------------------------------ settings and failures


def test_flag_types_switch_off_and_thresholds_apply() -> None:
    row = next(r for r in wmt_half("minor_id1_repeat2"))
    doc, beads = line_document([row["src_sent"]], [row["pert_sent"]])
    assert flagged_lines(detect(doc, beads), "repetition") == {0}
    doc, beads = line_document([row["src_sent"]], [row["pert_sent"]])
    assert not flagged_lines(detect(doc, beads, FlagConfig().without("repetition")), "repetition")
    doc, beads = line_document([row["src_sent"]], [row["pert_sent"]])
    assert not flagged_lines(detect(doc, beads, FlagConfig().with_thresholds(repetition=0.9)), "repetition")


def test_bad_settings_are_one_line_errors() -> None:
    with pytest.raises(AlignError, match="unknown flag type 'bogus'"):
        FlagConfig().without("bogus")
    with pytest.raises(AlignError, match="TYPE=VALUE"):
        parse_threshold("length_ratio")
    with pytest.raises(AlignError, match="not a number"):
        parse_threshold("length_ratio=high")
    assert parse_threshold("length_ratio=3.5") == ("length_ratio", 3.5)
    assert set(FlagConfig().enabled) == set(FLAG_TYPES) - {"machine_translated"}


def test_a_failing_detector_is_reported_and_the_rest_still_run() -> None:
    row = wmt_half("minor_id1_repeat2")[0]
    doc, _ = line_document([row["src_sent"]], [row["pert_sent"]])
    broken_beads = [Bead([0], [5], 0.8)]  # points at a target segment that does not exist
    flags = detect(doc, broken_beads)
    errors = [f for f in flags if f.type == "detector_error"]
    assert errors and all("failed on lines" in f.reason for f in errors)
    assert "repetition" in {f.type for f in flags}


def test_cli_switches_and_thresholds(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "align.cli", "run", str(SEED), "-o", str(tmp_path), "--no-cache"]
    done = subprocess.run(
        [*base, "--no-flag", "duplicate", "--flag-threshold", "name_mismatch=0.9"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "duplicate" not in summary["flags"] and summary["flags"]["mt_attribution"] == 1
    bad = subprocess.run([*base, "--no-flag", "bogus"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown flag type 'bogus'" in bad.stderr and "Traceback" not in bad.stderr


def test_a_dropped_sentence_the_alignment_pairs_is_still_flagged_as_an_omission(pipeline, monkeypatch) -> None:
    """WMT21 faz.79601 without the German of "The fire could quickly be put out.".

    The gap cost takes the short English sentence into its neighbour's pair; the flags also
    read the alignment with the stricter ``audit_skip_penalty``, where it is left out, so it
    is still named as an omission. With the audit switched off it is not.
    """
    en, de = deen_document("wmt21_newstest2021_deen.tsv", "faz.79601")
    dropped = next(i for i, text in enumerate(en) if text.startswith("The fire could quickly be put out."))
    damaged = de[:dropped] + de[dropped + 1 :]
    result = pipeline.align_segments(en, damaged, src_lang="en", tgt_lang="de")
    unaudited_config = replace(pipeline.aligner_config, audit_skip_penalty=pipeline.aligner_config.skip_penalty)
    monkeypatch.setattr(pipeline, "aligner_config", unaudited_config)
    unaudited = pipeline.align_segments(en, damaged, src_lang="en", tgt_lang="de")
    holding = next(b for b in result.beads if dropped in b.src_ids)
    assert holding.is_pair and len(holding.src_ids) == 2, "the gap cost pairs the dropped sentence"
    omissions = [f for f in holding.flags if f.type == "omission"]
    assert [(f.side, f.segment_id) for f in omissions] == [("src", dropped)]
    assert "joins it to a neighbouring pair" in omissions[0].reason
    assert [(b.src_ids, b.tgt_ids) for b in unaudited.beads] == [(b.src_ids, b.tgt_ids) for b in result.beads]
    assert not [f for f in unaudited.flags if f.type == "omission" and f.segment_id == dropped]


def test_both_pieces_of_a_split_sentence_the_translation_dropped_are_omissions(pipeline) -> None:
    """WMT20 noz.de.25939 as damage seed 2 leaves it: the English "Due to the dispute … Saudi
    Arabia, the USA is working on a coalition …" is cut at its comma, and its German is gone
    (also English 4 and 5 merged into one line, and a DeepL trailer appended).

    The main alignment takes the first piece into the pair before it and leaves the second out
    (the leave-one-out check); the flags' stricter second alignment leaves both out. There
    the first piece, joined to the pair before it, makes that pair more like the German (a
    sentence on the same topic), so the fragment check would take it back in; it does not,
    because it makes the English side too long: both are named.
    """
    en, de = deen_document("wmt20_newstest2020_deen.tsv", "noz.de.25939")
    cut = en[10].index("Saudi Arabia,") + len("Saudi Arabia,")
    en = en[:4] + [en[4] + " " + en[5]] + en[6:10] + [en[10][:cut], en[10][cut:].strip()] + en[11:]
    de = de[:10] + de[11:] + ["Translated with www.DeepL.com/Translator (free version)"]
    result = pipeline.align_segments(en, de, src_lang="en", tgt_lang="de")
    paired = {i for b in result.beads if b.tgt_ids for i in b.src_ids}
    assert 9 in paired and 10 not in paired, "the gap cost pairs the first piece"
    omissions = sorted((f.side, f.segment_id) for f in result.flags if f.type == "omission")
    assert omissions == [("src", 9), ("src", 10)]
