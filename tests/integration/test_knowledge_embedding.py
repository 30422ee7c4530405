"""Both embedding backends run the same model offline and give the same vectors."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from bot.settings import Settings
from knowledge.embedding import Embedder, EmbeddingSettings, load_embedder

TEXTS = [
    "how long until I get my refund?",
    "Returns policy — Return windows: Electronics have 14 days.",
    "a much longer text " * 30,  # padded against the short ones in one batch
    "beyond the model's token limit " * 60,  # truncated to 256 tokens by both backends
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def torch_embedder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedder]:
    yield load_embedder(EmbeddingSettings(tmp_path_factory.mktemp("unused"), backend="torch"), threads=2)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "onnx"


def test_onnx_is_the_default_and_agrees_with_pytorch(cache: Path, torch_embedder: Embedder) -> None:
    onnx = load_embedder(EmbeddingSettings(cache), threads=2)
    assert onnx.backend == "onnx" and torch_embedder.backend == "torch"
    assert onnx.name == torch_embedder.name and onnx.dimension == torch_embedder.dimension == 384
    together = onnx.encode(TEXTS)
    np.testing.assert_allclose(together, torch_embedder.encode(TEXTS), atol=1e-5)
    np.testing.assert_allclose(onnx.encode_one(TEXTS[0]), together[:1], atol=1e-5)  # padding changes nothing
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert onnx.encode([]).shape == (0, 384)
    assert len(list(cache.glob("*/model.onnx"))) == 1


def test_the_export_is_reused_and_a_damaged_one_replaced(cache: Path) -> None:
    load_embedder(EmbeddingSettings(cache), threads=2)
    (exported,) = cache.glob("*/model.onnx")
    stamp = exported.stat().st_mtime_ns
    load_embedder(EmbeddingSettings(cache), threads=2)
    assert exported.stat().st_mtime_ns == stamp  # not exported again

    exported.write_bytes(b"not a model")
    assert load_embedder(EmbeddingSettings(cache), threads=2).backend == "onnx"
    assert exported.stat().st_size > 1_000_000


def test_a_cached_export_runs_without_torch_or_sentence_transformers(cache: Path) -> None:
    load_embedder(EmbeddingSettings(cache), threads=2)  # exports, with torch, in this process
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from knowledge.embedding import EmbeddingSettings, load_embedder\n"
        f"embedder = load_embedder(EmbeddingSettings(Path({str(cache)!r})), threads=1)\n"
        "print(embedder.backend, embedder.encode_one('where is my parcel?').shape,"
        " sorted({'torch', 'sentence_transformers', 'transformers'} & set(sys.modules)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert run.stdout.split("\n")[0] == "onnx (1, 384) []"


def test_an_export_that_disagreed_with_pytorch_when_made_is_not_used(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load_embedder(EmbeddingSettings(cache), threads=2)
    (settings_file,) = cache.glob("*/embedder.json")
    recorded = json.loads(settings_file.read_text(encoding="utf-8"))
    assert 0 <= recorded["gap"] < 1e-4
    settings_file.write_text(json.dumps(recorded | {"gap": 0.01}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="knowledge.embedding"):
        assert load_embedder(EmbeddingSettings(cache), threads=2).backend == "torch"
    assert "differ from PyTorch's" in caplog.text


def test_the_backend_and_the_cache_are_chosen_by_the_environment_through_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPDESK_EMBEDDING_BACKEND", "torch")
    monkeypatch.setenv("SHOPDESK_CACHE", str(tmp_path))
    embedding = Settings().embedding
    assert embedding == EmbeddingSettings(tmp_path / "onnx", backend="torch")
    assert load_embedder(embedding, threads=2).backend == "torch"
    assert not (tmp_path / "onnx").exists()  # nothing exported for the torch backend
    monkeypatch.setenv("SHOPDESK_EMBEDDING_BACKEND", "tensorflow")
    with pytest.raises(ValidationError, match="embedding_backend"):
        Settings()


def test_pytorch_takes_over_when_onnx_runtime_cannot_run(
    cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import onnxruntime

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no CPU provider")

    monkeypatch.setattr(onnxruntime, "InferenceSession", broken)
    with caplog.at_level(logging.WARNING, logger="knowledge.embedding"):
        embedder = load_embedder(EmbeddingSettings(cache), threads=2)
    assert embedder.backend == "torch"
    assert "embedding with PyTorch" in caplog.text


def test_the_nlu_encoder_files_give_nearly_the_retrievals_vectors_without_torch(
    tmp_path: Path, torch_embedder: Embedder
) -> None:
    from integrations.rasa_engine.nlu.sentence_encoder import SentenceEncoder
    from knowledge.onnx_export import export_encoder

    folder = export_encoder(tmp_path / "nlu-encoder", tmp_path / "onnx")
    encoder = SentenceEncoder(folder)
    assert encoder.dimension == 384
    vectors = encoder.encode(TEXTS, batch_size=2)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # int8 weights: each vector stays close to the retrieval's float one, and nearer it than to any other
    similarity = vectors @ torch_embedder.encode(TEXTS).T
    assert (np.diag(similarity) > 0.8).all()  # 0.96-0.97 on sentences, 0.86 on a 180-word text
    assert (similarity.argmax(axis=1) == np.arange(len(TEXTS))).all()
    stamp = (folder / "model.onnx").stat().st_mtime_ns
    export_encoder(folder, tmp_path / "onnx")
    assert (folder / "model.onnx").stat().st_mtime_ns == stamp  # the same model is not copied again


def test_the_nlu_encoder_reads_texts_with_the_same_example_key_alike(tmp_path: Path) -> None:
    """NearestExampleSearch skips encoding a message whose key is an in-scope example's."""
    from integrations.rasa_engine.nlu.neighbours import example_key
    from integrations.rasa_engine.nlu.sentence_encoder import SentenceEncoder
    from knowledge.onnx_export import export_encoder

    encoder = SentenceEncoder(export_encoder(tmp_path / "nlu-encoder", tmp_path / "onnx"))
    texts = ["Where is  my ORDER", "where is my order", "where is my order?"]
    assert example_key(texts[0]) == example_key(texts[1]) != example_key(texts[2])
    vectors = encoder.encode(texts)
    assert float(vectors[0] @ vectors[1]) > 0.9999
    assert float(vectors[1] @ vectors[2]) < 0.9999


def test_the_nlu_encoder_names_the_export_command_when_its_files_are_missing(tmp_path: Path) -> None:
    from integrations.rasa_engine.nlu.sentence_encoder import SentenceEncoder

    with pytest.raises(FileNotFoundError, match=r"knowledge\.onnx_export"):
        SentenceEncoder(tmp_path)
