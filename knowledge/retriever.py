"""Answer shoppers' questions from the policy documents, with the section to cite.

``load_retriever`` (call it once, at startup) loads the saved index to search with the embedding model;
``Retriever.search`` ranks passages, ``Retriever.answer`` returns the best passage in the documents' own
words or abstains, and ``Retriever.cite`` returns the section a business-rule clause rests on.

Rankers rank sections, not vectors: each passage is embedded whole and sentence by sentence, and a
section also by its hidden "asked" lines, the ways shoppers ask for what it says (see
``Chunk.embedding_texts``). A section's cosine is the best over all those vectors, and its BM25 score the
best over its passages; the passage shown is always the one whose own text scored best. Three rankers,
measured by ``python bench/retrieval/run.py`` (see ``METHOD_FIGURES``):

- dense: cosine only;
- bm25: BM25 over stemmed, stop-word-free tokens of title, heading and passage;
- hybrid (the default): cosine + ``HYBRID_BM25_WEIGHT`` * squashed BM25. A weighted sum of scores beat
  reciprocal rank fusion on the dev half (R@1 0.843 against 0.730 before the document edits), because
  RRF throws away how far ahead the best section is.

Before ranking, ``normalise_query`` (knowledge/wording.py) swaps a few shoppers' words for the
documents' ("45 quid" -> "£45", "postage" -> "delivery charge" except "return postage").

Abstention: the answer is given only when the top section's confidence reaches the method's threshold
in ``ABSTAIN_THRESHOLDS``. For hybrid the confidence is its cosine plus ``CONFIDENCE_BM25_WEIGHT`` *
its squashed BM25 plus ``CONFIDENCE_COVERAGE_WEIGHT`` * the idf-weighted share of the question's words
that the section contains, a word the documents never use weighing as much as their rarest one. BM25
alone rewards one rare shared word ("size" in "do you have a size guide for dresses"); coverage also
counts the words left unmatched. The weights were chosen on the dev half; the thresholds are the ones
``product_threshold`` picks on dev + the calibration set (90 answerable, 90 unanswerable, mostly near
misses): the most correct answers while declining at least 90% of their unanswerable questions. Other
confidences tried with the asked lines separated right answers from unanswerable questions no better on
dev + calib (ROC AUC: this one 0.993, without the BM25 term 0.993, asked cosine only 0.989, passage cosine
only 0.967, the mean of the two 0.990).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from knowledge.chunking import Chunk
from knowledge.embedding import Embedder
from knowledge.index import StoredIndex, load_index
from knowledge.timing import StepObserver, ignore, timed
from knowledge.wording import normalise_query

log = logging.getLogger(__name__)

Method = Literal["dense", "bm25", "hybrid"]
METHODS: tuple[Method, ...] = ("dense", "bm25", "hybrid")
DEFAULT_METHOD: Method = "hybrid"

# Set by bench/retrieval/run.py on dev + calibration questions (see METHOD_FIGURES).
ABSTAIN_THRESHOLDS: dict[Method, float] = {"dense": 0.592, "bm25": 6.320, "hybrid": 0.671}
ABSTAIN_THRESHOLD = ABSTAIN_THRESHOLDS[DEFAULT_METHOD]
BM25_ABSTAIN_THRESHOLD = ABSTAIN_THRESHOLDS["bm25"]
METHOD_FIGURES = """
bench/retrieval/run.py: 13 documents, 53 sections, 55 passages, 955 vectors (254 from the passages, 701
asked lines). Four question sets: dev and test, the halves of questions.yml (101 + 28 and 102 + 27
answerable + unanswerable); calib (90 + 90); fresh (130 + 40, written from the documents alone by someone
who had seen no other question, no asked line and no result, never used for anything). The asked lines
were written from the documents alone too, by someone who had not seen any question set. ans.ok = top
passage right and answered; abst.R = share of unanswerable questions declined.
            R@1    R@3    MRR    ans.ok abst.R   (dev / test / calib / fresh)
  dense   .931   .980   .954   .911   .964  /  .902 .980 .946 .843 .963  /  .900 .989 .939 .867 .889
          / .877 .969 .924 .808 .925   threshold 0.592
  bm25    .653   .832   .756   .327   .964  /  .598 .775 .709 .343 .963  /  .578 .789 .708 .433 .889
          / .554 .785 .683 .408 .925   threshold 6.320
  hybrid  .950   .990   .967   .941  1.000  /  .912 1.000 .954 .882 1.000 /  .922 .989 .952 .889 .878
          / .885 .985 .931 .823 .850   threshold 0.671
Before the asked lines, hybrid had R@3 .980 / .931 / - / .938 and declined .929 / .815 / - / .825 of
the unanswerable questions (threshold 0.450 from dev alone). The misses left are mostly near misses the
documents brush against (gift messages and wrapping next to gift cards, a VAT invoice next to "prices
include VAT"); bm25 alone declines well but answers under half correctly; it is not the default.
Latency of ``answer``, query embedding included, all 628 questions, ONNX Runtime backend: 2 threads p50
8.4 ms, p95 12.2 ms; 1 thread p50 11.4 ms, p95 15.1 ms. The same run with the PyTorch backend, which
embeds the same vectors, took p50 25 ms / p95 32 ms on 1 thread that day (the machine ran the old code at
p50 24 ms too: it was ~2.7x slower than in the session that measured p50 8.9 ms with PyTorch).
"""

CANDIDATES = 20  # sections each ranker contributes before fusion
DENSE_ROWS = 64  # vector rows fetched from FAISS before grouping them by section (several per passage)
HYBRID_BM25_WEIGHT = 0.1  # hybrid ranking score: cosine + weight * squashed BM25
BM25_SQUASH = 3.0  # BM25 score b is squashed to b / (b + BM25_SQUASH), in [0, 1)
CONFIDENCE_BM25_WEIGHT = 0.1  # hybrid confidence: cosine of the top section + weight * its squashed BM25
CONFIDENCE_COVERAGE_WEIGHT = 0.2  # ... + weight * the share of the question's words the section contains

_STOPWORD_TEXT = """a an the and or but if of to in on at for from by with about as is are was were be been
    being do does
    did i im me my we our you your u it its this that these those can could would should will what when
    where which who how why there here have has had get got any some so just not no pls please"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SUFFIXES = (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))


def _asked_rows(chunks: list[Chunk], owners: np.ndarray) -> list[bool]:
    """Per vector row: is it one of its chunk's asked lines? Those are the chunk's last rows (see
    ``Chunk.embedding_texts``)."""
    left = [len(c.asked) for c in chunks]
    flags = [False] * len(owners)
    for row in range(len(owners) - 1, -1, -1):
        owner = int(owners[row])
        if left[owner]:
            flags[row], left[owner] = True, left[owner] - 1
    return flags


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
        observe: StepObserver = ignore,
    ) -> None:
        """``threshold`` overrides the abstention threshold of ``method``; ``bm25_threshold`` that of bm25;
        ``observe`` is told how long each step of a question took (``knowledge.timing``)."""
        from rank_bm25 import BM25Okapi

        self.index = index
        self._observe = observe
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
        self._section_rows: list[list[int]] = [[] for _ in range(self._n_sections)]  # passage rows
        self._section_words: list[set[str]] = [set() for _ in range(self._n_sections)]
        for chunk, section in zip(self.chunks, self._chunk_section.tolist(), strict=True):
            self._section_words[section].update(tokenize(chunk.search_text()))
        # A word the documents never use weighs as much as their rarest word: "bikes" in "do you sell
        # bikes" is the word that says the documents cannot answer.
        self._idf: dict[str, float] = {w: max(float(v), 0.0) for w, v in self._bm25.idf.items()}
        self._unknown_word_idf = max(self._idf.values(), default=1.0)
        asked_rows = _asked_rows(self.chunks, index.owners)
        self._section_asked_rows: list[list[int]] = [[] for _ in range(self._n_sections)]
        for row, section in enumerate(self._row_section.tolist()):
            (self._section_asked_rows if asked_rows[row] else self._section_rows)[section].append(row)
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

    def _nearest_sections(self, query: np.ndarray) -> list[int]:
        """Sections owning the nearest vector rows (passages or asked lines), nearest first."""
        n = min(DENSE_ROWS, int(self.index.faiss_index.ntotal))
        _, ids = self.index.faiss_index.search(query, n)
        sections = (int(self._row_section[row]) for row in ids[0].tolist() if row >= 0)
        return list(dict.fromkeys(sections))

    def _section_cosine(self, query: np.ndarray, section: int) -> tuple[float, int]:
        """A section's cosine and the vector row of its best passage.

        The cosine is the best over the section's passage vectors and its asked lines; the row is always
        a passage's, so the answer is the policy's own text.
        """
        rows = self._section_rows[section]
        scores = self.index.vectors[rows] @ query[0]
        i = int(np.argmax(scores))
        cosine = float(scores[i])
        asked = self._section_asked_rows[section]
        if asked:
            cosine = max(cosine, float(np.max(self.index.vectors[asked] @ query[0])))
        return cosine, rows[i]

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
        with timed(self._observe, "bm25"):
            bm25, bm25_chunk = self._bm25_sections(question)
        if method == "bm25":
            order = np.argsort(-bm25, kind="stable")[:CANDIDATES]
            return [_Ranked(int(bm25_chunk[s]), 0.0, float(bm25[s]), float(bm25[s])) for s in order]
        with timed(self._observe, "embedding"):
            query = self.embedder.encode_one(question)
        words = tokenize(question)
        with timed(self._observe, "faiss"):
            nearest = self._nearest_sections(query)
        candidates = set(nearest[:CANDIDATES])
        if method == "hybrid":
            candidates |= {int(s) for s in np.argsort(-bm25, kind="stable")[:CANDIDATES] if bm25[s] > 0}
        ranked = []
        for section in candidates:
            cosine, row = self._section_cosine(query, section)
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
    index_dir: Path, embedder: Embedder, method: Method = DEFAULT_METHOD, observe: StepObserver = ignore
) -> Retriever:
    """The saved index in ``index_dir``, searched with ``embedder`` (``load_embedder``). Call once at
    startup."""
    return Retriever(load_index(index_dir), embedder, method, observe=observe)


def cite(clause_id: str, docs_dir: Path) -> Citation:
    """The section marked with ``clause_id``, read straight from the documents (no index or model)."""
    from knowledge.chunking import DocumentError, chunk_document, read_document

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
