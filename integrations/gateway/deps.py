"""Dependencies of the routes, as ``Annotated`` aliases (``StoreDep``, ``ShopperConversation``, ``AgentDep``,
...). The getters that take an ``HTTPConnection`` serve WebSocket routes as well as HTTP ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from uuid import UUID

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.requests import HTTPConnection
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.desk.agents.model import Agent, SessionExpired
from bot.desk.agents.presence_store import PresenceBoard
from bot.desk.agents.store import AgentDirectory
from bot.desk.conversations.model import (
    Conversation,
    ConversationExpired,
    ConversationNotFound,
    InvalidToken,
)
from bot.desk.conversations.store import ConversationStore
from integrations.gateway.chat import ChatService
from integrations.gateway.config import GatewaySettings
from integrations.gateway.handoff import HandoffService
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


def get_hub(connection: HTTPConnection) -> Hub:
    hub: Hub = connection.app.state.hub
    return hub


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ChatDep = Annotated[ChatService, Depends(get_chat)]
StoreDep = Annotated[ConversationStore, Depends(get_store)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
HubDep = Annotated[Hub, Depends(get_hub)]

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
    except ConversationExpired:
        raise HTTPException(
            status.HTTP_410_GONE, "This conversation ended after a long quiet spell; start a new one."
        ) from None


ShopperConversation = Annotated[Conversation, Depends(shopper_conversation)]


# --- the agent console --------------------------------------------------------------------------------


def get_directory(connection: HTTPConnection) -> AgentDirectory:
    directory: AgentDirectory = connection.app.state.agents
    return directory


def get_handoff(connection: HTTPConnection) -> HandoffService:
    handoff: HandoffService = connection.app.state.handoff
    return handoff


def get_presence(connection: HTTPConnection) -> PresenceBoard:
    presence: PresenceBoard = connection.app.state.presence
    return presence


# An id the databases can hold (a larger one would be a driver error, not a 404).
EscalationId = Annotated[int, Path(ge=1, le=2**63 - 1)]
DirectoryDep = Annotated[AgentDirectory, Depends(get_directory)]
HandoffDep = Annotated[HandoffService, Depends(get_handoff)]
PresenceDep = Annotated[PresenceBoard, Depends(get_presence)]

agent_bearer = HTTPBearer(auto_error=False, description="The session token from POST /api/agent/login.")
AgentCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(agent_bearer)]


async def current_agent(directory: DirectoryDep, credentials: AgentCredentials) -> Agent:
    """The agent whose session token the request carries."""
    try:
        return await run_in_threadpool(
            directory.authenticate, credentials.credentials if credentials else None
        )
    except SessionExpired as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None


AgentDep = Annotated[Agent, Depends(current_agent)]
