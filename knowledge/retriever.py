"""Answer shoppers' questions from the policy documents, with the section to cite.

``load_retriever`` (call it once, at startup) loads the saved index and the embedding model;
``Retriever.search`` ranks passages, ``Retriever.answer`` returns the best passage in the documents' own
words or abstains, and ``Retriever.cite`` returns the section a business-rule clause rests on.

Rankers rank sections, not vectors: each passage is embedded whole and sentence by sentence (see
``Chunk.embedding_texts``), a section's cosine is the best over its vectors, and its BM25 score the
best over its passages. Three rankers, measured by ``python bench/retrieval/run.py`` on
bench/retrieval/questions.yml (see ``METHOD_FIGURES``):

- dense: cosine only;
- bm25: BM25 over stemmed, stop-word-free tokens of title, heading and passage;
- hybrid (the default): cosine + ``HYBRID_BM25_WEIGHT`` * squashed BM25. A weighted sum of scores beat
  reciprocal rank fusion on the dev half (R@1 0.843 against 0.730 before the document edits), because
  RRF throws away how far ahead the best section is.

Before ranking, ``normalise_query`` swaps a few shoppers' words for the documents' ("45 quid" -> "£45",
"postage" -> "delivery charge" except "return postage"), found in the dev half's errors.

Abstention: the answer is given only when the top section's confidence reaches the method's threshold
in ``ABSTAIN_THRESHOLDS``. For hybrid the confidence is its cosine plus ``CONFIDENCE_BM25_WEIGHT`` *
its squashed BM25 plus ``CONFIDENCE_COVERAGE_WEIGHT`` * the idf-weighted share of the question's words
that the section contains, a word the documents never use weighing as much as their rarest one. BM25
alone rewards one rare shared word ("size" in "do you have a size guide for dresses"); coverage also
counts the words left unmatched. With the threshold set so that 90% of dev's unanswerable questions
are declined, the previous confidence (cosine + 0.2 * squashed BM25) answered 0.802 of dev's answerable
questions correctly; this one 0.851 (0.871 with the query rewrites). On test, at the same rule: 0.657
against 0.667, both declining 0.815 of the unanswerable ones. Weights and thresholds were tuned on the
dev half only.
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

# Calibrated on the dev half of bench/retrieval/questions.yml by bench/retrieval/run.py (see METHOD_FIGURES).
ABSTAIN_THRESHOLDS: dict[Method, float] = {"dense": 0.398, "bm25": 5.912, "hybrid": 0.450}
ABSTAIN_THRESHOLD = ABSTAIN_THRESHOLDS[DEFAULT_METHOD]
BM25_ABSTAIN_THRESHOLD = ABSTAIN_THRESHOLDS["bm25"]
METHOD_FIGURES = """
bench/retrieval/run.py --threads 1: questions.yml split into a dev half (101 answerable + 28 unanswerable,
used to choose every weight and threshold and which words to add to the documents) and a held-out test
half (102 + 27). 13 documents, 53 sections, 55 passages, 254 vectors. ans.ok = top passage right and
answered; abst.R = share of unanswerable questions abstained on. dev / test:
          R@1          R@3          MRR          ans.ok       abst.R
  dense   0.832/0.667  0.960/0.912  0.902/0.792  0.782/0.627  0.929/0.815  threshold 0.398
  bm25    0.653/0.598  0.832/0.775  0.756/0.709  0.376/0.363  0.964/0.963  threshold 5.912
  hybrid  0.881/0.706  0.980/0.931  0.930/0.817  0.871/0.667  0.929/0.815  threshold 0.450
Before the query rewrites and the coverage confidence, on the same 258 questions, hybrid had R@1
0.861/0.706, R@3 0.960/0.931, MRR 0.913/0.816, and with its threshold (0.405, tuned on the smaller dev
half) ans.ok 0.861/0.706 but abst.R 0.893/0.778. The 30 unanswerable and 25 answerable questions added
last were written before any method scored them. Test is well below dev: the weights, thresholds and
document wording were chosen looking at dev only, so test is the honest figure. Goals not met on test:
R@3 0.931 (goal 0.95) and abst.R 0.815 (goal 0.9). bm25's threshold declines 0.96 of unanswerable
questions but answers only 0.38 correctly; it is not the default.
Latency of ``answer`` with the query embedding, 1 torch thread, shared 2-core machine at load average
~1.4: hybrid p50 8.9 ms, p95 10.3 ms; at ~3.1: p50 8.6 ms, p95 11.7 ms (earlier runs with other jobs at full
load reached p95 21-27 ms);
bm25 alone 0.07 ms.
"""

CANDIDATES = 20  # sections each ranker contributes before fusion
DENSE_ROWS = 64  # vector rows fetched from FAISS before grouping them by section (several per passage)
HYBRID_BM25_WEIGHT = 0.1  # hybrid ranking score: cosine + weight * squashed BM25
BM25_SQUASH = 3.0  # BM25 score b is squashed to b / (b + BM25_SQUASH), in [0, 1)
CONFIDENCE_BM25_WEIGHT = 0.1  # hybrid confidence: cosine of the top section + weight * its squashed BM25
CONFIDENCE_COVERAGE_WEIGHT = 0.2  # ... + weight * the share of the question's words the section contains

# Shoppers' words for what the documents call something else. "postage" on its own means the delivery
# charge ("do i pay postage?"); the documents keep "postage" for return postage, so "return postage"
# stays. "45 quid" is written the way the documents write money ("£45").
_QUERY_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(\d+(?:\.\d\d)?) ?(?:quid|pounds?|gbp)\b", re.I), r"£\1"),
    (re.compile(r"\bquid\b", re.I), "pounds"),
    (re.compile(r"\b(?<!return )(?:postage|p&p)(?!\w)", re.I), "delivery charge"),
)

_STOPWORD_TEXT = """a an the and or but if of to in on at for from by with about as is are was were be been
    being do does
    did i im me my we our you your u it its this that these those can could would should will what when
    where which who how why there here have has had get got any some so just not no pls please"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SUFFIXES = (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))


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
    score: float  # the confidence compared to the threshold (see ``_Ranked.confidence``)
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


def stem(token: str) -> str:
    """A light suffix strip ("refunds", "refunded", "refunding" -> "refund"); no dictionary needed."""
    for suffix, replacement in _SUFFIXES:
        if len(token) > len(suffix) + 2 and token.endswith(suffix) and not token.endswith("ss"):
            return token[: -len(suffix)] + replacement
    return token


def tokenize(text: str) -> list[str]:
    """Lower-case, stemmed word tokens without stop words, for BM25 ("don't" -> "dont")."""
    words = re.findall(r"[a-z0-9£]+(?:\.[a-z0-9]+)*", text.lower().replace("'", "").replace("’", ""))
    return [stem(w) for w in words if w not in _STOPWORDS]


def normalise_query(question: str) -> str:
    """The question with shoppers' words swapped for the documents' (see ``_QUERY_REWRITES``)."""
    for pattern, replacement in _QUERY_REWRITES:
        question = pattern.sub(replacement, question)
    return question


def _squash(bm25: float) -> float:
    return bm25 / (bm25 + BM25_SQUASH) if bm25 > 0 else 0.0


@dataclass(frozen=True)
class _Ranked:
    """One section in a ranking: its best passage and the scores behind its place."""

    chunk: int  # row in ``Retriever.chunks`` of the section's best passage
    cosine: float  # best cosine over the section's vectors (0.0 for the bm25 ranker)
    bm25: float  # best BM25 score over the section's passages
    order: float  # what the ranking sorts by
    coverage: float = 0.0  # idf-weighted share of the question's words found in the section (hybrid only)

    def score(self, method: Method) -> float:
        return self.bm25 if method == "bm25" else self.cosine

    def confidence(self, method: Method) -> float:
        """What abstention compares to the method's threshold."""
        if method == "hybrid":
            return (
                self.cosine
                + CONFIDENCE_BM25_WEIGHT * _squash(self.bm25)
                + CONFIDENCE_COVERAGE_WEIGHT * self.coverage
            )
        return self.score(method)


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
        """``threshold`` overrides the abstention threshold of ``method``; ``bm25_threshold`` that of bm25."""
        from rank_bm25 import BM25Okapi

        self.index = index
        self.embedder = embedder
        self.method: Method = method
        self.thresholds: dict[Method, float] = dict(ABSTAIN_THRESHOLDS)
        if threshold is not None:
            self.thresholds[method] = threshold
        if bm25_threshold is not None:
            self.thresholds["bm25"] = bm25_threshold
        self.chunks: list[Chunk] = index.chunks
        self._bm25 = BM25Okapi([tokenize(c.search_text()) for c in self.chunks])
        # Sections are what gets ranked: a long section has several passages, each several vectors.
        sections: dict[tuple[str, str], int] = {}
        self._chunk_section = np.array(
            [sections.setdefault((c.doc_file, c.section), len(sections)) for c in self.chunks], dtype=np.int64
        )
        self._n_sections = len(sections)
        self._row_section = self._chunk_section[index.owners] if len(index.owners) else np.zeros(0, np.int64)
        self._section_rows: list[list[int]] = [[] for _ in range(self._n_sections)]
        self._section_words: list[set[str]] = [set() for _ in range(self._n_sections)]
        for chunk, section in zip(self.chunks, self._chunk_section.tolist(), strict=True):
            self._section_words[section].update(tokenize(chunk.search_text()))
        # A word the documents never use weighs as much as their rarest word: "bikes" in "do you sell
        # bikes" is the word that says the documents cannot answer.
        self._idf: dict[str, float] = {w: max(float(v), 0.0) for w, v in self._bm25.idf.items()}
        self._unknown_word_idf = max(self._idf.values(), default=1.0)
        for row, section in enumerate(self._row_section.tolist()):
            self._section_rows[section].append(row)
        self._clauses: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            for clause in chunk.clauses:
                self._clauses.setdefault(clause, []).append(chunk)

    @property
    def threshold(self) -> float:
        """The abstention threshold of the retriever's own method."""
        return self.thresholds[self.method]

    @property
    def bm25_threshold(self) -> float:
        return self.thresholds["bm25"]

    # -- ranking -------------------------------------------------------------------------------------

    def _dense(self, query: np.ndarray) -> dict[int, tuple[float, int]]:
        """Section -> (best cosine, vector row) over the nearest vector rows."""
        n = min(DENSE_ROWS, int(self.index.faiss_index.ntotal))
        scores, ids = self.index.faiss_index.search(query, n)
        best: dict[int, tuple[float, int]] = {}
        for row, score in zip(ids[0].tolist(), scores[0].tolist(), strict=True):
            if row < 0:
                continue
            section = int(self._row_section[row])
            if section not in best or score > best[section][0]:
                best[section] = (float(score), row)
        return best

    def _exact(self, query: np.ndarray, section: int) -> tuple[float, int]:
        """Best cosine and vector row of a section FAISS did not return."""
        rows = self._section_rows[section]
        scores = self.index.vectors[rows] @ query[0]
        i = int(np.argmax(scores))
        return float(scores[i]), rows[i]

    def _bm25_sections(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """Per section: the best BM25 score and the passage that has it."""
        scores = np.asarray(self._bm25.get_scores(tokenize(question)), dtype=np.float64)
        best = np.full(self._n_sections, -np.inf)
        chunk = np.zeros(self._n_sections, dtype=np.int64)
        for row, (section, score) in enumerate(
            zip(self._chunk_section.tolist(), scores.tolist(), strict=True)
        ):
            if score > best[section]:
                best[section], chunk[section] = score, row
        return best, chunk

    def _coverage(self, words: list[str], section: int) -> float:
        """The idf-weighted share of ``words`` that occur in the section (0.0 when none weigh anything)."""
        weights = [self._idf.get(w, self._unknown_word_idf) for w in words]
        total = sum(weights)
        if total <= 0:
            return 0.0
        found = self._section_words[section]
        return sum(wt for w, wt in zip(words, weights, strict=True) if w in found) / total

    def _rank(self, question: str, method: Method) -> list[_Ranked]:
        """Sections, best first, each with its best passage."""
        if not self.chunks:
            return []
        question = normalise_query(question)
        bm25, bm25_chunk = self._bm25_sections(question)
        if method == "bm25":
            order = np.argsort(-bm25, kind="stable")[:CANDIDATES]
            return [_Ranked(int(bm25_chunk[s]), 0.0, float(bm25[s]), float(bm25[s])) for s in order]
        query = self.embedder.encode_one(question)
        words = tokenize(question)
        dense = self._dense(query)
        candidates = set(sorted(dense, key=lambda s: -dense[s][0])[:CANDIDATES])
        if method == "hybrid":
            candidates |= {int(s) for s in np.argsort(-bm25, kind="stable")[:CANDIDATES] if bm25[s] > 0}
        ranked = []
        for section in candidates:
            cosine, row = dense[section] if section in dense else self._exact(query, section)
            b = float(bm25[section])
            if method == "hybrid":
                order_by = cosine + HYBRID_BM25_WEIGHT * _squash(b)
                coverage = self._coverage(words, section)
            else:
                order_by, coverage = cosine, 0.0
            ranked.append(_Ranked(int(self.index.owners[row]), cosine, b, order_by, coverage))
        ranked.sort(key=lambda r: (-r.order, r.chunk))
        return ranked

    def _hits(self, ranked: list[_Ranked], method: Method, k: int) -> list[Hit]:
        hits = []
        for r in ranked[:k]:
            c = self.chunks[r.chunk]
            hits.append(Hit(c.text, c.doc_title, c.doc_file, c.section, r.score(method), c.id))
        return hits

    def search(self, question: str, k: int = 3, method: Method | None = None) -> list[Hit]:
        """The ``k`` best passages, at most one per section."""
        method = method or self.method
        return self._hits(self._rank(question, method), method, k)

    def answer(self, question: str, method: Method | None = None) -> Answer:
        """The most relevant passage, or ``answered=False`` when no passage is close enough."""
        method = method or self.method
        ranked = self._rank(question, method)
        hits = self._hits(ranked, method, 3)
        confidence = ranked[0].confidence(method) if ranked else 0.0
        if not hits or confidence < self.thresholds[method]:
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
