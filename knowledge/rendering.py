"""A passage's own words laid out for a chat bubble: no Markdown markup reaches a shopper.

Chat windows (the web widget, Telegram) show text as it is, so a Markdown table would arrive as pipes and
dashes. ``for_chat`` keeps every word of the passage and only changes the layout:

- a table row becomes one line: its first cell, then each other cell after its column heading
  ("Standard delivery — cost: £3.95; free delivery: Free on orders over £50.00"); with two columns just
  "Electronics: 12 months". The heading row and the rule under it are dropped, since every line carries
  them;
- list items start with "• " (numbered items keep their number);
- ``**bold**``, ``*emphasis*`` and ``code`` markers are removed; a link reads "text (url)";
- a heading or a fenced code block is shown as its text.

Markdown is parsed by markdown-it-py (``knowledge.markdown``). Blocks a blank line separates stay
separated by one (Rasa sends each as its own message).
"""

from __future__ import annotations

from knowledge.markdown import Block, blocks, joined


def _table(rows: list[list[str]]) -> list[str]:
    if len(rows) < 2:
        return [", ".join(cell for cell in row if cell) for row in rows]
    heading, body = rows[0], rows[1:]
    out = []
    for row in body:
        if len(row) == 2:
            out.append(f"{row[0]}: {row[1]}")
            continue
        rest = "; ".join(
            f"{head[:1].lower() + head[1:]}: {cell}" if head else cell
            for head, cell in zip(heading[1:], row[1:], strict=False)
            if cell
        )
        out.append(f"{row[0]} — {rest}" if rest else row[0])
    return out


def _render(block: Block) -> str:
    if block.kind == "table":
        return "\n".join(_table(block.rows))
    if block.kind == "list" and not block.ordered:
        return "\n".join(
            item[: len(item) - len(item.lstrip())] + "• " + item.lstrip() for item in block.lines
        )
    return block.text()


def for_chat(markdown: str) -> str:
    """``markdown`` (a passage of the policy documents) as plain chat text with the same words."""
    return joined([(block, _render(block)) for block in blocks(markdown.strip())])
