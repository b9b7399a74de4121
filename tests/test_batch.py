"""Batch alignment: manifests, fault isolation, kill-and-resume, encodings.

The batch runs use a handful of small real WMT20 en-de documents (their segments
joined into running text, so the splitter runs) and the real bundled model.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from align.batch import DocSpec, iter_documents, iter_manifest, part_name, validate_documents
from align.errors import AlignError
from align.read import decode, read_text
from conftest import run_main, shared

WMT = ("deen", "wmt20_newstest2020_ende.tsv")
SMALL_DOCS = ("guardian.260755", "abcnews.364001", "aj-english.8643")


def wmt_documents(doc_ids: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """doc_id → (English text, German text): the headline on its own line, the body as running text."""
    segments: dict[str, list[tuple[str, str]]] = {d: [] for d in doc_ids}
    with open(shared(*WMT), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["doc_id"] in segments:
                segments[row["doc_id"]].append((row["en"], row["de"]))
    out = {}
    for doc_id, rows in segments.items():
        en, de = [r[0] for r in rows], [r[1] for r in rows]
        out[doc_id] = (en[0] + "\n" + " ".join(en[1:]) + "\n", de[0] + "\n" + " ".join(de[1:]) + "\n")
    return out


def small_wmt_doc_ids(count: int, max_segments: int = 20) -> tuple[str, ...]:
    """The first ``count`` WMT20 documents with at most ``max_segments`` segments."""
    sizes: Counter[str] = Counter()
    with open(shared(*WMT), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            sizes[row["doc_id"]] += 1
    return tuple(d for d, n in sizes.items() if n <= max_segments)[:count]


def write_manifest(directory: Path, rows: list[tuple[str, str, str]]) -> Path:
    manifest = directory / "manifest.tsv"
    manifest.write_text("doc_id\tsrc\ttgt\n" + "".join(f"{d}\t{s}\t{t}\n" for d, s, t in rows), encoding="utf-8")
    return manifest


def write_pair_files(directory: Path, docs: dict[str, tuple[str, str]]) -> Path:
    """<id>.en.txt / <id>.de.txt for every document, and a manifest listing them."""
    rows = []
    for doc_id, (en, de) in docs.items():
        (directory / f"{doc_id}.en.txt").write_text(en, encoding="utf-8")
        (directory / f"{doc_id}.de.txt").write_text(de, encoding="utf-8")
        rows.append((doc_id, f"{doc_id}.en.txt", f"{doc_id}.de.txt"))
    return write_manifest(directory, rows)


def run_align(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "align.cli", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)


def unescape_tsv(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[m.group(1)], text)


def doc_runs(doc_ids: list[str]) -> list[str]:
    """The doc_ids of consecutive runs: each document's rows must form one run."""
    return [d for i, d in enumerate(doc_ids) if i == 0 or doc_ids[i - 1] != d]


# --- decoding ---------------------------------------------------------------------------

GERMAN = "Größere Straßen führen über die Brücke – sagt Jürgen „heute“.\r\nZweite Zeile mit € und ß.\r\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("cp1252", b""),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-16-le", b""),  # no BOM: recognised by its NUL pattern
    ],
)
def test_encodings_are_detected_and_crlf_normalised(encoding: str, prefix: bytes) -> None:
    text = decode(prefix + GERMAN.encode(encoding), "x.txt")
    assert text == GERMAN.replace("\r\n", "\n")


def test_latin1_text_decodes() -> None:
    latin1 = "Ça coûte 5 £, dit l'élève à Zürich.\n"
    assert decode(latin1.encode("latin-1"), "x.txt") == latin1


def test_lone_cr_line_ends_become_lf() -> None:
    assert decode(b"one\rtwo\r", "x") == "one\ntwo\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"\x1f\x8b\x08\x00" + bytes(range(256)), "gzip"),
        (bytes(range(256)) * 4, "binary"),
        (b"Text mit \x81\x8d ung\xfcltigen Bytes", "cannot decode"),
        (codecs.BOM_UTF16_LE + b"a\x00b", "cannot decode as utf-16"),
        (b"\x01\x02\x03\x04 abc \x05\x06\x07\x08" * 10, "control characters"),
    ],
)
def test_binary_and_undecodable_input_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(AlignError, match=reason):
        decode(data, "x.bin")


def test_read_text_reasons(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \r\n\t\n")
    with pytest.raises(AlignError, match="file is empty"):
        read_text(tmp_path / "empty.txt")
    with pytest.raises(AlignError, match="only white space"):
        read_text(tmp_path / "blank.txt")
    with pytest.raises(AlignError, match="no such file"):
        read_text(tmp_path / "missing.txt")


# --- manifests and names ------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", ["a/b", "../etc/passwd", ".hidden", "ü ber", "x" * 300, "a\\b:c*?"])
def test_unsafe_doc_ids_become_safe_distinct_file_names(doc_id: str) -> None:
    name = part_name(doc_id)
    assert name and not name.startswith(".") and len(name) <= 120
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
    assert name != part_name(doc_id + "x")


def test_safe_doc_ids_keep_their_name() -> None:
    assert part_name("independent.281139") == "independent.281139"


def test_duplicate_doc_id_is_refused_with_both_lines(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, [("a", "a.en", "a.de"), ("b", "b.en", "b.de"), ("a", "c.en", "c.de")])
    with pytest.raises(AlignError, match=r"duplicate doc_id 'a' \(line 4; first on line 2\)"):
        validate_documents(iter_manifest(manifest), tmp_path / "ids.sqlite3")


def test_malformed_manifest_rows_name_their_line(tmp_path: Path) -> None:
    manifest = tmp_path / "m.tsv"
    manifest.write_text("doc_id\tsrc\ttgt\na\ta.en\ta.de\nb\tb.en\n", encoding="utf-8")
    with pytest.raises(AlignError, match="line 3: expected 3 tab-separated fields, found 2"):
        list(iter_manifest(manifest))
    manifest.write_text("id\tsource\ttarget\n", encoding="utf-8")
    with pytest.raises(AlignError, match="missing doc_id, src, tgt"):
        list(iter_manifest(manifest))
    # a second doc_id column was ignored: its ids (here "b") silently lost
    manifest.write_text("doc_id\tdoc_id\tsrc\ttgt\na\tb\ta.en\ta.de\n", encoding="utf-8")
    with pytest.raises(AlignError, match="manifest header names doc_id more than once"):
        list(iter_manifest(manifest))


def test_manifest_paths_are_relative_to_the_manifest_and_crlf_is_fine(tmp_path: Path) -> None:
    manifest = tmp_path / "sub" / "m.tsv"
    manifest.parent.mkdir()
    manifest.write_bytes(b"doc_id\tsrc\ttgt\tsrc_lang\r\nd1\tx/d1.en.txt\td1.de.txt\ten\r\nd2\tmixed.txt\t\t\r\n")
    specs = list(iter_manifest(manifest, tgt_lang="de"))
    assert specs[0] == DocSpec(
        "d1", str(manifest.parent / "x/d1.en.txt"), str(manifest.parent / "d1.de.txt"), "en", "de", "line 2"
    )
    assert specs[1].tgt is None and specs[1].src_lang is None and specs[1].tgt_lang == "de"


def test_directory_of_pairs(tmp_path: Path) -> None:
    for name in ("b.en.txt", "b.de.txt", "a.en.txt", "a.de.txt", "c.en.txt", "notes.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    with pytest.raises(AlignError, match="say which is the source"):
        list(iter_documents(tmp_path))
    specs = list(iter_documents(tmp_path, src_lang="en"))
    assert [(s.doc_id, Path(s.src).name, Path(s.tgt or "").name) for s in specs] == [
        ("a", "a.en.txt", "a.de.txt"),
        ("b", "b.en.txt", "b.de.txt"),
        ("c", "c.en.txt", "c.de.txt"),  # listed although c.de.txt is missing: it fails with that reason
    ]


TINY_DE = "Die Katze saß auf der Matte.\nEs war ein sonniger Tag.\n"


def test_upper_case_language_codes_find_the_files_of_a_directory(tmp_path: Path, capsys, monkeypatch) -> None:
    # "--src-lang EN" looked for *.EN.txt and found none; the outputs would have said "EN"
    (tmp_path / "in").mkdir()
    for lang, text in (("en", "The cat sat on the mat.\nIt was a sunny day.\n"), ("de", TINY_DE)):
        (tmp_path / "in" / f"cat.{lang}.txt").write_text(text, encoding="utf-8")
    args = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--src-lang", "EN", "-q"]
    code, stderr = run_main(args, capsys, monkeypatch)
    assert code == 0 and stderr == ""
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["language_pairs"] == {"en-de": 1} and summary["pairs"] == 2


def test_a_language_use_does_not_know_is_noted_once_for_the_batch(tmp_path: Path, capsys, monkeypatch) -> None:
    # Czech: e5 knows it, the joined Universal Sentence Encoder does not. A note about the run, once,
    # not a warning on every document, which --drop-warned would leave out of the corpus
    (tmp_path / "in").mkdir()
    english = "The cat sat on the mat.\nIt was a sunny day.\nThe children played in the garden until evening.\n"
    czech = "Kočka seděla na rohožce.\nByl slunečný den.\nDěti si hrály na zahradě až do večera.\n"
    for doc_id in ("cat", "garden"):
        (tmp_path / "in" / f"{doc_id}.en.txt").write_text(english, encoding="utf-8")
        (tmp_path / "in" / f"{doc_id}.cs.txt").write_text(czech, encoding="utf-8")
    args = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--src-lang", "en", "-q", "--drop-warned"]
    code, stderr = run_main(args, capsys, monkeypatch)
    assert code == 0 and stderr.count("align: note: cs: not among the languages") == 1, stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["notes"]) == 1 and summary["notes"][0].startswith("cs: not among")
    assert summary["documents"]["with_warnings"] == 0
    assert summary["corpus"] == {"pairs": 6, "left_out": {}} and summary["pairs"] == 6


def test_duplicate_manifest_exits_2_before_loading_a_model(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, [("a", "a.en", "a.de"), ("a", "a.en", "a.de")])
    result = run_align("batch", str(manifest), "-o", str(tmp_path / "out"), timeout=60)
    assert result.returncode == 2
    assert "align: error: duplicate doc_id 'a'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()  # bad usage leaves no empty output directory behind
    (tmp_path / "mine").mkdir()  # ... but never removes one the user made
    assert run_align("batch", str(manifest), "-o", str(tmp_path / "mine"), timeout=60).returncode == 2
    assert (tmp_path / "mine").is_dir()


# --- whole batches ------------------------------------------------------------------------


def test_batch_with_good_and_broken_documents(tmp_path: Path) -> None:
    docs = wmt_documents(SMALL_DOCS[:2])
    rows = []
    for i, (doc_id, (en, de)) in enumerate(docs.items()):
        (tmp_path / f"{doc_id}.en.txt").write_text(en, encoding="utf-8")
        if i == 0:  # CP1252 with CRLF
            (tmp_path / f"{doc_id}.de.txt").write_bytes(de.replace("\n", "\r\n").encode("cp1252"))
        else:  # UTF-16 with BOM; and a few characters XML 1.0 cannot hold, plus markup
            de = de.replace(" ", " \x01<b>&amp;\x0c ", 1)
            (tmp_path / f"{doc_id}.de.txt").write_bytes(codecs.BOM_UTF16_LE + de.encode("utf-16-le"))
        rows.append((doc_id, f"{doc_id}.en.txt", f"{doc_id}.de.txt"))
    good_en, good_de = next(iter(docs.values()))
    (tmp_path / "empty.de.txt").write_bytes(b"")
    (tmp_path / "binary.de.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (tmp_path / "undecodable.de.txt").write_bytes("Straße".encode("cp1252") + b" \x81\x8d\x90 Ende.\n")
    words = re.findall(r"[^\W\d_]+", good_en)  # the document's words, without any punctuation
    huge = " ".join(words * (1_000_000 // len(" ".join(words)) + 1))[:1_000_000]
    (tmp_path / "huge.en.txt").write_text(huge + "\n", encoding="utf-8")
    (tmp_path / "good.en.txt").write_text(good_en, encoding="utf-8")
    (tmp_path / "good.de.txt").write_text(good_de, encoding="utf-8")
    broken = {
        "empty doc": ("good.en.txt", "empty.de.txt", "file is empty"),
        "binary/doc": ("good.en.txt", "binary.de.txt", "binary file, not text: looks like a PNG image"),
        "undecodable": ("good.en.txt", "undecodable.de.txt", "cannot decode: not UTF-8"),
        "missing": ("good.en.txt", "nowhere.de.txt", "no such file"),
        "huge line": ("huge.en.txt", "good.de.txt", "segment 0 is 1,000,000 characters long"),
    }
    rows[1:1] = [(doc_id, src, tgt) for doc_id, (src, tgt, _) in broken.items()]
    manifest = write_manifest(tmp_path, rows)
    outdir = tmp_path / "out"

    started = time.perf_counter()
    result = run_align("batch", str(manifest), "-o", str(outdir), "--formats", "tsv,jsonl,tmx,moses")
    assert time.perf_counter() - started < 240  # the huge line is refused, not ground through
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr

    errors = read_tsv(outdir / "errors.tsv")
    assert list(errors["doc_id"]) == list(broken)  # manifest order
    for doc_id, reason in zip(errors["doc_id"], errors["reason"], strict=True):
        assert broken[doc_id][2] in reason, reason
    good = list(docs)
    records = [json.loads(line) for line in (outdir / "alignments.jsonl").read_text(encoding="utf-8").splitlines()]
    assert doc_runs([r["doc_id"] for r in records]) == good
    corpus = read_tsv(outdir / "corpus.tsv")
    assert doc_runs(list(corpus["doc_id"])) == good
    assert len(corpus) == sum(bool(r["src_ids"]) and bool(r["tgt_ids"]) for r in records)
    # the CP1252 + CRLF side was decoded: its umlauts arrive intact, no CR anywhere
    first_de = "".join(r["tgt_text"] for r in records if r["doc_id"] == good[0])
    assert any(c in first_de for c in "äöüßÄÖÜ„“") and "\r" not in first_de
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == {"total": 7, "succeeded": 2, "failed": 5, "with_warnings": 0}
    assert summary["pairs"] == len(corpus)

    # TMX: well-formed despite \x01 and \x0c in the text; the originals are recorded
    root = ET.parse(outdir / "corpus.tmx").getroot()
    assert root.get("version") == "1.4" and root.find("header").get("srclang") == "en"
    units = root.findall("body/tu")
    assert len(units) == len(corpus)
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert all([tuv.get(xml_lang) for tuv in tu.findall("tuv")] == ["en", "de"] for tu in units)
    restored = []
    for tu in units:  # put back what XML 1.0 cannot hold, from the tuv's x-align-replaced prop
        chars = list(tu.findtext("tuv[2]/seg") or "")
        for item in (tu.findtext("tuv[2]/prop[@type='x-align-replaced']") or "").split():
            offset, code = item.split(":")
            assert chars[int(offset)] == "\ufffd"
            chars[int(offset)] = chr(int(code[2:], 16))
        restored.append("".join(chars))
    assert restored == [unescape_tsv(t) for t in corpus["tgt"]]
    marked = [tu for tu in units if tu.find("tuv[2]/prop[@type='x-align-replaced']") is not None]
    assert len(marked) == 1
    assert marked[0].findtext("tuv[2]/prop").split()[0].endswith(":U+0001")
    assert marked[0].findtext("tuv[2]/prop").split()[1].endswith(":U+000C")
    assert "<b>&amp;" in marked[0].findtext("tuv[2]/seg")

    # Moses: equal line counts, one line per corpus.tsv row
    moses_en = (outdir / "corpus.en").read_text(encoding="utf-8").split("\n")
    moses_de = (outdir / "corpus.de").read_text(encoding="utf-8").split("\n")
    assert len(moses_en) == len(moses_de) == len(corpus) + 1  # + the empty string after the last \n
    assert moses_en[:-1] == [unescape_tsv(t) for t in corpus["src"]]

    pairs = [json.loads(line) for line in (outdir / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [p["translation"]["de"] for p in pairs] == [unescape_tsv(t) for t in corpus["tgt"]]

    # HTML reports asked for on a rerun: the documents without one are aligned again, the
    # others kept; one page per document, a row per bead, its markup shown as text
    html = ["batch", str(manifest), "-o", str(outdir), "--formats", "tsv,html"]
    for resumed in (0, 2):
        result = run_align(*html)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
        assert summary["this_run"]["documents_resumed"] == resumed
    outputs = [
        "alignments.jsonl",
        "corpus.tsv",
        "documents.jsonl",
        "errors.tsv",
        "report.html",
        "reports/",
        "summary.json",
    ]
    assert summary["outputs"] == outputs
    documents = [json.loads(line) for line in (outdir / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [d["report"] for d in documents] == [f"reports/{doc_id}.html" for doc_id in good]
    for doc_id in good:
        page = (outdir / "reports" / f"{doc_id}.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and page.count("<tr class=") == sum(
            r["doc_id"] == doc_id for r in records
        )
    assert "&lt;b&gt;&amp;amp;" in (outdir / "reports" / f"{good[1]}.html").read_text(encoding="utf-8")
    # report.html: a row per document in manifest order, a link to each report, the failures with their reason
    index = (outdir / "report.html").read_text(encoding="utf-8")
    assert re.findall(r'<a href="(reports/[^"]+)">', index) == [f"reports/{doc_id}.html" for doc_id in good]
    assert index.count("<tr style=") == 7 and index.count("failed: ") == 5
    assert "7 documents:" in index and "5 failed." in index
    # a rerun without them: the reports of the earlier merge go, so OUT never mixes two runs
    assert run_align("batch", str(manifest), "-o", str(outdir)).returncode == 1
    assert not (outdir / "reports").exists() and not (outdir / "report.html").exists()
    assert not (outdir / "corpus.tmx").exists()
    assert (outdir / "pairs.jsonl").exists() and (outdir / "parts" / f"{good[0]}.html").exists()


def test_batch_settings_reach_the_workers_and_a_resume_with_others_is_refused(tmp_path: Path) -> None:
    docs = wmt_documents(SMALL_DOCS[:1])
    manifest = write_pair_files(tmp_path, docs)
    outdir = tmp_path / "out"
    # a pair must beat chance by .9 cosine: nothing does, so nothing is paired and no flag speaks
    settings = ["--aligner", "pair_threshold=0.9", "--max-merge", "2", "--no-flag", "name_mismatch"]
    result = run_align("batch", str(manifest), "-o", str(outdir), "-q", *settings)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in (outdir / "alignments.jsonl").read_text(encoding="utf-8").splitlines()]
    assert records and not any(r["src_ids"] and r["tgt_ids"] for r in records)
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["pairs"] == 0
    assert summary["settings"]["aligner"]["pair_threshold"] == 0.9
    assert summary["settings"]["flags"] == {"off": ["name_mismatch"]}
    # the same settings resume; others would mix two kinds of result in one corpus
    assert run_align("batch", str(manifest), "-o", str(outdir), "-q", *settings).returncode == 0
    refused = run_align("batch", str(manifest), "-o", str(outdir), "-q")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "holds results made with other settings (aligner, flags)" in refused.stderr


def _count_parts(parts: Path) -> int:
    return sum(1 for p in parts.glob("*.jsonl") if not p.name.startswith("."))


def test_kill_and_resume_gives_every_document_exactly_once(tmp_path: Path) -> None:
    # enough distinct documents that the orphaned worker cannot finish them all before it stops
    docs = wmt_documents(small_wmt_doc_ids(8))
    manifest = write_pair_files(tmp_path, docs)
    outdir = tmp_path / "out"
    args = [str(manifest), "-o", str(outdir), "--docs-per-task", "1", "--formats", "tsv,jsonl,tmx,moses"]
    # a cold cache of its own, so that the documents take long enough to be killed among
    env = os.environ | {"ALIGN_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen(
        [sys.executable, "-m", "align.cli", "batch", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while _count_parts(outdir / "parts") < 1 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)  # the main process only: its worker must notice and stop
        process.wait(timeout=30)
        assert not (outdir / "summary.json").exists()
        # the orphaned worker exits by itself within a few seconds
        for _ in range(100):
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail("worker processes outlived the killed batch")
        # counted only now: the orphan may finish the document it was on before it notices
        done_at_kill = _count_parts(outdir / "parts")
        assert 1 <= done_at_kill < len(docs), "the run must be killed midway"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    result = subprocess.run(
        [sys.executable, "-m", "align.cli", "batch", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == {"total": len(docs), "succeeded": len(docs), "failed": 0, "with_warnings": 0}
    assert summary["this_run"]["documents_resumed"] == done_at_kill
    assert summary["this_run"]["documents_processed"] == len(docs) - done_at_kill

    expected = list(docs)
    records = [json.loads(line) for line in (outdir / "alignments.jsonl").read_text(encoding="utf-8").splitlines()]
    assert doc_runs([r["doc_id"] for r in records]) == expected
    for doc_id in expected:  # each document's beads once: every source segment id exactly once
        src_ids = [i for r in records if r["doc_id"] == doc_id for i in r["src_ids"]]
        assert sorted(src_ids) == list(range(len(src_ids)))
    documents = [json.loads(line)["doc_id"] for line in (outdir / "documents.jsonl").read_text().splitlines()]
    assert documents == expected
    corpus = read_tsv(outdir / "corpus.tsv")
    assert doc_runs(list(corpus["doc_id"])) == expected
    assert Counter(corpus["doc_id"]) == Counter(r["doc_id"] for r in records if r["src_ids"] and r["tgt_ids"])
    units = ET.parse(outdir / "corpus.tmx").getroot().findall("body/tu")
    assert [tu.find("prop[@type='x-doc-id']").text for tu in units] == list(corpus["doc_id"])
    assert len((outdir / "corpus.en").read_text().splitlines()) == len(corpus)
    assert read_tsv(outdir / "errors.tsv").empty
    assert not list(outdir.glob(".*.tmp*")) and not list((outdir / "parts").glob(".*.tmp*"))


def _worker_pids(parent: int) -> list[int]:
    """Worker processes of a batch: its children started by multiprocessing's spawn_main."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text(errors="replace")
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in cmdline:
            pids.append(int(entry))
    return pids


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker process")
def test_a_worker_that_dies_is_replaced_and_its_documents_retried(tmp_path: Path) -> None:
    docs = wmt_documents(SMALL_DOCS[:2])
    manifest = write_pair_files(tmp_path, docs)
    outdir = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "align.cli", "batch", str(manifest), "-o", str(outdir), "--docs-per-task", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (workers := _worker_pids(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers, "no worker process appeared"
        os.kill(workers[0], signal.SIGKILL)  # as the kernel's OOM killer would
        _, stderr = process.communicate(timeout=300)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, stderr
    records = [json.loads(line) for line in (outdir / "alignments.jsonl").read_text(encoding="utf-8").splitlines()]
    assert doc_runs([r["doc_id"] for r in records]) == list(docs)
    assert read_tsv(outdir / "errors.tsv").empty


@pytest.mark.parametrize("damage", ["truncate", "not_json", "no_summary"])
def test_a_damaged_part_file_is_named_and_realigned_once_deleted(
    tmp_path: Path, damage: str, capsys, monkeypatch
) -> None:
    # was: "internal error: JSONDecodeError", exit 3, on every later run of the same command
    (tmp_path / "in").mkdir()
    for lang, text in (("en", "The cat sat on the mat.\nIt was a sunny day.\n"), ("de", TINY_DE)):
        (tmp_path / "in" / f"cat.{lang}.txt").write_text(text, encoding="utf-8")
    args = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--src-lang", "en", "-q"]
    assert run_main(args, capsys, monkeypatch) == (0, "")
    (part,) = (tmp_path / "out" / "parts").glob("*.jsonl")
    lines = part.read_text(encoding="utf-8").splitlines(keepends=True)
    damaged = {
        "truncate": "".join(lines)[: len(lines[0]) + 20],  # a bead line cut short
        "not_json": lines[0] + "<html>\n",
        "no_summary": '{"doc_id": "cat"}\n' + "".join(lines[1:]),
    }[damage]
    part.write_text(damaged, encoding="utf-8")
    code, stderr = run_main(args, capsys, monkeypatch)
    assert code == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr
    assert stderr.startswith(f"align: error: {part}: damaged part file (") and "delete it and run" in stderr
    part.unlink()
    assert run_main(args, capsys, monkeypatch) == (0, "")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["pairs"] == 2 and summary["documents"]["succeeded"] == 1
