"""Hooks through which the application times retrieval's steps; knowledge/ itself records nothing.

The retriever calls ``observe(step, seconds)`` after each step of a question (``"bm25"``, ``"embedding"``:
the query's vector, ``"faiss"``: the nearest vectors). The action server passes a function that feeds its
Prometheus histograms; benchmarks and tests pass none.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

StepObserver = Callable[[str, float], None]


def ignore(step: str, seconds: float) -> None:
    """The observer when nobody listens."""


@contextmanager
def timed(observe: StepObserver, step: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        observe(step, time.perf_counter() - started)
