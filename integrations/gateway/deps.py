"""Dependencies of the routes, as ``Annotated`` aliases (``StoreDep``, ``ShopperConversation``, ...)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from uuid import UUID

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.desk.conversations.model import Conversation, ConversationNotFound, InvalidToken
from bot.desk.conversations.store import ConversationStore
from integrations.gateway.chat import ChatService
from integrations.gateway.config import GatewaySettings
from integrations.gateway.hub import Hub
from integrations.gateway.metrics import Metrics


def get_settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session


def get_chat(request: Request) -> ChatService:
    chat: ChatService = request.app.state.chat
    return chat


def get_store(request: Request) -> ConversationStore:
    return get_chat(request).store


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ChatDep = Annotated[ChatService, Depends(get_chat)]
StoreDep = Annotated[ConversationStore, Depends(get_store)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]

bearer = HTTPBearer(auto_error=False, description="The token returned by POST /api/conversations.")


async def shopper_conversation(
    conversation_id: UUID,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Conversation:
    """The conversation named in the path, when the bearer token opens it."""
    if credentials is None or not credentials.credentials:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Send the conversation's token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return await run_in_threadpool(store.authenticate, str(conversation_id), credentials.credentials)
    except ConversationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such conversation.") from None
    except InvalidToken:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "This token does not open this conversation."
        ) from None


ShopperConversation = Annotated[Conversation, Depends(shopper_conversation)]
