"""The action server's Prometheus metrics (prometheus-client), served at ``GET /metrics``.

    shopdesk_actions_webhook_seconds          one webhook request, first byte read to response (SDK's share)
    shopdesk_actions_run_seconds{action}      one action run as the executor sees it (DB, retrieval in it)
    shopdesk_actions_request_bytes            the webhook's request body: the tracker (and domain) Rasa sends
    shopdesk_actions_db_seconds               one SQL statement, cursor execute to result (SQLAlchemy events)
    shopdesk_actions_retrieval_seconds{step}  a policy question's steps: bm25, embedding, faiss

plus prometheus-client's ``process_*`` (CPU seconds, resident memory) for the benchmark's CPU-per-turn.
The metrics live in the default registry: one action server per process.
"""

from __future__ import annotations

from prometheus_client import Histogram

STEP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5)

WEBHOOK = Histogram(
    "shopdesk_actions_webhook_seconds",
    "One webhook request: parsing the tracker, the run, writing the response.",
    buckets=STEP_BUCKETS,
)
ACTION_RUN = Histogram(
    "shopdesk_actions_run_seconds", "One action run, by action.", ["action"], buckets=STEP_BUCKETS
)
REQUEST_BYTES = Histogram(
    "shopdesk_actions_request_bytes",
    "Size of the webhook request Rasa sends (tracker and, unless selective, domain).",
    buckets=(1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6),
)
DB_STATEMENT = Histogram(
    "shopdesk_actions_db_seconds", "One SQL statement, cursor execute to result.", buckets=STEP_BUCKETS
)
RETRIEVAL_STEP = Histogram(
    "shopdesk_actions_retrieval_seconds",
    "One step of answering a policy question, by step.",
    ["step"],
    buckets=STEP_BUCKETS,
)


def observe_retrieval(step: str, seconds: float) -> None:
    """A ``knowledge.timing.StepObserver`` feeding ``RETRIEVAL_STEP``."""
    RETRIEVAL_STEP.labels(step=step).observe(seconds)
