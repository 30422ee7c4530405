"""The shopper's conversation: start it, send messages, read history, receive messages live."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, WebSocket, WebSocketDisconnect, status
from starlette.concurrency import run_in_threadpool

from bot.desk.conversations.model import (
    Channel,
    Conversation,
    ConversationClosed,
    ConversationExpired,
    ConversationNotFound,
    InvalidToken,
    Message,
)
from bot.desk.conversations.store import ConversationStore
from integrations.gateway.chat import ChatService
from integrations.gateway.config import GatewaySettings
from integrations.gateway.deps import ChatDep, SettingsDep, ShopperConversation, StoreDep
from integrations.gateway.hub import Event
from integrations.gateway.limits import SocketCaps
from integrations.gateway.ratelimit import Limit, RateLimiter, client_address
from integrations.gateway.schemas import (
    ConversationCreated,
    ConversationOut,
    ErrorOut,
    HistoryOut,
    MessageIn,
    MessageOut,
    TurnOut,
)
from integrations.notices.web import deliver_on_open

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/conversations", tags=["conversations"])

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No token"},
    403: {"model": ErrorOut, "description": "The token is not this conversation's"},
    404: {"model": ErrorOut, "description": "No such conversation"},
    410: {"model": ErrorOut, "description": "The conversation was idle too long and is closed"},
}

# WebSocket close codes (4000-4999 are the application's): the widget starts over on 4403/4404/4410.
WS_UNAUTHORIZED, WS_FORBIDDEN, WS_NOT_FOUND, WS_EXPIRED = 4401, 4403, 4404, 4410
WS_TOO_BIG, WS_TRY_AGAIN_LATER, WS_TOO_MANY = 1009, 1013, 4429
WS_AUTH_TIMEOUT = 10.0
AfterQuery = Annotated[
    int, Query(ge=0, le=2**63 - 1, description="Only messages with an id above this cursor.")
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConversationCreated)
async def start_conversation(request: Request, store: StoreDep, settings: SettingsDep) -> ConversationCreated:
    """Start a web conversation; the token in the answer is the only way back into it."""
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.check(
        f"new:{client_address(request)}", Limit(settings.limit_new_conversations, 60), "new conversations"
    )
    started = await run_in_threadpool(store.create, Channel.WEB)
    assert started.token is not None
    log.info("conversation %s started on the web", started.conversation.id)
    return ConversationCreated(
        id=started.conversation.id, token=started.token, status=started.conversation.status.value
    )


@router.get("/{conversation_id}", response_model=ConversationOut, responses=AUTH_ERRORS)
async def read_conversation(conversation: ShopperConversation) -> ConversationOut:
    return ConversationOut.of(conversation)


@router.post(
    "/{conversation_id}/messages",
    response_model=TurnOut,
    responses={**AUTH_ERRORS, 409: {"model": ErrorOut, "description": "The conversation is closed"}},
)
async def send_message(
    request: Request, conversation: ShopperConversation, body: MessageIn, chat: ChatDep, settings: SettingsDep
) -> TurnOut:
    """Send the shopper's message. While the assistant owns the conversation its replies come back here
    (and over the WebSocket); while a person owns it the answer has no replies. When the assistant cannot
    be reached the message is still kept and a system reply says so (``assistant_available`` is false)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.check(f"messages:{conversation.id}", Limit(settings.limit_messages, 60), "messages")
    try:
        turn = await chat.shopper_says(
            conversation,
            body.text,
            client_message_id=body.client_message_id,
            payload=body.payload,
            metadata={"client": f"web:{client_address(request)}"},
        )
    except ConversationClosed:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "This conversation is closed; start a new one."
        ) from None
    return TurnOut(
        message=MessageOut.of(turn.message),
        replies=[MessageOut.of(m) for m in turn.replies],
        duplicate=turn.duplicate,
        assistant_available=turn.assistant_available,
        status=turn.status.value,
    )


@router.get("/{conversation_id}/messages", response_model=HistoryOut, responses=AUTH_ERRORS)
async def read_history(
    request: Request, conversation: ShopperConversation, store: StoreDep, chat: ChatDep, after: AfterQuery = 0
) -> HistoryOut:
    """The conversation's messages after the cursor, oldest first (for a reload or a reconnect). Delay
    notices waiting for this conversation are delivered into it first."""
    await deliver_on_open(request.app.state.notice_book, chat.post, conversation.id)
    messages = await run_in_threadpool(store.history, conversation.id, after)
    return HistoryOut(
        messages=[MessageOut.of(m) for m in messages],
        cursor=messages[-1].id if messages else after,
        status=conversation.status.value,
    )


def _message_frame(message: Message) -> dict[str, Any]:
    return {"type": "message", "message": MessageOut.of(message).model_dump(mode="json")}


async def _authenticate_socket(
    websocket: WebSocket, store: ConversationStore, conversation_id: str, token: str | None
) -> Conversation | None:
    """The token comes from the query, or (kept out of access logs) as the first frame:
    ``{"type": "auth", "token": "..."}``."""
    if not token:
        try:
            first = await asyncio.wait_for(websocket.receive_json(), WS_AUTH_TIMEOUT)
        except (TimeoutError, json.JSONDecodeError, KeyError, WebSocketDisconnect):
            first = None
        token = first.get("token") if isinstance(first, dict) and first.get("type") == "auth" else None
        if not isinstance(token, str) or not token:
            await websocket.close(WS_UNAUTHORIZED, "token required")
            return None
    try:
        return await run_in_threadpool(store.authenticate, conversation_id, token)
    except ConversationNotFound:
        await websocket.close(WS_NOT_FOUND, "no such conversation")
    except InvalidToken:
        await websocket.close(WS_FORBIDDEN, "wrong token")
    except ConversationExpired:
        await websocket.close(WS_EXPIRED, "conversation expired")
    return None


@router.websocket("/{conversation_id}/ws")
async def live(
    websocket: WebSocket,
    conversation_id: UUID,
    after: AfterQuery = 0,
    token: Annotated[str | None, Query(description="Prefer the first-frame auth message")] = None,
) -> None:
    """Messages after ``after`` first, then live messages and status changes, each frame JSON:
    ``{"type": "message", "message": {...}}``, ``{"type": "status", "status": "agent"}``,
    ``{"type": "ping"}`` (answer not required). The client may send ``{"type": "ping"}`` for a pong."""
    chat: ChatService = websocket.app.state.chat
    caps: SocketCaps = websocket.app.state.socket_caps
    await websocket.accept()
    # Only a socket waiting for its first frame counts as unauthenticated; a query token is checked now.
    with caps.authenticating() if not token else contextlib.nullcontext(True) as admitted:
        if not admitted:
            await websocket.close(WS_TRY_AGAIN_LATER, "too many connections")
            return
        conversation = await _authenticate_socket(websocket, chat.store, str(conversation_id), token)
    if conversation is None:
        return
    with caps.open_on(conversation.id) as admitted:
        if not admitted:
            await websocket.close(WS_TOO_MANY, "too many connections to this conversation")
            return
        await _stream(websocket, chat, conversation, after)


async def _stream(websocket: WebSocket, chat: ChatService, conversation: Conversation, after: int) -> None:
    cid = conversation.id
    settings: GatewaySettings = websocket.app.state.settings
    heartbeat = settings.ws_heartbeat
    await deliver_on_open(websocket.app.state.notice_book, chat.post, cid)  # waiting delay notices
    # Subscribe before reading the backlog, so nothing stored in between is missed; ids dedupe the overlap.
    with chat.hub.subscribe(cid) as subscription:
        sent = after
        for message in await run_in_threadpool(chat.store.history, cid, after):
            await websocket.send_json(_message_frame(message))
            sent = message.id
        await websocket.send_json({"type": "status", "status": conversation.status.value})

        async def read_client() -> None:
            while True:
                raw = await websocket.receive_text()
                if len(raw) > settings.max_ws_frame_bytes:
                    await websocket.close(WS_TOO_BIG, "frame too large")
                    return
                with contextlib.suppress(json.JSONDecodeError):
                    frame = json.loads(raw)
                    if isinstance(frame, dict) and frame.get("type") == "ping":
                        await websocket.send_json({"type": "pong"})

        reader = asyncio.create_task(read_client())
        try:
            while not reader.done():
                getter = asyncio.ensure_future(subscription.get())
                done, _ = await asyncio.wait(
                    {getter, reader}, timeout=heartbeat, return_when="FIRST_COMPLETED"
                )
                if getter not in done:
                    getter.cancel()
                    if not done:
                        await websocket.send_json({"type": "ping"})
                    continue
                event: Event = getter.result()
                if event.kind == "closed":
                    break
                if event.kind == "status" and event.status is not None:
                    await websocket.send_json({"type": "status", "status": event.status.value})
                elif event.message is not None and not event.message.internal and event.message.id > sent:
                    await websocket.send_json(_message_frame(event.message))
                    sent = event.message.id
        except (WebSocketDisconnect, RuntimeError):
            pass  # the shopper went away mid-send
        finally:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close()
