"""Shopdesk's own NLU pipeline components (config.yml names them by this module's path).

Thin wrappers around pure functions tested in the app's environment:

- ``ShopperTextNormaliser`` (first in the pipeline): the message text through
  ``text_normalisation.normalise`` (styled Unicode letters, full-width forms, look-alike letters,
  invisible characters), so every later component reads plain text.
- ``SentenceEncodingAhead`` (right after the normaliser): starts encoding the message with MiniLM
  (``sentence_encoder``: the model the policy retrieval uses, on ONNX Runtime) on a background thread, so
  the encoding runs while the tokenizer, the featurizers and DIET read the message. Training copies the
  exported model files into the trained Rasa model, so a model carries its encoder and needs nothing else.
- ``NearestExampleOutOfScope`` (after the classifiers): out of scope when the message's MiniLM vector is
  near no in-scope training example, or nearer an out-of-scope one (``neighbours``).
- ``EntityOverlapFilter`` (after the extractors): one entity per span (``entity_overlap.drop_duplicates``).

Runs in the Rasa engine's environment, with the repository root on PYTHONPATH (scripts/lib.sh sets it for
``rasa train``; the run and test scripts for ``rasa run`` and ``rasa test``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from concurrent.futures import Future
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

from integrations.rasa_engine.nlu.entity_overlap import drop_duplicates
from integrations.rasa_engine.nlu.neighbours import (
    Neighbours,
    example_key,
    known_in_scope,
    looks_out_of_scope,
    typo_variants,
)
from integrations.rasa_engine.nlu.sentence_encoder import (
    FILES,
    EncodingAhead,
    SentenceEncoder,
    require_export,
)
from integrations.rasa_engine.nlu.text_normalisation import normalise
from knowledge.onnx_runner import Vectors


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
KNOWN_FILE = "in_scope_texts.json"  # the keys of the in-scope examples (neighbours.known_in_scope)
# Message properties SentenceEncodingAhead leaves for NearestExampleOutOfScope (not part of the parse output):
SENTENCE_VECTOR = "shopdesk_sentence_vector"  # a Future of the text's MiniLM vector, one row
KNOWN_EXAMPLE = "shopdesk_known_in_scope"  # True: the text is an in-scope example word for word, not encoded
ENCODER_DEFAULTS: dict[str, Any] = {
    "encoder": "var/nlu-encoder",  # written by `python -m knowledge.onnx_export var/nlu-encoder`
}


def _encoder_folder(config: dict[str, Any]) -> Path:
    """``encoder`` from config.yml; a relative folder is taken from the repository root."""
    folder = Path(config["encoder"])
    return folder if folder.is_absolute() else REPO / folder


def _encoder_key(config: dict[str, Any]) -> str | None:
    """The exported model's key, so a new model retrains instead of reusing Rasa's cache.

    Rasa may ask with a config that lacks the defaults (``rasa train`` failed with ``KeyError: 'encoder'``
    when it reused cached components), so they are filled in here."""
    settings = _encoder_folder({**ENCODER_DEFAULTS, **config}) / "encoder.json"
    return hashlib.sha256(settings.read_bytes()).hexdigest() if settings.is_file() else None


def _neighbour(example: Message) -> bool:
    """False for the examples of an intent block marked ``metadata: {neighbours: false}`` (DIET still
    learns from them): data/nlu/bitext_half.yml."""
    intent_metadata = (example.get(METADATA) or {}).get(METADATA_INTENT) or {}
    return bool(intent_metadata.get("neighbours", True))


def _neighbour_examples(training_data: TrainingData) -> tuple[list[str], list[bool]]:
    """The texts the out-of-scope check compares with, and which of them are out of scope."""
    examples = [m for m in training_data.intent_examples if m.get(TEXT) and _neighbour(m)]
    return [m.get(TEXT) for m in examples], [m.get(INTENT) == OUT_OF_SCOPE for m in examples]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceEncodingAhead(GraphComponent):  # type: ignore[misc]
    """Starts each message's MiniLM encoding on a background thread, for ``NearestExampleOutOfScope``.

    Placed right after the normaliser: the vector is computed while the tokenizer, the featurizers and DIET
    read the message, instead of after them (a parse took the encoding's ~2 ms longer). A message that is an
    in-scope example word for word ("where is my order", "thanks") is not encoded: it is its own nearest
    example, so the check keeps its intent (``neighbours.known_in_scope``); it is marked instead.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **ENCODER_DEFAULTS,
            "threads": 1,  # ONNX Runtime's threads per message (Rasa serves several conversations at once)
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return _encoder_key(config)

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        config: dict[str, Any],
        ahead: EncodingAhead | None = None,
        known: frozenset[str] = frozenset(),
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._config = config
        self._ahead = ahead
        self._known = known

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncodingAhead:
        return cls(model_storage, resource, config)

    def train(self, training_data: TrainingData) -> Resource:
        source = _encoder_folder(self._config)
        require_export(source)
        texts, outside = _neighbour_examples(training_data)
        known = known_in_scope(
            [t for t, out in zip(texts, outside, strict=True) if not out],
            [t for t, out in zip(texts, outside, strict=True) if out],
        )
        with self._model_storage.write_to(self._resource) as folder:
            for name in FILES:
                shutil.copyfile(source / name, folder / name)
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
    ) -> SentenceEncodingAhead:
        with model_storage.read_from(resource) as folder:
            encoder = SentenceEncoder(Path(folder), threads=int(config["threads"]))
            known = frozenset(json.loads((Path(folder) / KNOWN_FILE).read_text(encoding="utf-8")))
        return cls(model_storage, resource, config, EncodingAhead(encoder), known)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # the training examples are encoded by NearestExampleOutOfScope.train

    def process(self, messages: list[Message]) -> list[Message]:
        if self._ahead is None:
            raise RuntimeError("SentenceEncodingAhead used before it was trained or loaded")
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            if example_key(text) in self._known:
                message.set(KNOWN_EXAMPLE, True)
            else:
                message.set(SENTENCE_VECTOR, self._ahead.start(text))
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NearestExampleOutOfScope(GraphComponent):  # type: ignore[misc]
    """Turns the intent into ``out_of_scope`` when the nearest training examples say so (``neighbours``).

    Training embeds every intent example with the MiniLM model and stores the vectors in the trained Rasa
    model; a message's vector is the one ``SentenceEncodingAhead`` started computing earlier in the
    pipeline. A message carrying an order number, an email or a postcode is about an order and keeps its
    intent, and a message the FallbackClassifier could not place stays ``nlu_fallback`` (the assistant says
    it did not understand, and offers a person after two). A message that is an in-scope example word for
    word ("where is my order", "thanks") keeps its intent, as the check would keep it. An out-of-scope
    message passes on no ``product`` entity: the item of a catalogue question is not one the shopper bought.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **ENCODER_DEFAULTS,  # encodes the training examples (a message comes encoded)
            "threshold": 0.45,  # no in-scope example at least this near (cosine): out of scope
            "margin": 0.0,  # an out-of-scope example nearer than every in-scope one by more: out of scope
            "typo_variants": 2,  # misspellings kept beside each in-scope example (neighbours.typo_variants)
            "keep_with_entities": ["order_number", "email", "postcode"],
            "drop_when_out_of_scope": ["product"],  # entities an out-of-scope message does not pass on
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return _encoder_key(config)

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        neighbours: Neighbours | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._neighbours = neighbours

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NearestExampleOutOfScope:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        encoder = SentenceEncoder(_encoder_folder(self._config), threads=2)
        texts, outside = _neighbour_examples(training_data)
        for text, out in list(zip(texts, outside, strict=True)):
            if not out:  # misspelt in-scope examples, so a shopper's typo stays near its intent
                variants = typo_variants(text, int(self._config["typo_variants"]))
                texts += variants
                outside += [False] * len(variants)
        vectors = encoder.encode(texts)
        is_out = np.array(outside, dtype=bool)
        with self._model_storage.write_to(self._resource) as folder:
            np.savez(folder / "examples.npz", in_scope=vectors[~is_out], out_of_scope=vectors[is_out])
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NearestExampleOutOfScope:
        with model_storage.read_from(resource) as folder, np.load(Path(folder) / "examples.npz") as stored:
            neighbours = Neighbours(stored["in_scope"], stored["out_of_scope"])
        return cls(config, model_storage, resource, neighbours)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._neighbours is None:
            raise RuntimeError("NearestExampleOutOfScope used before it was trained or loaded")
        for message in messages:
            pending = message.get(SENTENCE_VECTOR)
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

    def _near_no_in_scope_example(self, pending: Future[Vectors] | None) -> bool:
        assert self._neighbours is not None
        if pending is None:
            raise RuntimeError(
                "NearestExampleOutOfScope needs SentenceEncodingAhead earlier in the pipeline (config.yml)"
            )
        best_in, best_out = self._neighbours.nearest(pending.result())
        threshold, margin = float(self._config["threshold"]), float(self._config["margin"])
        return looks_out_of_scope(float(best_in[0]), float(best_out[0]), threshold, margin)


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
