"""Exports parsed back: TMX with an XML parser, TSV with pandas, Moses line counts, JSONL lines."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from align.errors import AlignError
from align.export import (
    CorpusFilter,
    TmxWriter,
    bead_records,
    json_line,
    moses_line,
    pair_record,
    tsv_header,
    tsv_row,
    write_run,
    write_tmx,
    xml_safe,
)
from conftest import SEED

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Text that each format must survive: markup, quotes, tabs, every kind of line break,
# characters XML 1.0 forbids, a backslash sequence that looks like an escape, U+2028.
NASTY = [
    ("Er sagte: \"<b>Tom & Jerry</b>\" – 'ok'", 'He said: <i>&amp;</i> "ok"'),
    ("Spalte\teins\\tnicht\\\\zwei", "tab\there and a literal \\n"),
    ("Zeile\neins\rzwei\x0bdrei\x0cvier\x85fünf\u2028sechs\u2029", "line\nbreaks\r\neverywhere"),
    ("Steuer\x01zeichen\x1b[0m und \x00 NUL", "bell\x07 and \ufffe\uffff"),
    ("NA", "null"),
    ("😀 Emoji und CJK 漢字", "emoji 😀 and CJK 漢字"),
]


def record(doc_id: str, src: str, tgt: str, flags: tuple[str, ...] = ()) -> dict[str, Any]:
    """A bead record in the alignments.jsonl schema."""
    return {
        "doc_id": doc_id,
        "type": "1-1",
        "src_ids": [0],
        "tgt_ids": [0],
        "src_text": src,
        "tgt_text": tgt,
        "score": 0.5,
        "covered": True,
        "src_kinds": ["sentence"],
        "tgt_kinds": ["sentence"],
        "flags": [{"type": f, "reason": "r", "score": 1.0} for f in flags],
    }


def unescape_tsv(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[m.group(1)], text)


def read_tsv(path_or_buffer: Any) -> pd.DataFrame:
    return pd.read_csv(path_or_buffer, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)


def test_tsv_rows_round_trip_through_pandas() -> None:
    records = [record(f"doc\t{i}", s, t, ("duplicate", "addition")) for i, (s, t) in enumerate(NASTY)]
    text = tsv_header() + "".join(tsv_row(r) or "" for r in records)
    frame = read_tsv(io.StringIO(text))
    assert len(frame) == len(records)
    assert [unescape_tsv(v) for v in frame["src"]] == [s for s, _ in NASTY]
    assert [unescape_tsv(v) for v in frame["tgt"]] == [t for _, t in NASTY]
    assert [unescape_tsv(v) for v in frame["doc_id"]] == [r["doc_id"] for r in records]
    assert set(frame["flags"]) == {"addition,duplicate"}


def test_tsv_row_skips_beads_without_both_sides() -> None:
    unaligned = record("d", "only source", "") | {"tgt_ids": []}
    assert tsv_row(unaligned) is None


def test_tmx_is_well_formed_and_restorable_for_any_text() -> None:
    buffer = io.StringIO()
    writer = TmxWriter(buffer, "de")
    for i, (src, tgt) in enumerate(NASTY):
        writer.add(record(f"doc <{i}> & \x01", src, tgt, ("mt_attribution",)), "de", "en")
    writer.close()
    root = ET.fromstring(buffer.getvalue().encode("utf-8"))
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header is not None
    for attribute in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "datatype"):
        assert header.get(attribute)
    assert header.get("srclang") == "de"
    units = root.findall("body/tu")
    assert len(units) == len(NASTY)
    for tu, (src, tgt) in zip(units, NASTY, strict=True):
        assert tu.get("srclang") == "de"
        tuvs = tu.findall("tuv")
        assert [t.get(XML_LANG) for t in tuvs] == ["de", "en"]
        for tuv, original in zip(tuvs, (src, tgt), strict=True):
            seg = tuv.findtext("seg") or ""
            restored = list(seg)
            prop = tuv.find("prop[@type='x-align-replaced']")
            for item in (prop.text or "").split() if prop is not None else []:
                offset, code = item.split(":")
                assert restored[int(offset)] == "\ufffd"
                restored[int(offset)] = chr(int(code[2:], 16))
            # XML parsers turn CR and CRLF into LF; everything else comes back exactly
            assert "".join(restored) == original.replace("\r\n", "\n").replace("\r", "\n")
        assert tu.findtext("prop[@type='x-flags']") == "mt_attribution"


def test_xml_safe_replaces_only_forbidden_characters() -> None:
    clean, replaced = xml_safe("a\x00b\tc\nd\x1fe\ud800f\U0001f600")
    assert clean == "a\ufffdb\tc\nd\ufffde\ufffdf\U0001f600"
    assert replaced == ["1:U+0000", "7:U+001F", "9:U+D800"]
    assert xml_safe("plain") == ("plain", [])


def test_moses_files_have_one_line_per_pair(tmp_path: Path) -> None:
    src_lines = "".join(moses_line(s) for s, _ in NASTY)
    tgt_lines = "".join(moses_line(t) for _, t in NASTY)
    for text in (src_lines, tgt_lines):
        assert len(text.splitlines()) == len(NASTY)  # str.splitlines knows every line-break character
    (tmp_path / "corpus.de").write_text(src_lines, encoding="utf-8")
    with open(tmp_path / "corpus.de", encoding="utf-8") as f:
        assert sum(1 for _ in f) == len(NASTY)


def test_jsonl_lines_split_only_between_records() -> None:
    lines = "".join(json_line(pair_record(record("d", s, t), "de", "en")) for s, t in NASTY)
    parsed = [json.loads(line) for line in lines.splitlines()]
    assert [p["translation"] for p in parsed] == [{"de": s, "en": t} for s, t in NASTY]


def test_pair_record_keeps_both_texts_for_a_same_language_pair() -> None:
    assert pair_record(record("d", "a", "b"), "en", "en")["translation"] == {"src": "a", "tgt": "b"}


@pytest.fixture(scope="module")
def seed_alignment(pipeline):
    return pipeline.align_file(SEED)


def test_single_document_exports_parse_back(seed_alignment, tmp_path: Path) -> None:
    summary = write_run(seed_alignment, tmp_path, {"model": "test"})
    corpus = read_tsv(tmp_path / "corpus.tsv")
    assert list(corpus.columns) == ["doc_id", "src", "tgt", "score", "type", "flags"]
    assert len(corpus) == summary["pairs"] >= 1
    records = [json.loads(line) for line in (tmp_path / "alignments.jsonl").read_text(encoding="utf-8").splitlines()]
    assert records == bead_records(seed_alignment)
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))["pairs"] == len(corpus)

    count = write_tmx(records, tmp_path / "seed.tmx", "en", "de")
    units = ET.parse(tmp_path / "seed.tmx").getroot().findall("body/tu")
    assert count == len(units) == len(corpus)
    assert [tu.findtext("tuv[1]/seg") for tu in units] == list(corpus["src"])
    assert [tu.findtext("tuv[2]/seg") for tu in units] == list(corpus["tgt"])


def test_python_exports_write_what_the_command_line_writes(seed_alignment, tmp_path: Path) -> None:
    pairs = sorted(score for _, _, score in seed_alignment.pairs())
    assert len(pairs) >= 2
    keep = CorpusFilter(min_score=pairs[-1])  # the best pair only
    assert seed_alignment.to_tmx(tmp_path / "best.tmx", keep) == 1
    (unit,) = ET.parse(tmp_path / "best.tmx").getroot().findall("body/tu")
    assert float(unit.findtext("prop[@type='x-score']")) == pytest.approx(pairs[-1], abs=1e-4)

    summary = seed_alignment.export(tmp_path / "out", formats=["moses", "tmx", "html"], corpus_filter=keep)
    assert summary["corpus"] == {"pairs": 1, "left_out": {"score": len(pairs) - 1}}
    assert summary["outputs"] == [
        "alignments.jsonl", "corpus.de", "corpus.en", "corpus.tmx", "corpus.tsv", "report.html", "summary.json"
    ]  # fmt: skip
    # the report shows every bead (the filter shapes the corpus only), the flagged ones marked
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert page.count("<tr class=") == len(seed_alignment.beads)
    assert page.count('<tr class="align-flagged"') == sum(bool(b.flags) for b in seed_alignment.beads) >= 1
    assert "Putin habe über Transportkapazitäten gesprochen." in page and 'data-flag="duplicate"' in page
    # above the table, each flag of a bead links to its row
    links = re.findall(r'href="#(bead-\d+)"', page)
    assert len(links) == sum(len(b.flags) for b in seed_alignment.beads)
    assert all(page.count(f'id="{anchor}"') == 1 for anchor in links)
    corpus = read_tsv(tmp_path / "out" / "corpus.tsv")
    assert (tmp_path / "out" / "corpus.en").read_text(encoding="utf-8").splitlines() == list(corpus["src"])
    assert (tmp_path / "out" / "corpus.tmx").read_text(encoding="utf-8").count("<tu ") == 1
    # a second run into the same directory replaces the first's outputs, not only some of them
    (tmp_path / "out" / "notes.txt").write_text("the user's own file", encoding="utf-8")
    summary = seed_alignment.export(tmp_path / "out")
    assert summary["outputs"] == ["alignments.jsonl", "corpus.tsv", "pairs.jsonl", "summary.json"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([*summary["outputs"], "notes.txt"])
    with pytest.raises(AlignError, match="unknown format 'xliff'"):
        seed_alignment.export(tmp_path / "bad", formats=["xliff"])
