"""CLI behaviour on bad input: one clear line on stderr, non-zero exit, never a traceback."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from align import cli
from conftest import SEED, deen_document, run_main, run_main_output, shared


def run_align(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "align.cli", *args],
        input=stdin.decode("utf-8") if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_clean_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]


def test_missing_file(tmp_path: Path) -> None:
    assert_clean_error(run_align("run", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o")), "no such file")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n", encoding="utf-8")
    assert_clean_error(run_align("run", str(path), "-o", str(tmp_path / "o")), "empty")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    assert_clean_error(run_align("run", str(path), "-o", str(tmp_path / "o")), "binary")


def test_only_one_language(tmp_path: Path) -> None:
    path = tmp_path / "german.txt"
    path.write_text(SEED.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    assert_clean_error(run_align("run", str(path), "-o", str(tmp_path / "o")), "only one language")


def test_presegmented_needs_two_files(tmp_path: Path) -> None:
    assert_clean_error(run_align("run", str(SEED), "--presegmented", "-o", str(tmp_path / "o")), "two files")


def test_unknown_language_code(tmp_path: Path) -> None:
    result = run_align("run", str(SEED), "--src-lang", "xx", "--tgt-lang", "de", "-o", str(tmp_path / "o"))
    assert_clean_error(result, "unknown language code")


def test_missing_output_option() -> None:
    result = run_align("run", str(SEED))
    assert result.returncode != 0 and "Traceback" not in result.stderr and "--output" in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--aligner", "skip=1"), "unknown aligner setting 'skip'; known: pair_threshold"),
        (("--aligner", "skip_penalty"), "must look like NAME=VALUE"),
        (("--aligner", "skip_penalty=lots"), "skip_penalty must be a number, not 'lots'"),
        (("--aligner", "skip_penalty=-0.1"), "skip_penalty must be a number ≥ 0, not -0.1"),
        (("--aligner", "local_margin_weight=2"), "local_margin_weight must be a number from 0 to 1"),
        # inf was taken: the DP's sums became NaN ("internal error") or every sentence was left unaligned
        (("--aligner", "skip_penalty=inf"), "skip_penalty must be a number ≥ 0, not inf"),
        (("--aligner", "merge_penalty=inf"), "merge_penalty must be a number ≥ 0, not inf"),
        (("--flag-threshold", "omission=-inf"), "threshold of 'omission' must be a finite number, not -inf"),
        (("--aligner", "knn=2.5"), "knn must be a whole number"),
        (("--aligner", "refine=maybe"), "refine is true or false"),
        (("--flag-threshold", "omission"), "must look like TYPE=VALUE"),
        (("--no-flag", "typo"), "unknown flag type 'typo'"),
        (("--formats", "tsv,xliff"), "unknown format 'xliff'; choose from tsv, jsonl, tmx, moses"),
        (("--min-score", "2"), "a minimum score of 2 would leave every pair out: scores run up to 1"),
    ],
)
@pytest.mark.parametrize("command", ["run", "batch"])
def test_bad_settings_fail_cleanly_before_any_work(
    tmp_path: Path, command: str, args: tuple[str, ...], needle: str, capsys, monkeypatch
) -> None:
    target = str(SEED) if command == "run" else str(tmp_path / "manifest.tsv")
    (tmp_path / "manifest.tsv").write_text(f"doc_id\tsrc\ttgt\nseed\t{SEED}\t\n", encoding="utf-8")
    code, stderr = run_main([command, target, "-o", str(tmp_path / "o"), *args], capsys, monkeypatch)
    assert code == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr
    assert stderr.startswith("align: error: ") and needle in stderr
    assert not (tmp_path / "o").exists()


def test_aligner_settings_reach_the_aligner_and_are_recorded(tmp_path: Path) -> None:
    # the start of the Text+Berg dev document: its gold holds 1-3, 2-3 and 2-1 beads
    files = []
    for lang in ("de", "fr"):
        lines = shared("textberg", "dev", f"dev.{lang}").read_text(encoding="utf-8").splitlines()[:16]
        files.append(tmp_path / f"dev16.{lang}")
        files[-1].write_text("\n".join(lines) + "\n", encoding="utf-8")

    def beads(*settings: str) -> tuple[list[dict], dict]:
        out = tmp_path / "-".join(settings or ("default",))
        result = run_align("run", *map(str, files), "--presegmented", "-o", str(out), "-q", *settings)
        assert result.returncode == 0, result.stderr
        records = [json.loads(line) for line in (out / "alignments.jsonl").read_text(encoding="utf-8").splitlines()]
        for side in ("src_ids", "tgt_ids"):  # whatever the settings, every segment once
            assert sorted(i for r in records for i in r[side]) == list(range(16))
        return records, json.loads((out / "summary.json").read_text(encoding="utf-8"))["settings"]

    default, settings = beads()
    assert settings == {"aligner": {}, "flags": {}, "corpus": {}}
    assert any(len(r["src_ids"]) > 1 or len(r["tgt_ids"]) > 1 for r in default)
    one_to_one, settings = beads("--max-merge", "1", "--no-flag", "name_mismatch")
    assert all(len(r["src_ids"]) <= 1 and len(r["tgt_ids"]) <= 1 for r in one_to_one)
    assert settings == {
        "aligner": {"shapes": [[1, 1], [1, 0], [0, 1]]},
        "flags": {"off": ["name_mismatch"]},
        "corpus": {},
    }
    # a pair must beat chance by .9 cosine: nothing does, so nothing is paired (and nothing lost)
    unpaired, settings = beads("--aligner", "pair_threshold=0.9")
    assert not any(r["src_ids"] and r["tgt_ids"] for r in unpaired)
    assert settings["aligner"] == {"pair_threshold": 0.9}


@pytest.mark.parametrize("lang", ["de", None])
def test_segment_prints_one_sentence_per_line_from_stdin(lang: str | None) -> None:
    text = "Putin nahm den Zeitpunkt des Treffens, das am 75. Jahrestag stattfindet, zur Kenntnis. Dafür ist Zeit."
    args = ["segment", "-"] + (["--lang", lang] if lang else [])
    result = run_align(*args, stdin=text.encode("utf-8"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Putin nahm den Zeitpunkt des Treffens, das am 75. Jahrestag stattfindet, zur Kenntnis.",
        "Dafür ist Zeit.",
    ]


def test_segment_of_empty_stdin_fails_cleanly() -> None:
    assert_clean_error(run_align("segment", "-", stdin=b""), "empty")


def test_run_reads_a_document_from_stdin(tmp_path: Path) -> None:
    result = run_align("run", "-", "-o", str(tmp_path / "piped"), "-q", stdin=SEED.read_bytes())
    assert result.returncode == 0, result.stderr
    assert run_align("run", str(SEED), "-o", str(tmp_path / "file"), "-q").returncode == 0
    piped = [json.loads(line) for line in (tmp_path / "piped" / "alignments.jsonl").read_text().splitlines()]
    from_file = [json.loads(line) for line in (tmp_path / "file" / "alignments.jsonl").read_text().splitlines()]
    assert {r["doc_id"] for r in piped} == {"stdin"}
    assert [(r["src_ids"], r["tgt_ids"]) for r in piped] == [(r["src_ids"], r["tgt_ids"]) for r in from_file]
    assert_clean_error(run_align("run", "-", "-", "-o", str(tmp_path / "two")), "only one of the two files")
    assert_clean_error(run_align("run", "-", "-o", str(tmp_path / "none"), stdin=b" \n"), "standard input: file holds")


def test_eval_scores_bead_files_and_names_the_errors(tmp_path: Path, capsys, monkeypatch) -> None:
    gold = shared("textberg", "dev", "dev.defr")
    lines = gold.read_text(encoding="utf-8").splitlines()
    cut = lines.index("[8, 9]:[10, 11, 12]")  # split one real 2-3 bead in two
    test = tmp_path / "test.txt"
    test.write_text("\n".join(lines[:cut] + ["[8]:[10]", "[9]:[11, 12]"] + lines[cut + 1 :]) + "\n", encoding="utf-8")

    def evaluate(*args: str) -> tuple[int, str, str]:
        return run_main_output(["eval", "--gold", str(gold), *args], capsys, monkeypatch)

    code, out, _ = evaluate("--test", str(test), "--json", "--errors")
    assert code == 0
    result = json.loads(out)
    pairs = sum(1 for line in lines if not line.startswith("[]") and not line.endswith("[]"))
    assert result["strict_hits_recall"] == pairs - 1 and result["gold_beads"] == pairs
    assert result["errors"]["split"] == 2 and sum(result["errors"].values()) == 2
    # the 2-3 cut in two: both halves are pairs that overlap the gold bead, neither is it
    alone = result["pairs_alone"]
    assert alone["pairs"] == pairs + 1 and alone["lax_hits"] == pairs + 1 and alone["strict_hits"] == pairs - 1
    code, out, _ = evaluate("--test", str(test), "--errors")
    assert code == 0 and "| pair inside a larger gold bead (gold merges what we split) | 2 | 100% |" in out
    assert f"lax precision 1.000 ({pairs + 1} of {pairs + 1} pairs share a sentence" in out
    code, _, stderr = evaluate("--gold", str(gold), "--test", str(test))
    assert code == 2 and "2 --gold files but 1 --test files" in stderr
    test.write_text("[0]:[0]\nnot a bead\n", encoding="utf-8")
    code, _, stderr = evaluate("--test", str(test))
    assert code == 2 and "line 2: not a bead of the form [i, j]:[k]" in stderr


def test_eval_gives_bootstrap_intervals_and_a_paired_comparison(tmp_path: Path, capsys, monkeypatch) -> None:
    gold = shared("textberg", "dev", "dev.defr")
    lines = gold.read_text(encoding="utf-8").splitlines()
    pairs = [k for k, line in enumerate(lines) if not line.startswith("[]") and not line.endswith("[]")]
    for name, every in (("worse.txt", 5), ("better.txt", 25)):  # leave every n-th gold pair out
        out = [f"{line.split(':')[0]}:[]\n[]:{line.split(':')[1]}" if k in pairs[::every] else line
               for k, line in enumerate(lines)]  # fmt: skip
        (tmp_path / name).write_text("\n".join(out) + "\n", encoding="utf-8")

    def evaluate(*args: str) -> tuple[int, str, str]:
        return run_main_output(
            ["eval", "--gold", str(gold), "--test", str(tmp_path / "better.txt"), *args], capsys, monkeypatch
        )

    code, out, _ = evaluate("--bootstrap", "300", "--json")
    report = json.loads(out)
    assert code == 0 and report["bootstrap"]["samples"] == 300 and "strict_f1_change" not in report["bootstrap"]
    low, high = report["bootstrap"]["strict_f1"]
    assert low < report["strict_f1"] < high
    code, out, _ = evaluate("--baseline", str(tmp_path / "worse.txt"))
    assert code == 0 and "bootstrap over" in out and "(1000 resamples)" in out
    assert "the output is higher in 100.0% of resamples" in out
    code, _, stderr = evaluate("--baseline", str(tmp_path / "worse.txt"), "--baseline", str(gold))
    assert code == 2 and "1 --gold files but 2 --baseline files" in stderr
    (tmp_path / "other.txt").write_text("[0]:[0]\n[1]:[1]\n", encoding="utf-8")  # another document's output
    code, _, stderr = evaluate("--baseline", str(tmp_path / "other.txt"), "--bootstrap", "10")
    assert code == 0 and "the baseline's 2 and 2; is it the baseline for this document?" in stderr
    assert "output's" not in stderr  # the output itself matches its gold


def test_eval_matches_gold_files_to_the_documents_of_a_batch(tmp_path: Path, capsys, monkeypatch) -> None:
    gold = shared("textberg", "dev", "dev.defr")
    beads = gold.read_text(encoding="utf-8").splitlines()
    (tmp_path / "short.defr").write_text("\n".join(beads[:20]) + "\n", encoding="utf-8")
    records = []
    for doc_id, lines in (("short", beads[:20]), ("dev", beads), ("unscored", beads[:3])):
        for line in lines:
            src, tgt = (part.strip("[]") for part in line.split(":"))
            ids = [[int(x) for x in side.split(",") if x.strip()] for side in (src, tgt)]
            records.append({"doc_id": doc_id, "src_ids": ids[0], "tgt_ids": ids[1]})
    batch = tmp_path / "alignments.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    args = ["eval", "--gold", str(gold), "--gold", str(tmp_path / "short.defr"), "--test", str(batch), "--json"]
    code, out, _ = run_main_output(args, capsys, monkeypatch)
    assert code == 0 and json.loads(out)["strict_f1"] == 1.0
    assert json.loads(out)["test_beads"] == len(beads) + 20  # both documents, pooled
    (tmp_path / "dev.defr").write_text("\n".join(beads[:10] + ["[99]:[99]"]) + "\n", encoding="utf-8")
    args = ["eval", "--gold", str(tmp_path / "dev.defr"), "--gold", str(tmp_path / "short.defr"), "--test", str(batch)]
    code, out, stderr = run_main_output([*args, "--per-document"], capsys, monkeypatch)
    rows = [line for line in out.splitlines() if line.startswith("| dev.defr") or line.startswith("| short.defr")]
    assert code == 0 and rows[0].startswith("| dev.defr |")  # worst first
    # a gold that reaches other segments than its document's output is named, and only that one
    assert stderr.strip() == (
        "align: warning: dev.defr: the gold's beads reach 100 source and 100 target segments, the output's 468 "
        "and 554; is it the output for this document?"
    )
    assert rows[1] == "| short.defr | 1.000 | 1.000 | 1.000 | 1.000 |"
    code, out, _ = run_main_output([*args, "--per-document", "--json"], capsys, monkeypatch)
    assert json.loads(out)["documents"]["short.defr"]["strict_f1"] == 1.0
    assert json.loads(out)["documents"]["dev.defr"]["strict_f1"] < 1.0
    (tmp_path / "missing.defr").write_text(beads[0] + "\n", encoding="utf-8")
    args = ["eval", "--gold", str(gold), "--gold", str(tmp_path / "missing.defr"), "--test", str(batch)]
    code, _, stderr = run_main_output(args, capsys, monkeypatch)
    assert code == 2 and "has no document for missing.defr" in stderr and "Traceback" not in stderr


# --- inputs found to end in a traceback, a hang or a silent loss -------------------------------

EN = "The cat sat on the mat.\nIt was a sunny day.\n"
DE = "Die Katze saß auf der Matte.\nEs war ein sonniger Tag.\n"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[str, str]:
    """A two-sentence English document and its German translation."""
    (tmp_path / "cat.en.txt").write_text(EN, encoding="utf-8")
    (tmp_path / "cat.de.txt").write_text(DE, encoding="utf-8")
    return str(tmp_path / "cat.en.txt"), str(tmp_path / "cat.de.txt")


@pytest.mark.parametrize("command", ["run", "batch"])
def test_output_directory_that_is_a_file_is_refused_at_once(
    tmp_path: Path, pair: tuple[str, str], command: str, capsys, monkeypatch
) -> None:
    # was: the whole alignment, then "internal error: FileExistsError", exit 3
    (tmp_path / "manifest.tsv").write_text(f"doc_id\tsrc\ttgt\ncat\t{pair[0]}\t{pair[1]}\n", encoding="utf-8")
    inputs = list(pair) if command == "run" else [str(tmp_path / "manifest.tsv")]
    code, stderr = run_main([command, *inputs, "-o", pair[0]], capsys, monkeypatch)
    assert code == 2 and "Traceback" not in stderr and "is a file" in stderr
    assert Path(pair[0]).read_text(encoding="utf-8") == EN


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("-o", ""), "the output directory must not be empty"),  # was: wrote into the current directory
        (("-o", "OUT", "--jobs", "0"), "0 is not in the range x>=1"),
    ],
)
def test_empty_output_path_and_zero_jobs_are_refused(
    tmp_path: Path, args: tuple[str, ...], needle: str, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, stderr = run_main(["batch", str(tmp_path), *args], capsys, monkeypatch)
    assert code == 2 and needle in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_more_jobs_than_cpus_are_capped(tmp_path: Path, pair: tuple[str, str], capsys, monkeypatch) -> None:
    # was: 500 worker processes, each loading the model, until memory ran out
    cpus = os.cpu_count() or 1
    (tmp_path / "manifest.tsv").write_text(f"doc_id\tsrc\ttgt\ncat\t{pair[0]}\t{pair[1]}\n", encoding="utf-8")
    args = ["batch", str(tmp_path / "manifest.tsv"), "-o", str(tmp_path / "o"), "--jobs", "500", "-q"]
    code, stderr = run_main(args, capsys, monkeypatch)
    assert code == 0 and f"--jobs 500 is more than this machine's {cpus} CPUs; using {cpus}" in stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["jobs"] == cpus and summary["pairs"] == 2


def test_output_directory_below_a_file_fails_cleanly(pair: tuple[str, str], capsys, monkeypatch) -> None:
    code, stderr = run_main(["run", *pair, "-o", f"{pair[0]}/out", "-q"], capsys, monkeypatch)
    assert code == 2 and stderr == f"align: error: {pair[0]}/out: cannot write the outputs (Not a directory)\n"


def test_run_refuses_a_huge_line_instead_of_embedding_it_for_minutes(
    tmp_path: Path, pair: tuple[str, str], capsys, monkeypatch
) -> None:
    # a 2 MB line with no sentence end kept `align run` busy for more than five minutes
    huge = tmp_path / "huge.txt"
    huge.write_text(" ".join(["word"] * 4_000) + "\n", encoding="utf-8")  # 19,999 characters
    code, stderr = run_main(["run", str(huge), pair[1], "-o", str(tmp_path / "o")], capsys, monkeypatch)
    assert code == 2 and stderr.count("\n") == 1
    assert "segment 0 is 19,999 characters long with no sentence boundary (limit 10,000" in stderr
    assert not (tmp_path / "o").exists()
    args = ["run", *pair, "-o", str(tmp_path / "o"), "--max-segment-chars", "0"]
    code, stderr = run_main(args, capsys, monkeypatch)
    assert code == 2 and "0 is not in the range x>=1" in stderr


def test_language_codes_are_case_insensitive(tmp_path: Path, pair: tuple[str, str], capsys, monkeypatch) -> None:
    # "EN"/"DE" were accepted but labelled the outputs "EN"/"DE", with a warning on stderr
    args = ["run", *pair, "--src-lang", "EN", "--tgt-lang", "DE", "-o", str(tmp_path / "o"), "-q"]
    code, stderr = run_main(args, capsys, monkeypatch)
    assert code == 0 and stderr == ""
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["languages"] == {"src": "en", "tgt": "de"} and summary["pairs"] == 2


@pytest.fixture
def news_item(tmp_path: Path) -> Path:
    """A real three-sentence news item (FLORES-200) as item.en / item.de, and a batch manifest
    listing it twice: with the right languages ("right") and with them swapped ("swapped")."""
    en, de = deen_document(
        "flores200_devtest_deen.tsv",
        "https://en.wikinews.org/wiki/Toronto_team-led_research_on_Type_1_Diabetes_%27groundbreaking%27",
    )
    (tmp_path / "item.en").write_text("\n".join(en) + "\n", encoding="utf-8")
    (tmp_path / "item.de").write_text("\n".join(de) + "\n", encoding="utf-8")
    (tmp_path / "manifest.tsv").write_text(
        "doc_id\tsrc\ttgt\tsrc_lang\ttgt_lang\nright\titem.en\titem.de\ten\tde\nswapped\titem.en\titem.de\tde\ten\n",
        encoding="utf-8",
    )
    return tmp_path


def test_a_long_document_is_summed_up_on_the_terminal_and_whole_in_the_files(
    news_item: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr(cli, "SHOWN_ON_TERMINAL", 1)  # the three-sentence item stands for a long document
    run = ["run", str(news_item / "item.en"), str(news_item / "item.de"), "-o", str(news_item / "o")]
    code, stdout, _ = run_main_output(run, capsys, monkeypatch)
    assert code == 0
    assert stdout.count("\n         ") == 1 and "… 2 more pairs (all in corpus.tsv)" in stdout
    assert len(read_jsonl(news_item / "o" / "pairs.jsonl")) == 3


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_swapped_languages_are_warned_about_in_run_and_batch(news_item: Path, capsys, monkeypatch) -> None:
    # was: exit 0 and no word, with every target sentence flagged "untranslated"
    args = ["run", str(news_item / "item.en"), str(news_item / "item.de"), "--src-lang", "de", "--tgt-lang", "en"]
    code, out, stderr = run_main_output([*args, "-o", str(news_item / "o"), "-q"], capsys, monkeypatch)
    assert code == 0 and out == ""
    [line] = stderr.splitlines()  # printed even with -q: the outputs are still written, and suspect
    assert line.startswith("align: warning: ")
    assert line.endswith("are the languages (or the files) the wrong way round?")
    summary = json.loads((news_item / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["warnings"] == [line.removeprefix("align: warning: ")]

    batch = ["batch", str(news_item / "manifest.tsv"), "-o", str(news_item / "b"), "-q"]
    code, out, stderr = run_main_output(batch, capsys, monkeypatch)
    assert code == 0 and out == ""
    assert stderr.startswith(f"align: warning: 1 document with warnings, all in {news_item / 'b'}/documents.jsonl; ")
    assert "the first, swapped: " in stderr and stderr.count("\n") == 1
    documents = read_jsonl(news_item / "b" / "documents.jsonl")
    assert [(d["doc_id"], len(d["warnings"])) for d in documents] == [("right", 0), ("swapped", 1)]
    summary = json.loads((news_item / "b" / "summary.json").read_text(encoding="utf-8"))
    assert summary["documents"]["with_warnings"] == 1 and summary["first_warning"]["doc_id"] == "swapped"


def test_corpus_filters_leave_pairs_out_of_the_exports_not_out_of_alignments(
    news_item: Path, capsys, monkeypatch
) -> None:
    run = ["run", str(news_item / "item.en"), str(news_item / "item.de"), "-q"]
    assert run_main_output([*run, "-o", str(news_item / "all")], capsys, monkeypatch)[0] == 0
    scores = sorted(r["score"] for r in read_jsonl(news_item / "all" / "alignments.jsonl") if r["type"] == "1-1")
    assert len(scores) == 3 and scores[0] < scores[1]
    args = [*run, "-o", str(news_item / "min"), "--min-score", str(scores[1]), "--formats", "tmx,moses"]
    assert run_main_output(args, capsys, monkeypatch)[0] == 0
    kept = pd.read_csv(news_item / "min" / "corpus.tsv", sep="\t", quoting=csv.QUOTE_NONE)
    assert sorted(kept["score"]) == scores[1:]  # the weakest pair is left out …
    assert len(read_jsonl(news_item / "min" / "alignments.jsonl")) == 3  # … of the corpus only
    summary = json.loads((news_item / "min" / "summary.json").read_text(encoding="utf-8"))
    assert summary["corpus"] == {"pairs": 2, "left_out": {"score": 1}}
    assert summary["settings"]["corpus"] == {"min_score": scores[1]}
    # the other exports of a single run hold the same pairs as corpus.tsv, in the same order
    assert summary["outputs"] == [
        "alignments.jsonl",
        "corpus.de",
        "corpus.en",
        "corpus.tmx",
        "corpus.tsv",
        "summary.json",
    ]
    units = ET.parse(news_item / "min" / "corpus.tmx").getroot().findall("body/tu")
    assert [tu.findtext("tuv[@{http://www.w3.org/XML/1998/namespace}lang='en']/seg") for tu in units] == list(
        kept["src"]
    )
    assert (news_item / "min" / "corpus.de").read_text(encoding="utf-8").splitlines() == list(kept["tgt"])

    # a batch: every export leaves the warned (swapped) document out; alignments.jsonl keeps it
    outdir = news_item / "b"
    batch = ["batch", str(news_item / "manifest.tsv"), "-o", str(outdir), "-q", "--formats", "tsv,tmx,moses,jsonl"]
    code, _, _ = run_main_output([*batch, "--drop-warned"], capsys, monkeypatch)
    assert code == 0
    assert {r["doc_id"] for r in read_jsonl(outdir / "alignments.jsonl")} == {"right", "swapped"}
    corpus = pd.read_csv(outdir / "corpus.tsv", sep="\t", quoting=csv.QUOTE_NONE)
    assert list(corpus["doc_id"]) == ["right"] * 3
    assert len(ET.parse(outdir / "corpus.tmx").getroot().findall("body/tu")) == 3
    assert (outdir / "corpus.en-de.en").read_text(encoding="utf-8").count("\n") == 3  # two language pairs
    assert len(read_jsonl(outdir / "pairs.jsonl")) == 3
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["corpus"] == {"pairs": 3, "left_out": {"warned_document": 3}}

    # the filter applies when the parts are merged: a rerun may change it (nothing is realigned)
    code, _, _ = run_main_output([*batch, "--drop-flagged", "untranslated"], capsys, monkeypatch)
    assert code == 0
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["this_run"]["documents_resumed"] == 2
    untranslated = sum(
        any(f["type"] == "untranslated" for f in r["flags"])
        for r in read_jsonl(outdir / "alignments.jsonl")
        if r["src_ids"] and r["tgt_ids"]
    )
    assert untranslated == 3  # the swapped document's every pair: German "not English"
    assert summary["corpus"] == {"pairs": 3, "left_out": {"flag": 3}}
    code, stderr = run_main([*batch, "--drop-flagged", "typo"], capsys, monkeypatch)
    assert code == 2 and "unknown flag type 'typo'" in stderr


def test_eval_reads_bom_files_and_refuses_undecodable_or_empty_ones(tmp_path: Path, capsys, monkeypatch) -> None:
    gold, jsonl = tmp_path / "gold.txt", tmp_path / "alignments.jsonl"
    gold.write_bytes(b"\xef\xbb\xbf[0]:[0]\r\n[1]:[1]\r\n")  # Notepad's UTF-8 with BOM and CRLF
    records = [{"doc_id": "d", "src_ids": [i], "tgt_ids": [i]} for i in (0, 1)]
    jsonl.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps(r) + "\n" for r in records).encode())
    code, out, _ = run_main_output(["eval", "--gold", str(gold), "--test", str(jsonl), "--json"], capsys, monkeypatch)
    assert code == 0 and json.loads(out)["strict_f1"] == 1.0
    jsonl.write_bytes(b"\xff\xfe{\x00")  # was: "internal error: UnicodeDecodeError", exit 3
    code, stderr = run_main(["eval", "--gold", str(gold), "--test", str(jsonl)], capsys, monkeypatch)
    assert code == 2 and stderr.startswith(f"align: error: cannot read {jsonl}: 'utf-8' codec can't decode")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")  # was: scored, all zeros, exit 0
    for args in (["--gold", str(gold), "--test", str(empty)], ["--gold", str(empty), "--test", str(gold)]):
        code, stderr = run_main(["eval", *args], capsys, monkeypatch)
        assert code == 2 and stderr == f"align: error: bead file {empty} holds no beads\n"


def test_eval_per_document_keeps_gold_files_of_the_same_name(tmp_path: Path, capsys, monkeypatch) -> None:
    # was: one row per file name, so the second doc.txt silently replaced the first
    for folder, beads in (("a", "[0]:[0]\n[1]:[1]\n"), ("b", "[0]:[1]\n[1]:[0]\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "doc.txt").write_text(beads, encoding="utf-8")
    test = tmp_path / "test.txt"
    test.write_text("[0]:[0]\n[1]:[1]\n", encoding="utf-8")
    a, b = str(tmp_path / "a" / "doc.txt"), str(tmp_path / "b" / "doc.txt")
    args = ["eval", "--gold", a, "--gold", b, "--test", str(test), "--test", str(test), "--per-document", "--json"]
    code, out, _ = run_main_output(args, capsys, monkeypatch)
    documents = json.loads(out)["documents"]
    assert code == 0 and {name: s["strict_f1"] for name, s in documents.items()} == {a: 1.0, b: 0.0}


def test_eval_warns_when_a_segment_sits_in_two_beads(tmp_path: Path, capsys, monkeypatch) -> None:
    # was: scored without a word, the repeated segment counted once per bead
    gold = shared("textberg", "dev", "dev.defr")
    lines = gold.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["[0]:[0]", "[1]:[1]"]
    joined = tmp_path / "joined.txt"  # source segment 0 also opens the second bead
    joined.write_text("\n".join([lines[0], "[0, 1]:[1]", *lines[2:]]) + "\n", encoding="utf-8")
    code, out, stderr = run_main_output(["eval", "--gold", str(gold), "--test", str(joined)], capsys, monkeypatch)
    assert code == 0 and "| strict |" in out
    assert stderr == (
        "align: warning: dev.defr: the output's beads put source segment 0 in more than one bead; each "
        "segment belongs in one bead, and the scores count it once per bead\n"
    )
    code, _, stderr = run_main_output(["eval", "--gold", str(gold), "--test", str(gold)], capsys, monkeypatch)
    assert code == 0 and stderr == ""  # the real gold puts every segment in one bead
