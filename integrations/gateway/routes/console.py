"""The agent console's API: log in, see the queue, claim, read, reply, note, hand back, resolve.

Agents authenticate with a session token from ``POST /api/agent/login`` (``Authorization: Bearer``; the
WebSocket takes it as its first frame). Every route but login needs one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, HTTPException, Request, WebSocket, WebSocketDisconnect, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.desk.agents.model import Agent, LoginFailed, SessionExpired
from bot.desk.agents.store import AgentDirectory
from bot.desk.conversations.model import Author, Message
from bot.desk.escalations.model import Escalation, EscalationNotFound
from integrations.gateway.handoff import HandoffError, HandoffService, waiting_seconds
from integrations.gateway.hub import Event
from integrations.gateway.ratelimit import Limit, RateLimiter, client_address

router = APIRouter(prefix="/api/agent", tags=["agent console"])

CANNED_REPLIES = Path(__file__).resolve().parents[2] / "console" / "canned_replies.yml"
WS_AUTH_TIMEOUT = 10.0

bearer = HTTPBearer(auto_error=False, description="The session token from POST /api/agent/login.")


def get_directory(request: Request) -> AgentDirectory:
    directory: AgentDirectory = request.app.state.agents
    return directory


def get_handoff(request: Request) -> HandoffService:
    handoff: HandoffService = request.app.state.handoff
    return handoff


DirectoryDep = Annotated[AgentDirectory, Depends(get_directory)]
HandoffDep = Annotated[HandoffService, Depends(get_handoff)]


async def current_agent(
    directory: DirectoryDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Agent:
    try:
        return await run_in_threadpool(
            directory.authenticate, credentials.credentials if credentials else None
        )
    except SessionExpired as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None


AgentDep = Annotated[Agent, Depends(current_agent)]


class ConsoleMessage(BaseModel):
    """A transcript line for agents: unlike the shopper's view it includes internal notes."""

    id: int
    conversation_id: str
    author: str
    text: str
    buttons: list[dict[str, str]]
    created_at: datetime
    internal: bool
    agent_name: str | None = None

    @classmethod
    def of(cls, message: Message) -> ConsoleMessage:
        data = message.data or {}
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            author=message.author.value,
            text=message.text,
            buttons=[{"title": b.title, "payload": b.payload} for b in message.buttons],
            created_at=message.created_at,
            internal=message.internal,
            agent_name=data.get("agent") if isinstance(data.get("agent"), str) else None,
        )


def shown_to_agents(message: Message) -> bool:
    """Everything but the assistant's machine payloads (facts, handoff requests)."""
    return not (message.internal and message.author is Author.BOT)


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class AgentOut(BaseModel):
    id: int
    username: str
    display_name: str


class LoginOut(BaseModel):
    token: str
    agent: AgentOut


class QueueItem(BaseModel):
    id: int
    conversation_id: str
    state: str
    priority: int
    trigger: str
    topic: str | None
    waiting_seconds: int
    summary: str
    verified_order: str | None
    claimed_by: str | None
    claimed_by_id: int | None = None  # the console tells "claimed by me" apart from a namesake


class EscalationDetail(QueueItem):
    intents: list[str]
    entities: list[dict[str, Any]]
    facts: list[dict[str, Any]]
    customer_email: str | None
    satisfaction: int | None
    transcript: list[ConsoleMessage]
    order: dict[str, Any] | None


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class CannedReply(BaseModel):
    title: str
    text: str


def _item(escalation: Escalation, handoff: HandoffService, names: dict[int, str]) -> QueueItem:
    return QueueItem(
        id=escalation.id,
        conversation_id=escalation.conversation_id,
        state=escalation.state.value,
        priority=int(escalation.priority),
        trigger=escalation.trigger.value,
        topic=escalation.topic,
        waiting_seconds=waiting_seconds(escalation, handoff.clock()),
        summary=escalation.summary,
        verified_order=escalation.verified_order,
        claimed_by=names.get(escalation.claimed_by) if escalation.claimed_by else None,
        claimed_by_id=escalation.claimed_by,
    )


@router.post("/login", response_model=LoginOut)
async def log_in(request: Request, body: LoginIn, directory: DirectoryDep) -> LoginOut:
    limiter: RateLimiter = request.app.state.rate_limiter
    allowed = Limit(request.app.state.settings.limit_logins, 60)
    limiter.check(f"login:{client_address(request)}", allowed, "log-in attempts")
    try:
        agent, token = await run_in_threadpool(directory.log_in, body.username, body.password)
    except LoginFailed:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong username or password.") from None
    return LoginOut(
        token=token, agent=AgentOut(id=agent.id, username=agent.username, display_name=agent.display_name)
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def log_out(
    agent: AgentDep,
    directory: DirectoryDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    if credentials:
        await run_in_threadpool(directory.log_out, credentials.credentials)


@router.get("/me", response_model=AgentOut)
async def me(agent: AgentDep) -> AgentOut:
    return AgentOut(id=agent.id, username=agent.username, display_name=agent.display_name)


@router.get("/queue", response_model=list[QueueItem])
async def queue(agent: AgentDep, handoff: HandoffDep, directory: DirectoryDep) -> list[QueueItem]:
    """Open escalations: waiting ones by priority, then waiting time; then claimed and email ones."""
    names = await run_in_threadpool(directory.names)
    return [_item(e, handoff, names) for e in await run_in_threadpool(handoff.book.queue)]


@router.get("/escalations/{escalation_id}", response_model=EscalationDetail)
async def escalation_detail(
    escalation_id: int, agent: AgentDep, handoff: HandoffDep, directory: DirectoryDep
) -> EscalationDetail:
    try:
        escalation = await run_in_threadpool(handoff.book.get, escalation_id)
    except EscalationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such escalation.") from None
    names = await run_in_threadpool(directory.names)
    transcript = await run_in_threadpool(
        handoff.chat.store.history, escalation.conversation_id, 0, include_internal=True
    )
    visible = [m for m in transcript if shown_to_agents(m)]
    return EscalationDetail(
        **_item(escalation, handoff, names).model_dump(),
        intents=escalation.intents,
        entities=escalation.entities,
        facts=escalation.facts,
        customer_email=escalation.customer_email,
        satisfaction=escalation.satisfaction,
        transcript=[ConsoleMessage.of(m) for m in visible],
        order=await run_in_threadpool(handoff.order_card, escalation),
    )


async def _act(action: Any, *args: Any) -> Any:
    try:
        return await action(*args)
    except EscalationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such escalation.") from None
    except HandoffError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.post("/escalations/{escalation_id}/claim", response_model=QueueItem)
async def claim(
    escalation_id: int, agent: AgentDep, handoff: HandoffDep, directory: DirectoryDep
) -> QueueItem:
    escalation = await _act(handoff.claim, escalation_id, agent)
    return _item(escalation, handoff, await run_in_threadpool(directory.names))


@router.post("/escalations/{escalation_id}/reply", response_model=ConsoleMessage)
async def reply(escalation_id: int, body: TextIn, agent: AgentDep, handoff: HandoffDep) -> ConsoleMessage:
    """A message to the shopper, on whichever channel they use."""
    return ConsoleMessage.of(await _act(handoff.reply, escalation_id, agent, body.text))


@router.post("/escalations/{escalation_id}/note", response_model=ConsoleMessage)
async def note(escalation_id: int, body: TextIn, agent: AgentDep, handoff: HandoffDep) -> ConsoleMessage:
    """An internal note: stored with the transcript, never shown to the shopper."""

    async def add_note(eid: int, who: Agent, text: str) -> Any:
        return await handoff.reply(eid, who, text, internal=True)

    return ConsoleMessage.of(await _act(add_note, escalation_id, agent, body.text))


@router.post("/escalations/{escalation_id}/handback", response_model=QueueItem)
async def hand_back(
    escalation_id: int, agent: AgentDep, handoff: HandoffDep, directory: DirectoryDep
) -> QueueItem:
    """The assistant takes the conversation back, with what it knew (the verified order included)."""
    escalation = await _act(handoff.hand_back, escalation_id, agent)
    return _item(escalation, handoff, await run_in_threadpool(directory.names))


@router.post("/escalations/{escalation_id}/resolve", response_model=QueueItem)
async def resolve(
    escalation_id: int, agent: AgentDep, handoff: HandoffDep, directory: DirectoryDep
) -> QueueItem:
    """Done: the shopper gets a one-question satisfaction survey, and the assistant is back."""
    escalation = await _act(handoff.resolve, escalation_id, agent)
    return _item(escalation, handoff, await run_in_threadpool(directory.names))


@router.get("/canned", response_model=list[CannedReply])
async def canned_replies(agent: AgentDep) -> list[CannedReply]:
    with CANNED_REPLIES.open(encoding="utf-8") as fh:
        items = yaml.safe_load(fh) or []
    return [CannedReply(title=str(i["title"]), text=str(i["text"])) for i in items]


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    """Live events for the console: ``{"type": "message", "message": {...}}`` for every conversation
    (internal notes included), ``{"type": "status", ...}`` and ``{"type": "queue"}`` when the queue
    changes. First frame from the client: ``{"type": "auth", "token": "..."}``. After a reconnect the
    console re-reads the queue and the open transcript, so nothing sent meanwhile is lost."""
    await websocket.accept()
    directory: AgentDirectory = websocket.app.state.agents
    handoff: HandoffService = websocket.app.state.handoff
    try:
        first = await asyncio.wait_for(websocket.receive_json(), WS_AUTH_TIMEOUT)
        token = first.get("token") if isinstance(first, dict) else None
        await run_in_threadpool(directory.authenticate, token)
    except (TimeoutError, json.JSONDecodeError, SessionExpired, WebSocketDisconnect, KeyError):
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(4401, "log in first")
        return

    queue_changed: asyncio.Queue[None] = asyncio.Queue()

    def on_change(_escalation: Escalation) -> None:
        queue_changed.put_nowait(None)

    handoff.listeners.append(on_change)
    try:
        with handoff.chat.hub.subscribe(None) as subscription:
            await websocket.send_json({"type": "ready"})
            while True:
                getter = asyncio.ensure_future(subscription.get())
                changed = asyncio.ensure_future(queue_changed.get())
                done, pending = await asyncio.wait(
                    {getter, changed}, timeout=20, return_when="FIRST_COMPLETED"
                )
                for task in pending:
                    task.cancel()
                if not done:
                    await websocket.send_json({"type": "ping"})
                    continue
                if changed in done:
                    await websocket.send_json({"type": "queue"})
                if getter in done:
                    event: Event = getter.result()
                    if event.kind == "closed":
                        break
                    if event.kind == "status" and event.status is not None:
                        await websocket.send_json(
                            {
                                "type": "status",
                                "conversation_id": event.conversation_id,
                                "status": event.status.value,
                            }
                        )
                    elif event.message is not None and shown_to_agents(event.message):
                        frame = ConsoleMessage.of(event.message).model_dump(mode="json")
                        await websocket.send_json({"type": "message", "message": frame})
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        handoff.listeners.remove(on_change)
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close()
