"""What the assistant tells the gateway, never the shopper: the one format of a message's ``custom`` payload.

The actions (``actions/``) write it with ``AssistantPayload(...).to_custom()`` into
``dispatcher.utter_message(json_message=...)``; Rasa passes it through as the reply's ``custom``; the gateway
(``integrations/gateway``) reads it back with ``AssistantPayload.from_custom`` and keeps it, off screen, on
the stored bot message. Everything sits under one key, ``SHOPDESK_KEY``, so other custom payloads pass by.

- ``facts``: what the assistant just told the shopper (the escalation record and the agent's summary);
- ``handoff``: the action asks for a person, and why (``Trigger``);
- ``verified_order``: the number of the order the assistant verified and is talking about;
- ``verified_by``: what that verification proved (``rules.proof``): after a postcode the gateway never
  shows the customer's email.

A message from Rasa is not trusted blindly: the reading side keeps what is well formed and drops the rest
(a bad fact, an unknown trigger, a number that is not a string), so a malformed payload never fails a turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from bot.desk.handoff import Fact, Trigger
from bot.orders.rules.proof import Proof

SHOPDESK_KEY = "shopdesk"
# The fact kind of a policy question the documents had no passage for (``actions/policy_answer.py``).
POLICY_UNANSWERED = "policy_unanswered"
# The key of Rasa's reading of the shopper's message in a reply's ``custom``: written inside the Rasa
# server by ``integrations/rasa_engine/nlu_report.py`` (which imports nothing of ``bot/``, so it repeats
# the name; ``tests/unit/test_payload.py`` checks the two agree); kept on the shopper's message under
# ``NLU_DATA_KEY``.
NLU_KEY = "shopdesk_nlu"
NLU_DATA_KEY = "nlu"
INTENT_NAME_LIMIT = 100
FACT_TEXT_LIMIT = 400  # characters of one fact kept for the record
ORDER_NUMBER_LIMIT = 64

_facts = TypeAdapter(Fact)


def fact(kind: str, text: str, score: float | None = None) -> Fact:
    """A fact as it is recorded: on one line, at most ``FACT_TEXT_LIMIT`` characters."""
    return Fact(kind, " ".join(text.split())[:FACT_TEXT_LIMIT], score)


class HandoffRequest(BaseModel):
    """The assistant asks for a person (``actions/handoff.py``)."""

    model_config = ConfigDict(frozen=True)

    trigger: Trigger = Trigger.ASKED


class AssistantPayload(BaseModel):
    model_config = ConfigDict(frozen=True)

    facts: tuple[Fact, ...] = ()
    handoff: HandoffRequest | None = None
    verified_order: str | None = Field(default=None, min_length=1, max_length=ORDER_NUMBER_LIMIT)
    verified_by: Proof | None = None

    @property
    def says_unanswered(self) -> bool:
        """The documents had no passage for the shopper's question."""
        return any(f.kind == POLICY_UNANSWERED for f in self.facts)

    def to_custom(self) -> dict[str, Any]:
        """The ``json_message`` an action sends (only what is set)."""
        body: dict[str, Any] = {}
        if self.facts:
            body["facts"] = [asdict(f) for f in self.facts]
        if self.handoff is not None:
            body["handoff"] = {"trigger": self.handoff.trigger.value}
        if self.verified_order is not None:
            body["verified_order"] = self.verified_order
        if self.verified_by is not None:
            body["verified_by"] = self.verified_by.value
        return {SHOPDESK_KEY: body}

    @classmethod
    def from_custom(cls, custom: object) -> AssistantPayload | None:
        """The payload in a reply's ``custom``; None when it holds none. Malformed parts are dropped."""
        if not isinstance(custom, Mapping):
            return None
        body = custom.get(SHOPDESK_KEY)
        if not isinstance(body, Mapping):
            return None
        return cls(
            facts=_read_facts(body.get("facts")),
            handoff=_read_handoff(body.get("handoff")),
            verified_order=_read_order_number(body.get("verified_order")),
            verified_by=_read_proof(body.get("verified_by")),
        )


class NluReading(BaseModel):
    """What the NLU read in one shopper message: its intent and the confidence. Rasa sends it as a reply
    whose ``custom`` is ``{NLU_KEY: {...}}``; the gateway keeps it on the shopper's message (``to_data``)."""

    model_config = ConfigDict(frozen=True)

    intent: str = Field(min_length=1, max_length=INTENT_NAME_LIMIT)
    confidence: float | None = Field(default=None, ge=0, le=1)

    @classmethod
    def from_custom(cls, custom: object) -> NluReading | None:
        """The reading in a reply's ``custom``; None when it holds none or a malformed one."""
        if not isinstance(custom, Mapping):
            return None
        return cls._read(custom.get(NLU_KEY))

    @classmethod
    def from_data(cls, data: object) -> NluReading | None:
        """The reading kept on a stored shopper message's ``data``, if any."""
        if not isinstance(data, Mapping):
            return None
        return cls._read(data.get(NLU_DATA_KEY))

    @classmethod
    def _read(cls, value: object) -> NluReading | None:
        if not isinstance(value, Mapping):
            return None
        try:
            return cls.model_validate(dict(value))
        except ValidationError:
            return None

    def to_data(self) -> dict[str, Any]:
        return {NLU_DATA_KEY: self.model_dump()}


def _read_facts(value: object) -> tuple[Fact, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return ()
    read: list[Fact] = []
    for item in value:
        try:
            found = _facts.validate_python(item)
        except ValidationError:
            continue
        if found.text.strip():
            read.append(fact(found.kind, found.text, found.score))
    return tuple(read)


def _read_handoff(value: object) -> HandoffRequest | None:
    if not isinstance(value, Mapping):
        return None
    try:
        return HandoffRequest(trigger=Trigger(value.get("trigger") or Trigger.ASKED))
    except (ValueError, TypeError):  # a trigger this gateway does not know: the shopper still gets a person
        return HandoffRequest()


def _read_proof(value: object) -> Proof | None:
    try:
        return Proof(value) if isinstance(value, str) else None
    except ValueError:  # unknown: treated like no proof of the customer
        return None


def _read_order_number(value: object) -> str | None:
    if isinstance(value, str) and 0 < len(value.strip()) <= ORDER_NUMBER_LIMIT:
        return value.strip()
    return None
