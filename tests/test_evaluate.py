"""The evaluator against hand-computed strict/lax precision, recall and F1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from align.errors import AlignError
from align.evaluate import beads_from_jsonl, error_breakdown, parse_bead_lines, read_bead_file, score
from conftest import shared

GOLD = [((0,), (0,)), ((1, 2), (1,)), ((), (2,)), ((3,), (3, 4))]


def test_perfect_output_scores_one() -> None:
    s = score([GOLD], [GOLD])
    assert (s.strict_precision, s.strict_recall, s.strict_f1, s.lax_f1) == (1.0, 1.0, 1.0, 1.0)
    assert s.test_beads == 4  # the 0-1 bead counts for precision
    assert s.gold_beads == 3  # but not for recall


def test_partial_output_known_counts() -> None:
    test = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((), (2,)), ((3,), (3,)), ((), (4,))]
    s = score([GOLD], [test])
    # precision: 6 beads; strict hits (0)-(0) and ()-(2); lax adds (1)-(1) and (3)-(3)
    assert (s.test_beads, s.strict_hits_precision, s.lax_hits_precision) == (6, 2, 4)
    # recall: 3 gold pairs against the 3 test pairs; strict (0)-(0); lax all three
    assert (s.gold_beads, s.strict_hits_recall, s.lax_hits_recall) == (3, 1, 3)
    assert s.strict_precision == pytest.approx(2 / 6)
    assert s.strict_recall == pytest.approx(1 / 3)
    assert s.strict_f1 == pytest.approx(2 * (1 / 3) * (1 / 3) / (2 / 3))
    assert s.lax_f1 == pytest.approx(2 * (4 / 6) * 1.0 / (4 / 6 + 1.0))


def test_counts_are_pooled_not_averaged() -> None:
    doc_a = [((0,), (0,))]
    doc_b = [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]
    wrong_b = [((0,), (1,)), ((1,), (0,)), ((2,), (2,))]
    s = score([doc_a, doc_b], [doc_a, wrong_b])
    assert s.strict_precision == pytest.approx(2 / 4)  # a per-document mean would give (1 + 1/3) / 2


def test_parse_and_read(tmp_path: Path) -> None:
    assert parse_bead_lines(["[0, 1]:[0]", "[]:[1]", "[2]:[]", ""]) == [((0, 1), (0,)), ((), (1,)), ((2,), ())]
    path = tmp_path / "gold.defr"
    path.write_text("[0]:[0]\n[1, 2]:[1, 2]\n", encoding="utf-8")
    assert read_bead_file(path) == [((0,), (0,)), ((1, 2), (1, 2))]
    with pytest.raises(AlignError, match="line 2"):
        parse_bead_lines(["[0]:[0]", "0 - 1"], "x")


def test_beads_from_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "alignments.jsonl"
    records = [
        {"doc_id": "a", "src_ids": [0], "tgt_ids": [0, 1]},
        {"doc_id": "b", "src_ids": [], "tgt_ids": [0]},
        {"doc_id": "a", "src_ids": [1], "tgt_ids": []},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert beads_from_jsonl(path) == {"a": [((0,), (0, 1)), ((1,), ())], "b": [((), (0,))]}
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(AlignError, match="line 1"):
        beads_from_jsonl(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(AlignError, match=r"holds no alignments\.jsonl records"):
        beads_from_jsonl(path)


@pytest.mark.parametrize("ids", ['"01"', "[1.7]", "[true]", "[-1]", "3", "[[1]]"])
def test_jsonl_ids_that_are_not_whole_numbers_are_refused(tmp_path: Path, ids: str) -> None:
    # int() read "01" as the ids 0 and 1, 1.7 as 1 and true as 1: a wrong score, no error
    path = tmp_path / "alignments.jsonl"
    path.write_text(f'{{"doc_id": "a", "src_ids": {ids}, "tgt_ids": [0]}}\n', encoding="utf-8")
    with pytest.raises(AlignError, match=r"line 1: .*src_ids must be a list of whole numbers ≥ 0"):
        beads_from_jsonl(path)


def test_document_count_mismatch() -> None:
    with pytest.raises(AlignError, match="2 gold documents but 1"):
        score([GOLD, GOLD], [GOLD])


def test_error_breakdown_names_what_each_wrong_bead_did() -> None:
    gold = read_bead_file(shared("textberg", "dev", "dev.defr"))
    assert sum(error_breakdown([gold], [gold]).values()) == 0
    # the real gold opens with five 1-1 beads; its first 2-3 bead comes a little later
    assert all((len(s), len(t)) == (1, 1) for s, t in gold[:5])
    at = next(k for k, (s, t) in enumerate(gold) if (len(s), len(t)) == (2, 3))
    (a, b, c, d, e), (src, tgt) = gold[:5], gold[at]
    test = [
        (a[0] + b[0], a[1] + b[1]),  # two gold beads joined: merged
        (c[0], ()), ((), c[1]),  # a gold pair left out on both sides: left out twice
        (d[0], d[1] + e[1]), (e[0], ()),  # a border moved: boundary, and a left-out segment
        *gold[5:at],
        (src[:1], tgt[:1]), (src[1:], tgt[1:]),  # the 2-3 cut in two: split twice
        *gold[at + 1 :],
    ]  # fmt: skip
    counts = error_breakdown([gold], [test])
    assert dict(counts) == {"merged": 1, "left_out": 3, "boundary": 1, "split": 2, "other_unaligned": 0}
