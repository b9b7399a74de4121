"""Reading input: decode files, find the two languages, and segment each side.

A document is either one file holding both languages (source block above target
block, like the seed article) or two files, source and target.
"""

from __future__ import annotations

import codecs
import re
import sys
from collections import Counter
from collections.abc import Iterable
from itertools import accumulate
from pathlib import Path

from . import langid
from .errors import AlignError
from .model import Document, Kind, Side
from .segment import classify_line, line_bounds, presegmented, segment_lines

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_LANG_SUFFIX = re.compile(r"[._-](?:[a-z]{2}|src|tgt|source|target)$")
# File signatures of formats people mistake for text: a named reason beats "binary".
_SIGNATURES = (
    (b"%PDF-", "a PDF file; extract its text first"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX/ODT/XLSX); extract its text first"),
    (b"\x1f\x8b", "a gzip-compressed file; decompress it first"),
    (b"BZh", "a bzip2-compressed file; decompress it first"),
    (b"\xfd7zXZ\x00", "an xz-compressed file; decompress it first"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (DOC/XLS); save it as text first"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
MAX_FILE_BYTES = 256 * 1024 * 1024  # far above any one document; stops a stray disk image
_SNIFF = 65536  # bytes looked at to tell text from binary


def _utf16_without_bom(data: bytes) -> str | None:
    """BOM-less UTF-16 (LE or BE) is recognisable: mostly-ASCII text with every other byte NUL."""
    sample = data[:_SNIFF]
    if len(sample) < 4 or len(data) % 2:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    for nuls, quiet, encoding in ((odd_nuls, even_nuls, "utf-16-le"), (even_nuls, odd_nuls, "utf-16-be")):
        if nuls > 0.3 * half and quiet < 0.01 * half:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def decode(data: bytes, name: str = "input") -> str:
    """Bytes → text, or an AlignError that says why not.

    Order: a BOM decides (UTF-8/16/32); NUL bytes mean BOM-less UTF-16 or binary; valid
    UTF-8 is UTF-8; anything else is read as CP1252 (a superset of Latin-1's printable
    range, so Latin-1 files decode too). Bytes CP1252 leaves undefined (0x81, 0x8D,
    0x8F, 0x90, 0x9D) would be C1 control characters in Latin-1, never real text, so
    such a file is refused as undecodable rather than guessed at. Line ends become LF.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return normalise(data.decode(encoding))
            except UnicodeDecodeError as e:
                raise AlignError(f"{name}: cannot decode as {encoding}: {e.reason} at byte {e.start}") from None
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise AlignError(f"{name}: binary file, not text: looks like {what}")
    if b"\x00" in data[:_SNIFF]:
        text = _utf16_without_bom(data)
        if text is None:
            raise AlignError(f"{name}: binary file, not text (it contains NUL bytes)")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as utf8_error:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as e:
                raise AlignError(
                    f"{name}: cannot decode: not UTF-8 (invalid byte 0x{data[utf8_error.start]:02x} at offset "
                    f"{utf8_error.start}) and not CP1252/Latin-1 text (byte 0x{data[e.start]:02x} at offset "
                    f"{e.start} is undefined there)"
                ) from None
    sample = text[:_SNIFF]
    if sample and len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        raise AlignError(f"{name}: binary file, not text (more than 1% control characters)")
    return normalise(text)


def normalise(text: str) -> str:
    """CRLF and CR → LF; drop a BOM left inside the text. Nothing else changes."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


STDIN = "-"  # the file name that means standard input (one side at most)


def read_text(path: str | Path) -> str:
    """Read and decode one text file (``-``: standard input); every way it can fail is one clear AlignError."""
    if str(path) == STDIN:
        return _checked_text(sys.stdin.buffer.read(MAX_FILE_BYTES + 1), "standard input")
    p = Path(path)
    if not p.exists():
        raise AlignError(f"{p}: no such file")
    if p.is_dir():
        raise AlignError(f"{p}: is a directory, not a text file")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise AlignError(f"{p}: file is {size / 2**20:,.0f} MiB; {_too_big()}")
        # read no more than the limit: a device or pipe (/dev/zero) reports size 0 and never ends
        with open(p, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise AlignError(f"{p}: cannot read ({e.strerror})") from None
    return _checked_text(data, str(p))


def _too_big() -> str:
    return f"the limit is {MAX_FILE_BYTES // 2**20} MiB a file"


def _checked_text(data: bytes, name: str) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise AlignError(f"{name}: more than {MAX_FILE_BYTES // 2**20} MiB to read; {_too_big()}")
    text = decode(data, name)
    if not text.strip():
        raise AlignError(f"{name}: file is empty" if not data else f"{name}: file holds only white space")
    return text


def _file_name(path: str | None, otherwise: str) -> str:
    """How messages name a side's file."""
    return "standard input" if path == STDIN else path or otherwise


def doc_id_for(path: str | Path) -> str:
    if str(path) == STDIN:
        return "stdin"
    return _LANG_SUFFIX.sub("", Path(path).stem) or Path(path).stem


def _nonblank_lines(text: str) -> list[tuple[int, int]]:
    return [(s, e) for s, e in line_bounds(text) if text[s:e].strip()]


def _tells_language(line: str) -> bool:
    return classify_line(line) is None and len(line.split()) >= 2


CAPITALISED_WORD = re.compile(r"\b[^\W\d_][\w'’-]*[^\W_]|\b[^\W\d_]\b")
SHARED_NAME_CONFIDENCE = 0.5  # lines read at least this surely tell which language a name is used in
SURE_READING = 0.99  # a line read this surely is not read again without its names


def _without_shared_names(readable: dict[int, str], detected: list[tuple[str | None, float]]) -> dict[int, str]:
    """The lines holding a capitalised word that lines read as two different languages both hold
    (a name: "Eintracht Frankfurt", "DFB-Pokal"), with those words taken out; a line read surely
    already, or left with too little to read, is left out."""
    capitalised = {
        k: {w for w in CAPITALISED_WORD.findall(line) if len(w) >= 2 and w[0].isupper()} for k, line in readable.items()
    }
    used_in: dict[str, set[str]] = {}
    for k, words in capitalised.items():
        lang, confidence = detected[k]
        if lang and confidence >= SHARED_NAME_CONFIDENCE:
            for word in words:
                used_in.setdefault(word, set()).add(lang)
    shared = {word for word, langs in used_in.items() if len(langs) >= 2}
    out = {}
    for k, line in readable.items():
        if detected[k][1] < SURE_READING and shared & capitalised[k]:
            rest = CAPITALISED_WORD.sub(lambda m: " " if m.group() in shared else m.group(), line)
            if _tells_language(rest):
                out[k] = rest
    return out


def split_languages(
    text: str, src_lang: str | None = None, tgt_lang: str | None = None, name: str = "input"
) -> tuple[str, list[tuple[int, int]], str, list[tuple[int, int]]]:
    """Find the two language blocks of a mixed file.

    Returns (source language, source lines, target language, target lines). The file is
    modelled as one block above the other; the split point is the one that agrees best
    with per-line language identification, so a stray untranslated line inside the
    target block stays in the target block (where it can be flagged).
    """
    if src_lang and src_lang == tgt_lang:
        raise AlignError(f"{name}: --src-lang and --tgt-lang are both {src_lang}; a mixed file holds two languages")
    lines = _nonblank_lines(text)
    # a heading, a byline or a lone word says nothing about the language of its block
    readable = {k: line for k, (s, e) in enumerate(lines) if _tells_language(line := text[s:e].strip())}
    if src_lang and tgt_lang:
        candidates: tuple[str, ...] = (src_lang, tgt_lang)
    else:  # the few languages the file reads most like, and the one given
        candidates = tuple(sorted({*langid.likely_languages(readable.values()), *filter(None, (src_lang, tgt_lang))}))
    detected = [langid.detect(readable[k], candidates) if k in readable else (None, 0.0) for k in range(len(lines))]

    weight: dict[str, float] = {}
    for (s, e), (lang, conf) in zip(lines, detected, strict=True):
        if lang and conf >= 0.5:
            weight[lang] = weight.get(lang, 0.0) + (e - s)
    if len(weight) < 2:
        found = ", ".join(weight) or "no language"
        raise AlignError(
            f"{name}: found only one language ({found}); a single input file must hold both the "
            "source and its translation, otherwise give the translation as a second file"
        )
    top_two = sorted(weight, key=weight.get, reverse=True)[:2]  # type: ignore[arg-type]
    # lines holding names that both languages' lines hold are read again without them, as one
    # language or the other: an English headline of German names ("U-Bahnhof Aidenbachstraße:
    # Dangerous fight") reads as German otherwise, and decides which block comes first
    for k, line in _without_shared_names(readable, detected).items():
        detected[k] = langid.detect(line, tuple(top_two))
    confident = [lang for lang, conf in detected if lang in top_two and conf >= 0.5]
    first, second = sorted(top_two, key=lambda lang: confident.index(lang) if lang in confident else len(confident))

    # agreement of split k: the characters of lines above k read as the first language plus those
    # from k on read as the second (a line Lingua is unsure of counts 1/100); whole numbers, so
    # that the sums are exact, and prefix sums, so that a file of 20,000 lines takes no minute
    def support(lang: str) -> list[int]:
        return [
            (e - s) * (100 if conf >= 0.5 else 1) if found == lang else 0
            for (s, e), (found, conf) in zip(lines, detected, strict=True)
        ]

    above = [0, *accumulate(support(first))]
    below = [0, *accumulate(support(second))]
    split = max(range(1, len(lines)), key=lambda k: above[k] + below[-1] - below[k])
    upper, lower = lines[:split], lines[split:]
    for option, code in (("--src-lang", src_lang), ("--tgt-lang", tgt_lang)):
        if code and code not in (first, second):
            raise AlignError(f"{name}: {option} {code} not found; the file holds {first} and {second}")
    # the upper block is the source unless a language given says otherwise (--tgt-lang alone counts too)
    if src_lang == second or tgt_lang == first:
        return second, lower, first, upper
    return first, upper, second, lower


def check_segment_lengths(doc: Document, max_chars: int) -> None:
    """Refuse a segment the encoder would take minutes over (a huge line with no sentence end)."""
    for side_name, side in (("source", doc.source), ("target", doc.target)):
        for seg in side.segments:
            if seg.is_content and len(seg.text) > max_chars:
                raise AlignError(
                    f"{side_name} ({side.lang}) segment {seg.id} is {len(seg.text):,} characters long with no "
                    f"sentence boundary (limit {max_chars:,}; see --max-segment-chars)"
                )


def language_code(code: str | None) -> str | None:
    """A user-given language code, checked and in lower case ("DE" → "de"); None when not given.

    Lower case because everything downstream compares codes with detected ones and with
    file names (``report.de.txt``), and labels the outputs with them."""
    if not code:
        return None
    langid.to_language(code)  # validates the code
    return code.lower()


def detect_file_language(text: str, given: str | None) -> str:
    code = language_code(given)
    if code:
        return code
    lang, _ = langid.detect(text)
    return lang or "en"


LANGUAGE_SAMPLE_CHARS = langid.SAMPLE_CHARS
MIN_SAMPLE_LETTERS = 40  # below this (a title, a list of names) a language check proves nothing
LANGUAGE_CHECK_CONFIDENCE = 0.9


def _language_sample(side: Side) -> str:
    """Content sentences spread over the whole side, up to LANGUAGE_SAMPLE_CHARS.

    Spread rather than the opening lines, which may be a title page or a quote."""
    texts = [s.text for s in side.segments if s.is_content]
    total = sum(len(t) + 1 for t in texts)
    step = max(1, round(total / LANGUAGE_SAMPLE_CHARS))
    sample = " ".join(texts[::step])
    return sample[:LANGUAGE_SAMPLE_CHARS]


def _reads_as(side: Side, candidates: Iterable[str], quick: bool = False) -> str | None:
    """Which of the candidate languages the side's text is in, where Lingua is sure; else None."""
    sample = _language_sample(side)
    if sum(c.isalpha() for c in sample) < MIN_SAMPLE_LETTERS:
        return None
    lang, confidence = langid.detect(sample, candidates, quick)
    return lang if confidence >= LANGUAGE_CHECK_CONFIDENCE else None


def _third_language(side: Side, languages: tuple[str, str]) -> str | None:
    """The language the side reads as among Lingua's default ones, where that is surely neither of
    the document's two (French given as German: between German and English alone, Lingua
    reads French as English)."""
    lang = _reads_as(side, {*langid.DEFAULT_LANGUAGES, *languages}, quick=True)
    return lang if lang not in languages else None


def language_warnings(source: Side, target: Side, languages_given: bool = True) -> list[str]:
    """Warnings where a file of a two-file document reads as the other side's language, or, where
    the user gave the languages (detected ones are the likeliest of Lingua's defaults already),
    as a third language.

    Swapped --src-lang/--tgt-lang (or manifest columns) still align, since the model is
    multilingual, but every target sentence is then flagged untranslated and the
    sentence splitter and name checks follow the wrong language; a target in the
    source's language is an untranslated copy, which the flags report segment by segment.
    """
    src_name, tgt_name = _file_name(source.path, "the source"), _file_name(target.path, "the target")
    src, tgt = source.lang.lower(), target.lang.lower()
    if src == tgt:
        return [
            f"{src_name} and {tgt_name} are both taken as {src}: is {tgt_name} the translation? "
            "(set --src-lang and --tgt-lang if the detection is wrong)"
        ]
    if languages_given:
        others = [
            f"{name} reads as {other}, neither {src} nor {tgt}: a wrong {option}?"
            for side, name, option in ((source, src_name, "--src-lang"), (target, tgt_name, "--tgt-lang"))
            if (other := _third_language(side, (src, tgt)))
        ]
        if others:
            return others
    src_reads, tgt_reads = _reads_as(source, (src, tgt)), _reads_as(target, (src, tgt))
    if src_reads == tgt and tgt_reads == src:
        return [
            f"{src_name} reads as {tgt} and {tgt_name} as {src}, but the source is taken as {src} and the "
            f"target as {tgt}: are the languages (or the files) the wrong way round?"
        ]
    if tgt_reads == src:
        return [
            f"{tgt_name} reads as {src}, the source's language, not {tgt}: an untranslated copy, or a wrong --tgt-lang?"
        ]
    if src_reads == tgt:
        return [
            f"{src_name} reads as {tgt}, the target's language, not {src}: a wrong --src-lang, or the "
            "translation given twice?"
        ]
    return []


def load_document(
    path: str | Path,
    path2: str | Path | None = None,
    *,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    presegmented_input: bool = False,
    doc_id: str | None = None,
) -> Document:
    """Read and segment one document: a mixed-language file, or a source and a target file."""
    doc_id = doc_id or doc_id_for(path)
    src_lang, tgt_lang = language_code(src_lang), language_code(tgt_lang)
    if str(path) == STDIN and path2 is not None and str(path2) == STDIN:
        raise AlignError("only one of the two files can be standard input (-)")
    if path2 is None:
        if presegmented_input:
            raise AlignError("--presegmented needs two files, source and target")
        text = read_text(path)
        s_lang, s_lines, t_lang, t_lines = split_languages(text, src_lang, tgt_lang, _file_name(str(path), "input"))
        source = Side(s_lang, text, segment_lines(text, s_lines, s_lang), str(path))
        target = Side(t_lang, text, segment_lines(text, t_lines, t_lang), str(path))
    else:
        src_text, tgt_text = read_text(path), read_text(path2)
        s_lang = detect_file_language(src_text, src_lang)
        t_lang = detect_file_language(tgt_text, tgt_lang)
        if presegmented_input:
            source = Side(s_lang, src_text, presegmented(src_text), str(path))
            target = Side(t_lang, tgt_text, presegmented(tgt_text), str(path2))
        else:
            source = Side(s_lang, src_text, segment_lines(src_text, _nonblank_lines(src_text), s_lang), str(path))
            target = Side(t_lang, tgt_text, segment_lines(tgt_text, _nonblank_lines(tgt_text), t_lang), str(path2))
    for side in (source, target):
        if not any(seg.is_content for seg in side.segments):
            # say what was there instead, so a file of bylines or credits is not a puzzle
            kinds = Counter(seg.kind.value for seg in side.segments if seg.kind != Kind.EMPTY)
            lines = [f"{n} {kind} line" + "s" * (n > 1) for kind, n in kinds.items()]
            found = f" (only {', '.join(lines)})" if lines else ""
            raise AlignError(f"{_file_name(side.path, 'input')}: no sentences to align on the {side.lang} side{found}")
    # a mixed file's two blocks were told apart by their languages, line by line
    warnings = language_warnings(source, target, bool(src_lang or tgt_lang)) if path2 is not None else []
    return Document(doc_id, source, target, warnings)
