"""CLI behaviour on bad input: one clear line on stderr, non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEED


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
