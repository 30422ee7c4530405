"""Export the sentence-embedding model to ONNX once, into a cache outside the work tree.

The exported graph is the whole sentence-transformers pipeline after tokenising: the transformer, mean
pooling over the attention mask and L2 normalisation, so ONNX Runtime's output is the final vector. An
export is a folder keyed by the model's weights and the exporter, so a new model or a new torch exports
again: ``<cache>/<key>/`` with ``model.onnx``, the model's ``tokenizer.json`` and ``embedder.json``
(dimension, token limit, and the largest difference from PyTorch's vectors on probe sentences, measured
once when exporting). The caller names the cache folder (``Settings.onnx_cache``: ``$SHOPDESK_CACHE/onnx``,
``~/.cache/shopdesk/onnx`` by default, as in scripts/lib.sh). Running an export needs neither torch nor
sentence-transformers (``knowledge.embedding.OnnxEmbedder``); making one does. Nothing is downloaded;
exporting takes ~2 s on the 2-core machine, plus loading PyTorch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from knowledge.embedding import PROBES, OnnxEmbedder, load_torch_embedder

log = logging.getLogger(__name__)

EXPORT_VERSION = "1"  # bump when the exported graph changes
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MODEL_FILE, TOKENIZER_FILE, SETTINGS_FILE = "model.onnx", "tokenizer.json", "embedder.json"


@dataclass(frozen=True)
class Export:
    """One exported model in the cache; ``embedder.json`` is written last, so its presence marks a
    complete export."""

    folder: Path
    dimension: int
    max_tokens: int
    gap: float  # max |ONNX - PyTorch| over the probe sentences' vectors, measured when exporting

    @property
    def model_file(self) -> Path:
        return self.folder / MODEL_FILE

    def embedder(self, threads: int | None = None) -> OnnxEmbedder:
        return OnnxEmbedder(
            self.model_file, self.folder / TOKENIZER_FILE, self.dimension, self.max_tokens, threads
        )

    def discard(self) -> None:
        """Forget this export (a damaged file), so the next ``ensure_export`` makes it again."""
        (self.folder / SETTINGS_FILE).unlink(missing_ok=True)
        self.model_file.unlink(missing_ok=True)


def _torch_version() -> str:
    """The installed torch's version, read from its metadata: importing torch takes seconds and ~0.4 GB."""
    try:
        return version("torch")
    except PackageNotFoundError:
        return "none"


def model_key(model_path: Path) -> str:
    """A hash of the model's files and of the exporter that turns them into ONNX."""
    digest = hashlib.sha256(f"{EXPORT_VERSION}:{OPSET}:{_torch_version()}".encode())
    for file in sorted(p for p in model_path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(model_path).as_posix().encode())
        with open(file, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def cached_export(model_path: Path, cache: Path) -> Export | None:
    """The complete export of the model in ``model_path`` in ``cache``, or None."""
    folder = cache / model_key(model_path)
    try:
        settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not all((folder / name).is_file() for name in (MODEL_FILE, TOKENIZER_FILE)):
        return None
    return Export(folder, int(settings["dimension"]), int(settings["max_tokens"]), float(settings["gap"]))


def ensure_export(model_path: Path, cache: Path) -> Export:
    """The cached export of the model, made now (with torch) if there is none."""
    return cached_export(model_path, cache) or export(model_path, cache)


def export(model_path: Path, cache: Path) -> Export:
    """Export the model in ``model_path`` into ``cache`` and measure how closely ONNX Runtime's vectors
    match PyTorch's. Files are written to temporary names and renamed into place (a concurrent export
    writes the same files), ``embedder.json`` last."""
    torch_embedder = load_torch_embedder(model_path, threads=None)
    model = torch_embedder.model
    folder = cache / model_key(model_path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SETTINGS_FILE).unlink(missing_ok=True)
    _write_atomically(folder / MODEL_FILE, lambda tmp: _export(model, tmp))
    _write_atomically(folder / TOKENIZER_FILE, lambda tmp: shutil.copyfile(model_path / TOKENIZER_FILE, tmp))
    dimension, max_tokens = torch_embedder.dimension, int(model.max_seq_length)
    onnx_embedder = OnnxEmbedder(folder / MODEL_FILE, folder / TOKENIZER_FILE, dimension, max_tokens)
    gap = float(abs(onnx_embedder.encode(PROBES) - torch_embedder.encode(PROBES)).max())
    settings = json.dumps({"dimension": dimension, "max_tokens": max_tokens, "gap": gap})
    _write_atomically(folder / SETTINGS_FILE, lambda tmp: tmp.write_text(settings, encoding="utf-8"))
    log.info("exported the embedding model to %s (max difference from PyTorch %.2g)", folder, gap)
    return Export(folder, dimension, max_tokens, gap)


def _write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".partial")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


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
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from knowledge.embedding import default_model_path

    path = model_path or default_model_path()
    key = f"{model_key(path)}-int8-fused"
    settings_file = out / "encoder.json"
    if settings_file.is_file() and json.loads(settings_file.read_text(encoding="utf-8")).get("key") == key:
        return out
    found = ensure_export(path, cache)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        fused = _fused_for_quantisation(found.model_file, Path(work) / "fused.onnx", path)
        _quantised(fused, out / "model.onnx")
    shutil.copyfile(found.folder / TOKENIZER_FILE, out / "tokenizer.json")
    settings = {"key": key, "dimension": found.dimension, "max_tokens": found.max_tokens}
    settings_file.write_text(json.dumps(settings), encoding="utf-8")
    log.info("exported the NLU sentence encoder to %s", out)
    return out


def _fused_for_quantisation(onnx_file: Path, out: Path, model_path: Path) -> Path:
    """The float graph with ONNX Runtime's BERT fusions (skip + layer norm, bias + GELU), offline; the
    heads and width come from the model's ``config.json``."""
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_path / "config.json").read_text(encoding="utf-8"))
    optimised = optimize_model(
        str(onnx_file),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
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
