"""Reading: decoding, and finding the two language blocks of a mixed file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from align import langid, read
from align.errors import AlignError
from align.read import doc_id_for, load_document, read_text, split_languages
from conftest import SEED, deen_document, shared


def test_seed_english_block_is_source_german_block_is_target() -> None:
    text = SEED.read_text(encoding="utf-8")
    src_lang, src_lines, tgt_lang, tgt_lines = split_languages(text)
    assert (src_lang, tgt_lang) == ("en", "de")
    assert len(src_lines) == 1 and text[slice(*src_lines[0])].strip().startswith("date 2023-09 Putin accepts")
    assert text[slice(*tgt_lines[0])].startswith("Putin nimmt nach historischem Treffen")
    assert text[slice(*tgt_lines[-1])].endswith("Übersetzt mit Deepl.com")


@pytest.mark.parametrize(
    ("file", "doc_id"),
    [("wmt20_newstest2020_ende.tsv", "rte.en.ie.5333"), ("wmt20_newstest2020_ende.tsv", "huffingtonpost.com.19390")],
)
def test_a_one_line_english_headline_above_the_german_article_is_the_source(file: str, doc_id: str) -> None:
    # was "found only one language (de)": among all 15 default languages Lingua was not sure
    # enough of the headline ("Facebook hides 'likes' in new Australia trial"); the lines are
    # now read among the few languages the whole file reads most like
    english, german = deen_document(file, doc_id)
    text = "\n".join([english[0], *german])
    src_lang, src_lines, tgt_lang, tgt_lines = split_languages(text)
    assert (src_lang, tgt_lang, len(src_lines), len(tgt_lines)) == ("en", "de", 1, len(german))


@pytest.mark.parametrize(
    ("doc_id", "lead"),
    [
        ("abendzeitung-nuernberg.de.119238", 3),
        ("abendzeitung-muenchen.de.275242", 3),
        ("augsburger-allgemeine.de.107103", 2),
    ],
)
def test_english_headlines_full_of_german_names_stay_in_the_english_block(doc_id: str, lead: int) -> None:
    # "U-Bahnhof Aidenbachstraße: Dangerous fight: …", "“Road to Timmendorf“: Beach volleyball:
    # Thole/Wickler miss out …" read as German; without the names that lines of both languages
    # hold they read as English. Before, the English lead above the article became the lower block
    # ("de" 14 lines, "en" 1), and below the German the English headline joined the German block
    english, german = deen_document("wmt21_newstest2021_deen.tsv", doc_id)
    src_lang, src_lines, tgt_lang, tgt_lines = split_languages("\n".join([*english[:lead], *german]))
    assert (src_lang, len(src_lines), tgt_lang, len(tgt_lines)) == ("en", lead, "de", len(german))
    src_lang, src_lines, tgt_lang, tgt_lines = split_languages("\n".join([*german, *english]))
    assert (src_lang, len(src_lines), tgt_lang, len(tgt_lines)) == ("de", len(german), "en", len(english))


def test_src_lang_swaps_the_sides() -> None:
    doc = load_document(SEED, src_lang="de", tgt_lang="en")
    assert (doc.source.lang, doc.target.lang) == ("de", "en")
    assert doc.source.segments[0].text.startswith("Putin nimmt nach historischem Treffen")


def test_untranslated_line_inside_the_target_block_stays_there(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    english_line = "The Kremlin said the talks would continue next year in Moscow."
    lines = text.split("\n")
    lines.insert(14, english_line)  # in the middle of the German body
    path = tmp_path / "mixed.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    doc = load_document(path)
    assert english_line in [s.text for s in doc.target.segments]
    assert english_line not in [s.text for s in doc.source.segments]


def test_crlf_and_bom_are_normalised_and_offsets_hold(tmp_path: Path) -> None:
    path = tmp_path / "seed_crlf.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes().replace(b"\n", b"\r\n"))
    doc = load_document(path)
    plain = load_document(SEED)
    assert [s.text for s in doc.target.segments] == [s.text for s in plain.target.segments]
    for side in (doc.source, doc.target):
        assert "\r" not in side.text
        for seg in side.segments:
            assert side.text[seg.start : seg.end] == seg.text


def test_tgt_lang_alone_chooses_the_sides_of_a_mixed_file_too() -> None:
    # was: --tgt-lang alone was ignored: "--tgt-lang en" still made English the source, and
    # "--tgt-lang fr" (not in the file) aligned en → de without a word
    doc = load_document(SEED, tgt_lang="en")
    assert (doc.source.lang, doc.target.lang) == ("de", "en")
    assert doc.source.segments[0].text.startswith("Putin nimmt nach historischem Treffen")
    assert (load_document(SEED, tgt_lang="de").source.lang, load_document(SEED).source.lang) == ("en", "en")
    with pytest.raises(AlignError, match=r"--tgt-lang fr not found; the file holds en and de$"):
        load_document(SEED, tgt_lang="fr")
    with pytest.raises(AlignError, match=r"--src-lang and --tgt-lang are both de; a mixed file holds two languages$"):
        load_document(SEED, src_lang="de", tgt_lang="de")


def test_language_codes_in_upper_case_are_found() -> None:
    # was: "--src-lang DE not found; the file holds en and de"
    doc = load_document(SEED, src_lang="DE", tgt_lang="EN")
    assert (doc.source.lang, doc.target.lang) == ("de", "en")
    assert doc.source.segments[0].text.startswith("Putin nimmt nach historischem Treffen")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_input_is_refused_at_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # a device reports size 0, so the size check passed and reading ran until memory ran out
    monkeypatch.setattr(read, "MAX_FILE_BYTES", 2**20)  # the real limit (256 MiB) works the same, slower
    with pytest.raises(AlignError, match=r"^/dev/zero: more than 1 MiB to read; the limit is 1 MiB a file$"):
        read_text("/dev/zero")


def test_one_language_only_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "german_only.txt"
    body = SEED.read_text(encoding="utf-8").split("\n", 1)[1]
    path.write_text(body, encoding="utf-8")
    with pytest.raises(AlignError, match="only one language"):
        load_document(path)


def test_a_side_with_no_sentences_names_what_it_holds(tmp_path: Path) -> None:
    """Text+Berg dev's French credit line alone is no text to align: the error says so."""
    credit = shared("textberg", "dev", "dev.fr").read_text(encoding="utf-8").splitlines()[553]
    de, fr = tmp_path / "a.de", tmp_path / "a.fr"
    de.write_text("Die Sonne ist hinter dem Lohner verschwunden .\n", encoding="utf-8")
    fr.write_text(f"{credit}\n\n", encoding="utf-8")
    with pytest.raises(AlignError, match=r"a\.fr: no sentences to align on the fr side \(only 1 credit line\)$"):
        load_document(de, fr, src_lang="de", tgt_lang="fr", presegmented_input=True)
    fr.write_text("By Jane Doe\nSource: Reuters\nVon Hans Meyer\n", encoding="utf-8")
    with pytest.raises(AlignError, match=r"fr side \(only 2 byline lines, 1 source line\)$"):
        load_document(de, fr, src_lang="de", tgt_lang="fr")


def test_two_files_presegmented_keep_line_numbers_as_ids() -> None:
    de = shared("textberg", "test", "test0.de")
    fr = shared("textberg", "test", "test0.fr")
    doc = load_document(de, fr, presegmented_input=True)
    de_lines = de.read_text(encoding="utf-8").rstrip("\n").split("\n")
    assert (doc.source.lang, doc.target.lang) == ("de", "fr")
    assert len(doc.source.segments) == len(de_lines)
    assert [s.text for s in doc.source.segments] == [line.strip() for line in de_lines]


@pytest.mark.parametrize(
    ("name", "expected"), [("story.en.txt", "story"), ("story_de.txt", "story"), ("000_abc.txt", "000_abc")]
)
def test_doc_id_drops_language_suffix(name: str, expected: str) -> None:
    assert doc_id_for(name) == expected


FLORES_DOC = "https://en.wikinews.org/wiki/Toronto_team-led_research_on_Type_1_Diabetes_%27groundbreaking%27"


@pytest.fixture
def news_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A real three-sentence news item (FLORES-200): English and its German translation."""
    en, de = deen_document("flores200_devtest_deen.tsv", FLORES_DOC)
    (tmp_path / "item.en").write_text("\n".join(en) + "\n", encoding="utf-8")
    (tmp_path / "item.de").write_text("\n".join(de) + "\n", encoding="utf-8")
    return tmp_path / "item.en", tmp_path / "item.de"


def test_languages_given_the_right_way_round_raise_no_warning(news_pair: tuple[Path, Path]) -> None:
    assert load_document(*news_pair, src_lang="en", tgt_lang="de").warnings == []
    assert load_document(*news_pair).warnings == []  # detected


def test_swapped_languages_are_named(news_pair: tuple[Path, Path]) -> None:
    # was: silently aligned, then every target sentence flagged "untranslated" and German
    # nouns reported as names missing from the source
    en, de = news_pair
    doc = load_document(en, de, src_lang="de", tgt_lang="en")
    assert (doc.source.lang, doc.target.lang) == ("de", "en")  # the user's word stands
    assert doc.warnings == [
        f"{en} reads as en and {de} as de, but the source is taken as de and the target as en: "
        "are the languages (or the files) the wrong way round?"
    ]


def test_a_target_in_the_source_language_is_named(news_pair: tuple[Path, Path]) -> None:
    en, _ = news_pair
    [warning] = load_document(en, en, src_lang="en", tgt_lang="de").warnings
    assert warning.startswith(f"{en} reads as en, the source's language, not de: an untranslated copy")
    [warning] = load_document(news_pair[1], news_pair[1], src_lang="en", tgt_lang="de").warnings
    assert "reads as de, the target's language, not en" in warning


def test_a_file_in_a_third_language_is_named(news_pair: tuple[Path, Path], tmp_path: Path) -> None:
    # Text+Berg dev's French given as English: between German and English alone Lingua reads
    # it as English (surely), so the two-language checks said nothing
    french = tmp_path / "dev.fr"
    french.write_text("\n".join(shared("textberg", "dev", "dev.fr").read_text(encoding="utf-8").split("\n")[:40]))
    de = news_pair[1]
    assert load_document(de, french, src_lang="de", tgt_lang="en").warnings == [
        f"{french} reads as fr, neither de nor en: a wrong --tgt-lang?"
    ]
    assert load_document(french, de, src_lang="en", tgt_lang="de").warnings == [
        f"{french} reads as fr, neither en nor de: a wrong --src-lang?"
    ]
    assert load_document(de, french, src_lang="de", tgt_lang="fr").warnings == []
    assert load_document(de, french).warnings == []  # detected: fr, the likeliest already


def test_two_files_of_one_language_are_named(news_pair: tuple[Path, Path]) -> None:
    de = news_pair[1]
    assert load_document(de, de).warnings == [
        f"{de} and {de} are both taken as de: is {de} the translation? "
        "(set --src-lang and --tgt-lang if the detection is wrong)"
    ]


def test_a_short_file_proves_no_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # hashtags, URLs and names read as anything: this line (a real WMT24 post, kept in English
    # by its German translator) reads as German with confidence .96
    tags = "#TeaganAir #pilot #flying #pa28 #PilotTraining\n"
    (tmp_path / "post.en").write_text(tags, encoding="utf-8")
    (tmp_path / "post.de").write_text(tags, encoding="utf-8")
    assert load_document(tmp_path / "post.en", tmp_path / "post.de", src_lang="en", tgt_lang="de").warnings == []
    monkeypatch.setattr(read, "MIN_SAMPLE_LETTERS", 10)  # the guard is what keeps it quiet
    assert load_document(tmp_path / "post.en", tmp_path / "post.de", src_lang="en", tgt_lang="de").warnings


def test_a_short_text_is_read_closely_among_a_shortlist_with_the_same_answers() -> None:
    # Reading a text under 120 characters among the few languages a trigram pass finds loads
    # a third of Lingua's models (about 2 s less for a one-line file) and must not change the answer.
    from lingua import LanguageDetectorBuilder

    with open(shared("deen", "flores200_devtest_deen.tsv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    texts = [text for row in rows[:300] for text in (row["en"], row["de"]) if len(text) < langid.CLOSE_READING_CHARS]
    everyone = LanguageDetectorBuilder.from_languages(*map(langid.to_language, langid.DEFAULT_LANGUAGES)).build()
    closely = [everyone.detect_language_of(text).iso_code_639_1.name.lower() for text in texts]
    assert len(texts) > 150
    assert [langid.detect(text)[0] for text in texts] == closely
