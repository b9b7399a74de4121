"""Reading: decoding, and finding the two language blocks of a mixed file."""

from __future__ import annotations

from pathlib import Path

import pytest

from align import read
from align.errors import AlignError
from align.read import doc_id_for, load_document, read_text, split_languages
from conftest import SEED, shared


def test_seed_english_block_is_source_german_block_is_target() -> None:
    text = SEED.read_text(encoding="utf-8")
    src_lang, src_lines, tgt_lang, tgt_lines = split_languages(text)
    assert (src_lang, tgt_lang) == ("en", "de")
    assert len(src_lines) == 1 and text[slice(*src_lines[0])].strip().startswith("date 2023-09 Putin accepts")
    assert text[slice(*tgt_lines[0])].startswith("Putin nimmt nach historischem Treffen")
    assert text[slice(*tgt_lines[-1])].endswith("Übersetzt mit Deepl.com")


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
