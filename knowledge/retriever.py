"""Answer shoppers' questions from the policy documents, with the section to cite.

``load_retriever`` (call it once, at startup) loads the saved index and the embedding model;
``Retriever.search`` ranks passages, ``Retriever.answer`` returns the best passage in the documents' own
words or abstains, and ``Retriever.cite`` returns the section a business-rule clause rests on.

Three rankers, measured by ``python bench/retrieval/run.py`` on bench/retrieval/questions.yml
(see ``METHOD_FIGURES``). Hybrid (reciprocal rank fusion of dense and BM25) is the default.

Abstention: the question is answered only when the cosine similarity between the question and the
top passage reaches ``ABSTAIN_THRESHOLD`` (the BM25 ranker uses its own score scale, see
``BM25_ABSTAIN_THRESHOLD``). The thresholds were calibrated on the same evaluation set.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from knowledge.chunking import Chunk
from knowledge.embedding import Embedder, load_embedder
from knowledge.index import StoredIndex, load_index

log = logging.getLogger(__name__)

Method = Literal["dense", "bm25", "hybrid"]
METHODS: tuple[Method, ...] = ("dense", "bm25", "hybrid")
DEFAULT_METHOD: Method = "hybrid"

# Calibrated by bench/retrieval/run.py; see the figures there.
ABSTAIN_THRESHOLD = 0.33  # hybrid: best balanced accuracy 0.915 on 178 answerable / 25 unanswerable
BM25_ABSTAIN_THRESHOLD = 3.77  # bm25: best balanced accuracy 0.867
METHOD_FIGURES = """
bench/retrieval/run.py, 178 answerable + 25 unanswerable questions, 55 passages, threshold-free ranking:
  dense   R@1 0.685  R@3 0.871  MRR 0.785   (best abstention threshold 0.379, balanced accuracy 0.913)
  bm25    R@1 0.584  R@3 0.815  MRR 0.702   (best threshold 3.77, balanced accuracy 0.867)
  hybrid  R@1 0.702  R@3 0.865  MRR 0.790   (best threshold 0.329, balanced accuracy 0.915)
Hybrid has the best R@1 and MRR, so it is the default. Latency was not measurable cleanly on the shared
2-core machine (load average ~5): p50 13-18 ms per query, dominated by the query embedding.
"""

RRF_K = 60
CANDIDATES = 20  # passages each ranker contributes before fusion and de-duplication

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "i",
        "im",
        "i'm",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "can",
        "could",
        "would",
        "should",
        "will",
        "what",
        "when",
        "where",
        "which",
        "who",
        "how",
        "why",
        "there",
        "here",
        "have",
        "has",
        "had",
        "get",
        "got",
        "any",
        "some",
        "so",
        "just",
        "not",
        "no",
    ]
)


class UnknownClause(KeyError):
    """No section of the documents is marked with this clause id."""


@dataclass(frozen=True)
class Hit:
    text: str
    doc_title: str
    doc_file: str
    section: str
    score: float  # cosine similarity for dense and hybrid, BM25 score for bm25
    chunk_id: str = ""

    @property
    def source(self) -> str:
        return f"{self.doc_title}, section {self.section}" if self.section else self.doc_title


@dataclass(frozen=True)
class Answer:
    answered: bool
    text: str  # the best passage's own words; "" when abstaining
    source: str  # e.g. "Returns policy, section 2. Return windows"; "" when abstaining
    score: float
    hits: list[Hit] = field(default_factory=list)


@dataclass(frozen=True)
class Citation:
    clause: str
    doc_title: str
    doc_file: str
    section: str
    text: str

    @property
    def source(self) -> str:
        return f"{self.doc_title}, section {self.section}"


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words, with a light plural strip, for BM25."""
    tokens = []
    for tok in re.findall(r"[a-z0-9£]+(?:[.'][a-z0-9]+)*", text.lower()):
        if tok in _STOPWORDS:
            continue
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        tokens.append(tok)
    return tokens


class Retriever:
    """Ranks the passages of one loaded index. Build it once; ``search`` and ``answer`` are read-only."""

    def __init__(
        self,
        index: StoredIndex,
        embedder: Embedder,
        method: Method = DEFAULT_METHOD,
        threshold: float | None = None,
        bm25_threshold: float | None = None,
    ) -> None:
        from rank_bm25 import BM25Okapi

        self.index = index
        self.embedder = embedder
        self.method: Method = method
        self.threshold = ABSTAIN_THRESHOLD if threshold is None else threshold
        self.bm25_threshold = BM25_ABSTAIN_THRESHOLD if bm25_threshold is None else bm25_threshold
        self.chunks: list[Chunk] = index.chunks
        self._bm25 = BM25Okapi([tokenize(c.search_text()) for c in self.chunks])
        self._clauses: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            for clause in chunk.clauses:
                self._clauses.setdefault(clause, []).append(chunk)

    # -- ranking -------------------------------------------------------------------------------------

    def _dense(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        scores, ids = self.index.faiss_index.search(query, min(n, len(self.chunks)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _bm25_rank(self, question: str, n: int) -> list[tuple[int, float]]:
        scores = self._bm25.get_scores(tokenize(question))
        order = np.argsort(-scores)[:n]
        return [(int(i), float(scores[i])) for i in order]

    def _ranked(self, question: str, method: Method) -> list[tuple[int, float]]:
        """(chunk row, score) best first; the score is what abstention compares to its threshold."""
        if method == "bm25":
            return self._bm25_rank(question, CANDIDATES)
        query = self.embedder.encode_one(question)
        dense = self._dense(query, CANDIDATES)
        if method == "dense":
            return dense
        cosine = dict(dense)
        fused: dict[int, float] = {}
        for ranking in (dense, self._bm25_rank(question, CANDIDATES)):
            for rank, (row, _) in enumerate(ranking):
                fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
        order = sorted(fused, key=fused.__getitem__, reverse=True)
        missing = [row for row in order if row not in cosine]
        if missing:  # BM25-only candidates: their cosine, for the abstention check and the Hit score
            vectors = self.index.vectors[missing]
            cosine.update(zip(missing, (vectors @ query[0]).tolist(), strict=True))
        return [(row, cosine[row]) for row in order]

    def search(self, question: str, k: int = 3, method: Method | None = None) -> list[Hit]:
        """The ``k`` best passages, at most one per section."""
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        for row, score in self._ranked(question, method or self.method):
            chunk = self.chunks[row]
            key = (chunk.doc_file, chunk.section)
            if key in seen:
                continue
            seen.add(key)
            hits.append(Hit(chunk.text, chunk.doc_title, chunk.doc_file, chunk.section, score, chunk.id))
            if len(hits) == k:
                break
        return hits

    def _threshold(self, method: Method | None) -> float:
        return self.bm25_threshold if (method or self.method) == "bm25" else self.threshold

    def answer(self, question: str, method: Method | None = None) -> Answer:
        """The most relevant passage, or ``answered=False`` when no passage is close enough."""
        hits = self.search(question, k=3, method=method)
        # The confidence is the best score among the top hits: with fusion, the top-ranked passage is not
        # always the one with the highest cosine, but a close passage anywhere in the top 3 shows the
        # question is about something the documents cover.
        confidence = max((h.score for h in hits), default=0.0)
        if not hits or confidence < self._threshold(method):
            return Answer(False, "", "", confidence, hits)
        best = hits[0]
        return Answer(True, best.text, best.source, confidence, hits)

    # -- citations ------------------------------------------------------------------------------------

    def cite(self, clause_id: str) -> Citation:
        """The section marked ``<!-- clause: clause_id -->``, with its full text."""
        chunks = self._clauses.get(clause_id)
        if not chunks:
            raise UnknownClause(clause_id)
        first = chunks[0]
        text = "\n\n".join(
            c.text for c in chunks if (c.doc_file, c.section) == (first.doc_file, first.section)
        )
        return Citation(clause_id, first.doc_title, first.doc_file, first.section, text)


def load_retriever(
    index_dir: Path | None = None,
    embedder: Embedder | None = None,
    method: Method = DEFAULT_METHOD,
) -> Retriever:
    """Load the saved index (default: ``Settings().index_dir``) and the model. Call once at startup."""
    if index_dir is None:
        from bot.settings import Settings

        index_dir = Settings().index_dir
    return Retriever(load_index(index_dir), embedder or load_embedder(), method)


def cite(clause_id: str, docs_dir: Path | None = None) -> Citation:
    """The section marked with ``clause_id``, read straight from the documents (no index or model)."""
    from knowledge.chunking import DocumentError, chunk_document, read_document

    if docs_dir is None:
        from bot.settings import Settings

        docs_dir = Settings().knowledge_dir
    for path in sorted(docs_dir.glob("*.md")):
        try:
            chunks = chunk_document(read_document(path, docs_dir))
        except DocumentError:
            continue
        marked = [c for c in chunks if clause_id in c.clauses]
        if marked:
            first = marked[0]
            text = "\n\n".join(c.text for c in marked if c.section == first.section)
            return Citation(clause_id, first.doc_title, first.doc_file, first.section, text)
    raise UnknownClause(clause_id)
