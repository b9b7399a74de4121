"""Damaged German–English documents whose gold alignment is known by construction.

Each document of a ``deen/*.tsv`` file (English source, German target) is 1:1 at segment
level: a translator kept the segment boundaries. Every segment stays one line on both
sides (a two-sentence segment is still one 1-1 gold bead), and only the damage changes
the bead shapes, on one side at a time, so the gold is known by construction. Random
damage, each kind at most a few times per document:

* ``split_src`` / ``split_tgt``: one side of a segment is cut into its sentences (our
  splitter), or, for a one-sentence segment, in two at a comma or the middle word; the
  other side stays whole, so the gold bead becomes k-1 / 1-k;
* ``merge_src`` / ``merge_tgt``: the last line of one bead and the first of the next
  are joined on one side, so the two gold beads fuse into one (1-1 + 1-1 → 2-1 / 1-2);
* ``drop_src`` / ``drop_tgt``: one side of a 1-1 bead is deleted, its counterpart
  becomes an unaligned bead;
* ``duplicate_tgt``: a target line is repeated right after itself; the first copy
  keeps the alignment, the repeat is an unaligned 0-1 bead;
* ``untranslated_tgt``: the target of a 1-1 bead is replaced by its English source.
  Gold still pairs the two: the copy IS the counterpart of its source (an aligner
  should pair it, the artefact detector should flag it);
* ``trailer_tgt``: an MT attribution line is appended; it is an unaligned 0-1 bead.

Every segment of both sides is in exactly one gold bead; bead ids are positions in
``src_segments`` / ``tgt_segments``.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from align.evaluate import GoldBead
from align.segment import segment

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
DEEN = DATA / "deen"

TRAILERS = (
    "Translated with www.DeepL.com/Translator (free version)",
    "Übersetzt mit DeepL.com (kostenlose Version)",
    "Übersetzt mit www.DeepL.com/Translator (kostenlose Version)",
)
DAMAGE_TYPES = (
    "split_src", "split_tgt", "merge_src", "merge_tgt", "drop_src", "drop_tgt",
    "duplicate_tgt", "untranslated_tgt", "trailer_tgt",
)  # fmt: skip


@dataclass
class DamagedDoc:
    doc_id: str
    src_lang: str
    tgt_lang: str
    src_segments: list[str]
    tgt_segments: list[str]
    gold: list[GoldBead]
    damage: list[dict] = field(default_factory=list)


# While damage is applied a document is a list of beads, each a pair of sentence lists;
# ids are assigned only at the end, so insertions and merges never invalidate them.
_Bead = tuple[list[str], list[str]]


def sentences(text: str, lang: str) -> list[str]:
    return [s.text for s in segment(text, lang) if s.text.strip()] or [text.strip()]


def read_documents(tsv: Path) -> list[tuple[str, list[_Bead]]]:
    """(doc_id, beads) per document, a 1-1 bead per segment (each side one whole line)."""
    docs: dict[str, list[_Bead]] = {}
    with open(tsv, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            en, de = (row.get("en") or "").strip(), (row.get("de") or "").strip()
            if not en or not de:
                continue
            docs.setdefault(row["doc_id"], []).append(([" ".join(en.split())], [" ".join(de.split())]))
    return list(docs.items())


def _split_sentence(text: str) -> tuple[str, str] | None:
    words = text.split()
    if len(words) < 8:
        return None
    commas = [i for i, w in enumerate(words[2:-2], 2) if w.endswith(",")]
    cut = (commas[len(commas) // 2] + 1) if commas else len(words) // 2
    return " ".join(words[:cut]), " ".join(words[cut:])


def _split_line(text: str, lang: str) -> list[str] | None:
    """A line cut into its sentences, or in two at a comma / the middle word; None if too short."""
    split = sentences(text, lang)
    if len(split) > 1:
        return split
    parts = _split_sentence(text)
    return list(parts) if parts else None


def _damage(beads: list[_Bead], rng: random.Random) -> tuple[list[_Bead], list[list[str]]]:
    """Apply random damage; returns the beads and, per bead, the damage types it received."""
    beads = [(list(s), list(t)) for s, t in beads]
    tags: list[list[str]] = [[] for _ in beads]
    kinds = list(DAMAGE_TYPES[:-1])
    rng.shuffle(kinds)
    for kind in kinds[: max(1, min(len(beads) // 4, 4))]:
        k = rng.randrange(len(beads))
        src, tgt = beads[k]
        if kind in ("split_src", "split_tgt"):
            side = src if kind == "split_src" else tgt
            if not side or any(tag.startswith("split") for tag in tags[k]):
                continue  # splitting both sides of one bead could make it two 1-1 beads: ambiguous gold
            p = rng.randrange(len(side))
            parts = _split_line(side[p], "en" if kind == "split_src" else "de")
            if parts:
                side[p : p + 1] = parts
                tags[k].append(kind)
        elif kind in ("merge_src", "merge_tgt"):
            if k + 1 < len(beads) and all(beads[k]) and all(beads[k + 1]):
                # join the last sentence of bead k and the first of bead k+1 on one side: the beads fuse
                nxt_src, nxt_tgt = beads[k + 1]
                if kind == "merge_src":
                    fused = ([*src[:-1], src[-1] + " " + nxt_src[0], *nxt_src[1:]], tgt + nxt_tgt)
                else:
                    fused = (src + nxt_src, [*tgt[:-1], tgt[-1] + " " + nxt_tgt[0], *nxt_tgt[1:]])
                beads[k : k + 2] = [fused]
                tags[k : k + 2] = [[*tags[k], *tags[k + 1], kind]]
        elif kind in ("drop_src", "drop_tgt"):
            if k + 1 < len(beads) and "duplicate_tgt" in tags[k + 1]:
                continue  # dropping the first copy would leave the repeat as the only translation: ambiguous gold
            if len(src) == 1 and len(tgt) == 1:
                beads[k] = ([], tgt) if kind == "drop_src" else (src, [])
                tags[k].append(kind)
        elif kind == "duplicate_tgt":
            if src and tgt:
                beads.insert(k + 1, ([], [tgt[-1]]))
                tags.insert(k + 1, [kind])
        elif kind == "untranslated_tgt" and len(src) == 1 and len(tgt) == 1:
            beads[k] = (src, list(src))
            tags[k].append(kind)
    if rng.random() < 0.5:
        beads.append(([], [rng.choice(TRAILERS)]))
        tags.append(["trailer_tgt"])
    return beads, tags


def _number(doc_id: str, beads: list[_Bead], tags: list[list[str]]) -> DamagedDoc:
    src_segments: list[str] = []
    tgt_segments: list[str] = []
    gold: list[GoldBead] = []
    damage: list[dict] = []
    for (src, tgt), bead_tags in zip(beads, tags, strict=True):
        s_ids = tuple(range(len(src_segments), len(src_segments) + len(src)))
        t_ids = tuple(range(len(tgt_segments), len(tgt_segments) + len(tgt)))
        src_segments.extend(src)
        tgt_segments.extend(tgt)
        if s_ids and t_ids:
            gold.append((s_ids, t_ids))
        else:  # an unaligned bead with several sentences is several 1-0 / 0-1 beads
            gold.extend(((i,), ()) for i in s_ids)
            gold.extend(((), (j,)) for j in t_ids)
        damage.extend({"type": kind, "src_ids": list(s_ids), "tgt_ids": list(t_ids)} for kind in bead_tags)
    return DamagedDoc(doc_id, "en", "de", src_segments, tgt_segments, gold, damage)


def damaged_documents(tsv: Path, *, seed: int = 0, limit: int | None = None) -> list[DamagedDoc]:
    """Damaged versions of the documents of one deen TSV file (deterministic per seed)."""
    rng = random.Random(f"{Path(tsv).name}/{seed}")
    out = []
    for doc_id, beads in read_documents(Path(tsv)):
        if limit is not None and len(out) >= limit:
            break
        if len(beads) < 4:
            continue
        damaged, tags = _damage(beads, rng)
        out.append(_number(doc_id, damaged, tags))
    return out
