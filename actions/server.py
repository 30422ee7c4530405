"""The action server: rasa-sdk's Sanic app with our start-up (database, policy, knowledge index, model).

Run: ``python -m actions.server --port 5055``. Heavy things (the embedding model, the FAISS index, the
database engine) load once in ``before_server_start``; a request never loads anything.
"""

from __future__ import annotations

import argparse
import hmac
import logging

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import HTTPResponse, Request, Sanic
from sanic.response import json as json_response

from actions.context import ActionContext, configure
from bot.db import make_engine, make_session_factory
from bot.orders.services import ShopService
from bot.settings import Settings, refuse_unsafe_production

logger = logging.getLogger(__name__)


def build_context(settings: Settings) -> ActionContext:
    from knowledge.embedding import load_embedder
    from knowledge.retriever import Citation, UnknownClause, load_retriever

    engine = make_engine(settings.database_url)
    shop = ShopService(
        make_session_factory(engine),
        settings.policy,
        settings.clock,
        secret=settings.secret_key.encode(),
        limits=settings.verification_limits,
    )
    retriever = load_retriever(settings.index_dir, load_embedder(settings.embedding))

    def cite(clause: str) -> Citation | None:
        try:
            return retriever.cite(clause)
        except UnknownClause:
            logger.warning("no document section carries the clause %s", clause)
            return None

    return ActionContext(shop=shop, ask=retriever.answer, cite=cite)


def build_app(settings: Settings) -> Sanic:  # type: ignore[type-arg]
    refuse_unsafe_production(settings)
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=[])

    @app.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        """Only Rasa may run actions: the webhook wants the token Rasa sends (endpoints.yml)."""
        if request.path != "/webhook" or not settings.action_server_token:
            return None
        given = request.args.get("token") or ""
        if hmac.compare_digest(given.encode(), settings.action_server_token.encode()):
            return None
        logger.warning("action server webhook called without the right token")
        return json_response({"error": "unauthorised"}, status=401)

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
    app = build_app(Settings())
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
