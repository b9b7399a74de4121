"""Which words of a sentence find their translation in another text: a witness for fragments.

A translator who folds a short sentence into its neighbour's translation leaves that sentence
without a pair of its own (Text+Berg dev: "Tastend , unter dichten Schneeböen arbeiten sie sich
abwärts ." ends up as "… où ils dévalent à tâtons" in the French of the sentence before). Its
sentence vector says little: mean pooling over a long pair hardly moves for one more clause,
and a sentence the translation dropped moves it by as little (Text+Berg dev and damaged news,
``docs/aligner_log.md``, session 46). Its words say more: where the sentence is folded in, the
other side holds words that translate its words and that the pair's own side does not account
for.

So the words are matched as SimAlign does, by mutual best cosine of word-piece states from a
middle layer of the bundled multilingual e5. Layer 4 of 12: on the tuning sets layers 4 and 6
told folds from dropped sentences, while the last layers, trained for the pooled vector, make a
sentence's pieces alike. The pair's own side and the left-out sentence compete for the other
side's pieces; the witness is the share of the sentence's pieces that win a mutual best match.
A dropped sentence loses most matches to the pair's own side, which holds the translation of
the words that the other side has (on damaged news a median share of .09, at most .375).

The states come from the bundled weights' first four layers, run by CTranslate2 (a second
directory of ~0.4 GB written once into the model cache, loaded in about a second and only
when a candidate fragment exists). They are the same whatever sentence encoder aligns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .embed import cpu_threads, length_batches

LAYERS = 4  # the layer whose token states are matched (counted from the first, as in transformers)
_WINDOW = 510  # content tokens the model holds; a longer text is matched on its first 510
_WORD = re.compile(r"\w")
_PROMPT = "passage: "  # as the sentence vectors are made
_BATCH = 64  # texts a model call holds (``embed.length_batches``: sorted by length, little padding)
_KEPT_TEXTS = 10_000  # states kept for reuse; a batch of thousands of documents must not grow it forever


class WordMatcher:
    """Word-piece states of the bundled e5 at layer ``LAYERS``, and the fragment witness."""

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads
        self._model = None  # loaded on first use: most documents have no candidate fragment
        self._states: dict[str, np.ndarray] = {}

    def _load(self) -> None:
        import ctranslate2
        from tokenizers import Tokenizer

        from .bundled_ct2 import ensure_ct2_dir

        directory = ensure_ct2_dir(layers=LAYERS)
        threads = cpu_threads(self._threads)
        self._model = ctranslate2.Encoder(str(directory), device="cpu", compute_type="float32", intra_threads=threads)
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._prompt_pieces = len(self._tokenizer.encode(_PROMPT.strip(), add_special_tokens=False).ids)

    def pieces(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Unit state vectors of each text's word pieces (not the prompt, <s>, </s> or pieces
        without a letter or digit), one row per piece."""
        new = [text for text in dict.fromkeys(texts) if text not in self._states]
        if new:
            if self._model is None:
                self._load()
            if len(self._states) + len(new) > _KEPT_TEXTS:
                self._states.clear()
            encodings = self._tokenizer.encode_batch([_PROMPT + text for text in new])
            ids = [[*e.ids[: _WINDOW + 1], e.ids[-1]] if len(e.ids) > _WINDOW + 2 else e.ids for e in encodings]
            first = 1 + self._prompt_pieces
            for batch in length_batches(list(enumerate(ids)), _BATCH):
                states = np.asarray(self._model.forward_batch([window for _, window in batch]).last_hidden_state)
                for (index, window), row in zip(batch, states, strict=True):
                    tokens = encodings[index].tokens
                    keep = [k for k in range(first, len(window) - 1) if _WORD.search(tokens[k].replace("\u2581", ""))]
                    vectors = row[keep].astype(np.float64)
                    norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
                    self._states[new[index]] = vectors / norms
        return [self._states[text] for text in texts]

    def share(self, piece: str, own: Sequence[str], other: Sequence[str]) -> float:
        """The share of ``piece``'s word pieces that are mutual best matches of a piece of the
        ``other`` segments when the ``own`` segments (the side that ``piece`` would join) compete
        for them. Each segment's states are its own, stacked, so that one pass per segment serves
        every bead it is part of; a caller that asks about many beads makes them first in one
        batch (``pieces``), as ``fragments.py`` does."""
        if isinstance(own, str) or isinstance(other, str):
            raise TypeError("own and other are lists of segments, not one text")
        states = self.pieces([piece, *own, *other])
        piece_states = states[0]
        own_states = np.concatenate(states[1 : 1 + len(own)] or [piece_states[:0]])
        other_states = np.concatenate(states[1 + len(own) :] or [piece_states[:0]])
        if not len(piece_states) or not len(other_states):
            return 0.0
        similarity = np.concatenate([own_states, piece_states]) @ other_states.T
        best_other = similarity.argmax(axis=1)  # each piece of this side: its best of the other
        best_here = similarity.argmax(axis=0)  # each piece of the other side: its best here
        rows = np.arange(len(own_states), len(similarity))
        return float(np.mean(best_here[best_other[rows]] == rows))
