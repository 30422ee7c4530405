"""The agent console's API: log in, see the queue, claim, read, reply, note, hand back, resolve.

Agents authenticate with a session token from ``POST /api/agent/login`` (``Authorization: Bearer``; the
WebSocket takes it as its first frame). Every route but login needs one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect, status
from starlette.concurrency import run_in_threadpool

from bot.desk.agents.model import Agent, LoginFailed, SessionExpired
from bot.desk.agents.store import AgentDirectory, normal_username
from bot.desk.conversations.model import Author, Message
from bot.desk.escalations.model import Escalation, EscalationNotFound
from integrations.gateway.deps import (
    AgentCredentials,
    AgentDep,
    DirectoryDep,
    EscalationId,
    HandoffDep,
    HubDep,
)
from integrations.gateway.handoff import HandoffError, HandoffService, waiting_seconds
from integrations.gateway.hub import Hub
from integrations.gateway.limits import SocketCaps
from integrations.gateway.ratelimit import Limit, RateLimiter, client_address
from integrations.gateway.schemas import (
    AgentOut,
    CannedReply,
    ConsoleMessage,
    EscalationDetail,
    LoginIn,
    LoginOut,
    QueueItem,
    TextIn,
)

router = APIRouter(prefix="/api/agent", tags=["agent console"])

CANNED_REPLIES = Path(__file__).resolve().parents[2] / "console" / "canned_replies.yml"
WS_AUTH_TIMEOUT = 10.0

T = TypeVar("T")


def shown_to_agents(message: Message) -> bool:
    """Everything but the assistant's machine payloads (facts, handoff requests)."""
    return not (message.internal and message.author is Author.BOT)


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


async def _act(action: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run a handoff use case, its refusals as HTTP answers: 404 for an unknown escalation, 409 for an
    action its state does not allow."""
    try:
        return await action(*args)
    except EscalationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such escalation.") from None
    except HandoffError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.post("/login", response_model=LoginOut)
async def log_in(request: Request, body: LoginIn, directory: DirectoryDep) -> LoginOut:
    limiter: RateLimiter = request.app.state.rate_limiter
    allowed = Limit(request.app.state.settings.limit_logins, 60)
    await limiter.check(f"login:{client_address(request)}", allowed, "log-in attempts")
    # per username too, so many addresses guessing one agent's password are stopped as well
    await limiter.check(f"login-user:{normal_username(body.username)}", allowed, "log-in attempts")
    try:
        agent, token = await run_in_threadpool(directory.log_in, body.username, body.password)
    except LoginFailed:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong username or password.") from None
    return LoginOut(
        token=token, agent=AgentOut(id=agent.id, username=agent.username, display_name=agent.display_name)
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def log_out(agent: AgentDep, directory: DirectoryDep, credentials: AgentCredentials) -> None:
    if credentials:
        await run_in_threadpool(directory.log_out, credentials.credentials)


@router.get("/me", response_model=AgentOut)
async def me(agent: AgentDep) -> AgentOut:
    return AgentOut(id=agent.id, username=agent.username, display_name=agent.display_name)


@router.get("/queue", response_model=list[QueueItem])
async def queue(agent: AgentDep, handoff: HandoffDep, directory: DirectoryDep) -> list[QueueItem]:
    """Open escalations: waiting ones by priority, then waiting time; then claimed and email ones."""
    names = await run_in_threadpool(directory.names)
    return [_item(e, handoff, names) for e in await handoff.queue()]


@router.get("/escalations/{escalation_id}", response_model=EscalationDetail)
async def escalation_detail(
    escalation_id: EscalationId, agent: AgentDep, handoff: HandoffDep, directory: DirectoryDep
) -> EscalationDetail:
    escalation = await _act(handoff.escalation, escalation_id)
    names = await run_in_threadpool(directory.names)
    transcript = await handoff.transcript(escalation)
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


@router.post("/escalations/{escalation_id}/claim", response_model=QueueItem)
async def claim(
    escalation_id: EscalationId, agent: AgentDep, handoff: HandoffDep, directory: DirectoryDep
) -> QueueItem:
    escalation = await _act(handoff.claim, escalation_id, agent)
    return _item(escalation, handoff, await run_in_threadpool(directory.names))


@router.post("/escalations/{escalation_id}/reply", response_model=ConsoleMessage)
async def reply(
    escalation_id: EscalationId, body: TextIn, agent: AgentDep, handoff: HandoffDep
) -> ConsoleMessage:
    """A message to the shopper, on whichever channel they use."""
    return ConsoleMessage.of(await _act(handoff.reply, escalation_id, agent, body.text))


@router.post("/escalations/{escalation_id}/note", response_model=ConsoleMessage)
async def note(
    escalation_id: EscalationId, body: TextIn, agent: AgentDep, handoff: HandoffDep
) -> ConsoleMessage:
    """An internal note: stored with the transcript, never shown to the shopper."""

    async def add_note(eid: int, who: Agent, text: str) -> Any:
        return await handoff.reply(eid, who, text, internal=True)

    return ConsoleMessage.of(await _act(add_note, escalation_id, agent, body.text))


@router.post("/escalations/{escalation_id}/handback", response_model=QueueItem)
async def hand_back(
    escalation_id: EscalationId, agent: AgentDep, handoff: HandoffDep, directory: DirectoryDep
) -> QueueItem:
    """The assistant takes the conversation back, with what it knew (the verified order included)."""
    escalation = await _act(handoff.hand_back, escalation_id, agent)
    return _item(escalation, handoff, await run_in_threadpool(directory.names))


@router.post("/escalations/{escalation_id}/resolve", response_model=QueueItem)
async def resolve(
    escalation_id: EscalationId, agent: AgentDep, handoff: HandoffDep, directory: DirectoryDep
) -> QueueItem:
    """Done: the shopper gets a one-question satisfaction survey, and the assistant is back."""
    escalation = await _act(handoff.resolve, escalation_id, agent)
    return _item(escalation, handoff, await run_in_threadpool(directory.names))


@router.get("/canned", response_model=list[CannedReply])
async def canned_replies(agent: AgentDep) -> list[CannedReply]:
    with CANNED_REPLIES.open(encoding="utf-8") as fh:
        items = yaml.safe_load(fh) or []
    return [CannedReply(title=str(i["title"]), text=str(i["text"])) for i in items]


WS_SESSION_ENDED = 4401  # the console shows its log-in form again
# as the widget's socket (routes/conversations.py): a frame over the limit, too many sockets waiting for
# their token, too many on one agent session
WS_TOO_BIG, WS_TRY_AGAIN_LATER, WS_TOO_MANY = 1009, 1013, 4429


class _FrameTooLarge(Exception):
    pass


async def _frame(websocket: WebSocket, max_bytes: int) -> str:
    raw = await websocket.receive_text()
    if len(raw) > max_bytes:
        raise _FrameTooLarge
    return raw


async def _session_token(websocket: WebSocket, directory: AgentDirectory, max_bytes: int) -> str | None:
    """The session token of the first frame (``{"type": "auth", "token": "..."}``), when it is valid."""
    try:
        first = json.loads(await asyncio.wait_for(_frame(websocket, max_bytes), WS_AUTH_TIMEOUT))
        token = first.get("token") if isinstance(first, dict) else None
        await run_in_threadpool(directory.authenticate, token)
    except (TimeoutError, json.JSONDecodeError, SessionExpired, WebSocketDisconnect, KeyError):
        return None
    return str(token)


async def _read_client(websocket: WebSocket, max_bytes: int) -> None:
    """The console sends nothing after its token; a frame is read only to refuse one over the limit."""
    while True:
        await _frame(websocket, max_bytes)


async def _session_valid(directory: AgentDirectory, token: str) -> bool:
    try:
        await run_in_threadpool(directory.authenticate, token)
    except SessionExpired:
        return False
    return True


async def _escalated(handoff: HandoffService) -> set[str]:
    """The conversations with an open escalation: the only ones whose messages reach a console."""
    return {escalation.conversation_id for escalation in await handoff.queue()}


@router.websocket("/ws")
async def live(websocket: WebSocket, directory: DirectoryDep, handoff: HandoffDep, hub: HubDep) -> None:
    """Live events for the console: ``{"type": "message", "message": {...}}`` and ``{"type": "status",
    ...}`` for the conversations with an open escalation (internal notes included), and ``{"type":
    "queue"}`` when the queue changes. First frame from the client: ``{"type": "auth", "token": "..."}``.

    The session is checked again every ``console_session_recheck`` seconds: after a log-out, its expiry,
    a password change or the agent being disabled, the socket closes with 4401. After a reconnect the
    console re-reads the queue and the open transcript, so nothing sent meanwhile is lost.

    Limits (``limits.py``), as the widget's socket: a frame over ``max_ws_frame_bytes`` closes it (1009);
    sockets still waiting for their token count against ``max_unauthenticated_sockets`` (1013 beyond);
    one agent session (one log-in, its tabs) holds at most ``max_sockets_per_agent_session`` (4429)."""
    settings = websocket.app.state.settings
    caps: SocketCaps = websocket.app.state.socket_caps
    max_frame: int = settings.max_ws_frame_bytes
    await websocket.accept()
    close_code, reason = WS_SESSION_ENDED, "log in first"
    with caps.authenticating() as admitted:
        if not admitted:
            close_code, reason = WS_TRY_AGAIN_LATER, "too many connections"
            token = None
        else:
            try:
                token = await _session_token(websocket, directory, max_frame)
            except _FrameTooLarge:
                close_code, reason, token = WS_TOO_BIG, "frame too large", None
    if token is None:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(close_code, reason)
        return
    with caps.open_for_agent(token) as admitted:
        if not admitted:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close(WS_TOO_MANY, "too many connections on this session")
            return
        await _stream(websocket, directory, handoff, hub, token)


async def _stream(
    websocket: WebSocket, directory: AgentDirectory, handoff: HandoffService, hub: Hub, token: str
) -> None:
    settings = websocket.app.state.settings
    recheck: float = settings.console_session_recheck
    heartbeat: float = settings.ws_heartbeat
    loop = asyncio.get_running_loop()
    close_code, reason = 1000, ""
    reader = asyncio.create_task(_read_client(websocket, settings.max_ws_frame_bytes))
    try:
        with hub.subscribe(None) as subscription:
            escalated = await _escalated(handoff)
            await websocket.send_json({"type": "ready"})
            checked_at = last_sent = loop.time()
            while True:
                if loop.time() - checked_at >= recheck:
                    if not await _session_valid(directory, token):
                        close_code, reason = WS_SESSION_ENDED, "the session has ended; log in again"
                        break
                    checked_at = loop.time()
                getter = asyncio.ensure_future(subscription.get())
                done, _ = await asyncio.wait(
                    {getter, reader}, timeout=min(recheck, heartbeat), return_when="FIRST_COMPLETED"
                )
                if reader in done:
                    getter.cancel()
                    if isinstance(reader.exception(), _FrameTooLarge):
                        close_code, reason = WS_TOO_BIG, "frame too large"
                    break
                if getter not in done:
                    getter.cancel()
                    if loop.time() - last_sent >= heartbeat:
                        await websocket.send_json({"type": "ping"})
                        last_sent = loop.time()
                    continue
                event = getter.result()
                if event.kind == "closed":
                    break
                if event.kind == "queue":  # an escalation changed: which conversations may stream, too
                    escalated = await _escalated(handoff)
                    await websocket.send_json({"type": "queue"})
                elif event.conversation_id not in escalated:
                    continue
                elif event.kind == "status" and event.status is not None:
                    status_frame = {"conversation_id": event.conversation_id, "status": event.status.value}
                    await websocket.send_json({"type": "status", **status_frame})
                elif event.message is not None and shown_to_agents(event.message):
                    frame = ConsoleMessage.of(event.message).model_dump(mode="json")
                    await websocket.send_json({"type": "message", "message": frame})
                else:
                    continue
                last_sent = loop.time()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(close_code, reason)
