"""``knowledge build`` and ``knowledge ask``: build the passage index and query it from a terminal.

``bot/ops/cli.py`` calls ``register(subparsers, defaults)`` to add the ``knowledge`` command, with the
folders and the embedding settings it read from the application's settings (this package reads none).
Each leaf parser sets ``func`` to a handler taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.embedding import EmbeddingSettings


@dataclass(frozen=True)
class Defaults:
    """What the commands use unless told otherwise on the command line."""

    docs_dir: Path  # the policy documents
    index_dir: Path  # where the index is written and read
    embedding: EmbeddingSettings


def cmd_build(args: argparse.Namespace) -> int:
    from knowledge.embedding import MODEL_NAME, load_embedder
    from knowledge.index import build_index, is_current

    docs_dir: Path = args.docs
    out_dir: Path = args.out
    if not docs_dir.is_dir():
        print(f"error: {docs_dir} is not a folder", file=sys.stderr)
        return 2
    if is_current(docs_dir, out_dir, MODEL_NAME):  # no need to load the embedding model (seconds)
        print(f"the index in {out_dir} is current: nothing to embed")
        return 0
    report = build_index(docs_dir, out_dir, load_embedder(args.embedding))
    for item in report.skipped:
        print(f"skipped {item.file}: {item.reason}", file=sys.stderr)
    print(
        f"indexed {report.documents} documents, {report.chunks} passages ({report.index_type}) "
        f"into {out_dir} "
        f"in {report.seconds:.2f}s: embedded {len(report.embedded_documents)} documents "
        f"({report.embedded_chunks} passages), reused {len(report.reused_documents)}, "
        f"removed {len(report.removed_documents)}, skipped {len(report.skipped)}"
    )
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from knowledge.embedding import load_embedder
    from knowledge.index import IndexNotFound, load_index
    from knowledge.retriever import Retriever

    try:
        index = load_index(args.index)  # before the model: a missing index is reported at once
    except IndexNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    retriever = Retriever(index, load_embedder(args.embedding), args.method)
    answer = retriever.answer(args.question)
    if answer.answered:
        print(f"{answer.text}\n\n— {answer.source} (score {answer.score:.2f})")
    else:
        print(f"I could not find this in the shop's policies (best score {answer.score:.2f}).")
    if args.verbose:
        for hit in answer.hits:
            print(f"  {hit.score:.3f}  {hit.source}")
    return 0


def _add_commands(subparsers: Any, defaults: Defaults) -> None:
    build = subparsers.add_parser("build", help="chunk and embed the policy documents into an index")
    build.add_argument(
        "--docs",
        type=Path,
        default=defaults.docs_dir,
        help="documents folder (default: %(default)s)",
    )
    build.add_argument(
        "--out", type=Path, default=defaults.index_dir, help="index folder (default: %(default)s)"
    )
    build.set_defaults(func=cmd_build, embedding=defaults.embedding)

    ask = subparsers.add_parser("ask", help="answer a question from the index, with its source")
    ask.add_argument("question")
    ask.add_argument(
        "--index", type=Path, default=defaults.index_dir, help="index folder (default: %(default)s)"
    )
    ask.add_argument("--method", choices=("dense", "bm25", "hybrid"), default="hybrid")
    ask.add_argument("-v", "--verbose", action="store_true", help="also list the top passages")
    ask.set_defaults(func=cmd_ask, embedding=defaults.embedding)


def register(subparsers: Any, defaults: Defaults) -> None:
    """Add ``knowledge build`` and ``knowledge ask`` to another CLI's subparsers."""
    knowledge = subparsers.add_parser("knowledge", help="policy documents: build the index, ask it")
    _add_commands(knowledge.add_subparsers(dest="knowledge_command", required=True), defaults)
