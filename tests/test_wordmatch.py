"""The word witness for fragments and merge borders (``wordmatch.py``), on real text with the bundled model."""

from __future__ import annotations

from align import AlignerConfig
from align.segment import segment
from conftest import bead_pairs, deen_document, shared

THRESHOLD = AlignerConfig().fragment_word_share


def _dev(lines: slice, side: str) -> list[str]:
    return shared("textberg", "dev", f"dev.{side}").read_text(encoding="utf-8").splitlines()[lines]


def test_a_folded_sentence_finds_its_words_in_the_pair_and_a_dropped_one_does_not(pipeline) -> None:
    """Text+Berg dev: the French folds German 262 ("Tastend , unter dichten Schneeböen …") into
    the translation of German 261 ("… où ils dévalent à tâtons"); WMT21: English 6 of a Kurier
    article with its German sentence dropped, next to the pair of sentences 5."""
    de, fr = _dev(slice(261, 263), "de"), _dev(slice(311, 312), "fr")
    matcher = pipeline.word_matcher
    assert matcher.share(de[1], [de[0]], [fr[0]]) > THRESHOLD
    en, de_news = deen_document("wmt21_newstest2021_deen.tsv", "kurier.at.204625")
    assert matcher.share(en[6], [en[5]], [de_news[5]]) < THRESHOLD
    # the states are those of the word pieces with a letter or digit, of unit length
    word, dotted, dots = matcher.pieces(["Endlich", "Endlich . .", ". . ."])
    assert word.shape == dotted.shape and len(word) >= 1 and dots.shape == (0, 384)
    assert abs(float((dotted * dotted).sum(axis=1).min()) - 1.0) < 1e-6


def test_a_sentence_folded_into_its_neighbour_joins_its_pair_on_its_words(pipeline, monkeypatch) -> None:
    """The fold above in its context (German 250-271, French 298-321): the gold bead is the 2-1
    German 261-262 / French 311. The joined pair is less alike than 261 / 311 alone, so the
    cosine alone leaves 262 out; its words join it."""
    de, fr = _dev(slice(250, 272), "de"), _dev(slice(298, 322), "fr")
    fold = ((11, 12), (13,))
    assert fold in bead_pairs(pipeline.align_segments(de, fr, src_lang="de", tgt_lang="fr"))
    assert pipeline.align_stats.absorbed_fragments >= 1
    monkeypatch.setattr(pipeline, "aligner_config", AlignerConfig(fragment_word_share=0.0))
    beads = bead_pairs(pipeline.align_segments(de, fr, src_lang="de", tgt_lang="fr"))
    assert ((11,), (13,)) in beads and ((12,), ()) in beads


def test_in_a_short_document_a_dropped_line_stays_out_whatever_its_words(pipeline) -> None:
    """FLORES, a two-line document whose first German line is gone: the English line shares
    "pencil" and "people" with the remaining German line and passes the word witness, but in
    a document of a few lines the witness is not asked; the leave-one-out check keeps it out."""
    en, de = deen_document(
        "flores200_devtest_deen.tsv", "https://en.wikibooks.org/wiki/Wikijunior:How_Things_Work/Pencil"
    )
    src, tgt = en[:2], de[1:2]
    assert pipeline.word_matcher.share(src[0], [src[1]], [tgt[0]]) > THRESHOLD
    assert bead_pairs(pipeline.align_segments(src, tgt, src_lang="en", tgt_lang="de")) == [((0,), ()), ((1,), (0,))]


def test_a_short_sentence_at_a_merge_border_moves_to_the_pair_its_words_match(pipeline, monkeypatch) -> None:
    """Text+Berg dev, German 205-230 / French 245-270: "Nun begannen die Erkundungen :" (German
    217) ends the French sentence before it ("… et que les reconnaissances purent commencer",
    French 256), and the gold has the 2-1 German 216-217 / French 256 and the 1-1 218 / 257.
    The DP puts 217 with 218, where the pooled vectors cannot tell; with the option (off by
    default: on Text+Berg test its moves were wrong) its words move it."""
    de, fr = _dev(slice(205, 231), "de"), _dev(slice(245, 271), "fr")
    beads = bead_pairs(pipeline.align_segments(de, fr, src_lang="de", tgt_lang="fr"))
    assert ((11,), (11,)) in beads and ((12, 13), (12,)) in beads
    monkeypatch.setattr(pipeline, "aligner_config", AlignerConfig(move_border_pieces=True))
    beads = bead_pairs(pipeline.align_segments(de, fr, src_lang="de", tgt_lang="fr"))
    assert ((11, 12), (11,)) in beads and ((13,), (12,)) in beads
    assert pipeline.align_stats.moved_border_pieces == 1


def test_a_move_that_makes_both_pairs_less_alike_is_refused(pipeline, monkeypatch) -> None:
    """WMT24, a social post in its second translation: our splitter cuts "I was pushing for 100k
    meters this month and I ought to get there." in two, and the translator's "…, und das sollte
    klappen." holds both. "I ought to get there ." shares few words with it, and three of its six
    word pieces happen to match the next pair, past the threshold; but moving it there makes
    both pairs less alike, so it stays."""
    en, de = deen_document("wmt24_generaltest2024_ende_paragraphs.refB.tsv", "test-en-social_112198063182209776")
    src = [s.text for paragraph in en for s in segment(paragraph, "en")]
    tgt = [s.text for paragraph in de for s in segment(paragraph, "de")]
    assert src[0].endswith("this month and") and len(src) + len(tgt) > AlignerConfig().short_document_segments
    matcher = pipeline.word_matcher
    assert matcher.share(src[1], [src[2]], [tgt[1]]) > THRESHOLD >= matcher.share(src[1], [src[0]], [tgt[0]])
    monkeypatch.setattr(pipeline, "aligner_config", AlignerConfig(move_border_pieces=True))
    beads = bead_pairs(pipeline.align_segments(src, tgt, src_lang="en", tgt_lang="de"))
    assert ((0, 1), (0,)) in beads and ((2,), (1,)) in beads
