"""Split policy documents into passages that keep their document title and section heading.

A Markdown document is cut at its ``## `` headings; every chunk carries the ``# `` title and the
section heading, so a hit can be cited as "Returns policy, section 2. Return windows". A section
longer than ``max_words`` is split between paragraphs, and a paragraph that is itself too long is
split between sentences (spaCy's rule-based sentencizer: no model to download). The introduction
above the first ``##`` only summarises the document, so it is indexed only when the document has no
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

from knowledge.wording import normalise_money

# Bump when the chunking changes, so an incremental build re-chunks every document.
CHUNKER_VERSION = "4"  # 2: sentence-level embedding texts with the heading in front; 3, 4: asked lines
DEFAULT_MAX_WORDS = 120
SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt")

CLAUSE_RE = re.compile(r"<!--\s*clause:\s*([\w.]+)\s*-->")
ASKED_RE = re.compile(r"<!--\s*asked:(.*?)-->", re.S)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_TABLE_RULE_RE = re.compile(r"^\|?\s*:?-{3,}")
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
        """The passage's sentences, list items and table rows, as plain text."""
        pieces: list[str] = []
        for para in (p.strip() for p in re.split(r"\n\s*\n", self.text)):
            if para.startswith(("|", "- ", "* ")):
                pieces += [line for line in (plain(ln) for ln in para.splitlines()) if line]
            elif para:
                pieces += [s for s in _SENTENCE_END_RE.split(plain(para)) if s.strip()]
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


def plain(text: str) -> str:
    """Markdown table pipes, rules and emphasis removed; words and numbers kept."""
    lines = []
    for line in text.splitlines():
        if _TABLE_RULE_RE.match(line.strip()):
            continue
        line = line.strip().strip("|").replace(" | ", ": ", 1).replace(" | ", ", ")
        lines.append(line.replace("**", "").removeprefix("- "))
    return "\n".join(lines).strip()


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
    for para in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if not para:
            continue
        is_block = para.startswith(("|", "- ", "* "))  # tables and lists stay whole
        if len(para.split()) > max_words and not is_block:
            pieces.extend(_pack(split_sentences(para), max_words, " "))
        else:
            pieces.append(para)
    return _pack(pieces, max_words, "\n\n")


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
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), _title_from_name(source.name))
    sections: list[tuple[str, list[str]]] = [("", [])]
    title_seen = False
    for line in lines:
        if line.startswith("# ") and not title_seen:
            title_seen = True
            continue
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        else:
            sections[-1][1].append(line)
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
    for line in source.text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return _title_from_name(source.name)
