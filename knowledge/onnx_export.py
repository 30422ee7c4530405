"""Export the sentence-embedding model to ONNX once, into a cache outside the work tree.

The exported graph is the whole sentence-transformers pipeline after tokenising: the transformer, mean
pooling over the attention mask and L2 normalisation, so ONNX Runtime's output is the final vector. The
file is keyed by the model's weights and the exporter, so a new model or a new torch exports again:
``<cache>/<key>/model.onnx``, where the caller names the cache folder (``Settings.onnx_cache``:
``$SHOPDESK_CACHE/onnx``, ``~/.cache/shopdesk/onnx`` by default, as in scripts/lib.sh). Nothing is
downloaded; export takes ~2 s on the 2-core machine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EXPORT_VERSION = "1"  # bump when the exported graph changes
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def model_key(model_path: Path) -> str:
    """A hash of the model's files and of the exporter that turns them into ONNX."""
    import torch

    digest = hashlib.sha256(f"{EXPORT_VERSION}:{OPSET}:{torch.__version__}".encode())
    for file in sorted(p for p in model_path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(model_path).as_posix().encode())
        with open(file, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def exported_model(model: Any, model_path: Path, cache: Path) -> Path:
    """The ONNX file for ``model`` (a loaded SentenceTransformer from ``model_path``) in ``cache``, exported
    if missing."""
    target = cache / model_key(model_path) / "model.onnx"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.partial")
    os.close(fd)
    try:
        _export(model, Path(tmp))
        os.replace(tmp, target)  # atomic: a concurrent export just writes the same file again
    finally:
        Path(tmp).unlink(missing_ok=True)
    log.info("exported the embedding model to %s", target)
    return target


def _export(model: Any, out: Path) -> None:
    import torch

    transformer = model[0].auto_model

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            tokens = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    example = model.tokenizer(["an example sentence"], return_tensors="pt")
    # The TorchScript exporter needs only the onnx package (the newer one also needs onnxscript). It warns
    # that it is deprecated and that tracing fixes Python-side shapes (the dynamic axes cover those);
    # silenced, because a warnings-as-errors policy would otherwise abort the export half way.
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            SentenceEmbedding().eval(),
            tuple(example[name] for name in INPUTS),
            str(out),
            input_names=list(INPUTS),
            output_names=["sentence_embedding"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in INPUTS}
            | {"sentence_embedding": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )


def export_encoder(out: Path, cache: Path, model_path: Path | None = None) -> Path:
    """The exported model as the Rasa engine's NLU reads it (``integrations/rasa_engine/nlu/``):
    ``model.onnx``, the model's ``tokenizer.json`` and ``encoder.json`` (key, dimension, token limit) in
    ``out``. The Rasa environment has no torch, so the app's environment exports for it; the files are
    written again only when the model's key changes.

    The NLU's copy has its weights quantised to int8 (ONNX Runtime's dynamic quantisation): a message is
    encoded in about half the time, which keeps the NLU within its latency budget, and its vectors stay
    within cosine ~0.96 of the float model's on a sentence (the retrieval keeps the float model). Before
    quantising, ONNX Runtime's BERT optimiser fuses each layer's add + layer norm and bias + GELU into one
    operator (``_fused_for_quantisation``): ONNX Runtime fuses these itself in a float graph but cannot
    after quantisation, and the fused int8 graph encodes a short message in about half the time again,
    with the same vectors."""
    import json
    import shutil

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from knowledge.embedding import default_model_path

    path = model_path or default_model_path()
    key = f"{model_key(path)}-int8-fused"
    settings_file = out / "encoder.json"
    if settings_file.is_file() and json.loads(settings_file.read_text(encoding="utf-8")).get("key") == key:
        return out
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    onnx_file = exported_model(model, path, cache)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        fused = _fused_for_quantisation(onnx_file, Path(work) / "fused.onnx", model)
        _quantised(fused, out / "model.onnx")
    shutil.copyfile(path / "tokenizer.json", out / "tokenizer.json")
    settings = {"key": key, "dimension": model.get_embedding_dimension(), "max_tokens": model.max_seq_length}
    settings_file.write_text(json.dumps(settings), encoding="utf-8")
    log.info("exported the NLU sentence encoder to %s", out)
    return out


def _fused_for_quantisation(onnx_file: Path, out: Path, model: Any) -> Path:
    """The float graph with ONNX Runtime's BERT fusions (skip + layer norm, bias + GELU), offline."""
    from onnxruntime.transformers.optimizer import optimize_model

    config = model[0].auto_model.config
    optimised = optimize_model(
        str(onnx_file),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
        opt_level=1,
    )
    optimised.save_model_to_file(str(out))
    return out


def _quantised(onnx_file: Path, out: Path) -> None:
    """int8 weights (dynamic quantisation); the fused operators' outputs are float."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        onnx_file,
        out,
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def main(argv: list[str]) -> int:
    """``python -m knowledge.onnx_export OUT [CACHE]``: write the NLU's encoder files to OUT."""
    out = Path(argv[0])
    cache = Path(argv[1]) if len(argv) > 1 else Path.home() / ".cache" / "shopdesk" / "onnx"
    export_encoder(out, cache)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
