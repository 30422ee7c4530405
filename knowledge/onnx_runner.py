"""The exported MiniLM sentence model on ONNX Runtime: texts in, unit vectors out. Only numpy, Hugging Face
``tokenizers`` and ``onnxruntime``; no torch, no Rasa.

One runner serves both environments that embed text: the app's (``knowledge.embedding.OnnxEmbedder``, the
policy retrieval) and the Rasa engine's (``integrations.rasa_engine.nlu.sentence_encoder``, the NLU's
out-of-scope check), so both tokenise, pad, batch and run the model the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class OnnxSentenceModel:
    """``model_file`` (the transformer, mean pooling and L2 normalisation in one graph) tokenised by
    ``tokenizer_file`` (the model's own), texts truncated at ``max_tokens`` as sentence-transformers'
    ``max_seq_length``. ``threads``: ONNX Runtime's intra-op threads; 0 is its default, one per core."""

    def __init__(
        self, model_file: Path, tokenizer_file: Path, dimension: int, max_tokens: int, threads: int = 0
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.dimension = dimension
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.enable_truncation(max_length=max_tokens)
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """One row per text. Texts of similar length are batched together, so batches pad less
        (sentence-transformers does the same)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._encode_batch([texts[i] for i in rows])
        return out

    def _encode_batch(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        feeds = {name: np.asarray(columns[name], dtype=np.int64) for name in self._inputs}
        vectors: Vectors = self._session.run(None, feeds)[0]
        return vectors
