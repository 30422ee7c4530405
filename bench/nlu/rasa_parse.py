"""Parse a batch of texts with a trained Rasa model.

Runs *inside the Rasa venv* (the engine's own interpreter); `run.py` calls it as a subprocess:

    <rasa-venv>/bin/python bench/nlu/rasa_parse.py MODEL.tar.gz IN.json OUT.json

IN.json is a JSON list of strings; OUT.json receives one dict per text with the predicted intent,
its confidence, the top of the ranking, the entities and the seconds the parse took. Loading the
model once and parsing in process is much faster than one HTTP request per text through
`rasa run --enable-api`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


async def _parse_all(model_path: str, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    out = []
    for text in texts:
        started = time.perf_counter()
        result = await agent.parse_message(text)
        elapsed = time.perf_counter() - started
        out.append(
            {
                "intent": result["intent"]["name"],
                "confidence": result["intent"].get("confidence"),
                "ranking": [[r["name"], r["confidence"]] for r in result.get("intent_ranking", [])[:5]],
                "entities": [
                    {k: e.get(k) for k in ("entity", "value", "start", "end", "extractor")}
                    for e in result.get("entities", [])
                ],
                "seconds": elapsed,
            }
        )
    return out


def main() -> None:
    model_path, in_path, out_path = sys.argv[1:4]
    with open(in_path, encoding="utf-8") as f:
        texts = json.load(f)
    started = time.perf_counter()
    results = asyncio.run(_parse_all(model_path, texts))
    elapsed = time.perf_counter() - started
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"seconds": elapsed, "results": results}, f)


if __name__ == "__main__":
    main()
