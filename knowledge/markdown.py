"""A policy document's Markdown, read by markdown-it-py (CommonMark with tables): the one parser behind
chunking (``knowledge.chunking``) and chat rendering (``knowledge.rendering``).

``blocks`` turns Markdown into the top-level blocks a reader sees, each with its words as plain text:
emphasis markers, escapes and HTML comments gone, inline code kept as its text, a link as
"text (url)" so the address survives in a chat window that shows no links. A block also keeps the source
lines it came from, so callers can tell blocks a blank line separates from blocks written one under the
other. ``headings`` gives the headings with their source lines, for cutting a document into sections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

Kind = Literal["heading", "paragraph", "list", "table", "code"]


@dataclass(frozen=True)
class Block:
    kind: Kind
    # heading/paragraph: its lines; list: its items ("1. " before an ordered item's text); code: its lines;
    # table: one tab-joined line per row, the heading row first (see ``rows``)
    lines: tuple[str, ...]
    start: int  # first source line (0-based)
    end: int  # the line after its last non-blank one
    ordered: bool = False  # list: numbered items

    @property
    def rows(self) -> list[list[str]]:
        """A table's cells, row by row (the heading row first)."""
        return [line.split("\t") for line in self.lines]

    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    start: int  # source lines [start, end)
    end: int


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _tokens(markdown: str) -> list[Token]:
    return _parser().parse(markdown)


def inline_text(token: Token) -> str:
    """An inline token's words: markup removed, code as its text, a link as "text (url)"."""
    out: list[str] = []
    links: list[tuple[str, int]] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            out.append(inline_text(child) or child.content)
        elif child.type == "link_open":
            links.append((str(child.attrGet("href") or ""), len(out)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            words = "".join(out[start:]).strip()
            if href and href not in (words, f"mailto:{words}"):
                out.append(f" ({href})" if words else href)
    return "".join(out)


def _span(token: Token) -> tuple[int, int]:
    start, end = token.map or (0, 0)
    return start, end


def _inlines(tokens: Sequence[Token]) -> list[str]:
    return [inline_text(t) for t in tokens if t.type == "inline"]


def _closing(tokens: Sequence[Token], i: int) -> int:
    """The index of the token that closes the one opened at ``i``."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _list_items(tokens: Sequence[Token], ordered: bool) -> list[str]:
    """Each item's text; a nested list's items follow their parent's, indented by two spaces."""
    items: list[tuple[str, list[str]]] = []  # (prefix, the item's paragraphs)
    depth = 1
    number = 0
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open":
            number = int(token.info) if token.info.isdigit() else number + 1
            numbered = ordered and depth == 1
            items.append(("  " * (depth - 1) + (f"{number}. " if numbered else ""), []))
        elif token.type == "inline" and items:
            items[-1][1].append(inline_text(token))
    return [prefix + " ".join(texts) for prefix, texts in items]


def _table_rows(tokens: Sequence[Token]) -> list[str]:
    rows: list[list[str]] = []
    for token in tokens:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append(inline_text(token).strip())
    return ["\t".join(row) for row in rows]


def blocks(markdown: str) -> list[Block]:
    """The document's top-level blocks in order; HTML (comments included) and rules are left out."""
    tokens = _tokens(markdown)
    source = markdown.splitlines()
    out: list[Block] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        end = _closing(tokens, i) if token.nesting == 1 else i
        inner = tokens[i + 1 : end]
        start, stop = _span(token)
        while stop > start + 1 and not source[stop - 1].strip():  # a list's span takes in the blank after it
            stop -= 1
        if token.type == "heading_open":
            out.append(Block("heading", tuple(_inlines(inner)), start, stop))
        elif token.type == "paragraph_open":
            out.append(Block("paragraph", tuple("\n".join(_inlines(inner)).split("\n")), start, stop))
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            ordered = token.type == "ordered_list_open"
            out.append(Block("list", tuple(_list_items(inner, ordered)), start, stop, ordered))
        elif token.type == "table_open":
            out.append(Block("table", tuple(_table_rows(inner)), start, stop))
        elif token.type in ("fence", "code_block"):
            out.append(Block("code", tuple(token.content.rstrip("\n").split("\n")), start, stop))
        elif token.type == "blockquote_open":
            # a quotation reads as its paragraphs
            text = "\n".join(_inlines(inner))
            out.append(Block("paragraph", tuple(text.split("\n")), start, stop))
        i = end + 1
    return out


def headings(markdown: str) -> list[Heading]:
    """Every top-level heading (ATX ``## x`` or setext), with its level and source lines."""
    tokens = _tokens(markdown)
    return [
        Heading(int(t.tag[1:]), inline_text(tokens[i + 1]).strip(), *_span(t))
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.level == 0
    ]


def joined(parts: Sequence[tuple[Block, str]]) -> str:
    """Rendered blocks as one text: a blank line between blocks the source separates by one, a line
    break between blocks written one under the other (a list straight under its lead-in sentence)."""
    text = ""
    previous: Block | None = None
    for block, rendered in parts:
        if previous is not None:
            text += "\n\n" if block.start > previous.end else "\n"
        text += rendered
        previous = block
    return text
