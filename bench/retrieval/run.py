"""Retrieval benchmark: recall@1/@3, MRR, abstention and latency for the dense, BM25 and hybrid rankers.

Run from the repository root::

    python bench/retrieval/run.py [--index DIR] [--threads 2] [--rebuild]

It builds (incrementally) the index of knowledge/docs into ``--index`` (default
var/bench/retrieval-index), asks every question of four sets with each method and prints the figures:

- dev / test: the two halves of bench/retrieval/questions.yml (``split_questions``); dev was used to
  choose weights, rewrites and document wording, test was not;
- calib: bench/retrieval/questions-calibration.yml, mostly near-miss questions the documents do not
  answer; with dev, it sets the abstention thresholds (``product_threshold``) and is not a judge;
- fresh: bench/retrieval/questions-fresh.yml, written from the documents alone by someone who had seen
  no other question and no result; never used for anything but this report.

A hit is correct when its document file and section heading match the label (or one of the ``also``
alternatives). Latency is wall time of ``Retriever.answer`` per question, query embedding included. The
"tuned" rows use the threshold ``product_threshold`` picks on dev + calib; the constants in
knowledge/retriever.py should hold it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.settings import Settings  # noqa: E402
from knowledge.embedding import BACKENDS, load_embedder  # noqa: E402
from knowledge.index import build_index, load_index  # noqa: E402
from knowledge.retriever import METHODS, Method, Retriever  # noqa: E402

QUESTIONS = Path(__file__).with_name("questions.yml")
# Written later from the documents alone, by someone who had seen neither questions.yml nor any result;
# never used for tuning (see its header).
FRESH_QUESTIONS = Path(__file__).with_name("questions-fresh.yml")
# Written from the documents alone as well (mostly near-miss questions they do not answer); used with the
# dev half to choose the abstention threshold, never to judge it.
CALIBRATION_QUESTIONS = Path(__file__).with_name("questions-calibration.yml")
MIN_ABSTAIN = 0.9  # the issue's goal: abstain on at least this share of the unanswerable questions


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


def product_threshold(outcomes: list[Outcome], min_abstain: float = MIN_ABSTAIN) -> float:
    """The threshold that gives the most correct answers while abstaining on ``min_abstain`` of the
    unanswerable questions (the issue's goal); the lowest such threshold on ties. Tune it on dev only."""
    unans = [o.confidence for o in outcomes if not o.answerable]
    candidates = sorted({o.confidence for o in outcomes})
    cuts = [(lo + hi) / 2 for lo, hi in itertools.pairwise(candidates)] + [candidates[-1] + 1e-6]
    best: tuple[float, float] | None = None
    for t in cuts:
        if unans and sum(c < t for c in unans) / len(unans) < min_abstain:
            continue
        correct = sum(o.rank == 1 and o.confidence >= t for o in outcomes if o.answerable)
        if best is None or correct > best[0]:
            best = (correct, t)
    return best[1] if best else cuts[-1]


@dataclass(frozen=True)
class Outcome:
    question: Question
    rank: int | None  # of the first correct section in the top 10; None when missing or unanswerable
    confidence: float  # Answer.score
    answered: bool
    source: str  # what the answer cited ("" when abstaining)
    ms: float

    @property
    def answerable(self) -> bool:
        return self.question.answerable


def run_questions(retriever: Retriever, questions: list[Question], method: Method) -> list[Outcome]:
    for _ in range(5):  # warm-up
        retriever.answer("warm up", method=method)
    out = []
    for q in questions:
        start = time.perf_counter()
        ans = retriever.answer(q.text, method=method)
        ms = (time.perf_counter() - start) * 1000
        rank = None
        if q.answerable:
            ranked = retriever.search(q.text, k=10, method=method)
            rank = next((i for i, h in enumerate(ranked, 1) if (h.doc_file, h.section) in q.targets), None)
        out.append(Outcome(q, rank, ans.score, ans.answered, ans.source, ms))
    return out


def figures(outcomes: list[Outcome], threshold: float) -> dict[str, float]:
    """Ranking and abstention figures of one half, answering when the confidence reaches ``threshold``."""
    ans = [o for o in outcomes if o.answerable]
    unans = [o for o in outcomes if not o.answerable]
    abst_unans = sum(o.confidence < threshold for o in unans)
    abst_ans = sum(o.confidence < threshold for o in ans)
    ranks = [o.rank for o in ans]
    return {
        "recall@1": sum(r == 1 for r in ranks) / len(ans),
        "recall@3": sum(r is not None and r <= 3 for r in ranks) / len(ans),
        "mrr": sum(1 / r for r in ranks if r) / len(ans),
        "answered_correctly": sum(o.rank == 1 and o.confidence >= threshold for o in ans) / len(ans),
        "abstain_precision": abst_unans / (abst_unans + abst_ans) if abst_unans + abst_ans else 1.0,
        "abstain_recall": abst_unans / len(unans) if unans else 1.0,
        "balanced_accuracy": best_threshold([o.confidence for o in ans], [o.confidence for o in unans])[1],
    }


def misses(outcomes: list[Outcome], threshold: float) -> list[str]:
    lines = []
    for o in outcomes:
        q = o.question.text
        if not o.answerable:
            if o.confidence >= threshold:
                lines.append(f"  answered unanswerable ({o.confidence:.2f}): {q!r} -> {o.source}")
        elif o.rank is None or o.rank > 3:
            lines.append(f"  miss@3 (rank {o.rank or '>10'}): {q!r}")
        elif o.confidence < threshold:
            lines.append(f"  abstained on answerable ({o.confidence:.2f}): {q!r}")
        elif o.rank > 1:
            lines.append(f"  rank {o.rank}: {q!r} -> {o.source}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "knowledge" / "docs")
    parser.add_argument("--index", type=Path, default=ROOT / "var" / "bench" / "retrieval-index")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (default 2)")
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="embedding backend (default: $SHOPDESK_EMBEDDING_BACKEND, else onnx)",
    )
    parser.add_argument("--rebuild", action="store_true", help="embed every document again")
    parser.add_argument(
        "--show-misses",
        action="store_true",
        help="list the errors on dev and calib, the sets used for tuning (test and fresh stay unread)",
    )
    args = parser.parse_args()

    embedding = Settings().embedding
    if args.backend:
        embedding = replace(embedding, backend=args.backend)
    embedder = load_embedder(embedding, threads=args.threads)
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
    halves = split_questions(questions)
    halves["calib"] = load_questions(CALIBRATION_QUESTIONS)
    halves["fresh"] = load_questions(FRESH_QUESTIONS)
    for name, half in halves.items():
        n_unans = sum(not q.answerable for q in half)
        print(f"{name}: {len(half) - n_unans} answerable, {n_unans} unanswerable", end="; ")
    print(
        f"backend={embedder.backend}, threads={args.threads}, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        "ans.ok = the top passage is right and the assistant answers; abst.P/abst.R = precision/recall of "
        "abstaining\non the unanswerable questions. 'in use' = the thresholds in knowledge/retriever.py; "
        f"'tuned' = the threshold tuned on dev + calib\n(most correct answers while abstaining on >= "
        f"{MIN_ABSTAIN:.0%} of their unanswerable questions), shown when the constants differ from it.\n"
    )
    header = (
        f"{'method':7} {'half':5} {'R@1':>6} {'R@3':>6} {'MRR':>6} {'ans.ok':>7} {'abst.P':>7} {'abst.R':>7} "
        f"{'bal.acc':>8} {'thr':>7}"
    )
    print(header)
    tuning: dict[str, list[Outcome]] = {}
    latency: dict[str, list[float]] = {}
    tuned: dict[str, float] = {}
    for method in METHODS:
        by_half = {name: run_questions(retriever, half, method) for name, half in halves.items()}
        tuning[method] = by_half["dev"] + by_half["calib"]
        latency[method] = [o.ms for outcomes in by_half.values() for o in outcomes]
        tuned[method] = product_threshold(tuning[method])
        in_use = retriever.thresholds[method]
        rows = [("in use", in_use)] + (
            [("tuned", tuned[method])] if abs(tuned[method] - in_use) > 5e-4 else []
        )
        for label, threshold in rows:
            for name, outcomes in by_half.items():
                f = figures(outcomes, threshold)
                cols = ("recall@1", "recall@3", "mrr", "answered_correctly", "abstain_precision")
                print(
                    f"{method:7} {name:5} "
                    + " ".join(f"{f[c]:{7 if c in cols[3:] else 6}.3f}" for c in cols)
                    + f" {f['abstain_recall']:7.3f} {f['balanced_accuracy']:8.3f} {threshold:7.3f} {label}"
                )
    print("\nlatency of Retriever.answer per question, query embedding included (all questions):")
    for method in METHODS:
        print(
            f"  {method:7} p50 {statistics.median(latency[method]):6.2f} ms   "
            f"p95 {percentile(latency[method], 95):6.2f} ms"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.show_misses:
        for method, outcomes in tuning.items():
            print(f"\n{method}, dev + calib (threshold in use {retriever.thresholds[method]:.3f}):")
            print("\n".join(misses(outcomes, retriever.thresholds[method])) or "  (none)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
