"""The action server: rasa-sdk's Sanic app with our start-up (database, policy, knowledge index, model).

Run: ``python -m actions.server --port 5055``. Heavy things (the embedding model, the FAISS index, the
database engine) load once in ``before_server_start``; a request never loads anything.

With the default ONNX embedding backend the server never runs torch, and nothing here imports it; but
thinc, spaCy's machine-learning library, imports torch whenever it is installed, only to offer it as a
backend (``thinc.compat``), and the actions import spaCy for their tokenizer-only extraction pipeline.
``import_spacy_without_torch`` imports spaCy with torch hidden, so thinc goes without: ~0.2 GB less
resident memory and a faster start. torch stays importable afterwards (the torch embedding backend, and
its fallback, import it when they load the model).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import HTTPResponse, Request, Sanic
from sanic.response import json as json_response
from sanic.response import raw

from actions.context import ActionContext, configure
from actions.metrics import ACTION_RUN, DB_STATEMENT, REQUEST_BYTES, WEBHOOK, observe_retrieval
from bot.db import make_engine, make_session_factory, observe_statements
from bot.ops import log_redaction
from bot.orders.services import ShopService
from bot.settings import Settings, refuse_unsafe_production
from integrations.shopify.connect import remote_orders

logger = logging.getLogger(__name__)


def import_spacy_without_torch() -> None:
    """Import spaCy (and thinc with it) while ``import torch`` fails, unless torch is already loaded."""
    if "torch" in sys.modules or "thinc" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]


def build_context(settings: Settings) -> ActionContext:
    from knowledge.embedding import load_embedder
    from knowledge.retriever import Citation, UnknownClause, load_retriever

    engine = make_engine(settings.database_url)
    observe_statements(engine, DB_STATEMENT.observe)
    sessions = make_session_factory(engine)
    shop = ShopService(
        sessions,
        settings.policy,
        settings.clock,
        secret=settings.secret_key.encode(),
        limits=settings.verification_limits,
        remote=remote_orders(settings, sessions),  # a connected Shopify store, else None
    )
    retriever = load_retriever(
        settings.index_dir, load_embedder(settings.embedding), observe=observe_retrieval
    )

    def cite(clause: str) -> Citation | None:
        try:
            return retriever.cite(clause)
        except UnknownClause:
            logger.warning("no document section carries the clause %s", clause)
            return None

    return ActionContext(shop=shop, ask=retriever.answer, cite=cite)


class TimedExecutor(ActionExecutor):
    """rasa-sdk's executor, timing each action run by action name."""

    async def run(self, action_call: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await super().run(action_call, *args, **kwargs)
        finally:
            name = str(action_call.get("next_action") or "unknown")
            ACTION_RUN.labels(action=name).observe(time.perf_counter() - started)


def build_app(settings: Settings) -> Sanic:  # type: ignore[type-arg]
    refuse_unsafe_production(settings)
    if settings.embedding.backend == "onnx":
        import_spacy_without_torch()  # before the actions import it
    executor = TimedExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=[])

    @app.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        """Only Rasa may run actions: the webhook wants the token Rasa sends (endpoints.yml)."""
        if request.path != "/webhook":
            return None
        request.ctx.started = time.perf_counter()
        REQUEST_BYTES.observe(len(request.body))
        if not settings.action_server_token:
            return None
        given = request.args.get("token") or ""
        if hmac.compare_digest(given.encode(), settings.action_server_token.encode()):
            return None
        logger.warning("action server webhook called without the right token")
        return json_response({"error": "unauthorised"}, status=401)

    @app.on_response
    async def time_webhook(request: Request, _response: HTTPResponse) -> None:
        started = getattr(request.ctx, "started", None)
        if started is not None:
            WEBHOOK.observe(time.perf_counter() - started)

    @app.get("/metrics")
    async def metrics(_request: Request) -> HTTPResponse:
        """Prometheus metrics (``actions.metrics``), in the text exposition format."""
        return raw(generate_latest(), content_type=CONTENT_TYPE_LATEST)

    @app.before_server_start
    async def load(_app: Sanic) -> None:  # type: ignore[type-arg]
        configure(build_context(settings))
        logger.info("action server ready")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Shopdesk action server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_redaction.install()
    app = build_app(Settings())
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
