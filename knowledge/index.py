"""Build, save and load the FAISS index of policy passages, re-embedding only documents that changed.

Layout of an index folder::

    manifest.json   model, dimension, chunker version, index type, per-document sha256 and chunk count
    chunks.jsonl    one passage per line
    vectors.npy     float32 (rows, dimension), L2-normalised: every passage has several rows (the whole
                    passage, then each sentence; see ``Chunk.embedding_texts``); reused by the next
                    incremental build
    owners.npy      int32 (rows,): the chunks.jsonl line each vector row belongs to
    index.faiss     IndexFlatIP (exact cosine), or IndexHNSWFlat above ``HNSW_MIN_VECTORS``

An incremental build reuses the stored chunks and vectors of every document whose sha256, model and
chunker version are unchanged, embeds only new or changed documents and drops removed ones.
A file that cannot be read (binary, undecodable, empty) is reported in ``BuildReport.skipped`` and
in the manifest, and the build carries on.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.chunking import (
    CHUNKER_VERSION,
    SUPPORTED_SUFFIXES,
    Chunk,
    DocumentError,
    SourceFile,
    chunk_document,
    document_title,
    read_document,
)
from knowledge.embedding import Embedder, Vectors

log = logging.getLogger(__name__)

# 2: several vectors per passage, mapped to their passage by owners.npy
INDEX_FORMAT = 2
MANIFEST_FILE = "manifest.json"
CHUNKS_FILE = "chunks.jsonl"
VECTORS_FILE = "vectors.npy"
OWNERS_FILE = "owners.npy"
FAISS_FILE = "index.faiss"

# Exact search stays the default up to this many passages. Measured with bench/retrieval/ann_crossover.py
# (384-d random normalised vectors, one query at a time, 2 threads, on a shared 2-core machine), p50 per
# query: IndexFlatIP 0.02 ms at 1k, 0.12 ms at 5k, 1.5 ms at 20k, ~24 ms at 50k-100k; IndexHNSWFlat
# (M=32, efSearch=64) 0.05 / 0.10 / 0.45 / 0.6 / 0.7 ms, but it took 1.6 s to build at 20k and 51 s at
# 100k, and on random vectors (the worst case) its recall@10 fell to 0.42 at 20k. Flat search stays well
# under the query-embedding time (~7 ms) up to ~20k passages and blows the 15 ms budget by 50k, so the
# cut-over is 30k; a shop's policies are ~55 passages. Re-measure recall on real embeddings before relying
# on HNSW (raise efSearch if it is low).
HNSW_MIN_VECTORS = 30_000
HNSW_M = 32
HNSW_EF_SEARCH = 64


@dataclass(frozen=True)
class SkippedFile:
    file: str
    reason: str


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    embedded_documents: list[str] = field(default_factory=list)
    reused_documents: list[str] = field(default_factory=list)
    removed_documents: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    embedded_chunks: int = 0
    seconds: float = 0.0
    index_type: str = "flat"


@dataclass
class StoredIndex:
    chunks: list[Chunk]
    vectors: Vectors  # one row per embedded text, several per chunk
    faiss_index: Any
    manifest: dict[str, Any]
    owners: npt.NDArray[np.int32]  # vector row -> index into ``chunks``


def make_faiss_index(vectors: Vectors, hnsw_min_vectors: int = HNSW_MIN_VECTORS) -> Any:
    import faiss

    dim = vectors.shape[1]
    index: Any
    if len(vectors) >= hnsw_min_vectors:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def index_type_of(index: Any) -> str:
    return "hnsw" if type(index).__name__ == "IndexHNSWFlat" else "flat"


def scan_documents(docs_dir: Path) -> tuple[list[SourceFile], list[SkippedFile]]:
    """Every readable document under ``docs_dir``, and the files skipped with the reason."""
    sources: list[SourceFile] = []
    skipped: list[SkippedFile] = []
    for path in sorted(p for p in docs_dir.rglob("*") if p.is_file()):
        name = path.relative_to(docs_dir).as_posix()
        if path.name.startswith("."):
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append(SkippedFile(name, f"unsupported file type {path.suffix or '(none)'}"))
            continue
        try:
            sources.append(read_document(path, docs_dir))
        except (DocumentError, OSError) as exc:
            skipped.append(SkippedFile(name, str(exc)))
    for item in skipped:
        log.warning("skipped %s: %s", item.file, item.reason)
    return sources, skipped


def _read_manifest(index_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _load_chunks(index_dir: Path) -> list[Chunk]:
    with open(index_dir / CHUNKS_FILE, encoding="utf-8") as fh:
        return [Chunk.from_json(json.loads(line)) for line in fh if line.strip()]


def _previous(
    index_dir: Path, model: str, dimension: int
) -> tuple[dict[str, Any], dict[str, tuple[list[Chunk], Vectors, list[int]]]]:
    """The previous build's documents and, per document, its chunks, vectors and vector owners."""
    manifest = _read_manifest(index_dir)
    usable = (
        manifest is not None
        and manifest.get("format") == INDEX_FORMAT
        and manifest.get("model") == model
        and manifest.get("dimension") == dimension
        and manifest.get("chunker_version") == CHUNKER_VERSION
    )
    if not usable or manifest is None:
        return {}, {}
    try:
        chunks = _load_chunks(index_dir)
        vectors = np.load(index_dir / VECTORS_FILE).astype(np.float32)
        owners = np.load(index_dir / OWNERS_FILE).astype(np.int32)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("previous index in %s is unreadable, rebuilding everything: %s", index_dir, exc)
        return {}, {}
    if len(owners) != len(vectors) or (len(owners) and not 0 <= owners.min() <= owners.max() < len(chunks)):
        return {}, {}
    first: dict[str, int] = {}
    for i, chunk in enumerate(chunks):
        first.setdefault(chunk.doc_file, i)
    per_doc: dict[str, tuple[list[Chunk], Vectors, list[int]]] = {}
    for doc, start in first.items():
        doc_chunks = [c for c in chunks if c.doc_file == doc]
        rows = [r for r, o in enumerate(owners.tolist()) if chunks[o].doc_file == doc]
        per_doc[doc] = (doc_chunks, vectors[rows], [int(owners[r]) - start for r in rows])
    return manifest.get("documents", {}), per_doc


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def is_current(docs_dir: Path, index_dir: Path, model: str) -> bool:
    """Whether ``index_dir`` already holds what ``build_index`` would write for ``docs_dir`` with ``model``:
    the same documents (by SHA-256), model, chunker and format. Checking costs a hash of each document,
    so a start-up can skip loading the embedding model when nothing changed."""
    manifest = _read_manifest(index_dir)
    if (
        manifest is None
        or manifest.get("format") != INDEX_FORMAT
        or manifest.get("model") != model
        or manifest.get("chunker_version") != CHUNKER_VERSION
        or not all((index_dir / f).is_file() for f in (CHUNKS_FILE, VECTORS_FILE, OWNERS_FILE, FAISS_FILE))
    ):
        return False
    sources, _skipped = scan_documents(docs_dir)
    recorded = {name: doc.get("sha256") for name, doc in (manifest.get("documents") or {}).items()}
    return recorded == {source.name: source.sha256 for source in sources}


def build_index(
    docs_dir: Path,
    out_dir: Path,
    embedder: Embedder,
    *,
    hnsw_min_vectors: int = HNSW_MIN_VECTORS,
) -> BuildReport:
    """Chunk, embed and save the documents of ``docs_dir`` into ``out_dir``, incrementally."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    report = BuildReport()
    sources, report.skipped = scan_documents(docs_dir)
    prev_docs, prev_per_doc = _previous(out_dir, embedder.name, embedder.dimension)

    chunks: list[Chunk] = []
    parts: list[Vectors] = []
    owner_parts: list[list[int]] = []
    documents: dict[str, Any] = {}
    for source in sources:
        old = prev_docs.get(source.name)
        if old and old.get("sha256") == source.sha256 and source.name in prev_per_doc:
            doc_chunks, doc_vectors, doc_owners = prev_per_doc[source.name]
            report.reused_documents.append(source.name)
        else:
            doc_chunks = chunk_document(source)
            texts = [(i, t) for i, c in enumerate(doc_chunks) for t in c.embedding_texts()]
            doc_owners = [i for i, _ in texts]
            doc_vectors = (
                embedder.encode([t for _, t in texts])
                if texts
                else np.zeros((0, embedder.dimension), np.float32)
            )
            report.embedded_documents.append(source.name)
            report.embedded_chunks += len(doc_chunks)
        if not doc_chunks:
            report.skipped.append(SkippedFile(source.name, "no passages after chunking"))
            continue
        owner_parts.append([len(chunks) + i for i in doc_owners])
        chunks += doc_chunks
        parts.append(doc_vectors)
        documents[source.name] = {
            "sha256": source.sha256,
            "title": document_title(source),
            "chunks": len(doc_chunks),
        }
    current = {s.name for s in sources}
    report.removed_documents = sorted(set(prev_docs) - current)

    vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dimension), np.float32)
    owners = np.array([o for part in owner_parts for o in part], dtype=np.int32)
    index = make_faiss_index(vectors, hnsw_min_vectors)
    report.documents, report.chunks, report.index_type = len(documents), len(chunks), index_type_of(index)

    import faiss

    def write_chunks(path: Path) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")

    def write_vectors(path: Path) -> None:
        with open(path, "wb") as fh:
            np.save(fh, vectors)

    _write_atomic(out_dir / CHUNKS_FILE, write_chunks)

    def write_owners(path: Path) -> None:
        with open(path, "wb") as fh:
            np.save(fh, owners)

    _write_atomic(out_dir / VECTORS_FILE, write_vectors)
    _write_atomic(out_dir / OWNERS_FILE, write_owners)
    _write_atomic(out_dir / FAISS_FILE, lambda p: faiss.write_index(index, str(p)))
    report.seconds = time.perf_counter() - started
    manifest = {
        "format": INDEX_FORMAT,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": embedder.name,
        "dimension": embedder.dimension,
        "chunker_version": CHUNKER_VERSION,
        "index_type": report.index_type,
        "chunks": len(chunks),
        "vectors": len(vectors),
        "documents": documents,
        "skipped": [{"file": s.file, "reason": s.reason} for s in report.skipped],
        "last_build": {
            "embedded_documents": report.embedded_documents,
            "reused_documents": report.reused_documents,
            "removed_documents": report.removed_documents,
            "embedded_chunks": report.embedded_chunks,
            "seconds": round(report.seconds, 3),
        },
    }

    def write_manifest(path: Path) -> None:
        path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    _write_atomic(out_dir / MANIFEST_FILE, write_manifest)
    log.info(
        "index built: %d documents, %d chunks, %d embedded, %.2fs",
        report.documents,
        report.chunks,
        report.embedded_chunks,
        report.seconds,
    )
    return report


class IndexNotFound(FileNotFoundError):
    """No built index in the folder; run ``knowledge build``."""


def load_index(index_dir: Path) -> StoredIndex:
    import faiss

    manifest = _read_manifest(index_dir)
    if manifest is None:
        raise IndexNotFound(f"no index in {index_dir}: run `knowledge build` first")
    if manifest.get("format") != INDEX_FORMAT or manifest.get("chunker_version") != CHUNKER_VERSION:
        raise IndexNotFound(f"index in {index_dir} is from an older version: run `knowledge build`")
    chunks = _load_chunks(index_dir)
    vectors = np.load(index_dir / VECTORS_FILE).astype(np.float32)
    owners = np.load(index_dir / OWNERS_FILE).astype(np.int32)
    index = faiss.read_index(str(index_dir / FAISS_FILE))
    consistent = index.ntotal == len(vectors) == len(owners) and (
        not len(owners) or 0 <= owners.min() <= owners.max() < len(chunks)
    )
    if not consistent:
        raise IndexNotFound(f"index in {index_dir} is inconsistent: rebuild it")
    return StoredIndex(chunks, vectors, index, manifest, owners)
