"""Split policy documents into passages that keep their document title and section heading.

A Markdown document (parsed by markdown-it-py, ``knowledge.markdown``) is cut at its level-2 headings;
every chunk carries the level-1 title and the section heading, so a hit can be cited as "Returns policy,
section 2. Return windows". A section longer than ``max_words`` is split between paragraphs, and a
paragraph that is itself too long is split between sentences (spaCy's rule-based sentencizer: no model
to download); a table, a list or a code block is never split. The introduction above the first level-2
heading only summarises the document, so it is indexed only when the document has no
sections. Plain-text files become one titled document split by paragraphs.

A passage is embedded several times (``Chunk.embedding_texts``): once whole, with its title and heading,
and once per sentence, list item or table row with "title — heading: " in front, so that a short
question can match the one sentence that answers it without the rest of the section diluting the
vector. The retriever scores a section by its best vector. The text shown to a shopper is always the
passage's own words (``Chunk.text``).

A section may also list, in a hidden ``<!-- asked: ... -->`` block (one line each), how shoppers ask for
what it says ("do i pay postage", "tags cut off can i still send it back"). Those lines are the shop's
own words about its own policy, never shown to anyone: each is embedded as one more vector of the
section's first passage (``Chunk.asked``), so a question worded like a shopper's finds the section whose
policy text uses other words. Documents without them work as before.

Files that cannot be read as UTF-8 text, hold binary data or are empty raise ``DocumentError``;
``read_document`` callers report and skip them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.markdown import Block, blocks, headings, joined
from knowledge.wording import normalise_money

# Bump when the chunking changes, so an incremental build re-chunks every document.
# 2: sentence-level embedding texts with the heading in front; 3, 4: asked lines; 5: markdown-it-py
CHUNKER_VERSION = "5"
DEFAULT_MAX_WORDS = 120
SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt")

CLAUSE_RE = re.compile(r"<!--\s*clause:\s*([\w.]+)\s*-->")
ASKED_RE = re.compile(r"<!--\s*asked:(.*?)-->", re.S)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_SECTION_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)*\.?\s+")


class DocumentError(ValueError):
    """A file that is not a usable text document (undecodable, binary or empty)."""


@dataclass(frozen=True)
class Chunk:
    id: str  # "<file>#<section number>.<part>", stable while the document does not change
    doc_file: str
    doc_title: str
    section: str  # the heading without "## ", e.g. "2. Return windows"; "" for an untitled part
    text: str  # the document's own words, clause comments removed
    clauses: tuple[str, ...] = ()
    asked: tuple[str, ...] = ()  # how shoppers ask for this section (first passage of a section only)

    @property
    def source(self) -> str:
        return f"{self.doc_title}, section {self.section}" if self.section else self.doc_title

    def search_text(self) -> str:
        """What gets embedded and BM25-indexed: title and heading give context to a short passage."""
        return f"{self.doc_title}. {self.section}.\n{plain(self.text)}"

    def units(self) -> list[str]:
        """The passage's sentences, list items, table rows and code lines, as plain text."""
        pieces: list[str] = []
        for block in blocks(self.text):
            if block.kind == "paragraph":
                pieces += [s for s in _SENTENCE_END_RE.split(_plain(block)) if s.strip()]
            else:
                pieces += [line for line in _plain(block).splitlines() if line.strip()]
        return pieces

    def passage_texts(self) -> list[str]:
        """The passage's own embedding texts: whole, then each unit with "title — heading: " in front.

        The first text is ``search_text()``; a passage of a single unit gets only that one vector.
        """
        units = self.units()
        if len(units) <= 1:
            return [self.search_text()]
        heading = _SECTION_NUMBER_RE.sub("", self.section)
        prefix = f"{self.doc_title} — {heading}: " if heading else f"{self.doc_title}: "
        return [self.search_text(), *(prefix + unit for unit in units)]

    def embedding_texts(self) -> list[str]:
        """What gets embedded, in this order: ``passage_texts()``, then the ``asked`` lines with amounts
        written the documents' way (``normalise_money``, as in a question)."""
        return [*self.passage_texts(), *(normalise_money(line) for line in self.asked)]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_file": self.doc_file,
            "doc_title": self.doc_title,
            "section": self.section,
            "text": self.text,
            "clauses": list(self.clauses),
            "asked": list(self.asked),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chunk:
        return cls(
            id=data["id"],
            doc_file=data["doc_file"],
            doc_title=data["doc_title"],
            section=data["section"],
            text=data["text"],
            clauses=tuple(data.get("clauses", ())),
            asked=tuple(data.get("asked", ())),
        )


@dataclass(frozen=True)
class SourceFile:
    name: str  # path relative to the docs folder, used as the document's id
    text: str
    sha256: str


def _plain(block: Block) -> str:
    if block.kind == "table":  # "Standard delivery: 3–5 business days, £3.95"
        return "\n".join(f"{row[0]}: {', '.join(row[1:])}" if len(row) > 1 else row[0] for row in block.rows)
    if block.kind == "list":
        return "\n".join(item.lstrip() for item in block.lines)
    return block.text()


def plain(text: str) -> str:
    """Markdown markup (table pipes and rules, list markers, emphasis) removed; words and numbers kept."""
    return joined([(block, _plain(block)) for block in blocks(text)]).strip()


def read_document(path: Path, root: Path | None = None) -> SourceFile:
    """Read one document; raises ``DocumentError`` saying why it cannot be used."""
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError("empty file")
    if b"\x00" in data:
        raise DocumentError("binary data (NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not UTF-8 text (byte {exc.start})") from exc
    if not _COMMENT_RE.sub("", text).strip():
        raise DocumentError("no text")
    name = path.relative_to(root).as_posix() if root else path.name
    return SourceFile(name=name, text=text, sha256=hashlib.sha256(data).hexdigest())


@cache
def _sentencizer() -> Any:
    import spacy  # imported here: spaCy is slow to import and only needed for long paragraphs

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(text: str) -> list[str]:
    return [s.text.strip() for s in _sentencizer()(text).sents if s.text.strip()]


def _pack(pieces: list[str], max_words: int, joiner: str) -> list[str]:
    """Greedily join consecutive pieces while they fit in ``max_words``."""
    out: list[str] = []
    current: list[str] = []
    words = 0
    for piece in pieces:
        n = len(piece.split())
        if current and words + n > max_words:
            out.append(joiner.join(current))
            current, words = [], 0
        current.append(piece)
        words += n
    if current:
        out.append(joiner.join(current))
    return out


def split_passage(text: str, max_words: int = DEFAULT_MAX_WORDS) -> list[str]:
    """Split a section body into parts of at most ``max_words`` (a single long sentence may exceed it)."""
    if len(text.split()) <= max_words:
        return [text] if text.strip() else []
    pieces: list[str] = []
    for para, whole in _paragraphs(text):
        if len(para.split()) > max_words and not whole:
            pieces.extend(_pack(split_sentences(para), max_words, " "))
        else:
            pieces.append(para)
    return _pack(pieces, max_words, "\n\n")


def _paragraphs(text: str) -> list[tuple[str, bool]]:
    """``text`` cut at its blank lines, except those inside a block (a fenced code block may hold some);
    each part with whether it must stay whole (it starts with a table, a list or code)."""
    lines = text.splitlines()
    parsed = blocks(text)
    inside = {n for b in parsed for n in range(b.start, b.end - 1)}
    starts = {b.start: b.kind for b in parsed}
    parts: list[tuple[str, bool]] = []
    current: list[int] = []
    for n, line in enumerate([*lines, ""]):
        if line.strip() or n in inside:
            current.append(n)
            continue
        if current:
            kind = next((starts[i] for i in current if i in starts), "paragraph")
            part = "\n".join(lines[i] for i in current).strip()
            parts.append((part, kind in ("table", "list", "code")))
        current = []
    return [(part, whole) for part, whole in parts if part]


def _title_from_name(name: str) -> str:
    stem = Path(name).stem.replace("-", " ").replace("_", " ")
    return stem[:1].upper() + stem[1:]


def _section_chunks(
    source: SourceFile, title: str, number: int, heading: str, body: str, max_words: int
) -> list[Chunk]:
    clauses = tuple(CLAUSE_RE.findall(body))
    asked = asked_lines(body)
    text = _COMMENT_RE.sub("", body).strip()
    return [
        Chunk(
            f"{source.name}#{number}.{i}", source.name, title, heading, part, clauses, asked if i == 0 else ()
        )
        for i, part in enumerate(split_passage(text, max_words))
    ]


def asked_lines(body: str) -> tuple[str, ...]:
    """The non-empty lines of a section's ``<!-- asked: ... -->`` blocks, duplicates dropped."""
    lines = (ln.strip() for block in ASKED_RE.findall(body) for ln in block.splitlines())
    return tuple(dict.fromkeys(ln for ln in lines if ln))


def without_asked(text: str) -> str:
    """``text`` with its ``<!-- asked: ... -->`` blocks removed (clause markers stay)."""
    return ASKED_RE.sub("", text)


def chunk_markdown(source: SourceFile, max_words: int = DEFAULT_MAX_WORDS) -> list[Chunk]:
    lines = source.text.splitlines()
    found = headings(source.text)
    title_heading = next((h for h in found if h.level == 1), None)
    title = title_heading.text if title_heading else _title_from_name(source.name)
    skipped = set(range(title_heading.start, title_heading.end)) if title_heading else set()
    starts = {h.start: h for h in found if h.level == 2}
    sections: list[tuple[str, list[str]]] = [("", [])]
    n = 0
    while n < len(lines):
        if n in starts:
            sections.append((starts[n].text, []))
            n = starts[n].end
            continue
        if n not in skipped:
            sections[-1][1].append(lines[n])
        n += 1
    if len(sections) > 1:
        sections = sections[1:]  # the introduction only summarises the sections
    chunks: list[Chunk] = []
    for number, (heading, body) in enumerate(sections):
        chunks += _section_chunks(source, title, number, heading, "\n".join(body), max_words)
    return chunks


def chunk_plain_text(source: SourceFile, max_words: int = DEFAULT_MAX_WORDS) -> list[Chunk]:
    """A plain-text file: the first line is the title when it is short, the rest is one section."""
    lines = source.text.strip().splitlines()
    title, body = _title_from_name(source.name), source.text
    if len(lines) > 1 and len(lines[0].split()) <= 12 and not lines[1].strip():
        title, body = lines[0].strip(), "\n".join(lines[2:])
    return _section_chunks(source, title, 0, "", body, max_words)


def chunk_document(source: SourceFile, max_words: int = DEFAULT_MAX_WORDS) -> list[Chunk]:
    if source.name.endswith(".txt"):
        return chunk_plain_text(source, max_words)
    return chunk_markdown(source, max_words)


def document_title(source: SourceFile) -> str:
    title = next((h.text for h in headings(source.text) if h.level == 1), None)
    return title or _title_from_name(source.name)
