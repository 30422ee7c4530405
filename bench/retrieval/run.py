"""Retrieval benchmark: recall@1/@3, MRR, abstention and latency for the dense, BM25 and hybrid rankers.

Run from the repository root::

    python bench/retrieval/run.py [--index DIR] [--threads 2] [--rebuild]

It builds (incrementally) the index of knowledge/docs into ``--index`` (default
var/bench/retrieval-index), asks every question in bench/retrieval/questions.yml with each method and
prints the figures. A hit is correct when its document file and section heading match the label (or one
of the ``also`` alternatives). Latency is wall time of ``Retriever.answer`` per question, query embedding
included. The last table proposes the abstention threshold that best separates answerable from
unanswerable questions (maximum balanced accuracy); the constants in knowledge/retriever.py hold the
chosen values.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knowledge.embedding import load_embedder  # noqa: E402
from knowledge.index import build_index, load_index  # noqa: E402
from knowledge.retriever import METHODS, Method, Retriever  # noqa: E402

QUESTIONS = Path(__file__).with_name("questions.yml")


@dataclass(frozen=True)
class Question:
    text: str
    targets: frozenset[tuple[str, str]]  # empty when unanswerable

    @property
    def answerable(self) -> bool:
        return bool(self.targets)


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for item in data["questions"]:
        if item.get("unanswerable"):
            out.append(Question(item["q"], frozenset()))
            continue
        targets = {(item["doc"], item["section"])} | {tuple(a) for a in item.get("also", [])}
        out.append(Question(item["q"], frozenset(targets)))  # type: ignore[arg-type]
    return out


def split_questions(questions: list[Question]) -> dict[str, list[Question]]:
    """A deterministic half split: "dev" for tuning thresholds and weights, "test" held out.

    Questions are grouped by the sections that answer them (unanswerable ones form one group) and, in
    file order, alternate between the halves within their group; odd-numbered groups start with test so
    the halves come out the same size. Every section with two or more questions and the unanswerable set
    appear in both halves, and a question added at the end of its group never moves another one.
    """
    groups: dict[frozenset[tuple[str, str]], list[int]] = {}
    halves: dict[str, list[Question]] = {"dev": [], "test": []}
    for q in questions:
        group = groups.setdefault(q.targets, [len(groups), 0])
        group[1] += 1
        halves["dev" if (group[0] + group[1]) % 2 == 1 else "test"].append(q)
    return halves


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def best_threshold(pos: list[float], neg: list[float]) -> tuple[float, float]:
    """Threshold (midpoint between neighbouring scores) with the highest balanced accuracy."""
    scores = sorted(set(pos + neg))
    best = (0.0, scores[0] if scores else 0.0)
    for lo, hi in itertools.pairwise(scores):
        t = (lo + hi) / 2
        acc = (sum(s >= t for s in pos) / len(pos) + sum(s < t for s in neg) / len(neg)) / 2
        if acc > best[0]:
            best = (acc, t)
    return best[1], best[0]


def evaluate(retriever: Retriever, questions: list[Question], method: Method) -> dict[str, float]:
    r1 = r3 = rr = 0.0
    answered_ok = abstained_unans = abstained_ans = 0
    latencies: list[float] = []
    pos: list[float] = []
    neg: list[float] = []
    misses: list[str] = []
    for _ in range(5):  # warm-up
        retriever.answer("warm up", method=method)
    for q in questions:
        start = time.perf_counter()
        ans = retriever.answer(q.text, method=method)
        latencies.append((time.perf_counter() - start) * 1000)
        top = ans.score
        if not q.answerable:
            neg.append(top)
            abstained_unans += not ans.answered
            if ans.answered:
                misses.append(f"  answered unanswerable ({top:.2f}): {q.text!r} -> {ans.source}")
            continue
        pos.append(top)
        abstained_ans += not ans.answered
        ranked = retriever.search(q.text, k=10, method=method)
        rank = next((i for i, h in enumerate(ranked, 1) if (h.doc_file, h.section) in q.targets), None)
        if rank:
            rr += 1 / rank
            r1 += rank == 1
            r3 += rank <= 3
            answered_ok += ans.answered and rank == 1
        if not rank or rank > 3:
            misses.append(f"  miss@3: {q.text!r} -> {ranked[0].source if ranked else '-'}")
        elif not ans.answered:
            misses.append(f"  abstained on answerable ({top:.2f}): {q.text!r}")
    n_ans = len(pos)
    n_unans = len(neg)
    abstained = abstained_unans + abstained_ans
    threshold, balanced = best_threshold(pos, neg)
    return {
        "recall@1": r1 / n_ans,
        "recall@3": r3 / n_ans,
        "mrr": rr / n_ans,
        "answered_correctly": answered_ok / n_ans,
        "abstain_precision": abstained_unans / abstained if abstained else 1.0,
        "abstain_recall": abstained_unans / n_unans if n_unans else 1.0,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "suggested_threshold": threshold,
        "balanced_accuracy": balanced,
        "misses": misses,  # type: ignore[dict-item]
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "knowledge" / "docs")
    parser.add_argument("--index", type=Path, default=ROOT / "var" / "bench" / "retrieval-index")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    parser.add_argument("--rebuild", action="store_true", help="embed every document again")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    embedder = load_embedder(threads=args.threads)
    if args.rebuild and (args.index / "manifest.json").exists():
        (args.index / "manifest.json").unlink()
    report = build_index(args.docs, args.index, embedder)
    print(
        f"index: {report.documents} documents, {report.chunks} passages, {report.index_type}; "
        f"built in {report.seconds:.2f}s (embedded {report.embedded_chunks} passages, "
        f"reused {len(report.reused_documents)} documents)"
    )
    for item in report.skipped:
        print(f"skipped {item.file}: {item.reason}")
    retriever = Retriever(load_index(args.index), embedder)
    questions = load_questions()
    n_unans = sum(not q.answerable for q in questions)
    print(f"questions: {len(questions) - n_unans} answerable, {n_unans} unanswerable; threads={args.threads}")
    print(f"thresholds in use: cosine {retriever.threshold:.2f}, bm25 {retriever.bm25_threshold:.2f}\n")
    header = (
        f"{'method':8} {'R@1':>6} {'R@3':>6} {'MRR':>6} {'ans.ok':>7} {'abst.P':>7} {'abst.R':>7} "
        f"{'p50ms':>7} {'p95ms':>7} {'best thr':>9} {'bal.acc':>8}"
    )
    print(header)
    results = {}
    for method in METHODS:
        res = evaluate(retriever, questions, method)
        results[method] = res
        print(
            f"{method:8} {res['recall@1']:6.3f} {res['recall@3']:6.3f} {res['mrr']:6.3f} "
            f"{res['answered_correctly']:7.3f} {res['abstain_precision']:7.3f} {res['abstain_recall']:7.3f} "
            f"{res['p50_ms']:7.2f} {res['p95_ms']:7.2f} {res['suggested_threshold']:9.3f} "
            f"{res['balanced_accuracy']:8.3f}"
        )
    if args.show_misses:
        for method, res in results.items():
            print(f"\n{method}:")
            print("\n".join(res["misses"]) or "  (none)")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
