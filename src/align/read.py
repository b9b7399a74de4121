"""Reading input: decode files, find the two languages, and segment each side.

A document is either one file holding both languages (source block above target
block, like the seed article) or two files, source and target.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from . import langid
from .errors import AlignError
from .model import Document, Side
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


def decode(data: bytes, name: str = "input") -> str:
    """Bytes → text: BOM-aware, UTF-8 first, CP1252 as the fallback; refuses binary data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return normalise(data.decode(encoding))
            except UnicodeDecodeError as e:
                raise AlignError(f"{name}: cannot decode as {encoding}: {e.reason} at byte {e.start}") from None
    if b"\x00" in data[:65536]:
        raise AlignError(f"{name}: looks like a binary file (NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise AlignError(f"{name}: not UTF-8 and not CP1252/Latin-1 text") from None
    sample = text[:65536]
    if sample and len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        raise AlignError(f"{name}: looks like a binary file (control characters), not text")
    return normalise(text)


def normalise(text: str) -> str:
    """CRLF and CR → LF; drop a BOM left inside the text. Nothing else changes."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def read_text(path: str | Path) -> str:
    p = Path(path)
    if not p.exists():
        raise AlignError(f"{p}: no such file")
    if p.is_dir():
        raise AlignError(f"{p}: is a directory, not a text file")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise AlignError(f"{p}: cannot read ({e.strerror})") from None
    text = decode(data, str(p))
    if not text.strip():
        raise AlignError(f"{p}: file is empty")
    return text


def doc_id_for(path: str | Path) -> str:
    return _LANG_SUFFIX.sub("", Path(path).stem) or Path(path).stem


def _nonblank_lines(text: str) -> list[tuple[int, int]]:
    return [(s, e) for s, e in line_bounds(text) if text[s:e].strip()]


def split_languages(
    text: str, src_lang: str | None = None, tgt_lang: str | None = None, name: str = "input"
) -> tuple[str, list[tuple[int, int]], str, list[tuple[int, int]]]:
    """Find the two language blocks of a mixed file.

    Returns (source language, source lines, target language, target lines). The file is
    modelled as one block above the other; the split point is the one that agrees best
    with per-line language identification, so a stray untranslated line inside the
    target block stays in the target block (where it can be flagged).
    """
    lines = _nonblank_lines(text)
    candidates = [c for c in (src_lang, tgt_lang) if c] if src_lang and tgt_lang else None
    detected: list[tuple[str | None, float]] = []
    for s, e in lines:
        line = text[s:e].strip()
        if classify_line(line) is not None or len(line.split()) < 2:
            detected.append((None, 0.0))
        else:
            detected.append(langid.detect(line, candidates))

    weight: dict[str, float] = {}
    for (s, e), (lang, conf) in zip(lines, detected, strict=True):
        if lang and conf >= 0.5:
            weight[lang] = weight.get(lang, 0.0) + (e - s)
    confident = [lang for lang, conf in detected if lang and conf >= 0.5]
    if len(weight) < 2:
        found = ", ".join(weight) or "no language"
        raise AlignError(
            f"{name}: found only one language ({found}); a single input file must hold both the "
            "source and its translation, otherwise give the translation as a second file"
        )
    top_two = sorted(weight, key=weight.get, reverse=True)[:2]  # type: ignore[arg-type]
    first, second = sorted(top_two, key=confident.index)

    def agreement(k: int) -> float:
        total = 0.0
        for i, ((s, e), (lang, conf)) in enumerate(zip(lines, detected, strict=True)):
            expected = first if i < k else second
            if lang == expected:
                total += (e - s) * (1.0 if conf >= 0.5 else 0.01)
        return total

    split = max(range(1, len(lines)), key=agreement)
    upper, lower = lines[:split], lines[split:]
    if src_lang in (None, first):
        return first, upper, second, lower
    if src_lang == second:
        return second, lower, first, upper
    raise AlignError(f"{name}: --src-lang {src_lang} not found; the file holds {first} and {second}")


def detect_file_language(text: str, given: str | None) -> str:
    if given:
        langid.to_language(given)  # validates the code
        return given
    lang, _ = langid.detect(text)
    return lang or "en"


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
    for code in (src_lang, tgt_lang):
        if code:
            langid.to_language(code)
    if path2 is None:
        if presegmented_input:
            raise AlignError("--presegmented needs two files, source and target")
        text = read_text(path)
        s_lang, s_lines, t_lang, t_lines = split_languages(text, src_lang, tgt_lang, str(path))
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
    for side, p in ((source, path), (target, path2 or path)):
        if not any(seg.is_content for seg in side.segments):
            raise AlignError(f"{p}: no sentences to align on the {side.lang} side")
    return Document(doc_id, source, target)
