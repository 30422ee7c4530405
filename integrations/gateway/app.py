"""The gateway's app factory: ``uvicorn integrations.gateway.app:create_app --factory``.

Everything that connects (the database engine, the HTTP client for Rasa) is made in the lifespan, never at
import. What other parts of the gateway can reach on ``app.state``:

- ``chat`` (``ChatService``): store + assistant + live delivery; ``chat.store`` is the ``ConversationStore``
- ``hub`` (``Hub``): subscribe to one conversation's events, or to all of them (``subscribe(None)``)
- ``shared_redis`` (``SharedRedis | None``): what replicas share when ``SHOPDESK_REDIS_URL`` is set; with
  it the hub, the rate limits and the turn lock go through Redis, and ``desk_jobs`` (a ``Leadership``)
  runs the unclaimed-escalation watcher and the retention purge in one replica at a time
- ``rate_limiter`` (``RateLimiter``)
- ``presence`` (``PresenceBoard``): who from the team is there, shared by every replica through the database
- ``custom_hooks``: callables ``hook(conversation, payload)`` run for every Rasa ``custom`` payload
- ``settings``, ``session_factory``, ``http`` (``httpx.AsyncClient``), ``metrics``
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory, observe_statements
from bot.desk.agents.presence_store import PresenceBoard
from bot.desk.agents.store import AgentDirectory
from bot.desk.conversations.store import ConversationStore
from bot.desk.escalations.store import EscalationBook
from bot.language.wording import Msg, say
from bot.ops import log_redaction, retention
from bot.settings import Settings, refuse_unsafe_production
from integrations.gateway.chat import ChatService, CustomHook, MessageHook
from integrations.gateway.config import GatewaySettings, gateway_settings
from integrations.gateway.handoff import HandoffService
from integrations.gateway.hub import Hub, LocalHub, RedisHub
from integrations.gateway.limits import BodyLimit, SocketCaps
from integrations.gateway.metrics import Metrics
from integrations.gateway.rasa import RasaClient
from integrations.gateway.ratelimit import RateLimiter, memory_storage, redis_storage
from integrations.gateway.replicas import Leadership, SharedRedis, no_shared_lock, redis_turn_lock
from integrations.gateway.routes import (
    analytics,
    console,
    console_page,
    conversations,
    disruptions,
    health,
    metrics,
    notices,
    shopify,
    telegram,
    web,
)

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = say(Msg.CHAT_UNAVAILABLE)


async def purge_every(
    config: GatewaySettings, session_factory: sessionmaker[Session], metrics: Metrics
) -> None:
    """The retention purge, when this replica starts leading and then every ``retention_check_every``
    seconds."""
    tracker_url = retention.tracker_store_url(config.rasa_tracker_db)
    while True:
        try:
            await run_in_threadpool(
                retention.purge, session_factory, tracker_url, system_clock(), config.retention_days
            )
            metrics.retention_purges.inc()
        except Exception:
            log.exception("the retention purge failed; it will be tried again")
        await asyncio.sleep(config.retention_check_every)


async def desk_jobs(
    config: GatewaySettings,
    handoff: HandoffService,
    session_factory: sessionmaker[Session],
    metrics: Metrics,
) -> None:
    """The jobs one replica runs for all (under one ``Leadership``): the watcher of escalations nobody
    claimed, and the retention purge. If one stops with an error the other is stopped too, and the lead
    is given up for another replica to take."""
    async with asyncio.TaskGroup() as jobs:
        jobs.create_task(handoff.watch_unclaimed(config.handoff_check_every))
        jobs.create_task(purge_every(config, session_factory, metrics))


def create_app(
    settings: Settings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The gateway. ``transport`` replaces the network under the Rasa/health HTTP client (tests only)."""
    config = gateway_settings(settings)
    refuse_unsafe_production(config, config.cors_origins)
    custom_hooks: list[CustomHook] = []
    message_hooks: list[MessageHook] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log_redaction.install()  # personal data out of every log line, uvicorn's and SQLAlchemy's too
        # hide_parameters: database errors must not carry message text into logs
        engine = make_engine(config.database_url, hide_parameters=True)
        session_factory = make_session_factory(engine)
        shared = (
            SharedRedis(Redis.from_url(config.redis_url), config.redis_prefix) if config.redis_url else None
        )
        hub: Hub = RedisHub(shared.client, shared.key("hub")) if shared else LocalHub()
        await hub.start()
        app.state.shared_redis = shared
        app.state.rate_limiter = RateLimiter(
            redis_storage(shared.client, shared.key("limits")) if shared else memory_storage()
        )
        # a turn asks Rasa at most twice (the message, the tracker for an escalation) and pauses it once
        turn_lock = redis_turn_lock(shared, 3 * config.rasa_timeout) if shared else no_shared_lock
        app_metrics = Metrics(live_connections=lambda: hub.subscriber_count)
        observe_statements(engine, app_metrics.db_statement.observe)
        async with httpx.AsyncClient(transport=transport, timeout=config.rasa_timeout) as http:
            rasa = RasaClient(
                http,
                config.rasa_url,
                config.rasa_timeout,
                app_metrics,
                config.rasa_token,
                late_reply_timeout=config.rasa_late_reply_timeout,
            )
            # Chat timestamps are real instants even when SHOPDESK_NOW pins the order system's clock.
            store = ConversationStore(
                session_factory, system_clock, idle_expiry=config.conversation_idle_expiry
            )
            app.state.session_factory = session_factory
            app.state.http = http
            app.state.hub = hub
            app.state.metrics = app_metrics
            chat = ChatService(store, rasa, hub, app_metrics, custom_hooks, message_hooks, turn_lock)
            app.state.chat = chat
            app.state.agents = AgentDirectory(session_factory, system_clock)
            app.state.presence = presence = PresenceBoard(
                session_factory, system_clock, config.presence_stale_after
            )
            handoff = HandoffService(
                chat,
                rasa,
                EscalationBook(session_factory, system_clock),
                session_factory,
                config.policy,
                system_clock,
                config.clock,
                presence,
            )
            app.state.handoff = handoff
            custom_hooks.append(handoff.on_custom)
            message_hooks.append(handoff.on_shopper_message)
            chat.reading_hooks.append(handoff.offer_rating)
            app.state.desk_jobs = leadership = Leadership(shared, "desk-jobs", config.leader_lock_ttl)
            leading = asyncio.create_task(
                leadership.run(lambda: desk_jobs(config, handoff, session_factory, app_metrics))
            )
            log.info("gateway ready (Rasa at %s)", config.rasa_url)
            try:
                yield
            finally:
                leading.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await leading
                await chat.stop_late_replies()
                custom_hooks.remove(handoff.on_custom)
                message_hooks.remove(handoff.on_shopper_message)
                await hub.stop()
                if shared is not None:
                    await shared.client.aclose()
                engine.dispose()

    app = FastAPI(
        title="Shopdesk gateway",
        summary="The web chat API, the embeddable widget and the demo shop.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = config
    app.state.custom_hooks = custom_hooks
    app.state.socket_caps = SocketCaps(
        config.max_unauthenticated_sockets,
        config.max_sockets_per_conversation,
        config.max_sockets_per_agent_session,
    )
    app.add_middleware(
        BodyLimit,
        max_bytes=config.max_body_bytes,
        per_path=shopify.body_limits(config),  # Shopify's long-order webhooks, when a store is connected
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=config.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
    )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # What was wrong and where, without FastAPI's echo of the input: it may be large, personal, or not
        # even encodable (a lone surrogate), and the client has it already.
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        # The database is down or unreachable: say so, and that trying again later is the remedy.
        if hasattr(request.app.state, "metrics"):
            request.app.state.metrics.errors.labels(kind="database").inc()
        log.error(
            "database unavailable on %s %s: %s", request.method, request.url.path, type(exc.orig).__name__
        )
        return JSONResponse({"detail": DATABASE_UNAVAILABLE}, status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def unhandled(request: Request, exc: Exception) -> JSONResponse:
        # The traceback goes to the log (no request body in it); the client gets no internals.
        if hasattr(request.app.state, "metrics"):
            request.app.state.metrics.errors.labels(kind="unhandled").inc()
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "Something went wrong on our side."}, status_code=500)

    app.include_router(conversations.router)
    app.include_router(console.router)
    app.include_router(analytics.router)
    app.include_router(telegram.router)  # off unless SHOPDESK_TELEGRAM_TOKEN is set
    app.include_router(notices.router)  # the delay-notice job, and the email unsubscribe page
    app.include_router(disruptions.router)
    app.include_router(shopify.router)  # 404 unless a Shopify store is connected
    app.include_router(console_page.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(web.router)
    return app
