"""A passage's own words laid out for a chat bubble: no Markdown markup reaches a shopper.

Chat windows (the web widget, Telegram) show text as it is, so a Markdown table would arrive as pipes and
dashes. ``for_chat`` keeps every word of the passage and only changes the layout:

- a table row becomes one line: its first cell, then each other cell after its column heading
  ("Standard delivery — cost: £3.95; free delivery: Free on orders over £50.00"); with two columns just
  "Electronics: 12 months". The heading row and the rule under it are dropped, since every line carries
  them;
- list items start with "• ";
- ``**bold**`` and ``*emphasis*`` markers are removed.

Paragraphs stay separated by a blank line (Rasa sends each as its own message).
"""

from __future__ import annotations

import re

_RULE_RE = re.compile(r"^\|?\s*:?-{3,}")
_EMPHASIS_RE = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table(lines: list[str]) -> list[str]:
    rows = [_cells(line) for line in lines if not _RULE_RE.match(line.strip())]
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


def _unemphasise(text: str) -> str:
    return _EMPHASIS_RE.sub(lambda m: m.group(2) or m.group(3), text)


def for_chat(markdown: str) -> str:
    """``markdown`` (a passage of the policy documents) as plain chat text with the same words."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.lstrip().startswith("|") for line in lines):
            lines = _table(lines)
        else:
            lines = [
                "• " + line.lstrip()[2:] if line.lstrip().startswith(("- ", "* ")) else line for line in lines
            ]
        paragraphs.append("\n".join(_unemphasise(line) for line in lines))
    return "\n\n".join(paragraphs)
