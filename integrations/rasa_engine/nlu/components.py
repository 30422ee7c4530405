"""Shopdesk's own NLU pipeline components (config.yml names them by this module's path).

Thin wrappers around pure functions tested in the app's environment:

- ``ShopperTextNormaliser`` (first in the pipeline): the message text through
  ``text_normalisation.normalise`` (styled Unicode letters, full-width forms, look-alike letters,
  invisible characters), so every later component reads plain text.
- ``NearestExampleSearch`` (right after the normaliser): on a background thread, the message's MiniLM
  vector (``sentence_encoder``: the model the policy retrieval uses, on ONNX Runtime) and how near it is to
  the nearest in-scope and out-of-scope training example (``neighbours``), found while the tokenizer, the
  featurizers and DIET read the message. Training copies the exported model files into the trained Rasa
  model, so a model carries its encoder and needs nothing else.
- ``NearestExampleOutOfScope`` (after the classifiers): out of scope when no in-scope training example is
  near, or an out-of-scope one is nearer (``neighbours.looks_out_of_scope``).
- ``EntityOverlapFilter`` (after the extractors): one entity per span (``entity_overlap.drop_duplicates``).

Runs in the Rasa engine's environment, with the repository root on PYTHONPATH (scripts/lib.sh sets it for
``rasa train``; the run and test scripts for ``rasa run`` and ``rasa test``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    METADATA,
    METADATA_INTENT,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from threadpoolctl import threadpool_limits

from integrations.rasa_engine.nlu.entity_overlap import drop_duplicates
from integrations.rasa_engine.nlu.neighbours import (
    Nearness,
    Neighbours,
    example_key,
    known_in_scope,
    looks_out_of_scope,
    typo_variants,
)
from integrations.rasa_engine.nlu.sentence_encoder import FILES, SentenceEncoder
from integrations.rasa_engine.nlu.text_normalisation import normalise


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ShopperTextNormaliser(GraphComponent):  # type: ignore[misc]
    """Rewrites the message text in place, before the tokenizer reads it."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ShopperTextNormaliser:
        return cls()

    @staticmethod
    def _normalise(message: Message, keep_length: bool) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text:
            return
        plain = normalise(text)
        # A training example's entity spans index its text: only a same-length rewrite keeps them right.
        if plain != text and not (keep_length and message.get(ENTITIES) and len(plain) != len(text)):
            message.set(TEXT, plain)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalise(example, keep_length=True)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalise(message, keep_length=False)
        return messages


REPO = Path(__file__).resolve().parents[3]
OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
EXAMPLES_FILE = "examples.npz"  # the training examples' vectors, in scope and out of scope
KNOWN_FILE = "in_scope_texts.json"  # the keys of the in-scope examples (neighbours.known_in_scope)
# Message properties NearestExampleSearch leaves for NearestExampleOutOfScope (not part of the parse output):
NEAREST = "shopdesk_nearest_examples"  # a Future of the message's Nearness (neighbours.py)
KNOWN_EXAMPLE = "shopdesk_known_in_scope"  # True: the text is an in-scope example word for word, not encoded


def _encoder_folder(config: dict[str, Any]) -> Path:
    """``encoder`` from config.yml; a relative folder is taken from the repository root."""
    folder = Path(config["encoder"])
    return folder if folder.is_absolute() else REPO / folder


def _neighbour(example: Message) -> bool:
    """False for the examples of an intent block marked ``metadata: {neighbours: false}`` (DIET still
    learns from them): data/nlu/bitext_half.yml."""
    intent_metadata = (example.get(METADATA) or {}).get(METADATA_INTENT) or {}
    return bool(intent_metadata.get("neighbours", True))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class NearestExampleSearch(GraphComponent):  # type: ignore[misc]
    """How near each message is to the nearest in-scope and out-of-scope training example, in the MiniLM
    sentence space, found on a background thread for ``NearestExampleOutOfScope``.

    Training embeds every intent example (and misspelt copies of the in-scope ones) and stores the vectors,
    with the exported model files, in the trained Rasa model, so a model carries its encoder and needs
    nothing else. Placed right after the normaliser: a message is encoded and compared while the tokenizer,
    the featurizers and DIET read it, instead of after them (a parse took the encoding's ~2 ms and the
    search's ~0.3 ms longer; ONNX Runtime, the tokenizer and numpy release the GIL while they run). A message
    that is an in-scope example word for word ("where is my order", "thanks") is not encoded: it is its own
    nearest example (``neighbours.known_in_scope``); it is marked instead.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "encoder": "var/nlu-encoder",  # written by `python -m knowledge.onnx_export var/nlu-encoder`
            "threads": 1,  # ONNX Runtime's threads per message (Rasa serves several conversations at once)
            "typo_variants": 2,  # misspellings kept beside each in-scope example (neighbours.typo_variants)
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The exported model's key, so a new model retrains instead of reusing Rasa's cache.

        Rasa may ask with a config that lacks the defaults (``rasa train`` failed with ``KeyError: 'encoder'``
        when it reused cached components), so they are filled in here."""
        settings = _encoder_folder({**cls.get_default_config(), **config}) / "encoder.json"
        return hashlib.sha256(settings.read_bytes()).hexdigest() if settings.is_file() else None

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        encoder: SentenceEncoder | None = None,
        neighbours: Neighbours | None = None,
        known: frozenset[str] = frozenset(),
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._encoder = encoder
        self._neighbours = neighbours
        self._known = known
        self._pool: ThreadPoolExecutor | None = None  # started by the first message
        self._pool_pid = 0  # the process that started it: a forked worker starts its own

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NearestExampleSearch:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        source = _encoder_folder(self._config)
        encoder = SentenceEncoder(source, threads=2)  # names the export command when a file is missing
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and _neighbour(m)]
        texts = [m.get(TEXT) for m in examples]
        outside = [m.get(INTENT) == OUT_OF_SCOPE for m in examples]
        for text, out in list(zip(texts, outside, strict=True)):
            if not out:  # misspelt in-scope examples, so a shopper's typo stays near its intent
                variants = typo_variants(text, int(self._config["typo_variants"]))
                texts += variants
                outside += [False] * len(variants)
        vectors = encoder.encode(texts)
        is_out = np.array(outside, dtype=bool)
        with self._model_storage.write_to(self._resource) as folder:
            for name in FILES:
                shutil.copyfile(source / name, folder / name)
            np.savez(folder / EXAMPLES_FILE, in_scope=vectors[~is_out], out_of_scope=vectors[is_out])
            known = known_in_scope(
                [t for t, out in zip(texts, outside, strict=True) if not out],
                [t for t, out in zip(texts, outside, strict=True) if out],
            )
            (folder / KNOWN_FILE).write_text(json.dumps(sorted(known)), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NearestExampleSearch:
        # numpy's BLAS on one thread in this process: the search's product is small (one vector against a few
        # thousand), and an OpenBLAS worker spinning idle after each one took most of a core (CPU per parse
        # 14 -> 10 ms with no slower parse; README, "NLU"). Nothing else Rasa runs at inference uses it.
        threadpool_limits(limits=1, user_api="blas")
        with model_storage.read_from(resource) as folder:
            encoder = SentenceEncoder(Path(folder), threads=int(config["threads"]))
            with np.load(Path(folder) / EXAMPLES_FILE) as stored:
                neighbours = Neighbours(stored["in_scope"], stored["out_of_scope"])
            known = frozenset(json.loads((Path(folder) / KNOWN_FILE).read_text(encoding="utf-8")))
        return cls(config, model_storage, resource, encoder, neighbours, known)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # nothing to add: the examples' vectors are this component's own

    def process(self, messages: list[Message]) -> list[Message]:
        if self._encoder is None or self._neighbours is None:
            raise RuntimeError("NearestExampleSearch used before it was trained or loaded")
        if self._pool is None or self._pool_pid != os.getpid():
            # One thread per process (Rasa reads one message at a time). A pool inherited through fork has
            # no thread in this process and would never finish a search: each process starts its own.
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nearest-examples")
            self._pool_pid = os.getpid()
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            if example_key(text) in self._known:
                message.set(KNOWN_EXAMPLE, True)
            else:
                message.set(NEAREST, self._pool.submit(self._nearness, text))
        return messages

    def _nearness(self, text: str) -> Nearness:
        assert self._encoder is not None and self._neighbours is not None
        best_in, best_out = self._neighbours.nearest(self._encoder.encode([text]))
        return Nearness(float(best_in[0]), float(best_out[0]))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NearestExampleOutOfScope(GraphComponent):  # type: ignore[misc]
    """Turns the intent into ``out_of_scope`` when the nearest training examples say so (``neighbours``),
    from what ``NearestExampleSearch`` found earlier in the pipeline.

    A message carrying an order number, an email or a postcode is about an order and keeps its intent, and
    a message the FallbackClassifier could not place stays ``nlu_fallback`` (the assistant says it did not
    understand, and offers a person after two). A message that is an in-scope example word for word ("where
    is my order", "thanks") keeps its intent, as the check would keep it. An out-of-scope message passes on
    no ``product`` entity: the item of a catalogue question is not one the shopper bought.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "threshold": 0.45,  # no in-scope example at least this near (cosine): out of scope
            "margin": 0.0,  # an out-of-scope example nearer than every in-scope one by more: out of scope
            "keep_with_entities": ["order_number", "email", "postcode"],
            "drop_when_out_of_scope": ["product"],  # entities an out-of-scope message does not pass on
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NearestExampleOutOfScope:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            pending = message.get(NEAREST)
            if self._needs_check(message) and self._near_no_in_scope_example(pending):
                ranking = [
                    r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != OUT_OF_SCOPE
                ]
                chosen = {INTENT_NAME_KEY: OUT_OF_SCOPE, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, chosen, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)
            elif pending is not None:
                pending.cancel()  # not needed: skipped if it has not started yet
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == OUT_OF_SCOPE and message.get(ENTITIES):
                # "do you sell blue jeans?" names no item of the shopper's: the product slot keeps its item
                dropped = set(self._config["drop_when_out_of_scope"])
                kept = [e for e in message.get(ENTITIES) if e.get("entity") not in dropped]
                message.set(ENTITIES, kept, add_to_output=True)
        return messages

    def _needs_check(self, message: Message) -> bool:
        text, intent = message.get(TEXT), message.get(INTENT)
        # "I didn't understand" (the FallbackClassifier's nlu_fallback) stays what it is
        if not text or not intent or intent.get(INTENT_NAME_KEY) in (OUT_OF_SCOPE, FALLBACK):
            return False
        keep = set(self._config["keep_with_entities"])
        if any(e.get("entity") in keep for e in message.get(ENTITIES) or []):
            return False
        return not message.get(KNOWN_EXAMPLE)  # an example is nearest to itself: in scope

    def _near_no_in_scope_example(self, pending: Future[Nearness] | None) -> bool:
        if pending is None:
            raise RuntimeError(
                "NearestExampleOutOfScope needs NearestExampleSearch earlier in the pipeline (config.yml)"
            )
        nearest = pending.result()
        threshold, margin = float(self._config["threshold"]), float(self._config["margin"])
        return looks_out_of_scope(nearest.in_scope, nearest.out_of_scope, threshold, margin)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityOverlapFilter(GraphComponent):  # type: ignore[misc]
    """Drops an entity another extractor found where the regex extractor found the same entity."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityOverlapFilter:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES)
            if entities:
                message.set(ENTITIES, drop_duplicates(entities), add_to_output=True)
        return messages
