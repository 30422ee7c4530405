"""The noisy shopper set (`noisy.yml`): loading and scoring, used by `run.py`.

Figures: in-scope intent accuracy (gold is one of our intents, the prediction must be that intent;
`nlu_fallback` is wrong), out-of-scope recall (gold `out_of_scope`, predicted `out_of_scope` or
`nlu_fallback`), per-intent precision/recall (fallback counted as `out_of_scope`), the top
confusions, and the same two headline figures on the messages whose text does not also occur in
data/nlu (short common lines such as "thanks" are bound to; the split shows they do not carry the
score).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def load(path: Path) -> list[tuple[str, str]]:
    """(text, gold intent) for every message of the set, in file order."""
    with open(path, encoding="utf-8") as f:
        messages = yaml.safe_load(f)["messages"]
    items = [(str(text), intent) for intent, texts in messages.items() for text in texts]
    return items


def training_texts(nlu_dir: Path) -> set[str]:
    """The training examples of data/nlu as plain lower-cased text (entity annotations removed)."""
    texts: set[str] = set()
    for path in nlu_dir.glob("**/*.yml"):
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
        for block in data.get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.add(_ANNOTATION.sub(r"\1", line[2:]).strip().lower())
    return texts


def _as_label(intent: str) -> str:
    return OUT_OF_SCOPE if intent == FALLBACK else intent


def headline(gold: list[str], pred: list[str]) -> tuple[float, float, int, int]:
    """(in-scope accuracy, out-of-scope recall, in-scope count, out-of-scope count)."""
    ins = [(g, p) for g, p in zip(gold, pred, strict=True) if g != OUT_OF_SCOPE]
    oos = [p for g, p in zip(gold, pred, strict=True) if g == OUT_OF_SCOPE]
    acc = sum(g == p for g, p in ins) / len(ins) if ins else 0.0
    rec = sum(_as_label(p) == OUT_OF_SCOPE for p in oos) / len(oos) if oos else 0.0
    return acc, rec, len(ins), len(oos)


def score(items: list[tuple[str, str]], preds: list[dict[str, Any]], seen: set[str]) -> dict[str, Any]:
    gold = [g for _, g in items]
    pred = [p["intent"] for p in preds]
    acc, rec, n_in, n_oos = headline(gold, pred)
    unseen = [i for i, (text, _) in enumerate(items) if text.strip().lower() not in seen]
    u_acc, u_rec, _, _ = headline([gold[i] for i in unseen], [pred[i] for i in unseen])
    labels = sorted(set(gold))
    per_intent = {}
    for label in labels:
        tp = sum(g == label and _as_label(p) == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and _as_label(p) == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and _as_label(p) != label for g, p in zip(gold, pred, strict=True))
        per_intent[label] = {
            "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
            "n": tp + fn,
        }
    confusions = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != _as_label(p))
    return {
        "noisy_n": len(items),
        "noisy_in_scope_accuracy": round(acc, 4),
        "noisy_oos_recall": round(rec, 4),
        "noisy_n_in_scope_oos": [n_in, n_oos],
        "noisy_unseen_n": len(unseen),
        "noisy_unseen_in_scope_accuracy": round(u_acc, 4),
        "noisy_unseen_oos_recall": round(u_rec, 4),
        "noisy_fallback_rate": round(sum(p == FALLBACK for p in pred) / len(pred), 4),
        "noisy_per_intent": per_intent,
        "noisy_top_confusions": [[g, p, n] for (g, p), n in confusions.most_common(12)],
    }


def errors(items: list[tuple[str, str]], preds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"set": "noisy", "text": text, "gold": gold, "pred": p["intent"], "ranking": p["ranking"]}
        for (text, gold), p in zip(items, preds, strict=True)
        if gold != p["intent"] and not (gold == OUT_OF_SCOPE and p["intent"] == FALLBACK)
    ]
