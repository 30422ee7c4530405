"""Out of scope by the nearest training examples, in the MiniLM sentence space: pure numpy, no Rasa.

DIET separates our intents well but has to put a message that resembles none of them somewhere, and it
often picks an intent (CLINC150's general questions and shoppers' product and price questions were read as
policy questions or order requests). The retrieval's sentence model knows what text means beyond our
words: a message is out of scope when no in-scope training example is near it (cosine below
``threshold``), or when an out-of-scope example is nearer than every in-scope one by more than ``margin``.

The two numbers were chosen on data the bench never scores (CLINC150's validation split and the Bitext
training pool's unused part; see bench/nlu/README figures), not on the noisy shopper set or the test sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Nearness(NamedTuple):
    """How near one message is to the training examples: the best cosine with each kind."""

    in_scope: float
    out_of_scope: float


@dataclass(frozen=True)
class Neighbours:
    """The unit vectors of the training examples, split into in scope and out of scope."""

    in_scope: Vectors
    out_of_scope: Vectors

    def nearest(self, vectors: Vectors) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """For each row of ``vectors``: (best cosine with an in-scope example, with an out-of-scope one)."""

        def best(examples: Vectors) -> npt.NDArray[np.float64]:
            if not len(examples):
                return np.full(len(vectors), -1.0)
            return np.asarray((vectors @ examples.T).max(axis=1), dtype=np.float64)

        return best(self.in_scope), best(self.out_of_scope)


def example_key(text: str) -> str:
    """The text as the sentence model reads it, for exact matches: its uncased tokenizer lower-cases and
    splits at white space, so texts with the same key get the same vector."""
    return " ".join(text.lower().split())


def known_in_scope(in_scope: list[str], out_of_scope: list[str]) -> frozenset[str]:
    """The keys of in-scope texts no out-of-scope example shares. A message with one of these keys is
    nearest to itself (cosine 1), so the check would keep its intent: it needs no encoding."""
    return frozenset(map(example_key, in_scope)) - frozenset(map(example_key, out_of_scope))


def looks_out_of_scope(best_in: float, best_out: float, threshold: float, margin: float) -> bool:
    """No in-scope example is near, or an out-of-scope one is clearly nearer."""
    return best_in < threshold or best_out - best_in > margin


def typo_variants(text: str, count: int, seed: int = 13) -> list[str]:
    """``count`` misspellings of ``text`` as shoppers type them: a letter dropped, two swapped or one
    doubled, at a seeded position in a word of four letters or more (the same variants every training).
    MiniLM's word pieces take a misspelt word far from the right one, so the nearest-example check keeps
    these beside each in-scope example: "cansel my ordr" is near "cancel my order" again."""
    import random

    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long_words:
        return []
    rng = random.Random(f"{seed}:{text}")
    variants: list[str] = []
    for _ in range(count):
        i = rng.choice(long_words)
        word, at = words[i], rng.randrange(1, len(words[i]) - 1)
        edit = rng.choice(("drop", "swap", "double"))
        if edit == "drop":
            word = word[:at] + word[at + 1 :]
        elif edit == "swap":
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        else:
            word = word[:at] + word[at] + word[at:]
        variant = " ".join([*words[:i], word, *words[i + 1 :]])
        if variant != text and variant not in variants:
            variants.append(variant)
    return variants
