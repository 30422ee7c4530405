"""``knowledge build`` and ``knowledge ask``: build the passage index and query it from a terminal.

``bot/ops/cli.py`` calls ``register(subparsers)`` to add the ``knowledge`` command; each leaf parser sets
``func`` to a handler taking the parsed arguments and returning an exit code. For tests and scripts,
``python -m knowledge.cli build|ask`` runs the same handlers without the bot's CLI.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _defaults() -> tuple[Path, Path]:
    from bot.settings import Settings

    settings = Settings()
    return settings.knowledge_dir, settings.index_dir


def cmd_build(args: argparse.Namespace) -> int:
    from knowledge.embedding import load_embedder
    from knowledge.index import build_index

    default_docs, default_out = _defaults()
    docs_dir: Path = args.docs or default_docs
    out_dir: Path = args.out or default_out
    if not docs_dir.is_dir():
        print(f"error: {docs_dir} is not a folder", file=sys.stderr)
        return 2
    report = build_index(docs_dir, out_dir, load_embedder())
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
    from knowledge.index import IndexNotFound
    from knowledge.retriever import load_retriever

    index_dir: Path = args.index or _defaults()[1]
    try:
        retriever = load_retriever(index_dir, method=args.method)
    except IndexNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    answer = retriever.answer(args.question)
    if answer.answered:
        print(f"{answer.text}\n\n— {answer.source} (score {answer.score:.2f})")
    else:
        print(f"I could not find this in the shop's policies (best score {answer.score:.2f}).")
    if args.verbose:
        for hit in answer.hits:
            print(f"  {hit.score:.3f}  {hit.source}")
    return 0


def _add_commands(subparsers: Any) -> None:
    build = subparsers.add_parser("build", help="chunk and embed the policy documents into an index")
    build.add_argument("--docs", type=Path, help="documents folder (default: Settings.knowledge_dir)")
    build.add_argument("--out", type=Path, help="index folder (default: Settings.index_dir)")
    build.set_defaults(func=cmd_build)

    ask = subparsers.add_parser("ask", help="answer a question from the index, with its source")
    ask.add_argument("question")
    ask.add_argument("--index", type=Path, help="index folder (default: Settings.index_dir)")
    ask.add_argument("--method", choices=("dense", "bm25", "hybrid"), default="hybrid")
    ask.add_argument("-v", "--verbose", action="store_true", help="also list the top passages")
    ask.set_defaults(func=cmd_ask)


def register(subparsers: Any) -> None:
    """Add ``knowledge build`` and ``knowledge ask`` to another CLI's subparsers."""
    knowledge = subparsers.add_parser("knowledge", help="policy documents: build the index, ask it")
    _add_commands(knowledge.add_subparsers(dest="knowledge_command", required=True))


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m knowledge.cli", description=__doc__)
    _add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
