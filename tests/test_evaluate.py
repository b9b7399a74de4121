"""The evaluator against hand-computed strict/lax precision, recall and F1."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from align.errors import AlignError
from align.evaluate import (
    _borders_kept,
    _counts,
    _extents,
    beads_from_jsonl,
    bootstrap,
    error_breakdown,
    pair_precision,
    parse_bead_lines,
    read_bead_file,
    regions,
    score,
)
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


def test_pairs_alone_set_the_unaligned_beads_aside_and_keep_recall() -> None:
    gold = read_bead_file(shared("textberg", "dev", "dev.defr"))
    test = _left_out_every(gold, 10)  # every tenth real 1-1 pair left out on both sides
    left_out = len(test) - len(gold)
    whole, alone = score([gold], [test]), pair_precision([gold], [test])
    # each left-out gold pair adds two output beads that can be no lax hit
    assert whole.test_beads - whole.lax_hits_precision == 2 * left_out > 0
    # set aside, every pair left is a gold bead; recall still misses the pairs left out
    assert alone.test_beads == sum(1 for s, t in test if s and t) == whole.gold_beads - left_out
    assert (alone.strict_precision, alone.lax_precision) == (1.0, 1.0)
    assert alone.strict_recall == whole.strict_recall < 1.0
    # a wrong pair still counts against the pairs' precision
    (s0, t0), (s1, t1) = test[0], test[1]
    crossed = [(s0, t1), (s1, t0), *test[2:]]
    assert pair_precision([gold], [crossed]).strict_hits_precision == alone.strict_hits_precision - 2


def _left_out_every(gold: list, step: int, start: int = 0) -> list:
    """The real gold with every ``step``-th 1-1 pair left out on both sides (a 1-0 and a 0-1 bead)."""
    out, seen = [], 0
    for src, tgt in gold:
        if len(src) == len(tgt) == 1:
            seen += 1
            if seen % step == start:
                out += [(src, ()), ((), tgt)]
                continue
        out.append((src, tgt))
    return out


def test_regions_are_closed_and_their_counts_add_up_to_the_pooled_score() -> None:
    gold = read_bead_file(shared("textberg", "dev", "dev.defr"))
    merged = [(gold[0][0] + gold[1][0], gold[0][1] + gold[1][1]), *gold[2:]]  # one gold border missing
    output = _left_out_every(merged, 7)
    cut = regions(gold, output)
    assert 10 < len(cut) < len(gold)  # the two gold beads joined above share a region
    assert sum(len(r[0]) for r in cut) == len(gold) and sum(len(r[1]) for r in cut) == len(output)
    for region_gold, region_output in cut:  # each region covers the same segments in both
        ids = [
            ({i for s, _ in beads for i in s}, {j for _, t in beads for j in t})
            for beads in (region_gold, region_output)
        ]
        assert ids[0] == ids[1]
    totals = [sum(column) for column in zip(*(_counts(g, o) for g, o in cut), strict=True)]
    s = score([gold], [output])
    assert totals == [s.test_beads, s.strict_hits_precision, s.lax_hits_precision,
                      s.gold_beads, s.strict_hits_recall, s.lax_hits_recall]  # fmt: skip


def test_bootstrap_interval_holds_the_score_and_narrows_with_more_text() -> None:
    gold = read_bead_file(shared("textberg", "dev", "dev.defr"))
    output = _left_out_every(gold, 6)
    one = bootstrap([gold], [output], samples=500)
    s = score([gold], [output])
    assert one.strict_f1[0] < s.strict_f1 < one.strict_f1[1] and one.lax_f1[0] <= s.lax_f1 <= one.lax_f1[1]
    assert one.strict_f1[1] - one.strict_f1[0] > 0.02  # a few hundred beads leave real doubt
    four = bootstrap([gold] * 4, [output] * 4, samples=500)
    assert four.regions == 4 * one.regions
    assert four.strict_f1[1] - four.strict_f1[0] < 0.7 * (one.strict_f1[1] - one.strict_f1[0])
    assert bootstrap([gold], [gold], samples=200).strict_f1 == (1.0, 1.0)
    assert bootstrap([gold], [output], samples=300) == bootstrap([gold], [output], samples=300)  # seeded


def test_paired_bootstrap_tells_a_real_change_from_none() -> None:
    gold = read_bead_file(shared("textberg", "dev", "dev.defr"))
    worse, better = _left_out_every(gold, 4), _left_out_every(gold, 12)
    gain = bootstrap([gold], [better], baseline_docs=[worse], samples=500)
    assert gain.baseline_strict_f1 == score([gold], [worse]).strict_f1
    assert gain.strict_f1_change is not None and 0 < gain.strict_f1_change[0] < gain.strict_f1_change[1]
    assert gain.strict_f1_higher == 1.0
    loss = bootstrap([gold], [worse], baseline_docs=[better], samples=500)
    assert loss.strict_f1_change is not None and loss.strict_f1_change[1] < 0 and loss.strict_f1_higher == 0.0
    # three more errors than the baseline: only pairing (both scored on the same resampled
    # regions) shows that this output can never win, a difference far inside either interval
    spread = [k for k, (s, t) in enumerate(worse) if len(s) == len(t) == 1][10::100][:3]
    three_more = [bead for k, bead in enumerate(worse) if k not in spread]
    three_more += [(worse[k][0], ()) for k in spread] + [((), worse[k][1]) for k in spread]
    small = bootstrap([gold], [three_more], baseline_docs=[worse], samples=500)
    assert small.strict_f1_higher == 0.0 and small.strict_f1_change is not None and small.strict_f1_change[1] <= 0
    assert small.strict_f1_change[0] > -0.02 and small.strict_f1[1] - small.strict_f1[0] > 0.04
    # two outputs with errors in different places and equally many: no side wins every resample
    other = _left_out_every(gold, 4, start=2)
    tie = bootstrap([gold], [other], baseline_docs=[worse], samples=500)
    assert tie.strict_f1_change is not None and tie.strict_f1_change[0] < 0 < tie.strict_f1_change[1]
    assert tie.strict_f1_higher is not None and 0.05 < tie.strict_f1_higher < 0.95


@pytest.mark.parametrize(
    ("options", "message"),
    [({"samples": 0}, "resamples must be a whole number"), ({"confidence": 1.5}, "confidence level must lie")],
)
def test_bootstrap_refuses_bad_settings(options: dict, message: str) -> None:
    with pytest.raises(AlignError, match=message):
        bootstrap([GOLD], [GOLD], **options)
    with pytest.raises(AlignError, match="2 gold documents but 1"):
        bootstrap([GOLD, GOLD], [GOLD, GOLD], baseline_docs=[GOLD])


def test_vecalign_costs_and_hunalign_ladders_read_as_the_same_beads(tmp_path: Path) -> None:
    gold_path = shared("textberg", "dev", "dev.defr")
    gold = read_bead_file(gold_path)
    vecalign = tmp_path / "vecalign.txt"  # Vecalign prints each bead's cost after a third colon
    vecalign.write_text(
        "".join(f"{line}:{k / 1000:.6f}\n" for k, line in enumerate(gold_path.read_text().splitlines()))
    )
    assert read_bead_file(vecalign) == gold
    # Hunalign: a rung where each bead starts, the last one at the ends. A ladder cannot
    # go back, so only the gold's first 200 beads, which follow each other in order
    head = gold[:200]
    rungs, at = [(0, 0)], (0, 0)
    for src, tgt in head:
        start = (src[0] if src else at[0], tgt[0] if tgt else at[1])
        if start[0] > at[0]:  # sentences the gold puts in no bead (it has some): a k-0 step
            rungs.append((start[0], at[1]))
        if start[1] > at[1]:
            rungs.append(start)
        at = (start[0] + len(src), start[1] + len(tgt))
        rungs.append(at)
    ladder = tmp_path / "hunalign.ladder"
    ladder.write_text("".join(f"{i}\t{j}\t0.{k % 10}\n" for k, (i, j) in enumerate(rungs)))
    from_ladder = read_bead_file(ladder)
    assert [b for b in from_ladder if b[0] and b[1]] == [b for b in head if b[0] and b[1]]
    assert score([head], [from_ladder]).strict_recall == 1.0
    ladder.write_text("0\t0\t0.3\n2\t1\t0.5\n1\t2\t0.1\n")
    with pytest.raises(AlignError, match="line 3: ladder rung \\(1, 2\\) goes back from \\(2, 1\\)"):
        read_bead_file(ladder)
    ladder.write_text("0\t0\t0.3\n[1]:[1]\n")
    with pytest.raises(AlignError, match="line 2: not a ladder rung"):
        read_bead_file(ladder)
    assert parse_bead_lines(["0 0 0.1", "1 0 0.2", "1 1 -0.3", "3 2 0.4"]) == [((0,), ()), ((), (0,)), ((1, 2), (1,))]


def test_the_linear_border_check_keeps_exactly_the_cuts_no_bead_straddles() -> None:
    rng = random.Random(7)
    for _ in range(200):  # bead lists with ids in any order, 0-3 segments a side
        src, tgt = list(range(rng.randint(1, 30))), list(range(rng.randint(1, 30)))
        rng.shuffle(src)
        rng.shuffle(tgt)
        beads = []
        while src or tgt:
            k, m = rng.randint(0, 3), rng.randint(0, 3)
            bead = (tuple(sorted(src[:k])), tuple(sorted(tgt[:m])))
            src, tgt = src[k:], tgt[m:]
            if bead[0] or bead[1]:
                beads.append(bead)
        cuts = np.array([(rng.randint(0, 30), rng.randint(0, 30)) for _ in range(20)], dtype=np.int64)

        def whole(bead: tuple, a: int, b: int) -> bool:  # every id of the bead on one side of the cut
            sides = {i >= a for i in bead[0]} | {j >= b for j in bead[1]}
            return len(sides) == 1

        expected = [all(whole(bead, a, b) for bead in beads) for a, b in cuts]
        assert _borders_kept(_extents(beads), cuts).tolist() == expected
