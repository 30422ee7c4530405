"""Run in the Rasa engine's environment by tests/e2e/test_model_loading.py: load the trained model with
Rasa's own ``RasaModel.load``, then with ``integrations.rasa_engine.model_loading``, and print (JSON) what
each reads in a few messages and what each of the model's policies predicts after each.

``python tests/e2e/model_loading_probe.py MODEL`` from the repository root, with it on PYTHONPATH.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from rasa.core.agent import load_agent
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from integrations.rasa_engine import model_loading

TEXTS = (
    "hello",
    "where is my order SD-10001?",
    "jane.doe@example.com",
    "can I return it?",
    "how long do refunds take?",
    "I want to talk to a person",
    "what's the weather like",
    "thanks, that's all",
)


async def read(model: str) -> dict[str, Any]:
    agent = await load_agent(model_path=model)
    processor = agent.processor
    nodes = processor.graph_runner._instantiated_nodes
    policies = sorted(name for name in nodes if name.startswith("run_") and "Policy" in name)
    model_loading.warm_up(processor)  # both loads have predicted once (TED masks its kernel on first use)
    parses: list[dict[str, Any]] = []
    predictions: dict[str, list[list[float]]] = {name: [] for name in policies}
    for text in TEXTS:
        parsed = await agent.parse_message(text)
        parses.append(
            {
                "intent": parsed["intent"],
                "ranking": parsed["intent_ranking"],
                "entities": [(e["entity"], e["value"], e["start"], e["end"]) for e in parsed["entities"]],
            }
        )
        events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        tracker = DialogueStateTracker.from_events(
            "probe", [*events, UserUttered(text, parse_data=parsed)], slots=agent.domain.slots
        )
        predicted = processor.graph_runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=policies)
        for name in policies:
            predictions[name].append(predicted[name].probabilities)
    return {
        "parses": parses,
        "policies": predictions,
        "models": sorted(name for name, node in nodes.items() if getattr(node._component, "model", None)),
    }


def main(model: str) -> None:
    rasa = asyncio.run(read(model))
    model_loading.install()
    ours = asyncio.run(read(model))
    print(json.dumps({"rasa": rasa, "ours": ours}))


if __name__ == "__main__":
    main(sys.argv[1])
