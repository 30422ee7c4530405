"""The retrieval's MiniLM sentence model run by ONNX Runtime, for the NLU pipeline: no torch, no Rasa.

The Rasa engine's environment has neither torch nor sentence-transformers, so the model reaches it as two
files exported by the app's environment (``python -m knowledge.onnx_export FOLDER``, run by scripts/lib.sh
before ``rasa train``): ``model.onnx`` (the transformer, mean pooling and L2 normalisation in one graph, as
the retrieval runs it) and ``tokenizer.json`` (the model's own Hugging Face tokenizer). ``SentenceEncoder``
turns texts into the same unit vectors the retrieval computes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

FILES = ("model.onnx", "tokenizer.json", "encoder.json")
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)


class SentenceEncoder:
    """Texts to L2-normalised float32 vectors with the exported MiniLM model."""

    def __init__(self, folder: Path, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        missing = [name for name in FILES if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(
                f"{folder} lacks {', '.join(missing)}: export the model with "
                f"`python -m knowledge.onnx_export {folder}` in the app's environment"
            )
        settings = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
        self.dimension = int(settings["dimension"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=int(settings.get("max_tokens", MAX_TOKENS)))
        pad_id = self._tokenizer.token_to_id("[PAD]") or 0
        self._tokenizer.enable_padding(pad_id=pad_id, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [i.name for i in self._session.get_inputs()]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        """One row per text; texts of similar length are batched together (less padding)."""
        out = np.zeros((len(texts), self.dimension), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._encode_batch([texts[i] for i in rows])
        return out

    def _encode_batch(self, texts: list[str]) -> npt.NDArray[np.float32]:
        encodings = self._tokenizer.encode_batch(texts)
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        feeds = {name: np.asarray(columns[name], dtype=np.int64) for name in self._inputs}
        vectors: npt.NDArray[np.float32] = self._session.run(None, feeds)[0]
        return vectors
