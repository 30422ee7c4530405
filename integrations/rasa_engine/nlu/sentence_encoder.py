"""The retrieval's MiniLM sentence model for the NLU pipeline, from the files a trained Rasa model carries.

The Rasa engine's environment has neither torch nor sentence-transformers, so the model reaches it as files
exported by the app's environment (``python -m knowledge.onnx_export FOLDER``, run by scripts/lib.sh before
``rasa train``): ``model.onnx`` (the transformer, mean pooling and L2 normalisation in one graph, as the
retrieval runs it), ``tokenizer.json`` (the model's own Hugging Face tokenizer) and ``encoder.json`` (its
dimension and token limit). ``SentenceEncoder`` runs them with ``knowledge.onnx_runner``, the retrieval's own
runner, so the NLU gets the same unit vectors the retrieval computes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from knowledge.onnx_runner import OnnxSentenceModel, Vectors

FILES = ("model.onnx", "tokenizer.json", "encoder.json")
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)


def require_export(folder: Path) -> None:
    """Raises, naming the export command, when ``folder`` lacks one of the exported files."""
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)}: export the model with "
            f"`python -m knowledge.onnx_export {folder}` in the app's environment"
        )


class SentenceEncoder:
    """Texts to L2-normalised float32 vectors with the exported MiniLM model in ``folder``."""

    def __init__(self, folder: Path, threads: int = 1) -> None:
        require_export(folder)
        settings = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
        self.dimension = int(settings["dimension"])
        self._model = OnnxSentenceModel(
            folder / "model.onnx",
            folder / "tokenizer.json",
            self.dimension,
            int(settings.get("max_tokens", MAX_TOKENS)),
            threads,
        )

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Vectors:
        """One row per text."""
        return self._model.encode(texts, batch_size)
