"""Turn a long tool's output into one progress line; the full output goes to a log file.

    pip install ... 2>&1 | python3 scripts/progress.py pip TOTAL LOG
    rasa train ...  2>&1 | python3 scripts/progress.py rasa-train - LOG

On a terminal the line is redrawn in place; elsewhere (CI logs) a line is printed per step or per tenth of
the way. Standard library only: it runs before any environment exists.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import TextIO

PIP_PACKAGE = re.compile(r"^(?:Collecting|Processing|Requirement already satisfied:) (\S+)")
PIP_INSTALLING = re.compile(r"^Installing collected packages")
# Rasa logs "Starting to train component 'DIETClassifier'"; tqdm draws "Epochs:  45%|..| 45/100"
RASA_COMPONENT = re.compile(r"Starting to train component '(\w+)'")
RASA_EPOCHS = re.compile(r"Epochs:\s+\d+%.*?\|\s*(\d+)/(\d+)")


class Line:
    """One status line: redrawn on a terminal, printed when it changes enough elsewhere."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.last = ""

    def show(self, text: str, milestone: bool = True) -> None:
        if text == self.last:
            return
        self.last = text
        if self.tty:
            self.out.write("\r\033[K" + text)
        elif milestone:
            self.out.write(text + "\n")
        self.out.flush()

    def close(self) -> None:
        if self.tty and self.last:
            self.out.write("\r\033[K")
            self.out.flush()


def records(stream: TextIO) -> Iterator[str]:
    """Lines of ``stream`` split at newlines and carriage returns (progress bars redraw with ``\\r``)."""
    buffer = ""
    while chunk := stream.read(1):
        if chunk in "\r\n":
            if buffer:
                yield buffer
            buffer = ""
        else:
            buffer += chunk
    if buffer:
        yield buffer


def package_name(token: str) -> str:
    """``torch`` from ``torch==2.13.0+cpu`` or from ``/opt/wheels/torch-2.13.0+cpu-cp311-...whl``."""
    if "/" in token:
        return token.rsplit("/", 1)[-1].split("-", 1)[0]
    return re.split(r"[=<>!~@;\[ ]", token, maxsplit=1)[0]


def follow_pip(lines: Iterator[str], total: int, line: Line) -> None:
    done = 0
    for text in lines:
        if found := PIP_PACKAGE.match(text):
            done += 1
            name = package_name(found.group(1))
            step = max(total // 10, 1)
            line.show(f"    {done}/{total} packages: {name}", milestone=done % step == 0 or done == total)
        elif PIP_INSTALLING.match(text):
            line.show(f"    {done}/{total} packages fetched; installing them (a minute or two)")


def follow_rasa_train(lines: Iterator[str], line: Line) -> None:
    component = ""
    for text in lines:
        if found := RASA_COMPONENT.search(text):
            component = found.group(1)
            line.show(f"    training {component}")
        elif (found := RASA_EPOCHS.search(text)) and component:
            done, total = int(found.group(1)), int(found.group(2))
            tenth = max(total // 10, 1)
            line.show(f"    training {component}: epoch {done}/{total}", milestone=done % tenth == 0)


def main() -> None:
    mode, total, log_path = sys.argv[1:4]
    line = Line(sys.stderr)
    sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    with open(log_path, "a", encoding="utf-8", buffering=1) as log:  # line by line: it can be followed

        def logged() -> Iterator[str]:
            for text in records(sys.stdin):
                log.write(text + "\n")
                yield text

        if mode == "pip":
            follow_pip(logged(), int(total), line)
        else:
            follow_rasa_train(logged(), line)
    line.close()


if __name__ == "__main__":
    main()
