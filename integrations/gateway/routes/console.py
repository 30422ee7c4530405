"""The agent console's API: log in, see the queue, claim, read, reply, note, hand back, resolve; set
oneself available or away, and see who from the team is there.

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
from bot.desk.agents.presence import AgentPresence, Presence
from bot.desk.agents.presence_store import PresenceBoard
from bot.desk.agents.store import AgentDirectory, normal_username
from bot.desk.conversations.model import Author, Message
from bot.desk.escalations.model import Escalation, EscalationNotFound
from integrations.gateway.config import GatewaySettings
from integrations.gateway.deps import (
    AgentCredentials,
    AgentDep,
    DirectoryDep,
    EscalationId,
    HandoffDep,
    HubDep,
    PresenceDep,
)
from integrations.gateway.handoff import HandoffError, HandoffService, waiting_seconds
from integrations.gateway.hub import Event, Hub, Subscription
from integrations.gateway.limits import SocketCaps
from integrations.gateway.ratelimit import Limit, RateLimiter, client_address
from integrations.gateway.schemas import (
    AgentOut,
    AvailabilityIn,
    CannedReply,
    ConsoleMessage,
    EscalationDetail,
    LoginIn,
    LoginOut,
    QueueItem,
    TeamMember,
    TextIn,
)

router = APIRouter(prefix="/api/agent", tags=["agent console"])

CANNED_REPLIES = Path(__file__).resolve().parents[2] / "console" / "canned_replies.yml"
WS_AUTH_TIMEOUT = 10.0
MIN_BEAT_GAP = 1.0  # seconds: beats closer together than this are not written

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


def _member(agent: AgentPresence, presence: Presence) -> TeamMember:
    return TeamMember(
        id=agent.agent_id,
        username=agent.username,
        display_name=agent.display_name,
        availability=agent.availability,
        presence=presence,
    )


@router.get("/team", response_model=list[TeamMember])
async def team(agent: AgentDep, presence: PresenceDep) -> list[TeamMember]:
    """Every enabled agent: available (a live console, not away), away, or offline (no live console)."""
    return [_member(a, p) for a, p in await run_in_threadpool(presence.team)]


@router.post("/availability", response_model=TeamMember)
async def set_availability(
    body: AvailabilityIn, agent: AgentDep, presence: PresenceDep, hub: HubDep
) -> TeamMember:
    """Available (counted for the shoppers' expected wait) or away (not counted; the queue still shows)."""
    await run_in_threadpool(presence.set_availability, agent.id, body.availability)
    hub.publish_presence_change()
    for member, now in await run_in_threadpool(presence.team):
        if member.agent_id == agent.id:
            return _member(member, now)
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not logged in")  # disabled meanwhile


@router.get("/canned", response_model=list[CannedReply])
async def canned_replies(agent: AgentDep) -> list[CannedReply]:
    with CANNED_REPLIES.open(encoding="utf-8") as fh:
        items = yaml.safe_load(fh) or []
    return [CannedReply(title=str(i["title"]), text=str(i["text"])) for i in items]


WS_SESSION_ENDED = 4401  # the console shows its log-in form again
# as the widget's socket: a frame too large, too many sockets waiting for a token, too many on one log-in
WS_TOO_BIG, WS_TRY_AGAIN_LATER, WS_TOO_MANY = 1009, 1013, 4429


class _FrameTooLarge(Exception):
    pass


async def _frame(websocket: WebSocket, max_bytes: int) -> str:
    raw = await websocket.receive_text()
    if len(raw) > max_bytes:
        raise _FrameTooLarge
    return raw


async def _session(
    websocket: WebSocket, directory: AgentDirectory, max_bytes: int
) -> tuple[str, Agent] | None:
    """The session token of the first frame (``{"type": "auth", "token": "..."}``) and its agent, when it
    is valid; a first frame over ``max_bytes`` raises ``_FrameTooLarge``."""
    try:
        first = json.loads(await asyncio.wait_for(_frame(websocket, max_bytes), WS_AUTH_TIMEOUT))
        token = first.get("token") if isinstance(first, dict) else None
        agent = await run_in_threadpool(directory.authenticate, token)
    except (TimeoutError, json.JSONDecodeError, SessionExpired, WebSocketDisconnect, KeyError):
        return None
    return str(token), agent


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
async def live(
    websocket: WebSocket,
    directory: DirectoryDep,
    handoff: HandoffDep,
    hub: HubDep,
    presence: PresenceDep,
) -> None:
    """Live events for the console: ``{"type": "message", "message": {...}}`` and ``{"type": "status",
    ...}`` for the conversations with an open escalation (internal notes included), ``{"type": "queue"}``
    when the queue changes and ``{"type": "presence"}`` when someone's presence does. First frame from the
    client: ``{"type": "auth", "token": "..."}``; the answer ``{"type": "ready", "beat_seconds": N}`` asks
    for ``{"type": "beat"}`` every N seconds, which keeps the agent counted as there (a console not heard
    from for ``SHOPDESK_PRESENCE_STALE_SECONDS`` is not, on any replica).

    The session is checked again every ``console_session_recheck`` seconds: after a log-out, its expiry,
    a password change or the agent being disabled, the socket closes with 4401. After a reconnect the
    console re-reads the queue and the open transcript, so nothing sent meanwhile is lost.

    Limits (``limits.py``), as the widget's socket: a frame over ``max_ws_frame_bytes`` closes it (1009);
    sockets still waiting for their token count against ``max_unauthenticated_sockets`` (1013 beyond);
    one agent session (one log-in, its tabs) holds at most ``max_sockets_per_agent_session`` (4429)."""
    settings: GatewaySettings = websocket.app.state.settings
    caps: SocketCaps = websocket.app.state.socket_caps
    await websocket.accept()
    close_code, reason = WS_SESSION_ENDED, "log in first"
    session: tuple[str, Agent] | None = None
    with caps.authenticating() as admitted:
        if not admitted:
            close_code, reason = WS_TRY_AGAIN_LATER, "too many connections"
        else:
            try:
                session = await _session(websocket, directory, settings.max_ws_frame_bytes)
            except _FrameTooLarge:
                close_code, reason = WS_TOO_BIG, "frame too large"
    if session is None:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(close_code, reason)
        return
    token, agent = session
    with caps.open_for_agent(token) as admitted:
        if not admitted:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close(WS_TOO_MANY, "too many connections on this session")
            return
        connection = await run_in_threadpool(presence.connect, agent.id, token)
        hub.publish_presence_change()
        try:
            await _stream(websocket, directory, handoff, hub, presence, token, connection, settings)
        finally:
            await run_in_threadpool(presence.disconnect, connection)
            hub.publish_presence_change()


async def _heard(
    websocket: WebSocket,
    presence: PresenceBoard,
    connection: str,
    subscription: Subscription,
    max_bytes: int,
    too_big: asyncio.Event,
) -> None:
    """Reads the console's frames until it goes, then ends the stream (a ``closed`` event). Each beat
    marks the console as heard from (at most one a second is written, so a chatty client cannot turn into
    a stream of database writes); a frame over ``max_bytes`` sets ``too_big`` and ends the stream."""
    loop = asyncio.get_running_loop()
    last = loop.time()
    try:
        while True:
            try:
                frame = json.loads(await _frame(websocket, max_bytes))
            except json.JSONDecodeError:
                continue
            if isinstance(frame, dict) and frame.get("type") == "beat" and loop.time() - last >= MIN_BEAT_GAP:
                last = loop.time()
                await run_in_threadpool(presence.beat, connection)
    except _FrameTooLarge:
        too_big.set()
    finally:
        with contextlib.suppress(asyncio.QueueFull):  # full: the hub is dropping it with "closed" anyway
            subscription.queue.put_nowait(Event("", "closed"))


async def _stream(
    websocket: WebSocket,
    directory: AgentDirectory,
    handoff: HandoffService,
    hub: Hub,
    presence: PresenceBoard,
    token: str,
    connection: str,
    settings: GatewaySettings,
) -> None:
    recheck: float = settings.console_session_recheck
    heartbeat: float = settings.ws_heartbeat
    beat: float = settings.console_beat_seconds
    loop = asyncio.get_running_loop()
    close_code, reason = 1000, ""
    listener: asyncio.Task[None] | None = None
    too_big = asyncio.Event()
    try:
        with hub.subscribe(None) as subscription:
            listener = asyncio.create_task(
                _heard(websocket, presence, connection, subscription, settings.max_ws_frame_bytes, too_big)
            )
            escalated = await _escalated(handoff)
            await websocket.send_json({"type": "ready", "beat_seconds": beat})
            checked_at = last_sent = loop.time()
            while True:
                if loop.time() - checked_at >= recheck:
                    if not await _session_valid(directory, token):
                        close_code, reason = WS_SESSION_ENDED, "the session has ended; log in again"
                        break
                    checked_at = loop.time()
                try:
                    event = await asyncio.wait_for(subscription.get(), min(recheck, heartbeat))
                except TimeoutError:
                    if loop.time() - last_sent >= heartbeat:
                        await websocket.send_json({"type": "ping"})
                        last_sent = loop.time()
                    continue
                if event.kind == "closed":  # dropped by the hub, or the console went away
                    if too_big.is_set():
                        close_code, reason = WS_TOO_BIG, "frame too large"
                    break
                if event.kind == "queue":  # an escalation changed: which conversations may stream, too
                    escalated = await _escalated(handoff)
                    await websocket.send_json({"type": "queue"})
                elif event.kind == "presence":
                    await websocket.send_json({"type": "presence"})
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
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # its ending is known already
                await listener
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(close_code, reason)
