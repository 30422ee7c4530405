"""Chunking keeps each passage's document title and section heading, and skips unusable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.chunking import (
    Chunk,
    DocumentError,
    chunk_document,
    read_document,
    split_passage,
)
from knowledge.index import scan_documents

DOC = """# Returns policy

How to return things.

## 1. Starting a return

Start a return from your account.

## 2. Return windows
<!-- clause: returns.window -->

You can return most items within 30 days of delivery.
"""


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_each_chunk_keeps_the_document_title_and_its_section_heading(tmp_path: Path) -> None:
    chunks = chunk_document(read_document(_write(tmp_path, "returns.md", DOC)))
    assert [(c.doc_title, c.section) for c in chunks] == [
        ("Returns policy", "1. Starting a return"),
        ("Returns policy", "2. Return windows"),
    ]
    assert chunks[1].source == "Returns policy, section 2. Return windows"
    assert chunks[1].text == "You can return most items within 30 days of delivery."


def test_clause_comments_are_attached_to_their_section_and_removed_from_the_text(tmp_path: Path) -> None:
    chunks = chunk_document(read_document(_write(tmp_path, "returns.md", DOC)))
    assert chunks[0].clauses == ()
    assert chunks[1].clauses == ("returns.window",)
    assert "<!--" not in chunks[1].text


def test_a_long_section_is_split_into_parts_that_all_keep_the_heading(tmp_path: Path) -> None:
    paragraphs = "\n\n".join(f"Paragraph {i} " + "word " * 50 + "ends here." for i in range(5))
    doc = f"# Delivery policy\n\n## 3. Tracking your parcel\n\n{paragraphs}\n"
    chunks = chunk_document(read_document(_write(tmp_path, "shipping.md", doc)), max_words=120)
    assert len(chunks) == 3
    assert {c.section for c in chunks} == {"3. Tracking your parcel"}
    assert all(len(c.text.split()) <= 120 for c in chunks)
    assert len({c.id for c in chunks}) == 3


def test_a_single_long_paragraph_is_split_between_sentences() -> None:
    paragraph = " ".join(f"Sentence number {i} says something about parcels." for i in range(40))
    parts = split_passage(paragraph, max_words=60)
    assert len(parts) > 1
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts) == paragraph


def test_a_plain_text_file_becomes_a_titled_document(tmp_path: Path) -> None:
    path = _write(tmp_path, "faq.txt", "Store FAQ\n\nWe are an online shop only.\n")
    (chunk,) = chunk_document(read_document(path))
    assert (chunk.doc_title, chunk.text) == ("Store FAQ", "We are an online shop only.")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", "", "empty"),
        ("blank.md", "   \n\n", "empty"),
        ("comment-only.md", "<!-- clause: x -->\n", "no text"),
        ("latin1.md", "Caf\xe9 returns".encode("latin-1"), "not UTF-8"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_unusable_files_raise_a_document_error(
    tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    with pytest.raises(DocumentError, match=reason):
        read_document(_write(tmp_path, name, content))


def test_scanning_a_folder_reports_and_skips_bad_files_and_keeps_the_good_ones(tmp_path: Path) -> None:
    _write(tmp_path, "returns.md", DOC)
    _write(tmp_path, "empty.md", "")
    _write(tmp_path, "broken.md", b"\xff\xfe\x00garbage")
    _write(tmp_path, "photo.png", b"\x89PNG")
    sources, skipped = scan_documents(tmp_path)
    assert [s.name for s in sources] == ["returns.md"]
    assert {s.file: s.reason.split()[0] for s in skipped} == {
        "broken.md": "binary",
        "empty.md": "empty",
        "photo.png": "unsupported",
    }


def test_a_passage_is_embedded_whole_and_sentence_by_sentence_with_its_heading(tmp_path: Path) -> None:
    doc = DOC.replace("within 30 days of delivery.", "within 30 days of delivery. Electronics have 14 days.")
    chunk = chunk_document(read_document(_write(tmp_path, "returns.md", doc)))[1]
    assert chunk.embedding_texts() == [
        chunk.search_text(),
        "Returns policy — Return windows: You can return most items within 30 days of delivery.",
        "Returns policy — Return windows: Electronics have 14 days.",
    ]
    assert chunk.text == "You can return most items within 30 days of delivery. Electronics have 14 days."


def test_a_one_sentence_passage_is_embedded_once(tmp_path: Path) -> None:
    chunk = chunk_document(read_document(_write(tmp_path, "returns.md", DOC)))[0]
    assert chunk.embedding_texts() == [chunk.search_text()]


ASKED_DOC = DOC.replace(
    "<!-- clause: returns.window -->\n",
    "<!-- clause: returns.window -->\n<!-- asked:\nhow long do i have to send it back\n\n"
    "got it 3 weeks ago too late?\nhow long do i have to send it back\n-->\n",
)


def test_asked_lines_are_embedded_after_the_passage_and_never_shown(tmp_path: Path) -> None:
    chunks = chunk_document(read_document(_write(tmp_path, "returns.md", ASKED_DOC)))
    window = chunks[1]
    assert window.asked == ("how long do i have to send it back", "got it 3 weeks ago too late?")
    assert window.embedding_texts() == [*window.passage_texts(), *window.asked]
    assert window.text == "You can return most items within 30 days of delivery."
    assert "asked" not in window.search_text() and "3 weeks" not in window.search_text()
    assert window.clauses == ("returns.window",)
    assert chunks[0].asked == ()


def test_asked_lines_are_embedded_in_the_documents_words(tmp_path: Path) -> None:
    doc = ASKED_DOC.replace("got it 3 weeks ago too late?", "do i pay postage on a 20 quid order")
    window = chunk_document(read_document(_write(tmp_path, "returns.md", doc)))[1]
    assert window.asked[1] == "do i pay postage on a 20 quid order"  # kept as the shop wrote it
    assert window.embedding_texts()[-1] == "do i pay postage on a £20 order"  # postage: its section's sense


def test_asked_lines_go_with_the_first_passage_of_a_long_section(tmp_path: Path) -> None:
    long_body = "\n\n".join(f"Paragraph {i} says something about returns." for i in range(40))
    doc = ASKED_DOC.replace("You can return most items within 30 days of delivery.", long_body)
    parts = [c for c in chunk_document(read_document(_write(tmp_path, "returns.md", doc))) if c.section]
    window = [c for c in parts if c.section == "2. Return windows"]
    assert len(window) > 1
    assert window[0].asked and all(not c.asked for c in window[1:])


def test_asked_lines_survive_the_index_round_trip(tmp_path: Path) -> None:
    chunk = chunk_document(read_document(_write(tmp_path, "returns.md", ASKED_DOC)))[1]
    assert Chunk.from_json(chunk.to_json()) == chunk


SHOP_DOC = """Sizes and care
==============

Intro.

## 1. Size guide ##

Measure yourself, then see the [size chart](https://shop.example/sizes). Use `FIT10` for 10% off.

| Size | Chest |
|---|---|
| **S** | 86–91 cm |

- Wash at 30°C.
- Do not tumble dry.

```text
## not a heading

still the code block
```

## 2. Exchanges
Write to us.
"""


def test_a_shops_own_markdown_is_cut_at_its_real_headings(tmp_path: Path) -> None:
    chunks = chunk_document(read_document(_write(tmp_path, "care.md", SHOP_DOC)))
    assert [(c.doc_title, c.section) for c in chunks] == [
        ("Sizes and care", "1. Size guide"),
        ("Sizes and care", "2. Exchanges"),
    ]
    assert "```text\n## not a heading\n\nstill the code block\n```" in chunks[0].text


def test_links_code_tables_and_lists_are_embedded_as_their_words(tmp_path: Path) -> None:
    guide = chunk_document(read_document(_write(tmp_path, "care.md", SHOP_DOC)))[0]
    assert guide.units() == [
        "Measure yourself, then see the size chart (https://shop.example/sizes).",
        "Use FIT10 for 10% off.",
        "Size: Chest",
        "S: 86–91 cm",
        "Wash at 30°C.",
        "Do not tumble dry.",
        "## not a heading",
        "still the code block",
    ]
    assert "**" not in guide.search_text() and "|" not in guide.search_text()


def test_a_code_block_with_blank_lines_is_never_split(tmp_path: Path) -> None:
    code = "```\n" + "\n\n".join(f"line {i} " + "word " * 30 for i in range(6)) + "\n```"
    parts = split_passage(f"Before.\n\n{code}\n\nAfter.", max_words=60)
    assert code in parts[1] and parts[0] == "Before." and parts[-1].endswith("After.")
