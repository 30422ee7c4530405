"""Shopdesk's own NLU pipeline components (config.yml names them by this module's path).

Thin wrappers around pure functions tested in the app's environment:

- ``ShopperTextNormaliser`` (first in the pipeline): the message text through
  ``text_normalisation.normalise`` (styled Unicode letters, full-width forms, look-alike letters,
  invisible characters), so every later component reads plain text.
- ``EntityOverlapFilter`` (after the extractors): one entity per span (``entity_overlap.drop_duplicates``).

Runs in the Rasa engine's environment, with the repository root on PYTHONPATH (scripts/lib.sh sets it for
``rasa train``; the run and test scripts for ``rasa run`` and ``rasa test``).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from integrations.rasa_engine.nlu.entity_overlap import drop_duplicates
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
